/// Where one JSON value lies inside the bytes of a record.
///
/// For a string, `range` covers the bytes *between* the quotes, still escaped; `hasEscapes` says
/// whether a backslash occurs in them (if not, the bytes are the string's UTF-8 as they are).
/// For any other value, `range` covers the whole literal, or the brackets and everything between
/// them for an object or array.
package struct JSONValueSpan: Equatable, Sendable {
    /// The value's bytes; for a string, the bytes between the quotes.
    package var range: Range<Int>
    /// Whether the value is a JSON string.
    package var isString: Bool
    /// Whether a string's bytes contain a backslash escape; always `false` for other values.
    package var hasEscapes: Bool

    package init(range: Range<Int>, isString: Bool, hasEscapes: Bool = false) {
        self.range = range
        self.isString = isString
        self.hasEscapes = hasEscapes
    }
}

/// An allocation-free scanner for the top level of one JSON object: the bytes of one slog record.
///
/// The input may be anything: valid JSON, a torn record, garbage, or hostile bytes (deep
/// nesting, unterminated strings, megabytes of data). Every function runs in time linear in the
/// bytes it examines, reads only inside the buffer, never recurses and allocates nothing per byte.
///
/// Only the top level is parsed. A nested object or array is *skipped* structurally: strings
/// (with their escapes) are stepped over, and brackets must balance and match, but numbers and
/// literals inside are not checked. Top-level members are checked exactly (string keys, `:`,
/// `,`, no trailing comma, only whitespace after the closing brace).
///
/// Lookups stop at the first member with the key, once the `,` or `}` after its value is seen;
/// the bytes after that are not examined, so a record torn after its `type` member still yields
/// its type. A key that occurs more than once yields its first occurrence.
///
/// ```swift
/// let type = JSONScan.value(forKey: Array("type".utf8), in: record)   // fast for {"type":"…",…}
/// ```
package enum JSONScan {
    /// The span of the top-level member `key`, or `nil` if it is absent or the bytes before it
    /// are not the start of a JSON object.
    ///
    /// Fast path: when the object's first member has exactly the key (the shape every slog
    /// record has for `type`: `{"type":"…",…}`), only the prefix and the value are read.
    /// Otherwise the members are walked in order. Keys written with escapes are compared after
    /// unescaping.
    ///
    /// - Parameters:
    ///   - key: The key as raw UTF-8 bytes (not escaped).
    ///   - bytes: One record.
    /// - Complexity: O(length of the key and value) on the fast path; O(offset of the member,
    ///   or of the whole record if absent) otherwise.
    package static func value(forKey key: [UInt8], in bytes: UnsafeRawBufferPointer) -> JSONValueSpan? {
        switch unsafe firstMemberFastPath(forKey: key, in: bytes) {
        case .found(let span): return span
        case .malformed: return nil
        case .notFirst: break
        }
        var found: JSONValueSpan?
        _ = unsafe forEachMember(in: bytes) { keySpan, valueSpan in
            if unsafe keyEquals(keySpan, key, in: bytes) {
                found = valueSpan
                return false
            }
            return true
        }
        return found
    }

    /// The spans of several top-level members in one pass: `result[i]` is the span of `keys[i]`.
    ///
    /// The walk stops once every key is found. A key not found before the end of the object, or
    /// before the first malformed byte, is `nil`.
    ///
    /// - Complexity: O(offset of the last found member × number of keys), O(record) if one is
    ///   absent.
    package static func values(forKeys keys: [[UInt8]], in bytes: UnsafeRawBufferPointer) -> [JSONValueSpan?] {
        var result = [JSONValueSpan?](repeating: nil, count: keys.count)
        var remaining = keys.count
        guard remaining > 0 else { return result }
        _ = unsafe forEachMember(in: bytes) { keySpan, valueSpan in
            for index in keys.indices where result[index] == nil {
                if unsafe keyEquals(keySpan, keys[index], in: bytes) {
                    result[index] = valueSpan
                    remaining -= 1
                }
            }
            return remaining > 0
        }
        return result
    }

    /// Calls `body` with each top-level member's key and value span, in order.
    ///
    /// - Parameters:
    ///   - bytes: One record.
    ///   - body: Returns `true` to continue, `false` to stop.
    /// - Returns: `false` if the bytes are not a well-formed JSON object at the top level
    ///   (members before the first error have been reported); `true` if the whole object was
    ///   well formed, or if `body` stopped the walk before any error was seen.
    /// - Complexity: O(n) in the bytes walked; nesting depth costs no stack.
    @inlinable @inline(__always)
    package static func forEachMember(
        in bytes: UnsafeRawBufferPointer,
        _ body: (_ key: JSONValueSpan, _ value: JSONValueSpan) -> Bool
    ) -> Bool {
        let end = bytes.count
        var i = unsafe skipWhitespace(bytes, 0)
        guard i < end, unsafe bytes[i] == ASCII.openBrace else { return false }
        i = unsafe skipWhitespace(bytes, i + 1)
        guard i < end else { return false }
        if unsafe bytes[i] == ASCII.closeBrace {
            return unsafe skipWhitespace(bytes, i + 1) == end
        }
        while true {
            // A member: "key" ws : ws value ws
            guard i < end, unsafe bytes[i] == ASCII.quote, let key = unsafe scanString(bytes, i) else { return false }
            i = unsafe skipWhitespace(bytes, key.range.upperBound + 1)
            guard i < end, unsafe bytes[i] == ASCII.colon else { return false }
            i = unsafe skipWhitespace(bytes, i + 1)
            guard let value = unsafe scanValue(bytes, i) else { return false }
            i = unsafe skipWhitespace(bytes, indexAfter(value))
            guard i < end else { return false }
            let separator = unsafe bytes[i]
            guard separator == ASCII.comma || separator == ASCII.closeBrace else { return false }
            guard body(key, value) else { return true }
            if separator == ASCII.closeBrace {
                return unsafe skipWhitespace(bytes, i + 1) == end
            }
            i = unsafe skipWhitespace(bytes, i + 1)
        }
    }

    /// The unescaped UTF-8 bytes of a string value, or `nil` if the span is not a string or holds
    /// an invalid escape.
    ///
    /// Handles `\"` `\\` `\/` `\b` `\f` `\n` `\r` `\t` and `\uXXXX`, joining surrogate pairs; a
    /// lone surrogate (which JavaScript's `JSON.stringify` can emit) becomes U+FFFD. Unescaped
    /// bytes are copied as they are, without UTF-8 validation.
    package static func unescapedString(_ span: JSONValueSpan, in bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        guard span.isString, span.range.lowerBound >= 0, span.range.upperBound <= bytes.count else { return nil }
        if !span.hasEscapes { return unsafe Array(bytes[span.range]) }
        var result: [UInt8] = []
        result.reserveCapacity(span.range.count)
        var decoder = unsafe UnescapingIterator(bytes: bytes, range: span.range)
        while let byte = unsafe decoder.next() { result.append(byte) }
        return unsafe decoder.failed ? nil : result
    }

    /// The value of a plain non-negative integer literal (digits only, no sign, fraction or
    /// exponent, no leading zero), or `nil` if it is not one or exceeds `UInt64.max`.
    package static func uint64(_ span: JSONValueSpan, in bytes: UnsafeRawBufferPointer) -> UInt64? {
        guard !span.isString, span.range.lowerBound >= 0, span.range.upperBound <= bytes.count else { return nil }
        return unsafe parseDigits(bytes, span.range)
    }

    /// The value of a plain integer literal (optional `-`, digits, no fraction or exponent, no
    /// leading zero), or `nil` if it is not one or does not fit in `Int64`.
    package static func int64(_ span: JSONValueSpan, in bytes: UnsafeRawBufferPointer) -> Int64? {
        guard !span.isString, span.range.lowerBound >= 0, span.range.upperBound <= bytes.count,
            !span.range.isEmpty
        else { return nil }
        if unsafe bytes[span.range.lowerBound] == ASCII.minus {
            guard let magnitude = unsafe parseDigits(bytes, span.range.lowerBound + 1..<span.range.upperBound),
                magnitude <= UInt64(Int64.max) + 1
            else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard let magnitude = unsafe parseDigits(bytes, span.range), magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }
}

// MARK: - Scanning

extension JSONScan {
    /// The bytes the scanner looks for.
    /// (Computed and inlinable, like the scanning functions below, so the hook's marker code in
    /// FlightRecorder specializes `forEachMember` with its closure: issue #17.)
    @usableFromInline enum ASCII {
        @inlinable static var quote: UInt8 { 0x22 }
        @inlinable static var backslash: UInt8 { 0x5C }
        @inlinable static var openBrace: UInt8 { 0x7B }
        @inlinable static var closeBrace: UInt8 { 0x7D }
        @inlinable static var openBracket: UInt8 { 0x5B }
        @inlinable static var closeBracket: UInt8 { 0x5D }
        @inlinable static var colon: UInt8 { 0x3A }
        @inlinable static var comma: UInt8 { 0x2C }
        @inlinable static var minus: UInt8 { 0x2D }
        @inlinable static var zero: UInt8 { 0x30 }
        @inlinable static var nine: UInt8 { 0x39 }
    }

    /// The outcome of the fast path.
    private enum FastPath {
        case found(JSONValueSpan)
        /// The bytes fail before the first member's key is known: not an object.
        case malformed
        /// The first member has another key (or an escaped one): walk the members.
        case notFirst
    }

    /// Checks whether the object's first member is `key`, reading only the prefix and value.
    private static func firstMemberFastPath(forKey key: [UInt8], in bytes: UnsafeRawBufferPointer) -> FastPath {
        let end = bytes.count
        var i = unsafe skipWhitespace(bytes, 0)
        guard i < end, unsafe bytes[i] == ASCII.openBrace else { return .malformed }
        i = unsafe skipWhitespace(bytes, i + 1)
        guard i < end, unsafe bytes[i] == ASCII.quote else { return .notFirst }
        i += 1
        // Raw byte comparison is exact only for keys that need no escaping; leave others (and
        // records whose first key is escaped) to the general path, which unescapes.
        guard end - i > key.count, isPlainKey(key) else { return .notFirst }
        for k in key.indices where unsafe bytes[i + k] != key[k] { return .notFirst }
        i += key.count
        guard unsafe bytes[i] == ASCII.quote else { return .notFirst }
        i = unsafe skipWhitespace(bytes, i + 1)
        guard i < end, unsafe bytes[i] == ASCII.colon else { return .malformed }
        i = unsafe skipWhitespace(bytes, i + 1)
        guard let value = unsafe scanValue(bytes, i) else { return .malformed }
        // Like the general path, report a member only once the byte after it is `,` or `}`.
        i = unsafe skipWhitespace(bytes, indexAfter(value))
        guard i < end, unsafe bytes[i] == ASCII.comma || bytes[i] == ASCII.closeBrace else { return .malformed }
        return .found(value)
    }

    /// Whether `key` is written in JSON as its raw bytes: no quote, backslash or control byte.
    private static func isPlainKey(_ key: [UInt8]) -> Bool {
        for byte in key where byte < 0x20 || byte == ASCII.quote || byte == ASCII.backslash { return false }
        return true
    }

    /// The index just past a value returned by `scanValue` (past the closing quote of a string).
    @inlinable
    static func indexAfter(_ value: JSONValueSpan) -> Int {
        value.isString ? value.range.upperBound + 1 : value.range.upperBound
    }

    /// The first index at or after `i` that is not JSON whitespace (space, tab, LF, CR).
    @inlinable
    package static func skipWhitespace(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int {
        var i = start
        while i < bytes.count {
            switch unsafe bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return i
            }
        }
        return i
    }

    /// Scans the string whose opening quote is at `start`; `nil` if it is unterminated or holds a
    /// raw control character.
    ///
    /// Eight bytes at a time (SWAR): a word with no quote, backslash or control byte is skipped
    /// whole, so the 64-hex hashes and message bodies of slog cost a few steps, not one per byte
    /// (issue #17: this scan was the largest part of marker detection and of the dumps).
    @inlinable
    package static func scanString(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> JSONValueSpan? {
        guard let base = bytes.baseAddress else { return nil }
        let count = bytes.count
        var i = start + 1
        var hasEscapes = false
        while i < count {
            i = unsafe skipPlainStringBytes(base, i, count)
            guard i < count else { return nil }
            let byte = unsafe base.load(fromByteOffset: i, as: UInt8.self)
            if byte == ASCII.quote {
                return JSONValueSpan(range: start + 1..<i, isString: true, hasEscapes: hasEscapes)
            } else if byte == ASCII.backslash {
                hasEscapes = true
                i += 2  // the escaped byte is never a terminator; \uXXXX is checked when unescaping
            } else if byte < 0x20 {
                return nil
            } else {
                i += 1
            }
        }
        return nil
    }

    /// Skips whole 8-byte words of `base[start..<end]` that hold no quote, backslash or control
    /// byte (< 0x20). Returns the index of the first such byte in the first word that holds one,
    /// or, if none does, the index where fewer than 8 bytes remain: the caller examines the
    /// byte at the returned index (and the rest of the tail) itself.
    ///
    /// Reads only `base[start..<end]`; the byte tests are `SWAR`'s (the lowest flag is exact).
    @inlinable @inline(__always)
    static func skipPlainStringBytes(_ base: UnsafeRawPointer, _ start: Int, _ end: Int) -> Int {
        var i = start
        while i + 8 <= end {
            let word = UInt64(littleEndian: unsafe base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let hits = SWAR.equalBytes(word, ASCII.quote) | SWAR.equalBytes(word, ASCII.backslash) | SWAR.controlBytes(word)
            if hits != 0 { return i + SWAR.firstFlagged(hits) }
            i += 8
        }
        return i
    }

    /// Scans the value starting at `start`: a string, an object or array (skipped structurally),
    /// or a literal (a number, `true`, `false` or `null`). Callers check the byte after it, so a
    /// literal cut off by the end of the buffer (`12` of `123`) is never taken for a whole one.
    @inlinable @inline(__always)
    package static func scanValue(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> JSONValueSpan? {
        guard start < bytes.count else { return nil }
        switch unsafe bytes[start] {
        case ASCII.quote:
            return unsafe scanString(bytes, start)
        case ASCII.openBrace, ASCII.openBracket:
            guard let end = unsafe skipComposite(bytes, start) else { return nil }
            return JSONValueSpan(range: start..<end, isString: false)
        default:
            guard let end = unsafe scanLiteral(bytes, start) else { return nil }
            return JSONValueSpan(range: start..<end, isString: false)
        }
    }

    /// The index after `true`, `false` or `null` at `start`, else `nil`.
    ///
    /// Four bytes compared as one word (`false` and a fifth): these words are in most slog
    /// records (`"replay":false`, `"result":null`), and iterating the list of words retained
    /// each of them per call.
    @usableFromInline
    package static func wordEnd(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        guard start >= 0, bytes.count - start >= 4 else { return nil }
        let word = unsafe UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: start, as: UInt32.self))
        if word == Self.trueWord || word == Self.nullWord { return start + 4 }
        if word == Self.falsWord, bytes.count - start >= 5, unsafe bytes[start + 4] == UInt8(ascii: "e") { return start + 5 }
        return nil
    }

    /// `true`, `null` and the first four bytes of `false`, as little-endian words.
    private static var trueWord: UInt32 { 0x6575_7274 }
    private static var nullWord: UInt32 { 0x6C6C_756E }
    private static var falsWord: UInt32 { 0x736C_6166 }

    /// The end of the number, `true`, `false` or `null` starting at `start`, or `nil` if there
    /// is none. Numbers follow the JSON grammar `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`.
    @usableFromInline
    static func scanLiteral(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        let first = unsafe bytes[start]
        guard first == ASCII.minus || isDigit(first) else { return unsafe wordEnd(bytes, start) }
        var i = start
        if unsafe bytes[i] == ASCII.minus { i += 1 }
        guard i < bytes.count, unsafe isDigit(bytes[i]) else { return nil }
        if unsafe bytes[i] == ASCII.zero {
            i += 1
        } else {
            i = unsafe skipDigits(bytes, i)
        }
        if i < bytes.count, unsafe bytes[i] == UInt8(ascii: ".") {
            let digits = i + 1
            i = unsafe skipDigits(bytes, digits)
            guard i > digits else { return nil }
        }
        if i < bytes.count, unsafe bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < bytes.count, unsafe bytes[i] == UInt8(ascii: "+") || bytes[i] == ASCII.minus { i += 1 }
            let digits = i
            i = unsafe skipDigits(bytes, digits)
            guard i > digits else { return nil }
        }
        return i
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= ASCII.zero && byte <= ASCII.nine
    }

    /// The first index at or after `start` that is not a decimal digit.
    ///
    /// Eight bytes at a time while they are all digits (SWAR: for ASCII bytes `x`,
    /// `x + (0x80 - n)` has bit 7 set exactly when `x >= n`), then byte by byte.
    @inline(__always)
    static func skipDigits(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int {
        var i = start
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while i + 8 <= bytes.count {
            let word = unsafe UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            guard word & highs == 0 else { break }
            let atLeastZero = (word &+ ones &* (0x80 - 0x30)) & highs
            let pastNine = (word &+ ones &* (0x80 - 0x3A)) & highs
            let digits = atLeastZero & ~pastNine
            guard digits == highs else {
                // The first byte that is not a digit ends the run.
                return i + (~digits & highs).trailingZeroBitCount >> 3
            }
            i += 8
        }
        while i < bytes.count, unsafe isDigit(bytes[i]) { i += 1 }
        return i
    }

    /// The index just past the object or array that opens at `start`, or `nil` if it is not
    /// closed, its brackets do not match, or a string inside is not terminated.
    ///
    /// Depth is a counter, not recursion. Which bracket opened each level is kept as one bit per
    /// level: in a register for the first 64 levels, then in an array allocated only for deeper
    /// nesting.
    @usableFromInline
    static func skipComposite(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        var depth = 0
        var shallowKinds: UInt64 = 0  // bit d set: level d was opened by `[`
        var deepKinds: [UInt64] = []  // levels 64 and beyond, same encoding
        guard let base = bytes.baseAddress else { return nil }
        var i = start
        while i < bytes.count {
            // Whole words of bytes that are none of `"` `{` `}` `[` `]` are skipped at once.
            i = unsafe skipNonStructuralBytes(base, i, bytes.count)
            guard i < bytes.count else { return nil }
            let byte = unsafe bytes[i]
            switch byte {
            case ASCII.quote:
                guard let string = unsafe scanString(bytes, i) else { return nil }
                i = string.range.upperBound + 1
                continue
            case ASCII.openBrace, ASCII.openBracket:
                let isArray: UInt64 = byte == ASCII.openBracket ? 1 : 0
                if depth < 64 {
                    shallowKinds = (shallowKinds & ~(1 << UInt64(depth))) | (isArray << UInt64(depth))
                } else {
                    let word = (depth - 64) >> 6
                    let bit = UInt64((depth - 64) & 63)
                    if word == deepKinds.count { deepKinds.append(0) }
                    deepKinds[word] = (deepKinds[word] & ~(1 << bit)) | (isArray << bit)
                }
                depth += 1
            case ASCII.closeBrace, ASCII.closeBracket:
                guard depth > 0 else { return nil }
                depth -= 1
                let openedByBracket: Bool
                if depth < 64 {
                    openedByBracket = (shallowKinds >> UInt64(depth)) & 1 == 1
                } else {
                    openedByBracket = (deepKinds[(depth - 64) >> 6] >> UInt64((depth - 64) & 63)) & 1 == 1
                }
                guard openedByBracket == (byte == ASCII.closeBracket) else { return nil }
                if depth == 0 { return i + 1 }
            default:
                break
            }
            i += 1
        }
        return nil
    }

    /// Like `skipPlainStringBytes`, for the bytes `skipComposite` must look at: quote and the four
    /// brackets (`[` and `]` differ from `{` and `}` only in bit 5, so one test per pair).
    @inline(__always)
    static func skipNonStructuralBytes(_ base: UnsafeRawPointer, _ start: Int, _ end: Int) -> Int {
        var i = start
        while i + 8 <= end {
            let word = UInt64(littleEndian: unsafe base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let folded = word | 0x2020_2020_2020_2020
            let hits = SWAR.equalBytes(word, ASCII.quote) | SWAR.equalBytes(folded, ASCII.openBrace)
                | SWAR.equalBytes(folded, ASCII.closeBrace)
            if hits != 0 { return i + SWAR.firstFlagged(hits) }
            i += 8
        }
        return i
    }

    /// Parses a run of decimal digits without a leading zero (a lone `0` is fine).
    private static func parseDigits(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> UInt64? {
        guard !range.isEmpty else { return nil }
        if unsafe bytes[range.lowerBound] == ASCII.zero && range.count > 1 { return nil }
        var value: UInt64 = 0
        for i in range {
            let byte = unsafe bytes[i]
            guard byte >= ASCII.zero && byte <= ASCII.nine else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - ASCII.zero))
            guard !overflow1 && !overflow2 else { return nil }
            value = sum
        }
        return value
    }

    /// Whether the key string at `keySpan` is `key`, unescaping on the fly without allocating.
    static func keyEquals(_ keySpan: JSONValueSpan, _ key: [UInt8], in bytes: UnsafeRawBufferPointer) -> Bool {
        if !keySpan.hasEscapes {
            guard keySpan.range.count == key.count else { return false }
            var k = 0
            for i in keySpan.range {
                if unsafe bytes[i] != key[k] { return false }
                k += 1
            }
            return true
        }
        var decoder = unsafe UnescapingIterator(bytes: bytes, range: keySpan.range)
        var k = 0
        while let byte = unsafe decoder.next() {
            guard k < key.count, byte == key[k] else { return false }
            k += 1
        }
        return unsafe !decoder.failed && k == key.count
    }
}

// MARK: - Unescaping

/// Yields the unescaped UTF-8 bytes of a JSON string's contents, one at a time, without
/// allocating. On an invalid escape it stops and sets `failed`.
@unsafe struct UnescapingIterator: IteratorProtocol {
    private let bytes: UnsafeRawBufferPointer
    private var index: Int
    private let end: Int
    /// Encoded bytes of the current `\u` escape not yet returned (up to 4), low byte first.
    private var pending: UInt32 = 0
    private var pendingCount = 0
    /// Set when an invalid escape was met; `next()` then returns `nil`.
    private(set) var failed = false

    init(bytes: UnsafeRawBufferPointer, range: Range<Int>) {
        unsafe self.bytes = unsafe bytes
        unsafe self.index = range.lowerBound
        unsafe self.end = range.upperBound
    }

    mutating func next() -> UInt8? {
        if unsafe pendingCount > 0 {
            let byte = unsafe UInt8(truncatingIfNeeded: pending)
            unsafe pending >>= 8
            unsafe pendingCount -= 1
            return byte
        }
        guard unsafe index < end, unsafe !failed else { return nil }
        let byte = unsafe bytes[index]
        guard byte == JSONScan.ASCII.backslash else {
            unsafe index += 1
            return byte
        }
        guard unsafe index + 1 < end else { return unsafe fail() }
        let escaped = unsafe bytes[index + 1]
        unsafe index += 2
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return escaped
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "u"):
            guard let unit = unsafe readHex4() else { return unsafe fail() }
            var scalar = UInt32(unit)
            if (0xD800...0xDBFF).contains(unit) {
                // A high surrogate: join it with a following \uDC00-\uDFFF, else it is lone.
                if unsafe index + 6 <= end, unsafe bytes[index] == JSONScan.ASCII.backslash, unsafe bytes[index + 1] == UInt8(ascii: "u") {
                    let saved = unsafe index
                    unsafe index += 2
                    if let low = unsafe readHex4(), (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    } else {
                        unsafe index = saved
                        scalar = 0xFFFD
                    }
                } else {
                    scalar = 0xFFFD
                }
            } else if (0xDC00...0xDFFF).contains(unit) {
                scalar = 0xFFFD
            }
            return unsafe startScalar(scalar)
        default:
            return unsafe fail()
        }
    }

    private mutating func fail() -> UInt8? {
        unsafe failed = true
        return nil
    }

    /// Reads four hex digits at `index`, advancing past them.
    private mutating func readHex4() -> UInt16? {
        guard let value: UInt16 = unsafe Hex.value(bytes, at: index, count: 4) else { return nil }
        unsafe index += 4
        return value
    }

    /// Returns the first UTF-8 byte of `scalar` and queues the rest in `pending`.
    private mutating func startScalar(_ scalar: UInt32) -> UInt8 {
        let low6 = 0x80 | (scalar & 0x3F)
        let mid6 = 0x80 | ((scalar >> 6) & 0x3F)
        let high6 = 0x80 | ((scalar >> 12) & 0x3F)
        switch scalar {
        case 0..<0x80:
            return UInt8(scalar)
        case 0x80..<0x800:
            unsafe (pending, pendingCount) = (low6, 1)
            return UInt8(0xC0 | (scalar >> 6))
        case 0x800..<0x10000:
            unsafe (pending, pendingCount) = (mid6 | low6 << 8, 2)
            return UInt8(0xE0 | (scalar >> 12))
        default:
            unsafe (pending, pendingCount) = (high6 | mid6 << 8 | low6 << 16, 3)
            return UInt8(0xF0 | (scalar >> 18))
        }
    }
}
