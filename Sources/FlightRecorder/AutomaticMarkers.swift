internal import SlogModel
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Recognises the slog records that begin blocks, finish cranks and commit blocks, without
/// parsing the rest of the record.
///
/// Cost on the hot path (issue #17): for the shape every slog record has, `{"type":"NAME",…`,
/// one 8-byte compare of the prefix, a word-at-a-time scan of NAME for its closing quote, and a
/// length-then-bytes comparison with the three names; only the three recognised types are
/// scanned further, for their few fields, stopping once those are found. Any other shape
/// (whitespace, another member first, an escaped type) takes the general path,
/// `JSONScan.value(forKey: "type")`, which gives the same answer for every input (tested:
/// `AutomaticMarkersTests`).
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
        plainTypeNames = [beginType, crankType, commitType].allSatisfy { name in
            name.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        }
        func firstWord(_ name: [UInt8]) -> UInt64 {
            name.prefix(8).enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        }
        let long = plainTypeNames && [beginType, crankType, commitType].allSatisfy { $0.count >= 8 }
        namePrefixes = long ? (firstWord(beginType), firstWord(crankType), firstWord(commitType)) : nil
        fieldWords = [heightKey, timeKey, crankKey, crankHashKey, activityHashKey].map { KeyWords($0) }
    }

    /// The field names `compactFields` compares keys with, as words: height, time, crank number,
    /// crank hash, activity hash.
    private let fieldWords: [KeyWords]

    /// A name of at most 15 bytes as its length and first eight bytes (zero-padded,
    /// little-endian) and, from 8 bytes on, its last eight, so a key lying in a record compares
    /// in two word compares (no memcmp call). For a longer name `length` is -1 and
    /// `compactFields` leaves the record to the general walk.
    private struct KeyWords {
        let length: Int
        let head: UInt64
        let tail: UInt64

        init(_ name: [UInt8]) {
            length = name.count <= 15 ? name.count : -1
            func word(_ bytes: ArraySlice<UInt8>) -> UInt64 {
                bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            }
            head = word(name.prefix(8))
            tail = name.count >= 8 ? word(name.suffix(8)) : 0
        }
    }

    /// The first 8 bytes of the three type names as little-endian words, when every name is
    /// plain and at least 8 bytes long (Agoric's are): most records are rejected by comparing
    /// one word of NAME with these, without scanning NAME (issue #17).
    private let namePrefixes: (UInt64, UInt64, UInt64)?

    /// Whether the three type names are written in JSON as their raw bytes (no quote, backslash
    /// or control byte), so the prefix fast path can compare raw bytes. Always so for Agoric.
    private let plainTypeNames: Bool

    /// `{"type":` as a little-endian word, and the quote that must follow it.
    private static let typePrefix: UInt64 = 0x3A22_6570_7974_227B  // "{\"type\":" read little-endian

    /// The marker `record` calls for, or `nil` (most records). A recognised record without a
    /// usable height or crank number gets no marker.
    func trigger(for record: UnsafeRawBufferPointer) -> Trigger? {
        switch unsafe fastType(record) {
        case .some(nil): return nil
        case .some(.some(let which)):
            if let trigger = unsafe compactFields(of: which, in: record) { return trigger }
            return unsafe fields(of: which, in: record)
        case nil: return unsafe generalTrigger(for: record)
        }
    }

    /// The fast path: for `{"type":"NAME"` followed by `,` or `}` (after optional whitespace),
    /// with no backslash in NAME: `.some(index of the name)` (0 begin, 1 crank, 2 commit) or
    /// `.some(nil)` for any other name. `nil` for every other shape: the general path decides.
    ///
    /// It agrees with the general path because for such a record `JSONScan.value(forKey:)` takes
    /// its own first-member path and returns exactly NAME's bytes, unescaped as they are.
    private func fastType(_ record: UnsafeRawBufferPointer) -> Int?? {
        guard plainTypeNames, record.count > 9, let base = record.baseAddress,
            UInt64(littleEndian: unsafe base.loadUnaligned(as: UInt64.self)) == Self.typePrefix,
            unsafe base.load(fromByteOffset: 8, as: UInt8.self) == UInt8(ascii: "\"")
        else { return nil }
        // 9 is the first byte of NAME. Fast reject: if NAME's first 8 bytes hold no backslash
        // and equal no name's first 8 bytes, NAME is none of them (a quote among those bytes
        // ends NAME shorter than any name; without escapes its bytes are its characters).
        if let prefixes = namePrefixes, record.count >= 17 {
            let word = UInt64(littleEndian: unsafe base.loadUnaligned(fromByteOffset: 9, as: UInt64.self))
            let hasBackslash = Self.equalBytes(word, 0x5C) != 0
            if !hasBackslash && word != prefixes.0 && word != prefixes.1 && word != prefixes.2 { return .some(nil) }
        }
        // Find NAME's closing quote.
        guard let name = unsafe JSONScan.scanString(record, 8), !name.hasEscapes else { return nil }
        var which: Int?
        if unsafe equals(record, name.range, beginType) {
            which = 0
        } else if unsafe equals(record, name.range, crankType) {
            which = 1
        } else if unsafe equals(record, name.range, commitType) {
            which = 2
        }
        // Not one of the three: no marker, whatever follows (the general path would say the same,
        // or find the record malformed: also no marker).
        guard let which else { return .some(nil) }
        // One of the three: the member counts only if `,` or `}` follows, as in JSONScan.
        let after = unsafe JSONScan.skipWhitespace(record, name.range.upperBound + 1)
        guard after < record.count, unsafe record[after] == UInt8(ascii: ",") || record[after] == UInt8(ascii: "}") else {
            return nil
        }
        return .some(which)
    }

    /// The general path, for any shape: `JSONScan.value(forKey: "type")`, unescaping if needed.
    func generalTrigger(for record: UnsafeRawBufferPointer) -> Trigger? {
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
        return unsafe fields(of: which, in: record)
    }

    /// The marker for a record of recognised type `which` (0 begin, 1 crank, 2 commit), from the
    /// first occurrence of each field it needs.
    private func fields(of which: Int, in record: UnsafeRawBufferPointer) -> Trigger? {
        // One pass over the members for the few fields wanted, stopping once all are found: only
        // first occurrences count, so what follows cannot change the result. The walk is
        // `JSONScan.forEachMember`'s, written out here without its closure, and keys are compared
        // by length before any byte (issue #17: the closure and the per-key array accesses were
        // most of the cost of a marker record). Tests hold it to a forEachMember-based reference.
        var found = Found(which)
        let end = record.count
        var i = unsafe JSONScan.skipWhitespace(record, 0)
        if i < end, unsafe record[i] == UInt8(ascii: "{") {
            i = unsafe JSONScan.skipWhitespace(record, i + 1)
            walk: while i < end, unsafe record[i] == UInt8(ascii: "\"") {
                guard let key = unsafe JSONScan.scanString(record, i) else { break }
                i = unsafe JSONScan.skipWhitespace(record, key.range.upperBound + 1)
                guard i < end, unsafe record[i] == UInt8(ascii: ":") else { break }
                i = unsafe JSONScan.skipWhitespace(record, i + 1)
                guard let value = unsafe JSONScan.scanValue(record, i) else { break }
                i = unsafe JSONScan.skipWhitespace(record, value.isString ? value.range.upperBound + 1 : value.range.upperBound)
                guard i < end else { break }
                let separator = unsafe record[i]
                guard separator == UInt8(ascii: ",") || separator == UInt8(ascii: "}") else { break }
                if unsafe note(key, value, in: record, into: &found) || separator == UInt8(ascii: "}") { break walk }
                i = unsafe JSONScan.skipWhitespace(record, i + 1)
            }
        }
        return unsafe assemble(found, in: record)
    }

    /// The first occurrences of the fields a record of type `which` needs (begin: height, time;
    /// crank: number, crank hash, activity hash; commit: height), as a walk meets the members.
    private struct Found {
        let which: Int
        var first: JSONValueSpan?
        var second: JSONValueSpan?
        var third: JSONValueSpan?
        var missing: Int

        init(_ which: Int) {
            self.which = which
            missing = which == 1 ? 3 : which == 0 ? 2 : 1
        }
    }

    /// Keeps `value` if `key` names a field `found` still lacks; true once none is missing.
    @inline(__always)
    private func note(
        _ key: JSONValueSpan, _ value: JSONValueSpan, in record: UnsafeRawBufferPointer, into found: inout Found
    ) -> Bool {
        let which = found.which
        if found.first == nil, unsafe matches(record, key, which == 1 ? crankKey : heightKey) {
            found.first = value
            found.missing -= 1
        } else if which != 2, found.second == nil, unsafe matches(record, key, which == 1 ? crankHashKey : timeKey) {
            found.second = value
            found.missing -= 1
        } else if which == 1, found.third == nil, unsafe matches(record, key, activityHashKey) {
            found.third = value
            found.missing -= 1
        }
        return found.missing == 0
    }

    /// The marker from the fields found.
    @inline(__always)
    private func assemble(_ found: Found, in record: UnsafeRawBufferPointer) -> Trigger? {
        let (which, first, second, third) = (found.which, found.first, found.second, found.third)
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

    /// `fields(of:in:)` for the compact shape every serializer writes (`JSON.stringify`, the
    /// slog of Agoric's kernel): `{"KEY":VALUE,"KEY":VALUE…` with no whitespace and no escape
    /// in a key. `.some(marker)` when the walk got as far as the general one would (all fields
    /// found, or `}`); `nil` at the first byte of any other shape, and `fields` walks again.
    ///
    /// It takes the general walk's steps on such input (its whitespace skips find nothing,
    /// its key scan finds the same quote), with two shortcuts: a key is compared where it lies
    /// (no escape to undo), and a number of plain digits is scanned here, not by `scanValue`
    /// (issue #17: the general walk cost ~2,000 instructions per crank-finish record).
    private func compactFields(of which: Int, in record: UnsafeRawBufferPointer) -> Trigger?? {
        guard let base = record.baseAddress, record.count > 1, unsafe base.load(as: UInt8.self) == UInt8(ascii: "{")
        else { return nil }
        let end = record.count
        let quote = UInt8(ascii: "\"")
        // The words of the names this type needs, in `Found`'s order.
        let names = fieldWords
        let wanted: (KeyWords, KeyWords, KeyWords) =
            which == 1 ? (names[2], names[3], names[4]) : which == 0 ? (names[0], names[1], names[1]) : (names[0], names[0], names[0])
        guard wanted.0.length >= 0, which == 2 || wanted.1.length >= 0, which != 1 || wanted.2.length >= 0 else { return nil }
        var found = Found(which)
        var i = 1
        while true {
            // A key of at most 15 bytes ends in the two words after its quote (found eight
            // bytes at a time); anything else goes to the general walk.
            guard i + 17 <= end, unsafe base.load(fromByteOffset: i, as: UInt8.self) == quote else { return nil }
            let head = UInt64(littleEndian: unsafe base.loadUnaligned(fromByteOffset: i + 1, as: UInt64.self))
            var length: Int
            var tail: UInt64 = 0
            let headStops = Self.stopBytes(head)
            if headStops != 0 {
                length = headStops.trailingZeroBitCount >> 3
            } else {
                let second = UInt64(littleEndian: unsafe base.loadUnaligned(fromByteOffset: i + 9, as: UInt64.self))
                let secondStops = Self.stopBytes(second)
                guard secondStops != 0 else { return nil }
                length = 8 + secondStops.trailingZeroBitCount >> 3
                tail = UInt64(littleEndian: unsafe base.loadUnaligned(fromByteOffset: i + 1 + length - 8, as: UInt64.self))
            }
            let k = i + 1 + length
            guard unsafe base.load(fromByteOffset: k, as: UInt8.self) == quote else { return nil }
            let keyHead = length >= 8 ? head : length == 0 ? 0 : head & ((1 << UInt64(length * 8)) &- 1)
            let v = k + 2
            guard v < end, unsafe base.load(fromByteOffset: k + 1, as: UInt8.self) == UInt8(ascii: ":") else { return nil }
            let value: JSONValueSpan
            let after: Int
            let lead = unsafe base.load(fromByteOffset: v, as: UInt8.self)
            if lead == quote {
                // A string: its closing quote eight bytes at a time; an escape or control byte
                // sends it to the general scanner.
                var e = v + 1
                while e + 8 <= end {
                    let stops = Self.stopBytes(UInt64(littleEndian: unsafe base.loadUnaligned(fromByteOffset: e, as: UInt64.self)))
                    if stops != 0 {
                        e += stops.trailingZeroBitCount >> 3
                        break
                    }
                    e += 8
                }
                while e < end, unsafe base.load(fromByteOffset: e, as: UInt8.self) != quote,
                    unsafe base.load(fromByteOffset: e, as: UInt8.self) >= 0x20,
                    unsafe base.load(fromByteOffset: e, as: UInt8.self) != UInt8(ascii: "\\")
                {
                    e += 1
                }
                guard e < end else { return nil }
                if unsafe base.load(fromByteOffset: e, as: UInt8.self) == quote {
                    value = JSONValueSpan(range: v + 1..<e, isString: true)
                    after = e + 1
                } else {
                    guard let string = unsafe JSONScan.scanString(record, v) else { return nil }
                    value = string
                    after = string.range.upperBound + 1
                }
            } else if lead >= UInt8(ascii: "1") && lead <= UInt8(ascii: "9") {
                var e = v + 1
                while e < end, unsafe base.load(fromByteOffset: e, as: UInt8.self) &- UInt8(ascii: "0") < 10 { e += 1 }
                // A fraction or exponent: the general scanner decides.
                guard e < end else { return nil }
                let next = unsafe base.load(fromByteOffset: e, as: UInt8.self)
                guard next != UInt8(ascii: "."), next | 0x20 != UInt8(ascii: "e") else { return nil }
                value = JSONValueSpan(range: v..<e, isString: false)
                after = e
            } else {
                guard let other = unsafe JSONScan.scanValue(record, v) else { return nil }
                value = other
                after = other.isString ? other.range.upperBound + 1 : other.range.upperBound
            }
            guard after < end else { return nil }
            let separator = unsafe base.load(fromByteOffset: after, as: UInt8.self)
            guard separator == UInt8(ascii: ",") || separator == UInt8(ascii: "}") else { return nil }
            // `note`, with the key compared as words (the key has no escape).
            func equal(_ name: KeyWords) -> Bool { name.length == length && name.head == keyHead && name.tail == tail }
            if found.first == nil, equal(wanted.0) {
                found.first = value
                found.missing -= 1
            } else if which != 2, found.second == nil, equal(wanted.1) {
                found.second = value
                found.missing -= 1
            } else if which == 1, found.third == nil, equal(wanted.2) {
                found.third = value
                found.missing -= 1
            }
            if found.missing == 0 || separator == UInt8(ascii: "}") { break }
            i = after + 1
        }
        return .some(unsafe assemble(found, in: record))
    }

    /// `SlogModel.SWAR`'s byte tests, written here once for this file: across the module
    /// boundary the compiler called them instead of inlining them (+20 instructions per record,
    /// callgrind). Flags (bit 7) the bytes of `word` equal to `byte`; see `SWAR.equalBytes`.
    @inline(__always)
    private static func equalBytes(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let x = word ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        return (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
    }

    /// Flags a word's quotes, backslashes and control bytes: what ends a plain run of a JSON
    /// string (`SWAR.controlBytes` for the last).
    @inline(__always)
    private static func stopBytes(_ word: UInt64) -> UInt64 {
        let controls = (word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080
        return equalBytes(word, 0x22) | equalBytes(word, 0x5C) | controls
    }

    /// Whether `key` (a member name in `record`) is `name`; escaped names are unescaped first.
    @inline(__always)
    private func matches(_ record: UnsafeRawBufferPointer, _ key: JSONValueSpan, _ name: [UInt8]) -> Bool {
        if key.hasEscapes { return unsafe JSONScan.unescapedString(key, in: record) == name }
        return unsafe equals(record, key.range, name)
    }

    @inline(__always)
    private func equals(_ record: UnsafeRawBufferPointer, _ range: Range<Int>, _ name: [UInt8]) -> Bool {
        guard range.count == name.count else { return false }
        guard !name.isEmpty else { return true }
        return unsafe name.withUnsafeBytes { unsafe memcmp($0.baseAddress!, record.baseAddress! + range.lowerBound, range.count) == 0 }
    }
}
