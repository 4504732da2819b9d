extension RingWriter {
    /// The sequence number of the oldest record a reader can still read, or `nil` when the
    /// ring is empty.
    ///
    /// FlightRecorder compares it before and after an append to name the records an eviction
    /// overwrote.
    /// - Complexity: O(1): at most a padding frame or gap is skipped.
    public var oldestRecordSequence: UInt64? {
        var position = oldestPosition
        while position < writePosition {
            let gap = implicitPaddingSize(at: position, capacity: capacity)
            if gap > 0 { position += UInt64(gap); continue }
            // Safe: positions in [oldest, write) are inside the data region and were written
            // (or validated at open) by this writer.
            let frame = unsafe FrameHeader(loadingFrom: data + Int(position % UInt64(capacity)))
            if frame.kind != .padding { return frame.sequence }
            position += UInt64(frame.frameSize)
        }
        return nil
    }
}
