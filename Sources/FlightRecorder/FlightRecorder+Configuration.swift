package import SlogModel

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
        /// The slog record types and fields automatic markers look for: Agoric's. (Tools and
        /// tests set others; a node of another chain turns `automaticMarkers` off and calls the
        /// explicit marker methods.)
        package var markerTypes: SlogMarkerTypes = .agoric
        /// The fields left out of the black box's identifier hash: Agoric's
        /// (`NondeterministicFields.agoric`, the list slog-diff also uses).
        package var nondeterministicFields: NondeterministicFields = .agoric
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
