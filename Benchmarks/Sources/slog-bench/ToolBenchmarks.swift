import Foundation
import SlogRing

#if canImport(Glibc)
    import Glibc
#endif

/// Benchmarks of this package's tools, run as real processes on a prepared input: wall time,
/// MB/s of input, peak memory. Each case names the executable it runs and prepares its input;
/// a tool that is not built is reported as skipped, with how to build it.
///
/// slog-diff is not here yet: it landed after this harness. Add a case that prepares two rings
/// of `tailCapacity` that diverge late and runs `slog-diff A B` (target: 300 MB/s of input);
/// until then it is measured by hand (Benchmarks/README.md).
enum ToolBenchmarkID: String, CaseIterable, Codable {
    /// `slog-tail RING > /dev/null`: a full dump of a full ring.
    case tail

    var tool: String {
        switch self {
        case .tail: "slog-tail"
        }
    }

    var summary: String {
        switch self {
        case .tail: "slog-tail full dump of a full ring to /dev/null"
        }
    }
}

/// Tools the harness knows it cannot measure yet, printed and written to the JSON so a reader
/// of the results sees the gap.
let notMeasuredTools = [
    NotMeasured(
        benchmark: "slog-diff",
        reason: "not measured by slog-bench yet (landed after the harness): by hand, 130-190 MB/s of input on two 100 MB inputs on a loaded machine; see Benchmarks/README.md")
]

struct NotMeasured: Codable {
    var benchmark: String
    var reason: String
}

struct ToolSample: Codable {
    /// Bytes of ring data the tool read (the ring's used bytes: frames between oldest and write).
    var inputBytes: Int
    var records: Int
    var seconds: Double
    var megabytesPerSecond: Double
    /// The child's peak resident set (`ru_maxrss`), in KiB.
    var peakResidentKiB: Int
    var userSeconds: Double
    var systemSeconds: Double
}

/// A prepared tool input, removed when dropped.
struct ToolInput: ~Copyable {
    let path: String
    let bytes: Int
    let records: Int

    /// A ring of `capacity` bytes filled past one lap with the pool's records, so it is full
    /// and has wrapped, as a node's ring is after its first hours.
    init(ringAt path: String, capacity: Int, pool: RecordPool) throws {
        unlink(path)
        (bytes, records) = try Self.fill(path: path, capacity: capacity, pool: pool)
        self.path = path
    }

    private static func fill(path: String, capacity: Int, pool: RecordPool) throws -> (bytes: Int, records: Int) {
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

    deinit { unlink(path) }
}

extension ToolBenchmarkID {
    /// Runs the tool once on `input`, its output to /dev/null; throws if it fails.
    func run(executable: String, input: borrowing ToolInput, scratch: String) throws -> ToolSample {
        let errorPath = "\(scratch)/slog-bench-\(getpid())-\(rawValue).stderr"
        defer { unlink(errorPath) }
        let start = monotonicNanoseconds()
        let (status, usage) = try spawnAndWait(executable, [input.path], stdout: "/dev/null", stderr: errorPath)
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        guard status == 0 else {
            let message = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            throw BenchError("\(tool) exited with status \(status): \(message.prefix(300))")
        }
        func time(_ value: timeval) -> Double { Double(value.tv_sec) + Double(value.tv_usec) / 1e6 }
        return ToolSample(
            inputBytes: input.bytes, records: input.records, seconds: seconds,
            megabytesPerSecond: Double(input.bytes) / seconds / 1e6, peakResidentKiB: usage.ru_maxrss,
            userSeconds: time(usage.ru_utime), systemSeconds: time(usage.ru_stime))
    }
}

/// Starts `executable` with `arguments`, stdin from /dev/null and stdout/stderr to files, and
/// waits for it. Returns its exit status (128 + signal when killed) and resource usage.
func spawnAndWait(_ executable: String, _ arguments: [String], stdout: String, stderr: String) throws -> (Int32, rusage)
{
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    guard spawned == 0 else { throw BenchError(errno: spawned, "start \(executable)") }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 {
        guard errno == EINTR else { throw BenchError(errno: errno, "wait for \(executable)") }
    }
    let exited = status & 0x7f == 0
    return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), usage)
}

/// Where this executable lives: the build directory, where `swift build` puts the other tools.
func executableDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard length > 0 else { return "." }
    let path = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return (path as NSString).deletingLastPathComponent
}
