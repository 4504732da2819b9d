extension FrameHeader {
    /// Why a frame header at `position` cannot be a valid frame, or `nil` if its fields fit.
    ///
    /// `limit` is the write position: a frame must end at or before it. The checksum is checked
    /// separately, after the payload has been copied.
    func structuralProblem(at position: UInt64, capacity: Int, limit: UInt64) -> String? {
        structuralProblem(at: position, room: capacity - Int(position % UInt64(capacity)), limit: limit)
    }

    /// `structuralProblem(at:capacity:limit:)` for a caller that knows `room`, the bytes from
    /// `position` to the end of the data region (no division per frame: the writer's eviction
    /// walk and a reader walking a lap track the offset).
    @inline(__always)
    func structuralProblem(at position: UInt64, room: Int, limit: UInt64) -> String? {
        if !kind.isValid { return "no frame here (kind 0)" }
        if lengthComplement != ~length { return "frame length field damaged (length \(length), check \(lengthComplement))" }
        if flags != 0 { return "reserved frame flags are set (0x\(String(flags, radix: 16)))" }
        let size = frameSize
        if kind == .padding && size != room {
            return "padding frame of \(size) bytes does not end at the end of the data region (\(room) bytes left)"
        }
        if size > room { return "frame of \(size) bytes crosses the end of the data region (\(room) bytes left)" }
        if position + UInt64(size) > limit { return "frame of \(size) bytes extends past the write position" }
        return nil
    }

    /// Whether the stored checksum matches, given the frame's first 16 bytes and payload.
    func checksumMatches(headerBytes: UnsafeRawPointer, payload: UnsafeRawBufferPointer) -> Bool {
        let computed = kind == .padding
            ? unsafe Self.computeChecksum(headerBytes: headerBytes, payload: UnsafeRawBufferPointer(start: nil, count: 0))
            : unsafe Self.computeChecksum(headerBytes: headerBytes, payload: payload)
        return computed == checksum
    }
}

/// The size of the gap a reader skips at `position` without a frame: the 8 or 16 bytes left
/// before the end of the data region when they cannot hold a 24-byte frame header (zero when a
/// frame header fits).
@inline(__always)
func implicitPaddingSize(at position: UInt64, capacity: Int) -> Int {
    let room = capacity - Int(position % UInt64(capacity))
    return room < FrameHeader.size ? room : 0
}
