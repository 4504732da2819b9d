package import SlogModel

/// Top-level fields of one slog record, found with `JSONScan` (no full parse, no allocation).
package enum SlogFields {
    static let typeKey = Array("type".utf8)

    /// The span of the record's `type` string (fast for the usual `{"type":"…",…}` shape);
    /// `nil` if the record has none or is not a JSON object.
    package static func type(in record: UnsafeRawBufferPointer) -> JSONValueSpan? {
        guard let span = unsafe JSONScan.value(forKey: typeKey, in: record), span.isString else { return nil }
        return span
    }

    /// Whether the string at `span` equals `name` (unescaping if the string has escapes).
    package static func string(_ span: JSONValueSpan, in record: UnsafeRawBufferPointer, equals name: [UInt8]) -> Bool {
        if span.hasEscapes { return unsafe JSONScan.unescapedString(span, in: record) == name }
        guard span.range.count == name.count else { return false }
        return unsafe name.withUnsafeBytes { unsafe $0.elementsEqual(UnsafeRawBufferPointer(rebasing: record[span.range])) }
    }

    /// The top-level number member `key` (integer or fraction, such as the slog's `time`), or
    /// `nil`.
    package static func number(_ key: [UInt8], in record: UnsafeRawBufferPointer) -> Double? {
        guard let span = unsafe JSONScan.value(forKey: key, in: record), !span.isString, span.range.count <= 40 else { return nil }
        return unsafe Double(String(decoding: UnsafeRawBufferPointer(rebasing: record[span.range]), as: UTF8.self))
    }

    /// The top-level non-negative integer member `key`, or `nil`.
    package static func unsigned(_ key: [UInt8], in record: UnsafeRawBufferPointer) -> UInt64? {
        unsafe JSONScan.value(forKey: key, in: record).flatMap { unsafe JSONScan.uint64($0, in: record) }
    }
}

/// Which block each record belongs to, from its position in the stream.
///
/// Crank records carry no block height: a record belongs to block H when it lies between H's
/// beginning and its commit (`../shared/slog-reference.md` §2). Both kinds of boundary count:
/// - FlightRecorder markers: `flight-recorder-block-begin` (written before the slog's
///   begin-block record) and `flight-recorder-block-commit` (written after the commit record);
/// - the slog's own records (for Agoric files, slogfiles and rings recorded without markers):
///   `cosmic-swingset-begin-block` and `cosmic-swingset-commit-block-finish` (names from
///   `SlogMarkerTypes`), with their `blockHeight`.
///
/// A stream that starts in the middle of a block (a wrapped ring, an Agoric file) has records
/// before its first boundary: they belong to the block whose commit is that first boundary, if
/// it is a commit (`openingHeight`), which a streaming reader only knows once it gets there
/// (`hasSeenBoundary`).
///
/// A boundary record belongs to its block. Records after a commit and before the next begin
/// (for example `cosmic-swingset-after-commit-stats`) belong to no block, and so do records after
/// a `flight-recorder-opened` marker until the next begin (a restarted node replays before it
/// begins a block). Where both kinds are present they agree, so nothing is counted twice.
///
/// ```swift
/// var blocks = BlockAttribution()
/// source.withRecordBytes { bytes in height = blocks.height(ofRecord: bytes, type: SlogFields.type(in: bytes)) }
/// ```
package struct BlockAttribution {
    /// The block the next record belongs to, if the stream is inside one.
    package private(set) var currentHeight: UInt64?
    /// Whether a block boundary (a begin, a commit, or a recorder restart) has been seen.
    package private(set) var hasSeenBoundary = false
    /// The block of the records before the first boundary: its height when that boundary was a
    /// commit, `nil` when it was a begin or a restart (or none was seen yet).
    package private(set) var openingHeight: UInt64?
    private let beginType: [UInt8]
    private let commitType: [UInt8]
    private let heightKey: [UInt8]

    package init(types: SlogMarkerTypes = .agoric) {
        beginType = Array(types.blockBegin.utf8)
        commitType = Array(types.blockCommit.utf8)
        heightKey = Array(types.blockHeightField.utf8)
    }

    /// The block of a slog record whose `type` span is `type`; updates the current block.
    package mutating func height(ofRecord record: UnsafeRawBufferPointer, type: JSONValueSpan?) -> UInt64? {
        guard let type else { return currentHeight }
        // Most types are neither, by their length alone (escaped ones are compared unescaped).
        guard type.hasEscapes || type.range.count == beginType.count || type.range.count == commitType.count else { return currentHeight }
        if unsafe SlogFields.string(type, in: record, equals: beginType) {
            if let height = unsafe SlogFields.unsigned(heightKey, in: record) { currentHeight = height }
            hasSeenBoundary = true
            return currentHeight
        }
        if unsafe SlogFields.string(type, in: record, equals: commitType) {
            let height = unsafe SlogFields.unsigned(heightKey, in: record) ?? currentHeight
            noteCommit(height)
            return height
        }
        return currentHeight
    }

    /// The block of a marker; updates the current block.
    package mutating func height(ofMarker marker: Marker?) -> UInt64? {
        switch marker {
        case .blockBegin(let height, _)?:
            currentHeight = height
            hasSeenBoundary = true
            return height
        case .blockCommit(let height)?:
            noteCommit(height)
            return height
        case .recorderOpened?:
            currentHeight = nil
            hasSeenBoundary = true
            return nil
        case .dropped(let height, _, _, _)?:
            return height ?? currentHeight
        case .halt(let height, _, _, _, _, _)?:
            return height
        default:
            return currentHeight
        }
    }

    private mutating func noteCommit(_ height: UInt64?) {
        if !hasSeenBoundary {
            hasSeenBoundary = true
            openingHeight = height
        }
        currentHeight = nil
    }
}
