internal import Synchronization

extension RingReader {
    /// Follows the chain of frames from the cursor to the write position.
    ///
    /// Frames are validated in the reader's *window*: a private copy of up to `windowSize`
    /// bytes from the cursor (never past the write position or the end of the lap), made in one
    /// piece and checked once against laps afterwards (`refillWindow`). Every frame in it is
    /// then checked as before (fields, bounds, checksum, sequence) without copying from the
    /// shared mapping again, so a frame costs its checksum, one load of the oldest position
    /// (a frame evicted since the copy is reported as lapped, not returned) and little else.
    mutating func nextInChain() -> RecordInfo? {
        guard let words else { return nil }
        let capacity = header.capacity
        while true {
            if truncatedAt != nil { return nil }
            if cursor >= limit {
                // Acquiring: pairs with the writer's releasing store; frames before it are complete.
                let write = unsafe words.write.pointee.load(ordering: .acquiring)
                if write > limit { limit = write }
                if cursor >= limit { return nil }
            }
            // Acquiring: a position the writer already evicted must not be returned, even from
            // the window (copied before the eviction): a caller that saw the writer evict the
            // next record gets the lap first, as without a window.
            let oldest = unsafe words.oldest.pointee.load(ordering: .acquiring)
            if oldest > cursor { noteLap(to: oldest); continue }
            // Bytes left in the lap: from the window's when the cursor is in its lap.
            let intoWindow = cursor &- windowStart
            let room = cursor >= windowStart && intoWindow < UInt64(windowRoom)
                ? windowRoom - Int(intoWindow) : capacity - Int(cursor % UInt64(capacity))
            // Too few to hold a frame header: an implicit padding gap (FORMAT.md).
            if room < FrameHeader.size { cursor += UInt64(room); continue }

            // The frame header, from the window (copied anew when the window ends before it).
            guard cursor >= windowStart, cursor + UInt64(FrameHeader.size) <= windowEnd else {
                if !refillWindow(words, atLeast: FrameHeader.size) { return nil }
                continue
            }
            let offset = windowOffset + Int(intoWindow)
            let frameStart = unsafe buffer + Int(intoWindow)
            // The frame's first word once more from the mapping (inside it since the copy was):
            // if the file was truncated since the copy (the guard's zeros, or zeros past the end
            // of file in its last page), the reader goes back to the mapping, which tells how,
            // and stops at the new end as a frame-by-frame reader would.
            let live = unsafe file.readPointer(at: offset, count: 8).loadUnaligned(as: UInt64.self)
            guard unsafe live == frameStart.loadUnaligned(as: UInt64.self) else {
                windowEnd = windowStart
                continue
            }
            let frame = unsafe FrameHeader(loadingFrom: frameStart)
            if let problem = frame.structuralProblem(at: cursor, room: room, limit: limit) {
                if wasLapped(words) { continue }
                resynchronize(from: cursor, reason: .damagedFrame(problem))
                continue
            }
            guard offset + frame.frameSize <= file.length else { skipPastEndOfFile(); continue }
            let payloadLength = frame.kind == .padding ? 0 : Int(frame.length)
            // The whole frame, from the window (a frame larger than the window grows it).
            guard cursor + UInt64(FrameHeader.size + payloadLength) <= windowEnd else {
                if !refillWindow(words, atLeast: FrameHeader.size + payloadLength) { return nil }
                continue
            }
            let payload = unsafe UnsafeRawBufferPointer(start: frameStart + FrameHeader.size, count: payloadLength)
            guard unsafe frame.checksumMatches(headerBytes: frameStart, payload: payload) else {
                resynchronize(from: cursor, reason: .checksumMismatch(sequence: frame.sequence))
                continue
            }
            let position = cursor
            cursor += UInt64(frame.frameSize)
            if frame.kind == .padding { continue }
            if let expected, frame.sequence != expected, pendingIssues.isEmpty {
                if lossSettledFromHeader && frame.sequence > expected {
                    // Published after the header was read, overwritten before this reader got
                    // to them: the rest of the same lap.
                    pendingIssues.append(ReadIssue(
                        reason: lastSkipWasRelease ? .released : .lapped, fileOffset: offset, byteCount: 0,
                        lostRecords: frame.sequence - expected))
                } else {
                    noteGap(expected: expected, found: frame.sequence, at: offset)
                }
            }
            expected = frame.sequence &+ 1
            currentPayload = Int(intoWindow) + FrameHeader.size
            currentLength = payloadLength
            return RecordInfo(
                sequence: frame.sequence, kind: frame.kind, position: RingPosition(position), fileOffset: offset,
                length: payloadLength)
        }
    }

    /// Copies the ring's bytes from the cursor into the window: up to `windowSize` bytes (at
    /// least `minimum`, for a larger frame), not past the write position nor the end of the lap
    /// nor the end of the file. Returns `false` when the reader must stop (the file was found
    /// truncated); otherwise the caller looks at the cursor again, which may have moved (a lap,
    /// the end of the file) or may now lie in the window.
    ///
    /// Steps:
    /// 1. Stop if the truncation guard absorbed a fault since the last copy and the file is
    ///    shorter now (`checkForTruncation`).
    /// 2. Copy, then load the oldest position behind a fence (`wasLapped`): if the writer
    ///    evicted anything at or after the cursor, some copied bytes may have been overwritten
    ///    mid-copy, so the window is dropped and the lap noted. Otherwise no byte of the window
    ///    changed while it was copied: the writer moves the oldest position past a frame before
    ///    it overwrites any of its bytes.
    /// 3. If the copy itself faulted (the file was truncated during it), the window ends where
    ///    the file now ends: the bytes before are real, those after are the guard's zeros. The
    ///    next copy then stops the reader (step 1), after the frames before the end are read.
    mutating func refillWindow(_ words: HeaderWords, atLeast minimum: Int) -> Bool {
        if checkForTruncation() { return false }
        let capacity = UInt64(header.capacity)
        let offset = fileOffset(of: cursor)
        let toLapEnd = capacity - cursor % capacity
        windowStart = cursor
        windowEnd = cursor
        windowOffset = offset
        windowRoom = Int(toLapEnd)
        // Bytes up to the write position; at least `minimum` (a frame that claims to reach past
        // it is then reported by the structural check, as without a window).
        var count = Int(min(limit - cursor, toLapEnd, UInt64(max(Self.windowSize, minimum))))
        count = max(count, min(minimum, Int(toLapEnd)))
        guard offset + count <= file.length else {
            if offset + minimum > file.length { skipPastEndOfFile(); return true }
            count = file.length - offset
            return fill(words, offset: offset, count: count)
        }
        return fill(words, offset: offset, count: count)
    }

    private mutating func fill(_ words: HeaderWords, offset: Int, count: Int) -> Bool {
        if count > bufferCapacity {
            // Grown to the frame that needs it (inside the mapping, so bounded by the file).
            let capacity = max(count, min(2 * bufferCapacity, FrameHeader.size + file.length))
            unsafe buffer.deallocate()
            unsafe buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
            bufferCapacity = capacity
        }
        unsafe buffer.copyMemory(from: file.readPointer(at: offset, count: count), byteCount: count)
        if wasLapped(words) { return true }
        var copied = count
        if TruncationGuard.faults.load(ordering: .relaxed) != faultsSeen {
            // The copy met pages past a new end of file: keep what lies before it.
            let size = (try? system_fileSize(file.descriptor)) ?? 0
            if size < offset + count { copied = max(0, size - offset) }
        }
        windowEnd = cursor + UInt64(copied)
        return true
    }

    /// Whether the writer moved the oldest position past the cursor since the frame was copied;
    /// if so, notes the lap and moves the cursor there.
    private mutating func wasLapped(_ words: HeaderWords) -> Bool {
        // Acquiring-and-releasing fence: the copies above may not be reordered after the load
        // below. Pairs with the fence in RingWriter.evict: if any copied byte was overwritten,
        // this load sees the oldest position the writer published before overwriting it.
        atomicMemoryFence(ordering: .acquiringAndReleasing)
        let oldest = unsafe words.oldest.pointee.load(ordering: .relaxed)
        guard oldest > cursor else { return false }
        noteLap(to: oldest)
        return true
    }

    /// Notes that the oldest position moved past the cursor, and why: *released* by the writer
    /// (`RingWriter.release(before:)`, strict retention; the bytes were not overwritten) or
    /// *overwritten* (evicted to make room, the normal lap).
    ///
    /// The positions alone cannot tell: a writer evicts before it writes and publishes the new
    /// write position, so at that instant the write position still looks a lap short. So the
    /// writer records its latest release in two header words (`releasedFrom`, `releasedTo`,
    /// FORMAT.md). The stretch `[cursor, oldest)` was released exactly when `oldest` is the
    /// latest release's end (oldest positions only grow, so no eviction produced that value) and
    /// the release began at or before the cursor.
    /// Any doubt (a release in progress, an older writer that leaves the words 0) says
    /// overwritten, as before.
    private mutating func noteLap(to oldest: UInt64) {
        var released = false
        if header.headerSize >= RingHeader.releaseWordsEnd, file.length >= RingHeader.releaseWordsEnd, words != nil {
            // Acquiring: pairs with the releasing store of `releasedTo`, made after `releasedFrom`.
            let to = unsafe file.atomicWord(at: RingHeader.releasedToOffset).pointee.load(ordering: .acquiring)
            let from = unsafe file.atomicWord(at: RingHeader.releasedFromOffset).pointee.load(ordering: .acquiring)
            released = to == oldest && from <= cursor
        }
        lastSkipWasRelease = released
        noteSkip(ReadIssue(reason: released ? .released : .lapped, fileOffset: fileOffset(of: cursor), byteCount: Int(oldest - cursor)))
        cursor = oldest
        if limit < cursor { limit = cursor }
    }

    private mutating func noteGap(expected: UInt64, found: UInt64, at offset: Int) {
        let issue = ReadIssue(
            reason: .sequenceGap(expected: expected, found: found), fileOffset: offset, byteCount: 0,
            lostRecords: found > expected ? found - expected : nil)
        pendingIssues.append(issue)
        pendingFirstLost = nil
        // Returned before the record by next() (issues with no pending loss count go first).
    }

    /// The data region continues past the end of a truncated file: skip to the next lap.
    private mutating func skipPastEndOfFile() {
        let offset = fileOffset(of: cursor)
        let toLapEnd = UInt64(header.capacity - Int(cursor % UInt64(header.capacity)))
        let skip = min(toLapEnd, limit - cursor)
        noteSkip(ReadIssue(reason: .beyondEndOfFile(fileSize: fileSize), fileOffset: offset, byteCount: Int(skip)))
        cursor += skip
    }

    /// Scans forward from `start + 8` for the next frame that validates, notes the damaged
    /// region, and moves the cursor to that frame (or to the write position if none).
    ///
    /// Linear overall: the cursor never returns into a region already scanned. Checksums
    /// computed while scanning are charged to `scanBudget`.
    private mutating func resynchronize(from start: UInt64, reason: ReadIssue.Reason) {
        let capacity = header.capacity
        var candidate = start + 8
        var exhausted = false
        var nextHoleCheck = candidate
        while candidate < limit {
            let gap = implicitPaddingSize(at: candidate, capacity: capacity)
            if gap > 0 { candidate += UInt64(gap); continue }
            if candidate >= nextHoleCheck {
                // No frame lies in a hole: jump over them (a sparse file claiming gigabytes of
                // frames would otherwise be faulted in and scanned 8 bytes at a time).
                candidate += UInt64(bytesOfHole(at: candidate))
                nextHoleCheck = candidate + (1 << 20)
                continue
            }
            let offset = fileOffset(of: candidate)
            if offset + FrameHeader.size > file.length {
                candidate += UInt64(capacity - Int(candidate % UInt64(capacity)))
                continue
            }
            if scanBudget <= 0 { exhausted = true; break }
            if let frame = validFrame(atFileOffset: offset, position: candidate, limit: limit),
                frame.kind == .padding || expected.map({ frame.sequence >= $0 }) ?? true
            {
                break
            }
            candidate += 8
        }
        candidate = min(candidate, limit)
        if exhausted {
            noteSkip(ReadIssue(reason: reason, fileOffset: fileOffset(of: start), byteCount: Int(candidate - start)))
            noteSkip(ReadIssue(reason: .scanBudgetExhausted, fileOffset: fileOffset(of: candidate), byteCount: Int(limit - candidate)))
            candidate = limit
        } else {
            noteSkip(ReadIssue(reason: reason, fileOffset: fileOffset(of: start), byteCount: Int(candidate - start)))
        }
        cursor = candidate
    }

    /// How many bytes from `position` (within its lap, 8-byte multiple) are a hole in the file.
    func bytesOfHole(at position: UInt64) -> Int {
        let offset = fileOffset(of: position)
        let toLapEnd = header.capacity - Int(position % UInt64(header.capacity))
        guard let data = system_nextData(file.descriptor, from: offset) else { return toLapEnd }
        return min(max(0, data - offset), toLapEnd) & ~7
    }

    /// The frame at `offset` if its fields fit and its checksum matches (read in place; the
    /// caller re-reads it with lap detection before returning it).
    mutating func validFrame(atFileOffset offset: Int, position: UInt64, limit: UInt64) -> FrameHeader? {
        let frame = unsafe FrameHeader(loadingFrom: file.readPointer(at: offset, count: FrameHeader.size))
        guard frame.isPlausible,
            frame.structuralProblem(at: position, capacity: header.capacity, limit: limit) == nil,
            offset + frame.frameSize <= file.length
        else { return nil }
        let payloadLength = frame.kind == .padding ? 0 : Int(frame.length)
        scanBudget -= FrameHeader.size + payloadLength
        let pointer = unsafe file.readPointer(at: offset, count: frame.frameSize)
        let payload = unsafe UnsafeRawBufferPointer(start: pointer + FrameHeader.size, count: payloadLength)
        return unsafe frame.checksumMatches(headerBytes: pointer, payload: payload) ? frame : nil
    }
}
