extension ConsensusNormalizer {
    /// The record's consensus members in canonical spelling, one by one, for a caller that
    /// combines them order-independently (slog-diff's digests): the same outcome, and the same
    /// members with the same bytes, as ``canonical(_:using:)`` with `sortsTopLevel: false`,
    /// without copying a member whose bytes are canonical already.
    ///
    /// 1. Fast path, one pass over the record: validate every member completely
    ///    (``CanonicalJSON/Check``), drop the nondeterministic ones, apply the policy's
    ///    `type`/`replay` exclusions, and keep each other member as a range of `bytes`, from its
    ///    key's opening quote to the end of its value.
    /// 2. Anything the fast path does not vouch for sends the whole record to
    ///    ``canonical(_:using:)``, which decides (and writes the canonical members): a kept
    ///    member not spelled canonically (whitespace, `\u` escapes, number spellings, nested
    ///    members out of order), a `type` or `replay` member not canonical, a key with `\/` or
    ///    `\u`, a nested rule's value that may hold a member the rule removes, and anything that
    ///    is not valid JSON (so damage is always judged by ``CanonicalJSON``).
    ///
    /// So formatting never counts, as with ``canonical(_:using:)``: only the cost differs. The
    /// node's `JSON.stringify` writes canonical members nearly always.
    ///
    /// - Parameters:
    ///   - bytes: One record, without its newline.
    ///   - canonicalizer: Made with `sortsTopLevel: false`.
    /// - Returns: As ``canonical(_:using:)``; for ``Canonical/record``, the members are listed by
    ///   ``Canonicalizer/forEachCanonicalMember(of:_:)`` with the same `bytes`.
    /// - Precondition: `canonicalizer` does not sort the top level.
    /// - Complexity: O(n) in the record's length.
    package static func canonicalMembers(_ bytes: UnsafeRawBufferPointer, using canonicalizer: inout Canonicalizer) -> Canonical {
        precondition(!canonicalizer.json.sortsTopLevel, "canonicalMembers needs a canonicalizer made with sortsTopLevel: false")
        canonicalizer.topLevel.removeAll(keepingCapacity: true)
        unsafe canonicalizer.indexedMembers.withUnsafeMutableBufferPointer { unsafe $0.update(repeating: -1) }
        canonicalizer.membersInResult = false
        canonicalizer.indexesTopLevel = false
        if let excluded = unsafe fastMembers(bytes, &canonicalizer) {
            canonicalizer.indexesTopLevel = true
            return excluded ? .excluded : .record
        }
        canonicalizer.membersInResult = true
        return unsafe canonical(bytes, using: &canonicalizer)
    }

    /// Step 1 of ``canonicalMembers(_:using:)``: whether the record is excluded, with its kept
    /// members marked `kept` in `topLevel`; `nil` when ``canonical(_:using:)`` must decide.
    private static func fastMembers(_ bytes: UnsafeRawBufferPointer, _ canonicalizer: inout Canonicalizer) -> Bool? {
        guard let base = bytes.baseAddress else { return nil }
        let end = bytes.count
        func byte(_ index: Int) -> UInt8 { unsafe base.load(fromByteOffset: index, as: UInt8.self) }
        func isSpace(_ index: Int) -> Bool {
            guard index < end else { return false }
            switch byte(index) {
            case 0x20, 0x09, 0x0A, 0x0D: return true
            default: return false
            }
        }
        var i = unsafe JSONScan.skipWhitespace(bytes, 0)
        guard i < end, byte(i) == JSONScan.ASCII.openBrace else { return nil }
        i = unsafe JSONScan.skipWhitespace(bytes, i + 1)
        guard i < end else { return nil }
        if byte(i) == JSONScan.ASCII.closeBrace { return unsafe JSONScan.skipWhitespace(bytes, i + 1) == end ? false : nil }
        var excluded = false

        while true {
            // "key" : value, where only a member without whitespace inside is kept as it is.
            guard i < end, byte(i) == JSONScan.ASCII.quote else { return nil }
            let keyStart = i
            let keyEnd: Int
            let rule: KeyRule
            if let short = unsafe shortKey(base, at: i, end: end) {
                // The usual key: its end and its rule from the one or two words read.
                keyEnd = short.end
                rule = unsafe canonicalizer.rule(length: short.end - i - 2, head: short.head, tail: short.tail, range: i + 1..<short.end - 1, in: bytes)
            } else {
                var keyCanonical = true
                guard let end = unsafe CanonicalJSON.Check.stringEnd(base, i, end, &keyCanonical), keyCanonical else { return nil }
                keyEnd = end
                rule = unsafe canonicalizer.rule(forKey: keyStart + 1..<keyEnd - 1, in: bytes)
            }
            var tight = true
            i = keyEnd
            if isSpace(i) {
                tight = false
                i = unsafe JSONScan.skipWhitespace(bytes, i)
            }
            guard i < end, byte(i) == JSONScan.ASCII.colon else { return nil }
            i += 1
            if isSpace(i) {
                tight = false
                i = unsafe JSONScan.skipWhitespace(bytes, i)
            }
            let valueStart = i
            // A dropped value is only validated, unless the policy reads it.
            let spelling = rule.kind != .drop || rule.isType || rule.isReplay
            let valueEnd: Int
            var canonical = spelling
            switch byte(valueStart) {
            case JSONScan.ASCII.quote:
                // Strings, numbers and words directly (what `Check.value` does for them).
                guard let end = unsafe CanonicalJSON.Check.stringEnd(base, valueStart, end, &canonical) else { return nil }
                valueEnd = end
            case UInt8(ascii: "1")...UInt8(ascii: "9"):
                guard let number = unsafe plainNumber(base, at: valueStart, end: end, spelling: spelling) else { fallthrough }
                valueEnd = number
            default:
                guard let (end, valueCanonical) = unsafe canonicalizer.check.value(bytes, at: valueStart, spelling: spelling) else { return nil }
                valueEnd = end
                canonical = valueCanonical
            }
            // `ConsensusPolicy.member`, which sees every member (dropped ones too), on
            // canonical text.
            if rule.isType {
                guard canonical else { return nil }
                if valueEnd - valueStart >= 2, byte(valueStart) == JSONScan.ASCII.quote,
                    unsafe canonicalizer.fields.isExcluded(type: UnsafeRawBufferPointer(rebasing: bytes[valueStart + 1..<valueEnd - 1]))
                {
                    excluded = true
                }
            } else if rule.isReplay {
                guard canonical else { return nil }
                if valueEnd - valueStart == 4, unsafe UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]).elementsEqual(trueText) {
                    excluded = true
                }
            }
            // `ConsensusPolicy.rule`: dropped, kept without nested members, or kept.
            switch rule.kind {
            case .drop:
                break
            case .keep:
                guard canonical, tight else { return nil }
            case .nested:
                guard canonical, tight, let marks = canonicalizer.nestedMarks[Int(rule.nested)].marks else { return nil }
                // Nothing to remove if no member the rule names occurs anywhere in it.
                for mark in marks where unsafe contains(UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]), mark) {
                    return nil
                }
            }
            canonicalizer.topLevel.append(TopLevelMember(key: keyStart + 1..<keyEnd - 1, value: valueStart..<valueEnd, kept: rule.kind != .drop))
            if rule.slot >= 0, canonicalizer.indexedMembers[Int(rule.slot)] < 0 {
                canonicalizer.indexedMembers[Int(rule.slot)] = canonicalizer.topLevel.count - 1
            }
            i = valueEnd
            if isSpace(i) { i = unsafe JSONScan.skipWhitespace(bytes, i) }
            guard i < end else { return nil }
            if byte(i) == JSONScan.ASCII.comma {
                i += 1
                if isSpace(i) { i = unsafe JSONScan.skipWhitespace(bytes, i) }
                continue
            }
            guard byte(i) == JSONScan.ASCII.closeBrace else { return nil }
            return unsafe JSONScan.skipWhitespace(bytes, i + 1) == end ? excluded : nil
        }
    }

    /// The key whose opening quote is at `start`, when it is at most 15 bytes without escapes or
    /// control bytes (nearly every slog key) and 16 bytes follow the quote: the index after its
    /// closing quote and the words ``Canonicalizer/rule(length:head:tail:range:in:)`` takes.
    /// `nil`: let ``CanonicalJSON/Check/stringEnd(_:_:_:_:)`` read it.
    @inline(__always)
    private static func shortKey(_ base: UnsafeRawPointer, at start: Int, end: Int) -> (end: Int, head: UInt64, tail: UInt64)? {
        guard start + 17 <= end else { return nil }
        let first = unsafe UInt64(littleEndian: base.loadUnaligned(fromByteOffset: start + 1, as: UInt64.self))
        let firstHits = stopBytes(first)
        if firstHits != 0 {
            let length = SWAR.firstFlagged(firstHits)
            guard unsafe base.load(fromByteOffset: start + 1 + length, as: UInt8.self) == JSONScan.ASCII.quote else { return nil }
            return (start + length + 2, length == 0 ? 0 : first & ((1 << UInt64(length * 8)) &- 1), 0)
        }
        let second = unsafe UInt64(littleEndian: base.loadUnaligned(fromByteOffset: start + 9, as: UInt64.self))
        let secondHits = stopBytes(second)
        guard secondHits != 0 else { return nil }
        let length = 8 + SWAR.firstFlagged(secondHits)
        guard unsafe base.load(fromByteOffset: start + 1 + length, as: UInt8.self) == JSONScan.ASCII.quote else { return nil }
        let tail = unsafe UInt64(littleEndian: base.loadUnaligned(fromByteOffset: start + 1 + length - 8, as: UInt64.self))
        return (start + length + 2, first, tail)
    }

    /// Flags a word's quotes, backslashes and control bytes (what ends a plain run of a string).
    @inline(__always)
    private static func stopBytes(_ word: UInt64) -> UInt64 {
        SWAR.equalBytes(word, JSONScan.ASCII.quote) | SWAR.equalBytes(word, JSONScan.ASCII.backslash) | SWAR.controlBytes(word)
    }

    /// The end of the number at `start` (its first byte 1-9) when it is digits, or digits `.`
    /// digits where its spelling does not matter: what ``CanonicalJSON/Check`` finds for it,
    /// and canonical when `spelling` (at most 15 digits, no fraction). `nil`: anything else (an
    /// exponent, a fraction whose spelling counts, a long integer), for `Check` to judge.
    @inline(__always)
    private static func plainNumber(_ base: UnsafeRawPointer, at start: Int, end: Int, spelling: Bool) -> Int? {
        let bytes = unsafe UnsafeRawBufferPointer(start: base, count: end)
        var i = unsafe JSONScan.skipDigits(bytes, start + 1)
        if i < end {
            let next = unsafe base.load(fromByteOffset: i, as: UInt8.self)
            if next | 0x20 == UInt8(ascii: "e") { return nil }
            if next == UInt8(ascii: ".") {
                guard !spelling else { return nil }
                let digits = i + 1
                i = unsafe JSONScan.skipDigits(bytes, digits)
                guard i > digits else { return nil }
                if i < end, unsafe base.load(fromByteOffset: i, as: UInt8.self) | 0x20 == UInt8(ascii: "e") { return nil }
                return i
            }
        }
        return spelling && i - start > 15 ? nil : i
    }

    /// Whether `needle` (not empty) occurs in `haystack`.
    private static func contains(_ haystack: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        let count = needle.count
        guard count > 0, haystack.count >= count else { return false }
        let first = needle[0]
        var i = 0
        while i <= haystack.count - count {
            if unsafe haystack[i] == first {
                var k = 1
                while k < count, unsafe haystack[i + k] == needle[k] { k += 1 }
                if k == count { return true }
            }
            i += 1
        }
        return false
    }
}

/// A top-level member the fast path read: its key (between the quotes) and value as in the
/// record, and whether it is a consensus member (not dropped).
struct TopLevelMember {
    var key: Range<Int>
    var value: Range<Int>
    var kept: Bool
    /// `"key":value`, quotes included.
    var text: Range<Int> { key.lowerBound - 1..<value.upperBound }
}

/// What ``ConsensusNormalizer/canonicalMembers(_:using:)`` does with a top-level member, by
/// its key: the policy's rule, and whether the policy reads its value.
struct KeyRule {
    enum Kind: UInt8 { case keep, drop, nested }
    var kind: Kind
    /// Index in `Canonicalizer.nestedMarks` (for `nested`).
    var nested: Int16
    /// The key is `type` (the excluded types), or `replay` when replays are excluded.
    var isType: Bool
    var isReplay: Bool
    /// The key's index in `Canonicalizer.indexedKeys` (-1: not indexed).
    var slot: Int8 = -1
}

extension ConsensusNormalizer.Canonicalizer {
    /// The rule for the top-level key at `range` of `bytes` (canonical text, between the quotes).
    ///
    /// Keys repeat from record to record, so short ones (at most 16 bytes, nearly all) are
    /// remembered in a small open-addressed table, by their length and first and last eight
    /// bytes: exactly their bytes. A key is looked for in `probes` slots from its hash; a new
    /// one takes the first empty slot there, else the first slot (a full table only costs
    /// misses, never a wrong rule).
    @inline(__always)
    mutating func rule(forKey range: Range<Int>, in bytes: UnsafeRawBufferPointer) -> KeyRule {
        let length = range.count
        guard length <= 16, length > 0, range.lowerBound + 8 <= bytes.count else { return unsafe computeRule(range, bytes) }
        var head = unsafe UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt64.self))
        var tail: UInt64 = 0
        if length < 8 {
            head &= (1 << UInt64(length * 8)) &- 1
        } else {
            tail = unsafe UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: range.upperBound - 8, as: UInt64.self))
        }
        return unsafe rule(length: length, head: head, tail: tail, range: range, in: bytes)
    }

    /// ``rule(forKey:in:)`` for a key of `length` (at most 16) bytes at `range`, whose first
    /// eight bytes are `head` (zero past the key) and, if it has more than eight, whose last
    /// eight are `tail` (else zero).
    @inline(__always)
    mutating func rule(length: Int, head: UInt64, tail: UInt64, range: Range<Int>, in bytes: UnsafeRawBufferPointer) -> KeyRule {
        let hash = (head ^ tail.rotatedLeftForRules(by: 29) ^ UInt64(length)) &* 0x9E37_79B9_7F4A_7C15
        let home = Int(truncatingIfNeeded: hash >> (64 - CachedKeyRule.tableBits))
        var empty = -1
        let found: KeyRule? = unsafe keyRules.withUnsafeBufferPointer { table in
            for probe in 0..<CachedKeyRule.probes {
                let slot = (home + probe) & (CachedKeyRule.tableSize - 1)
                let cached = unsafe table[slot]
                if cached.length == length && cached.head == head && cached.tail == tail { return cached.rule }
                if cached.length < 0 && empty < 0 { empty = slot }
            }
            return nil
        }
        if let found { return found }
        let rule = unsafe computeRule(range, bytes)
        keyRules[empty < 0 ? home : empty] = CachedKeyRule(length: length, head: head, tail: tail, rule: rule)
        return rule
    }

    /// The rule, from the policy's tests (`ConsensusPolicy.rule` and `.member`).
    private func computeRule(_ range: Range<Int>, _ bytes: UnsafeRawBufferPointer) -> KeyRule {
        let key = unsafe UnsafeRawBufferPointer(rebasing: bytes[range])
        var rule = KeyRule(kind: .keep, nested: -1, isType: false, isReplay: false)
        rule.isType = unsafe key.count == 4 && key.elementsEqual(ConsensusNormalizer.typeName)
        rule.isReplay = unsafe fields.excludesReplay && key.count == 6 && key.elementsEqual(ConsensusNormalizer.replayName)
        if let slot = indexedKeys.firstIndex(where: { unsafe key.elementsEqual($0) }) { rule.slot = Int8(slot) }
        if unsafe fields.isNondeterministic(key: key) {
            rule.kind = .drop
        } else if let index = nestedMarks.firstIndex(where: { unsafe key.elementsEqual($0.key) }) {
            rule.kind = .nested
            rule.nested = Int16(index)
        }
        return rule
    }

    /// The record's first `type` member (what `JSONScan.value(forKey:in:)` finds), without a search.
    ///
    /// - Precondition: ``indexesTopLevel``.
    package mutating func typeValue(in bytes: UnsafeRawBufferPointer) -> JSONValueSpan? {
        precondition(indexesTopLevel, "typeValue(in:) needs a record read by the fast path")
        return unsafe indexedValue(0, in: bytes)
    }

    /// The record's first `crankNum` member (what `JSONScan.value(forKey:in:)` finds), without
    /// a search.
    ///
    /// - Precondition: ``indexesTopLevel``.
    package mutating func crankNumValue(in bytes: UnsafeRawBufferPointer) -> JSONValueSpan? {
        precondition(indexesTopLevel, "crankNumValue(in:) needs a record read by the fast path")
        return unsafe indexedValue(1, in: bytes)
    }

    /// The record's first member with key `indexedKeys[slot]` (see `init`): what
    /// `JSONScan.value(forKey:in:)` finds, without a search.
    ///
    /// `mutating` (it changes nothing) like the other per-record readers here: a caller that keeps
    /// the canonicalizer in a stored property then reads it in place, where a non-mutating call
    /// copied the whole struct (416 bytes) for every call, three times per record.
    ///
    /// - Precondition: ``indexesTopLevel``.
    package mutating func indexedValue(_ slot: Int, in bytes: UnsafeRawBufferPointer) -> JSONValueSpan? {
        precondition(indexesTopLevel, "indexedValue(_:in:) needs a record read by the fast path")
        let member = indexedMembers[slot]
        return member < 0 ? nil : unsafe span(ofMember: member, in: bytes)
    }

    private func span(ofMember index: Int, in bytes: UnsafeRawBufferPointer) -> JSONValueSpan {
        unsafe span(ofValue: topLevel[index].value, in: bytes)
    }

    /// A value's span as `JSONScan` gives it: a string's bytes between its quotes.
    private func span(ofValue value: Range<Int>, in bytes: UnsafeRawBufferPointer) -> JSONValueSpan {
        guard unsafe bytes[value.lowerBound] == JSONScan.ASCII.quote else { return JSONValueSpan(range: value, isString: false) }
        let inner = value.lowerBound + 1..<value.upperBound - 1
        // A backslash anywhere inside, eight bytes at a time (64-digit hashes are common).
        var hasEscapes = false
        var i = inner.lowerBound
        while i + 8 <= inner.upperBound {
            let word = unsafe UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            if SWAR.equalBytes(word, JSONScan.ASCII.backslash) != 0 { return JSONValueSpan(range: inner, isString: true, hasEscapes: true) }
            i += 8
        }
        while i < inner.upperBound {
            if unsafe bytes[i] == JSONScan.ASCII.backslash {
                hasEscapes = true
                break
            }
            i += 1
        }
        return JSONValueSpan(range: inner, isString: true, hasEscapes: hasEscapes)
    }

    /// Calls `body` with the canonical text (`"key":value`) of each consensus member of the
    /// record ``ConsensusNormalizer/canonicalMembers(_:using:)`` last found a
    /// ``ConsensusNormalizer/Canonical/record``, in the record's order.
    ///
    /// - Parameter bytes: The same record.
    package func forEachCanonicalMember(of bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        if membersInResult {
            let result = unsafe json.result
            json.forEachTopLevelMember { range in unsafe body(UnsafeRawBufferPointer(rebasing: result[range])) }
        } else {
            for member in topLevel where member.kept { unsafe body(UnsafeRawBufferPointer(rebasing: bytes[member.text])) }
        }
    }
}

/// One entry of the key-rule cache: a key of at most 16 bytes, by its length and its first and
/// last eight bytes (zero-padded), and its rule.
struct CachedKeyRule {
    var length: Int
    var head: UInt64
    var tail: UInt64
    var rule: KeyRule

    static let empty = CachedKeyRule(length: -1, head: 0, tail: 0, rule: KeyRule(kind: .keep, nested: -1, isType: false, isReplay: false))
    static let tableBits = 8
    static let tableSize = 1 << tableBits
    static let probes = 4
}

extension UInt64 {
    fileprivate func rotatedLeftForRules(by count: UInt64) -> UInt64 { self << count | self >> (64 - count) }
}
