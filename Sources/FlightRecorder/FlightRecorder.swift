internal import SlogModel
internal import SlogRing

/// A validator's black box: records the node's slog into a crash-safe ring file, retains each
/// block until it commits, and preserves the evidence when consensus fails.
///
/// ```swift
/// let recorder = try FlightRecorder(configuration: .init(path: "/var/lib/agd/flight.ring"))
/// kernel.onSlog { json in recorder.record(json) }        // the write-slog hook
/// // ... on a consensus failure at block `height`:
/// let box = try recorder.preserveBlackBox(height: height, appHash: appHash, reason: "app hash mismatch")
/// print(box.message)                                       // what to send, named HEIGHT-HASH
/// ```
///
/// Every member is safe to call from any thread. Calls are serialized by one lock held for a
/// few hundred nanoseconds (no system call, no allocation for ordinary records), so records
/// from several threads land in the ring in the order the calls took the lock.
public final class FlightRecorder: Sendable {
    /// This library's version, written into every recorder-opened marker and printed by
    /// every tool's `--version`.
    public static let version = flightRecorderVersion

    /// The configuration the recorder was opened with.
    package let configuration: Configuration
    /// What opening did that an operator should know: a sealed or damaged ring moved aside,
    /// with its new name. Empty normally; log each one.
    public let openingNotes: [OpeningNote]

    private let state: RecorderLock<RecorderState>

    /// Opens (or creates) the ring and writes a recorder-opened marker (`created` or
    /// `reopened`, with process id, wall time and library version).
    ///
    /// A ring that is sealed (a preserved black box), damaged, of another capacity or of a newer
    /// format is never written: it is renamed aside (`NAME.sealed-TIME.ring` and so on, said
    /// in `openingNotes`) and a fresh ring is created.
    /// - Throws: `FlightRecorderError.ring` when no ring can be opened or created (disk full,
    ///   permissions, another writer holds the ring, invalid capacity).
    public init(configuration: Configuration) throws(FlightRecorderError) {
        let opened = try RingOpening.open(configuration)
        self.configuration = configuration
        self.openingNotes = opened.notes
        var state = RecorderState(writer: opened.writer, configuration: configuration)
        state.appendMarker(.recorderOpened(
            event: opened.event, processID: system_getpid(), wallTime: system_wallClockSeconds(), version: Self.version,
            note: opened.notes.isEmpty ? nil : opened.notes.map(\.description).joined(separator: "; ")))
        self.state = RecorderLock(state)
    }

    // MARK: The write-slog hook

    /// Records one slog record: the exact bytes the node serialized (one JSON object, no
    /// newline). The write-slog hook.
    ///
    /// Never throws and never waits for the disk. With `automaticMarkers` on, a begin-block,
    /// crank-finish or commit record also writes its marker (and a commit applies retention).
    /// A record too large for the ring is replaced by a record-too-large marker; failures are
    /// counted in `statistics`.
    public func record(_ bytes: RawSpan) {
        // Safe: the pointer lives only for this call, which does not keep it.
        unsafe bytes.withUnsafeBytes { unsafe record($0) }
    }

    /// Records one slog record given as a string. See `record(_:)`.
    public func record(_ string: String) {
        var string = string
        // Safe: the buffer lives only for this call, which does not keep it.
        unsafe string.withUTF8 { unsafe record(UnsafeRawBufferPointer($0)) }
    }

    /// Records one slog record given as bytes (an array, a slice, `Data`, a string's
    /// `utf8`). See `record(_:)`.
    public func record(_ bytes: some Collection<UInt8>) {
        // Safe: the buffers live only for these calls, which do not keep them.
        let done: Void? = unsafe bytes.withContiguousStorageIfAvailable { unsafe record(UnsafeRawBufferPointer($0)) }
        if done == nil { unsafe Array(bytes).withUnsafeBytes { unsafe record($0) } }
    }

    /// Records one slog record from memory the caller owns for the duration of the call.
    package func record(_ bytes: UnsafeRawBufferPointer) {
        let borrowed = unsafe BorrowedBytes(buffer: bytes)
        state.withLock { unsafe $0.record(borrowed.buffer) }
    }

    /// The largest record the ring can hold, in bytes; a longer one is replaced by a
    /// record-too-large marker. 0 when the recorder has no open ring.
    package var maximumRecordLength: Int {
        state.withLock { $0.writer?.maximumPayloadLength ?? 0 }
    }

    /// Records the marker for a record of `size` bytes that was too large to keep, given only
    /// its first bytes (a reader that bounds its memory never holds the whole record).
    package func recordTooLarge(size: Int, prefix: UnsafeRawBufferPointer) {
        let borrowed = unsafe BorrowedBytes(buffer: prefix)
        state.withLock { unsafe $0.recordTooLarge(size: size, prefix: borrowed.buffer) }
    }

    // MARK: Explicit markers

    /// Block `height` begins. For nodes that do not forward begin-block records (or that turned
    /// `automaticMarkers` off); a node forwarding Agoric's slog gets this automatically.
    public func beginBlock(height: UInt64, blockTime: Int64? = nil) {
        state.withLock { $0.beginBlock(height: height, blockTime: blockTime) }
    }

    /// Crank `number` finished with these hashes (hex).
    public func finishCrank(number: UInt64, crankHash: String?, activityHash: String?) {
        state.withLock { $0.appendMarker(.crankFinish(crankNumber: number, crankHash: crankHash, activityHash: activityHash)) }
    }

    /// Block `height` committed: retention releases the blocks older than the last K committed.
    public func commitBlock(height: UInt64) {
        state.withLock { $0.commitBlock(height: height) }
    }

    /// The node's slog sender lost `count` records between blocks `firstHeight` and
    /// `lastHeight` before they reached this recorder (`reason` in the sender's words):
    /// writes a sender-lost marker where the gap is. `slog-record --listen` calls it for each
    /// loss report the sender sends.
    package func recordSenderLost(count: UInt64, firstHeight: UInt64?, lastHeight: UInt64?, reason: String) {
        state.withLock {
            $0.appendMarker(.senderLost(count: count, firstHeight: firstHeight, lastHeight: lastHeight, reason: reason))
        }
    }

    // MARK: State

    /// The counters, read under the lock (a consistent snapshot).
    public var statistics: Statistics {
        state.withLock { $0.statistics }
    }

    /// Whether the recorder has an open ring (false after `close()`, or when reopening a fresh
    /// ring after a black box failed; `statistics.lastError` says why).
    public var isRecording: Bool {
        state.withLock { $0.writer != nil }
    }

    // MARK: The black box

    /// Preserves the black box after a consensus failure at block `height`.
    ///
    /// Steps: (1) compute the identifier `HEIGHT-HASH` from block `height`'s slog records with
    /// nondeterministic fields removed (the list slog-diff uses), so validators that
    /// fail the same way print the same identifier; (2) append a halt marker; (3) seal the ring
    /// and sync it to disk; (4) rename it to `blackbox-HEIGHT-HASH.ring` in the black-box
    /// directory, never replacing a file; (5) start a fresh ring at the configured path, so
    /// recording goes on. Takes milliseconds (it reads the ring and calls `fsync`); records
    /// from other threads wait meanwhile. Calls are serialized: a second call preserves the
    /// fresh ring.
    ///
    /// - Returns: where the file is and the exact message to show the operator.
    /// - Throws: `.notRecording` when there is no open ring; `.ring` when sealing fails (the
    ///   ring is then left as it was, still recording). A failed rename is not thrown: the
    ///   sealed ring stays at its path, which `BlackBox.path` then names.
    public func preserveBlackBox(height: UInt64, appHash: String? = nil, reason: String) throws(FlightRecorderError) -> BlackBox {
        try state.withLock { (state: inout RecorderState) throws(FlightRecorderError) -> BlackBox in
            try state.preserveBlackBox(height: height, appHash: appHash, reason: reason)
        }
    }

    /// Writes a pending drop marker, then closes the ring (everything recorded stays in it).
    /// Later records are counted as lost.
    public func close() throws(FlightRecorderError) {
        try state.withLock { (state: inout RecorderState) throws(FlightRecorderError) in try state.close() }
    }
}

/// The caller's record bytes, carried into the lock's closure.
///
/// `RecorderLock.withLock` takes a non-escaping closure and runs it on the calling thread, but
/// the recorder is `Sendable` and its state is reached through a lock whose closure may capture
/// only sendable values, and an unsafe pointer cannot say it is. This one is read only inside
/// the lock, on the calling thread, before `record(_:)` returns, and never stored: that is why
/// `@unchecked` is true here.
private struct BorrowedBytes: @unchecked Sendable {
    let buffer: UnsafeRawBufferPointer
}

extension FlightRecorder {
    /// Something opening the recorder did to an existing file, for the node's log.
    public struct OpeningNote: Sendable, Equatable, CustomStringConvertible {
        /// Why the ring at `path` was not written.
        public enum Reason: String, Sendable, Equatable {
            /// It is a preserved black box.
            case sealed
            /// Its header or a frame failed validation, or it is shorter than its header says.
            case damaged
            /// It does not start with the ring magic.
            case notARing = "not-a-ring"
            /// It is of a newer format than this build writes.
            case newerFormat = "newer-format"
            /// Its capacity differs from the configured one.
            case otherCapacity = "other-capacity"
        }

        /// Why the existing ring was moved aside.
        public var reason: Reason
        /// The configured ring path (a fresh ring is there now).
        public var path: String
        /// Where the existing ring was moved, never replacing a file.
        public var movedTo: String
        /// What the ring reported, in words.
        public var detail: String

        /// The sentence for the node's log.
        public var description: String { "\(path) was not written: \(detail); moved aside to \(movedTo)" }
    }
}
