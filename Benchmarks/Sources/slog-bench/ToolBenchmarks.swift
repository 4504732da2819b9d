import Foundation
import SlogRing
import SlogSamples

#if canImport(Glibc)
    import Glibc
#endif

/// Benchmarks of this package's tools, run as real processes on a prepared input: wall time,
/// MB/s of input, CPU of the child (`wait4`'s rusage), peak memory. Each case names the
/// executable it runs and prepares its input; a tool that is not built is reported as skipped,
/// with how to build it. Issue #17 added every row but `tail`.
enum ToolBenchmarkID: String, CaseIterable, Codable {
    /// `slog-tail RING > /dev/null`: a full dump of a full ring of 256 B records.
    case tail
    /// The same on a ring of the real sample slog's records (their own lengths, in blocks).
    case tailReal = "tail-real"
    /// The same records in Agoric's flight-recorder format (`AG-SLOG!`), dumped by slog-tail.
    case tailAgoric = "tail-agoric"
    /// `slog-record --ring OUT` reading the real records through a pipe on stdin: CPU per line.
    case record
    /// The same into a 16 MiB ring, which the input fills three times over: the steady state a
    /// node's recorder lives in after its first lap (no ring memory to populate).
    case recordSteady = "record-steady"
    /// The baseline for `record`: `cat` writing the same lines from the pipe into a new file
    /// (what keeping the slog as a plain slogfile costs). Its CPU per line is mostly the kernel
    /// giving the new file its page-cache pages, as a new ring's first lap must too.
    case recordFile = "record-file"
    /// `slog-diff A B` on two generated ~100 MB slogfiles whose timestamps differ everywhere
    /// and that diverge three blocks from the end.
    case diff

    var tool: String {
        switch self {
        case .tail, .tailReal, .tailAgoric: "slog-tail"
        case .record, .recordSteady: "slog-record"
        case .recordFile: "cat"
        case .diff: "slog-diff"
        }
    }

    /// The executable's path: this package's tools from `directory`; `cat` from /bin.
    func executable(in directory: String) -> String {
        self == .recordFile ? "/bin/cat" : "\(directory)/\(tool)"
    }

    var summary: String {
        switch self {
        case .tail: "slog-tail full dump of a full ring (256 B records) to /dev/null"
        case .tailReal: "slog-tail full dump of a full ring of real slog records to /dev/null"
        case .tailAgoric: "slog-tail full dump of the same real records in Agoric's format to /dev/null"
        case .record: "slog-record --ring OUT < pipe of real slog lines (defaults: 256 MiB ring, markers on)"
        case .recordSteady: "slog-record --ring OUT --capacity 16M < the same lines: three laps, the steady state"
        case .recordFile: "baseline: cat > NEW FILE < the same lines (a plain slogfile: new page-cache pages too)"
        case .diff: "slog-diff A B, generated slogfiles, timestamps differing, divergence 3 blocks from the end"
        }
    }

    /// The exit status a correct run has (slog-diff says 1 when it finds the divergence).
    var expectedStatus: Int32 { self == .diff ? 1 : 0 }
}

/// Tools the harness knows it cannot measure yet, printed and written to the JSON so a reader
/// of the results sees the gap. Empty since issue #17 added slog-diff and slog-record.
let notMeasuredTools: [NotMeasured] = []

struct NotMeasured: Codable {
    var benchmark: String
    var reason: String
}

struct ToolSample: Codable {
    /// Bytes of input the tool read (for a ring, its used bytes; for slog-diff, both files).
    var inputBytes: Int
    var records: Int
    var seconds: Double
    var megabytesPerSecond: Double
    /// The child's peak resident set (`VmHWM`, polled; see `spawnAndWait`), in KiB.
    var peakResidentKiB: Int
    var userSeconds: Double
    var systemSeconds: Double
    /// The child's CPU (user + system) per input record, in ns.
    var cpuNanosecondsPerRecord: Double?
    /// slog-record only: CPU per line at the margin, in ns, from a second run on the first
    /// half of the input: (CPU(all) - CPU(half)) / (lines - half the lines). What each line
    /// costs once the recorder is up, without the start-up (ring creation and prefaulting)
    /// that `cpuNanosecondsPerRecord` spreads over the lines.
    var marginalCPUNanosecondsPerRecord: Double?
    /// slog-record only: the CPU that does not grow with the input (start-up and shutdown), in
    /// seconds: CPU(all) - lines * marginal.
    var fixedCPUSeconds: Double?
    /// With a half input: the CPU (user + system) of the run on the half, and its line count.
    var halfCPUSeconds: Double?
    var halfRecords: Int?
}

/// A prepared tool input, its files removed when the last reference goes.
final class ToolInput {
    /// The tool's arguments (the input's paths, an output path).
    let arguments: [String]
    /// Bytes fed to the tool's stdin through a pipe, or nil for /dev/null.
    let standardInput: [UInt8]?
    /// For a marginal cost: the first half of `standardInput` (whole lines) and its line count.
    let half: (input: [UInt8], records: Int)?
    /// Files to remove after every run (the tool's output).
    let outputs: [String]
    /// Where the tool's standard output goes (a new file each run), or nil for /dev/null.
    let standardOutput: String?
    /// Files to remove at the end.
    let files: [String]
    let bytes: Int
    let records: Int

    init(arguments: [String], standardInput: [UInt8]? = nil, half: (input: [UInt8], records: Int)? = nil,
         outputs: [String] = [], standardOutput: String? = nil, files: [String], bytes: Int, records: Int) {
        self.arguments = arguments
        self.standardInput = standardInput
        self.half = half
        self.outputs = outputs
        self.standardOutput = standardOutput
        self.files = files
        self.bytes = bytes
        self.records = records
    }

    /// Prepares `tool`'s input in `directory`, about `size` bytes of it.
    /// `recordRing`: slog-record's `--capacity`, or nil for its default (256 MiB; a smoke run
    /// passes a small one so `swift test` does not prefault 256 MiB).
    static func prepare(
        _ tool: ToolBenchmarkID, in directory: String, size: Int, pools: (fixed: RecordPool, real: RecordPool),
        recordRing: Int? = nil
    ) throws -> ToolInput {
        let base = "\(directory)/slog-bench-\(getpid())-\(tool.rawValue)"
        switch tool {
        case .tail, .tailReal:
            let path = base + "-input.ring"
            unlink(path)
            let (bytes, records) = try fillRing(path: path, capacity: size, pool: tool == .tail ? pools.fixed : pools.real)
            return ToolInput(arguments: [path], files: [path], bytes: bytes, records: records)
        case .tailAgoric:
            let path = base + "-input.bin"
            let (bytes, records) = try writeAgoricFile(path: path, size: size, pool: pools.real)
            return ToolInput(arguments: [path], files: [path], bytes: bytes, records: records)
        case .record, .recordSteady, .recordFile:
            var lines: [UInt8] = []
            lines.reserveCapacity(size / 2 + 65536)
            var records = 0
            var half: (input: [UInt8], records: Int)?
            while lines.count < size / 2 {
                for record in pools.real.records {
                    lines.append(contentsOf: record)
                    lines.append(UInt8(ascii: "\n"))
                    records += 1
                }
                if half == nil && lines.count >= size / 4 { half = (lines, records) }
            }
            if tool == .recordFile {
                let output = base + "-output.slog"
                return ToolInput(
                    arguments: [], standardInput: lines, half: half, outputs: [output], standardOutput: output, files: [],
                    bytes: lines.count, records: records)
            }
            let output = base + "-output.ring"
            let capacity = recordRing ?? (tool == .recordSteady ? 16 << 20 : nil)
            return ToolInput(
                arguments: ["--ring", output] + (capacity.map { ["--capacity", "\($0)"] } ?? []),
                standardInput: lines, half: half, outputs: [output], files: [], bytes: lines.count, records: records)
        case .diff:
            let (a, b) = (base + "-a.slog", base + "-b.slog")
            let (bytes, records) = try writeDiffInputs(a, b, size: size)
            return ToolInput(arguments: [a, b], files: [a, b], bytes: bytes, records: records)
        }
    }

    /// A ring of `capacity` bytes filled past one lap with the pool's records, so it is full
    /// and has wrapped, as a node's ring is after its first hours.
    private static func fillRing(path: String, capacity: Int, pool: RecordPool) throws -> (bytes: Int, records: Int) {
        var writer = try RingWriter.create(path: path, capacity: capacity)
        let records = UnsafeBufferPointer(pool.records)
        var next = 0
        while writer.write.rawValue < UInt64(capacity) + UInt64(capacity / 8) {
            _ = try writer.append(records[next])
            next = next + 1 == records.count ? 0 : next + 1
        }
        let used = (
            writer.bytesUsed,
            Int(writer.nextRecordSequence - (writer.oldestRecordSequence ?? writer.nextRecordSequence))
        )
        try writer.close()
        return used
    }

    /// Agoric's flight-recorder file (docs/FORMAT-agoric.md): 32-byte big-endian header
    /// (`AG-SLOG!`, arena size, circStart, circEnd), then records of a big-endian u64 length
    /// and `"\n"` + JSON. Written once around, not wrapped: the reader's work is the same.
    private static func writeAgoricFile(path: String, size: Int, pool: RecordPool) throws -> (bytes: Int, records: Int) {
        var arena: [UInt8] = []
        arena.reserveCapacity(size + 65536)
        var records = 0
        outer: while true {
            for record in pool.records {
                guard arena.count + 9 + record.count <= size else { break outer }
                withUnsafeBytes(of: UInt64(record.count + 1).bigEndian) { arena.append(contentsOf: $0) }
                arena.append(UInt8(ascii: "\n"))
                arena.append(contentsOf: record)
                records += 1
            }
        }
        // circEnd must lie inside the arena: 64 bytes of slack after the records.
        var file = Array("AG-SLOG!".utf8)
        for word in [UInt64(arena.count + 64), 0, UInt64(arena.count)] {
            withUnsafeBytes(of: word.bigEndian) { file.append(contentsOf: $0) }
        }
        file += arena
        file += [UInt8](repeating: 0, count: 64)
        try writeFile(path, file)
        return (arena.count, records)
    }

    /// Two slogfiles of about `size` bytes each from `AgoricSlog`: B's clock is offset (every
    /// time and monotime differs, as between two validators) and it diverges at crank 3 of the
    /// third block from the end.
    private static func writeDiffInputs(_ a: String, _ b: String, size: Int) throws -> (bytes: Int, records: Int) {
        let sample = AgoricSlog().block(1).reduce(0) { $0 + $1.utf8.count + 1 }
        let blocks = max(4, size / sample)
        let last = UInt64(blocks)
        var total = 0
        var records = 0
        for (path, generator) in [
            (a, AgoricSlog()), (b, AgoricSlog(clockOffset: 0.25, divergeAt: (height: last - 2, crank: 3))),
        ] {
            var text: [UInt8] = []
            text.reserveCapacity(size + 65536)
            for height in 1...last {
                for line in generator.block(height) {
                    text.append(contentsOf: line.utf8)
                    text.append(UInt8(ascii: "\n"))
                    records += 1
                }
            }
            try writeFile(path, text)
            total += text.count
        }
        return (total, records)
    }

    private static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw BenchError(errno: errno, "create \(path)") }
        defer { close(fd) }
        var offset = 0
        try bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                guard n > 0 else { throw BenchError(errno: errno, "write \(path)") }
                offset += n
            }
        }
    }

    func removeOutputs() { for path in outputs { unlink(path) } }

    deinit { for path in files + outputs { unlink(path) } }
}

extension ToolBenchmarkID {
    /// Runs the tool once on `input`, its output to /dev/null; throws if it fails. With a
    /// half input (slog-record, cat), runs it on that too, for the marginal CPU per line.
    func run(executable: String, input: ToolInput, scratch: String) throws -> ToolSample {
        var sample = try run(executable: executable, input: input, standardInput: input.standardInput, scratch: scratch)
        if let half = input.half, input.records > half.records {
            let first = try run(executable: executable, input: input, standardInput: half.input, scratch: scratch)
            let extra = sample.userSeconds + sample.systemSeconds - first.userSeconds - first.systemSeconds
            let marginal = extra * 1e9 / Double(input.records - half.records)
            sample.marginalCPUNanosecondsPerRecord = marginal
            sample.halfCPUSeconds = first.userSeconds + first.systemSeconds
            sample.halfRecords = half.records
            sample.fixedCPUSeconds = sample.userSeconds + sample.systemSeconds - marginal * Double(input.records) / 1e9
        }
        return sample
    }

    private func run(
        executable: String, input: ToolInput, standardInput: [UInt8]?, scratch: String
    ) throws -> ToolSample {
        let errorPath = "\(scratch)/slog-bench-\(getpid())-\(rawValue).stderr"
        defer { unlink(errorPath) }
        input.removeOutputs()
        defer { input.removeOutputs() }
        let start = monotonicNanoseconds()
        let (status, usage, peak) = try spawnAndWait(
            executable, input.arguments, standardInput: standardInput, stdout: input.standardOutput ?? "/dev/null",
            stderr: errorPath)
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        guard status == expectedStatus else {
            let message = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            throw BenchError("\(tool) exited with status \(status), not \(expectedStatus): \(message.prefix(300))")
        }
        func time(_ value: timeval) -> Double { Double(value.tv_sec) + Double(value.tv_usec) / 1e6 }
        let cpu = time(usage.ru_utime) + time(usage.ru_stime)
        return ToolSample(
            inputBytes: input.bytes, records: input.records, seconds: seconds,
            megabytesPerSecond: Double(input.bytes) / seconds / 1e6, peakResidentKiB: peak,
            userSeconds: time(usage.ru_utime), systemSeconds: time(usage.ru_stime),
            cpuNanosecondsPerRecord: cpu * 1e9 / Double(max(input.records, 1)))
    }
}

/// Starts `executable` with `arguments`, stdin from `standardInput` through a pipe (or
/// /dev/null), stdout/stderr to files, and waits for it. Returns its exit status (128 + signal
/// when killed), resource usage, and its peak resident set in KiB.
///
/// The peak is the child's `VmHWM` from /proc, polled every 2 ms until it exits (so growth in
/// its last 2 ms can be missed), not `ru_maxrss`: posix_spawn starts the child on this
/// process's memory (vfork), and the kernel carries that memory's high-water mark into the
/// child's `ru_maxrss` at exec, so every tool would show slog-bench's own peak. The input is
/// fed from a second thread so the polling goes on while the child reads.
func spawnAndWait(
    _ executable: String, _ arguments: [String], standardInput: [UInt8]? = nil, stdout: String, stderr: String
) throws -> (Int32, rusage, peakResidentKiB: Int) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var pipeEnds: [Int32] = [-1, -1]
    if standardInput != nil {
        guard pipe(&pipeEnds) == 0 else { throw BenchError(errno: errno, "create a pipe") }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], 0)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
    } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    }
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    var feeder: Thread?
    let fed = DispatchSemaphore(value: 0)
    if let standardInput {
        close(pipeEnds[0])
        let writeEnd = pipeEnds[1]
        if spawned == 0 {
            // Feed the whole input, then EOF; the child reads as fast as it can.
            let thread = Thread {
                standardInput.withUnsafeBytes { raw in
                    var offset = 0
                    while offset < raw.count {
                        let n = write(writeEnd, raw.baseAddress! + offset, raw.count - offset)
                        if n < 0 && errno == EINTR { continue }
                        guard n > 0 else { break }  // the child died: its status says why
                        offset += n
                    }
                }
                close(writeEnd)
                fed.signal()
            }
            thread.start()
            feeder = thread
        } else {
            close(writeEnd)
        }
    }
    guard spawned == 0 else { throw BenchError(errno: spawned, "start \(executable)") }
    var status: Int32 = 0
    var usage = rusage()
    var peak = 0
    while true {
        let reaped = wait4(pid, &status, WNOHANG, &usage)
        if reaped == pid { break }
        if reaped < 0 {
            guard errno == EINTR else { throw BenchError(errno: errno, "wait for \(executable)") }
            continue
        }
        peak = max(peak, residentHighWaterKiB(of: pid) ?? 0)
        usleep(2000)
    }
    if feeder != nil { fed.wait() }
    let exited = status & 0x7f == 0
    return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), usage, peak)
}

/// `VmHWM` of process `pid` in KiB, from /proc/PID/status; nil if it is gone. (Read with
/// read(2): /proc files report size 0, which Foundation's file readers take at its word.)
func residentHighWaterKiB(of pid: pid_t) -> Int? {
    let fd = open("/proc/\(pid)/status", O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 8192)
    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
    guard n > 0 else { return nil }
    let text = String(decoding: buffer[..<n], as: UTF8.self)
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return Int(line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
    }
    return nil
}

/// Where this executable lives: the build directory, where `swift build` puts the other tools.
func executableDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard length > 0 else { return "." }
    let path = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return (path as NSString).deletingLastPathComponent
}
