import SlogModel
import SlogRing

/// Reads our SlogRing format through `RingReader`: slog records, FlightRecorder markers, and
/// what the reader skipped. Works on live rings (`next()` returns `nil` when caught up; call it
/// again to follow the writer), sealed black boxes, and damaged files.
package final class RingSource: SlogSource {
    package let path: String
    package var format: SlogFormat { .ring }
    private var reader: RingReader

    /// Opens the ring at `path`.
    /// - Throws: `.ring(.notARing)`, `.ring(.unsupportedVersion)` (upgrade the tools),
    ///   `.ring(.io)`.
    package init(path: String) throws(SlogInputError) {
        self.path = path
        do { reader = try RingReader.open(path: path) } catch { throw .ring(error) }
    }

    /// The event `forEachRecord` stopped at, for `next()` to return.
    private var stopped: SlogEvent?

    package func next() -> SlogEvent? {
        if let event = stopped {
            stopped = nil
            return event
        }
        guard let event = reader.next() else { return nil }
        switch event {
        case .record(let info):
            return unsafe reader.withRecordBytes { unsafe Self.event(info, bytes: $0) }
        case .skipped(let issue):
            return problem(issue)
        }
    }

    package func forEachRecord(_ body: (UnsafeRawBufferPointer) -> Void) {
        guard stopped == nil else { return }
        var stop: SlogEvent?
        // Loaded once: a static of another module is reached through its lazy initializer.
        let slog = RecordKind.slog
        // One access to `reader` for the whole run (a class's stored property is checked for
        // exclusive access at every access).
        let issue = unsafe reader.forEachRecord { info, bytes in
            guard info.kind == slog else {
                stop = unsafe Self.event(info, bytes: bytes)
                return false
            }
            unsafe body(bytes)
            return true
        }
        if let issue { stop = problem(issue) }
        stopped = stop
    }

    /// The event for a record the reader returned, whose bytes are `bytes`.
    private static func event(_ info: RecordInfo, bytes: UnsafeRawBufferPointer) -> SlogEvent {
        let record = SlogRecord(sequence: info.sequence, fileOffset: info.fileOffset, length: info.length, kind: info.kind)
        if info.kind == .slog { return .record(record) }
        if info.kind.isMarker { return .marker(unsafe Marker.decode(kind: info.kind, bytes: bytes), record) }
        return .opaque(record)
    }

    private func problem(_ issue: ReadIssue) -> SlogEvent {
        .problem(SlogProblem(
            file: displayName, fileOffset: issue.fileOffset, byteCount: issue.byteCount,
            lostRecords: issue.lostRecords, cause: Self.cause(issue.reason)))
    }

    package func withRecordBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        unsafe try reader.withRecordBytes(body)
    }

    /// Sealed (a preserved black box), or salvaged (no header to follow).
    package var isFinished: Bool {
        reader.status?.isSealed ?? true
    }

    package var status: SlogSourceStatus {
        let header = reader.header
        var status = SlogSourceStatus(
            format: .ring,
            formatDescription: "SlogRing v\(header.formatVersion)" + (reader.isSalvaging ? " (header damaged: salvaged by scanning)" : ""))
        status.fileSize = reader.fileSize
        status.capacity = header.capacity
        if let ring = reader.status {
            status.bytesUsed = Int(ring.write.rawValue - ring.oldest.rawValue)
            status.sealed = ring.isSealed
            status.writerActive = ring.writerActive
            status.writerOpens = ring.writerOpenCount
            status.details = [
                ("oldestPosition", Int(ring.oldest.rawValue)), ("writePosition", Int(ring.write.rawValue)),
                ("nextSequence", Int(clamping: ring.nextSequence)),
            ]
        }
        return status
    }

    private static func cause(_ reason: ReadIssue.Reason) -> SlogProblem.Cause {
        switch reason {
        case .lapped: .lapped
        case .released: .released
        case .damagedFrame(let why): .damaged(why)
        case .checksumMismatch(let sequence): .checksumMismatch(sequence: sequence)
        case .sequenceGap(let expected, let found): .sequenceGap(expected: expected, found: found)
        case .beyondEndOfFile(let size): .beyondEndOfFile(fileSize: size)
        case .headerDamaged(let why): .headerDamaged(why + "; records recovered by scanning the file")
        case .scanBudgetExhausted: .scanBudgetExhausted
        }
    }
}
