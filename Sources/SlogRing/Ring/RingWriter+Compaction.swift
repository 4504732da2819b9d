internal import Synchronization

extension RingWriter {
    /// Writes every readable record of this ring, frame for frame, into a new **sealed** ring at
    /// `path` whose data region is only as large as those frames (at least 64 bytes), and syncs
    /// it. A preserved black box then takes the disk space of its records, not the whole
    /// preallocated capacity of the ring it came from.
    ///
    /// The copy is an ordinary version-1 ring (docs/FORMAT.md, "Compact sealed copies"): the
    /// frames are copied unchanged (a frame's checksum does not cover its position) to data
    /// offset 0 onward, in order, without padding; `oldestPosition` is 0, `writePosition` the
    /// bytes copied, `nextSequence` and the writer-open count are this ring's, and it is sealed.
    /// Every `RingReader` reads it as it read this ring; no writer can open it.
    ///
    /// - Throws: what `create(path:capacity:)` and `sync()` throw (`path` must not exist). A
    ///   partly written copy is removed.
    /// - Complexity: O(bytes readable).
    public func writeCompactSealedCopy(to path: String) throws(SlogRingError) {
        var frames: [(offset: Int, size: Int)] = []
        var total = 0
        var position = oldestPosition
        while position < writePosition {
            let gap = implicitPaddingSize(at: position, capacity: capacity)
            if gap > 0 { position += UInt64(gap); continue }
            let offset = Int(position % UInt64(capacity))
            let size = frameSize(at: position)
            // Safe: positions in [oldest, write) are frames this writer wrote or validated.
            let frame = unsafe FrameHeader(loadingFrom: data + offset)
            if frame.kind != .padding {
                frames.append((offset, size))
                total += size
            }
            position += UInt64(size)
        }
        var copy = try RingWriter.create(path: path, capacity: max(total, RingHeader.minimumCapacity))
        var at = 0
        for frame in frames {
            // Safe: the copy's region holds `total` bytes; each source frame lies inside this
            // ring's region (a frame never crosses its end).
            unsafe (copy.data + at).copyMemory(from: data + frame.offset, byteCount: frame.size)
            at += frame.size
        }
        copy.oldestPosition = 0
        copy.writePosition = UInt64(at)
        copy.writeOffset = at % copy.capacity
        copy.nextSequence = nextSequence
        // Relaxed: nobody can open the copy before `create` returns, and `seal()` publishes with
        // a releasing store and syncs.
        unsafe copy.oldestWord.pointee.store(0, ordering: .relaxed)
        unsafe copy.writeWord.pointee.store(UInt64(at), ordering: .relaxed)
        unsafe copy.nextSequenceWord.pointee.store(nextSequence, ordering: .relaxed)
        let opens = unsafe file.atomicWord(at: RingHeader.writerOpenCountOffset).pointee.load(ordering: .relaxed)
        unsafe copy.file.atomicWord(at: RingHeader.writerOpenCountOffset).pointee.store(opens, ordering: .relaxed)
        #if SLOG_INTERNAL_CHECKS
        copy._checkInvariants()
        #endif
        do {
            try copy.seal()
            try copy.close()
        } catch {
            try? system_unlink(path)
            throw error
        }
    }
}
