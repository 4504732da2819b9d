import SlogSamples
import TestSupport
import Foundation
import Glibc
import Synchronization
import Testing
import SlogRing
@testable import slog_stress

/// A `RingReader` following a live writer on a small ring, so that the writer overtakes it
/// again and again, and overwrites frames while the reader copies them.
///
/// The writer is a thread of this process or a `slog-stress` child process; it appends
/// `StressPayload` records of 0 to 3000 bytes into a 16 KiB ring (about 10 records per lap)
/// until the reader has read enough. The reader calls `next()` in a loop (`nil`: caught up,
/// try again) and checks every event:
///
/// - Every record returned is exactly `StressPayload.make(sequence:length:)` for its sequence
///   and length: the reader never returns a torn frame, or a frame of another lap.
/// - Sequences strictly increase, and every gap between two records is announced by
///   `.skipped(.lapped)` issues just before the second one, whose `lostRecords` add up to the
///   gap; nothing but laps is ever reported. (A lap that cost no record, only padding the
///   reader had not reached, is not reported.)
/// - Every 97 records the reader waits until the writer has evicted the next record; its next
///   event must then be a lap that lost at least one record. So each run proves that the
///   reader was lapped, however the threads are scheduled; laps that happen on their own are
///   counted as well.
/// - Once the writer stopped, the reader catches up and ends with the writer's last record.
///
/// Runs are bounded by record counts (the reader reads 10,000 records; the writer stops then, or
/// after 10,000,000), never by time. `SLOGRING_RACE_SEED=N` repeats the writer's record sizes;
/// `SLOGRING_RACE_MAX_SIZE=N` changes the largest record.
@Suite struct RingConcurrentReaderTests {
    static let capacity = 16 * 1024
    /// Up to a quarter of the ring: copies long enough to race with the writer. Above half the
    /// ring (at most 16,360), a wrap can evict every frame at once.
    static let maxSize = environmentInteger("SLOGRING_RACE_MAX_SIZE") ?? 3_000
    /// Records the reader reads before it asks the writer to stop.
    static let recordsToRead = 10_000
    /// The writer stops here even if the reader has not read enough (it then fails).
    static let writerLimit = 10_000_000

    @Test func readerRacingAWriterThreadReturnsOnlyIntactRecordsAndAccountsForEveryGap() async throws {
        let seed = testSeed(fromEnvironment: "SLOGRING_RACE_SEED")
        try await withTemporaryDirectory { dir in
            let path = "\(dir)/live.ring"
            try RingWriter.create(path: path, capacity: Self.capacity).close()
            let run = LiveRun()
            async let writing = onDedicatedThread(name: "ring writer") { () -> String? in
                run.readerOpened.wait()
                defer { run.writerFinished.store(true, ordering: .releasing) }
                var random = SplitMix64(seed: seed)
                do {
                    var writer = try RingWriter.open(path: path)
                    var written = 0
                    while written < Self.writerLimit && !run.stopRequested.load(ordering: .relaxed) {
                        let sequence = writer.nextRecordSequence
                        let length = Int.random(in: 0...Self.maxSize, using: &random)
                        _ = try writer.append(StressPayload.make(sequence: sequence, length: length))
                        run.lastWritten.store(sequence, ordering: .relaxed)
                        written += 1
                    }
                    try writer.close()
                    return nil
                } catch {
                    return "writer: \(error)"
                }
            }
            let report = await onDedicatedThread(name: "ring reader") {
                followRing(path: path, run: run, lastRecord: .storedByWriter)
            }
            let writerFailure = await writing
            #expect(writerFailure == nil)
            check(report, seed: seed)
        }
    }

    @Test func readerRacingAWriterProcessReturnsOnlyIntactRecordsAndAccountsForEveryGap() async throws {
        let seed = testSeed(fromEnvironment: "SLOGRING_RACE_SEED")
        try await withTemporaryDirectory { dir in
            let path = "\(dir)/live.ring"
            try RingWriter.create(path: path, capacity: Self.capacity).close()
            let run = LiveRun()
            async let child = onDedicatedThread(name: "slog-stress") { () -> String? in
                run.readerOpened.wait()
                defer { run.writerFinished.store(true, ordering: .releasing) }
                do {
                    let child = try StressWriterProcess(
                        ring: path, capacity: Self.capacity, minSize: 0, maxSize: Self.maxSize, seed: seed,
                        count: Self.writerLimit, acknowledging: false)
                    // The child cannot see the reader's progress: poll for it, then kill the child.
                    while child.isRunning && !run.stopRequested.load(ordering: .acquiring) { usleep(1_000) }
                    child.kill()
                    let ending = child.finish()
                    guard ending.killedBySIGKILL || ending.exitedSuccessfully else {
                        return "\(child.commandLine): \(ending.description), stderr '\(ending.stderr)'"
                    }
                    return nil
                } catch {
                    return "cannot start slog-stress: \(error)"
                }
            }
            let report = await onDedicatedThread(name: "ring reader") {
                followRing(path: path, run: run, lastRecord: .beforeNextSequenceOfKilledWriter)
            }
            let childFailure = await child
            #expect(childFailure == nil)
            check(report, seed: seed)
        }
    }

    private func check(_ report: FollowReport, seed: UInt64, test: String = #function) {
        let context = "seed \(seed): \(report.summary)"
        for failure in report.failures { Issue.record(Comment(rawValue: "seed \(seed): \(failure)")) }
        #expect(report.invalidRecords == 0, "\(context)")
        #expect(report.recordsRead >= Self.recordsToRead, "\(context)")
        #expect(report.endedWithLastRecord, "\(context)")
        // The reader was overtaken at least at each forced wait (one per 97 records read).
        #expect(report.forcedLaps >= Self.recordsToRead / 97 - 1, "\(context)")
        #expect(report.lapIssues >= report.forcedLaps, "\(context)")
        // Reading 10,000 records of 1.5 KiB on average takes the writer ~1,000 times round the ring.
        #expect(report.writerLaps >= 500, "\(context)")
        print("RingConcurrentReaderTests.\(test): \(context)")
    }
}

/// What the reader and the writer of one run tell each other.
final class LiveRun: Sendable {
    /// Signalled once the reader has opened the ring (still empty): the writer starts then.
    let readerOpened = DispatchSemaphore(value: 0)
    /// Set by the reader once it has read enough.
    let stopRequested = Atomic<Bool>(false)
    /// Set by the writer when it has stopped (or failed), after its last append.
    let writerFinished = Atomic<Bool>(false)
    /// The in-process writer's last appended sequence (`UInt64.max`: none).
    let lastWritten = Atomic<UInt64>(.max)
}

/// How the reader learns which record the writer appended last.
enum LastRecord {
    /// `LiveRun.lastWritten`.
    case storedByWriter
    /// One or two before the header's next sequence: a writer killed between counting an
    /// append and publishing it leaves the count one ahead (FORMAT.md, invariant 5).
    case beforeNextSequenceOfKilledWriter
}

/// What a reader following a live writer saw.
struct FollowReport: Sendable {
    var recordsRead = 0
    var invalidRecords = 0
    /// `.lapped` issues returned (laps with no record between them are reported as one).
    var lapIssues = 0
    /// Records those issues said were lost.
    var recordsLost: UInt64 = 0
    /// Times the reader waited for the writer to evict the place it reads next.
    var forcedLaps = 0
    /// Lap issues that came while the reader had not waited for one.
    var unforcedLaps = 0
    /// Whether the last record read was the writer's last append.
    var endedWithLastRecord = false
    /// How far the writer got, in laps of the data region.
    var writerLaps = 0
    var failures: [String] = []

    var summary: String {
        "read \(recordsRead) records, \(lapIssues) lap issues (\(forcedLaps) waited for, \(unforcedLaps) on their own) "
            + "announcing \(recordsLost) lost records; the writer went \(writerLaps) times round the ring; "
            + "\(invalidRecords) invalid records"
    }
}

/// One event the reader returned, kept for failure messages.
private enum SeenEvent: CustomStringConvertible {
    case record(sequence: UInt64, length: Int, position: RingPosition?)
    case skipped(ReadIssue)
    var description: String {
        switch self {
        case .record(let sequence, let length, let position):
            "record \(sequence) (\(length) bytes at position \(position.map(String.init) ?? "?"))"
        case .skipped(let issue): "skipped: \(issue)"
        }
    }
}

/// Opens a reader on `path`, lets the writer start, and follows it until it has stopped and
/// the reader has caught up, checking every event (see `RingConcurrentReaderTests`).
func followRing(path: String, run: LiveRun, lastRecord: LastRecord) -> FollowReport {
    var report = FollowReport()
    var reader: RingReader
    do { reader = try RingReader.open(path: path) } catch {
        run.stopRequested.store(true, ordering: .releasing)
        run.readerOpened.signal()
        report.failures.append("RingReader.open: \(error)")
        return report
    }
    run.readerOpened.signal()
    let forcedLapInterval = 97
    var previous: UInt64?
    // Records the lap issues since the previous record said were lost (`nil`: not said).
    var announcedLoss: UInt64? = 0
    var lapPending = false
    var expectingForcedLap = false
    var recent: [SeenEvent] = []
    func fail(_ message: String) {
        guard report.failures.count < 10 else { return }
        report.failures.append("\(message); the events before: \(recent.map(\.description).joined(separator: " | "))")
    }
    while report.failures.count < 10 {
        let writerFinished = run.writerFinished.load(ordering: .acquiring)
        guard let event = reader.next() else {
            if writerFinished { break }  // caught up with everything the writer appended
            sched_yield()
            continue
        }
        if recent.count == 12 { recent.removeFirst() }
        switch event {
        case .skipped(let issue):
            recent.append(.skipped(issue))
            guard issue.reason == .lapped else {
                fail("unexpected issue: \(issue)")
                continue
            }
            report.lapIssues += 1
            if expectingForcedLap {
                report.forcedLaps += 1
                if (issue.lostRecords ?? 0) == 0 {
                    let count = issue.lostRecords.map(String.init) ?? "an unknown number of"
                    fail("a lap over an evicted record says it lost \(count) records")
                }
            } else {
                report.unforcedLaps += 1
            }
            expectingForcedLap = false
            lapPending = true
            if let lost = issue.lostRecords, let loss = announcedLoss {
                announcedLoss = loss + lost
                report.recordsLost += lost
            } else {
                announcedLoss = nil
            }
        case .record(let info):
            recent.append(.record(sequence: info.sequence, length: info.length, position: info.position))
            report.recordsRead += 1
            if expectingForcedLap {
                fail("record \(info.sequence) returned although the writer had evicted it (no lap reported first)")
                expectingForcedLap = false
            }
            let bytes = reader.recordBytes
            if info.kind != .slog || info.length != bytes.count
                || !StressPayload.isValid(bytes, sequence: info.sequence)
            {
                report.invalidRecords += 1
                fail("invalid record \(info): '\(String(decoding: bytes.prefix(60), as: UTF8.self))'")
            }
            let expected = previous.map { $0 + 1 } ?? 0
            if let previous, info.sequence <= previous {
                fail("record \(info.sequence) after record \(previous)")
            } else if !lapPending {
                if info.sequence != expected {
                    fail("records \(expected)..<\(info.sequence) missing, and no issue said so")
                }
            } else if let announced = announcedLoss {
                if announced != info.sequence - expected {
                    fail(
                        "lap issues announced \(announced) lost records, but \(info.sequence - expected) "
                            + "are missing before \(info.sequence)")
                }
            } else if let previous {
                // Only a lap before the first record cannot know what it cost.
                fail("a lap after record \(previous) did not say how many records it lost")
            }
            previous = info.sequence
            lapPending = false
            announcedLoss = 0
            if report.recordsRead == RingConcurrentReaderTests.recordsToRead {
                run.stopRequested.store(true, ordering: .releasing)
            }
            if report.recordsRead % forcedLapInterval == 0, let position = info.position {
                // The next record starts right after this one, or (after padding or an implicit
                // gap) at the start of the next lap: wait until both places are evicted.
                let end = position.rawValue + UInt64(24 + (info.length + 7) / 8 * 8)
                let capacity = UInt64(reader.header.capacity)
                let nextLap = (end + capacity - 1) / capacity * capacity
                expectingForcedLap = waitUntilEvicted(nextLap, reader: reader, run: run)
            }
        }
    }
    // Stops the writer also when the reader gave up early (after too many failures).
    run.stopRequested.store(true, ordering: .releasing)
    while !run.writerFinished.load(ordering: .acquiring) { sched_yield() }
    guard let status = reader.status else {
        report.failures.append("the reader lost the header")
        return report
    }
    report.writerLaps = Int(status.write.rawValue / UInt64(reader.header.capacity))
    let acceptable: ClosedRange<UInt64>?
    switch lastRecord {
    case .storedByWriter:
        let last = run.lastWritten.load(ordering: .acquiring)
        acceptable = last == .max ? nil : last...last
    case .beforeNextSequenceOfKilledWriter:
        let next = status.nextSequence
        acceptable = next == 0 ? nil : next.saturatingSubtract(2)...(next - 1)
    }
    report.endedWithLastRecord = previous != nil && acceptable?.contains(previous!) == true
    if !report.endedWithLastRecord && report.failures.count < 10 {
        let range = acceptable.map { "\($0)" } ?? "none"
        fail("the last record read is \(previous.map(String.init) ?? "none"), the writer's last is in \(range)")
    }
    return report
}

/// Waits until the writer has evicted `position`, so that the reader's next event must be a
/// lap that lost a record; `false` if the writer stopped first.
private func waitUntilEvicted(_ position: UInt64, reader: borrowing RingReader, run: LiveRun) -> Bool {
    while true {
        let writerFinished = run.writerFinished.load(ordering: .acquiring)
        if let oldest = reader.status?.oldest.rawValue, oldest > position { return true }
        if writerFinished || run.stopRequested.load(ordering: .relaxed) { return false }
        sched_yield()
    }
}

extension UInt64 {
    fileprivate func saturatingSubtract(_ other: UInt64) -> UInt64 { self >= other ? self - other : 0 }
}
