/// Recognises the slog records that begin blocks, finish cranks and commit blocks, without
/// parsing the rest of the record.
///
/// Cost on the hot path: one `JSONScan.value(forKey: "type")`, which for the usual shape
/// (`{"type":"...` first) reads only the type's bytes, and a comparison with three names. Only
/// the three recognised types are scanned further, for their few fields.
struct AutomaticMarkers: Sendable {
    enum Trigger: Equatable {
        case blockBegin(height: UInt64, blockTime: Int64?)
        case crankFinish(crankNumber: UInt64, crankHash: String?, activityHash: String?)
        case blockCommit(height: UInt64)
    }

    private let typeKey = Array("type".utf8)
    private let beginType: [UInt8]
    private let crankType: [UInt8]
    private let commitType: [UInt8]
    private let beginKeys: [[UInt8]]
    private let crankKeys: [[UInt8]]
    private let commitKeys: [[UInt8]]

    init(_ types: SlogMarkerTypes) {
        beginType = Array(types.blockBegin.utf8)
        crankType = Array(types.crankFinish.utf8)
        commitType = Array(types.blockCommit.utf8)
        beginKeys = [Array(types.blockHeightField.utf8), Array(types.blockTimeField.utf8)]
        crankKeys = [Array(types.crankNumberField.utf8), Array(types.crankHashField.utf8),
                     Array(types.activityHashField.utf8)]
        commitKeys = [Array(types.blockHeightField.utf8)]
    }

    /// The marker `record` calls for, or `nil` (most records). A recognised record without a
    /// usable height or crank number gets no marker.
    func trigger(for record: UnsafeRawBufferPointer) -> Trigger? {
        guard let span = JSONScan.value(forKey: typeKey, in: record), span.isString else { return nil }
        let which: Int
        if span.hasEscapes {
            guard let type = JSONScan.unescapedString(span, in: record) else { return nil }
            guard let index = [beginType, crankType, commitType].firstIndex(of: type) else { return nil }
            which = index
        } else if equals(record, span.range, beginType) {
            which = 0
        } else if equals(record, span.range, crankType) {
            which = 1
        } else if equals(record, span.range, commitType) {
            which = 2
        } else {
            return nil
        }
        switch which {
        case 0:
            let values = JSONScan.values(forKeys: beginKeys, in: record)
            guard let height = values[0].flatMap({ JSONScan.uint64($0, in: record) }) else { return nil }
            return .blockBegin(height: height, blockTime: values[1].flatMap { JSONScan.int64($0, in: record) })
        case 1:
            let values = JSONScan.values(forKeys: crankKeys, in: record)
            guard let crank = values[0].flatMap({ JSONScan.uint64($0, in: record) }) else { return nil }
            return .crankFinish(
                crankNumber: crank, crankHash: string(values[1], in: record), activityHash: string(values[2], in: record))
        default:
            let values = JSONScan.values(forKeys: commitKeys, in: record)
            guard let height = values[0].flatMap({ JSONScan.uint64($0, in: record) }) else { return nil }
            return .blockCommit(height: height)
        }
    }

    private func equals(_ record: UnsafeRawBufferPointer, _ range: Range<Int>, _ name: [UInt8]) -> Bool {
        guard range.count == name.count else { return false }
        return unsafe name.withUnsafeBytes { unsafe $0.elementsEqual(UnsafeRawBufferPointer(rebasing: record[range])) }
    }

    private func string(_ span: JSONValueSpan?, in record: UnsafeRawBufferPointer) -> String? {
        guard let span, span.isString, let bytes = JSONScan.unescapedString(span, in: record) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
