import SlogSamples

/// One way of writing slog records, set up fresh for each measurement.
///
/// `write` is the operation measured; it must not fail (a benchmark that cannot write traps:
/// its numbers would be meaningless). `finish` closes what was opened and checks, where it can,
/// that what was written reads back. Conformers are structs (the ring writer is `~Copyable`)
/// and `measure` is generic over them, so every loop is specialized: no existential or class
/// dispatch between the loop and the operation.
protocol WriteBenchmark: ~Copyable {
    mutating func write(_ record: UnsafeRawBufferPointer)
    consuming func finish() throws -> FinishNotes
}

/// What a benchmark found when it finished.
struct FinishNotes: Codable {
    /// Automatic markers the recorder wrote (FlightRecorder only).
    var markers: Int?
    /// What was checked, for the JSON (for example "ring reads back: 912345 records, no issues").
    var check: String?
}

/// How many records each pass writes and how the latency pass samples.
struct PassPlan: Codable {
    /// Records of the throughput pass: timed as a whole, no clock per record.
    var throughputRecords: Int
    /// Records of the latency pass, which follows in the same file.
    var latencyRecords: Int
    /// Mean distance between timed records in the latency pass (1: every record). The gap is
    /// drawn uniformly from 1...2*mean-1 so sampling cannot lock onto periodic costs (a page
    /// boundary every 16 records of 256 B, a wrap once per lap).
    var meanSamplingGap: Int
}

/// One measurement: one benchmark, one size, one file system, one run.
struct RunSample: Codable {
    var records: Int
    var bytes: Int
    var seconds: Double
    var recordsPerSecond: Double
    var megabytesPerSecond: Double
    var nanosecondsPerRecord: Double
    /// Writer-thread page faults during the throughput pass.
    var faults: PageFaults
    /// Writer-thread page faults during the latency pass.
    var latencyPassFaults: PageFaults
    var latencySamples: Int
    /// Of the latency pass's timed records.
    var latency: Latency
    var notes: FinishNotes
}

/// Latency of single timed records, in ns with the timer's overhead subtracted: percentiles and
/// the slowest (all 0 when nothing was timed).
struct Latency: Codable {
    var p50: Double
    var p99: Double
    var p999: Double
    var max: Double

    /// From raw clock differences sorted ascending, each less `overhead` (never below 0).
    init<T: BinaryInteger>(sorted: [T], overhead: Double) {
        func corrected(_ value: T) -> Double { Swift.max(0, Double(value) - overhead) }
        func at(_ fraction: Double) -> Double { sorted.isEmpty ? 0 : corrected(percentile(sorted: sorted, fraction)) }
        p50 = at(0.50)
        p99 = at(0.99)
        p999 = at(0.999)
        max = sorted.last.map(corrected) ?? 0
    }

    /// The median of each figure over `samples`, each on its own (all 0 for none).
    init(medianOf samples: [Latency]) {
        func of(_ value: (Latency) -> Double) -> Double { samples.isEmpty ? 0 : median(samples.map(value)) }
        p50 = of(\.p50)
        p99 = of(\.p99)
        p999 = of(\.p999)
        max = of(\.max)
    }
}

/// Runs the throughput pass, then the latency pass, then finishes the benchmark.
func measure<B: WriteBenchmark & ~Copyable>(
    _ benchmark: consuming B, pool: RecordPool, plan: PassPlan, timer: TimerCalibration
) throws -> RunSample {
    let records = UnsafeBufferPointer(pool.records)
    var next = 0

    // Throughput: the whole pass between two clock reads.
    var bytes = 0
    let faultsBefore = PageFaults.ofThisThread()
    let start = monotonicNanoseconds()
    for _ in 0..<plan.throughputRecords {
        let record = records[next]
        benchmark.write(record)
        bytes &+= record.count
        next &+= 1
        if next == records.count { next = 0 }
    }
    let end = monotonicNanoseconds()
    let faults = PageFaults.ofThisThread() - faultsBefore

    // Latency: time single records, about one in `meanSamplingGap`, continuing the stream.
    let samples = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: max(plan.latencyRecords, 1))
    defer { samples.deallocate() }
    var taken = 0
    var random = SplitMix64(seed: 0x5EED)
    let spread = UInt64(2 * plan.meanSamplingGap - 1)
    var countdown = 1 + Int(random.next() % spread)
    let latencyFaultsBefore = PageFaults.ofThisThread()
    for _ in 0..<plan.latencyRecords {
        let record = records[next]
        countdown -= 1
        if countdown == 0 {
            let before = monotonicNanoseconds()
            benchmark.write(record)
            let after = monotonicNanoseconds()
            samples[taken] = after &- before
            taken += 1
            countdown = 1 + Int(random.next() % spread)
        } else {
            benchmark.write(record)
        }
        next &+= 1
        if next == records.count { next = 0 }
    }
    let latencyPassFaults = PageFaults.ofThisThread() - latencyFaultsBefore
    let notes = try benchmark.finish()

    var sorted = Array(samples[0..<taken])
    sorted.sort()
    let seconds = Double(end - start) / 1e9
    return RunSample(
        records: plan.throughputRecords, bytes: bytes, seconds: seconds,
        recordsPerSecond: Double(plan.throughputRecords) / seconds,
        megabytesPerSecond: Double(bytes) / seconds / 1e6,
        nanosecondsPerRecord: seconds * 1e9 / Double(plan.throughputRecords),
        faults: faults, latencyPassFaults: latencyPassFaults, latencySamples: taken,
        latency: Latency(sorted: sorted, overhead: timer.overheadNanoseconds), notes: notes)
}
