/// slog-bench: write throughput and latency of SlogRing and FlightRecorder against the physical
/// limit and the baselines, on the same bytes, in one run (issue 6; Benchmarks/README.md).
///
/// Usage:
///   swift run -c release slog-bench [FILTER...] [--runs N] [--json PATH] [--dir DIR]...
///   slog-bench --smoke [--json PATH] [--dir DIR]     (what `swift test` runs)
///   slog-bench --help | --list
///
/// Steps: build the record pools (Agoric-shaped slog JSON per size class); calibrate the
/// timer; one discarded warm-up pass of everything at 1/16 scale; then N runs, each measuring
/// every selected benchmark at every selected size in every directory (interleaved, so drift
/// on a shared machine hits all of them alike and ratios come from the same run); then the
/// tools; then the table on stdout and the JSON file.
///
/// Exit status: 0 measured (targets met or not), 1 a benchmark or tool failed, 2 usage error.
import FlightRecorder
import Foundation
import SlogRing

#if canImport(Glibc)
    import Glibc
#endif

func writeError(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

func progress(_ text: String) { writeError(text + "\n") }

// slog-record is fed through a pipe: if it dies, the write fails with EPIPE instead of killing us.
signal(SIGPIPE, SIG_IGN)

let options: Options
do { options = try Options.parse(Array(CommandLine.arguments.dropFirst())) } catch {
    writeError("slog-bench: \(error.message)\nTry 'slog-bench --help'.\n")
    exit(2)
}
if options.help {
    print(usageText, terminator: "")
    exit(0)
}
if options.list {
    for benchmark in WriteBenchmarkID.allCases {
        print(benchmark.rawValue.padding(toLength: 19, withPad: " ", startingAt: 0) + benchmark.summary)
    }
    for tool in ToolBenchmarkID.allCases {
        print(tool.rawValue.padding(toLength: 19, withPad: " ", startingAt: 0) + tool.summary)
    }
    for missing in notMeasuredTools {
        print(missing.benchmark.padding(toLength: 19, withPad: " ", startingAt: 0) + missing.reason)
    }
    exit(0)
}

if let size = options.showRecords {
    do {
        let pool = try RecordPool(sizeClass: size)
        for record in pool.records.prefix(pool.recordsPerBlock) { print(String(decoding: record, as: UTF8.self)) }
    } catch {
        writeError("slog-bench: \(error)\n")
        exit(1)
    }
    exit(0)
}

#if DEBUG
    let build = "debug"
    let banner = """
        ************************************************************************
        *  DEBUG BUILD: these numbers mean nothing. Measure with                *
        *      swift run -c release slog-bench                                  *
        ************************************************************************
        """
    print(banner)
    writeError(banner + "\n")
#else
    let build = "release"
#endif

do {
    exit(try runBenchmarks(options))
} catch {
    writeError("slog-bench: \(error)\n")
    exit(1)
}

func runBenchmarks(_ options: Options) throws -> Int32 {
    var machine = Machine.current(crc32cHardware: CRC32C.isHardwareAccelerated)
    let timer = TimerCalibration.measure(pairs: options.smoke ? 10_000 : 1_000_000)
    let directories = options.measuredDirectories.map(Directory.describe)
    for directory in directories {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue,
            access(directory.path, W_OK) == 0
        else { throw BenchError("\(directory.path) is not a writable directory") }
    }

    var poolSizes = options.benchmarks.isEmpty ? [] : options.sizes
    if !options.tools.isEmpty && !poolSizes.contains(256) { poolSizes.append(256) }
    if !options.tools.isEmpty && !poolSizes.contains(realSizeClass) { poolSizes.append(realSizeClass) }
    var pools: [Int: RecordPool] = [:]
    for size in poolSizes { pools[size] = try RecordPool(sizeClass: size) }
    let workload = poolSizes.sorted().map { size in
        let pool = pools[size]!
        return WorkloadSummary(
            sizeClass: size, recordsInPool: pool.count, recordsPerBlock: pool.recordsPerBlock,
            meanRecordBytes: (pool.meanLength * 10).rounded() / 10, recordsOfExactSize: pool.exactCount)
    }

    // One discarded pass of everything, small: code, allocator and page cache warm alike.
    if !options.smoke, let first = directories.first {
        progress("slog-bench: warm-up")
        for size in options.sizes {
            for benchmark in options.benchmarks {
                let plan = benchmark.plan(sizeClass: size, capacity: options.capacity, scale: options.scale / 16)
                _ = try benchmark.run(
                    in: first.path, capacity: options.capacity, pool: pools[size]!, plan: plan, timer: timer)
            }
        }
    }

    if let seconds = options.soakSeconds {
        var soaked: [SoakResult] = []
        for directory in directories {
            for size in options.sizes {
                for benchmark in options.benchmarks {
                    progress(
                        "slog-bench: soak \(benchmark.rawValue) \(sizeLabel(size)) in \(directory.path), \(seconds) s")
                    soaked.append(
                        try benchmark.soak(
                            in: directory, capacity: options.capacity, pool: pools[size]!, seconds: seconds,
                            rate: options.soakRate, timer: timer))
                }
            }
        }
        machine.loadAverageAtEnd = loadAverage()
        var report = Report(
            date: ISO8601DateFormatter().string(from: Date()), build: build, smoke: options.smoke,
            command: CommandLine.arguments,
            machine: machine, timer: timer, runs: 1, ringCapacity: options.capacity, workload: workload,
            directories: directories, write: [], tools: [], protocolCosts: [], targets: [], notMeasured: [])
        report.soak = soaked
        return try finish(report, options)
    }

    var results: [WriteResult] = []
    for directory in directories {
        for size in options.sizes {
            for benchmark in options.benchmarks {
                let plan = benchmark.plan(sizeClass: size, capacity: options.capacity, scale: options.scale)
                results.append(WriteResult(benchmark: benchmark, directory: directory, sizeClass: size, plan: plan))
            }
        }
    }
    for run in 1...options.runs {
        for index in results.indices {
            let result = results[index]
            if index == 0 || results[index - 1].directory != result.directory {
                progress("slog-bench: run \(run)/\(options.runs) in \(result.directory) (\(result.fileSystem))")
            }
            let sample = try result.benchmark.run(
                in: result.directory, capacity: options.capacity, pool: pools[result.sizeClass]!, plan: result.plan,
                timer: timer)
            results[index].runs.append(sample)
        }
    }

    // Each tool in each directory: its input prepared, one run to warm the page cache, then its
    // runs. The tools measured by a marginal cost (slog-record's rows and their cat baseline)
    // take turns run by run, so a drift of the shared machine reaches them alike and their
    // differences and ratios stay meaningful.
    var tools: [ToolResult] = []
    for directory in directories {
        var measured: [(index: Int, executable: String, input: ToolInput, runs: Int)] = []
        for tool in options.tools {
            let executable = tool.executable(in: options.toolsDirectory ?? executableDirectory())
            var result = ToolResult(
                benchmark: tool, summary: tool.summary, executable: executable, directory: directory.path,
                fileSystem: directory.fileSystem, runs: [])
            guard access(executable, X_OK) == 0 else {
                result.skipped = tool == .recordFile
                    ? "\(executable) is missing"
                    : "\(executable) is not built (swift build -c release --product \(tool.tool))"
                tools.append(result)
                continue
            }
            progress("slog-bench: \(tool.tool) in \(directory.path)")
            let input = try ToolInput.prepare(
                tool, in: directory.path, size: options.tailCapacity, pools: (pools[256]!, pools[realSizeClass]!),
                recordRing: options.smoke ? 4 << 20 : nil)
            tools.append(result)
            // A marginal cost is a difference of two runs: at least 9 of each (seconds apiece).
            let runs = input.half != nil && !options.smoke ? max(options.runs, 9) : options.runs
            let entry = (index: tools.count - 1, executable: executable, input: input, runs: runs)
            if input.half != nil {
                measured.append(entry)  // later, taking turns
            } else {
                if !options.smoke { runOnce(entry, warmUp: true) }
                for _ in 0..<entry.runs { runOnce(entry) }
            }
        }
        func runOnce(_ entry: (index: Int, executable: String, input: ToolInput, runs: Int), warmUp: Bool = false) {
            guard tools[entry.index].failed == nil else { return }
            do {
                let sample = try tools[entry.index].benchmark.run(
                    executable: entry.executable, input: entry.input, scratch: directory.path)
                if !warmUp { tools[entry.index].runs.append(sample) }
            } catch {
                // A tool that fails is reported with the rest, and the exit status says so.
                tools[entry.index].runs = []
                tools[entry.index].failed = "\(error)"
            }
        }
        if !options.smoke { for entry in measured { runOnce(entry, warmUp: true) } }
        for run in 0..<(measured.map(\.runs).max() ?? 0) {
            for entry in measured where run < entry.runs { runOnce(entry) }
        }
    }
    // The report lists them by tool, then directory, as before.
    func place(_ result: ToolResult) -> (Int, Int) {
        (ToolBenchmarkID.allCases.firstIndex(of: result.benchmark) ?? 0,
         directories.firstIndex { $0.path == result.directory } ?? 0)
    }
    tools.sort { place($0) < place($1) }

    machine.loadAverageAtEnd = loadAverage()
    let analysis = Analysis(write: results, tools: tools, directories: directories)
    let report = Report(
        date: ISO8601DateFormatter().string(from: Date()), build: build, smoke: options.smoke,
        command: CommandLine.arguments,
        machine: machine, timer: timer, runs: options.runs, ringCapacity: options.capacity, workload: workload,
        directories: directories, write: results, tools: tools, protocolCosts: analysis.protocolCosts(),
        targets: analysis.targets(), notMeasured: notMeasuredTools)
    return try finish(report, options)
}

/// Prints the table, writes the JSON, and returns the exit status.
func finish(_ report: Report, _ options: Options) throws -> Int32 {
    print(Table.render(report), terminator: "")
    let jsonPath = options.jsonPath ?? defaultJSONPath()
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(report).write(to: URL(fileURLWithPath: jsonPath))
    print("JSON: \(jsonPath)")
    return report.tools.contains { $0.failed != nil } ? 1 : 0
}

/// Benchmarks/results/ (gitignored) when run from the package root, else the current directory.
func defaultJSONPath() -> String {
    let formatter = DateFormatter()
    formatter.dateFormat = "yyyyMMdd-HHmmss"
    let name = "slog-bench-\(formatter.string(from: Date())).json"
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: "Benchmarks", isDirectory: &isDirectory), isDirectory.boolValue else {
        return name
    }
    try? FileManager.default.createDirectory(atPath: "Benchmarks/results", withIntermediateDirectories: true)
    return "Benchmarks/results/\(name)"
}
