extension FlightRecorder {
    /// Counters a node can read at any time (for its metrics or logs). All start at zero.
    public struct Statistics: Sendable, Equatable {
        /// Slog records recorded.
        public var records: UInt64 = 0
        /// Payload bytes of those records.
        public var bytes: UInt64 = 0
        /// Marker records written (explicit and automatic).
        public var markers: UInt64 = 0
        /// Blocks begun.
        public var blocksBegun: UInt64 = 0
        /// Blocks committed.
        public var blocksCommitted: UInt64 = 0
        /// Records of protected blocks (the open one and the last K committed, see `Retention`)
        /// overwritten because they outgrew the ring together (each stretch is also written
        /// into the ring as a drop marker). Older committed blocks overwritten to make room are
        /// not counted: retention released them.
        public var droppedRecords: UInt64 = 0
        /// Records too large for the ring, each replaced by a record-too-large marker.
        public var oversizedRecords: UInt64 = 0
        /// Records not recorded at all because the recorder had no open ring.
        public var lostRecords: UInt64 = 0
        /// The most recent failure, in words (for example why a ring could not be reopened).
        public var lastError: String?
        /// The block begun and not yet committed.
        public var openHeight: UInt64?
        /// The last committed block.
        public var lastCommittedHeight: UInt64?
        /// Black boxes this recorder preserved.
        public var blackBoxesPreserved: UInt64 = 0
        /// Triggers for a height whose box was already preserved: they returned that box and
        /// wrote nothing.
        public var repeatedBlackBoxTriggers: UInt64 = 0
        /// Triggers refused because the black-box directory held `maximumBlackBoxes` boxes.
        public var blackBoxTriggersOverLimit: UInt64 = 0
    }
}
