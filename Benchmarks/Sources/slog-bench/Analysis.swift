import Foundation
/// The protocol breakdown and the targets, derived from the measured runs.
struct Analysis {
    let write: [WriteResult]
    let tools: [ToolResult]
    let directories: [Directory]

    func result(_ benchmark: WriteBenchmarkID, _ size: Int, in directory: Directory) -> WriteResult? {
        write.first { $0.benchmark == benchmark && $0.sizeClass == size && $0.directory == directory.path }
    }

    func protocolCosts() -> [ProtocolCost] {
        var costs: [ProtocolCost] = []
        for directory in directories {
            for size in allSizeClasses {
                func ns(_ benchmark: WriteBenchmarkID) -> Double? {
                    result(benchmark, size, in: directory)?.median.nanosecondsPerRecord
                }
                func difference(_ a: WriteBenchmarkID, _ b: WriteBenchmarkID) -> Double? {
                    guard let a = ns(a), let b = ns(b) else { return nil }
                    return a - b
                }
                let cost = ProtocolCost(
                    directory: directory.path, fileSystem: directory.fileSystem, sizeClass: size, copy: ns(.limit),
                    frameHeader: difference(.frame, .limit), publishPerRecord: difference(.framePublish, .frame),
                    checksum: difference(.frameChecksum, .frame), wholeProtocol: ns(.frameChecksumPublish),
                    ringOverhead: difference(.append, .frameChecksumPublish),
                    recorderOverhead: difference(.recorder, .append), lock: difference(.lockedAppend, .append),
                    recorderBookkeeping: difference(.recorderWithoutMarkers, .lockedAppend),
                    automaticMarkers: difference(.recorder, .recorderWithoutMarkers))
                if cost.copy != nil || cost.wholeProtocol != nil || cost.ringOverhead != nil { costs.append(cost) }
            }
        }
        return costs
    }

    /// The targets at 256 B, per directory; only those whose benchmarks ran.
    func targets() -> [TargetCheck] {
        var checks: [TargetCheck?] = []
        for directory in directories {
            // The ratio targets: (what, benchmark, over which, threshold, unit).
            let ratioTargets: [(String, WriteBenchmarkID, WriteBenchmarkID, Double, String)] = [
                ("SlogRing append >= 50% of the physical limit's records/s (256 B)", .append, .limit, 0.5, "fraction"),
                ("FlightRecorder hook >= 30% of the physical limit's records/s (256 B, real-shaped)", .recorder, .limit, 0.3,
                 "fraction"),
                ("SlogRing append >= 50x the pwrite baseline's records/s (256 B)", .append, .pwrite, 50, "times"),
                ("FlightRecorder hook >= 50x the pwrite baseline's records/s (256 B)", .recorder, .pwrite, 50, "times"),
            ]
            for (target, benchmark, baseline, threshold, unit) in ratioTargets {
                checks.append(ratio(target, benchmark, over: baseline, atLeast: threshold, unit: unit, in: directory))
            }
            // The same hook target on the real sample slog at its own lengths (issue #17).
            checks.append(
                ratio(
                    "FlightRecorder hook >= 30% of the physical limit's records/s (real sample slog)", .recorder,
                    over: .limit, atLeast: 0.3, unit: "fraction", in: directory, size: realSizeClass))
            // The same two ratios against the prefetching copy (issue #17's writer prefetches):
            // stricter than the issue's, reported beside them.
            checks.append(
                ratio(
                    "(stricter) SlogRing append >= 50% of the prefetching copy's records/s (256 B)", .append,
                    over: .limitPrefetch, atLeast: 0.5, unit: "fraction", in: directory))
            checks.append(
                ratio(
                    "(stricter) FlightRecorder hook >= 30% of the prefetching copy's records/s (256 B)", .recorder,
                    over: .limitPrefetch, atLeast: 0.3, unit: "fraction", in: directory))
            checks.append(p99UnderOneMicrosecond("FlightRecorder hook p99 < 1 us (256 B, automatic markers on)", .recorder, in: directory))
            // Not a target: the most any writer can reach over the baseline on this machine.
            var bound = ratio(
                "physical limit over the pwrite baseline (256 B): the most any writer can reach",
                .limit, over: .pwrite, atLeast: 50, unit: "times", in: directory)
            bound?.isBound = true
            checks.append(bound)
            checks.append(p99UnderOneMicrosecond("SlogRing append p99 < 1 us (256 B, prefaulted ring)", .append, in: directory))
            // The tools' targets (issue #17), each on the median of its runs.
            let toolTargets: [(ToolBenchmarkID, String, Double, String, Bool)] = [
                (.tail, "slog-tail dump >= 1 GB/s (256 B records)", 1000, "MB/s", true),
                (.tailReal, "slog-tail dump >= 1 GB/s (real records, SlogRing)", 1000, "MB/s", true),
                (.tailAgoric, "slog-tail dump >= 1 GB/s (real records, Agoric's format)", 1000, "MB/s", true),
                (.record, "slog-record CPU <= 300 ns per line of real slog (stdin pipe, marginal: start-up excluded)", 300, "ns", false),
                (.recordSteady, "slog-record CPU <= 300 ns per line, steady state (16 MiB ring, three laps, marginal)", 300, "ns", false),
                (.diff, "slog-diff >= 300 MB/s of input (generated, timestamps differ, late divergence)", 300, "MB/s", true),
            ]
            for (benchmark, target, threshold, unit, atLeast) in toolTargets {
                guard let tool = tools.first(where: { $0.benchmark == benchmark && $0.directory == directory.path }) else {
                    continue
                }
                var check = TargetCheck(
                    target: target, directory: directory.path, fileSystem: directory.fileSystem, threshold: threshold,
                    unit: unit)
                if let problem = tool.skipped ?? tool.failed {
                    check.note = problem
                } else {
                    // CPU per line is the marginal cost where it was measured (slog-record: the
                    // start-up is reported beside it, in the tools table), else the average.
                    // slog-record's from the least CPU of its runs on the whole and on half the
                    // input (`bestOfMarginalNanosecondsPerRecord`); the range is per run.
                    let values = atLeast
                        ? tool.runs.map(\.megabytesPerSecond)
                        : tool.runs.compactMap { $0.marginalCPUNanosecondsPerRecord ?? $0.cpuNanosecondsPerRecord }
                    let value = (atLeast ? nil : tool.bestOfMarginalNanosecondsPerRecord) ?? median(values)
                    check.value = value
                    check.lowest = values.min()
                    check.highest = values.max()
                    check.met = atLeast ? value >= threshold : value <= threshold
                }
                if benchmark == .record, let value = check.value, let steady = marginal(.recordSteady, in: directory) {
                    check.note = String(format: "first lap - steady state: %+.0f ns per line (the new ring's pages)", value - steady)
                }
                checks.append(check)
            }
            // Not a target: writing the same lines into a new plain file (cat) pays for new
            // page-cache pages too; what slog-record's first lap is compared with.
            if let file = measured(.recordFile, in: directory), let value = file.bestOfMarginalNanosecondsPerRecord {
                let runs = file.runs.compactMap(\.marginalCPUNanosecondsPerRecord)
                var check = TargetCheck(
                    target: "baseline: cat into a new file, CPU per line at the margin (new page-cache pages, as in a ring's first lap)",
                    directory: directory.path, fileSystem: directory.fileSystem, threshold: 0, unit: "ns")
                check.value = value
                check.lowest = runs.min()
                check.highest = runs.max()
                check.isBound = true
                checks.append(check)
            }
        }
        return checks.compactMap { $0 }
    }

    /// A measured (not skipped, not failed) tool row in `directory`, or nil.
    private func measured(_ benchmark: ToolBenchmarkID, in directory: Directory) -> ToolResult? {
        tools.first { $0.benchmark == benchmark && $0.directory == directory.path && $0.skipped == nil && $0.failed == nil }
    }

    /// The marginal CPU per line of a measured tool row in `directory` (best of its runs), or nil.
    private func marginal(_ benchmark: ToolBenchmarkID, in directory: Directory) -> Double? {
        measured(benchmark, in: directory)?.bestOfMarginalNanosecondsPerRecord
    }

    /// `benchmark`'s records/s over `reference`'s, run by run, at 256 B.
    private func ratio(
        _ target: String, _ benchmark: WriteBenchmarkID, over reference: WriteBenchmarkID, atLeast threshold: Double,
        unit: String, in directory: Directory, size: Int = 256
    ) -> TargetCheck? {
        guard let a = result(benchmark, size, in: directory), let b = result(reference, size, in: directory) else {
            return nil
        }
        var check = TargetCheck(
            target: target, directory: directory.path, fileSystem: directory.fileSystem, threshold: threshold,
            unit: unit)
        let ratios = zip(a.runs, b.runs).map { $0.recordsPerSecond / $1.recordsPerSecond }
        check.value = median(ratios)
        check.lowest = ratios.min()
        check.highest = ratios.max()
        check.met = median(ratios) >= threshold
        return check
    }

    /// `benchmark`'s p99 latency at 256 B under 1 us, on the median of its runs.
    private func p99UnderOneMicrosecond(_ target: String, _ benchmark: WriteBenchmarkID, in directory: Directory) -> TargetCheck? {
        guard let result = result(benchmark, 256, in: directory) else { return nil }
        let values = result.runs.map(\.latency.p99)
        return TargetCheck(
            target: target, directory: directory.path, fileSystem: directory.fileSystem, value: median(values),
            lowest: values.min(), highest: values.max(), threshold: 1000, unit: "ns", met: median(values) < 1000)
    }
}
