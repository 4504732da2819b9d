import SlogModel
import SlogInput

/// What pass 1 keeps of one crank: enough to compare it, a few bytes of description, and
/// where it starts so pass 2 can read its records again.
struct CrankSummary {
    /// From its crank-start to its crank-finish, nothing lost.
    var isComplete: Bool { hasStart && !lostRecords }

    var crankNum: UInt64
    var height: UInt64?
    var heightPending: Bool
    var crankHash: HashID?
    var activityHash: HashID?
    var digest: Digest
    var comparedRecords: Int32
    /// Whether it began with its crank-start (not cut off by the fragment's start).
    var hasStart: Bool
    /// Whether records of it may be missing (damage, lapped records, a record too large).
    var lostRecords: Bool
    var startOffset: Int
    /// Offset of the first of the `--context` records before it (0 if unknown): where pass 2
    /// can start reading for it.
    var contextOffset: Int
    /// Indexes into `Fragment.names` (0: unknown).
    var vat: UInt16
    var kind: UInt16
    var crankType: UInt16
}

/// One input, read once: its cranks (the last execution of each), its window and its problems.
///
/// Memory is a `CrankSummary` (about 120 bytes) per finished crank, plus problems and a
/// table of names (vats, delivery kinds): bounded by the number of cranks, not bytes.
struct Fragment {
    /// `A`, `B`, ... in the order given.
    var label: String
    var displayName: String
    var format: SlogFormat
    /// Finished cranks in stream order; a crank executed again after a restart appears twice.
    var cranks: [CrankSummary] = []
    /// Index in `cranks` of each crank number's last execution.
    var latest = CrankIndex()
    var records = 0
    var bytes = 0
    /// Units that did not finish in the stream (the fragment's edges, restarts, damage).
    var unfinishedCranks = 0
    /// Cranks that ran again after a restart (the later execution counts).
    var reexecutedCranks = 0
    var restarts = 0
    var firstHeight: UInt64?
    var lastHeight: UInt64?
    /// Problems, one note per stretch between two finished cranks (see `FragmentBuilder.problem`).
    var problems: [ProblemNote] = []
    /// Every problem met, and those that are damage, counted before coalescing.
    var problemCount = 0
    var damageCount = 0
    /// The crank the input ends inside, if it does (a node that died in it): where it starts.
    var unfinishedAtEnd: (crankNum: UInt64, startOffset: Int)?
    /// Offsets of records that are not valid JSON (pass 2 skips them as pass 1 did).
    var damagedRecordOffsets: Set<Int> = []
    /// Interned strings; index 0 is "unknown".
    var names: [String] = [""]
    private var nameIndex: [String: UInt16] = [:]

    struct ProblemNote {
        var problem: SlogProblem
        /// Whether records may be missing there (damage, lapped records).
        var hole: Bool
        /// The last crank finished before it, and the first finished after it (in stream order).
        var afterCrank: UInt64?
        var beforeCrank: UInt64?
        /// Further problems met in the same stretch, folded into this note.
        var folded = 0
    }

    init(label: String, displayName: String, format: SlogFormat) {
        self.label = label
        self.displayName = displayName
        self.format = format
    }

    /// The last execution of crank `number`, if this fragment finished it.
    func crank(_ number: UInt64) -> CrankSummary? { latest[number].map { cranks[$0] } }

    var firstCrank: UInt64? { latest.first }
    var lastCrank: UInt64? { latest.last }
    var damage: Int { damageCount }

    func name(_ index: UInt16) -> String? { index == 0 ? nil : names[Int(index)] }

    mutating func intern(_ text: String?) -> UInt16 {
        guard let text else { return 0 }
        // A few names (vats, delivery kinds) recur for every crank: comparing with them is
        // cheaper than hashing the text.
        if names.count <= 16 {
            if let index = names[1...].firstIndex(of: text) { return UInt16(index) }
        } else if let index = nameIndex[text] {
            return index
        }
        guard names.count < Int(UInt16.max) else { return 0 }
        names.append(text)
        nameIndex[text] = UInt16(names.count - 1)
        return UInt16(names.count - 1)
    }
}

/// Pass 1: builds a `Fragment` from the scanner's callbacks.
struct FragmentBuilder: CrankScannerClient {
    var fragment: Fragment
    var progress: Progress?
    /// The offsets of the last `context` records, oldest first once full (a ring), and where
    /// the context of the unit that began last starts.
    private var recentOffsets: [Int] = []
    private var nextRecent = 0
    private let context: Int
    private var unitContext: (unitStart: Int, offset: Int)?

    init(fragment: Fragment, progress: Progress?, context: Int) {
        self.fragment = fragment
        self.progress = progress
        self.context = max(0, context)
    }

    mutating func scanned(record bytes: UnsafeRawBufferPointer, at offset: Int, height: UInt64?, unitStart: Int?) {
        if unitStart == offset {
            // A unit's first record: its context is the `context` records before it.
            let full = recentOffsets.count == context
            unitContext = (offset, context == 0 ? offset : full ? recentOffsets[nextRecent] : 0)
        }
        if context > 0 {
            if recentOffsets.count < context {
                recentOffsets.append(offset)
            } else {
                recentOffsets[nextRecent] = offset
                nextRecent = nextRecent + 1 == context ? 0 : nextRecent + 1
            }
        }
        if let height { noteHeight(height) }
        fragment.records += 1
        fragment.bytes += bytes.count
        progress?.advance(bytes: bytes.count, cranks: fragment.cranks.count)
    }

    mutating func closed(_ unit: CrankUnit, finished: Bool, height: UInt64?, heightPending: Bool) {
        if let height { noteHeight(height) }
        guard finished, let number = unit.crankNum else {
            fragment.unfinishedCranks += 1
            // An execution that did not finish supersedes an earlier one that did (a restart
            // re-executing the crank): neither counts.
            if let number = unit.crankNum { fragment.latest[number] = nil }
            return
        }
        let summary = CrankSummary(
            crankNum: number, height: height, heightPending: heightPending,
            crankHash: unit.crankHash, activityHash: unit.activityHash,
            digest: unit.digester?.finalize() ?? .empty, comparedRecords: Int32(clamping: unit.comparedRecords),
            hasStart: unit.hasStart, lostRecords: unit.lostRecords, startOffset: unit.startOffset,
            contextOffset: unitContext?.unitStart == unit.startOffset ? unitContext!.offset : 0,
            vat: fragment.intern(unit.vatID), kind: fragment.intern(unit.deliveryKind),
            crankType: fragment.intern(unit.crankType))
        if heightPending { pendingHeights.append(fragment.cranks.count) }
        for index in fragment.problems.indices.reversed() {
            guard fragment.problems[index].beforeCrank == nil else { break }
            fragment.problems[index].beforeCrank = number
        }
        if fragment.latest.updateValue(fragment.cranks.count, forKey: number) != nil { fragment.reexecutedCranks += 1 }
        fragment.cranks.append(summary)
    }

    private var pendingHeights: [Int] = []

    mutating func openingResolved(height: UInt64?) {
        for index in pendingHeights {
            fragment.cranks[index].height = height
            fragment.cranks[index].heightPending = false
        }
        pendingHeights = []
        if let height { noteHeight(height) }
    }

    mutating func problem(_ problem: SlogProblem, hole: Bool, lastClosedCrank: UInt64?) {
        var problem = problem
        problem.file = fragment.displayName  // a spooled standard input has another path
        fragment.problemCount += 1
        if problem.isDamage { fragment.damageCount += 1 }
        // Problems with no crank finished between them cover the same cranks, so one note
        // stands for them all: memory stays bounded by the cranks, not by the damage (a file
        // of three million bad lines was 1.3 GB, issue 15). The comparison sees the same ranges.
        if let last = fragment.problems.indices.last, fragment.problems[last].beforeCrank == nil,
            fragment.problems[last].afterCrank == lastClosedCrank
        {
            let shown = fragment.problems[last].problem.isDamage || fragment.problems[last].hole
            if !shown && (problem.isDamage || hole) { fragment.problems[last].problem = problem }
            fragment.problems[last].hole = fragment.problems[last].hole || hole
            fragment.problems[last].folded += 1
            return
        }
        fragment.problems.append(Fragment.ProblemNote(problem: problem, hole: hole, afterCrank: lastClosedCrank))
    }

    mutating func restarted() {
        fragment.restarts += 1
    }

    mutating func damagedRecord(at offset: Int) {
        fragment.damagedRecordOffsets.insert(offset)
    }

    mutating func endedInside(_ unit: CrankUnit) {
        guard let number = unit.crankNum, unit.hasStart, !unit.lostRecords else { return }
        fragment.unfinishedAtEnd = (number, unit.startOffset)
    }

    private mutating func noteHeight(_ height: UInt64) {
        fragment.firstHeight = min(fragment.firstHeight ?? height, height)
        fragment.lastHeight = max(fragment.lastHeight ?? height, height)
    }
}

/// Crank number -> index (in `Fragment.cranks`) of its last execution.
///
/// A slog's crank numbers are consecutive, so this is an array from the first number seen
/// (`dense`), not a hash table: one of these per finished crank made the dictionary's inserts
/// and rehashes the costliest step of building a fragment (issue #17). Numbers outside what the
/// array may grow to (below its start, or far beyond its end: damaged or hostile input) go to
/// a dictionary (`sparse`), so memory stays proportional to the entries: the array grows only
/// to within four times the entries plus 64 Ki slots.
struct CrankIndex {
    private var base: UInt64 = 0
    /// `dense[k]`: the index for crank `base + k`, or -1.
    private var dense: [Int] = []
    private var sparse: [UInt64: Int] = [:]
    /// Numbers with an index.
    private(set) var count = 0

    /// Whether every number is in the array (then `base...base + dense.count - 1` holds them all).
    var isDense: Bool { sparse.isEmpty }

    subscript(number: UInt64) -> Int? {
        get {
            if let slot = slot(number) {
                let value = dense[slot]
                return value < 0 ? nil : value
            }
            return sparse[number]
        }
        set {
            if let newValue {
                _ = updateValue(newValue, forKey: number)
            } else if let slot = slot(number) {
                if dense[slot] >= 0 { count -= 1 }
                dense[slot] = -1
            } else if sparse.removeValue(forKey: number) != nil {
                count -= 1
            }
        }
    }

    /// Sets the index of `number`; returns the one it replaces.
    @discardableResult
    mutating func updateValue(_ value: Int, forKey number: UInt64) -> Int? {
        if dense.isEmpty && count == 0 {
            base = number
        }
        if number >= base {
            let offset = number - base
            if offset < UInt64(dense.count) {
                let old = dense[Int(offset)]
                dense[Int(offset)] = value
                if old < 0 { count += 1 }
                return old < 0 ? nil : old
            }
            if offset < UInt64(4 * count + 65536) {
                dense.append(contentsOf: repeatElement(-1, count: Int(offset) - dense.count))
                dense.append(value)
                count += 1
                return nil
            }
        }
        let old = sparse.updateValue(value, forKey: number)
        if old == nil { count += 1 }
        return old
    }

    /// The lowest and highest numbers with an index.
    var first: UInt64? {
        let low = dense.firstIndex { $0 >= 0 }.map { base + UInt64($0) }
        return ([low].compactMap { $0 } + [sparse.keys.min()].compactMap { $0 }).min()
    }

    var last: UInt64? {
        let high = dense.lastIndex { $0 >= 0 }.map { base + UInt64($0) }
        return ([high].compactMap { $0 } + [sparse.keys.max()].compactMap { $0 }).max()
    }

    /// Every number with an index: the array's in ascending order, then the dictionary's.
    func forEachNumber(_ body: (UInt64) -> Void) {
        for (offset, value) in dense.enumerated() where value >= 0 { body(base + UInt64(offset)) }
        for number in sparse.keys { body(number) }
    }

    private func slot(_ number: UInt64) -> Int? {
        guard number >= base, number - base < UInt64(dense.count) else { return nil }
        return Int(number - base)
    }
}
