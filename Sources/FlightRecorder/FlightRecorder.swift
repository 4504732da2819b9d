@_exported public import SlogRing
internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

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
    /// This library's version, written into every recorder-opened marker.
    public static let version = "0.1.0"

    /// The configuration the recorder was opened with.
    public let configuration: Configuration
    /// What opening found that an operator should know: a sealed or damaged ring moved aside,
    /// with the new name. Empty normally.
    public let openingNotes: [String]

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
            event: opened.event, processID: getpid(), wallTime: wallClockSeconds(), version: Self.version,
            note: opened.notes.isEmpty ? nil : opened.notes.joined(separator: "; ")))
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
    public func record(_ bytes: UnsafeRawBufferPointer) {
        let borrowed = BorrowedBytes(buffer: bytes)
        state.withLock { $0.record(borrowed.buffer) }
    }

    /// Records one slog record given as a string. See `record(_:)`.
    public func record(_ string: String) {
        var string = string
        string.withUTF8 { buffer in record(UnsafeRawBufferPointer(buffer)) }
    }

    /// Records one slog record given as bytes. See `record(_:)`.
    public func record(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { record($0) }
    }

    /// The largest record the ring can hold, in bytes; a longer one is replaced by a
    /// record-too-large marker. 0 when the recorder has no open ring.
    public var maximumRecordLength: Int {
        state.withLock { $0.writer?.maximumPayloadLength ?? 0 }
    }

    /// Records the marker for a record of `size` bytes that was too large to keep, given only
    /// its first bytes (a reader that bounds its memory never holds the whole record).
    public func recordTooLarge(size: Int, prefix: UnsafeRawBufferPointer) {
        let borrowed = BorrowedBytes(buffer: prefix)
        state.withLock { $0.recordTooLarge(size: size, prefix: borrowed.buffer) }
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
    /// nondeterministic fields removed (`NondeterministicFields.agoric`), so validators that
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
/// `Mutex.withLock` demands that whatever its closure captures can be sent across isolation
/// domains, and an unsafe pointer cannot say so. This one is read only inside the lock, on the
/// calling thread, before `record(_:)` returns, and never stored: that is why `@unchecked` is
/// true here.
private struct BorrowedBytes: @unchecked Sendable {
    let buffer: UnsafeRawBufferPointer
}

/// Wall-clock time in seconds since the Unix epoch, with microseconds (the slog's own style).
func wallClockSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec / 1000) / 1_000_000
}
