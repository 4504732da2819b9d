import Foundation

/// Everything one invocation measured: what the JSON file holds and the table is printed from.
struct Report: Codable {
    var tool = "slog-bench"
    /// Bumped when a field changes meaning.
    var formatVersion = 1
    var date: String
    var build: String
    /// A `--smoke` run: tiny counts, nothing measured.
    var smoke: Bool
    var command: [String]
    var machine: Machine
    var timer: TimerCalibration
    var runs: Int
    var ringCapacity: Int
    var units = "records/s; MB/s with MB = 10^6 bytes; latency in ns per record, timer overhead subtracted"
    var workload: [WorkloadSummary]
    var directories: [Directory]
    var write: [WriteResult]
    var tools: [ToolResult]
    var protocolCosts: [ProtocolCost]
    var targets: [TargetCheck]
    var notMeasured: [NotMeasured]
    /// Paced runs (`--soak`); empty otherwise.
    var soak: [SoakResult] = []
}

struct Machine: Codable {
    var cpu: String
    var logicalCPUs: Int
    var kernel: String
    var memoryMiB: Int
    var crc32cHardware: Bool
    var loadAverageAtStart: [Double]
    var loadAverageAtEnd: [Double]

    static func current(crc32cHardware: Bool) -> Machine {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) }
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return Machine(
            cpu: model ?? "unknown", logicalCPUs: ProcessInfo.processInfo.activeProcessorCount, kernel: release,
            memoryMiB: Int(ProcessInfo.processInfo.physicalMemory >> 20), crc32cHardware: crc32cHardware,
            loadAverageAtStart: loadAverage(), loadAverageAtEnd: [])
    }
}

func loadAverage() -> [Double] {
    var values = [Double](repeating: 0, count: 3)
    return getloadavg(&values, 3) == 3 ? values.map { ($0 * 100).rounded() / 100 } : []
}

struct WorkloadSummary: Codable {
    var sizeClass: Int
    var recordsInPool: Int
    var recordsPerBlock: Int
    var meanRecordBytes: Double
    var recordsOfExactSize: Int
}

struct Directory: Codable {
    var path: String
    var fileSystem: String

    /// The file system type of the mount holding `path` (longest matching mount point).
    static func describe(_ path: String) -> Directory {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let mounts = (try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? ""
        var best = (point: "", type: "unknown")
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            let point = String(fields[1])
            let matches = resolved == point || resolved.hasPrefix(point == "/" ? "/" : point + "/")
            if matches && point.count >= best.point.count { best = (point, String(fields[2])) }
        }
        return Directory(path: path, fileSystem: best.type)
    }
}

/// One benchmark at one size in one directory, over all runs.
struct WriteResult: Codable {
    var benchmark: WriteBenchmarkID
    var summary: String
    var directory: String
    var fileSystem: String
    var sizeClass: Int
    var plan: PassPlan
    var runs: [RunSample]

    /// Medians over the runs.
    var median: RunSample.Medians { RunSample.Medians(runs) }
    /// (max - min) / median of records/s.
    var relativeSpread: Double {
        let rates = runs.map(\.recordsPerSecond)
        guard let low = rates.min(), let high = rates.max() else { return 0 }
        return (high - low) / median.recordsPerSecond
    }

    enum CodingKeys: String, CodingKey {
        case benchmark, summary, directory, fileSystem, sizeClass, plan, runs, median, relativeSpread
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(benchmark, forKey: .benchmark)
        try container.encode(summary, forKey: .summary)
        try container.encode(directory, forKey: .directory)
        try container.encode(fileSystem, forKey: .fileSystem)
        try container.encode(sizeClass, forKey: .sizeClass)
        try container.encode(plan, forKey: .plan)
        try container.encode(runs, forKey: .runs)
        try container.encode(median, forKey: .median)
        try container.encode(relativeSpread, forKey: .relativeSpread)
    }

    init(benchmark: WriteBenchmarkID, directory: Directory, sizeClass: Int, plan: PassPlan) {
        self.benchmark = benchmark
        self.summary = benchmark.summary
        self.directory = directory.path
        self.fileSystem = directory.fileSystem
        self.sizeClass = sizeClass
        self.plan = plan
        self.runs = []
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        benchmark = try container.decode(WriteBenchmarkID.self, forKey: .benchmark)
        summary = try container.decode(String.self, forKey: .summary)
        directory = try container.decode(String.self, forKey: .directory)
        fileSystem = try container.decode(String.self, forKey: .fileSystem)
        sizeClass = try container.decode(Int.self, forKey: .sizeClass)
        plan = try container.decode(PassPlan.self, forKey: .plan)
        runs = try container.decode([RunSample].self, forKey: .runs)
    }
}

extension RunSample {
    /// The median of each figure over several runs (each figure on its own).
    struct Medians: Codable {
        var recordsPerSecond: Double
        var megabytesPerSecond: Double
        var nanosecondsPerRecord: Double
        var latency: Latency
        var minorFaults: Double
        var majorFaults: Double
        var latencyPassMinorFaults: Double
        var markers: Double?

        init(_ runs: [RunSample]) {
            func of(_ value: (RunSample) -> Double) -> Double { runs.isEmpty ? 0 : median(runs.map(value)) }
            recordsPerSecond = of(\.recordsPerSecond)
            megabytesPerSecond = of(\.megabytesPerSecond)
            nanosecondsPerRecord = of(\.nanosecondsPerRecord)
            latency = Latency(medianOf: runs.map(\.latency))
            minorFaults = of { Double($0.faults.minor) }
            majorFaults = of { Double($0.faults.major) }
            latencyPassMinorFaults = of { Double($0.latencyPassFaults.minor) }
            let markers = runs.compactMap(\.notes.markers)
            self.markers = markers.isEmpty ? nil : median(markers.map(Double.init))
        }
    }
}

struct ToolResult: Codable {
    var benchmark: ToolBenchmarkID
    var summary: String
    var executable: String
    var directory: String
    var fileSystem: String
    var runs: [ToolSample]
    /// Why nothing was measured (the tool is not built), or nil.
    var skipped: String?
    /// How the tool failed (it exited non-zero), or nil.
    var failed: String?

    var medianMegabytesPerSecond: Double? { runs.isEmpty ? nil : median(runs.map(\.megabytesPerSecond)) }

    /// The CPU per line at the margin from the best runs: (least CPU on the whole input - least
    /// CPU on its half) / the lines between, in ns. Noise on a shared machine only adds CPU
    /// (stolen time, cache interference), so the least of several runs is the steadiest
    /// estimate; a per-run difference swings by more than the effect. Nil without half runs.
    var bestOfMarginalNanosecondsPerRecord: Double? {
        let halves = runs.compactMap(\.halfCPUSeconds)
        guard let lines = runs.first?.records, let halfLines = runs.first?.halfRecords, !halves.isEmpty, lines > halfLines,
            let full = runs.map({ $0.userSeconds + $0.systemSeconds }).min(), let half = halves.min()
        else { return nil }
        return (full - half) * 1e9 / Double(lines - halfLines)
    }
}

/// The ns/record each step of the append protocol adds, from medians of one invocation.
struct ProtocolCost: Codable {
    var directory: String
    var fileSystem: String
    var sizeClass: Int
    /// The physical limit's ns/record: the copy alone.
    var copy: Double?
    /// frame - limit: the 24-byte header and 8-byte alignment.
    var frameHeader: Double?
    /// frame-publish - frame: two releasing stores per record instead of per 64.
    var publishPerRecord: Double?
    /// frame-crc - frame: the CRC32C.
    var checksum: Double?
    /// frame-crc-publish: the whole protocol reproduced on a raw mapping.
    var wholeProtocol: Double?
    /// append - frame-crc-publish: what SlogRing adds (eviction, checks, the call).
    var ringOverhead: Double?
    /// recorder - append: what FlightRecorder adds (lock, type scan, markers, retention).
    var recorderOverhead: Double?
    /// locked-append - append: the recorder's Mutex.
    var lock: Double?
    /// recorder-nomarkers - locked-append: the recorder's bookkeeping around the append.
    var recorderBookkeeping: Double?
    /// recorder - recorder-nomarkers: automatic markers (type scan, marker records, retention).
    var automaticMarkers: Double?
}

/// One target of the issue, checked on medians of per-run ratios (both sides from the same run).
struct TargetCheck: Codable {
    var target: String
    var directory: String?
    var fileSystem: String?
    var value: Double?
    var lowest: Double?
    var highest: Double?
    var threshold: Double
    var unit: String
    /// nil when it could not be measured in this invocation (`note` says why).
    var met: Bool?
    var note: String?
    /// Not one of the targets: a bound that explains one (printed as BOUND).
    var isBound = false
}
