extension CanonicalJSON {
    /// Validates one JSON value completely and says whether its bytes are already its canonical
    /// text, without writing anything: the read-only half of ``CanonicalJSON``.
    ///
    /// Accepts exactly what ``CanonicalJSON`` accepts (RFC 8259; strings are not checked for
    /// UTF-8, as there). `canonical` is conservative, with the same rules as ``CanonicalJSON``'s
    /// own fast path: `true` only for values with no whitespace, strings without `\/` or `\u`
    /// escapes, numbers that are their own JavaScript spelling by the cheap tests (integers of
    /// at most 15 digits, short plain decimals), and object members in key order. `true` means
    /// the bytes *are* the canonical text; `false` only that they may not be.
    ///
    /// Strings are skipped eight bytes at a time (`JSONScan.skipPlainStringBytes`): they are
    /// most of a slog record's bytes.
    ///
    /// No recursion: open containers are kept on an explicit stack, reused from call to call.
    ///
    /// - Complexity: O(n) in the value's bytes.
    package struct Check {
        /// An open container: whether it is an object, and the range of its last key (quotes
        /// included), for the order check.
        private struct Open {
            var isObject: Bool
            var lastKey: Range<Int>
        }

        private var stack: [Open] = []
        /// Only for its number helpers (stateless).
        private let spelling = CanonicalJSON()

        package init() {}

        /// The end of the JSON value at `start` of `bytes` and whether its bytes are canonical;
        /// `nil` if there is no valid JSON value there. Bytes after the value are not examined
        /// (except to end a number or a word).
        ///
        /// - Parameter spelling: `false` when only validity matters (a value the caller drops):
        ///   numbers are then not tested for their spelling, and `canonical` means nothing.
        package mutating func value(_ bytes: UnsafeRawBufferPointer, at start: Int, spelling: Bool = true) -> (end: Int, canonical: Bool)? {
            guard let base = bytes.baseAddress else { return nil }
            let end = bytes.count
            var canonical = spelling
            if !stack.isEmpty { stack.removeAll(keepingCapacity: true) }
            // The innermost open container lives in these locals (`depth` of them are open); the
            // ones around it are on `stack`, touched only when a container opens or closes.
            var depth = 0
            var topIsObject = false
            var topLastKey = 0..<0
            var i = start
            while true {
                // A value is expected at `i`.
                guard i < end else { return nil }
                let byte = unsafe base.load(fromByteOffset: i, as: UInt8.self)
                switch byte {
                case Byte.quote:
                    guard let next = unsafe Self.stringEnd(base, i, end, &canonical) else { return nil }
                    i = next
                case Byte.openBrace, Byte.openBracket:
                    let isObject = byte == Byte.openBrace
                    i = unsafe skipWhitespace(bytes, i + 1, &canonical)
                    guard i < end else { return nil }
                    if unsafe base.load(fromByteOffset: i, as: UInt8.self) == (isObject ? Byte.closeBrace : Byte.closeBracket) {
                        i += 1
                        break
                    }
                    if depth > 0 { stack.append(Open(isObject: topIsObject, lastKey: topLastKey)) }
                    depth += 1
                    topIsObject = isObject
                    topLastKey = 0..<0
                    if isObject {
                        guard let next = unsafe key(bytes, base, i, &topLastKey, &canonical) else { return nil }
                        i = next
                    }
                    continue
                case Byte.minus, Byte.zero...Byte.nine:
                    guard let next = unsafe number(bytes, i, &canonical) else { return nil }
                    i = next
                case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                    guard let next = unsafe JSONScan.wordEnd(bytes, i) else { return nil }
                    i = next
                default:
                    return nil
                }
                // After a value: the end of the value asked for, or a separator or closing
                // bracket of the innermost open container.
                while true {
                    guard depth > 0 else { return (i, canonical) }
                    i = unsafe skipWhitespace(bytes, i, &canonical)
                    guard i < end else { return nil }
                    let next = unsafe base.load(fromByteOffset: i, as: UInt8.self)
                    if next == Byte.comma {
                        i = unsafe skipWhitespace(bytes, i + 1, &canonical)
                        if topIsObject {
                            guard let afterKey = unsafe key(bytes, base, i, &topLastKey, &canonical) else { return nil }
                            i = afterKey
                        }
                        break
                    }
                    guard next == (topIsObject ? Byte.closeBrace : Byte.closeBracket) else { return nil }
                    depth -= 1
                    if depth > 0 {
                        let outer = stack.removeLast()
                        topIsObject = outer.isObject
                        topLastKey = outer.lastKey
                    }
                    i += 1
                }
            }
        }

        /// Reads `"key" ws : ws` at `start` inside the innermost (object) container, checking
        /// its order against the previous key (`lastKey`, then this one); returns the index of
        /// the value.
        private func key(
            _ bytes: UnsafeRawBufferPointer, _ base: UnsafeRawPointer, _ start: Int, _ lastKey: inout Range<Int>, _ canonical: inout Bool
        ) -> Int? {
            let end = bytes.count
            guard start < end, unsafe base.load(fromByteOffset: start, as: UInt8.self) == Byte.quote else { return nil }
            var keyCanonical = true
            guard let keyEnd = unsafe Self.stringEnd(base, start, end, &keyCanonical) else { return nil }
            if keyCanonical {
                if !lastKey.isEmpty, unsafe CanonicalJSON.compareKeys(bytes, lastKey, start..<keyEnd) > 0 { canonical = false }
                lastKey = start..<keyEnd
            } else {
                canonical = false
            }
            var i = unsafe skipWhitespace(bytes, keyEnd, &canonical)
            guard i < end, unsafe base.load(fromByteOffset: i, as: UInt8.self) == Byte.colon else { return nil }
            i = unsafe skipWhitespace(bytes, i + 1, &canonical)
            return i
        }

        /// The index after the string whose opening quote is at `start`, or `nil` if it is not
        /// terminated or holds a raw control byte or an invalid escape. Clears `canonical` for
        /// `\/` and `\u` escapes (the canonical text spells those characters otherwise, or
        /// with lowercase digits: left to ``CanonicalJSON``).
        static func stringEnd(_ base: UnsafeRawPointer, _ start: Int, _ end: Int, _ canonical: inout Bool) -> Int? {
            var i = start + 1
            while true {
                i = unsafe JSONScan.skipPlainStringBytes(base, i, end)
                guard i < end else { return nil }
                let byte = unsafe base.load(fromByteOffset: i, as: UInt8.self)
                if byte == Byte.quote { return i + 1 }
                if byte == Byte.backslash {
                    guard i + 1 < end else { return nil }
                    switch unsafe base.load(fromByteOffset: i + 1, as: UInt8.self) {
                    case Byte.quote, Byte.backslash, UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                        UInt8(ascii: "r"), UInt8(ascii: "t"):
                        i += 2
                    case UInt8(ascii: "/"):
                        canonical = false
                        i += 2
                    case UInt8(ascii: "u"):
                        guard i + 6 <= end else { return nil }
                        for k in i + 2..<i + 6 where unsafe Hex.digit(base.load(fromByteOffset: k, as: UInt8.self)) == nil {
                            return nil
                        }
                        canonical = false
                        i += 6
                    default:
                        return nil
                    }
                    continue
                }
                if byte < 0x20 { return nil }
                i += 1  // a plain byte among the last seven
            }
        }

        /// The index after the number at `start` (JSON grammar, as ``CanonicalJSON``), or
        /// `nil`; clears `canonical` unless its bytes are its canonical spelling.
        private func number(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ canonical: inout Bool) -> Int? {
            guard let end = unsafe JSONScan.scanLiteral(bytes, start) else { return nil }
            // Plain integers of at most 15 digits, not `-0`, are printed as written (most
            // slog numbers); the rest by the same test as `CanonicalJSON`'s fast path.
            var plain = canonical && end - start <= 15
            if plain {
                for k in start..<end {
                    let byte = unsafe bytes[k]
                    if byte < Byte.zero || byte > Byte.nine {
                        plain = false
                        break
                    }
                }
            }
            if !plain, canonical, unsafe spelling.canonicalNumberEnd(bytes, start) != end { canonical = false }
            return end
        }

        /// Skips JSON whitespace from `start`; clears `canonical` if there is any.
        private func skipWhitespace(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ canonical: inout Bool) -> Int {
            guard start < bytes.count else { return start }
            switch unsafe bytes[start] {
            case 0x20, 0x09, 0x0A, 0x0D:
                canonical = false
                return unsafe JSONScan.skipWhitespace(bytes, start)
            default:
                return start
            }
        }
    }
}
