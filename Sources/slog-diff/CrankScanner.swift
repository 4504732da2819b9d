import SlogModel
import SlogInput

/// A crank as the scanner assembles it from the stream: the records from its `crank-start`
/// to its `crank-finish`.
///
/// A unit is *open* until its `crank-finish` (then it is *finished*) or until something shows
/// it will not finish in this stream: another crank begins, a restart, the end of the input
/// (then it is *unfinished*, and not compared: a fragment that ends mid-crank).
///
/// A class: the scanner updates the open unit for every record, and a struct of this size
/// (three strings, two hashes, a digester) was copied, with its strings retained, on the way.
/// Only the scanner changes a unit, and only while it is open; clients read it when told.
final class CrankUnit {
    /// File offset of the unit's first record: with `crankNum`, identifies this execution of
    /// the crank in its input (pass 2 finds it again by this offset).
    var startOffset: Int
    /// From the first record that has a top-level `crankNum` (2022-era `crank-start` records
    /// have none).
    var crankNum: UInt64?
    /// Whether the unit began with its `crank-start` (not cut off by the fragment's start or
    /// by damage).
    var hasStart: Bool
    /// Whether records of the unit may be missing: damage, lapped records, or a record too
    /// large for the recorder, met while the unit was open.
    var lostRecords = false
    var crankHash: HashID?
    var activityHash: HashID?
    /// Digest of the unit's normalized records (pass 1 only).
    var digester: Digester?
    /// Records of the unit that take part in comparisons (not excluded by the rules).
    var comparedRecords = 0
    var vatID: String?
    var deliveryKind: String?
    var crankType: String?

    /// Whether every record of the crank is in the unit.
    var isComplete: Bool { hasStart && !lostRecords }

    init(startOffset: Int, crankNum: UInt64?, hasStart: Bool) {
        self.startOffset = startOffset
        self.crankNum = crankNum
        self.hasStart = hasStart
    }
}

/// What the scanner tells its client, in stream order.
protocol CrankScannerClient {
    /// Every slog record. `height` is its block if known now; `unitStart` is the `startOffset`
    /// of the open unit the record belongs to (already updated with it), `nil` for records
    /// between cranks (block records, kernel start-up).
    mutating func scanned(record bytes: UnsafeRawBufferPointer, at offset: Int, height: UInt64?, unitStart: Int?)
    /// A unit ended: `finished` when its `crank-finish` was read. `height` is its block, if
    /// known; `heightPending` when it lies before the stream's first block boundary (its
    /// block becomes known later, through `openingResolved`).
    mutating func closed(_ unit: CrankUnit, finished: Bool, height: UInt64?, heightPending: Bool)
    /// The block of the records before the first boundary became known.
    mutating func openingResolved(height: UInt64?)
    /// Something was skipped or is worth saying. `hole` when records may be missing there.
    mutating func problem(_ problem: SlogProblem, hole: Bool, lastClosedCrank: UInt64?)
    /// A node restart (a recorder-opened marker after the first, or kernel start-up records).
    mutating func restarted()
    /// The input ends inside `unit` (a node that died in that crank); `closed` follows.
    mutating func endedInside(_ unit: CrankUnit)
    /// The record at `offset` is not valid JSON (damage); `problem` follows.
    mutating func damagedRecord(at offset: Int)
    /// Whether the client has what it needs: the scan stops.
    var isDone: Bool { get }
    /// A record passed over, unexamined, before the scan resumes (`CrankScanner.resumeAt`).
    mutating func skipped(record bytes: UnsafeRawBufferPointer, at offset: Int)
}

extension CrankScannerClient {
    var isDone: Bool { false }
    mutating func skipped(record bytes: UnsafeRawBufferPointer, at offset: Int) {}
    mutating func endedInside(_ unit: CrankUnit) {}
    mutating func damagedRecord(at offset: Int) {}
}

/// Turns a source's events into cranks, attributing each to its block.
///
/// Steps per slog record: (0) canonicalize it (`ConsensusNormalizer.canonicalMembers`, which
/// validates all of it in one pass, and copies nothing where the record is spelled canonically
/// already, as the node writes it; otherwise `ConsensusNormalizer.canonical` decides): a record
/// that is not one valid JSON object is damage, not content: it is
/// reported as a problem where records may be missing, the open unit loses its completeness,
/// and nothing else is taken from it (a garbled `crank-finish` gives no hashes); pass 2 does
/// not validate again but treats the records pass 1 found damaged (`damagedOffsets`) the same;
/// (1) attribute it to a block (`BlockAttribution`); (2) find its type
/// and top-level `crankNum` (from the fast path's index of the members, else `JSONScan`);
/// (3) `crank-start` closes any open unit and opens one;
/// `crank-finish` closes the open unit with its hashes; another record with a `crankNum`
/// joins the open unit, or opens one (without start) if none is open or the numbers differ;
/// a record without `crankNum` joins the open unit, or lies between cranks; kernel start-up
/// records close an open unit unfinished (a restart); (4) in pass 1, normalize it and add it to
/// the unit's digest (its canonical bytes, so formatting never counts).
///
/// - Complexity: O(record) per record: one validating pass, plus normalization where the
///   record is not canonical.
struct CrankScanner {
    let rules: NondeterministicFields
    /// Pass 1: digest the normalized records of every unit.
    let digests: Bool
    private var attribution = BlockAttribution()
    private var open: CrankUnit?
    /// Records may be missing since the last unit closed (a hole between cranks, after a
    /// finished crank): the next unit that opens without its `crank-start` lost its start.
    private var holeSinceClose = false
    private var canonicalizer: ConsensusNormalizer.Canonicalizer
    private var canonicalOutcome = ConsensusNormalizer.Canonical.notJSON
    private var lastClosedCrank: UInt64?
    private var openingResolved = false
    private var recorderOpens = 0
    /// The block of the record being consumed.
    private var height: UInt64?

    /// Pass 2: the offsets of the records pass 1 found not valid JSON (pass 2 does not validate
    /// every record again; it only has to treat the same records as damage).
    let damagedOffsets: Set<Int>

    /// Pass 2: records are passed over unexamined (`skipped`) until one at one of these offsets,
    /// where the scan starts as if the stream began there.
    ///
    /// Sound because pass 1 found a unit starting at each of them: a unit starts at a record
    /// (its `crank-start`, or a record whose `crankNum` differs from the open unit's) whatever
    /// came before, and which records join it depends only on the records from there on. What
    /// the earlier records decide (block heights, restarts, holes) pass 2 does not use.
    /// (An array: it holds a crank or two, and is searched for every record skipped.)
    private var resumeAt: [Int]?

    init(rules: NondeterministicFields, digests: Bool, damagedOffsets: Set<Int> = [], resumeAt: [Int]? = nil) {
        self.rules = rules
        self.digests = digests
        self.damagedOffsets = damagedOffsets
        self.resumeAt = resumeAt
        // Members stay in their order: `add` hashes them order-independently.
        canonicalizer = ConsensusNormalizer.Canonicalizer(fields: rules, sortsTopLevel: false, indexedKeys: Self.indexedKeys)
    }

    /// The keys the scanner reads, noted by the fast path as it validates the record (slots
    /// 0 and 1 are `type` and `crankNum`, then these from 2 on).
    private static let indexedKeys = ["crankType", "messageType", "message", "crankhash", "activityhash", "vatID", "dispatch", "kd", "replay"]
    private enum Slot {
        static let crankNum = 1, crankType = 2, messageType = 3, message = 4, crankhash = 5, activityhash = 6
        static let vatID = 7, dispatch = 8, kd = 9, replay = 10
    }

    private static let crankNumKey = Array("crankNum".utf8)
    private static let startKeys = ["crankNum", "crankType", "messageType", "message"].map { Array($0.utf8) }
    private static let finishKeys = ["crankNum", "crankhash", "activityhash", "crankType"].map { Array($0.utf8) }
    private static let deliverKeys = ["crankNum", "vatID", "dispatch", "kd", "replay"].map { Array($0.utf8) }
    private static let crankStart = Array("crank-start".utf8)
    private static let crankFinish = Array("crank-finish".utf8)
    private static let deliver = Array("deliver".utf8)
    private static let tooBig = Array("slog-record-too-big".utf8)
    /// Records a node writes once per process start, before it runs anything. (One constant
    /// each: iterating an array of them retained and released each name for every record.)
    private static let kernelInitStart = Array("kernel-init-start".utf8)
    private static let importKernelStart = Array("import-kernel-start".utf8)
    private static let cosmicSwingsetInit = Array("cosmic-swingset-init".utf8)
    private static let typeKey = Array("type".utf8)

    /// Reads everything `source` holds.
    mutating func scan(_ source: any SlogSource, into client: inout some CrankScannerClient) {
        while !client.isDone, let event = source.next() {
            if let offsets = resumeAt {
                // Fast-forward: nothing before the first wanted unit is interpreted.
                guard case .record(let record) = event else { continue }
                guard offsets.contains(record.fileOffset) else {
                    source.withRecordBytes { client.skipped(record: $0, at: record.fileOffset) }
                    continue
                }
                resumeAt = nil
            }
            switch event {
            case .record(let record):
                source.withRecordBytes { consume($0, at: record.fileOffset, client: &client) }
            case .marker(let marker, _):
                _ = attribution.height(ofMarker: marker)
                resolveOpening(&client)
                switch marker {
                case .recorderOpened?:
                    recorderOpens += 1
                    if recorderOpens > 1 { client.restarted() }
                    closeOpen(finished: false, client: &client)
                case .recordTooLarge?:
                    open?.lostRecords = true
                default:
                    break
                }
            case .opaque:
                continue
            case .problem(let problem):
                let hole: Bool
                switch problem.cause {
                case .recovered: hole = false
                default: hole = true
                }
                if hole { noteHole() }
                client.problem(problem, hole: hole, lastClosedCrank: lastClosedCrank)
            }
        }
        if let unit = open, !client.isDone { client.endedInside(unit) }
        closeOpen(finished: false, client: &client)
        if !openingResolved {
            openingResolved = true
            client.openingResolved(height: attribution.openingHeight)
        }
    }

    private mutating func resolveOpening(_ client: inout some CrankScannerClient) {
        if !openingResolved && attribution.hasSeenBoundary {
            openingResolved = true
            client.openingResolved(height: attribution.openingHeight)
        }
    }

    /// Records may be missing here: the open unit, or the next one to open without its start.
    private mutating func noteHole() {
        if open != nil {
            open!.lostRecords = true
        } else if lastClosedCrank != nil {
            holeSinceClose = true
        }
    }

    private mutating func consume(_ bytes: UnsafeRawBufferPointer, at offset: Int, client: inout some CrankScannerClient) {
        if digests {
            canonicalOutcome = ConsensusNormalizer.canonicalMembers(bytes, using: &canonicalizer)
        } else {
            canonicalOutcome = damagedOffsets.contains(offset) ? .notJSON : .record
        }
        if canonicalOutcome == .notJSON {
            client.damagedRecord(at: offset)
            noteHole()
            let problem = SlogProblem(
                file: "", fileOffset: offset,
                cause: .damaged("record is not valid JSON (\(bytes.count) bytes): damage, not compared"))
            client.problem(problem, hole: true, lastClosedCrank: lastClosedCrank)
            client.scanned(record: bytes, at: offset, height: height, unitStart: open?.startOffset)
            return
        }
        // The fast path indexed the record's members: look them up there, not by scanning.
        let indexed = digests && canonicalizer.indexesTopLevel
        let type = indexed ? canonicalizer.typeValue(in: bytes).flatMap { $0.isString ? $0 : nil } : SlogFields.type(in: bytes)
        height = attribution.height(ofRecord: bytes, type: type)
        resolveOpening(&client)
        func isType(_ name: [UInt8]) -> Bool {
            // Most names differ in length: no call needed (escaped text is compared unescaped).
            guard let type, type.hasEscapes || type.range.count == name.count else { return false }
            return SlogFields.string(type, in: bytes, equals: name)
        }
        let kind = indexed ? Self.kind(of: type, in: bytes) : nil
        func isKind(_ wanted: TypeKind, _ name: @autoclosure () -> [UInt8]) -> Bool { kind.map { $0 == wanted } ?? isType(name()) }
        if isKind(.crankStart, Self.crankStart) {
            let values = indexed
                ? Lookup(&canonicalizer, bytes, Slot.crankNum, Slot.crankType, Slot.messageType, Slot.message)
                : Lookup(JSONScan.values(forKeys: Self.startKeys, in: bytes))
            closeOpen(finished: false, client: &client)
            holeSinceClose = false
            let unit = CrankUnit(startOffset: offset, crankNum: values[0].flatMap { JSONScan.uint64($0, in: bytes) }, hasStart: true)
            unit.crankType = values[1].flatMap { Self.text($0, in: bytes) }
            unit.deliveryKind = values[2].flatMap { Self.text($0, in: bytes) } ?? values[3].flatMap { Self.memberType($0, in: bytes) }
            open = unit
            add(bytes, at: offset, client: &client)
            return
        }
        if isKind(.crankFinish, Self.crankFinish) {
            let values = indexed
                ? Lookup(&canonicalizer, bytes, Slot.crankNum, Slot.crankhash, Slot.activityhash, Slot.crankType)
                : Lookup(JSONScan.values(forKeys: Self.finishKeys, in: bytes))
            let number = values[0].flatMap { JSONScan.uint64($0, in: bytes) }
            join(number, at: offset, client: &client)
            open!.crankHash = values[1].flatMap { HashID($0, in: bytes) }
            open!.activityHash = values[2].flatMap { HashID($0, in: bytes) }
            if open!.crankType == nil { open!.crankType = values[3].flatMap { Self.text($0, in: bytes) } }
            add(bytes, at: offset, client: &client)
            closeOpen(finished: true, client: &client)
            return
        }
        if isKind(.startUp, Self.kernelInitStart) || isKind(.startUp, Self.importKernelStart) || isKind(.startUp, Self.cosmicSwingsetInit) {
            // A node starting up: a restart if it ran cranks before in this stream.
            if open != nil || lastClosedCrank != nil { client.restarted() }
            closeOpen(finished: false, client: &client)
        }
        if isKind(.tooBig, Self.tooBig) { open?.lostRecords = true }
        if isKind(.deliver, Self.deliver) {
            let values = indexed
                ? Lookup(&canonicalizer, bytes, Slot.crankNum, Slot.vatID, Slot.dispatch, Slot.kd, Slot.replay)
                : Lookup(JSONScan.values(forKeys: Self.deliverKeys, in: bytes))
            let isReplay = values[4].map { !$0.isString && bytes[$0.range.lowerBound] == UInt8(ascii: "t") } ?? false
            if let number = values[0].flatMap({ JSONScan.uint64($0, in: bytes) }), !isReplay {
                join(number, at: offset, client: &client)
                if open!.vatID == nil {
                    open!.vatID = values[1].flatMap { Self.text($0, in: bytes) }
                    open!.deliveryKind = values[2].flatMap { Self.text($0, in: bytes) }
                        ?? values[3].flatMap { Self.firstString($0, in: bytes) } ?? open!.deliveryKind
                }
            }
        } else if let number = indexed
            ? canonicalizer.crankNumValue(in: bytes).flatMap({ JSONScan.uint64($0, in: bytes) })
            : SlogFields.unsigned(Self.crankNumKey, in: bytes)
        {
            join(number, at: offset, client: &client)
        }
        add(bytes, at: offset, client: &client)
    }

    /// Up to five looked-up spans, without allocating an array for them per record.
    struct Lookup {
        static let capacity = 5
        private var spans: (JSONValueSpan?, JSONValueSpan?, JSONValueSpan?, JSONValueSpan?, JSONValueSpan?) = (nil, nil, nil, nil, nil)

        init(_ values: [JSONValueSpan?]) {
            for index in 0..<min(values.count, Self.capacity) { self[index] = values[index] }
        }

        /// The values the fast path noted in `slots` (`Canonicalizer.indexedValue`).
        init(_ canonicalizer: inout ConsensusNormalizer.Canonicalizer, _ bytes: UnsafeRawBufferPointer, _ a: Int, _ b: Int, _ c: Int, _ d: Int, _ e: Int = -1) {
            spans = (
                canonicalizer.indexedValue(a, in: bytes), canonicalizer.indexedValue(b, in: bytes), canonicalizer.indexedValue(c, in: bytes),
                canonicalizer.indexedValue(d, in: bytes), e < 0 ? nil : canonicalizer.indexedValue(e, in: bytes))
        }

        subscript(index: Int) -> JSONValueSpan? {
            get {
                switch index {
                case 0: spans.0
                case 1: spans.1
                case 2: spans.2
                case 3: spans.3
                default: spans.4
                }
            }
            set {
                switch index {
                case 0: spans.0 = newValue
                case 1: spans.1 = newValue
                case 2: spans.2 = newValue
                case 3: spans.3 = newValue
                default: spans.4 = newValue
                }
            }
        }
    }

    /// The record types the scanner acts on.
    enum TypeKind { case crankStart, crankFinish, deliver, startUp, tooBig, other }

    /// Which of them `type` names, from its length and bytes, once per record; `nil` when
    /// it has escapes (then `isType` compares unescaped text).
    private static func kind(of type: JSONValueSpan?, in bytes: UnsafeRawBufferPointer) -> TypeKind? {
        guard let type else { return .other }
        guard !type.hasEscapes else { return nil }
        let text = UnsafeRawBufferPointer(rebasing: bytes[type.range])
        func equals(_ name: [UInt8]) -> Bool { name.withUnsafeBytes { $0.elementsEqual(text) } }
        switch text.count {
        case 7: return equals(deliver) ? .deliver : .other
        case 11: return equals(crankStart) ? .crankStart : .other
        case 12: return equals(crankFinish) ? .crankFinish : .other
        case 17, 19, 20:
            if equals(kernelInitStart) || equals(importKernelStart) || equals(cosmicSwingsetInit) { return .startUp }
            return equals(tooBig) ? .tooBig : .other
        default: return .other
        }
    }

    /// Makes sure the open unit is crank `number` (`nil`: whatever is open, or a new unit).
    private mutating func join(_ number: UInt64?, at offset: Int, client: inout some CrankScannerClient) {
        // (`open!.crankNum`, not `if let current = open`: a copy of the unit per record.)
        if open != nil {
            guard let number else { return }
            let current = open!.crankNum
            if current == nil {
                open!.crankNum = number
                return
            }
            if current == number { return }
            closeOpen(finished: false, client: &client)
        }
        open = CrankUnit(startOffset: offset, crankNum: number, hasStart: false)
        if holeSinceClose {
            open!.lostRecords = true
            holeSinceClose = false
        }
    }

    /// Adds a record to the open unit (if any) and tells the client.
    private mutating func add(_ bytes: UnsafeRawBufferPointer, at offset: Int, client: inout some CrankScannerClient) {
        if open != nil && digests && canonicalOutcome == .record {
            if open!.digester == nil { open!.digester = Digester() }
            // The record's canonical members, combined by a sum of their hashes: member order
            // does not count, and neither does anything else but the values (`CanonicalJSON`).
            let members = canonicalizer.memberDigest(of: bytes)
            open!.digester!.add(record: Digest(high: members.high, low: members.low), members: members.members)
            open!.comparedRecords += 1
        }
        client.scanned(record: bytes, at: offset, height: height, unitStart: open?.startOffset)
    }

    private mutating func closeOpen(finished: Bool, client: inout some CrankScannerClient) {
        guard let unit = open else { return }
        open = nil
        let pending = !attribution.hasSeenBoundary
        client.closed(unit, finished: finished, height: pending ? nil : attribution.currentHeight, heightPending: pending)
        if finished, let number = unit.crankNum { lastClosedCrank = number }
    }

    /// A string value's text (unescaped), at most 200 bytes of it.
    static func text(_ span: JSONValueSpan, in bytes: UnsafeRawBufferPointer) -> String? {
        guard span.isString else { return nil }
        if !span.hasEscapes, span.range.lowerBound >= 0, span.range.upperBound <= bytes.count {
            // The usual case: the bytes are the text (no array in between).
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[span.range]).prefix(200), as: UTF8.self)
        }
        guard let raw = JSONScan.unescapedString(span, in: bytes) else { return nil }
        return String(decoding: raw.prefix(200), as: UTF8.self)
    }

    /// The `type` member of an object value (`message.type` of a routing crank).
    static func memberType(_ span: JSONValueSpan, in bytes: UnsafeRawBufferPointer) -> String? {
        guard !span.isString, bytes[span.range.lowerBound] == UInt8(ascii: "{") else { return nil }
        let inner = UnsafeRawBufferPointer(rebasing: bytes[span.range])
        return JSONScan.value(forKey: typeKey, in: inner).flatMap { text($0, in: inner) }
    }

    /// The first element of an array value, if it is a string (`kd[0]`: the delivery kind).
    static func firstString(_ span: JSONValueSpan, in bytes: UnsafeRawBufferPointer) -> String? {
        guard !span.isString, bytes[span.range.lowerBound] == UInt8(ascii: "[") else { return nil }
        // `[ "name" , ...`: wrap the element as `{"k":"name"}` is not possible without copying,
        // so find the string by hand: whitespace, a quote, bytes up to the closing quote.
        var i = span.range.lowerBound + 1
        while i < span.range.upperBound, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        guard i < span.range.upperBound, bytes[i] == UInt8(ascii: "\"") else { return nil }
        let start = i + 1
        var end = start
        var escaped = false
        while end < span.range.upperBound, bytes[end] != UInt8(ascii: "\"") {
            if bytes[end] == UInt8(ascii: "\\") { escaped = true; end += 1 }
            end += 1
        }
        guard end < span.range.upperBound else { return nil }
        return text(JSONValueSpan(range: start..<end, isString: true, hasEscapes: escaped), in: bytes)
    }
}

/// Text of a record's fields, for reports.
enum SlogFieldsText {
    /// The record's `type`, if it has one.
    static func type(of bytes: UnsafeRawBufferPointer) -> String? {
        SlogFields.type(in: bytes).flatMap { CrankScanner.text($0, in: bytes) }
    }
}
