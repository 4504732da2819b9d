import TestSupport
import Testing

@testable import SlogModel

/// One spelling per JSON value: formatting never makes two records differ, content always does.
@Suite struct CanonicalJSONTests {
    private func canonical(_ text: String) -> String? {
        withUTF8Bytes(text) { CanonicalJSON.canonical($0) }.map { String(decoding: $0, as: UTF8.self) }
    }

    private func consensus(_ text: String) -> (ConsensusNormalizer.Canonical, String) {
        let (outcome, bytes) = withUTF8Bytes(text) { ConsensusNormalizer.canonical($0, fields: .agoric) }
        return (outcome, String(decoding: bytes, as: UTF8.self))
    }

    @Test func whitespaceEscapesAndMemberOrderDoNotCount() {
        let plain = ##"{"type":"deliver","kd":["message","ko1",{"methargs":{"body":"#[\"a/b\"]","slots":[]},"result":null}],"vatID":"v1"}"##
        let spellings = [
            plain,
            ##"{ "type" : "deliver", "kd" : [ "message" , "ko1" , { "methargs" : { "body" : "#[\"a/b\"]" , "slots" : [ ] } , "result" : null } ] , "vatID" : "v1" }"##,
            ##"{"type":"deliver","kd":["message","ko1",{"methargs":{"body":"#[\"a\/b\"]","slots":[]},"result":null}],"vatID":"\u0076\u0031"}"##,
            ##"{"vatID":"v1","kd":["message","ko1",{"result":null,"methargs":{"slots":[],"body":"#[\u0022a/b\u0022]"}}],"type":"deliver"}"##,
            "{\"type\":\"deliver\",\n\t\"kd\":[\"message\",\"ko1\",{\"methargs\":{\"body\":\"#[\\\"a/b\\\"]\",\"slots\":[]},\"result\":null}],\r\n\"vatID\":\"v1\"}",
        ]
        let forms = spellings.map(canonical)
        #expect(forms.allSatisfy { $0 != nil })
        #expect(Set(forms.map { $0! }).count == 1, "\(forms)")
        #expect(forms[0] == ##"{"kd":["message","ko1",{"methargs":{"body":"#[\"a/b\"]","slots":[]},"result":null}],"type":"deliver","vatID":"v1"}"##)
    }

    @Test func numbersAreSpelledAsJavaScriptPrintsThem() {
        let cases: [(String, String)] = [
            ("1", "1"), ("-0", "0"), ("1.0", "1"), ("1e0", "1"), ("10E-1", "1"), ("0.5", "0.5"), ("5e-1", "0.5"),
            ("1e21", "1e+21"), ("1e20", "100000000000000000000"), ("0.000001", "0.000001"), ("1e-7", "1e-7"),
            ("123456789012345678", "123456789012345680"), ("1.5e300", "1.5e+300"), ("-2.50", "-2.5"),
            ("0.1", "0.1"), ("1e400", "1e999"), ("12345678901234567890123", "1.2345678901234568e+22"),
        ]
        for (written, printed) in cases {
            #expect(canonical("[\(written)]") == "[\(printed)]", "\(written)")
        }
        #expect(canonical("[1,2,3]") == "[1,2,3]")
    }

    @Test func stringsAreEscapedAsJSONStringifyDoes() {
        #expect(canonical(#"["\u00e9\ud83d\ude00\/\u001f\u0008\ud800x"]"#) == "[\"é😀/\\u001f\\b\\ud800x\"]")
        #expect(canonical(#"["\""]"#) == #"["\""]"#)
        #expect(canonical(#"["a\u005cb"]"#) == #"["a\\b"]"#)
    }

    @Test func invalidJSONAnywhereIsRejected() {
        for text in [
            #"{"a":1,}"#, #"{"a":[1,]}"#, #"{"a":tru}"#, #"{"a":01}"#, #"{"a":"\x"}"#, #"{"a":[1 2]}"#, #"{"a":{"b"}}"#,
            #"{"a":1} x"#, #"{"a":[}"#, "{\"a\":\"\u{1}\"}", #"{"a":1.}"#, #"{"a":-}"#, #"{"a":"\u12"}"#, "", "{",
        ] {
            #expect(canonical(text) == nil, "\(text)")
        }
        let deep = String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000)
        #expect(canonical(deep) == deep)
        #expect(canonical(String(repeating: "[", count: 50_000)) == nil)
    }

    @Test func consensusContentDropsNondeterministicFieldsAndExcludesRestartRecords() {
        let a = consensus(#"{"type":"deliver-result","crankNum":5,"dr":["ok",null,{"compute":10,"timestamps":[1.5,2.5]}],"time":1.5,"monotime":2}"#)
        let b = consensus(#"{"monotime":9, "dr":["ok",null,{"timestamps":[7],"compute":1e1}],"crankNum":5.0,"type":"deliver-result","time":3}"#)
        #expect(a.0 == .record && a == b)
        #expect(a.1 == #"{"crankNum":5,"dr":["ok",null,{"compute":10}],"type":"deliver-result"}"#)
        for type in ["create-vat", "vat-startup-start", "vat-startup-finish", "start-replay", "finish-replay", "heap-snapshot-load", "console"] {
            #expect(consensus(#"{"type":"\#(type)","vatID":"v1"}"#).0 == .excluded, "\(type)")
        }
        #expect(consensus(#"{"type":"deliver","replay":true,"vatID":"v1"}"#).0 == .excluded)
        #expect(consensus(#"{"type":"heap-snapshot-save","vatID":"v1"}"#).0 == .record)
        #expect(consensus(#"{"type":"syscall","ksc":[1,}"#).0 == .notJSON)
        #expect(consensus(#"[1]"#).0 == .notJSON)
    }
}

extension CanonicalJSONTests {
    /// slog-diff's digest path keeps a record's members in their order and combines them
    /// order-independently: the members are the same canonical pieces as the sorted form's.
    @Test func unsortedTopLevelMembersAreTheSortedFormsPieces() {
        func members(_ text: String) -> [String] {
            var canonicalizer = ConsensusNormalizer.Canonicalizer(fields: .agoric, sortsTopLevel: false)
            return withUTF8Bytes(text) { bytes in
                guard ConsensusNormalizer.canonical(bytes, using: &canonicalizer) == .record else { return [] }
                var out: [String] = []
                let result = canonicalizer.result
                canonicalizer.forEachMember { out.append(String(decoding: UnsafeRawBufferPointer(rebasing: result[$0]), as: UTF8.self)) }
                return out
            }
        }
        let a = members(#"{"type":"syscall","crankNum":7,"ksc":["vatstoreSet","v1","k",{"b":1,"a":2.0}],"time":5}"#)
        let b = members(#"{"time":9, "ksc":["vatstoreSet","v1","k",{"a":2,"b":1}], "crankNum":7,"type":"syscall"}"#)
        #expect(a == [#""type":"syscall""#, #""crankNum":7"#, #""ksc":["vatstoreSet","v1","k",{"a":2,"b":1}]"#])
        #expect(a.sorted() == b.sorted())
        let sorted = consensus(#"{"type":"syscall","crankNum":7,"ksc":["vatstoreSet","v1","k",{"b":1,"a":2.0}],"time":5}"#).1
        #expect(sorted == "{" + a.sorted().joined(separator: ",") + "}")
    }
}
