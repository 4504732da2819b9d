import SlogSamples
import TestSupport
import Testing

@testable import SlogModel

/// slog-diff's fast path (`ConsensusNormalizer.canonicalMembers`) against the canonical path it
/// stands for (`ConsensusNormalizer.canonical` with `sortsTopLevel: false`): on every record,
/// the same outcome and the same canonical members, byte for byte, in the same order. So the
/// digests, and every verdict, are the same whichever path a record takes.
@Suite struct CanonicalMembersTests {
    /// What a path made of one record: its outcome and, for a record, its members' text.
    private struct Members: Equatable, CustomStringConvertible {
        var outcome: ConsensusNormalizer.Canonical
        var members: [String]
        /// Whether the fast path vouched for the record (no canonicalization).
        var fast = false

        static func == (a: Self, b: Self) -> Bool { a.outcome == b.outcome && a.members == b.members }
        var description: String { "\(outcome) \(members)" }
    }

    private static func canonicalPath(_ bytes: UnsafeRawBufferPointer, _ fields: NondeterministicFields) -> Members {
        var canonicalizer = ConsensusNormalizer.Canonicalizer(fields: fields, sortsTopLevel: false)
        let outcome = ConsensusNormalizer.canonical(bytes, using: &canonicalizer)
        var members: [String] = []
        if outcome == .record {
            let result = canonicalizer.result
            canonicalizer.forEachMember { members.append(String(decoding: UnsafeRawBufferPointer(rebasing: result[$0]), as: UTF8.self)) }
        }
        return Members(outcome: outcome, members: members)
    }

    private static func fastPath(_ bytes: UnsafeRawBufferPointer, _ canonicalizer: inout ConsensusNormalizer.Canonicalizer) -> Members {
        let outcome = ConsensusNormalizer.canonicalMembers(bytes, using: &canonicalizer)
        var members: [String] = []
        if outcome == .record {
            canonicalizer.forEachCanonicalMember(of: bytes) { members.append(String(decoding: $0, as: UTF8.self)) }
        }
        return Members(outcome: outcome, members: members, fast: !canonicalizer.membersInResult)
    }

    /// Both paths on `text`; the fast one with a canonicalizer reused from record to record, as
    /// slog-diff does.
    private static func both(
        _ bytes: UnsafeRawBufferPointer, _ reused: inout ConsensusNormalizer.Canonicalizer, _ fields: NondeterministicFields = .agoric
    ) -> (fast: Members, canonical: Members) {
        (fastPath(bytes, &reused), canonicalPath(bytes, fields))
    }

    private static func both(_ text: String, _ fields: NondeterministicFields = .agoric) -> (fast: Members, canonical: Members) {
        var canonicalizer = ConsensusNormalizer.Canonicalizer(fields: fields, sortsTopLevel: false)
        return withUTF8Bytes(text) { both($0, &canonicalizer, fields) }
    }

    /// The members as slog-diff combines them (a sum of their hashes: order-free).
    private static func digestKey(_ text: String) -> (ConsensusNormalizer.Canonical, [String]) {
        let (fast, canonical) = both(text)
        #expect(fast == canonical, "\(text)")
        return (fast.outcome, fast.members.sorted())
    }

    @Test func realAndGeneratedRecordsTakeTheFastPathWithTheCanonicalPathsMembers() throws {
        var canonicalizer = ConsensusNormalizer.Canonicalizer(fields: .agoric, sortsTopLevel: false)
        var fastCount = 0
        var total = 0
        let generated = (1...3).flatMap { AgoricSlog(clockOffset: 0.3).block($0) }.map { (file: "AgoricSlog", line: 0, bytes: Array($0.utf8)) }
        for (file, line, bytes) in try RealSlog.lines() + generated {
            let (fast, canonical) = bytes.withUnsafeBytes { Self.both($0, &canonicalizer) }
            #expect(fast == canonical, "\(file):\(line)")
            total += 1
            if fast.fast { fastCount += 1 }
        }
        // What the node writes is canonical nearly always: the fast path must be the usual one
        // (the 2022 meters with unsorted keys and timestamps go the canonical way).
        #expect(fastCount * 10 >= total * 8, "\(fastCount) of \(total) records on the fast path")
        for line in AgoricSlog().block(1) {
            #expect(Self.both(line).fast.fast, "\(line)")
        }
    }

    @Test func formattingOnlyDifferencesAreEqualOnBothPaths() {
        let plain = ##"{"type":"deliver","crankNum":7,"vatID":"v1","kd":["message","ko1",{"methargs":{"body":"#[\"a/b\"]","slots":[]},"result":null}],"dr":["ok",null,{"compute":10}],"n":0.5,"time":1.5}"##
        let spellings = [
            // whitespace, between and inside members
            ##"{ "type" : "deliver" , "crankNum":7,"vatID":"v1","kd":[ "message","ko1",{"methargs":{"body":"#[\"a/b\"]","slots":[]},"result":null}],"dr":["ok",null,{"compute":10}],"n":0.5,"time":1.5}"##,
            "{\"type\":\"deliver\",\n\"crankNum\":7,\"vatID\":\"v1\",\"kd\":[\"message\",\"ko1\",{\"methargs\":{\"body\":\"#[\\\"a/b\\\"]\",\"slots\":[]},\"result\":null}],\"dr\":[\"ok\",null,{\"compute\":10}],\"n\":0.5,\"time\":1.5}\r",
            // escapes
            ##"{"type":"deliver","crankNum":7,"vatID":"\u0076\u0031","kd":["message","ko1",{"methargs":{"body":"#[\"a\/b\"]","slots":[]},"result":null}],"dr":["ok",null,{"compute":10}],"n":0.5,"time":1.5}"##,
            ##"{"\u0074ype":"deliver","crankNum":7,"vatID":"v1","kd":["message","ko1",{"methargs":{"body":"#[\u0022a/b\u0022]","slots":[]},"result":null}],"dr":["ok",null,{"compute":10}],"n":0.5,"time":1.5}"##,
            // number spellings
            ##"{"type":"deliver","crankNum":7.0,"vatID":"v1","kd":["message","ko1",{"methargs":{"body":"#[\"a/b\"]","slots":[]},"result":null}],"dr":["ok",null,{"compute":1e1}],"n":5e-1,"time":1.5}"##,
            // member order, top level and nested
            ##"{"time":1.5,"n":0.5,"dr":["ok",null,{"compute":10}],"kd":["message","ko1",{"result":null,"methargs":{"slots":[],"body":"#[\"a/b\"]"}}],"vatID":"v1","crankNum":7,"type":"deliver"}"##,
            // differences only inside nondeterministic values
            ##"{"type":"deliver","crankNum":7,"vatID":"v1","kd":["message","ko1",{"methargs":{"body":"#[\"a/b\"]","slots":[]},"result":null}],"dr":["ok",null,{"compute":10,"timestamps":[9.25,10]}],"n":0.5,"time":99.75,"monotime":3,"runSeconds":{"x":[1,2]}}"##,
        ]
        let reference = Self.digestKey(plain)
        #expect(reference.0 == .record)
        #expect(Self.both(plain).fast.fast)
        for text in spellings {
            let key = Self.digestKey(text)
            #expect(key.0 == reference.0 && key.1 == reference.1, "\(text)")
        }
    }

    @Test func consensusDifferencesDifferOnBothPaths() {
        let plain = ##"{"type":"deliver","crankNum":7,"vatID":"v1","kd":["message","ko1",{"methargs":{"body":"#[\"a/b\"]","slots":[]},"result":null}],"dr":["ok",null,{"compute":10}],"time":1.5}"##
        let changed = [
            ##"{"type":"deliver","crankNum":8,"vatID":"v1","kd":["message","ko1",{"methargs":{"body":"#[\"a/b\"]","slots":[]},"result":null}],"dr":["ok",null,{"compute":10}],"time":1.5}"##,
            ##"{"type":"deliver","crankNum":7,"vatID":"v1","kd":["message","ko1",{"methargs":{"body":"#[\"a/c\"]","slots":[]},"result":null}],"dr":["ok",null,{"compute":10}],"time":1.5}"##,
            // The same change, also respelled (so this record takes the canonical path).
            ##"{ "type":"deliver","crankNum":7,"vatID":"v1","kd":["message","ko1",{"methargs":{"body":"#[\"a\/c\"]","slots":[]},"result":null}],"dr":["ok",null,{"compute":10}],"time":1.5}"##,
            // A nested member named like a nondeterministic field is consensus data.
            ##"{"type":"deliver","crankNum":7,"vatID":"v1","kd":["message","ko1",{"methargs":{"body":"#[\"a/b\"]","slots":[],"time":1},"result":null}],"dr":["ok",null,{"compute":10}],"time":1.5}"##,
            // The meter's compute differs (its timestamps would not count).
            ##"{"type":"deliver","crankNum":7,"vatID":"v1","kd":["message","ko1",{"methargs":{"body":"#[\"a/b\"]","slots":[]},"result":null}],"dr":["ok",null,{"compute":11,"timestamps":[1]}],"time":1.5}"##,
            // `timestamps` deeper than one level into the meter is consensus data.
            ##"{"type":"deliver","crankNum":7,"vatID":"v1","kd":["message","ko1",{"methargs":{"body":"#[\"a/b\"]","slots":[]},"result":null}],"dr":["ok",null,{"compute":10,"x":{"timestamps":1}}],"time":1.5}"##,
            // An extra member, a missing one, a member renamed, `blockTime` (not a `*Time`).
            ##"{"type":"deliver","crankNum":7,"vatID":"v1","kd":["message","ko1",{"methargs":{"body":"#[\"a/b\"]","slots":[]},"result":null}],"dr":["ok",null,{"compute":10}],"extra":null,"time":1.5}"##,
            ##"{"type":"deliver","crankNum":7,"kd":["message","ko1",{"methargs":{"body":"#[\"a/b\"]","slots":[]},"result":null}],"dr":["ok",null,{"compute":10}],"time":1.5}"##,
            ##"{"type":"deliver","crankNum":7,"vatId":"v1","kd":["message","ko1",{"methargs":{"body":"#[\"a/b\"]","slots":[]},"result":null}],"dr":["ok",null,{"compute":10}],"time":1.5}"##,
            ##"{"type":"deliver","crankNum":7,"vatID":"v1","kd":["message","ko1",{"methargs":{"body":"#[\"a/b\"]","slots":[]},"result":null}],"dr":["ok",null,{"compute":10}],"blockTime":1,"time":1.5}"##,
        ]
        let reference = Self.digestKey(plain)
        for text in changed {
            let key = Self.digestKey(text)
            #expect(key.0 == .record, "\(text)")
            #expect(key.1 != reference.1, "\(text)")
        }
    }

    @Test func invalidJSONIsDamageOnBothPaths() {
        let invalid = [
            #"{"type":"syscall","ksc":[1,]}"#, #"{"type":"syscall","ksc":{"a":1,}}"#, #"{"type":"syscall","ksc":tru}"#,
            #"{"type":"syscall","n":01}"#, #"{"type":"syscall","s":"\x"}"#, #"{"type":"syscall","s":"\u12"}"#,
            #"{"type":"syscall","ksc":[1 2]}"#, #"{"type":"syscall","o":{"b"}}"#, #"{"type":"syscall"} x"#,
            #"{"type":"syscall","ksc":[}"#, "{\"type\":\"syscall\",\"s\":\"\u{1}\"}", #"{"type":"syscall","n":1.}"#,
            #"{"type":"syscall","n":-}"#, #"{"type":"syscall","n":1e}"#, #"{"type":"syscall","n":+1}"#,
            // Invalid inside the values the comparison ignores: still damage.
            #"{"type":"syscall","time":1.}"#, #"{"type":"syscall","monotime":[1,]}"#, #"{"type":"syscall","time":"\q"}"#,
            #"{"type":"deliver-result","dr":["ok",null,{"compute":1,"timestamps":[1,,2]}]}"#,
            #"{"type":"console","args":[}"#, #"{"type":"deliver","replay":true,"x":nul}"#,
            #"{"type":"syscall""#, #"{"type":"syscall","#, #"{"type":"syscall",}"#, #"{"type" "syscall"}"#, #"{"type":"syscall"}}"#,
            #"["type"]"#, "", "{", "{\"type\":\"syscall\",\"s\":\"abc", "{\"\u{0}\":1}",
        ]
        for text in invalid {
            let (fast, canonical) = Self.both(text)
            #expect(fast.outcome == .notJSON, "\(text)")
            #expect(fast == canonical, "\(text)")
        }
    }

    @Test func exclusionsAreTheSameOnBothPaths() {
        let cases: [(String, ConsensusNormalizer.Canonical)] = [
            (#"{"type":"console","args":["x"]}"#, .excluded),
            (#"{"type":"cons\u006fle","args":["x"]}"#, .excluded),
            (#"{"type":"deliver","replay":true}"#, .excluded),
            (#"{"type":"deliver","replay" : true}"#, .excluded),
            (#"{"type":"deliver","replay":false}"#, .record),
            (#"{"type":"deliver","replay":"true"}"#, .record),
            (#"{"type":["console"]}"#, .record),
            (#"{"a":1,"type":"create-vat"}"#, .excluded),
            (#"{}"#, .record),
            (#" { } "#, .record),
        ]
        for (text, outcome) in cases {
            let (fast, canonical) = Self.both(text)
            #expect(fast.outcome == outcome, "\(text)")
            #expect(fast == canonical, "\(text)")
        }
        // Ignored fields may be `type` itself, or a nested rule's key.
        let rules = NondeterministicFields.agoric.adding(fields: ["type", "kd"])
        for text in [#"{"type":"console","kd":[1]}"#, #"{"type":"deliver","kd":{"a":1},"dr":[{"timestamps":1,"b":2}]}"#] {
            let (fast, canonical) = Self.both(text, rules)
            #expect(fast == canonical, "\(text)")
        }
    }

    /// Thousands of records broken or respelled at random: whatever the bytes, both paths agree.
    @Test(arguments: [1, 2, 3, 4]) func mutatedRecordsAgreeOnBothPaths(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let sources = try RealSlog.lines().map(\.bytes) + AgoricSlog().block(2).map { Array($0.utf8) }
        let alphabet = Array(#" "{}[],:\/-+.0123456789eEtrufalsn"u"#.utf8) + [0x0A, 0x01, 0xC3, 0xA9]
        var canonicalizer = ConsensusNormalizer.Canonicalizer(fields: .agoric, sortsTopLevel: false)
        var outcomes: [ConsensusNormalizer.Canonical: Int] = [:]
        for _ in 0..<3000 {
            var bytes = sources[Int(random.next() % UInt64(sources.count))]
            for _ in 0..<(1 + Int(random.next() % 3)) where !bytes.isEmpty {
                let at = Int(random.next() % UInt64(bytes.count))
                let byte = alphabet[Int(random.next() % UInt64(alphabet.count))]
                switch random.next() % 4 {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(byte, at: at)
                case 2: bytes[at] = byte
                default:
                    // Whitespace after a structural byte: valid, only the spelling changes.
                    if [0x2C, 0x3A, 0x5B, 0x7B].contains(bytes[at]) { bytes.insert(0x20, at: at + 1) } else { bytes[at] = byte }
                }
            }
            let (fast, canonical) = bytes.withUnsafeBytes { Self.both($0, &canonicalizer) }
            #expect(fast == canonical, "\(String(decoding: bytes, as: UTF8.self))")
            outcomes[fast.outcome, default: 0] += 1
        }
        // Both kinds were exercised.
        #expect((outcomes[.record] ?? 0) > 100 && (outcomes[.notJSON] ?? 0) > 100, "\(outcomes)")
    }

    /// The members the fast path notes while it validates (slot by key) are the ones a search
    /// by key finds, and the member digest is the same on both paths.
    @Test func indexedValuesAndDigestsMatchASearchAndTheCanonicalPath() throws {
        let keys = ["crankType", "crankhash", "vatID", "kd", "replay", "blockHeight"]
        var canonicalizer = ConsensusNormalizer.Canonicalizer(fields: .agoric, sortsTopLevel: false, indexedKeys: keys)
        var general = ConsensusNormalizer.Canonicalizer(fields: .agoric, sortsTopLevel: false)
        let generated = (1...3).flatMap { AgoricSlog(clockOffset: 0.3).block($0) }.map { Array($0.utf8) }
        var indexed = 0
        for bytes in try RealSlog.lines().map(\.bytes) + generated + [Array(#"{"vatID":"v1","type":"deliver","vatID":"v2"}"#.utf8)] {
            bytes.withUnsafeBytes { bytes in
                let outcome = ConsensusNormalizer.canonicalMembers(bytes, using: &canonicalizer)
                guard outcome == .record else { return }
                #expect(ConsensusNormalizer.canonical(bytes, using: &general) == .record)
                var digest = MemberDigest()
                general.forEachMember { digest.add(UnsafeRawBufferPointer(rebasing: general.result[$0])) }
                #expect(canonicalizer.memberDigest(of: bytes) == digest)
                guard canonicalizer.indexesTopLevel else { return }
                indexed += 1
                for (slot, key) in (["type", "crankNum"] + keys).enumerated() {
                    #expect(canonicalizer.indexedValue(slot, in: bytes) == JSONScan.value(forKey: Array(key.utf8), in: bytes), "\(key)")
                }
            }
        }
        #expect(indexed > 100)
    }

    /// More distinct keys than the key-rule cache holds, each record with a new one: every
    /// record still gets its rules (`time` dropped, `crankNum` noted).
    @Test func keyRulesStayRightWhenTheCacheOverflows() {
        var canonicalizer = ConsensusNormalizer.Canonicalizer(fields: .agoric, sortsTopLevel: false)
        for round in 0..<2 {
            for n in 0..<1000 {
                let text = #"{"k\#(n)":\#(n),"time":1.5,"crankNum":\#(n),"x\#(n % 7)":1}"#
                withUTF8Bytes(text) { bytes in
                    #expect(ConsensusNormalizer.canonicalMembers(bytes, using: &canonicalizer) == .record)
                    var members: [String] = []
                    canonicalizer.forEachCanonicalMember(of: bytes) { members.append(String(decoding: $0, as: UTF8.self)) }
                    #expect(members == [#""k\#(n)":\#(n)"#, #""crankNum":\#(n)"#, #""x\#(n % 7)":1"#], "round \(round)")
                    #expect(canonicalizer.crankNumValue(in: bytes).flatMap { JSONScan.uint64($0, in: bytes) } == UInt64(n))
                }
            }
        }
    }
}

/// The member hash behind slog-diff's record digests.
@Suite struct MemberDigestTests {
    private static func hash(_ bytes: [UInt8]) -> MemberDigest {
        var digest = MemberDigest()
        bytes.withUnsafeBytes { digest.add($0) }
        return digest
    }

    /// Every byte of a member counts, at every length the word reads treat differently (1-3,
    /// 4-7, whole words, an overlapping last word), and so does the length.
    @Test func everyByteAndTheLengthCount() {
        for length in 0...40 {
            let text = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            let reference = Self.hash(text)
            var seen: Set<UInt64> = [reference.high]
            for index in 0..<length {
                var changed = text
                changed[index] ^= 0x01
                #expect(seen.insert(Self.hash(changed).high).inserted, "length \(length), byte \(index)")
            }
            #expect(Self.hash(text + [0]) != reference, "length \(length)")
        }
    }

    @Test func membersCountInAnyOrder() {
        let members = [#""type":"deliver""#, #""crankNum":7"#, #""kd":["message","ko1"]"#].map { Array($0.utf8) }
        var forward = MemberDigest()
        var backward = MemberDigest()
        for member in members { member.withUnsafeBytes { forward.add($0) } }
        for member in members.reversed() { member.withUnsafeBytes { backward.add($0) } }
        #expect(forward == backward && forward.members == 3)
        var fewer = MemberDigest()
        for member in members.dropLast() { member.withUnsafeBytes { fewer.add($0) } }
        #expect(fewer != forward)
    }
}
