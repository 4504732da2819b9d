#if canImport(Glibc)
    import Glibc
#endif

/// Every write benchmark, in the order the table shows them: the physical limit, the protocol
/// steps adding up to an append, the library's two hot paths with the parts of the hook
/// between them, then the two baselines.
enum WriteBenchmarkID: String, CaseIterable, Codable {
    case limit
    case limitPrefetch = "limit-prefetch"
    case frame
    case framePublish = "frame-publish"
    case frameChecksum = "frame-crc"
    case frameChecksumPublish = "frame-crc-publish"
    case append
    case lockedAppend = "locked-append"
    case recorderWithoutMarkers = "recorder-nomarkers"
    case recorder
    case buffered
    case pwrite

    var summary: String {
        switch self {
        case .limit: "physical limit (the issue's): memcpy into a prefaulted MAP_SHARED file mapping, no framing"
        case .limitPrefetch: "the best copy: the same memcpy, prefetching the lines 2 KiB ahead as append does"
        case .frame: "protocol: frame header + copy, publish every 64th, no CRC"
        case .framePublish: "protocol: frame header + copy + releasing publish per record, no CRC"
        case .frameChecksum: "protocol: frame header + copy + CRC32C, publish every 64th"
        case .frameChecksumPublish: "protocol: frame header + copy + CRC32C + publish per record"
        case .append: "SlogRing RingWriter.append"
        case .lockedAppend: "hook part: RingWriter.append inside a pthread mutex (the recorder's RecorderLock)"
        case .recorderWithoutMarkers: "hook part: FlightRecorder.record with automatic markers off"
        case .recorder: "FlightRecorder.record (write-slog hook, automatic markers on)"
        case .buffered: "buffered JSON-lines append (64 KiB buffer, write(2), O_APPEND)"
        case .pwrite: "baseline: pwrite per record + 32 B header pwrite (Agoric's design)"
        }
    }

    /// The word that selects the whole group on the command line.
    var group: String? {
        switch self {
        case .frame, .framePublish, .frameChecksum, .frameChecksumPublish: "protocol"
        case .lockedAppend, .recorderWithoutMarkers: "hook"
        case .pwrite, .buffered: "baselines"
        default: nil
        }
    }

    /// How many records each pass writes for records of `sizeClass` bytes into a ring of
    /// `capacity`. Fast benchmarks write two laps of the ring timed as a whole, then one lap
    /// sampled for latency; the baselines, which make system calls, fewer.
    func plan(sizeClass: Int, capacity: Int, scale: Double) -> PassPlan {
        func scaled(_ count: Int) -> Int { max(16, Int(Double(count) * scale)) }
        let lap = capacity / (sizeClass == realSizeClass ? 256 : sizeClass)
        switch self {
        case .pwrite:
            let count = sizeClass >= 16384 ? 10_000 : 40_000
            return PassPlan(
                throughputRecords: scaled(min(count, 2 * lap)), latencyRecords: scaled(min(count / 2, lap)),
                meanSamplingGap: 1)
        case .buffered:
            return PassPlan(throughputRecords: scaled(lap), latencyRecords: scaled(lap / 2), meanSamplingGap: 8)
        default:
            return PassPlan(throughputRecords: scaled(2 * lap), latencyRecords: scaled(lap), meanSamplingGap: 8)
        }
    }

    /// Sets the benchmark up in `directory`, measures it, and removes its file.
    func run(
        in directory: String, capacity: Int, pool: RecordPool, plan: PassPlan, timer: TimerCalibration
    ) throws -> RunSample {
        let path = "\(directory)/slog-bench-\(getpid())-\(rawValue).ring"
        unlink(path)  // a leftover of a killed run
        /// One `FrameBenchmark` specialization, by the steps it performs.
        func frame<Checksum: StaticFlag, Publish: StaticFlag>(
            checksum: Checksum.Type, publishEveryRecord: Publish.Type
        ) throws -> RunSample {
            try measure(FrameBenchmark<Checksum, Publish>(path: path, capacity: capacity), pool: pool, plan: plan, timer: timer)
        }
        switch self {
        case .limit:
            return try measure(LimitBenchmark<Off>(path: path, capacity: capacity), pool: pool, plan: plan, timer: timer)
        case .limitPrefetch:
            return try measure(LimitBenchmark<On>(path: path, capacity: capacity), pool: pool, plan: plan, timer: timer)
        case .frame: return try frame(checksum: Off.self, publishEveryRecord: Off.self)
        case .framePublish: return try frame(checksum: Off.self, publishEveryRecord: On.self)
        case .frameChecksum: return try frame(checksum: On.self, publishEveryRecord: Off.self)
        case .frameChecksumPublish: return try frame(checksum: On.self, publishEveryRecord: On.self)
        case .append:
            return try measure(AppendBenchmark(path: path, capacity: capacity), pool: pool, plan: plan, timer: timer)
        case .lockedAppend:
            return try measure(
                LockedAppendBenchmark(path: path, capacity: capacity), pool: pool, plan: plan, timer: timer)
        case .recorderWithoutMarkers:
            return try measure(
                RecorderBenchmark(path: path, capacity: capacity, automaticMarkers: false), pool: pool, plan: plan,
                timer: timer)
        case .recorder:
            return try measure(RecorderBenchmark(path: path, capacity: capacity), pool: pool, plan: plan, timer: timer)
        case .buffered:
            return try measure(BufferedAppend(path: path), pool: pool, plan: plan, timer: timer)
        case .pwrite:
            let largest = pool.records.reduce(0) { max($0, $1.count) }
            return try measure(
                PwriteBaseline(path: path, capacity: capacity, largestRecord: largest), pool: pool, plan: plan,
                timer: timer)
        }
    }
}

/// The record size classes of the issue, then `realSizeClass`.
let allSizeClasses = [64, 256, 1024, 16384, realSizeClass]

/// Not a size: the real sample slog's records at their own lengths, in blocks (RecordPool).
let realSizeClass = 0

func sizeLabel(_ size: Int) -> String {
    if size == realSizeClass { return "real" }
    return size >= 1024 && size % 1024 == 0 ? "\(size / 1024) KiB" : "\(size) B"
}
