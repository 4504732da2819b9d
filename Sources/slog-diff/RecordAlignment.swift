import SlogModel

/// The first difference between two inputs' records of one crank.
enum RecordDifference {
    /// Record `a` of side A and record `b` of side B (indexes into the compared records) are
    /// the same kind of record with different content; `fields` are the JSON paths that differ
    /// (`nil` if a record is not valid JSON).
    case changed(a: Int, b: Int, fields: [FieldDifference]?)
    /// Side `side` (0: A, 1: B) has `count` records from index `at` that the other side does
    /// not have; the other side goes on at index `otherAt` (its length if it ended).
    case extra(side: Int, at: Int, count: Int, otherAt: Int)
}

/// Finds the first difference between the compared records of one crank on two inputs.
///
/// Records are compared in order by their normalized bytes. At the first pair that differs:
/// 1. If one side has run out, the rest of the other side is extra.
/// 2. Otherwise look ahead up to `lookahead` records on each side for the point where the
///    two sides agree again for `confirm` records (or to their ends): if side A resynchronises
///    after `k` records, those `k` records are extra in A (missing in B), and vice versa; the
///    smaller `k` wins. In the look-ahead, `syscallNum` is ignored, because one extra syscall
///    renumbers every syscall after it in the delivery.
/// 3. Otherwise the two records are a changed record, explained field by field.
///
/// - Complexity: O(n + lookahead² × confirm) record comparisons.
enum RecordAlignment {
    static let lookahead = 64
    static let confirm = 3

    /// `nil` when the two lists are the same.
    static func firstDifference(_ a: [[UInt8]], _ b: [[UInt8]]) -> RecordDifference? {
        var i = 0
        while i < a.count && i < b.count && a[i] == b[i] { i += 1 }
        if i == a.count && i == b.count { return nil }
        if i == b.count { return .extra(side: 0, at: i, count: a.count - i, otherAt: i) }
        if i == a.count { return .extra(side: 1, at: i, count: b.count - i, otherAt: i) }
        let looseA = a[i...].prefix(lookahead + confirm + 1).map(looseKey)
        let looseB = b[i...].prefix(lookahead + confirm + 1).map(looseKey)
        func resyncs(_ x: [[UInt8]], _ xTotal: Int, after k: Int, _ y: [[UInt8]], _ yTotal: Int) -> Bool {
            // x[k...] against y[0...], for `confirm` records or to the end of either side.
            let length = min(confirm, xTotal - i - k, yTotal - i)
            guard length > 0, k + length <= x.count, length <= y.count else { return false }
            return (0..<length).allSatisfy { x[k + $0] == y[$0] }
        }
        for k in 1...lookahead {
            let extraInA = k < looseA.count && resyncs(looseA, a.count, after: k, looseB, b.count)
            let extraInB = k < looseB.count && resyncs(looseB, b.count, after: k, looseA, a.count)
            if extraInA && !extraInB { return .extra(side: 0, at: i, count: k, otherAt: i) }
            if extraInB && !extraInA { return .extra(side: 1, at: i, count: k, otherAt: i) }
            if extraInA && extraInB { break }
            if k >= looseA.count && k >= looseB.count { break }
        }
        let fields = JSONValue.parse(a[i]).flatMap { left in JSONValue.parse(b[i]).map { left.differences(from: $0) } }
        return .changed(a: i, b: i, fields: fields)
    }

    private static let syscallNumKey = Array("syscallNum".utf8)

    /// The record without its top-level `syscallNum` member (the record itself if it has none
    /// or is not a JSON object).
    static func looseKey(_ record: [UInt8]) -> [UInt8] {
        record.withUnsafeBytes { bytes in
            guard let span = JSONScan.value(forKey: syscallNumKey, in: bytes) else { return record }
            var out: [UInt8] = []
            out.reserveCapacity(record.count)
            var first = true
            out.append(UInt8(ascii: "{"))
            let wellFormed = JSONScan.forEachMember(in: bytes) { key, value in
                if value.range == span.range { return true }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                let end = value.isString ? value.range.upperBound + 1 : value.range.upperBound
                out.append(contentsOf: bytes[(key.range.lowerBound - 1)..<end])
                return true
            }
            guard wellFormed else { return record }
            out.append(UInt8(ascii: "}"))
            return out
        }
    }
}
