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
        /// What the ring keeps. Default `.keepingWhatFits(protecting: 2)`: as many blocks as
        /// the capacity holds, and the open block plus the last 2 committed ones are never
        /// overwritten silently, because a divergence in block H is only detected when block
        /// H+1 is voted on. A healthy peer's ring then holds history a halted node's black box
        /// can be compared with.
        public var retention: Retention = .keepingWhatFits(protecting: 2)
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
        /// The most black boxes (`blackbox-*.ring` files) the black-box directory may hold; a
        /// trigger beyond that preserves nothing: it throws `.blackBoxLimitReached`, is counted
        /// in `Statistics.blackBoxTriggersOverLimit` and said in `lastError`. Default 8: one
        /// halt needs one box (a second trigger for the same height returns the first box), so
        /// more mean triggers firing on ordinary records. Files from earlier runs count until an
        /// operator moves them away. Each box takes the disk space of its records (at most
        /// `capacity`), so the directory's worst case is `maximumBlackBoxes × capacity`.
        public var maximumBlackBoxes: Int = 8

        /// A configuration with the defaults above for the ring at `path`.
        public init(path: String) {
            self.path = path
        }
    }

    /// Which blocks a recorder keeps readable in its ring.
    ///
    /// Either way the open (uncommitted) block and the last K committed blocks are *protected*:
    /// if the writer has to overwrite any of their records anyway (one block larger than the
    /// ring), that is a counted drop (`Statistics.droppedRecords`) with a drop marker in the
    /// ring. The two cases differ in what happens to older blocks.
    public enum Retention: Sendable, Equatable {
        /// The default. Committing a block releases it for overwriting, not for discarding: the
        /// ring keeps every block it has room for, overwriting the oldest only when it needs
        /// the space, and protects the open block plus the last `count` committed ones. `count`
        /// may be 0 (only the open block is protected).
        case keepingWhatFits(protecting: Int)
        /// Strict: when a block commits, everything older than the last `count` committed
        /// blocks becomes unreadable at once (readers no longer return it, though its bytes
        /// stay until overwritten). For nodes that must not keep more history than that.
        /// `count` may be 0.
        case onlyLastCommittedBlocks(Int)

        /// The strict mode under its former name: `.onlyLastCommittedBlocks(count)`.
        public static func committedBlocks(_ count: Int) -> Retention { .onlyLastCommittedBlocks(count) }
        /// Keeping what fits and protecting only the open block, under its former name:
        /// `.keepingWhatFits(protecting: 0)`.
        public static var asMuchAsFits: Retention { .keepingWhatFits(protecting: 0) }

        /// How many committed blocks are protected (both modes).
        public var protectedCommittedBlocks: Int {
            switch self {
            case .keepingWhatFits(let count), .onlyLastCommittedBlocks(let count): max(count, 0)
            }
        }
    }
}
