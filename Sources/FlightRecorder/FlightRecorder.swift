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

    /// Keeps this process alive when the ring file is truncated underneath the recorder (or
    /// any ring reader): installs, once, a `SIGBUS` handler for ring mappings only
    /// (`RingFile.installTruncationGuard()`). Call it before opening the recorder. Off unless
    /// called: the library never changes the host's signal handling on its own. With it, a
    /// truncated ring stops the recording (`isRecording` false, `lastError` says why) instead
    /// of killing the process; faults anywhere else behave as before. Returns whether it is
    /// installed.
    @discardableResult
    public static func installTruncationGuard() -> Bool {
        RingFile.installTruncationGuard()
    }

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
    /// - Throws: `FlightRecorderError` when no ring can be opened or created: `.ringInUse`
    ///   (another writer holds it), `.systemCall` (disk full, permissions: with the errno),
    ///   `.invalidConfiguration` (a capacity the format cannot hold), `.ringUnusable`.
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
        string.withUTF8 { unsafe record(UnsafeRawBufferPointer($0)) }
    }

    /// Records one slog record given as bytes (an array, a slice, `Data`, a string's
    /// `utf8`). See `record(_:)`.
    public func record(_ bytes: some Collection<UInt8>) {
        // Safe: the buffers live only for these calls, which do not keep them.
        let done: Void? = bytes.withContiguousStorageIfAvailable { unsafe record(UnsafeRawBufferPointer($0)) }
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

    /// Runs `body` holding the recorder's lock once, for a caller that records many records in
    /// a row (slog-record: every line of one read). The ring gets exactly what the same calls
    /// made one by one would write; only the lock is taken once instead of once per record
    /// (issue #17: the lock was ~6% of slog-record's CPU per line).
    ///
    /// `body` records through the `LockedRecorder` it is lent, which lives only for the call.
    /// It must not call this recorder's own methods (the lock is not reentrant: that would
    /// deadlock), and other threads' calls wait until it returns, so it should not block.
    package func withLockedRecorder<Result>(_ body: (borrowing LockedRecorder) -> Result) -> Result {
        state.withLock { (state: inout RecorderState) -> Result in
            // Safe: the pointer is lent to `body` inside a value it cannot copy or keep, and
            // `withUnsafeMutablePointer` keeps `state` in place until `body` returns.
            unsafe withUnsafeMutablePointer(to: &state) { pointer in body(unsafe LockedRecorder(state: pointer)) }
        }
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
        state.withLock { $0.recordSenderLost(count: count, firstHeight: firstHeight, lastHeight: lastHeight, reason: reason) }
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
    /// Steps: (1) if a box for `height` exists already (preserved by this recorder, or a
    /// `blackbox-HEIGHT-*.ring` in the black-box directory), return it with `disposition`
    /// `.alreadyPreserved` and write nothing; (2) if the directory holds
    /// `maximumBlackBoxes` boxes, count the trigger and throw `.blackBoxLimitReached`;
    /// (3) compute the identifier `HEIGHT-HASH` from block `height`'s slog records with
    /// nondeterministic fields removed (the list slog-diff uses), so validators that fail the
    /// same way print the same identifier; (4) append a halt marker (height, app hashes, reason,
    /// identifier, wall time); (5) seal the ring and sync it to disk; (6) write the box,
    /// `blackbox-HEIGHT-HASH.ring` in the black-box directory, as a compact sealed copy holding
    /// only the records (never replacing a file; if the copy fails, the whole sealed ring is
    /// renamed instead); (7) start a fresh ring at the configured path, so recording goes on.
    /// Takes milliseconds (it reads the ring, copies its records and calls `fsync`); records
    /// from other threads wait meanwhile.
    ///
    /// - Parameters:
    ///   - appHash: this node's app hash (CometBFT's "Expected …").
    ///   - networkAppHash: the app hash the network committed (CometBFT's "got …").
    /// - Returns: where the file is and the exact message to show the operator.
    /// - Throws: `.blackBoxLimitReached`; `.notRecording` when there is no open ring;
    ///   `.systemCall` (or another ring error) when sealing fails (the ring is then left as it
    ///   was, still recording). A failed rename is not thrown: the sealed ring stays at its
    ///   path, which `BlackBox.path` then names.
    public func preserveBlackBox(
        height: UInt64, appHash: String? = nil, networkAppHash: String? = nil, reason: String
    ) throws(FlightRecorderError) -> BlackBox {
        try state.withLock { (state: inout RecorderState) throws(FlightRecorderError) -> BlackBox in
            try state.preserveBlackBox(height: height, appHash: appHash, networkAppHash: networkAppHash, reason: reason)
        }
    }

    /// Preserves the black box for the last block this node committed: what a node does when
    /// CometBFT reports a consensus failure (the app hash of block H, carried by block H+1's
    /// header, differs from this node's, and H is the last block it committed).
    ///
    /// The height is the last commit this recorder saw (`statistics.lastCommittedHeight`), or,
    /// after a restart, the last commit marker in the ring; 0 if there is none. Everything else
    /// is `preserveBlackBox(height:appHash:networkAppHash:reason:)`, including one box per
    /// height and the limit.
    ///
    /// ```swift
    /// // CometBFT logged: CONSENSUS FAILURE!!! … wrong Block.Header.AppHash.  Expected 4A93…, got 0113…
    /// let box = try recorder.preserveBlackBoxForLastCommittedBlock(
    ///     reason: logLine, appHash: "4A93…", networkAppHash: "0113…")
    /// ```
    public func preserveBlackBoxForLastCommittedBlock(
        reason: String, appHash: String? = nil, networkAppHash: String? = nil
    ) throws(FlightRecorderError) -> BlackBox {
        try state.withLock { (state: inout RecorderState) throws(FlightRecorderError) -> BlackBox in
            let height = state.statistics.lastCommittedHeight ?? state.lastCommittedHeightInRing() ?? 0
            return try state.preserveBlackBox(height: height, appHash: appHash, networkAppHash: networkAppHash, reason: reason)
        }
    }

    /// Preserves the black box for the block being executed (the open block; the last
    /// committed one between blocks): for a failure inside execution, such as a SwingSet kernel
    /// panic (`##### KERNEL PANIC` in a console record).
    public func preserveBlackBoxForCurrentBlock(reason: String) throws(FlightRecorderError) -> BlackBox {
        try state.withLock { (state: inout RecorderState) throws(FlightRecorderError) -> BlackBox in
            try state.preserveBlackBoxForCurrentBlock(reason: reason)
        }
    }

    /// If `line` is CometBFT's consensus-failure log line (`CONSENSUS FAILURE!!!`, old
    /// Tendermint or CometBFT, plain/logfmt or JSON logging), preserves the black box for the
    /// last committed block with the line as the reason and its expected/got app hashes, and
    /// returns it; otherwise returns `nil` (cheap: one substring search). For a Swift node
    /// that sees CometBFT's log, or a tool that follows it.
    public func preserveBlackBox(ifConsensusFailure line: String) throws(FlightRecorderError) -> BlackBox? {
        guard let failure = ConsensusFailureLine(line) else { return nil }
        return try preserveBlackBoxForLastCommittedBlock(
            reason: failure.reason, appHash: failure.expectedAppHash, networkAppHash: failure.gotAppHash)
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
@unsafe private struct BorrowedBytes: @unchecked Sendable {
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
