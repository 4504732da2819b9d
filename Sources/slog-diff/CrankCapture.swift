import SlogModel
import SlogInput

/// One record as pass 2 read it again: its bytes, where it is, what the comparison sees of it.
struct CapturedRecord {
    var bytes: [UInt8]
    var offset: Int
    /// The record's canonical consensus content (`ConsensusNormalizer.canonical`): what pass 1
    /// digested, so the digests and this comparison always agree.
    var outcome: ConsensusNormalizer.Canonical
    var canonical: [UInt8]

    /// The bytes compared: the canonical record; `nil` if it is left out of comparisons
    /// (excluded type, replay) or is not valid JSON (damage, never content).
    var comparedBytes: [UInt8]? { outcome == .record ? canonical : nil }
    var isDamaged: Bool { outcome == .notJSON }

    var text: String { String(decoding: bytes, as: UTF8.self) }
}

/// The records of one execution of a crank, and those just before it in the stream.
struct CapturedCrank {
    var crankNum: UInt64
    var startOffset: Int
    var records: [CapturedRecord] = []
    /// Up to `context` records read just before the crank's first record.
    var before: [CapturedRecord] = []
    var found = false
}

/// Pass 2: reads an input again and keeps the records of the cranks asked for (found by the
/// offset of their first record, which identifies one execution), plus up to `context`
/// records before each. Stops reading once every crank was captured.
struct CrankCapture: CrankScannerClient {
    var cranks: [CapturedCrank]
    let context: Int
    let rules: NondeterministicFields
    var progress: Progress?
    private var recent: RecentRecords
    private var remaining: Int

    init(cranks: [(crankNum: UInt64, startOffset: Int)], context: Int, rules: NondeterministicFields) {
        self.cranks = cranks.map { CapturedCrank(crankNum: $0.crankNum, startOffset: $0.startOffset) }
        self.context = context
        self.rules = rules
        remaining = cranks.count
        recent = RecentRecords(capacity: context)
    }

    /// Where the scan can start: the first record of each crank wanted.
    var resumeOffsets: [Int] { cranks.map(\.startOffset) }

    var isDone: Bool { remaining == 0 }

    mutating func scanned(record bytes: UnsafeRawBufferPointer, at offset: Int, height: UInt64?, unitStart: Int?) {
        progress?.advance(bytes: bytes.count, cranks: 0)
        if let unitStart, let index = cranks.firstIndex(where: { $0.startOffset == unitStart && !$0.found }) {
            if cranks[index].records.isEmpty { cranks[index].before = recent.inOrder }
            let (outcome, canonical) = ConsensusNormalizer.canonical(bytes, fields: rules)
            cranks[index].records.append(CapturedRecord(bytes: Array(bytes), offset: offset, outcome: outcome, canonical: canonical))
        }
        recent.add(bytes, at: offset)
    }

    mutating func skipped(record bytes: UnsafeRawBufferPointer, at offset: Int) {
        progress?.advance(bytes: bytes.count, cranks: 0)
        recent.add(bytes, at: offset)
    }

    mutating func closed(_ unit: CrankUnit, finished: Bool, height: UInt64?, heightPending: Bool) {
        guard let index = cranks.firstIndex(where: { $0.startOffset == unit.startOffset && !$0.found }),
            !cranks[index].records.isEmpty
        else { return }
        if unit.crankNum == cranks[index].crankNum {
            cranks[index].found = true
            remaining -= 1
        } else {
            cranks[index].records = []  // the input changed since pass 1; keep looking
        }
    }

    mutating func openingResolved(height: UInt64?) {}
    mutating func problem(_ problem: SlogProblem, hole: Bool, lastClosedCrank: UInt64?) {}
    mutating func restarted() {}
}

/// The last `capacity` records read, as recorded (context is shown, never compared: no
/// normalization); their buffers are reused, so keeping them costs no allocation per record.
struct RecentRecords {
    private var slots: [CapturedRecord] = []
    private var next = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = max(0, capacity) }

    mutating func add(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        guard capacity > 0 else { return }
        if slots.count < capacity {
            slots.append(CapturedRecord(bytes: Array(bytes), offset: offset, outcome: .excluded, canonical: []))
            return
        }
        slots[next].bytes.removeAll(keepingCapacity: true)
        slots[next].bytes.append(contentsOf: bytes)
        slots[next].offset = offset
        next = next + 1 == capacity ? 0 : next + 1
    }

    /// Oldest first.
    var inOrder: [CapturedRecord] { Array(slots[next...] + slots[..<next]) }
}
