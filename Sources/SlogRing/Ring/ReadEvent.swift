/// One record a reader returned. Its bytes are available through `RingReader.withRecordBytes`
/// until the next call to `next()`.
public struct RecordInfo: Equatable, Sendable {
    /// The record's sequence number: consecutive within a ring, never reused.
    public var sequence: UInt64
    /// What the record holds (`slog`, a marker, or an application kind).
    public var kind: RecordKind
    /// Logical position of the frame (`nil` when recovered by a salvage scan).
    public var position: RingPosition?
    /// Byte offset of the frame in the file.
    public var fileOffset: Int
    /// Payload bytes.
    public var length: Int
}

/// Something a reader skipped: where, how many bytes, why, and how many records it cost.
public struct ReadIssue: Equatable, Sendable, CustomStringConvertible {
    /// Why the reader skipped something.
    public enum Reason: Equatable, Sendable {
        /// A live writer overwrote these frames before the reader got to them.
        case lapped
        /// The bytes at this place are not a valid frame (the message says what is wrong).
        case damagedFrame(String)
        /// A frame whose checksum does not match its contents.
        case checksumMismatch(sequence: UInt64)
        /// Consecutive valid records whose sequence numbers are not consecutive.
        case sequenceGap(expected: UInt64, found: UInt64)
        /// The file ends before the data region does (a truncated file).
        case beyondEndOfFile(fileSize: Int)
        /// The header cannot be trusted; records were recovered by scanning the whole file.
        case headerDamaged(String)
        /// The recovery scan spent its checksum budget (a hostile file); the rest was skipped.
        case scanBudgetExhausted
    }

    /// Why.
    public var reason: Reason
    /// Byte offset in the file where the skipped region starts.
    public var fileOffset: Int
    /// Bytes skipped (0 when nothing was skipped, as for a sequence gap or a header note).
    public var byteCount: Int
    /// Records known to be lost here, when the sequence numbers on both sides tell.
    public var lostRecords: UInt64?

    /// `offset N: cause; skipped B bytes; R records lost`.
    public var description: String {
        var text = "offset \(fileOffset): "
        switch reason {
        case .lapped: text += "overwritten by the writer before it could be read"
        case .damagedFrame(let why): text += why
        case .checksumMismatch(let sequence): text += "checksum mismatch in frame claiming sequence \(sequence)"
        case .sequenceGap(let expected, let found): text += "sequence jumps from \(expected) to \(found)"
        case .beyondEndOfFile(let size): text += "file ends at \(size) bytes, before the data region does"
        case .headerDamaged(let why): text += "header damaged (\(why)); recovered records by scanning the file"
        case .scanBudgetExhausted: text += "recovery scan budget exhausted; rest of region not examined"
        }
        if byteCount > 0 { text += "; skipped \(byteCount) bytes" }
        if let lostRecords { text += "; \(lostRecords) record\(lostRecords == 1 ? "" : "s") lost" }
        return text
    }
}

/// What `RingReader.next()` returns: a record, or a note of what was skipped before the next one.
public enum ReadEvent: Equatable, Sendable {
    case record(RecordInfo)
    case skipped(ReadIssue)
}
