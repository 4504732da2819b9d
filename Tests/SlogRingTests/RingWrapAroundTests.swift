import TestSupport
import Foundation
import Testing
@testable import SlogRing

/// Exhaustive layouts on tiny rings, checked against `RingLayout` (an independent model of the
/// FORMAT rules) after every append and after reopening every layout.
@Suite struct RingWrapAroundTests {
    static let capacities = [64, 96, 128, 200]

    /// Every start offset of both laps and every sequence of four payload choices (53,000
    /// sequences over the four capacities), each layout also reopened and appended to once more.
    @Test(arguments: capacities)
    func everyLayoutOfATinyRingReadsBackAsTheModelSays(capacity: Int) throws {
        try withScratchDirectory { dir in
            var cases = 0
            var starts: Set<UInt64> = []
            var failures: [String] = []
            var previous: RingLayoutCase?
            let path = "\(dir)/layout.ring"
            withEveryRingLayout(capacities: [capacity]) { layout in
                cases += 1
                starts.insert(layout.startPosition)
                guard failures.count < 5 else { return }
                defer { try? FileManager.default.removeItem(atPath: path) }
                // Leaves come in depth-first order: the reader has already been checked after
                // the appends this case shares with the previous one.
                var shared = 0
                if let previous, previous.startPosition == layout.startPosition {
                    shared = zip(previous.payloadLengths, layout.payloadLengths).prefix { $0 == $1 }.count
                }
                previous = layout
                let problems: [String]
                do { problems = try Self.check(layout, path: path, readerCheckedUpTo: shared) } catch { problems = ["threw \(error)"] }
                if !problems.isEmpty { failures.append("\(layout): \(problems.joined(separator: "; "))") }
            }
            for failure in failures { Issue.record(Comment(rawValue: failure)) }
            #expect(starts == Set(stride(from: 0, to: 2 * UInt64(capacity), by: 8)))
            // A floor well below the real count: the choices resolve to 3 or more distinct
            // lengths per step on average.
            #expect(cases >= starts.count * 3 * 3 * 3 * 3)
        }
    }

    /// Runs `body` in a fresh directory on tmpfs (`/dev/shm`) when there is one: creating a
    /// ring there costs a quarter of what it does on a disk file system (56 versus 210 µs
    /// measured), and this suite creates 53,000 of them. Falls back to the default temporary
    /// directory.
    private func withScratchDirectory(_ body: (String) throws -> Void) throws {
        var template = Array("/dev/shm/slogring-layouts-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { return try withTemporaryDirectory(body) }
        let dir = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir)
    }

    /// Appends `layout`'s payloads to a fresh ring, comparing writer and reader with the model
    /// after each, and checks that every layout reopens: the final one in place, the shorter
    /// ones (sequences of 1...3 records) through a copy of the file. Returns what did not match.
    ///
    /// The writer is compared after every append; the reader and the reopen checks (the costly
    /// parts: they open and map files) only after appends beyond the first `readerCheckedUpTo`,
    /// which an earlier case with the same prefix has checked already.
    static func check(_ layout: RingLayoutCase, path: String, readerCheckedUpTo: Int = 0) throws -> [String] {
        var problems: [String] = []
        var model = RingLayout(capacity: layout.capacity, startPosition: layout.startPosition, firstSequence: layout.firstSequence)
        var writer = try RingWriter.create(
            _testingPath: path, capacity: layout.capacity, startPosition: layout.startPosition,
            firstSequence: layout.firstSequence)
        let choices = PayloadChoice.allCases
        for (step, length) in layout.payloadLengths.enumerated() {
            let expected = model.append(payloadLength: length)
            let sequence = try writer.append(payload(for: expected, length: length))
            problems += compare(writer, sequence: sequence, to: model, step: "append \(step)")
            if step >= readerCheckedUpTo {
                problems += compareReader(path: path, to: model, step: "append \(step)")
                if step < layout.payloadLengths.count - 1 {
                    let copy = "\(path).copy"
                    try Data(contentsOf: URL(fileURLWithPath: path)).write(to: URL(fileURLWithPath: copy))
                    defer { try? FileManager.default.removeItem(atPath: copy) }
                    problems += try reopenAndAppend(
                        path: copy, model: model, choice: choices[(layout.index + step) % choices.count], step: "copy after \(step)")
                }
            }
            if !problems.isEmpty { return problems }
        }
        try writer.close()
        return try reopenAndAppend(path: path, model: model, choice: choices[layout.index % choices.count], step: "final")
    }

    /// Reopens the ring at `path` (whose contents `model` describes): the writer must continue
    /// exactly where the model is; appends one more record (`choice`) and checks again.
    static func reopenAndAppend(path: String, model: RingLayout, choice: PayloadChoice, step: String) throws -> [String] {
        var model = model
        var problems: [String] = []
        var reopened = try RingWriter.open(path: path)
        problems += compare(reopened, sequence: nil, to: model, step: "\(step): reopen")
        let length = model.payloadLength(for: choice) ?? 0
        let expected = model.append(payloadLength: length)
        let sequence = try reopened.append(payload(for: expected, length: length))
        problems += compare(reopened, sequence: sequence, to: model, step: "\(step): append after reopen (\(choice) = \(length))")
        try reopened.close()
        problems += compareReader(path: path, to: model, step: "\(step): after reopen")
        return problems
    }

    /// Writer positions, sequence and invariants against the model.
    static func compare(_ writer: borrowing RingWriter, sequence: UInt64?, to model: RingLayout, step: String) -> [String] {
        var problems: [String] = []
        if let violation = writer.testOnly_invariantViolation() { problems.append("\(step): invariant: \(violation)") }
        if let sequence, sequence != model.nextSequence - 1 {
            problems.append("\(step): append returned sequence \(sequence), model \(model.nextSequence - 1)")
        }
        if writer.oldest.rawValue != model.oldest || writer.write.rawValue != model.write {
            problems.append("\(step): writer oldest/write \(writer.oldest)/\(writer.write), model \(model.oldest)/\(model.write)")
        }
        if writer.nextRecordSequence != model.nextSequence {
            problems.append("\(step): next sequence \(writer.nextRecordSequence), model \(model.nextSequence)")
        }
        return problems
    }

    /// A fresh reader against the model: exactly the live records, byte for byte, no issues,
    /// and the live records are the longest suffix of the appended ones that fits.
    static func compareReader(path: String, to model: RingLayout, step: String) -> [String] {
        var problems: [String] = []
        let contents: RingContents
        do { contents = try readRing(path) } catch { return ["\(step): reader threw \(error)"] }
        if !contents.issues.isEmpty { problems.append("\(step): reader issues \(contents.issues)") }

        // Maximal suffix, from positions alone: the newest record is always there; every record
        // whose frame starts within `capacity` bytes of the write position is kept; the one
        // before the oldest kept would have made the ring hold more than `capacity` bytes.
        let appended = model.appendedRecords
        let suffix = appended.filter { model.write - $0.position <= UInt64(model.capacity) }
        if suffix != model.liveRecords { problems.append("\(step): model's oldest position disagrees with the suffix rule") }
        if suffix.last != appended.last { problems.append("\(step): the newest record does not fit (model bug)") }
        if let first = suffix.first, let index = appended.firstIndex(of: first), index > 0,
            model.write - appended[index - 1].position <= UInt64(model.capacity)
        {
            problems.append("\(step): suffix is not maximal")
        }

        let sequences = contents.records.map(\.info.sequence)
        if sequences != suffix.map(\.sequence) {
            problems.append("\(step): reader returned sequences \(sequences), expected \(suffix.map(\.sequence))")
            return problems
        }
        if let first = sequences.first, sequences != Array(first..<(first + UInt64(sequences.count))) {
            problems.append("\(step): sequences are not consecutive: \(sequences)")
        }
        for ((info, bytes), frame) in zip(contents.records, suffix) {
            if bytes != payload(for: frame.sequence, length: frame.payloadLength) {
                problems.append("\(step): bytes of record \(frame.sequence) differ (\(bytes.count) bytes, expected \(frame.payloadLength))")
            }
            if info.position != RingPosition(frame.position) || info.fileOffset != model.fileOffset(of: frame.position)
                || info.length != frame.payloadLength || info.kind != .slog
            {
                problems.append("\(step): record info \(info) differs from model frame \(frame)")
            }
        }
        return problems
    }

    // MARK: Oversized records

    /// For every start offset of both laps and each of `prefills`: a fresh ring of `capacity`
    /// and its model, with `prefill` records of `length` bytes appended to both. `body` gets the
    /// model, the writer (to close), the ring's path, the start and the prefill.
    private func forEveryStartAndPrefill(
        capacity: Int, prefills: [Int], length: Int,
        _ body: (inout RingLayout, consuming RingWriter, String, Int, Int) throws -> Void
    ) throws {
        try withTemporaryDirectory { dir in
            for start in stride(from: 0, to: 2 * capacity, by: 8) {
                for prefill in prefills {
                    let path = "\(dir)/ring-\(start)-\(prefill).ring"
                    var model = RingLayout(capacity: capacity, startPosition: UInt64(start))
                    var writer = try RingWriter.create(_testingPath: path, capacity: capacity, startPosition: UInt64(start))
                    for _ in 0..<prefill {
                        let sequence = model.append(payloadLength: length)
                        _ = try writer.append(payload(for: sequence, length: length))
                    }
                    try body(&model, writer, path, start, prefill)
                }
            }
        }
    }

    @Test(arguments: capacities)
    func oversizedRecordThrowsAndLeavesTheRingUnchanged(capacity: Int) throws {
        // Empty at every offset of both laps, and with a few records in it.
        try forEveryStartAndPrefill(capacity: capacity, prefills: [0, 3], length: 5) {
            (model: inout RingLayout, writer: consuming RingWriter, path: String, start: Int, prefill: Int) in
            let before = try Data(contentsOf: URL(fileURLWithPath: path))
            for size in [capacity - 23, capacity - 17, capacity - 16, capacity, capacity + 1, 1 << 20] {
                let error = caughtError { () throws(SlogRingError) in
                    try writer.append([UInt8](repeating: 0xA5, count: size))
                }
                #expect(error == .recordTooLarge(size: size, maximum: capacity - 24), "start \(start), size \(size)")
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before, "start \(start): file changed")
            #expect(writer.testOnly_invariantViolation() == nil)
            #expect(writer.oldest.rawValue == model.oldest && writer.write.rawValue == model.write)
            #expect(writer.nextRecordSequence == model.nextSequence)
            try writer.close()
            let contents = try readRing(path)
            #expect(contents.issues.isEmpty)
            #expect(contents.sequences == model.liveRecords.map(\.sequence))
        }
    }

    @Test(arguments: capacities)
    func maximumPayloadFillsTheRingAndEvictsEverythingElse(capacity: Int) throws {
        try forEveryStartAndPrefill(capacity: capacity, prefills: [0, 2], length: 1) {
            (model: inout RingLayout, writer: consuming RingWriter, path: String, start: Int, prefill: Int) in
            #expect(writer.maximumPayloadLength == capacity - 24)
            let sequence = model.append(payloadLength: capacity - 24)
            let big = payload(for: sequence, length: capacity - 24)
            #expect(try writer.append(big) == sequence)
            #expect(writer.testOnly_invariantViolation() == nil)
            // The frame fills the region, so it starts at offset 0 and is alone.
            #expect(writer.oldest.rawValue % UInt64(capacity) == 0, "start \(start)")
            #expect(writer.write.rawValue - writer.oldest.rawValue == UInt64(capacity))
            #expect(writer.oldest.rawValue == model.oldest && writer.write.rawValue == model.write)
            try writer.close()
            let contents = try readRing(path)
            #expect(contents.issues.isEmpty)
            #expect(contents.sequences == [sequence], "start \(start), prefill \(prefill)")
            #expect(contents.records.first?.bytes == big)
            #expect(contents.records.first?.info.fileOffset == 4096)
        }
    }
}
