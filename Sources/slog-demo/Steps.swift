import SlogSamples
import Foundation
import SlogRing
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

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

    var slog = AgoricSlog()
    var written = 0
    var bytesWritten = 0
    let clock = ContinuousClock()
    var elapsed = Duration.zero
    for height in 1...UInt64(options.liveBlocks) {
        slog.cranksPerBlock = Int(5 + height % 30)
        let lines = slog.block(height)
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
    check(lastHeight == String(options.liveBlocks), "the newest block (\(options.liveBlocks)) is in the ring")
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
