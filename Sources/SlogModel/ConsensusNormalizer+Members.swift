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
        canonicalizer.recordMembers.removeAll(keepingCapacity: true)
        canonicalizer.membersInResult = false
        if let excluded = unsafe fastMembers(bytes, &canonicalizer) {
            return excluded ? .excluded : .record
        }
        canonicalizer.recordMembers.removeAll(keepingCapacity: true)
        canonicalizer.membersInResult = true
        return unsafe canonical(bytes, using: &canonicalizer)
    }

    /// Step 1 of ``canonicalMembers(_:using:)``: whether the record is excluded, with its kept
    /// members in `recordMembers`; `nil` when ``canonical(_:using:)`` must decide.
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
        let fields = canonicalizer.fields
        var excluded = false
        while true {
            // "key" : value, where only a member without whitespace inside is kept as it is.
            guard i < end, byte(i) == JSONScan.ASCII.quote else { return nil }
            let keyStart = i
            var keyCanonical = true
            guard let keyEnd = unsafe CanonicalJSON.Check.stringEnd(base, i, end, &keyCanonical), keyCanonical else { return nil }
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
            guard let (valueEnd, canonical) = unsafe canonicalizer.check.value(bytes, at: valueStart) else { return nil }
            let key = unsafe UnsafeRawBufferPointer(rebasing: bytes[keyStart + 1..<keyEnd - 1])
            // `ConsensusPolicy.member`, which sees every member (dropped ones too), on
            // canonical text.
            if key.count == 4, unsafe key.elementsEqual(typeName) {
                guard canonical else { return nil }
                if valueEnd - valueStart >= 2, byte(valueStart) == JSONScan.ASCII.quote,
                    unsafe fields.isExcluded(type: UnsafeRawBufferPointer(rebasing: bytes[valueStart + 1..<valueEnd - 1]))
                {
                    excluded = true
                }
            } else if fields.excludesReplay, key.count == 6, unsafe key.elementsEqual(replayName) {
                guard canonical else { return nil }
                if valueEnd - valueStart == 4, unsafe UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]).elementsEqual(trueText) {
                    excluded = true
                }
            }
            // `ConsensusPolicy.rule`: dropped, kept without nested members, or kept.
            if unsafe !fields.isNondeterministic(key: key) {
                guard canonical, tight else { return nil }
                for rule in canonicalizer.nestedMarks where unsafe key.elementsEqual(rule.key) {
                    // Nothing to remove if no member the rule names occurs anywhere in it.
                    guard let marks = rule.marks else { return nil }
                    for mark in marks where unsafe contains(UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd]), mark) {
                        return nil
                    }
                }
                canonicalizer.recordMembers.append(keyStart..<valueEnd)
            }
            i = unsafe JSONScan.skipWhitespace(bytes, valueEnd)
            guard i < end else { return nil }
            if byte(i) == JSONScan.ASCII.comma {
                i = unsafe JSONScan.skipWhitespace(bytes, i + 1)
                continue
            }
            guard byte(i) == JSONScan.ASCII.closeBrace else { return nil }
            return unsafe JSONScan.skipWhitespace(bytes, i + 1) == end ? excluded : nil
        }
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

extension ConsensusNormalizer.Canonicalizer {
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
            for range in recordMembers { unsafe body(UnsafeRawBufferPointer(rebasing: bytes[range])) }
        }
    }
}
