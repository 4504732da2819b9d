import Foundation

/// The human-readable output: one table per directory, then the protocol breakdown, the tools
/// and the targets. Every benchmark row starts with its size and id, so a script (or the smoke
/// test) can find it.
struct Table {
    var lines: [String] = []
    var smoke = false
    var build = "release"

    mutating func add(_ line: String = "") { lines.append(line) }

    static func render(_ report: Report) -> String {
        var table = Table(smoke: report.smoke, build: report.build)
        table.header(report)
        for directory in report.directories {
            table.writeResults(report.write.filter { $0.directory == directory.path }, in: directory, report: report)
        }
        table.protocolCosts(report.protocolCosts)
        if report.soak.isEmpty {
            table.tools(report.tools)
        } else {
            table.soak(report.soak)
        }
        table.targets(report.targets)
        return table.lines.joined(separator: "\n") + "\n"
    }

    mutating func header(_ report: Report) {
        let m = report.machine
        let runs = "\(report.runs) run\(report.runs == 1 ? "" : "s")"
        add("slog-bench: \(runs), medians; \(report.build) build; \(report.date)")
        let load = m.loadAverageAtStart.map { String($0) }.joined(separator: " ")
        add("machine: \(m.cpu), \(m.logicalCPUs) CPUs, Linux \(m.kernel), \(m.memoryMiB) MiB, "
            + "CRC32C hardware: \(m.crc32cHardware), load \(load)")
        let timer = report.timer
        add("timer: \(timer.clock) (\(timer.clocksource)), overhead \(Int(timer.overheadNanoseconds)) ns per sample "
            + "subtracted (p99 of the pair \(Int(timer.overheadP99Nanoseconds)) ns: the noise floor of one sample)")
        add("ring: \(report.ringCapacity >> 20) MiB, prefaulted; throughput passes write 2 laps untimed per record, "
            + "latency passes 1 lap timing ~1 record in 8 (every record for pwrite)")
        let workload = report.workload.map {
            String(format: "%@ mean %.1f B (%d/%d exact)", sizeLabel($0.sizeClass), $0.meanRecordBytes,
                   $0.recordsOfExactSize, $0.recordsInPool)
        }
        let perBlock = report.workload.first.map { "\($0.recordsPerBlock) per block, 8 of them trigger markers" } ?? ""
        add("records: Agoric-shaped slog JSON, \(perBlock); " + workload.joined(separator: ", "))
        add("MB = 10^6 bytes of slog records; spread = (max - min) / median of records/s over the runs;")
        add("faults = writer page faults (minor/major) per throughput pass")
    }

    mutating func writeResults(_ results: [WriteResult], in directory: Directory, report: Report) {
        guard !results.isEmpty else { return }
        add()
        add("== \(directory.path) (\(directory.fileSystem)) ==")
        add(
            pad("size", 7) + pad("benchmark", 19, left: true) + pad("records/s", 11) + pad("MB/s", 8) + pad("ns/rec", 9)
                + pad("p50", 8) + pad("p99", 8) + pad("p99.9", 9) + pad("max", 10) + pad("spread", 8) + pad("faults", 9)
                + "  vs limit")
        for size in allSizeClasses {
            let rows = results.filter { $0.sizeClass == size }
            guard !rows.isEmpty else { continue }
            let limit = rows.first { $0.benchmark == .limit }?.median.recordsPerSecond
            for row in rows {
                let m = row.median
                let versus = limit.map { String(format: "%5.1f%%", 100 * m.recordsPerSecond / $0) } ?? ""
                add(
                    pad(sizeLabel(size), 7) + pad(row.benchmark.rawValue, 19, left: true)
                        + pad(rate(m.recordsPerSecond), 11) + pad(String(format: "%.0f", m.megabytesPerSecond), 8)
                        + pad(String(format: "%.1f", m.nanosecondsPerRecord), 9) + pad(ns(m.latency.p50), 8)
                        + pad(ns(m.latency.p99), 8) + pad(ns(m.latency.p999), 9) + pad(ns(m.latency.max), 10)
                        + pad(String(format: "%.0f%%", 100 * row.relativeSpread), 8)
                        + pad(String(format: "%.0f/%.0f", m.minorFaults, m.majorFaults), 9) + "  " + versus)
            }
        }
        let markers = results.filter { $0.benchmark == .recorder }.compactMap { result in
            result.median.markers.map { "\(sizeLabel(result.sizeClass)) \(Int($0))" }
        }
        if !markers.isEmpty {
            add("recorder: automatic markers written per run (median): " + markers.joined(separator: ", "))
        }
    }

    mutating func protocolCosts(_ costs: [ProtocolCost]) {
        guard !costs.isEmpty else { return }
        add()
        add("== crash-safety protocol: ns/record each step adds (medians) ==")
        add(
            pad("dir", 10, left: true) + pad("size", 7) + pad("copy", 8) + pad("+header", 9) + pad("+publish", 10)
                + pad("+crc", 8) + pad("=protocol", 11) + pad("ring+", 8) + pad("recorder+", 11) + pad("=lock", 7)
                + pad("+state", 8) + pad("+markers", 10))
        for cost in costs {
            add(
                pad(cost.fileSystem, 10, left: true) + pad(sizeLabel(cost.sizeClass), 7) + pad(decimal(cost.copy), 8)
                    + pad(decimal(cost.frameHeader), 9) + pad(decimal(cost.publishPerRecord), 10)
                    + pad(decimal(cost.checksum), 8)
                    + pad(decimal(cost.wholeProtocol), 11) + pad(decimal(cost.ringOverhead), 8)
                    + pad(decimal(cost.recorderOverhead), 11) + pad(decimal(cost.lock), 7)
                    + pad(decimal(cost.recorderBookkeeping), 8) + pad(decimal(cost.automaticMarkers), 10))
        }
        add("copy = limit; +header = frame - limit; +publish = frame-publish - frame (publish per record vs per 64);")
        add("+crc = frame-crc - frame; =protocol = frame-crc-publish; ring+ = append - frame-crc-publish;")
        add(
            "recorder+ = recorder - append = lock (locked-append - append) + state (recorder-nomarkers - locked-append)"
        )
        add("  + markers (recorder - recorder-nomarkers)")
    }

    mutating func tools(_ tools: [ToolResult]) {
        add()
        add("== tools ==")
        for tool in tools {
            if let skipped = tool.skipped {
                add("\(tool.benchmark.rawValue) (\(tool.fileSystem)): skipped: \(skipped)")
                continue
            }
            if let failed = tool.failed {
                add("\(tool.benchmark.rawValue) (\(tool.fileSystem)): FAILED: \(failed)")
                continue
            }
            let rates = tool.runs.map(\.megabytesPerSecond)
            let first = tool.runs[0]
            let cpu = tool.runs.compactMap(\.cpuNanosecondsPerRecord)
            // MB per CPU-second of the child: what the tool costs, less sensitive than wall time
            // to other processes on a loaded machine.
            let cpuRate = median(tool.runs.map { Double($0.inputBytes) / max($0.userSeconds + $0.systemSeconds, 1e-6) / 1e6 })
            add(
                String(
                    format:
                        "%@ (%@): %@: %.0f MB/s median (%.0f-%.0f), %.0f MB per CPU-second, CPU %.0f ns/record, %.1f MB input, %d records, peak RSS %.1f MiB",
                    tool.benchmark.rawValue, tool.fileSystem, tool.summary, median(rates), rates.min() ?? 0,
                    rates.max() ?? 0, cpuRate, cpu.isEmpty ? 0 : median(cpu), Double(first.inputBytes) / 1e6, first.records,
                    median(tool.runs.map { Double($0.peakResidentKiB) }) / 1024))
            let marginal = tool.runs.compactMap(\.marginalCPUNanosecondsPerRecord)
            let fixed = tool.runs.compactMap(\.fixedCPUSeconds)
            if !marginal.isEmpty && !fixed.isEmpty {
                add(
                    String(
                        format:
                            "    of which per line, at the margin: %.0f ns from the least CPU of %d runs (whole and half input); per run %.0f ns median (%.0f-%.0f); start-up and shutdown: %.0f ms CPU",
                        tool.bestOfMarginalNanosecondsPerRecord ?? median(marginal), tool.runs.count, median(marginal),
                        marginal.min() ?? 0, marginal.max() ?? 0, median(fixed) * 1000))
            }
        }
        for missing in notMeasuredTools { add("\(missing.benchmark): \(missing.reason)") }
    }

    mutating func soak(_ results: [SoakResult]) {
        add()
        add("== soak: paced writer, every record timed (ns) ==")
        add(
            pad("dir", 10, left: true) + pad("benchmark", 11, left: true) + pad("size", 7) + pad("rec/s", 8)
                + pad("s", 5) + pad("p50", 6) + pad("p99", 7) + pad("p99.9", 8) + pad("p99.99", 8) + pad("max", 9)
                + pad(">1us", 8) + pad(">10us", 7) + pad(">100us", 7) + pad("faults", 10))
        for r in results {
            add(
                pad(r.fileSystem, 10, left: true) + pad(r.benchmark.rawValue, 11, left: true)
                    + pad(sizeLabel(r.sizeClass), 7)
                    + pad("\(r.targetRecordsPerSecond / 1000)k", 8) + pad(String(format: "%.0f", r.seconds), 5)
                    + pad(ns(r.latency.p50), 6) + pad(ns(r.latency.p99), 7) + pad(ns(r.latency.p999), 8)
                    + pad(ns(r.p9999), 8) + pad(ns(r.latency.max), 9)
                    + pad("\(r.over1us)", 8)
                    + pad("\(r.over10us)", 7) + pad("\(r.over100us)", 7)
                    + pad("\(r.faults.minor)/\(r.faults.major)", 10))
        }
    }

    mutating func targets(_ targets: [TargetCheck]) {
        guard !targets.isEmpty else { return }
        add()
        add("== targets (medians of per-run ratios; lowest-highest run) ==")
        if smoke || build == "debug" {
            add("!! \(smoke ? "smoke run" : "debug build"): these verdicts are not a measurement")
        }
        for check in targets {
            let verdict = check.isBound ? "BOUND " : check.met.map { $0 ? "MET   " : "MISSED" } ?? "n/a   "
            var text = "\(verdict) \(check.target)"
            if let fs = check.fileSystem { text += " [\(fs)]" }
            if let value = check.value {
                text += ": " + formatted(value, check.unit)
                if let low = check.lowest, let high = check.highest {
                    text += " (\(formatted(low, check.unit))-\(formatted(high, check.unit)))"
                }
            }
            if let note = check.note { text += ": \(note)" }
            add(text)
        }
    }

    private func formatted(_ value: Double, _ unit: String) -> String {
        switch unit {
        case "fraction": String(format: "%.0f%%", 100 * value)
        case "times": String(format: "%.0fx", value)
        case "ns": String(format: "%.0f ns", value)
        default: String(format: "%.0f %@", value, unit)
        }
    }

    private func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return left ? " " + text + padding : padding + text
    }

    private func rate(_ value: Double) -> String {
        value >= 1e6 ? String(format: "%.2f M", value / 1e6) : String(format: "%.1f k", value / 1e3)
    }

    private func ns(_ value: Double) -> String { String(format: "%.0f", value) }

    private func decimal(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "-" }
}
