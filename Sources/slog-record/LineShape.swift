import SlogModel
import SlogRing

/// What `slog-record` learns about a line without parsing it: whether it is blank, and whether
/// it is shaped like a JSON object.
///
/// "Object-shaped" means: the first byte that is not blank (space, tab, carriage return) is `{`
/// and the last one is `}`. That is what the summary's "not JSON" counter counts the lack of:
/// a line of other text (a node writing its log to the slog pipe, a cut line) fails it; a line
/// that opens and closes like an object but is broken inside passes. The recorder records every
/// non-blank line as it is either way, so the counter is a hint for the operator, and it costs
/// two byte comparisons instead of a validation walk of every record (issue #17: 28% of
/// slog-record's CPU). (The readers of the ring, `slog-tail` and `slog-diff`, parse what they print or compare.)
enum LineShape: Equatable {
    /// Empty, or only spaces, tabs and carriage returns: skipped, not recorded.
    case blank
    /// Starts with `{` and ends with `}` (blanks around them aside).
    case objectShaped
    /// Anything else: recorded, and counted as "not JSON".
    case other

    init(_ line: UnsafeRawBufferPointer) {
        var first = 0
        var last = line.count - 1
        while first <= last, Self.isBlank(line[first]) { first += 1 }
        guard first <= last else {
            self = .blank
            return
        }
        while Self.isBlank(line[last]) { last -= 1 }
        self = first < last && line[first] == UInt8(ascii: "{") && line[last] == UInt8(ascii: "}") ? .objectShaped : .other
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
}

/// The `--halt-on` triggers (and the kernel-panic one), with a quick look at a record's type
/// before the full match.
///
/// `HaltTrigger.matches` first finds the record's `type` member; nearly every record is of a
/// type no trigger names, and a node writes `type` first (`{"type":"deliver",…`). So when a
/// record starts with `{"type":"` and a plain string (no escape) follows, that string is its
/// type, and a type no trigger names cannot fire one: the record is passed over with one
/// comparison per trigger, no JSON walk, and no copy of a trigger. Any other record (escapes,
/// blanks, `type` not first) takes the full match, so the result is always the same as
/// `HaltTrigger.matches` on every trigger.
struct TriggerFilter {
    let triggers: [HaltTrigger]
    /// `triggers[i].type` as bytes.
    private let types: [[UInt8]]
    /// `types[i]`'s length and its first eight bytes as a little-endian word (zero-padded):
    /// what `mayFire` compares, when every type fits in those eight bytes.
    private let heads: [(count: Int, word: UInt64)]
    private let longestType: Int

    init(_ triggers: [HaltTrigger]) {
        self.triggers = triggers
        types = triggers.map { Array($0.type.utf8) }
        heads = types.map { type in (type.count, type.withUnsafeBytes(Self.headWord)) }
        longestType = types.map(\.count).max() ?? 0
    }

    /// `{"type":` as a little-endian 64-bit word.
    private static let typePrefixWord: UInt64 = 0x3a22_6570_7974_227b

    /// The first trigger `record` fires, or `nil`.
    @inline(__always)
    func firstMatch(in record: UnsafeRawBufferPointer) -> HaltTrigger? {
        guard mayFire(record) else { return nil }
        return matchAny(record)
    }

    /// False when `record` certainly fires no trigger, from its first 17 bytes, when every
    /// trigger's type is at most 7 bytes (the default: `console`): the record starts with
    /// `{"type":"`, and the next 8 bytes either hold neither a quote nor a backslash (its type
    /// is longer than every trigger's) or end its type at a quote without an escape before it,
    /// and no trigger has that type. Inlined into the per-line path; anything else is `true`
    /// and the full filter decides.
    @inline(__always)
    private func mayFire(_ record: UnsafeRawBufferPointer) -> Bool {
        guard !triggers.isEmpty else { return false }
        guard longestType <= 7, record.count >= 17,
            UInt64(littleEndian: record.loadUnaligned(as: UInt64.self)) == Self.typePrefixWord,
            record[8] == UInt8(ascii: "\"")
        else { return true }
        let word = UInt64(littleEndian: record.loadUnaligned(fromByteOffset: 9, as: UInt64.self))
        let flags = Self.quoteOrBackslash(word)
        guard flags != 0 else { return false }
        let length = flags.trailingZeroBitCount >> 3
        guard record[9 + length] == UInt8(ascii: "\"") else { return true }
        let head = word & ((1 << (8 * UInt64(length))) &- 1)
        for index in heads.indices where heads[index].count == length && heads[index].word == head { return true }
        return false
    }

    /// `firstMatch` past `mayFire` (the rare path, out of line): the triggers whose type is the
    /// record's plain leading type, or every trigger's full match for another shape.
    @inline(never)
    private func matchAny(_ record: UnsafeRawBufferPointer) -> HaltTrigger? {
        guard let type = Self.plainLeadingType(record, longest: longestType) else { return fullMatch(record) }
        for index in triggers.indices where types[index].withUnsafeBytes({ Self.equal($0, type) }) {
            if triggers[index].matches(record) { return triggers[index] }
        }
        return nil
    }

    /// Every trigger's full match, for a record not shaped `{"type":"plain string"`.
    @inline(never)
    private func fullMatch(_ record: UnsafeRawBufferPointer) -> HaltTrigger? {
        for index in triggers.indices where triggers[index].matches(record) { return triggers[index] }
        return nil
    }

    /// Byte-wise equality (the generic `elementsEqual` on buffer slices cost 3% of the CPU).
    private static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        for index in 0..<a.count where a[index] != b[index] { return false }
        return true
    }

    /// The first eight bytes of `bytes` as a little-endian word, zero-padded.
    private static func headWord(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var word: UInt64 = 0
        for index in 0..<min(8, bytes.count) { word |= UInt64(bytes[index]) << (8 * index) }
        return word
    }

    /// Flags (bit 7) the bytes of `word` that are `"` or a backslash; the lowest flag is exact.
    @inline(__always)
    private static func quoteOrBackslash(_ word: UInt64) -> UInt64 {
        // SlogModel's `SWAR.equalBytes` twice, written here: across the module boundary it is
        // called, not inlined (callgrind: +28 instructions per line).
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        return ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash) & 0x8080_8080_8080_8080
    }

    /// The bytes of the record's leading `"type"` string when the record starts exactly with
    /// `{"type":"` and the string has no escape; an empty buffer when that string is longer
    /// than `longest` (it equals no trigger's type); `nil` when the record does not have this
    /// shape (the caller then does the full match).
    ///
    /// - Complexity: O(`longest`): at most `longest + 1` bytes looked at, eight at a time while
    ///   a whole word fits (the kernel-panic trigger's `console` takes one word), then one by
    ///   one (a `memchr` call cost more than the ~8 bytes it searched).
    @inline(__always)
    static func plainLeadingType(_ record: UnsafeRawBufferPointer, longest: Int) -> UnsafeRawBufferPointer? {
        let prefix = 9  // `{"type":"`: one 8-byte load and one byte
        guard record.count > prefix, UInt64(littleEndian: record.loadUnaligned(as: UInt64.self)) == Self.typePrefixWord,
            record[8] == UInt8(ascii: "\"")
        else { return nil }
        let limit = min(record.count, prefix + longest + 1)
        var index = prefix
        // Whole words inside `limit`: the first flagged byte is the string's end or an escape.
        while index + 8 <= limit {
            let flags = Self.quoteOrBackslash(UInt64(littleEndian: record.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
            if flags != 0 {
                let at = index + flags.trailingZeroBitCount >> 3
                return record[at] == UInt8(ascii: "\"") ? UnsafeRawBufferPointer(rebasing: record[prefix..<at]) : nil
            }
            index += 8
        }
        while index < limit {
            let byte = record[index]
            if byte == UInt8(ascii: "\"") { return UnsafeRawBufferPointer(rebasing: record[prefix..<index]) }
            if byte == UInt8(ascii: "\\") { return nil }
            index += 1
        }
        // No closing quote within `longest + 1` bytes: longer than every trigger's type (no
        // escape so far, and an escape later only makes the unescaped string longer than
        // `longest`), or the record ends there (broken: the full match decides).
        return limit == prefix + longest + 1 ? UnsafeRawBufferPointer(rebasing: record[prefix..<prefix]) : nil
    }
}
