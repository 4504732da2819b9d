internal import SlogRing

/// Which blocks a recorder holds, and what retention releases when one commits.
///
/// A value type with no I/O, so every transition is testable on its own. States: no block open
/// (before the first begin, or between a commit and the next begin) → block H open →
/// committed. Markers come from a node's data, so nothing here traps: a begin while a block is
/// open abandons that block (it stays readable until retention releases it), and a commit with
/// no matching begin commits whatever was recorded since the previous commit.
struct BlockLedger {
    struct Block: Equatable {
        var height: UInt64
        /// Where the block's first frame still in the ring starts (its begin marker, until the
        /// block outgrows the ring).
        var begin: RingPosition
        /// The sequence number of that frame.
        var firstSequence: UInt64
    }

    let retention: FlightRecorder.Retention
    /// The block begun and not yet committed.
    private(set) var open: Block?
    /// Committed blocks still retained, oldest first.
    private(set) var committed: [Block] = []
    /// Where the records after the last commit start (the next block's records, or records
    /// between blocks).
    private var afterLastCommit: RingPosition?
    /// Records of the open block overwritten so far, waiting to be reported by a drop marker.
    private(set) var pendingDrop: (first: UInt64, last: UInt64, count: UInt64)?

    init(retention: FlightRecorder.Retention) {
        self.retention = retention
    }

    /// The open block's height.
    var openHeight: UInt64? { open?.height }

    /// Block `height` begins with the frame of sequence `sequence` at `position`.
    mutating func begin(height: UInt64, at position: RingPosition, sequence: UInt64) {
        open = Block(height: height, begin: position, firstSequence: sequence)
        pendingDrop = nil
    }

    /// Block `height` committed; `position` is where the next frame will go. Returns the
    /// position to release before, if retention releases anything.
    mutating func commit(height: UInt64, nextPosition position: RingPosition) -> RingPosition? {
        let start = (open?.height == height ? open?.begin : nil) ?? afterLastCommit ?? open?.begin ?? position
        committed.append(Block(height: height, begin: start, firstSequence: 0))
        open = nil
        afterLastCommit = position
        guard case .committedBlocks(let keep) = retention else {
            committed.removeAll()  // nothing to release, nothing to remember
            return nil
        }
        let excess = committed.count - max(keep, 0)
        guard excess > 0 else { return nil }
        committed.removeFirst(excess)
        return committed.first?.begin ?? position
    }

    /// The ring's oldest position moved to `oldest` (the frame of `oldestSequence`) after an
    /// append. If that overwrote records of the open block, adds them to the pending drop and
    /// returns true.
    mutating func noteEviction(oldest: RingPosition, oldestSequence: UInt64?) -> Bool {
        guard var block = open, oldest > block.begin else { return false }
        let first = block.firstSequence
        block.begin = oldest
        if let oldestSequence { block.firstSequence = oldestSequence }
        open = block
        guard let next = oldestSequence, next > first else { return false }
        let last = next - 1
        let count = last - first + 1
        if let pending = pendingDrop {
            pendingDrop = (pending.first, last, pending.count + count)
        } else {
            pendingDrop = (first, last, count)
        }
        return true
    }

    /// Takes the drop waiting to be reported.
    mutating func takePendingDrop() -> (first: UInt64, last: UInt64, count: UInt64)? {
        defer { pendingDrop = nil }
        return pendingDrop
    }
}
