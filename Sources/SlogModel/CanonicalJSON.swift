/// One spelling for every JSON value, so that equal values compare equal byte for byte.
///
/// Two validators' records can hold the same values written differently: whitespace, escapes
/// (`\/` for `/`, `\u0041` for `A`), number spellings (`1.0`, `1e0`, `10E-1`), member order.
/// The canonical text is:
/// - no whitespace outside strings;
/// - strings escaped as JavaScript's `JSON.stringify` does (``jsonEscaped(_:)``): `\"`, `\\`,
///   `\b` `\f` `\n` `\r` `\t`, other control characters as lowercase `\u00xx`, a lone surrogate
///   as lowercase `\udxxx`, everything else as raw UTF-8 (escaped surrogate pairs are joined);
/// - numbers as JavaScript prints the double they denote (`Number.prototype.toString`: `1`,
///   `0.5`, `1e+21`, `1e-7`; `-0` is `0`; a number too large for a double is `1e999`);
/// - object members sorted by their canonical key text (bytewise; a repeated key keeps its
///   order), elements of arrays in their order.
///
/// Fast path: a string run without escapes is copied in one piece, an integer of at most 15
/// digits is copied as it is, and an object whose keys arrive sorted is not reordered; only
/// what is not canonical already costs more. The input is validated completely (RFC 8259): the
/// result is `false` for anything that is not one JSON value, and `output` is then unspecified.
///
/// No recursion: nesting is kept on an explicit stack, so hostile depth costs heap, not stack.
///
/// - Complexity: O(n) in the bytes, plus O(m log m) key comparisons for an object of m members
///   that arrive out of order.
package struct CanonicalJSON {
    /// What to do with a member of the top-level object.
    package enum MemberRule: Equatable {
        case keep
        /// Leave the member out (it is still validated).
        case drop
        /// Keep it, without the members with these names inside its value: one level into an
        /// object, or into each object element of an array.
        case dropNested([[UInt8]])
    }

    /// Decides about the members of the top-level object.
    package protocol Policy {
        /// The rule for the top-level member whose canonical key text (between the quotes) is
        /// `key`.
        mutating func rule(forKey key: UnsafeRawBufferPointer) -> MemberRule
        /// A top-level member was read: its canonical key text and canonical value text.
        mutating func member(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)
    }

    /// A policy that keeps everything.
    package struct KeepAll: Policy {
        package init() {}
        package func rule(forKey key: UnsafeRawBufferPointer) -> MemberRule { .keep }
        package func member(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {}
    }

    private struct Frame {
        var isObject: Bool
        /// Index in `members` of this object's first member.
        var memberBase: Int
        /// Output index just after the opening bracket.
        var contentStart: Int
        /// Number of members or elements written (kept) so far.
        var kept = 0
        /// Whether the kept keys so far are in order.
        var sorted = true
        /// Whether this object's members named in `nestedNames` are dropped (a nested rule).
        var dropsNames = false
        /// Whether object elements of this array drop the members named in `nestedNames`.
        var elementsDropNames = false
        /// The member being read: kept, dropped, or (top level) kept without nested names.
        var currentRule: Rule = .keep
        /// Output index where the member being read starts (its comma, if any).
        var memberCommaStart = 0
        var memberStart = 0
        var keyEnd = 0
    }

    /// `MemberRule` without its payload (frames hold only plain values: no reference counting).
    private enum Rule { case keep, drop, dropNested }

    /// The names of the current top-level member's nested rule.
    private var nestedNames: [[UInt8]] = []

    /// A member written to the output: its key (quotes included) and its end.
    private struct Member {
        var start: Int
        var keyEnd: Int
        var end: Int
    }

    private var frames: [Frame] = []
    /// The frame whose current member is dropped, while its value is read: the value is only
    /// validated (its numbers are not respelled), since it is removed anyway.
    private var droppingFrame: Int?
    private var members: [Member] = []
    private let buffer = ByteBuffer()

    /// Whether the members of a top-level object are sorted too (the default). Without, they
    /// stay in their order and ``topLevelMembers`` lists them, for a caller that combines them
    /// in an order-independent way (slog-diff's digests): sorting costs more than that.
    package var sortsTopLevel = true

    /// Calls `body` with the range in ``result`` of each member of the top-level object (each
    /// `"key":value`, no comma), when ``sortsTopLevel`` is off.
    package func forEachTopLevelMember(_ body: (Range<Int>) -> Void) {
        guard !sortsTopLevel else { return }
        for member in members { body(member.start..<member.end) }
    }
    private let sortScratch = ByteBuffer()

    package init() {}

    /// Canonical text of the one JSON value `bytes` holds (whitespace around it allowed),
    /// appended to `output`; `false` if the bytes are not one valid JSON value.
    package mutating func append(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) -> Bool {
        var policy = KeepAll()
        return unsafe append(bytes, to: &output, policy: &policy)
    }

    /// The canonical text of `bytes`, or `nil` if they are not one valid JSON value.
    package static func canonical(_ bytes: UnsafeRawBufferPointer) -> [UInt8]? {
        var canonicalizer = CanonicalJSON()
        var output: [UInt8] = []
        return unsafe canonicalizer.append(bytes, to: &output) ? output : nil
    }

    /// Like ``append(_:to:)``, asking `policy` about each member of a top-level object.
    package mutating func append(
        _ bytes: UnsafeRawBufferPointer, to output: inout [UInt8], policy: inout some Policy
    ) -> Bool {
        guard unsafe canonicalize(bytes, policy: &policy) else { return false }
        unsafe output.append(contentsOf: result)
        return true
    }

    /// The canonical text of the last value ``canonicalize(_:policy:)`` accepted; valid until
    /// the next call.
    package var result: UnsafeRawBufferPointer { unsafe buffer.bytes }

    /// Canonicalizes `bytes` into ``result`` (replacing it), asking `policy` about each member
    /// of a top-level object; `false` if the bytes are not one valid JSON value.
    package mutating func canonicalize(_ bytes: UnsafeRawBufferPointer, policy: inout some Policy) -> Bool {
        let output = buffer
        output.removeAll()
        frames.removeAll(keepingCapacity: true)
        members.removeAll(keepingCapacity: true)
        droppingFrame = nil
        let end = bytes.count
        var i = unsafe skipWhitespace(bytes, 0)
        // The state machine: `true` when a value is expected at `i`, `false` after a value.
        var expectValue = true
        while true {
            if expectValue {
                guard i < end else { return false }
                // Fast path for the value of a top-level member: already canonical (and valid)?
                // Then copy it in one piece. Only at this level, so a failure deep inside costs
                // one extra scan, never one per level.
                if frames.count == 1, frames[0].isObject, frames[0].currentRule != .dropNested,
                    let next = unsafe canonicalEnd(bytes, i)
                {
                    unsafe output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<next]))
                    i = next
                    expectValue = false
                    continue
                }
                let byte = unsafe bytes[i]
                switch byte {
                case Byte.openBrace, Byte.openBracket:
                    let isObject = byte == Byte.openBrace
                    output.append(byte)
                    var frame = unsafe Frame(isObject: isObject, memberBase: members.count, contentStart: output.count)
                    if let parent = frames.last {
                        if parent.isObject, parent.currentRule == .dropNested, frames.count == 1 {
                            if isObject { frame.dropsNames = true } else { frame.elementsDropNames = true }
                        } else if !parent.isObject, isObject, parent.elementsDropNames {
                            frame.dropsNames = true
                        }
                    }
                    frames.append(frame)
                    i = unsafe skipWhitespace(bytes, i + 1)
                    guard i < end else { return false }
                    let close = isObject ? Byte.closeBrace : Byte.closeBracket
                    if unsafe bytes[i] == close {
                        output.append(close)
                        frames.removeLast()
                        i += 1
                        expectValue = false
                        continue
                    }
                    if isObject {
                        guard unsafe readKey(bytes, &i, to: output, policy: &policy) else { return false }
                    }
                    continue
                case Byte.quote:
                    guard let next = unsafe appendString(bytes, i, to: output) else { return false }
                    i = next
                case Byte.minus, Byte.zero...Byte.nine:
                    guard let next = unsafe appendNumber(bytes, i, to: output) else { return false }
                    i = next
                case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                    guard let next = unsafe appendWord(bytes, i, to: output) else { return false }
                    i = next
                default:
                    return false
                }
                expectValue = false
                continue
            }
            // After a value: end of input, or a separator or closing bracket of the frame.
            i = unsafe skipWhitespace(bytes, i)
            guard !frames.isEmpty else { return i == end }
            let top = frames.count - 1
            if frames[top].isObject {
                finishMember(top, output: output, policy: &policy)
            } else {
                frames[top].kept += 1
            }
            guard i < end else { return false }
            let byte = unsafe bytes[i]
            if byte == Byte.comma {
                i = unsafe skipWhitespace(bytes, i + 1)
                if frames[top].isObject {
                    guard unsafe readKey(bytes, &i, to: output, policy: &policy) else { return false }
                } else {
                    output.append(Byte.comma)
                }
                expectValue = true
                continue
            }
            guard byte == (frames[top].isObject ? Byte.closeBrace : Byte.closeBracket) else { return false }
            let keepsOrder = top == 0 && !sortsTopLevel
            if frames[top].isObject, !frames[top].sorted, !keepsOrder { sortMembers(frames[top], output) }
            if frames[top].isObject, !keepsOrder { members.removeSubrange(frames[top].memberBase...) }
            output.append(byte)
            frames.removeLast()
            i += 1
        }
    }

    /// Open containers of the fast path's check: whether each is an object, and the range of
    /// its last key (quotes included).
    private var checkStack: [(isObject: Bool, lastKey: Range<Int>)] = []

    /// The end of the value at `start` if it is valid JSON already in canonical form (no
    /// whitespace, strings and numbers spelled canonically, members in order), else `nil`.
    private mutating func canonicalEnd(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        checkStack.removeAll(keepingCapacity: true)
        let end = bytes.count
        var i = start
        var expectValue = true
        while true {
            if expectValue {
                guard i < end else { return nil }
                switch unsafe bytes[i] {
                case Byte.openBrace:
                    i += 1
                    guard i < end else { return nil }
                    if unsafe bytes[i] == Byte.closeBrace {
                        i += 1
                        expectValue = false
                        break
                    }
                    checkStack.append((true, 0..<0))
                    guard let next = unsafe checkedKey(bytes, i) else { return nil }
                    i = next
                    continue
                case Byte.openBracket:
                    i += 1
                    guard i < end else { return nil }
                    if unsafe bytes[i] == Byte.closeBracket {
                        i += 1
                        expectValue = false
                        break
                    }
                    checkStack.append((false, 0..<0))
                    continue
                case Byte.quote:
                    guard let next = unsafe canonicalStringEnd(bytes, i) else { return nil }
                    i = next
                case Byte.minus, Byte.zero...Byte.nine:
                    guard let next = unsafe canonicalNumberEnd(bytes, i) else { return nil }
                    i = next
                case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                    guard let next = unsafe wordEnd(bytes, i) else { return nil }
                    i = next
                default:
                    return nil
                }
                expectValue = false
                continue
            }
            guard let top = checkStack.last else { return i }
            guard i < end else { return nil }
            let byte = unsafe bytes[i]
            if byte == Byte.comma {
                i += 1
                if top.isObject {
                    guard let next = unsafe checkedKey(bytes, i) else { return nil }
                    i = next
                }
                expectValue = true
                continue
            }
            guard byte == (top.isObject ? Byte.closeBrace : Byte.closeBracket) else { return nil }
            checkStack.removeLast()
            i += 1
        }
    }

    /// Checks the key at `start` of the innermost object of the check: canonical, after the
    /// previous key in order, followed by `:`; returns the index of its value.
    private mutating func checkedKey(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        guard start < bytes.count, unsafe bytes[start] == Byte.quote, let keyEnd = unsafe canonicalStringEnd(bytes, start) else { return nil }
        let top = checkStack.count - 1
        let previous = checkStack[top].lastKey
        if !previous.isEmpty, unsafe Self.compareKeys(bytes, previous, start..<keyEnd) > 0 { return nil }
        checkStack[top].lastKey = start..<keyEnd
        guard keyEnd < bytes.count, unsafe bytes[keyEnd] == Byte.colon else { return nil }
        return keyEnd + 1
    }

    /// The index after the string at `start` if it is spelled canonically, else `nil`.
    private func canonicalStringEnd(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        var i = start + 1
        let end = bytes.count
        while i < end {
            let byte = unsafe bytes[i]
            if byte == Byte.quote { return i + 1 }
            if byte < 0x20 { return nil }
            if byte == Byte.backslash {
                guard i + 1 < end else { return nil }
                switch unsafe bytes[i + 1] {
                case Byte.quote, Byte.backslash, UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                    continue
                default:
                    return nil  // `\/` or `\u`: let the general path decide
                }
            }
            i += 1
        }
        return nil
    }

    /// The sign and integer digits of the number at `start` (JSON grammar: `-`? then `0` or a
    /// non-zero digit and more digits): where the digits start and end, or `nil` if invalid.
    func integerPart(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> (negative: Bool, digitsStart: Int, end: Int)? {
        let end = bytes.count
        var i = start
        let negative = unsafe bytes[i] == Byte.minus
        if negative { i += 1 }
        guard i < end, unsafe (Byte.zero...Byte.nine).contains(bytes[i]) else { return nil }
        let digitsStart = i
        if unsafe bytes[i] == Byte.zero {
            i += 1
        } else {
            while i < end, unsafe (Byte.zero...Byte.nine).contains(bytes[i]) { i += 1 }
        }
        return (negative, digitsStart, i)
    }

    /// The index after the number at `start` if it is valid and spelled canonically, else `nil`.
    func canonicalNumberEnd(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        // The same rules as `appendNumber`'s fast paths, without writing.
        let end = bytes.count
        guard let integer = unsafe integerPart(bytes, start) else { return nil }
        var i = integer.end
        let (negative, digitsStart) = (integer.negative, integer.digitsStart)
        let integerDigits = i - digitsStart
        guard i < end else { return nil }
        if unsafe bytes[i] | 0x20 == UInt8(ascii: "e") { return nil }
        if unsafe bytes[i] != UInt8(ascii: ".") {
            guard integerDigits <= 15, unsafe !(negative && bytes[digitsStart] == Byte.zero) else { return nil }
            return i
        }
        i += 1
        let fractionStart = i
        while i < end, unsafe (Byte.zero...Byte.nine).contains(bytes[i]) { i += 1 }
        guard i > fractionStart, i < end, unsafe bytes[i] | 0x20 != UInt8(ascii: "e"), unsafe bytes[i - 1] != Byte.zero else { return nil }
        var significant = integerDigits + i - fractionStart
        if unsafe bytes[digitsStart] == Byte.zero {
            var k = fractionStart
            while k < i, unsafe bytes[k] == Byte.zero { k += 1 }
            guard k - fractionStart < 6 else { return nil }
            significant = i - k
        }
        return significant <= 15 ? i : nil
    }

    /// Reads `"key" ws : ws` at `i` of the innermost frame (an object), writing the comma if
    /// needed and the canonical key and colon; leaves `i` at the value.
    private mutating func readKey(
        _ bytes: UnsafeRawBufferPointer, _ i: inout Int, to output: ByteBuffer, policy: inout some Policy
    ) -> Bool {
        let top = frames.count - 1
        guard i < bytes.count, unsafe bytes[i] == Byte.quote else { return false }
        // One read and one write of the frame (each array write checks uniqueness).
        var frame = frames[top]
        frame.memberCommaStart = unsafe output.count
        if frame.kept > 0 { output.append(Byte.comma) }
        frame.memberStart = unsafe output.count
        let next: Int
        if let end = unsafe canonicalStringEnd(bytes, i) {
            unsafe output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[i..<end]))
            next = end
        } else {
            guard let end = unsafe appendString(bytes, i, to: output) else { return false }
            next = end
        }
        frame.keyEnd = unsafe output.count
        i = unsafe skipWhitespace(bytes, next)
        guard i < bytes.count, unsafe bytes[i] == Byte.colon else { return false }
        output.append(Byte.colon)
        i = unsafe skipWhitespace(bytes, i + 1)
        let key = unsafe UnsafeRawBufferPointer(rebasing: output.bytes[frame.memberStart + 1..<frame.keyEnd - 1])
        if top == 0 {
            switch unsafe policy.rule(forKey: key) {
            case .keep: frame.currentRule = .keep
            case .drop: frame.currentRule = .drop
            case .dropNested(let names):
                nestedNames = names
                frame.currentRule = .dropNested
            }
        } else if frame.dropsNames {
            frame.currentRule = nestedNames.contains { unsafe $0.elementsEqual(key) } ? .drop : .keep
        } else {
            frame.currentRule = .keep
        }
        if droppingFrame == nil, frame.currentRule == .drop { droppingFrame = top }
        frames[top] = frame
        return true
    }

    /// A member of frame `top` was read completely: tell the policy, drop it or keep it.
    private mutating func finishMember(_ top: Int, output: ByteBuffer, policy: inout some Policy) {
        let frame = frames[top]
        if top == 0 {
            let keyText = frame.memberStart + 1..<frame.keyEnd - 1
            let valueText = unsafe frame.keyEnd + 1..<output.count
            unsafe output.withUnsafeBytes {
                unsafe policy.member(key: UnsafeRawBufferPointer(rebasing: $0[keyText]), value: UnsafeRawBufferPointer(rebasing: $0[valueText]))
            }
        }
        if frame.currentRule == .drop {
            if droppingFrame == top { droppingFrame = nil }
            output.removeSubrange(frame.memberCommaStart...)
            return
        }
        var sorted = frame.sorted
        if frame.kept > 0, sorted, top > 0 || sortsTopLevel {
            let previous = members[members.count - 1]
            sorted = unsafe Self.compareKeys(output.bytes, previous.start..<previous.keyEnd, frame.memberStart..<frame.keyEnd) <= 0
        }
        unsafe members.append(Member(start: frame.memberStart, keyEnd: frame.keyEnd, end: output.count))
        frames[top].kept = frame.kept + 1
        if !sorted { frames[top].sorted = false }
    }

    /// Rewrites the members of `frame` (all written, the last one ending the output) in key
    /// order, separated by commas.
    private mutating func sortMembers(_ frame: Frame, _ output: ByteBuffer) {
        let base = frame.memberBase
        let count = members.count - base
        guard count > 1 else { return }
        // Insertion sort of the members in place (stable: equal keys keep their order); objects
        // are small, and this allocates nothing.
        unsafe output.withUnsafeBytes { buffer in
            for i in base + 1..<members.count {
                let member = members[i]
                var j = i
                while j > base,
                    unsafe Self.compareKeys(buffer, members[j - 1].start..<members[j - 1].keyEnd, member.start..<member.keyEnd) > 0
                {
                    members[j] = members[j - 1]
                    j -= 1
                }
                members[j] = member
            }
        }
        let start = frame.contentStart
        sortScratch.removeAll()
        unsafe sortScratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: output.bytes[start...]))
        output.removeSubrange(start...)
        let saved = unsafe sortScratch.bytes
        for n in base..<members.count {
            if n > base { output.append(Byte.comma) }
            let member = members[n]
            unsafe output.append(contentsOf: UnsafeRawBufferPointer(rebasing: saved[(member.start - start)..<(member.end - start)]))
        }
    }

    /// Compares two canonical keys (quotes included) bytewise.
    static func compareKeys(_ buffer: UnsafeRawBufferPointer, _ a: Range<Int>, _ b: Range<Int>) -> Int {
        let count = min(a.count, b.count)
        for k in 0..<count {
            let x = unsafe buffer[a.lowerBound + k]
            let y = unsafe buffer[b.lowerBound + k]
            if x != y { return x < y ? -1 : 1 }
        }
        return a.count - b.count
    }

    // MARK: - Scalars

    enum Byte {
        static let quote = UInt8(ascii: "\"")
        static let backslash = UInt8(ascii: "\\")
        static let openBrace = UInt8(ascii: "{")
        static let closeBrace = UInt8(ascii: "}")
        static let openBracket = UInt8(ascii: "[")
        static let closeBracket = UInt8(ascii: "]")
        static let colon = UInt8(ascii: ":")
        static let comma = UInt8(ascii: ",")
        static let minus = UInt8(ascii: "-")
        static let zero = UInt8(ascii: "0")
        static let nine = UInt8(ascii: "9")
    }

    private func skipWhitespace(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int {
        unsafe JSONScan.skipWhitespace(bytes, start)
    }

    /// Writes the canonical form of the string whose opening quote is at `start`; returns the
    /// index after its closing quote.
    private func appendString(_ bytes: UnsafeRawBufferPointer, _ start: Int, to output: ByteBuffer) -> Int? {
        output.append(Byte.quote)
        var i = start + 1
        var run = i
        let end = bytes.count
        while i < end {
            let byte = unsafe bytes[i]
            if byte != Byte.quote && byte != Byte.backslash && byte >= 0x20 {
                i += 1
                continue
            }
            if run < i { unsafe output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[run..<i])) }
            if byte == Byte.quote {
                output.append(Byte.quote)
                return i + 1
            }
            guard byte == Byte.backslash, i + 1 < end else { return nil }
            let escaped = unsafe bytes[i + 1]
            i += 2
            switch escaped {
            case Byte.quote, Byte.backslash:
                output.append(Byte.backslash)
                output.append(escaped)
            case UInt8(ascii: "/"):
                output.append(escaped)
            case UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                output.append(Byte.backslash)
                output.append(escaped)
            case UInt8(ascii: "u"):
                guard let unit = unsafe hex4(bytes, i) else { return nil }
                i += 4
                var scalar = UInt32(unit)
                if (0xD800...0xDBFF).contains(unit), i + 6 <= end, unsafe bytes[i] == Byte.backslash,
                    unsafe bytes[i + 1] == UInt8(ascii: "u"), let low = unsafe hex4(bytes, i + 2), (0xDC00...0xDFFF).contains(low)
                {
                    scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    i += 6
                }
                appendScalar(scalar, to: output)
            default:
                return nil
            }
            run = i
        }
        return nil
    }

    /// Writes one code point of a string as `JSON.stringify` would.
    private func appendScalar(_ scalar: UInt32, to output: ByteBuffer) {
        switch scalar {
        case 0x22, 0x5C:
            output.append(Byte.backslash)
            output.append(UInt8(scalar))
        case 0x08: output.append(contentsOf: [Byte.backslash, UInt8(ascii: "b")])
        case 0x09: output.append(contentsOf: [Byte.backslash, UInt8(ascii: "t")])
        case 0x0A: output.append(contentsOf: [Byte.backslash, UInt8(ascii: "n")])
        case 0x0C: output.append(contentsOf: [Byte.backslash, UInt8(ascii: "f")])
        case 0x0D: output.append(contentsOf: [Byte.backslash, UInt8(ascii: "r")])
        case 0..<0x20, 0xD800...0xDFFF:
            // Control characters and lone surrogates: \u and four lowercase hex digits.
            output.append(Byte.backslash)
            output.append(UInt8(ascii: "u"))
            for shift in [12, 8, 4, 0] as [UInt32] {
                let nibble = UInt8((scalar >> shift) & 0xF)
                output.append(nibble < 10 ? Byte.zero + nibble : UInt8(ascii: "a") + nibble - 10)
            }
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | (scalar >> 6)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | (scalar >> 12)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            output.append(UInt8(0xF0 | (scalar >> 18)))
            output.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    private func hex4(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> UInt16? {
        unsafe Hex.value(bytes, at: start, count: 4)
    }


    private func appendWord(_ bytes: UnsafeRawBufferPointer, _ start: Int, to output: ByteBuffer) -> Int? {
        guard let end = unsafe wordEnd(bytes, start) else { return nil }
        unsafe output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
        return end
    }

    /// The index after `true`, `false` or `null` at `start`, else `nil`.
    private func wordEnd(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        unsafe JSONScan.wordEnd(bytes, start)
    }

    /// Validates the number at `start` (JSON grammar) and writes its canonical spelling.
    private func appendNumber(_ bytes: UnsafeRawBufferPointer, _ start: Int, to output: ByteBuffer) -> Int? {
        let end = bytes.count
        guard let integer = unsafe integerPart(bytes, start) else { return nil }
        var i = integer.end
        let (negative, digitsStart) = (integer.negative, integer.digitsStart)
        let integerDigits = i - digitsStart
        var plain = true
        var fractionStart = i
        var fractionEnd = i
        if i < end, unsafe bytes[i] == UInt8(ascii: ".") {
            plain = false
            i += 1
            fractionStart = i
            while i < end, unsafe (Byte.zero...Byte.nine).contains(bytes[i]) { i += 1 }
            guard i > fractionStart else { return nil }
            fractionEnd = i
        }
        var hasExponent = false
        if i < end, unsafe bytes[i] | 0x20 == UInt8(ascii: "e") {
            plain = false
            hasExponent = true
            i += 1
            if i < end, unsafe bytes[i] == UInt8(ascii: "+") || bytes[i] == Byte.minus { i += 1 }
            let exponent = i
            while i < end, unsafe (Byte.zero...Byte.nine).contains(bytes[i]) { i += 1 }
            guard i > exponent else { return nil }
        }
        // A value being dropped only needs to be valid.
        if droppingFrame != nil {
            unsafe output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
            return i
        }
        // Fast path: an integer of at most 15 digits is exact in a double and printed as written.
        if plain && integerDigits <= 15 {
            if unsafe negative && bytes[digitsStart] == Byte.zero {
                output.append(Byte.zero)  // -0 prints as 0
            } else {
                unsafe output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
            }
            return i
        }
        // Fast path: a plain decimal of at most 15 significant digits (so its digits are the
        // shortest that round-trip), no trailing zero, and fewer than 6 zeros after `0.`, is
        // printed as written.
        if unsafe !hasExponent && bytes[fractionEnd - 1] != Byte.zero {
            let leadingZeros: Int
            if unsafe bytes[digitsStart] == Byte.zero {
                var k = fractionStart
                while k < fractionEnd, unsafe bytes[k] == Byte.zero { k += 1 }
                leadingZeros = k - fractionStart
            } else {
                leadingZeros = -1
            }
            let significant = leadingZeros >= 0 ? fractionEnd - fractionStart - leadingZeros : integerDigits + fractionEnd - fractionStart
            if significant <= 15 && leadingZeros < 6 && !(negative && significant == 0) {
                unsafe output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<i]))
                return i
            }
        }
        let text = unsafe String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        guard let value = Double(text) else { return nil }
        output.append(contentsOf: Self.javaScriptText(value).utf8)
        return i
    }

    /// `value` as JavaScript's `Number.prototype.toString` prints it (ECMA-262 Number::toString):
    /// the shortest digits that round-trip, in plain notation for decimal exponents from -6 to
    /// 21, else `d.ddde±x`. Infinity (not JSON) is `1e999`.
    package static func javaScriptText(_ value: Double) -> String {
        if value == 0 { return "0" }
        if value.isInfinite { return value < 0 ? "-1e999" : "1e999" }
        if value.isNaN { return "null" }
        // Shortest round-trip digits from Swift's description, then JavaScript's layout.
        let description = value.magnitude.description
        let parts = description.split(separator: "e", maxSplits: 1)
        let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0]
        let pointIndex = mantissa.firstIndex(of: ".")
        let integerPart = pointIndex.map { mantissa[..<$0] } ?? mantissa[...]
        let fractionPart = pointIndex.map { mantissa[mantissa.index(after: $0)...] } ?? ""
        var digits = Array(integerPart) + Array(fractionPart)
        // value = 0.digits × 10^n
        var n = integerPart.count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            n -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        let k = digits.count
        var out = value < 0 ? "-" : ""
        if k <= n && n <= 21 {
            out += String(digits) + String(repeating: "0", count: n - k)
        } else if 0 < n && n <= 21 {
            out += String(digits[..<n]) + "." + String(digits[n...])
        } else if -6 < n && n <= 0 {
            out += "0." + String(repeating: "0", count: -n) + String(digits)
        } else {
            let e = n - 1
            let sign = e < 0 ? "-" : "+"
            out += String(digits[0]) + (k > 1 ? "." + String(digits[1...]) : "") + "e" + sign + String(abs(e))
        }
        return out
    }
}
