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
        /// The writer released these frames (strict retention: committed blocks older than the
        /// ones it keeps) before the reader got to them. Their bytes were not overwritten: the
        /// reader was behind the recorder's retention, not behind a whole ring.
        case released
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
        var text = "offset \(fileOffset): " + reason.message
        if byteCount > 0 { text += "; skipped \(byteCount) bytes" }
        if let lostRecords { text += "; \(lostRecords) record\(lostRecords == 1 ? "" : "s") lost" }
        return text
    }
}

extension ReadIssue.Reason {
    /// The cause in words: the one message table for what a reader skipped, used by the ring
    /// reader and by every input reader that reports the same causes (SlogInput's `SlogProblem`).
    public var message: String {
        switch self {
        case .lapped: "gap: overwritten by the writer before it could be read"
        case .released: "gap: released by the recorder's retention before it could be read (not overwritten)"
        case .damagedFrame(let why): why
        case .checksumMismatch(let sequence): "checksum mismatch in frame claiming sequence \(sequence)"
        case .sequenceGap(let expected, let found): "sequence jumps from \(expected) to \(found)"
        case .beyondEndOfFile(let size): "file ends at \(size) bytes, before the data does (truncated file)"
        case .headerDamaged(let why): "header damaged (\(why))"
        case .scanBudgetExhausted: "recovery scan limit reached; the rest of the region was not examined"
        }
    }
}

/// What `RingReader.next()` returns: a record, or a note of what was skipped before the next one.
public enum ReadEvent: Equatable, Sendable {
    case record(RecordInfo)
    case skipped(ReadIssue)
}
