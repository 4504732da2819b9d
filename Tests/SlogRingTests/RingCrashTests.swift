import SlogSamples
import TestSupport
import Foundation
import Glibc
import Testing
import SlogRing
@testable import slog_stress

/// Kills a real writer process with SIGKILL at random moments and checks the ring it leaves.
///
/// Each trial starts `slog-stress append --ack` on a ring (a new one, or the ring the previous
/// trials left, so rings pile up restarts), reads its acknowledgements, and kills it: before its
/// first acknowledgement (while it starts, creates or opens the ring), after a few, or after it
/// has wrapped the ring many times, with a random delay after the chosen acknowledgement. Then:
///
/// 1. `RingReader` returns only valid, consecutive records (no issue of any kind), each one the
///    exact `StressPayload` for its sequence, ending at the last acknowledged sequence or one
///    after it (the append that was published but not yet acknowledged). The one exception is
///    an empty ring, accepted only when the append in flight had a record large enough to
///    evict every frame (one trial in 8 writes records of up to the whole ring).
/// 2. `RingWriter.open` accepts the ring and continues with the next sequence; one record is
///    appended in this process, and the ring read back again ends with it.
///
/// `SLOGRING_CRASH_TRIALS=5000 swift test --filter RingCrashTests` runs a soak;
/// `SLOGRING_CRASH_SEED=N` replays the same plan of kills (the kill instants themselves vary).
@Suite struct RingCrashTests {
    /// Kills in one run; each trial ends with exactly one.
    static let trials = environmentInteger("SLOGRING_CRASH_TRIALS") ?? 240
    /// Rings written side by side, one child each: children spend most of their life starting
    /// up or blocked on their pipe, so more than the 2 cores keeps both busy.
    static let workers = environmentInteger("SLOGRING_CRASH_WORKERS") ?? 4

    @Test func killedWriterLeavesEveryAcknowledgedRecordIntactAndTheRingReopenable() async throws {
        let seed = testSeed(fromEnvironment: "SLOGRING_CRASH_SEED")
        let trials = Self.trials
        let workers = max(1, Self.workers)
        let reports = try await withTemporaryDirectory { dir in
            await withTaskGroup(of: CrashWorkerReport.self) { group in
                for worker in 0..<workers {
                    let share = trials / workers + (worker < trials % workers ? 1 : 0)
                    let workerSeed = seed ^ (UInt64(worker + 1) &* 0x9E37_79B9_7F4A_7C15)
                    let directory = "\(dir)/worker-\(worker)"
                    group.addTask {
                        await onDedicatedThread(name: "crash worker \(worker)") {
                            var run = CrashWorker(
                                directory: directory, worker: worker, masterSeed: seed, seed: workerSeed)
                            return run.run(trials: share)
                        }
                    }
                }
                var reports: [CrashWorkerReport] = []
                for await report in group { reports.append(report) }
                return reports
            }
        }
        var total = CrashWorkerReport()
        for report in reports { total.merge(report) }
        for failure in total.failures { Issue.record(Comment(rawValue: failure)) }
        if total.failures.isEmpty {
            #expect(total.kills == trials, "master seed \(seed): \(total.summary)")
        }
        // The plan covers each kind of moment; with 200+ trials each is drawn many times.
        if trials >= 200 && total.failures.isEmpty {
            #expect(total.killsBeforeFirstAcknowledgement > 0, "\(total.summary)")
            #expect(total.killsAfterWrappingInTrial > 0, "\(total.summary)")
            #expect(total.killsOfRestartedWriter > 0, "\(total.summary)")
            #expect(total.maximumLapsInOneTrial >= 10, "\(total.summary)")
        }
        print("RingCrashTests: master seed \(seed): \(total.summary)")
    }
}

/// What the crash trials of one worker did, and what went wrong.
struct CrashWorkerReport: Sendable {
    var kills = 0
    var failures: [String] = []
    var killsBeforeFirstAcknowledgement = 0
    var killsBeforeTheRingExisted = 0
    var killsOfRestartedWriter = 0
    var killsAfterWrappingInTrial = 0
    /// Kills during an append that had evicted every frame for a record as large as the ring.
    var killsThatLeftTheRingEmpty = 0
    /// Trials where the ring's last record was one past the last acknowledgement: the child was
    /// killed between publishing an append and acknowledging it.
    var publishedButUnacknowledged = 0
    var maximumLapsInOneTrial = 0
    var acknowledged = 0
    var recordsVerified = 0

    mutating func merge(_ other: Self) {
        kills += other.kills
        failures += other.failures
        killsBeforeFirstAcknowledgement += other.killsBeforeFirstAcknowledgement
        killsBeforeTheRingExisted += other.killsBeforeTheRingExisted
        killsOfRestartedWriter += other.killsOfRestartedWriter
        killsAfterWrappingInTrial += other.killsAfterWrappingInTrial
        killsThatLeftTheRingEmpty += other.killsThatLeftTheRingEmpty
        publishedButUnacknowledged += other.publishedButUnacknowledged
        maximumLapsInOneTrial = max(maximumLapsInOneTrial, other.maximumLapsInOneTrial)
        acknowledged += other.acknowledged
        recordsVerified += other.recordsVerified
    }

    var summary: String {
        "\(kills) kills (\(killsBeforeFirstAcknowledgement) before the first acknowledgement, "
            + "\(killsBeforeTheRingExisted) before the ring existed, \(killsOfRestartedWriter) of a writer "
            + "restarted on an existing ring, \(killsAfterWrappingInTrial) after wrapping the ring, up to "
            + "\(maximumLapsInOneTrial) laps in one trial, \(publishedButUnacknowledged) with the last record "
            + "published but not acknowledged, \(killsThatLeftTheRingEmpty) that left the ring empty); "
            + "\(acknowledged) acknowledgements, \(recordsVerified) records verified"
    }
}

/// One worker's sequence of crash trials on its own ring file.
private struct CrashWorker {
    let directory: String
    let worker: Int
    let masterSeed: UInt64
    var random: SplitMix64
    var report = CrashWorkerReport()

    // The ring as the previous trials left it.
    var ringExists = false
    var capacity = 65536
    /// The newest sequence in the ring (the record this process appended after the last kill).
    var lastSequence: UInt64?
    /// The payload length of record `lastSequence`.
    var lastRecordLength = 0
    /// The largest payload any trial may have written since the ring was created.
    var largestPayload = 0

    var path: String { "\(directory)/crash.ring" }

    init(directory: String, worker: Int, masterSeed: UInt64, seed: UInt64) {
        self.directory = directory
        self.worker = worker
        self.masterSeed = masterSeed
        self.random = SplitMix64(seed: seed)
    }

    /// When to kill the child.
    struct Plan: CustomStringConvertible {
        /// Acknowledgements to wait for first (0: kill while it starts up, creates or opens).
        var acknowledgements: Int
        /// Microseconds to wait after that before the kill.
        var delay: Int
        var minSize: Int
        var maxSize: Int
        var seed: UInt64
        var description: String {
            "kill after \(acknowledgements) acknowledgements + \(delay) µs, sizes \(minSize)...\(maxSize), "
                + "child seed \(seed)"
        }
    }

    mutating func run(trials: Int) -> CrashWorkerReport {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            report.failures.append("worker \(worker): cannot create \(directory): \(error)")
            return report
        }
        for trial in 0..<trials {
            let fresh = !ringExists || Int.random(in: 0..<8, using: &random) == 0
            if fresh { startFreshRing() }
            let plan = makePlan()
            if let failure = runTrial(plan) {
                let saved = saveForInspection(trial: trial)
                report.failures.append(
                    "worker \(worker) trial \(trial) (master seed \(masterSeed), "
                        + "\(fresh ? "fresh" : "existing") ring of "
                        + "capacity \(capacity), previous last sequence \(lastSequence.map(String.init) ?? "none"), "
                        + "\(plan)): \(failure)\(saved)")
                break  // later trials would build on a ring already known to be wrong
            }
        }
        return report
    }

    mutating func startFreshRing() {
        // Also removes the temporary files of a creation that was killed before its link.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
        }
        ringExists = false
        lastSequence = nil
        largestPayload = 0
        capacity = [4096, 16384, 65536, 65536][Int.random(in: 0..<4, using: &random)]
    }

    mutating func makePlan() -> Plan {
        let acknowledgements: Int
        var delay = Bool.random(using: &random) ? 0 : Int.random(in: 0...500, using: &random)
        switch Int.random(in: 0..<8, using: &random) {
        case 0, 1:
            acknowledgements = 0
            // The child needs about 10 ms to start; this spans exec, create/open and the first appends.
            delay = Int.random(in: 0...15_000, using: &random)
        case 2, 3: acknowledgements = Int.random(in: 1...10, using: &random)
        case 4, 5: acknowledgements = Int.random(in: 11...1_000, using: &random)
        default: acknowledgements = Int.random(in: 1_001...20_000, using: &random)
        }
        // Mostly records of up to a quarter of the ring; one trial in 8 also writes records of
        // up to the whole ring, whose wraps evict everything.
        let minSize = Int.random(in: 0...64, using: &random)
        let largest = Int.random(in: 0..<8, using: &random) == 0 ? capacity - 24 : capacity / 4
        let maxSize = Int.random(in: (minSize + 16)...largest, using: &random)
        return Plan(
            acknowledgements: acknowledgements, delay: delay, minSize: minSize, maxSize: maxSize,
            seed: random.next() >> 1)
    }

    /// One kill and the checks after it; a description of what went wrong, or `nil`.
    mutating func runTrial(_ plan: Plan) -> String? {
        let restarted = ringExists
        largestPayload = max(largestPayload, plan.maxSize)
        let writeBefore = ringExists ? (try? RingReader.open(path: path).status?.write.rawValue) ?? 0 : 0
        let child: StressWriterProcess
        do {
            child = try StressWriterProcess(
                ring: path, capacity: capacity, minSize: plan.minSize, maxSize: plan.maxSize, seed: plan.seed,
                acknowledging: true)
        } catch {
            return "cannot start slog-stress: \(error)"
        }
        let reached = child.readAcknowledgements(until: plan.acknowledgements)
        if reached && plan.delay > 0 { usleep(UInt32(plan.delay)) }
        child.kill()
        let ending = child.finish()
        let acknowledgedRange =
            "\(child.firstAcknowledged.map(String.init) ?? "-")...\(child.lastAcknowledged.map(String.init) ?? "-")"
        let context = "\(child.commandLine): \(ending.description), \(child.acknowledgedCount) acknowledgements"
            + " (\(acknowledgedRange)), "
            + "stderr '\(ending.stderr)'"
        guard reached, ending.killedBySIGKILL else {
            return "the child ended before the kill: \(context)"
        }
        report.kills += 1
        report.acknowledged += child.acknowledgedCount
        if child.acknowledgedCount == 0 { report.killsBeforeFirstAcknowledgement += 1 }
        if restarted { report.killsOfRestartedWriter += 1 }
        if let problem = child.acknowledgementProblem { return "bad acknowledgements: \(problem); \(context)" }
        let firstExpected = lastSequence.map { $0 + 1 } ?? 0
        if let first = child.firstAcknowledged, first != firstExpected {
            return "first acknowledgement is \(first), expected \(firstExpected); \(context)"
        }
        let lastAcknowledged = child.lastAcknowledged ?? lastSequence

        guard FileManager.default.fileExists(atPath: path) else {
            // Killed before the new ring was linked into place: nothing can have been acknowledged.
            guard !restarted, lastAcknowledged == nil else { return "the ring file is gone; \(context)" }
            report.killsBeforeTheRingExisted += 1
            return nil
        }
        ringExists = true

        // 1. What a reader finds.
        let contents: RingContents
        let status: RingReader.Status?
        do {
            var reader = try RingReader.open(path: path)
            contents = drain(&reader)
            status = reader.status
        } catch {
            return "RingReader.open failed: \(error); \(context)"
        }
        if let problem = problems(in: contents, endingAtOrJustAfter: lastAcknowledged, orEmpty: true) {
            return "the reader returned \(problem); \(context)"
        }
        report.recordsVerified += contents.records.count
        let last = contents.records.last?.info.sequence
        if last == nil, let lastAcknowledged {
            // Only an append that had to evict every frame (a record too large to share the ring
            // with the last one) and died before publishing leaves an acknowledged ring empty.
            if let problem = emptyRingProblem(plan, acknowledgements: child.acknowledgedCount) {
                return "the ring is empty although record \(lastAcknowledged) was acknowledged: \(problem); \(context)"
            }
            report.killsThatLeftTheRingEmpty += 1
        }
        if let last, let lastAcknowledged, last == lastAcknowledged + 1 { report.publishedButUnacknowledged += 1 }
        if let status {
            let write = status.write.rawValue
            let laps = Int((write - min(write, writeBefore)) / UInt64(capacity))
            if laps > 0 { report.killsAfterWrappingInTrial += 1 }
            report.maximumLapsInOneTrial = max(report.maximumLapsInOneTrial, laps)
            // Eviction frees as little as it can: after a wrap, all but a few frames of the ring
            // stay readable (a killed append may have evicted for a frame and padding it never
            // published). Only meaningful while frames are small next to the ring.
            let retained = write - status.oldest.rawValue
            let largestFrame = largestPayload + 32
            let floor = min(write, UInt64(max(0, capacity - 3 * largestFrame)))
            if retained < floor {
                return "only \(retained) bytes stay readable (oldest \(status.oldest), write \(status.write)), "
                    + "expected at least \(floor); \(context)"
            }
        } else {
            return "the reader salvaged the ring (header unusable); \(context)"
        }

        // 2. A new writer continues where the killed one stopped.
        do {
            var writer = try RingWriter.open(path: path)
            let next = writer.nextRecordSequence
            if let last, next != last + 1 {
                try? writer.close()
                return "RingWriter.open continues at sequence \(next), expected \(last + 1); \(context)"
            }
            let following = lastAcknowledged.map { $0 + 1 } ?? 0
            if last == nil, next != following, next != following + 1 {
                // Empty ring: the stored counter may count one append that was never published.
                try? writer.close()
                return "RingWriter.open of an empty ring continues at \(next), expected \(following) or "
                    + "\(following + 1); \(context)"
            }
            let length = Int.random(in: 0...plan.maxSize, using: &random)
            let appended = try writer.append(StressPayload.make(sequence: next, length: length))
            try writer.close()
            if appended != next { return "append after reopening returned \(appended), expected \(next); \(context)" }
            let after = try readRing(path)
            if let problem = problems(in: after, endingAtOrJustAfter: next) {
                return "after appending \(next) in this process, the reader returned \(problem)"
            }
            if after.records.last?.info.sequence != next {
                return "after appending \(next) in this process, the reader returned \(describe(after))"
            }
            lastSequence = next
            lastRecordLength = length
        } catch {
            return "reopening for writing failed: \(error); \(context)"
        }
        return nil
    }

    /// What is wrong with `contents`: any issue, a record that is not the `StressPayload` for
    /// its sequence, a gap, or a last record other than `acknowledged` or the one after it
    /// (with `orEmpty`, no record at all is left to the caller to judge).
    /// `acknowledged == nil` means nothing was ever acknowledged: the ring may be empty or
    /// hold record 0 alone.
    func problems(
        in contents: RingContents, endingAtOrJustAfter acknowledged: UInt64?, orEmpty: Bool = false
    ) -> String? {
        if !contents.issues.isEmpty { return "issues: \(describe(contents))" }
        var previous: UInt64?
        for (info, bytes) in contents.records {
            if info.kind != .slog || info.length != bytes.count
                || !StressPayload.isValid(bytes, sequence: info.sequence)
            {
                let text = String(decoding: bytes.prefix(80), as: UTF8.self)
                return "an invalid record \(info) '\(text)'; \(describe(contents))"
            }
            if let previous, info.sequence != previous + 1 {
                return "a gap from \(previous) to \(info.sequence); \(describe(contents))"
            }
            previous = info.sequence
        }
        let last = contents.records.last?.info.sequence
        if let acknowledged, !(orEmpty && last == nil) {
            guard let last, last == acknowledged || last == acknowledged + 1 else {
                return "last record \(last.map(String.init) ?? "none"), expected \(acknowledged) or "
                    + "\(acknowledged + 1); \(describe(contents))"
            }
        } else if let last, last != 0 {
            return "records although nothing was acknowledged; \(describe(contents))"
        }
        return nil
    }

    /// Why the append in flight when the child died cannot have evicted every frame, or `nil`
    /// if it can: evicting the newest record needs `frame(new) + padding + frame(newest) >
    /// capacity`, and the padding is smaller than the new frame.
    func emptyRingProblem(_ plan: Plan, acknowledgements: Int) -> String? {
        let lengths = stressPayloadLengths(plan, count: acknowledgements + 1)
        let newest = acknowledgements > 0 ? lengths[acknowledgements - 1] : lastRecordLength
        let inFlight = lengths[acknowledgements]
        func frame(_ length: Int) -> Int { 24 + (length + 7) / 8 * 8 }
        guard 2 * frame(inFlight) + frame(newest) <= capacity else { return nil }
        return "the append in flight (\(inFlight) bytes) could not need to evict the newest record (\(newest) bytes)"
    }

    /// The payload lengths `slog-stress append` draws for its first `count` records (the same
    /// computation as in Sources/slog-stress/main.swift).
    func stressPayloadLengths(_ plan: Plan, count: Int) -> [Int] {
        var generator = SplitMix64(seed: plan.seed)
        let maxSize = max(plan.minSize, plan.maxSize)
        return (0..<count).map { _ in plan.minSize + Int(generator.next() % UInt64(maxSize - plan.minSize + 1)) }
    }

    func describe(_ contents: RingContents) -> String {
        let sequences = contents.sequences
        let range =
            sequences.isEmpty ? "no records" : "\(sequences.count) records \(sequences.first!)...\(sequences.last!)"
        let issues = contents.issues.prefix(5).map(\.description).joined(separator: " | ")
        return "\(range), \(contents.issues.count) issues\(issues.isEmpty ? "" : ": " + issues)"
    }

    /// Copies the ring somewhere that outlives the temporary directory; the message part naming it.
    func saveForInspection(trial: Int) -> String {
        let kept = FileManager.default.temporaryDirectory
            .appendingPathComponent("slogring-crash-\(masterSeed)-w\(worker)-t\(trial).ring").path
        guard (try? FileManager.default.copyItem(atPath: path, toPath: kept)) != nil else { return "" }
        return " (ring kept at \(kept); inspect with slog-tail --verify)"
    }
}
