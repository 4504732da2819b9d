extension FlightRecorder {
    /// How a recorder is opened. Every knob has a documented default; only `path` is required.
    ///
    /// ```swift
    /// var configuration = FlightRecorder.Configuration(path: "/var/lib/agd/flight.ring")
    /// configuration.capacity = 512 << 20
    /// let recorder = try FlightRecorder(configuration: configuration)
    /// ```
    public struct Configuration: Sendable, Equatable {
        /// The ring file. Created (mode 0600) if missing; reopened and continued if present.
        public var path: String
        /// Bytes in the ring's data region. Default 256 MiB: a busy Agoric block writes a few
        /// MB of slog, so this keeps the retained blocks with a wide margin, and the whole file
        /// is reserved on disk at creation. An existing ring of another capacity is moved aside.
        public var capacity: Int = 256 << 20
        /// Which committed blocks stay readable. Default: the last 2 committed blocks, because a
        /// divergence in block H is only detected when block H+1 is voted on.
        public var retention: Retention = .committedBlocks(2)
        /// Whether `record(_:)` recognises begin-block, crank-finish and commit records by their
        /// `type` and writes markers itself. Default `true`. Turn it off when the node calls
        /// `beginBlock`, `finishCrank` and `commitBlock` explicitly, or markers appear twice.
        public var automaticMarkers: Bool = true
        /// The slog record types and fields automatic markers look for. Default: Agoric's.
        public var markerTypes: SlogMarkerTypes = .agoric
        /// Where preserved black boxes go. Default `nil`: the ring's own directory (a rename
        /// within one file system, so preserving never copies).
        public var blackBoxDirectory: String?

        /// A configuration with the defaults above for the ring at `path`.
        public init(path: String) {
            self.path = path
        }
    }

    /// Which committed blocks a recorder keeps readable in its ring.
    public enum Retention: Sendable, Equatable {
        /// When a block commits, release everything older than the last `count` committed
        /// blocks (the uncommitted block is never released). `count` may be 0.
        case committedBlocks(Int)
        /// Release nothing: the ring keeps as much recent history as fits, overwriting the oldest.
        case asMuchAsFits
    }
}

/// The slog record types (and their fields) that mark blocks and cranks, for automatic markers.
///
/// The defaults are Agoric's (`../shared/slog-reference.md`); another chain sets its own names.
public struct SlogMarkerTypes: Sendable, Equatable {
    /// A block begins: `cosmic-swingset-begin-block`.
    public var blockBegin = "cosmic-swingset-begin-block"
    /// A crank finished, with its hashes: `crank-finish`.
    public var crankFinish = "crank-finish"
    /// A block is committed: `cosmic-swingset-commit-block-finish`.
    public var blockCommit = "cosmic-swingset-commit-block-finish"
    /// The block height field of begin and commit records: `blockHeight`.
    public var blockHeightField = "blockHeight"
    /// The consensus block time field of begin records: `blockTime`.
    public var blockTimeField = "blockTime"
    /// The crank number field of crank-finish records: `crankNum`.
    public var crankNumberField = "crankNum"
    /// The crank hash field: `crankhash`.
    public var crankHashField = "crankhash"
    /// The activity hash field: `activityhash`.
    public var activityHashField = "activityhash"

    /// Agoric's names.
    public static let agoric = SlogMarkerTypes()

    /// Agoric's names (the same as `.agoric`).
    public init() {}
}
