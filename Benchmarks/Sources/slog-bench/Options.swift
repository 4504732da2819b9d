/// The command line, parsed by hand (STYLE §20).
struct Options {
    var benchmarks: [WriteBenchmarkID] = WriteBenchmarkID.allCases
    var tools: [ToolBenchmarkID] = ToolBenchmarkID.allCases
    var sizes: [Int] = allSizeClasses
    /// Directories to measure in, each on its own file system; `nil`: the defaults.
    var directories: [String]?
    /// Restricts the default directories to these kinds ("tmpfs", "disk").
    var fileSystemKinds: Set<String> = []
    var runs = 5
    var smoke = false
    var jsonPath: String?
    var capacity = 128 << 20
    var tailCapacity = 100 << 20
    var scale = 1.0
    var toolsDirectory: String?
    var help = false
    /// Run the paced soak for this many seconds instead of the suite.
    var soakSeconds: Int?
    var soakRate = 100_000
    var list = false
    /// Print one block of the records of this size class and exit.
    var showRecords: Int?

    static let defaultDirectories = [("tmpfs", "/dev/shm"), ("disk", "/var/tmp")]

    static func parse(_ arguments: [String]) throws(UsageError) -> Options {
        var options = Options()
        var chosenBenchmarks: [WriteBenchmarkID] = []
        var chosenTools: [ToolBenchmarkID] = []
        var chosenSizes: [Int] = []
        var filtered = false
        var capacitySet = false
        var runsSet = false
        var scaleSet = false
        var rest = arguments[...]
        func value(_ flag: String) throws(UsageError) -> String {
            guard let next = rest.popFirst() else { throw UsageError("\(flag) needs a value") }
            return next
        }
        func positive(_ flag: String) throws(UsageError) -> Int {
            let text = try value(flag)
            guard let number = Int(text), number > 0 else {
                throw UsageError("\(flag) needs a positive integer, got '\(text)'")
            }
            return number
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "-h", "--help": options.help = true
            case "--list": options.list = true
            case "--smoke": options.smoke = true
            case "--runs":
                options.runs = try positive(argument)
                runsSet = true
            case "--json": options.jsonPath = try value(argument)
            case "--dir": options.directories = (options.directories ?? []) + [try value(argument)]
            case "--capacity":
                options.capacity = try positive(argument)
                capacitySet = true
            case "--tail-capacity": options.tailCapacity = try positive(argument)
            case "--scale":
                let text = try value(argument)
                guard let number = Double(text), number > 0 else {
                    throw UsageError("--scale needs a positive number, got '\(text)'")
                }
                options.scale = number
                scaleSet = true
            case "--tools-dir": options.toolsDirectory = try value(argument)
            case "--soak": options.soakSeconds = try positive(argument)
            case "--rate": options.soakRate = try positive(argument)
            case "--show-records":
                let text = try value(argument)
                guard let size = Self.size(text) else {
                    throw UsageError("--show-records needs a size class (64, 256, 1k, 16k)")
                }
                options.showRecords = size
            case "tmpfs", "disk": options.fileSystemKinds.insert(argument)
            default:
                if argument.hasPrefix("-") { throw UsageError("unknown option '\(argument)'") }
                filtered = true
                if let size = Self.size(argument) {
                    chosenSizes.append(size)
                } else if let benchmark = WriteBenchmarkID(rawValue: argument) {
                    chosenBenchmarks.append(benchmark)
                } else if let tool = ToolBenchmarkID(rawValue: argument) {
                    chosenTools.append(tool)
                } else if argument == "tools" {
                    chosenTools += ToolBenchmarkID.allCases
                } else {
                    let group = WriteBenchmarkID.allCases.filter { $0.group == argument }
                    guard !group.isEmpty else {
                        throw UsageError("unknown benchmark, group or size '\(argument)' (see --list)")
                    }
                    chosenBenchmarks += group
                }
            }
        }
        // The two limits are read together: naming one runs both.
        if chosenBenchmarks.contains(.limit) != chosenBenchmarks.contains(.limitPrefetch) {
            chosenBenchmarks += [.limit, .limitPrefetch].filter { !chosenBenchmarks.contains($0) }
        }
        if filtered && !(chosenBenchmarks.isEmpty && chosenTools.isEmpty) {
            // Naming benchmarks runs only those; naming only sizes runs every benchmark.
            options.benchmarks = WriteBenchmarkID.allCases.filter(chosenBenchmarks.contains)
            options.tools = ToolBenchmarkID.allCases.filter(chosenTools.contains)
        }
        if !chosenSizes.isEmpty { options.sizes = allSizeClasses.filter(chosenSizes.contains) }
        if options.soakSeconds != nil {
            // A soak is long: one size (256 B unless named) and the two hot paths (unless named).
            if chosenSizes.isEmpty { options.sizes = [256] }
            options.benchmarks =
                chosenBenchmarks.isEmpty
                ? WriteBenchmarkID.soakable : WriteBenchmarkID.soakable.filter(chosenBenchmarks.contains)
            guard !options.benchmarks.isEmpty else {
                throw UsageError(
                    "--soak runs only \(WriteBenchmarkID.soakable.map(\.rawValue).joined(separator: " and "))")
            }
            options.tools = []
        }
        if options.smoke {
            if !runsSet { options.runs = 1 }
            if !capacitySet { options.capacity = 4 << 20 }
            if !scaleSet { options.scale = 1.0 / 64 }
            options.tailCapacity = min(options.tailCapacity, 1 << 20)
        }
        guard options.capacity % 8 == 0, options.capacity >= 4 * 16384 else {
            throw UsageError("--capacity must be a multiple of 8 of at least 64 KiB")
        }
        return options
    }

    /// "64", "256", "1k", "1024", "16k", "16384", "1KiB" ... → one of `allSizeClasses`.
    static func size(_ word: String) -> Int? {
        let lower = word.lowercased()
        if lower == "real" { return realSizeClass }
        let number: Int?
        if lower.hasSuffix("kib") {
            number = Int(lower.dropLast(3)).map { $0 * 1024 }
        } else if lower.hasSuffix("k") {
            number = Int(lower.dropLast()).map { $0 * 1024 }
        } else if lower.hasSuffix("b") {
            number = Int(lower.dropLast())
        } else {
            number = Int(lower)
        }
        return number.flatMap { allSizeClasses.contains($0) ? $0 : nil }
    }

    /// The directories to measure in, with what the command line says about them.
    var measuredDirectories: [String] {
        if let directories { return directories }
        return Self.defaultDirectories.filter { fileSystemKinds.isEmpty || fileSystemKinds.contains($0.0) }.map(\.1)
    }
}

struct UsageError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

let usageText = """
    usage: slog-bench [FILTER...] [--runs N] [--json PATH] [--dir DIR]... [--smoke]
                      [--capacity BYTES] [--tail-capacity BYTES] [--scale F] [--tools-dir DIR]
           slog-bench --soak SECONDS [--rate N] [append|recorder] [SIZE] [--dir DIR]...
           slog-bench --list | --show-records SIZE | --help

    Measures SlogRing's append, FlightRecorder's write-slog hook, the physical limit (memcpy
    into a prefaulted shared mapping), the steps of the crash-safety protocol, and two
    baselines (pwrite per record as Agoric's recorder does; a buffered JSON-lines file), all on
    the same Agoric-shaped records of 64 B, 256 B, 1 KiB and 16 KiB; then slog-tail dumping a
    ~100 MB ring. Prints a table of medians over the runs and writes the samples as JSON.
    Build in release: swift run -c release slog-bench

    FILTER words (any mix; default: everything):
      limit limit-prefetch frame frame-publish frame-crc frame-crc-publish append locked-append
      recorder-nomarkers recorder buffered pwrite
      protocol            the four frame-* steps
      hook                locked-append and recorder-nomarkers (the parts of the hook)
      baselines           buffered and pwrite
      tail tail-real tail-agoric record record-steady record-file diff, tools
                          the tools: slog-tail dumps (256 B ring; real records
                          as a ring and in Agoric's format), slog-record through
                          a pipe (CPU per line at the margin; record-steady: a
                          16 MiB ring lapped three times; record-file: the
                          baseline, cat into a new file), slog-diff of two slogfiles
      64 256 1k 16k       record size classes
      real                the real sample slog's records at their own lengths, in blocks
      tmpfs disk          which default directory (/dev/shm, /var/tmp)
    Naming only sizes runs every benchmark at those sizes. Example: slog-bench append limit 256

    Options:
      --runs N            measured runs (default 5; 1 with --smoke); medians and spread
      --json PATH         where the JSON goes (default Benchmarks/results/slog-bench-TIME.json
                          when run from the package root, else ./slog-bench-TIME.json)
      --dir DIR           measure in DIR instead of /dev/shm and /var/tmp (repeatable)
      --smoke             tiny counts and a 4 MiB ring: checks the harness, measures nothing
      --capacity BYTES    ring size (default 128 MiB); each benchmark writes 2 laps + 1 lap
      --tail-capacity B   size of the ring slog-tail dumps (default 100 MiB)
      --scale F           multiply every record count by F (0.1 for a quick look)
      --tools-dir DIR     where the tools are (default: next to this executable)
      --soak SECONDS      instead of the suite: write at --rate records/s (default 100000) for
                          SECONDS, timing every record, to catch the writeback tail (use >= 80
                          on a disk; append and recorder at 256 B unless named)
      --list              list the benchmarks and exit
      --show-records SIZE print one block of the records of a size class and exit
      -h, --help          this help

    Exit status: 0 measured (whether or not targets are met), 1 a benchmark or tool failed,
    2 usage error.

    """
