package import SlogRing

/// Something a source skipped or wants said: which file, where, why, and what it cost.
///
/// `isDamage` separates damaged input (tools exit 1) from notices: a live writer lapping the
/// reader, or records recovered from outside an Agoric header's range.
package struct SlogProblem: Equatable, Sendable, CustomStringConvertible {
    package enum Cause: Equatable, Sendable {
        /// A live writer overwrote records before the reader got to them (a notice).
        case lapped
        /// The recorder's strict retention released records before the reader got to them (a
        /// notice; nothing was overwritten).
        case released
        /// Bytes that are not a valid record; the text says what is wrong.
        case damaged(String)
        /// A SlogRing frame whose checksum does not match.
        case checksumMismatch(sequence: UInt64)
        /// Consecutive valid SlogRing records whose sequence numbers are not consecutive.
        case sequenceGap(expected: UInt64, found: UInt64)
        /// The file ends before its header says the data does.
        case beyondEndOfFile(fileSize: Int)
        /// The header cannot be trusted; what follows was recovered by scanning.
        case headerDamaged(String)
        /// A recovery scan stopped at its work limit (a hostile file); the rest was skipped.
        case scanBudgetExhausted
        /// An Agoric file longer than its header's arena: its writer wrote a record past the
        /// arena's end after a full ring read as empty.
        case beyondArena(arenaEnd: Int, fileSize: Int)
        /// Agoric records read from where the header does not point, with proof (a notice).
        case recovered(String)
        /// A slogfile line longer than the reader accepts.
        case lineTooLong(limit: Int)
        /// The input ends in the middle of a line that is not a complete JSON object.
        case incompleteLastLine
        /// Reading the input failed.
        case readFailed(Errno)
        /// A followed slogfile became shorter than what was already read (rotated in place,
        /// logrotate's `copytruncate`): reading starts again at its new beginning (a notice).
        case truncatedInPlace(readTo: Int, newSize: Int)
    }

    /// The input as messages name it.
    package var file: String
    /// Byte offset in the file where the problem is (`nil` when there is none).
    package var fileOffset: Int?
    /// Bytes skipped (0 when nothing was).
    package var byteCount: Int
    /// Records known to be lost, when the input can tell.
    package var lostRecords: UInt64?
    package var cause: Cause

    package init(file: String, fileOffset: Int?, byteCount: Int = 0, lostRecords: UInt64? = nil, cause: Cause) {
        self.file = file
        self.fileOffset = fileOffset
        self.byteCount = byteCount
        self.lostRecords = lostRecords
        self.cause = cause
    }

    /// Whether the input is damaged (as opposed to a notice that loses nothing of the file).
    package var isDamage: Bool {
        switch cause {
        case .lapped, .released, .recovered, .truncatedInPlace: false
        default: true
        }
    }

    /// `FILE: offset N: cause; skipped B bytes; K records lost`.
    package var description: String {
        var text = file + ": "
        if let fileOffset { text += "offset \(fileOffset): " }
        switch cause {
        // The causes a ring reader also reports take their words from its one table.
        case .lapped: text += ReadIssue.Reason.lapped.message
        case .released: text += ReadIssue.Reason.released.message
        case .damaged(let why): text += ReadIssue.Reason.damagedFrame(why).message
        case .checksumMismatch(let sequence): text += ReadIssue.Reason.checksumMismatch(sequence: sequence).message
        case .sequenceGap(let expected, let found):
            text += ReadIssue.Reason.sequenceGap(expected: expected, found: found).message
        case .beyondEndOfFile(let size): text += ReadIssue.Reason.beyondEndOfFile(fileSize: size).message
        case .headerDamaged(let why): text += ReadIssue.Reason.headerDamaged(why).message
        case .scanBudgetExhausted: text += ReadIssue.Reason.scanBudgetExhausted.message
        case .beyondArena(let arenaEnd, let fileSize):
            text += "file is \(fileSize - arenaEnd) bytes longer than its arena (ends at \(arenaEnd)): "
            text += "the writer wrote past the arena after a full ring read as empty"
        case .recovered(let what): text += "note: " + what
        case .lineTooLong(let limit): text += "line longer than \(limit) bytes"
        case .incompleteLastLine: text += "input ends in the middle of a record (no newline, not a complete JSON object)"
        case .readFailed(let errno): text += "read failed: \(errno)"
        case .truncatedInPlace(let readTo, let newSize):
            text += "note: file was truncated in place to \(newSize) bytes after \(readTo) bytes had been read "
            text += "(rotated with copytruncate?); reading it again from its start"
        }
        if byteCount > 0 { text += "; skipped \(byteCount) bytes" }
        if let lostRecords { text += "; \(lostRecords) record\(lostRecords == 1 ? "" : "s") lost" }
        return text
    }
}
