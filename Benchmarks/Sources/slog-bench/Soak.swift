#if canImport(Glibc)
    import Glibc
#endif

/// The writeback tail: a writer paced at a node-like rate for long enough that the kernel
/// writes the ring's dirty pages back (every ~30 s on ext4) and write-protects them, so the
/// writer takes a page fault per page again (`../shared/reference/performance-notes.md`).
/// Every record is timed. A normal run (under a second per measurement) never sees this.
struct SoakResult: Codable {
    var benchmark: WriteBenchmarkID
    var directory: String
    var fileSystem: String
    var sizeClass: Int
    var targetRecordsPerSecond: Int
    var records: Int
    var seconds: Double
    /// Of every record.
    var latency: Latency
    var p9999: Double
    /// Records slower than 1 us, 10 us and 100 us.
    var over1us: Int
    var over10us: Int
    var over100us: Int
    var faults: PageFaults
}

/// Writes `seconds × rate` records, one every `1/rate` s (busy-waiting between them, so the
/// writer stays on its CPU like a node's busy thread), timing each.
func runPaced<B: WriteBenchmark & ~Copyable>(
    _ benchmark: consuming B, pool: RecordPool, seconds: Int, rate: Int
) throws -> (latencies: [UInt32], seconds: Double, faults: PageFaults) {
    let records = UnsafeBufferPointer(pool.records)
    let count = seconds * rate
    var latencies = [UInt32](repeating: 0, count: count)
    let period = 1e9 / Double(rate)
    var next = 0
    let faultsBefore = PageFaults.ofThisThread()
    let start = monotonicNanoseconds()
    latencies.withUnsafeMutableBufferPointer { latencies in
        for index in 0..<count {
            let due = start + UInt64(Double(index) * period)
            while monotonicNanoseconds() < due {}
            let before = monotonicNanoseconds()
            benchmark.write(records[next])
            let after = monotonicNanoseconds()
            latencies[index] = UInt32(clamping: after &- before)
            next &+= 1
            if next == records.count { next = 0 }
        }
    }
    let elapsed = Double(monotonicNanoseconds() - start) / 1e9
    let faults = PageFaults.ofThisThread() - faultsBefore
    _ = try benchmark.finish()
    return (latencies, elapsed, faults)
}

extension WriteBenchmarkID {
    /// The benchmarks a soak makes sense for: the two hot paths.
    static let soakable: [WriteBenchmarkID] = [.append, .recorder]

    func soak(
        in directory: Directory, capacity: Int, pool: RecordPool, seconds: Int, rate: Int, timer: TimerCalibration
    ) throws -> SoakResult {
        let path = "\(directory.path)/slog-bench-\(getpid())-soak-\(rawValue).ring"
        let run: (latencies: [UInt32], seconds: Double, faults: PageFaults)
        switch self {
        case .append:
            run = try runPaced(
                AppendBenchmark(path: path, capacity: capacity), pool: pool, seconds: seconds, rate: rate)
        case .recorder:
            run = try runPaced(
                RecorderBenchmark(path: path, capacity: capacity), pool: pool, seconds: seconds, rate: rate)
        default:
            throw BenchError("\(rawValue) cannot soak; only \(Self.soakable.map(\.rawValue))")
        }
        let sorted = run.latencies.sorted()
        let overhead = timer.overheadNanoseconds
        func corrected(_ value: UInt32) -> Double { Swift.max(0, Double(value) - overhead) }
        func slower(than nanoseconds: Double) -> Int {
            sorted.count - sorted.partitioningIndex { corrected($0) > nanoseconds }
        }
        return SoakResult(
            benchmark: self, directory: directory.path, fileSystem: directory.fileSystem, sizeClass: pool.sizeClass,
            targetRecordsPerSecond: rate, records: sorted.count, seconds: run.seconds,
            latency: Latency(sorted: sorted, overhead: overhead), p9999: corrected(percentile(sorted: sorted, 0.9999)),
            over1us: slower(than: 1_000), over10us: slower(than: 10_000),
            over100us: slower(than: 100_000), faults: run.faults)
    }
}

extension Collection {
    /// The first index whose element satisfies `predicate`, which must be false then true
    /// along the collection (binary search).
    func partitioningIndex(where predicate: (Element) -> Bool) -> Index {
        var low = startIndex
        var count = self.count
        while count > 0 {
            let half = count / 2
            let middle = index(low, offsetBy: half)
            if predicate(self[middle]) {
                count = half
            } else {
                low = index(after: middle)
                count -= half + 1
            }
        }
        return low
    }
}
