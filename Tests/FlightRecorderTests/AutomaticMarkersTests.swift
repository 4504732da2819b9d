import SlogSamples
import TestSupport
import Foundation
import Testing
@testable import FlightRecorder
import SlogModel
import SlogRing

/// The hook's fast path (`{"type":"` prefix compare, word-at-a-time name scan, early stop in the
/// field walk; issue #17) must give exactly the markers of the general path, and both must
/// give those of a reference written the slow, obvious way: every member walked, every key
/// unescaped, first occurrences only.
@Suite struct AutomaticMarkersTests {
    private let markers = AutomaticMarkers(.agoric)

    /// The obvious implementation: full walk, unescape every key and the type, first occurrence.
    private func reference(_ bytes: UnsafeRawBufferPointer) -> AutomaticMarkers.Trigger? {
        let types = SlogMarkerTypes.agoric
        var members: [(key: [UInt8], value: JSONValueSpan)] = []
        _ = JSONScan.forEachMember(in: bytes) { key, value in
            if let name = JSONScan.unescapedString(key, in: bytes) { members.append((name, value)) }
            return true
        }
        func first(_ name: String) -> JSONValueSpan? { members.first { $0.key == Array(name.utf8) }?.value }
        guard let typeSpan = first("type"), typeSpan.isString,
            let type = JSONScan.unescapedString(typeSpan, in: bytes).map({ String(decoding: $0, as: UTF8.self) })
        else { return nil }
        switch type {
        case types.blockBegin:
            guard let height = first(types.blockHeightField).flatMap({ JSONScan.uint64($0, in: bytes) }) else { return nil }
            return .blockBegin(height: height, blockTime: first(types.blockTimeField).flatMap { JSONScan.int64($0, in: bytes) })
        case types.crankFinish:
            guard let number = first(types.crankNumberField).flatMap({ JSONScan.uint64($0, in: bytes) }) else { return nil }
            return .crankFinish(
                crankNumber: number, crankHash: first(types.crankHashField).flatMap { $0.isString ? $0 : nil },
                activityHash: first(types.activityHashField).flatMap { $0.isString ? $0 : nil })
        case types.blockCommit:
            guard let height = first(types.blockHeightField).flatMap({ JSONScan.uint64($0, in: bytes) }) else { return nil }
            return .blockCommit(height: height)
        default:
            return nil
        }
    }

    private func check(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
        bytes.withUnsafeBytes { raw in
            let fast = markers.trigger(for: raw)
            let general = markers.generalTrigger(for: raw)
            #expect(fast == general, "\(String(decoding: bytes, as: UTF8.self))", sourceLocation: sourceLocation)
            #expect(general == reference(raw), "\(String(decoding: bytes, as: UTF8.self))", sourceLocation: sourceLocation)
        }
    }

    private static let tricky: [String] = [
        #"{"type":"crank-finish","crankNum":3,"crankhash":"ab","activityhash":"cd"}"#,
        // key order: type not first (general path)
        #"{"crankNum":3,"type":"crank-finish","crankhash":"ab"}"#,
        #"{"blockHeight":5,"type":"cosmic-swingset-begin-block","blockTime":-7}"#,
        // whitespace everywhere, or only after the type
        #"{ "type" : "crank-finish" , "crankNum" : 3 }"#,
        #"{"type":"crank-finish" ,"crankNum":3}"#,
        "{\"type\":\"crank-finish\"\n\t,\"crankNum\":3}",
        #" {"type":"crank-finish","crankNum":3}"#,
        #"{"type":"crank-finish"}"#,
        #"{"type":"crank-finish"   }"#,
        // escaped type names and keys
        #"{"type":"crank\u002dfinish","crankNum":3}"#,
        #"{"type":"crank-finis\u0068","crankNum":3}"#,
        #"{"type":"crank-finish\"","crankNum":3}"#,
        #"{"type":"\u0063osmic-swingset-commit-block-finish","blockHeight":9}"#,
        #"{"\u0074ype":"crank-finish","crankNum":3}"#,
        #"{"type":"crank-finish","crank\u004eum":7,"crankhash":"a\"b","activityhash":"\u0061"}"#,
        // lookalikes
        #"{"type":"crank-finish2","crankNum":1}"#,
        #"{"type":"crank-finis","crankNum":1}"#,
        #"{"type":"Crank-finish","crankNum":1}"#,
        #"{"typex":"crank-finish","crankNum":1}"#,
        #"{"type":"crank-finish","crankNum":"1"}"#,
        #"{"type":"crank-finish","crankNum":01}"#,
        #"{"type":"crank-finish","crankNum":1.5}"#,
        #"{"type":"crank-finish","crankNum":18446744073709551616}"#,
        #"{"type":"crank-finish","crankNum":1,"crankNum":2,"crankhash":"x","crankhash":"y"}"#,
        #"{"type":"crank-finish","crankhash":5,"activityhash":null,"crankNum":4}"#,
        #"{"type":5,"crankNum":1}"#,
        #"{"type":["crank-finish"],"crankNum":1}"#,
        #"{"type":"crank-finish","type":"deliver","crankNum":1}"#,
        #"{"type":"deliver","type":"crank-finish","crankNum":1}"#,
        #"{"type":"crank-finish"x,"crankNum":1}"#,
        "{\"type\":\"crank-\u{1}finish\",\"crankNum\":1}",
        "{\"type\":\"crank-finish\u{1}\",\"crankNum\":1}",
        // fields after nested values that contain lookalike keys and brackets in strings
        #"{"type":"cosmic-swingset-commit-block-finish","x":{"blockHeight":9,"a":[1,{"b":"]}\""}]},"blockHeight":10}"#,
        #"{"type":"cosmic-swingset-begin-block","blockHeight":1,"blockTime":-9223372036854775808}"#,
        #"{"type":"cosmic-swingset-begin-block","blockHeight":1,"blockTime":9223372036854775808}"#,
        #"{"type":"cosmic-swingset-begin-block","blockTime":3}"#,
        // malformed after the fields, or before them
        #"{"type":"crank-finish","crankNum":3,"crankhash":"ab","activityhash":"cd",}"#,
        #"{"type":"crank-finish","crankNum":3 "crankhash":"ab"}"#,
        #"{"type":"crank-finish","crankNum":3,"crankhash":"ab","activityhash":"cd"} x"#,
        #"{"type":"crank-finish""#,
        #"{"type":""#,
        #"{"type":"#,
        "",
    ]

    @Test func fastAndGeneralPathsAgreeOnTrickyRecords() {
        for text in Self.tricky { check(Array(text.utf8)) }
    }

    @Test func fastAndGeneralPathsAgreeOnEveryPrefixOfRealShapedRecords() {
        var records = AgoricSlog().block(17_000_001).map { Array($0.utf8) }
        records += Self.tricky.map { Array($0.utf8) }
        for record in records {
            for end in 0...record.count { check(Array(record[..<end])) }
        }
    }

    @Test func fastAndGeneralPathsAgreeOnMutatedRecords() {
        var random = SplitMix64(seed: 17)
        let alphabet = Array(#""\{}[],: 0a-u"#.utf8) + [0x01, 0x0A, 0xC3]
        let records = AgoricSlog().block(17_000_002).map { Array($0.utf8) } + Self.tricky.map { Array($0.utf8) }
        var recognised = 0
        for _ in 0..<20_000 {
            var record = records[Int(random.next() % UInt64(records.count))]
            guard !record.isEmpty else { continue }
            for _ in 0..<(1 + Int(random.next() % 3)) {
                // Mutations concentrated on the first 40 bytes, where the type and fields are.
                let index = Int(random.next() % UInt64(min(record.count, random.next() % 2 == 0 ? 40 : record.count)))
                record[index] = alphabet[Int(random.next() % UInt64(alphabet.count))]
            }
            check(record)
            if record.withUnsafeBytes({ markers.trigger(for: $0) }) != nil { recognised += 1 }
        }
        #expect(recognised > 1000)  // the mutations leave many records recognisable
    }

    @Test func realShapedRecordsGetTheirMarkersOnTheFastPath() {
        let generator = AgoricSlog()
        let records = generator.block(17_000_003)
        var kinds: [String] = []
        for record in records {
            Array(record.utf8).withUnsafeBytes { raw in
                switch markers.trigger(for: raw) {
                case .blockBegin(let height, _): kinds.append("begin \(height)")
                case .crankFinish(let number, let hash, let activity):
                    #expect(hash?.range.count == 64 && activity?.range.count == 64)
                    kinds.append("crank \(number)")
                case .blockCommit(let height): kinds.append("commit \(height)")
                case nil: break
                }
            }
        }
        let first = generator.firstCrank(of: 17_000_003)
        #expect(kinds == ["begin 17000003"] + (0..<6).map { "crank \(first + UInt64($0))" } + ["commit 17000003"])
    }

    /// The hook's crank-finish marker, built from the record's hash tokens as they are
    /// (escapes and all), decodes to the crank number and the hashes' values, and has the bytes
    /// `Marker.encode` gives for those values when the tokens hold no escape; numbers of every
    /// width included.
    @Test func crankFinishMarkerFromTokensDecodesToTheRecordsValues() {
        let hashes: [(token: String, value: String)?] = [
            nil, ("", ""), ("ab", "ab"), (String(repeating: "0f", count: 32), String(repeating: "0f", count: 32)),
            (#"a\"b\u0041"#, "a\"bA"),
        ]
        let numbers: [UInt64] = [0, 1, 9, 10, 99, 100, 123_456_789, 9_999_999_999_999_999_999, UInt64.max]
        for number in numbers {
            for crank in hashes {
                for activity in hashes {
                    let crankBytes = crank.map { Array($0.token.utf8) }
                    let activityBytes = activity.map { Array($0.token.utf8) }
                    var json = MarkerJSON()
                    func withTokens(_ body: (UnsafeRawBufferPointer?, UnsafeRawBufferPointer?) -> Void) {
                        func inner(_ a: UnsafeRawBufferPointer?) {
                            guard let activityBytes else { return body(a, nil) }
                            activityBytes.withUnsafeBytes { body(a, $0) }
                        }
                        guard let crankBytes else { return inner(nil) }
                        crankBytes.withUnsafeBytes { inner($0) }
                    }
                    withTokens { a, b in
                        json.crankFinish(number: number, crankHash: a.map { .token($0) }, activityHash: b.map { .token($0) })
                    }
                    let expected = Marker.crankFinish(crankNumber: number, crankHash: crank?.value, activityHash: activity?.value)
                    let label = "\(number) \(String(describing: crank)) \(String(describing: activity))"
                    #expect(json.bytes.withUnsafeBytes { Marker.decode(kind: .crankFinishMarker, bytes: $0) } == expected, "\(label)")
                    if crank?.token == crank?.value && activity?.token == activity?.value {
                        var reference = MarkerJSON()
                        expected.encode(into: &reference)
                        #expect(json.bytes == reference.bytes, "\(label)")
                    }
                }
            }
        }
    }
}
