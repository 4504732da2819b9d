package import SlogRing

extension RecordKind {
    /// A block began (FlightRecorder marker; payload `{"type":"flight-recorder-block-begin",...}`).
    package static let blockBeginMarker = RecordKind(rawValue: 0x0101)
    /// A crank finished, with its hashes.
    package static let crankFinishMarker = RecordKind(rawValue: 0x0102)
    /// A block was committed.
    package static let blockCommitMarker = RecordKind(rawValue: 0x0103)
    /// A recorder opened the ring (creation or restart).
    package static let recorderOpenedMarker = RecordKind(rawValue: 0x0104)
    /// Records of an uncommitted block were overwritten because the block outgrew the ring.
    package static let droppedMarker = RecordKind(rawValue: 0x0105)
    /// A slog record too large for the ring was replaced by this marker.
    package static let recordTooLargeMarker = RecordKind(rawValue: 0x0106)
    /// The node halted on a consensus failure and the black box was preserved.
    package static let haltMarker = RecordKind(rawValue: 0x0107)
    /// A slog sender reported records it could not deliver to the recorder.
    package static let senderLostMarker = RecordKind(rawValue: 0x0108)

    /// Whether this kind is in FlightRecorder's marker range (`0x0100...0x01FF`).
    package var isMarker: Bool { (0x0100...0x01FF).contains(rawValue) }
}

/// A FlightRecorder marker: a small JSON record of its own kind, written beside the slog.
///
/// Every marker's payload is one JSON object whose `type` starts with `flight-recorder-`, so
/// `slog-tail --markers` can print markers as slog lines and tools can find block boundaries
/// without parsing slog records. Field names follow the slog's own (`blockHeight`, `crankNum`).
package enum Marker: Equatable, Sendable {
    /// Block `height` begins; written *before* the slog record that began it.
    case blockBegin(height: UInt64, blockTime: Int64?)
    /// Crank `crankNumber` finished; written *after* its `crank-finish` slog record.
    case crankFinish(crankNumber: UInt64, crankHash: String?, activityHash: String?)
    /// Block `height` committed; written *after* the slog record that committed it.
    case blockCommit(height: UInt64)
    /// A recorder opened the ring: `event` is `created`, `reopened` or `after-black-box`.
    case recorderOpened(event: String, processID: Int32, wallTime: Double, version: String, note: String?)
    /// `count` records (sequences `firstSequence...lastSequence`) of uncommitted block
    /// `height` were overwritten because the block alone outgrew the ring.
    case dropped(height: UInt64?, firstSequence: UInt64, lastSequence: UInt64, count: UInt64)
    /// A slog record of `size` bytes did not fit in the ring; `snippet` is its start.
    case recordTooLarge(size: Int, snippet: String)
    /// The node halted at `height`; the black box was preserved as `identifier` (`HEIGHT-HASH`).
    /// `appHash` is this node's app hash (CometBFT's "Expected"), `networkAppHash` the one the
    /// network committed ("got"), `time` the wall-clock time of the halt (seconds since the
    /// epoch).
    case halt(
        height: UInt64, appHash: String?, reason: String, identifier: String, networkAppHash: String? = nil,
        time: Double? = nil)
    /// The node's slog sender lost `count` records before they reached the recorder (recorder
    /// unreachable, its buffer full, or a connection lost with records unacknowledged), from
    /// block `firstHeight` to block `lastHeight` (`nil` when no begin-block was seen); `reason`
    /// is the sender's word for it. Written where the gap is, before the next record.
    case senderLost(count: UInt64, firstHeight: UInt64?, lastHeight: UInt64?, reason: String)

    /// The record kind this marker is stored under.
    package var kind: RecordKind {
        switch self {
        case .blockBegin: .blockBeginMarker
        case .crankFinish: .crankFinishMarker
        case .blockCommit: .blockCommitMarker
        case .recorderOpened: .recorderOpenedMarker
        case .dropped: .droppedMarker
        case .recordTooLarge: .recordTooLargeMarker
        case .halt: .haltMarker
        case .senderLost: .senderLostMarker
        }
    }

    /// The marker's `type` string.
    package var typeName: String {
        switch self {
        case .blockBegin: "flight-recorder-block-begin"
        case .crankFinish: Self.crankFinishTypeName
        case .blockCommit: "flight-recorder-block-commit"
        case .recorderOpened: "flight-recorder-opened"
        case .dropped: "flight-recorder-dropped"
        case .recordTooLarge: "flight-recorder-record-too-large"
        case .halt: "flight-recorder-halt"
        case .senderLost: "flight-recorder-sender-lost"
        }
    }

    /// The crank-finish marker's `type` (the recorder's hot path builds it without a `Marker`).
    package static let crankFinishTypeName = "flight-recorder-crank-finish"

    /// The JSON payload (one object, no newline).
    package func encoded() -> [UInt8] {
        var json = MarkerJSON()
        encode(into: &json)
        return json.bytes
    }

    /// Writes the JSON payload into `json`, replacing what it held (its storage is reused).
    package func encode(into json: inout MarkerJSON) {
        json.start(typeName)
        switch self {
        case .blockBegin(let height, let blockTime):
            json.number("blockHeight", height)
            if let blockTime { json.number("blockTime", blockTime) }
        case .crankFinish(let crank, let crankHash, let activityHash):
            unsafe json.crankFinishMembers(number: crank, crankHash: crankHash.map { unsafe .text($0) }, activityHash: unsafe activityHash.map { unsafe .text($0) })
        case .blockCommit(let height):
            json.number("blockHeight", height)
        case .recorderOpened(let event, let pid, let time, let version, let note):
            json.string("event", event)
            json.number("pid", Int64(pid))
            json.raw("time", "\(time)")
            json.string("version", version)
            if let note { json.string("note", note) }
        case .dropped(let height, let first, let last, let count):
            if let height { json.number("blockHeight", height) }
            json.number("firstSequence", first)
            json.number("lastSequence", last)
            json.number("count", count)
        case .recordTooLarge(let size, let snippet):
            json.number("size", Int64(size))
            json.string("snippet", snippet)
        case .halt(let height, let appHash, let reason, let identifier, let networkAppHash, let time):
            json.number("blockHeight", height)
            if let appHash { json.string("appHash", appHash) }
            if let networkAppHash { json.string("networkAppHash", networkAppHash) }
            json.string("reason", reason)
            json.string("identifier", identifier)
            if let time { json.raw("time", "\(time)") }
        case .senderLost(let count, let firstHeight, let lastHeight, let reason):
            json.number("count", count)
            if let firstHeight { json.number("firstHeight", firstHeight) }
            if let lastHeight { json.number("lastHeight", lastHeight) }
            json.string("reason", reason)
        }
        json.finish()
    }

    /// Decodes a marker record read from a ring; `nil` for other kinds or a malformed payload.
    package static func decode(kind: RecordKind, bytes: UnsafeRawBufferPointer) -> Marker? {
        guard kind.isMarker else { return nil }
        let keys = ["blockHeight", "blockTime", "crankNum", "crankhash", "activityhash", "event", "pid", "time",
                    "version", "note", "firstSequence", "lastSequence", "count", "size", "snippet", "appHash",
                    "reason", "identifier", "networkAppHash", "firstHeight", "lastHeight"]
        let spans = unsafe JSONScan.values(forKeys: keys.map { Array($0.utf8) }, in: unsafe bytes)
        func span(_ key: String) -> JSONValueSpan? { keys.firstIndex(of: key).flatMap { spans[$0] } }
        func unsigned(_ key: String) -> UInt64? { span(key).flatMap { unsafe JSONScan.uint64($0, in: bytes) } }
        func signed(_ key: String) -> Int64? { span(key).flatMap { unsafe JSONScan.int64($0, in: bytes) } }
        func text(_ key: String) -> String? {
            guard let s = span(key), s.isString, let raw = unsafe JSONScan.unescapedString(s, in: bytes) else { return nil }
            return String(decoding: raw, as: UTF8.self)
        }
        switch kind {
        case .blockBeginMarker:
            guard let height = unsigned("blockHeight") else { return nil }
            return .blockBegin(height: height, blockTime: signed("blockTime"))
        case .crankFinishMarker:
            guard let crank = unsigned("crankNum") else { return nil }
            return .crankFinish(crankNumber: crank, crankHash: text("crankhash"), activityHash: text("activityhash"))
        case .blockCommitMarker:
            guard let height = unsigned("blockHeight") else { return nil }
            return .blockCommit(height: height)
        case .recorderOpenedMarker:
            let time = span("time").map { unsafe String(decoding: UnsafeRawBufferPointer(rebasing: bytes[$0.range]), as: UTF8.self) }
            return .recorderOpened(
                event: text("event") ?? "", processID: Int32(truncatingIfNeeded: signed("pid") ?? 0),
                wallTime: time.flatMap(Double.init) ?? 0, version: text("version") ?? "", note: text("note"))
        case .droppedMarker:
            guard let first = unsigned("firstSequence"), let last = unsigned("lastSequence"),
                let count = unsigned("count")
            else { return nil }
            return .dropped(height: unsigned("blockHeight"), firstSequence: first, lastSequence: last, count: count)
        case .recordTooLargeMarker:
            guard let size = unsigned("size") else { return nil }
            return .recordTooLarge(size: Int(clamping: size), snippet: text("snippet") ?? "")
        case .haltMarker:
            guard let height = unsigned("blockHeight") else { return nil }
            let time = span("time").map { unsafe String(decoding: UnsafeRawBufferPointer(rebasing: bytes[$0.range]), as: UTF8.self) }
            return .halt(height: height, appHash: text("appHash"), reason: text("reason") ?? "",
                         identifier: text("identifier") ?? "", networkAppHash: text("networkAppHash"),
                         time: time.flatMap(Double.init))
        case .senderLostMarker:
            guard let count = unsigned("count") else { return nil }
            return .senderLost(count: count, firstHeight: unsigned("firstHeight"), lastHeight: unsigned("lastHeight"),
                               reason: text("reason") ?? "")
        default:
            return nil
        }
    }
}

/// Builds a marker's JSON payload in a reusable buffer: no string interpolation, no new array
/// per marker (the recorder keeps one `MarkerJSON` and writes every marker into it).
// Safe: `storage` is allocated in `init`, reallocated only by `grow`, freed in `deinit`, and
// written only through `append`, which reserves room first; reads cover `0..<count` only.
@safe package struct MarkerJSON: ~Copyable {
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    /// Bytes of the payload built so far.
    package private(set) var count = 0

    package init() {
        capacity = 256
        unsafe storage = .allocate(byteCount: capacity, alignment: 8)
    }

    deinit { unsafe storage.deallocate() }

    /// A copy of the payload.
    package var bytes: [UInt8] { unsafe Array(UnsafeRawBufferPointer(start: storage, count: count)) }

    /// Calls `body` with the payload, valid only during the call.
    package func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try unsafe body(UnsafeRawBufferPointer(start: storage, count: count))
    }

    /// A string member's value: text to escape, or the content of a JSON string token copied
    /// from another record (between its quotes, escapes and all: already valid content).
    @unsafe package enum StringValue {
        case text(String)
        case token(UnsafeRawBufferPointer)
    }

    /// A whole crank-finish marker payload: the one encoding of `Marker.encode` and of the
    /// recorder's hot path, which passes the record's hash tokens as they are (no allocation:
    /// the storage is kept from marker to marker; issue #17).
    package mutating func crankFinish(number: UInt64, crankHash: StringValue?, activityHash: StringValue?) {
        count = 0
        append(#"{"type":"flight-recorder-crank-finish""#)  // start(Marker.crankFinishTypeName), at once
        unsafe crankFinishMembers(number: number, crankHash: crankHash, activityHash: activityHash)
        finish()
    }

    fileprivate mutating func crankFinishMembers(number: UInt64, crankHash: StringValue?, activityHash: StringValue?) {
        // Each key with its punctuation as one literal: this runs for every crank of the node
        // (a key() call was four appends; issue #17).
        append(#","crankNum":"#)
        appendDigits(number)
        if let crankHash = unsafe crankHash { unsafe stringValue(#","crankhash":"#, crankHash) }
        if let activityHash = unsafe activityHash { unsafe stringValue(#","activityhash":"#, activityHash) }
    }

    /// `prefix` (a key with its punctuation), then the string.
    private mutating func stringValue(_ prefix: StaticString, _ value: StringValue) {
        append(prefix)
        switch unsafe value {
        case .text(let text):
            var escaped: [UInt8] = []
            appendJSONString(text, to: &escaped)
            unsafe escaped.withUnsafeBytes { unsafe append($0) }
        case .token(let token):
            append(UInt8(ascii: "\""))
            unsafe append(token)
            append(UInt8(ascii: "\""))
        }
    }

    /// Starts a new payload: `{"type":"NAME"`.
    package mutating func start(_ typeName: String) {
        count = 0
        append(#"{"type":""#)
        var name = typeName
        name.withUTF8 { unsafe append(UnsafeRawBufferPointer($0)) }
        append(UInt8(ascii: "\""))
    }

    /// `,"KEY":` (keys are plain ASCII names chosen by this module).
    private mutating func key(_ name: StaticString) {
        append(#","#)
        append(UInt8(ascii: "\""))
        append(name)
        append(#"":"#)
    }

    package mutating func number(_ name: StaticString, _ value: UInt64) {
        key(name)
        appendDigits(value)
    }

    package mutating func number(_ name: StaticString, _ value: Int64) {
        key(name)
        if value < 0 { append(UInt8(ascii: "-")) }
        appendDigits(value.magnitude)
    }

    /// A member whose value is already JSON text.
    package mutating func raw(_ name: StaticString, _ text: String) {
        key(name)
        var text = text
        text.withUTF8 { unsafe append(UnsafeRawBufferPointer($0)) }
    }

    package mutating func string(_ name: StaticString, _ value: String) {
        key(name)
        var escaped: [UInt8] = []
        appendJSONString(value, to: &escaped)
        unsafe escaped.withUnsafeBytes { unsafe append($0) }
    }

    package mutating func finish() { append(UInt8(ascii: "}")) }

    /// The decimal digits of `value`, written right to left into a 20-byte stack buffer (the
    /// divisions by the constant 10 compile to multiplications), then appended at once.
    private mutating func appendDigits(_ value: UInt64) {
        if value < 10 {
            append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        unsafe withUnsafeTemporaryAllocation(byteCount: 20, alignment: 1) { digits in
            var rest = value
            var at = 20
            while rest > 0 {
                at -= 1
                unsafe digits.storeBytes(of: UInt8(ascii: "0") + UInt8(rest % 10), toByteOffset: at, as: UInt8.self)
                rest /= 10
            }
            unsafe append(UnsafeRawBufferPointer(rebasing: digits[at...]))
        }
    }

    // MARK: Storage

    @inline(__always)
    private mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        if count + bytes.count > capacity { grow(to: count + bytes.count) }
        unsafe (storage + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    private mutating func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        unsafe storage.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always)
    private mutating func append(_ text: StaticString) {
        unsafe append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func grow(to needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        unsafe bigger.copyMemory(from: storage, byteCount: count)
        unsafe storage.deallocate()
        unsafe storage = bigger
        capacity = newCapacity
    }
}
