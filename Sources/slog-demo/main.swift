/// slog-demo: a self-contained tour of the flight recorder's ring on embedded defaults.
///
/// Usage:
///   slog-demo [--blocks N] [--capacity BYTES] [--keep]
///
/// 1. Records N blocks of Agoric-shaped slog into a small ring (so it wraps many times) while a
///    live reader follows it, and checks every record the reader got.
/// 2. Starts a writer process, kills it with SIGKILL mid-block, reopens the ring, and shows that
///    every acknowledged record survived, with nothing torn.
/// Files go to a temporary directory that is removed unless --keep is given.
///
/// Exit status: 0 when every check passed, 1 when one failed, 2 on a usage error.
import Foundation
import SlogRing
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

struct DemoOptions {
    var blocks = 400
    var capacity = 256 * 1024
    var keep = false
    var childRing: String?
}

func parseOptions() -> DemoOptions {
    var options = DemoOptions()
    var arguments = Array(CommandLine.arguments.dropFirst())
    func value(_ name: String) -> String {
        guard !arguments.isEmpty else { usageError("\(name) needs a value") }
        return arguments.removeFirst()
    }
    while !arguments.isEmpty {
        let argument = arguments.removeFirst()
        switch argument {
        case "-h", "--help":
            print("""
                usage: slog-demo [--blocks N] [--capacity BYTES] [--keep]

                Records N blocks (default 400) of validator-shaped slog into a ring of BYTES
                (default 262144) while a live reader follows it, then kills a writer process
                with SIGKILL mid-block and shows the ring reopening intact.

                  --keep   keep the ring files and print where they are

                Exit status: 0 all checks passed, 1 a check failed, 2 usage error.
                """)
            exit(0)
        case "--blocks": options.blocks = positive(value(argument), argument)
        case "--capacity": options.capacity = positive(value(argument), argument)
        case "--keep": options.keep = true
        case "--child-writer": options.childRing = value(argument)  // internal: the process step 2 kills
        default: usageError("unknown argument '\(argument)'")
        }
    }
    return options
}

func positive(_ text: String, _ name: String) -> Int {
    guard let number = Int(text), number > 0 else { usageError("\(name) needs a positive integer, got '\(text)'") }
    return number
}

func usageError(_ message: String) -> Never {
    FileHandle.standardError.write(Data("slog-demo: \(message)\nTry 'slog-demo --help'.\n".utf8))
    exit(2)
}

func check(_ condition: Bool, _ message: String) {
    if condition {
        print("  ok    \(message)")
    } else {
        print("  FAIL  \(message)")
        failures.add(1, ordering: .relaxed)
    }
}

let failures = Atomic<Int>(0)
let options = parseOptions()

if let ring = options.childRing {
    // The writer the parent kills: records blocks forever, acknowledging each block's last record.
    var writer = try RingWriter.openOrCreate(path: ring, capacity: options.capacity)
    var slog = SyntheticSlog()
    var height: UInt64 = 1
    while true {
        for line in slog.block(height: height, cranks: 8) { _ = try writer.append(line) }
        FileHandle.standardOutput.write(Data("\(writer.nextRecordSequence - 1)\n".utf8))
        height += 1
    }
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slog-demo-\(getpid())").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
defer {
    if options.keep { print("\nFiles kept in \(directory)") } else { try? FileManager.default.removeItem(atPath: directory) }
}

// MARK: Step 1: record blocks while a live reader follows.
print("1. Recording \(options.blocks) blocks into a \(options.capacity / 1024) KiB ring while a live reader follows it")
try recordWithLiveReader(directory: directory)

// MARK: Step 2: kill -9 a writer mid-block.
print("\n2. Killing a writer process with SIGKILL mid-block, then reopening its ring")
try killWriterAndReopen(directory: directory)

print("\nInspect a ring with: swift run slog-tail --info FILE   (or dump it: swift run slog-tail FILE)")
let failed = failures.load(ordering: .relaxed)
print(failed == 0 ? "All checks passed." : "\(failed) check(s) FAILED.")
exit(failed == 0 ? 0 : 1)

var isDebugBuild: Bool {
    #if DEBUG
    true
    #else
    false
    #endif
}

/// State the live reader thread shares with the main thread.
final class ReaderShared: Sendable {
    let writerDone = Atomic<Bool>(false)
    let stats = Mutex<(records: Int, laps: Int, lost: UInt64, invalid: Int)>((0, 0, 0, 0))
}

/// Step 1: records blocks while a reader thread follows the ring, then checks both.
@MainActor func recordWithLiveReader(directory: String) throws {
    let ringPath = "\(directory)/validator.ring"
    var writer = try RingWriter.create(path: ringPath, capacity: options.capacity)
    let shared = ReaderShared()
    let readerThread = Thread {
        do {
            var reader = try RingReader.open(path: ringPath)
            var stats = (records: 0, laps: 0, lost: UInt64(0), invalid: 0)
            while true {
                let finished = shared.writerDone.load(ordering: .acquiring)
                while let event = reader.next() {
                    switch event {
                    case .record:
                        stats.records += 1
                        let bytes = reader.recordBytes
                        if bytes.first != UInt8(ascii: "{") || bytes.last != UInt8(ascii: "}") { stats.invalid += 1 }
                    case .skipped(let issue):
                        if issue.reason == .lapped { stats.laps += 1 } else { stats.invalid += 1 }
                        stats.lost += issue.lostRecords ?? 0
                    }
                }
                if finished { break }
                usleep(200)
            }
            shared.stats.withLock { $0 = stats }
        } catch {
            print("  reader: \(error)")
            failures.add(1, ordering: .relaxed)
        }
    }
    readerThread.start()

    var slog = SyntheticSlog()
    var written = 0
    var bytesWritten = 0
    let clock = ContinuousClock()
    var elapsed = Duration.zero
    for height in 1...UInt64(options.blocks) {
        let lines = slog.block(height: height, cranks: Int(5 + height % 30))
        let started = clock.now
        for line in lines { _ = try writer.append(line) }
        elapsed += clock.now - started
        written += lines.count
        bytesWritten += lines.reduce(0) { $0 + $1.utf8.count }
    }
    shared.writerDone.store(true, ordering: .releasing)
    while !readerThread.isFinished { usleep(1000) }
    let laps = writer.write.rawValue / UInt64(options.capacity)
    try writer.close()

    var retained = 0
    var issues = 0
    var firstHeight: String?
    var lastHeight: String?
    var reader = try RingReader.open(path: ringPath)
    while let event = reader.next() {
        guard case .record = event else { issues += 1; continue }
        retained += 1
        let text = String(decoding: reader.recordBytes, as: UTF8.self)
        if text.hasPrefix(#"{"type":"cosmic-swingset-begin-block""#), let range = text.range(of: #""blockHeight":"#) {
            let height = String(text[range.upperBound...].prefix { $0.isNumber })
            if firstHeight == nil { firstHeight = height }
            lastHeight = height
        }
    }
    let nanos = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    print("  wrote \(written) records (\(bytesWritten / 1024) KiB) in \(Int(nanos / 1e6)) ms, \(Int(nanos / Double(written))) ns per append\(isDebugBuild ? " (debug build; use -c release to measure)" : ""); the ring wrapped \(laps) times")
    print("  the ring now holds \(retained) records: blocks \(firstHeight ?? "?") to \(lastHeight ?? "?") begin inside it")
    let stats = shared.stats.withLock { $0 }
    print("  the live reader got \(stats.records) records, was lapped \(stats.laps) times (\(stats.lost) records overwritten before it read them)")
    check(issues == 0, "the closed ring reads back with no problems")
    check(lastHeight == String(options.blocks), "the newest block (\(options.blocks)) is in the ring")
    check(stats.invalid == 0, "the live reader never returned a torn or invalid record")
}

/// Step 2: kills a writer process with SIGKILL mid-block and reopens its ring.
@MainActor func killWriterAndReopen(directory: String) throws {
    let crashPath = "\(directory)/crashed.ring"
    let child = Process()
    child.executableURL = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0])
    child.arguments = ["--child-writer", crashPath, "--capacity", String(options.capacity)]
    let pipe = Pipe()
    child.standardOutput = pipe
    try child.run()
    usleep(300_000)
    kill(child.processIdentifier, SIGKILL)
    child.waitUntilExit()
    let acknowledged = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        .split(separator: "\n").last.flatMap { UInt64($0) }
    print("  child \(child.processIdentifier) ended by signal \(child.terminationReason == .uncaughtSignal ? child.terminationStatus : 0); last acknowledged block ended at record \(acknowledged.map(String.init) ?? "none")")
    var crashed = try RingReader.open(path: crashPath)
    var sequences: [UInt64] = []
    var crashIssues = 0
    while let event = crashed.next() {
        if case .record(let info) = event { sequences.append(info.sequence) } else { crashIssues += 1 }
    }
    let gapFree = zip(sequences, sequences.dropFirst()).allSatisfy { $1 == $0 + 1 }
    print("  reopened: \(sequences.count) records, sequences \(sequences.first.map(String.init) ?? "-")...\(sequences.last.map(String.init) ?? "-")")
    check(crashIssues == 0 && gapFree, "no torn or missing record: checksums valid, sequence gap-free")
    check(acknowledged.map { ack in (sequences.last ?? 0) >= ack } ?? false, "every acknowledged record survived the kill (the page cache kept it)")
    do {
        var resumed = try RingWriter.open(path: crashPath)
        let next = try resumed.append(#"{"type":"demo-restart"}"#)
        check(next == (sequences.last ?? 0) + 1, "a new writer resumes the ring where the killed one stopped (sequence \(next))")
        try resumed.close()
    }
}
