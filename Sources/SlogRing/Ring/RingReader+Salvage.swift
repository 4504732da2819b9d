extension RingReader {
    /// Frames found by a salvage scan, in sequence order.
    struct SalvageState {
        struct Entry {
            var sequence: UInt64
            var fileOffset: Int
        }
        var entries: [Entry]
        var index = 0
    }

    /// Scans the whole data region for frames that validate on their own (fields and
    /// checksum), ignoring the header's positions. Stale frames from earlier laps are valid
    /// records too; sorting by sequence puts everything in write order.
    ///
    /// Memory: one 16-byte entry per frame found, and frames are at least 24 bytes, so less
    /// than the file's size. Time: linear in the file plus the checksum budget.
    mutating func buildSalvage() -> SalvageState {
        var entries: [SalvageState.Entry] = []
        let capacity = header.capacity
        var position: UInt64 = 0
        var exhaustedAt: Int?
        var nextHoleCheck: UInt64 = 0
        while position + UInt64(FrameHeader.size) <= UInt64(capacity) {
            if position >= nextHoleCheck {
                // Holes hold no frames (see resynchronize).
                let hole = bytesOfHole(at: position)
                nextHoleCheck = position + UInt64(hole) + (1 << 20)
                if hole > 0 { position += UInt64(hole); continue }
            }
            let offset = header.headerSize + Int(position)
            guard offset + FrameHeader.size <= file.length else { break }
            if scanBudget <= 0 { exhaustedAt = offset; break }
            if let frame = validFrame(atFileOffset: offset, position: position, limit: UInt64(capacity)) {
                if frame.kind != .padding { entries.append(.init(sequence: frame.sequence, fileOffset: offset)) }
                position += UInt64(frame.frameSize)
            } else {
                position += 8
            }
        }
        if let exhaustedAt {
            pendingIssues.append(ReadIssue(reason: .scanBudgetExhausted, fileOffset: exhaustedAt, byteCount: file.length - exhaustedAt))
        }
        entries.sort { $0.sequence < $1.sequence }
        // A sequence can appear twice only in a damaged or hand-made file: keep the first copy.
        var unique: [SalvageState.Entry] = []
        unique.reserveCapacity(entries.count)
        for entry in entries where unique.last?.sequence != entry.sequence { unique.append(entry) }
        return SalvageState(entries: unique)
    }

    /// The next salvaged record, re-validated as it is copied.
    mutating func nextSalvaged() -> RecordInfo? {
        if salvage == nil { salvage = buildSalvage() }
        if checkForTruncation() { return nil }
        while var state = salvage, state.index < state.entries.count {
            let entry = state.entries[state.index]
            state.index += 1
            salvage = state
            let offset = entry.fileOffset
            let position = UInt64(offset - header.headerSize)
            unsafe buffer.copyMemory(from: file.readPointer(at: offset, count: FrameHeader.size), byteCount: FrameHeader.size)
            let frame = unsafe FrameHeader(loadingFrom: buffer)
            guard frame.structuralProblem(at: position, capacity: header.capacity, limit: UInt64(header.capacity)) == nil,
                offset + frame.frameSize <= file.length
            else { continue }
            let length = Int(frame.length)
            reserveFrameBuffer(FrameHeader.size + length)
            unsafe (buffer + FrameHeader.size).copyMemory(
                from: file.readPointer(at: offset + FrameHeader.size, count: length), byteCount: length)
            if checkForTruncation() { return nil }
            let payload = unsafe UnsafeRawBufferPointer(start: buffer + FrameHeader.size, count: length)
            guard unsafe frame.checksumMatches(headerBytes: buffer, payload: payload) else { continue }
            if let expected, frame.sequence != expected {
                pendingIssues.append(ReadIssue(
                    reason: .sequenceGap(expected: expected, found: frame.sequence), fileOffset: offset, byteCount: 0,
                    lostRecords: frame.sequence - expected))
            }
            expected = frame.sequence &+ 1
            currentPayload = FrameHeader.size
            currentLength = length
            return RecordInfo(sequence: frame.sequence, kind: frame.kind, position: nil, fileOffset: offset, length: length)
        }
        return nil
    }
}
