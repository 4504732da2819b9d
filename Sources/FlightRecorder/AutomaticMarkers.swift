internal import SlogModel

/// Recognises the slog records that begin blocks, finish cranks and commit blocks, without
/// parsing the rest of the record.
///
/// Cost on the hot path: one `JSONScan.value(forKey: "type")`, which for the usual shape
/// (`{"type":"...` first) reads only the type's bytes, and a comparison with three names. Only
/// the three recognised types are scanned further, for their few fields.
struct AutomaticMarkers: Sendable {
    enum Trigger: Equatable {
        case blockBegin(height: UInt64, blockTime: Int64?)
        /// The hashes are spans of the record's own string tokens, copied into the marker as
        /// they are (no unescaping and escaping back).
        case crankFinish(crankNumber: UInt64, crankHash: JSONValueSpan?, activityHash: JSONValueSpan?)
        case blockCommit(height: UInt64)
    }

    private let typeKey = Array("type".utf8)
    private let beginType: [UInt8]
    private let crankType: [UInt8]
    private let commitType: [UInt8]
    private let heightKey: [UInt8]
    private let timeKey: [UInt8]
    private let crankKey: [UInt8]
    private let crankHashKey: [UInt8]
    private let activityHashKey: [UInt8]

    init(_ types: SlogMarkerTypes) {
        beginType = Array(types.blockBegin.utf8)
        crankType = Array(types.crankFinish.utf8)
        commitType = Array(types.blockCommit.utf8)
        heightKey = Array(types.blockHeightField.utf8)
        timeKey = Array(types.blockTimeField.utf8)
        crankKey = Array(types.crankNumberField.utf8)
        crankHashKey = Array(types.crankHashField.utf8)
        activityHashKey = Array(types.activityHashField.utf8)
    }

    /// The marker `record` calls for, or `nil` (most records). A recognised record without a
    /// usable height or crank number gets no marker.
    func trigger(for record: UnsafeRawBufferPointer) -> Trigger? {
        guard let span = unsafe JSONScan.value(forKey: typeKey, in: record), span.isString else { return nil }
        let which: Int
        if span.hasEscapes {
            guard let type = unsafe JSONScan.unescapedString(span, in: record) else { return nil }
            guard let index = [beginType, crankType, commitType].firstIndex(of: type) else { return nil }
            which = index
        } else if unsafe equals(record, span.range, beginType) {
            which = 0
        } else if unsafe equals(record, span.range, crankType) {
            which = 1
        } else if unsafe equals(record, span.range, commitType) {
            which = 2
        } else {
            return nil
        }
        // One pass over the members for the few fields wanted (no array per call).
        var first: JSONValueSpan?
        var second: JSONValueSpan?
        var third: JSONValueSpan?
        let keys = which == 1 ? (crankKey, crankHashKey, activityHashKey) : (heightKey, which == 0 ? timeKey : [], [])
        _ = unsafe JSONScan.forEachMember(in: record) { key, value in
            if first == nil, unsafe matches(record, key, keys.0) {
                first = value
            } else if second == nil, !keys.1.isEmpty, unsafe matches(record, key, keys.1) {
                second = value
            } else if third == nil, !keys.2.isEmpty, unsafe matches(record, key, keys.2) {
                third = value
            }
            return true
        }
        guard let number = first.flatMap({ unsafe JSONScan.uint64($0, in: record) }) else { return nil }
        switch which {
        case 0:
            return .blockBegin(height: number, blockTime: second.flatMap { unsafe JSONScan.int64($0, in: record) })
        case 1:
            return .crankFinish(
                crankNumber: number, crankHash: second.flatMap { $0.isString ? $0 : nil },
                activityHash: third.flatMap { $0.isString ? $0 : nil })
        default:
            return .blockCommit(height: number)
        }
    }

    /// Whether `key` (a member name in `record`) is `name`; escaped names are unescaped first.
    private func matches(_ record: UnsafeRawBufferPointer, _ key: JSONValueSpan, _ name: [UInt8]) -> Bool {
        if key.hasEscapes { return unsafe JSONScan.unescapedString(key, in: record) == name }
        return unsafe equals(record, key.range, name)
    }

    private func equals(_ record: UnsafeRawBufferPointer, _ range: Range<Int>, _ name: [UInt8]) -> Bool {
        guard range.count == name.count else { return false }
        return unsafe name.withUnsafeBytes { unsafe $0.elementsEqual(UnsafeRawBufferPointer(rebasing: record[range])) }
    }
}
