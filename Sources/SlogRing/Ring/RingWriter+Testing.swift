internal import Synchronization

extension RingWriter {
    /// Checks the writer's invariants; traps on the first that fails. Runs after every mutation
    /// in debug builds (`SLOG_INTERNAL_CHECKS`), and costs nothing in release builds.
    ///
    /// 1. `oldest <= write` and `write - oldest <= capacity` (never more than one lap of data).
    /// 2. Both positions are multiples of 8.
    /// 3. The cached `writeOffset` equals `write % capacity`.
    /// 4. The shared header words equal the writer's private copies.
    func _checkInvariants() {
        precondition(testOnly_invariantViolation() == nil, testOnly_invariantViolation() ?? "")
    }

    /// The first invariant that does not hold, or `nil`. For tests, after each step.
    package func testOnly_invariantViolation() -> String? {
        if let problem = positionProblem(oldest: oldestPosition, write: writePosition, capacity: capacity) { return problem }
        if writeOffset != Int(writePosition % UInt64(capacity)) { return "cached write offset \(writeOffset) is stale" }
        // Relaxed: this thread is the only writer of these words.
        if unsafe writeWord.pointee.load(ordering: .relaxed) != writePosition { return "published write position differs" }
        if unsafe oldestWord.pointee.load(ordering: .relaxed) != oldestPosition { return "published oldest position differs" }
        if unsafe nextSequenceWord.pointee.load(ordering: .relaxed) != nextSequence { return "published next sequence differs" }
        return nil
    }

    /// Creates an empty ring whose positions start at `startPosition` instead of 0, so tests can
    /// put the first frame at any offset of the data region (and any lap) without writing filler.
    ///
    /// - Precondition: `startPosition` is a multiple of 8.
    package static func create(_testingPath path: String, capacity: Int, startPosition: UInt64, firstSequence: UInt64 = 0) throws(SlogRingError) -> RingWriter {
        precondition(startPosition % 8 == 0, "positions are multiples of 8")
        var writer = try create(path: path, capacity: capacity)
        writer.writePosition = startPosition
        writer.oldestPosition = startPosition
        writer.nextSequence = firstSequence
        writer.writeOffset = Int(startPosition % UInt64(capacity))
        unsafe writer.oldestWord.pointee.store(startPosition, ordering: .relaxed)
        unsafe writer.nextSequenceWord.pointee.store(firstSequence, ordering: .relaxed)
        unsafe writer.writeWord.pointee.store(startPosition, ordering: .releasing)
        return writer
    }
}
