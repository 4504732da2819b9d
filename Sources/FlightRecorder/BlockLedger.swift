internal import SlogRing

/// Which blocks a recorder protects, and what strict retention releases when one commits.
///
/// A value type with no I/O, so every transition is testable on its own. States: no block open
/// (before the first begin, or between a commit and the next begin) → block H open →
/// committed. Markers come from a node's data, so nothing here traps: a begin while a block is
/// open abandons that block (it stays readable until overwritten or released), and a commit
/// with no matching begin commits whatever was recorded since the previous commit.
///
/// Protected: the open block and the last K committed blocks (`Retention.protectedCommittedBlocks`).
/// The writer overwrites the oldest records when it needs room; if those are protected, the
/// ledger counts them as a pending drop (`noteEviction`), which the recorder reports with a drop
/// marker. Older committed blocks are simply forgotten here: with `.keepingWhatFits` they stay
/// readable until the writer needs their room; with `.onlyLastCommittedBlocks` `commit` returns
/// the position to release them before.
struct BlockLedger {
    struct Block: Equatable {
        var height: UInt64
        /// Where the block's first frame still in the ring starts (its begin marker, until the
        /// block is overwritten).
        var begin: RingPosition
        /// The sequence number of that frame.
        var firstSequence: UInt64
    }

    /// A stretch of protected records the writer overwrote, not yet reported.
    struct Drop: Equatable {
        /// The oldest block the stretch touched.
        var height: UInt64?
        var first: UInt64
        var last: UInt64
        var count: UInt64
    }

    let retention: FlightRecorder.Retention
    /// The block begun and not yet committed.
    private(set) var open: Block?
    /// The protected committed blocks (the last K), oldest first.
    private(set) var committed: [Block] = []
    /// Where the records after the last commit start (the next block's records, or records
    /// between blocks), and the sequence of the first of them.
    private var afterLastCommit: (position: RingPosition, sequence: UInt64)?
    /// Protected records overwritten so far, waiting to be reported by a drop marker.
    private(set) var pendingDrop: Drop?

    init(retention: FlightRecorder.Retention) {
        self.retention = retention
    }

    /// The open block's height.
    var openHeight: UInt64? { open?.height }

    /// Where the oldest protected record starts (`nil` when nothing is protected). O(1): the
    /// recorder checks it after every append.
    var protectedStart: RingPosition? { committed.first?.begin ?? open?.begin }

    /// Block `height` begins with the frame of sequence `sequence` at `position`.
    mutating func begin(height: UInt64, at position: RingPosition, sequence: UInt64) {
        open = Block(height: height, begin: position, firstSequence: sequence)
        pendingDrop = nil
    }

    /// Block `height` committed; `position` is where the next frame will go and `sequence` the
    /// sequence it will get; `oldest` is the ring's oldest position now (the frame of
    /// `oldestSequence`, `nil` when the ring is empty). Returns the position to
    /// release before when strict retention releases something, `nil` otherwise.
    mutating func commit(
        height: UInt64, nextPosition position: RingPosition, nextSequence sequence: UInt64, oldest: RingPosition,
        oldestSequence: UInt64?
    ) -> RingPosition? {
        var block: Block
        if let open, open.height == height {
            block = open
        } else if let after = afterLastCommit {
            block = Block(height: height, begin: after.position, firstSequence: after.sequence)
        } else if let open {
            block = Block(height: height, begin: open.begin, firstSequence: open.firstSequence)
        } else {
            block = Block(height: height, begin: position, firstSequence: sequence)
        }
        if block.begin < oldest {
            // Records recorded outside any open block were never protected: the block starts
            // where the ring does now.
            block.begin = min(oldest, position)
            block.firstSequence = oldestSequence ?? sequence
        }
        block.height = height
        committed.append(block)
        open = nil
        afterLastCommit = (position, sequence)
        let keep = retention.protectedCommittedBlocks
        let excess = committed.count - keep
        guard excess > 0 else { return nil }
        committed.removeFirst(excess)
        guard case .onlyLastCommittedBlocks = retention else { return nil }
        return committed.first?.begin ?? position
    }

    /// The ring's oldest position moved to `oldest` (the frame of `oldestSequence`) after an
    /// append. If that overwrote protected records, adds them to the pending drop and returns
    /// true.
    mutating func noteEviction(oldest: RingPosition, oldestSequence: UInt64?) -> Bool {
        guard let start = protectedStart, oldest > start else { return false }
        let firstBlock = committed.first ?? open!
        let first = firstBlock.firstSequence
        for index in committed.indices where committed[index].begin < oldest {
            committed[index].begin = oldest
            if let oldestSequence { committed[index].firstSequence = max(committed[index].firstSequence, oldestSequence) }
        }
        if var block = open, block.begin < oldest {
            block.begin = oldest
            if let oldestSequence { block.firstSequence = max(block.firstSequence, oldestSequence) }
            open = block
        }
        guard let next = oldestSequence, next > first else { return false }
        let last = next - 1
        let count = last - first + 1
        if let pending = pendingDrop {
            pendingDrop = Drop(height: pending.height, first: pending.first, last: last, count: pending.count + count)
        } else {
            pendingDrop = Drop(height: firstBlock.height, first: first, last: last, count: count)
        }
        return true
    }

    /// Takes the drop waiting to be reported.
    mutating func takePendingDrop() -> Drop? {
        defer { pendingDrop = nil }
        return pendingDrop
    }
}
