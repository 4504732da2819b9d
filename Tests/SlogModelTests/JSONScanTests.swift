import SlogSamples
import TestSupport
import Foundation
import Testing

@testable import SlogModel
import SlogRing

@Suite struct JSONScanTests {
    private static let typeKey = Array("type".utf8)

    /// The unescaped top-level `type` of `text`, via the public lookup.
    private func type(_ text: String) -> String? {
        withUTF8Bytes(text) { bytes in
            JSONScan.value(forKey: Self.typeKey, in: bytes).flatMap { span in
                JSONScan.unescapedString(span, in: bytes).map { String(decoding: $0, as: UTF8.self) }
            }
        }
    }

    /// The span of `key` found by walking every member (the general path only).
    private func generalLookup(_ key: [UInt8], in bytes: UnsafeRawBufferPointer) -> JSONValueSpan? {
        var found: JSONValueSpan?
        _ = JSONScan.forEachMember(in: bytes) { keySpan, value in
            guard JSONScan.unescapedString(keySpan, in: bytes) == key else { return true }
            found = value
            return false
        }
        return found
    }

    // MARK: Fast path

    @Test func fastPathReadsOnlyThePrefixAndTheTypeValue() {
        // Everything after the type value is garbage: the fast path never looks at it.
        #expect(type(#"{"type":"crank-finish","crankNum":"# + String(repeating: "\u{1}[{\"", count: 1000)) == "crank-finish")
        withUTF8Bytes(#"{"type":"deliver","x":1}"#) { bytes in
            #expect(JSONScan.value(forKey: Self.typeKey, in: bytes) == JSONValueSpan(range: 9..<16, isString: true))
        }
    }

    @Test func fastPathHandlesNonStringFirstValues() {
        withUTF8Bytes(#"{"crankNum":42,"type":"x"}"#) { bytes in
            let span = JSONScan.value(forKey: Array("crankNum".utf8), in: bytes)
            #expect(span == JSONValueSpan(range: 12..<14, isString: false))
            #expect(span.flatMap { JSONScan.uint64($0, in: bytes) } == 42)
        }
        withUTF8Bytes(#"{"message":{"type":"send"},"type":"x"}"#) { bytes in
            let span = JSONScan.value(forKey: Array("message".utf8), in: bytes)
            #expect(span.map { String(decoding: bytes[$0.range], as: UTF8.self) } == #"{"type":"send"}"#)
        }
    }

    // MARK: General path

    @Test func findsTypeInAnyMemberOrder() {
        #expect(type(#"{"crankNum":5,"type":"deliver"}"#) == "deliver")
        #expect(type(#"{"a":[1,2,{"b":"c"}],"b":null,"c":true,"d":-1.5e3,"type":"syscall","e":{}}"#) == "syscall")
    }

    @Test func acceptsWhitespaceEverywhere() {
        let text = " \n\t{ \r\n\"crankNum\" : 5 ,\n \"type\"\t:\n\"deliver\" \n, \"x\" : [ 1 , 2 ] } \n "
        #expect(type(text) == "deliver")
        #expect(type(" {\"type\" : \"deliver\"} ") == "deliver")
        #expect(withUTF8Bytes(text) { JSONScan.forEachMember(in: $0) { _, _ in true } })
    }

    @Test func unescapesEscapedKeysAndTypeNames() {
        #expect(type(#"{"\u0074ype":"crank-finish"}"#) == "crank-finish")
        #expect(type(#"{"t\u0079pe":"x","type":"y"}"#) == "x")
        #expect(type(#"{"type":"crank\u002dfinish"}"#) == "crank-finish")
        #expect(type(#"{"type":"a\"b\\c\/d\n"}"#) == "a\"b\\c/d\n")
        withUTF8Bytes(#"{"type":"a\"b"}"#) { bytes in
            #expect(JSONScan.value(forKey: Self.typeKey, in: bytes)?.hasEscapes == true)
        }
    }

    @Test func ignoresTypeTextInsideStrings() {
        let quoted = #"{"body":"{\"type\":\"crank-finish\"}","type":"deliver"}"#
        #expect(type(quoted) == "deliver")
        #expect(type(#"{"body":"{\"type\":\"crank-finish\"}"}"#) == nil)
        #expect(type(#"{"body":"\\","type":"deliver"}"#) == "deliver")
        #expect(type(#"{"body":"\\\"type\":\"crank-finish\"","type":"deliver"}"#) == "deliver")
    }

    @Test func ignoresNestedTypeKeys() {
        #expect(type(#"{"message":{"type":"send"},"type":"crank-start"}"#) == "crank-start")
        #expect(type(#"{"message":{"type":"send"}}"#) == nil)
        #expect(type(#"{"kd":[{"type":"x"}],"vd":[["type","y"]]}"#) == nil)
    }

    @Test func rejectsGarbageAndTruncatedRecords() {
        let malformed = [
            "", "   ", "{", "}", "[1,2]", #""type""#, "not json", "null", #"{"type"#, #"{"type":"#,
            #"{"type":"cra"#, #"{"type""crank"}"#, #"{type:"x"}"#, #"{"a":1,,"type":"x"}"#,
            #"{"a":{],"type":"x"}"#, #"{"a":[},"type":"x"}"#, #"{"a":tru,"type":"x"}"#, #"{"a":,"type":"x"}"#,
            #"{"a":1 "type":"x"}"#, #"{"a":"unterminated,"type":"x"}"#, "{\"a\":\"raw\ncontrol\",\"type\":\"x\"}",
            #"{"a":"x\"#, #"{"crankNum":12"#,
        ]
        for text in malformed {
            #expect(type(text) == nil, "\(text)")
            #expect(withUTF8Bytes(text) { JSONScan.forEachMember(in: $0) { _, _ in true } } == false, "\(text)")
        }
        // A record torn after its type still yields the type (documented: lookups stop there).
        #expect(type(#"{"type":"crank-finish","crankNum":4"#) == "crank-finish")
        #expect(type(#"{"crankNum":4,"type":"crank-finish","crankNum":"#) == "crank-finish")
        #expect(withUTF8Bytes(#"{"crankNum":12"#) { JSONScan.value(forKey: Array("crankNum".utf8), in: $0) } == nil)
    }

    @Test func survivesDeepNesting() {
        let depth = 100_000
        let nested = #"{"a":"# + String(repeating: "[{\"k\":", count: depth / 2) + "1"
            + String(repeating: "}]", count: depth / 2) + #","type":"deep"}"#
        #expect(type(nested) == "deep")
        #expect(withUTF8Bytes(nested) { JSONScan.forEachMember(in: $0) { _, _ in true } })
        let unclosed = #"{"a":"# + String(repeating: "[", count: depth) + #","type":"x"}"#
        #expect(type(unclosed) == nil)
        let mismatched = #"{"a":"# + String(repeating: "[", count: depth) + "}" + String(repeating: "]", count: depth - 1)
            + #","type":"x"}"#
        #expect(type(mismatched) == nil)
        #expect(type(String(repeating: "[", count: depth)) == nil)
        #expect(type(String(repeating: "{\"a\":", count: depth)) == nil)
    }

    // MARK: forEachMember, values(forKeys:)

    @Test func forEachMemberReportsMembersInOrder() throws {
        let text = #"{"type":"x", "n":12,"s":"a\"b","o":{"p":[1]},"z":null}"#
        var seen: [String] = []
        let ok = withUTF8Bytes(text) { bytes in
            JSONScan.forEachMember(in: bytes) { key, value in
                let keyText = String(decoding: JSONScan.unescapedString(key, in: bytes) ?? [], as: UTF8.self)
                seen.append("\(keyText)=\(String(decoding: bytes[value.range], as: UTF8.self))")
                return true
            }
        }
        #expect(ok)
        #expect(seen == ["type=x", "n=12", #"s=a\"b"#, #"o={"p":[1]}"#, "z=null"])
        #expect(withUTF8Bytes("{}") { JSONScan.forEachMember(in: $0) { _, _ in Issue.record("no members"); return true } })
        #expect(withUTF8Bytes(#"{"a":1} x"#) { JSONScan.forEachMember(in: $0) { _, _ in true } } == false)
        #expect(withUTF8Bytes(#"{"a":1,}"#) { JSONScan.forEachMember(in: $0) { _, _ in true } } == false)
        var count = 0
        #expect(withUTF8Bytes(#"{"a":1,"b":2,"c":3}"#) { JSONScan.forEachMember(in: $0) { _, _ in count += 1; return false } })
        #expect(count == 1)
    }

    @Test func valuesForKeysFindsSeveralKeysInOnePass() {
        let text = #"{"type":"crank-finish","crankNum":407,"crankhash":"38","activityhash":"b5","time":1.5}"#
        withUTF8Bytes(text) { bytes in
            let keys = ["activityhash", "crankNum", "missing", "type"].map { Array($0.utf8) }
            let spans = JSONScan.values(forKeys: keys, in: bytes)
            #expect(spans.count == 4)
            #expect(spans[0].flatMap { JSONScan.unescapedString($0, in: bytes) } == Array("b5".utf8))
            #expect(spans[1].flatMap { JSONScan.uint64($0, in: bytes) } == 407)
            #expect(spans[2] == nil)
            #expect(spans[3].flatMap { JSONScan.unescapedString($0, in: bytes) } == Array("crank-finish".utf8))
            #expect(JSONScan.values(forKeys: [], in: bytes).isEmpty)
        }
    }

    // MARK: Strings and numbers

    @Test func unescapesEveryEscape() {
        func unescape(_ literal: String) -> [UInt8]? {
            withUTF8Bytes(literal) { bytes in
                JSONScan.scanValue(bytes, 0).flatMap { JSONScan.unescapedString($0, in: bytes) }
            }
        }
        #expect(unescape(#""\"\\\/\b\f\n\r\t""#) == [0x22, 0x5C, 0x2F, 0x08, 0x0C, 0x0A, 0x0D, 0x09])
        #expect(unescape(#""\u0041\u00e9\u20AC""#) == Array("Aé€".utf8))
        #expect(unescape(#""\ud83d\ude00!""#) == Array("😀!".utf8))
        #expect(unescape(#""\ud83dx""#) == Array("\u{FFFD}x".utf8))
        #expect(unescape(#""\ude00""#) == Array("\u{FFFD}".utf8))
        #expect(unescape(#""\ud83d\u0041""#) == Array("\u{FFFD}A".utf8))
        #expect(unescape(#""plain é""#) == Array("plain é".utf8))
        #expect(unescape(#""\x""#) == nil)
        #expect(unescape(#""\u12""#) == nil)
        #expect(unescape(#""\u12zz""#) == nil)
        withUTF8Bytes("12") { bytes in
            #expect(JSONScan.unescapedString(JSONValueSpan(range: 0..<2, isString: false), in: bytes) == nil)
        }
    }

    @Test(arguments: [
        ("0", UInt64?.some(0)), ("123", 123), ("18446744073709551615", UInt64.max),
        ("18446744073709551616", nil), ("01", nil), ("1.5", nil), ("1e3", nil), ("-1", nil), ("", nil),
    ])
    func parsesUnsignedIntegers(literal: String, expected: UInt64?) {
        withUTF8Bytes(literal) { bytes in
            #expect(JSONScan.uint64(JSONValueSpan(range: 0..<bytes.count, isString: false), in: bytes) == expected)
            #expect(JSONScan.uint64(JSONValueSpan(range: 0..<bytes.count, isString: true), in: bytes) == nil)
        }
    }

    @Test(arguments: [
        ("0", Int64?.some(0)), ("-0", 0), ("-42", -42), ("9223372036854775807", Int64.max),
        ("-9223372036854775808", Int64.min), ("9223372036854775808", nil), ("-9223372036854775809", nil),
        ("-", nil), ("-01", nil), ("1.0", nil), ("+1", nil),
    ])
    func parsesSignedIntegers(literal: String, expected: Int64?) {
        withUTF8Bytes(literal) { bytes in
            #expect(JSONScan.int64(JSONValueSpan(range: 0..<bytes.count, isString: false), in: bytes) == expected)
        }
    }

    // MARK: Real and fuzzed records

    @Test
    func agreesWithJSONSerializationOnEveryRealLine() throws {
        let lines = try RealSlog.lines()
        #expect(lines.count > 900)
        for (file, line, bytes) in lines {
            let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
            let expected = try #require(object?["type"] as? String, "\(file):\(line)")
            let (found, memberCount, wellFormed) = bytes.withUnsafeBytes { raw in
                let span = JSONScan.value(forKey: Self.typeKey, in: raw)
                let found = span.flatMap { JSONScan.unescapedString($0, in: raw) }.map {
                    String(decoding: $0, as: UTF8.self)
                }
                var count = 0
                let ok = JSONScan.forEachMember(in: raw) { _, _ in count += 1; return true }
                return (found, count, ok)
            }
            #expect(found == expected, "\(file):\(line)")
            #expect(wellFormed, "\(file):\(line)")
            #expect(memberCount == object?.count, "\(file):\(line)")
        }
    }

    @Test
    func everyPrefixOfARealLineIsSafe() throws {
        let lines = try RealSlog.lines()
        for (_, _, bytes) in lines.prefix(40) {
            for length in 0...bytes.count {
                Array(bytes[..<length]).withUnsafeBytes { raw in
                    let fast = JSONScan.value(forKey: Self.typeKey, in: raw)
                    #expect(fast == generalLookup(Self.typeKey, in: raw))
                    _ = JSONScan.forEachMember(in: raw) { _, _ in true }
                }
            }
        }
    }

    @Test
    func fastAndGeneralPathsAgreeOnMutatedRecords() throws {
        let lines = try RealSlog.lines()
        var random = SplitMix64(seed: 0x5106_F11E)
        let alphabet = Array(#"{}[]",:\ tu0"#.utf8) + [0x0A, 0x00, 0xFF]
        let keys = ["type", "crankNum", "time", "vatID"].map { Array($0.utf8) }
        for _ in 0..<20_000 {
            var bytes = lines[Int.random(in: 0..<lines.count, using: &random)].bytes
            for _ in 0..<Int.random(in: 1...3, using: &random) where !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[at] = alphabet.randomElement(using: &random)!
                case 1: bytes.remove(at: at)
                default: bytes.insert(alphabet.randomElement(using: &random)!, at: at)
                }
            }
            bytes.withUnsafeBytes { raw in
                for key in keys {
                    #expect(JSONScan.value(forKey: key, in: raw) == generalLookup(key, in: raw))
                }
                let all = JSONScan.values(forKeys: keys, in: raw)
                for (index, key) in keys.enumerated() {
                    #expect(all[index] == JSONScan.value(forKey: key, in: raw))
                }
            }
        }
    }
}

/// The word-at-a-time string and composite scans (issue #17) against the byte-at-a-time
/// scanner they replaced, on random bytes rich in the characters that matter, at every start.
@Suite struct JSONScanWordAtATimeTests {
    private static func referenceString(_ bytes: [UInt8], _ start: Int) -> JSONValueSpan? {
        var i = start + 1
        var hasEscapes = false
        while i < bytes.count {
            let byte = bytes[i]
            if byte == 0x22 { return JSONValueSpan(range: start + 1..<i, isString: true, hasEscapes: hasEscapes) }
            if byte == 0x5C {
                hasEscapes = true
                i += 2
            } else if byte < 0x20 {
                return nil
            } else {
                i += 1
            }
        }
        return nil
    }

    /// The old skipComposite, without the deep-nesting array (the inputs stay shallow).
    private static func referenceComposite(_ bytes: [UInt8], _ start: Int) -> Int? {
        var stack: [UInt8] = []
        var i = start
        while i < bytes.count {
            let byte = bytes[i]
            switch byte {
            case 0x22:
                guard let string = referenceString(bytes, i) else { return nil }
                i = string.range.upperBound + 1
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                stack.append(byte)
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard let open = stack.popLast(), (open == UInt8(ascii: "[")) == (byte == UInt8(ascii: "]")) else { return nil }
                if stack.isEmpty { return i + 1 }
            default:
                break
            }
            i += 1
        }
        return nil
    }

    @Test func stringAndCompositeScansMatchTheByteAtATimeScanner() {
        var random = SplitMix64(seed: 1717)
        // Characters that end or escape strings, brackets, their bit-5 twins ({ [ } ] vs ; ; = etc.),
        // control bytes, high bytes (0x80+, which the control test must not flag), and filler.
        let alphabet = Array(#""\{}[];=[]{}abcdefgh0123"#.utf8) + [0x00, 0x01, 0x1F, 0x20, 0x7F, 0x80, 0xA2, 0xDC, 0xFB, 0xFD]
        var strings = 0
        var composites = 0
        for _ in 0..<4000 {
            let length = Int(random.next() % 70)
            var bytes = (0..<length).map { _ in
                random.next() % 3 == 0 ? alphabet[Int(random.next() % UInt64(alphabet.count))] : UInt8(ascii: "x")
            }
            if !bytes.isEmpty && random.next() % 2 == 0 { bytes[0] = random.next() % 2 == 0 ? 0x22 : UInt8(ascii: "[") }
            bytes.withUnsafeBytes { raw in
                for start in 0..<bytes.count {
                    if bytes[start] == 0x22 {
                        let expected = Self.referenceString(bytes, start)
                        #expect(JSONScan.scanString(raw, start) == expected, "\(bytes) at \(start)")
                        if expected != nil { strings += 1 }
                    } else if bytes[start] == UInt8(ascii: "{") || bytes[start] == UInt8(ascii: "[") {
                        let expected = Self.referenceComposite(bytes, start)
                        #expect(JSONScan.scanValue(raw, start)?.range.upperBound == expected, "\(bytes) at \(start)")
                        if expected != nil { composites += 1 }
                    }
                }
            }
        }
        #expect(strings > 300, "\(strings) strings")
        #expect(composites > 30, "\(composites) composites")
    }
}
