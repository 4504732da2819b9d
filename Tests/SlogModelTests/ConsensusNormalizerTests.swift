import TestSupport
import Foundation
import Testing

@testable import SlogModel
import SlogRing

@Suite struct ConsensusNormalizerTests {
    private typealias Normalized = ConsensusNormalizer.Normalized

    private func normalize(_ text: String, fields: NondeterministicFields = .agoric) -> Normalized {
        withUTF8Bytes(text) { ConsensusNormalizer.normalize($0, fields: fields) }
    }

    private func normalizedText(_ text: String, fields: NondeterministicFields = .agoric) -> String? {
        guard case .record(let bytes) = normalize(text, fields: fields) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: Equal across validators

    @Test func recordsDifferingOnlyInTimingNormalizeEqual() {
        let a = #"{"type":"deliver-result","crankNum":123456001,"vatID":"v5","deliveryNum":50871,"replay":false,"dispatch":"message","dr":["ok",null,{"compute":1464614}],"time":1750000006.350275,"monotime":260440.918075085,"seconds":0.002208233}"#
        let b = #"{"type":"deliver-result","crankNum":123456001,"vatID":"v5","deliveryNum":50871,"replay":false,"dispatch":"message","dr":["ok",null,{"compute":1464614}],"time":1750000011.1,"monotime":12.5,"seconds":0.9}"#
        #expect(normalize(a) == normalize(b))
        #expect(normalizedText(a) == #"{"type":"deliver-result","crankNum":123456001,"vatID":"v5","deliveryNum":50871,"replay":false,"dispatch":"message","dr":["ok",null,{"compute":1464614}]}"#)
    }

    @Test func blockRecordsDropLocalTimingsAndStatsButKeepBlockTime() throws {
        let a = #"{"type":"cosmic-swingset-begin-block","blockHeight":19757145,"blockTime":1747906506,"interBlockSeconds":6.841,"afterCommitHangoverSeconds":0,"blockLagSeconds":0.445,"inboundQueueStats":{"cosmic_swingset_inbound_queue_length":0},"time":1747906506.9,"monotime":3.1}"#
        let b = #"{"type":"cosmic-swingset-begin-block","blockHeight":19757145,"blockTime":1747906506,"interBlockSeconds":7.2,"afterCommitHangoverSeconds":0.01,"blockLagSeconds":1.3,"inboundQueueStats":{"cosmic_swingset_inbound_queue_length":4},"time":1747906507.4,"monotime":99.0}"#
        #expect(normalize(a) == normalize(b))
        #expect(normalizedText(a) == #"{"type":"cosmic-swingset-begin-block","blockHeight":19757145,"blockTime":1747906506}"#)

        let commit = #"{"type":"cosmic-swingset-commit-block-finish","blockHeight":17000000,"blockTime":1750000000,"runSeconds":0.165372,"chainTime":0.011724,"saveTime":0.025004,"cosmosCommitSeconds":0.450846,"fullSaveTime":0.48585,"time":1750000006.985724,"monotime":260441.553524256,"seconds":0.475849867}"#
        #expect(normalizedText(commit) == #"{"type":"cosmic-swingset-commit-block-finish","blockHeight":17000000,"blockTime":1750000000}"#)

        let stats = #"{"type":"cosmic-swingset-after-commit-stats","blockHeight":17000000,"blockTime":1750000000,"memoryUsage":{"rss":1},"heapStats":{"total_heap_size":2},"heapSnapshot":"Heap-1-2.heapsnapshot","statsTime":{"forcedGc":0.5},"time":1.0,"monotime":2.0}"#
        #expect(normalizedText(stats) == #"{"type":"cosmic-swingset-after-commit-stats","blockHeight":17000000,"blockTime":1750000000}"#)
    }

    @Test func whitespaceBetweenMembersIsDropped() {
        #expect(normalizedText(" { \"type\" : \"x\" ,\n \"time\" : 1 , \"n\" : [ 1 ] } ") == #"{"type" : "x","n" : [ 1 ]}"#)
        #expect(normalizedText(#"{"time":1,"monotime":2}"#) == "{}")
        #expect(normalizedText("{}") == "{}")
    }

    // MARK: Different across validators

    @Test func differentSyscallArgumentsStayDifferent() {
        let a = #"{"type":"syscall","crankNum":123456001,"vatID":"v5","deliveryNum":50871,"syscallNum":0,"replay":false,"syscall":"vatstoreSet","ksc":["vatstoreSet","v5","vom.o+d31/2988","{\"state\":{}}"],"vsc":["vatstoreSet","vom.o+d31/2988","{\"state\":{}}"],"time":1750000006.348206,"monotime":260440.916006088}"#
        let b = a.replacingOccurrences(of: #"{\"state\":{}}"],"vsc""#, with: #"{\"state\":{\"x\":1}}"],"vsc""#)
        #expect(a != b)
        #expect(normalize(a) != normalize(b))
    }

    @Test func differentComputeMetersAndBlockTimesStayDifferent() {
        let dr1 = #"{"type":"deliver-result","crankNum":1,"dr":["ok",null,{"compute":1464614}],"time":1}"#
        let dr2 = #"{"type":"deliver-result","crankNum":1,"dr":["ok",null,{"compute":1464615}],"time":1}"#
        #expect(normalize(dr1) != normalize(dr2))
        let block1 = #"{"type":"cosmic-swingset-end-block-start","blockHeight":5,"blockTime":1750000000,"time":1}"#
        let block2 = #"{"type":"cosmic-swingset-end-block-start","blockHeight":5,"blockTime":1750000006,"time":1}"#
        #expect(normalize(block1) != normalize(block2))
        let hash1 = #"{"type":"crank-finish","crankNum":3620,"crankhash":"7390","activityhash":"0eb7"}"#
        let hash2 = #"{"type":"crank-finish","crankNum":3620,"crankhash":"f2b9","activityhash":"3276"}"#
        #expect(normalize(hash1) != normalize(hash2))
    }

    @Test func nestedTimeFieldsAreConsensusData() {
        // Only top-level members are nondeterministic: a `time` inside a message body is data.
        let a = #"{"type":"crank-start","message":{"time":1,"body":"x"},"time":5}"#
        let b = #"{"type":"crank-start","message":{"time":2,"body":"x"},"time":5}"#
        #expect(normalize(a) != normalize(b))
    }

    // MARK: Excluded and not JSON

    @Test func replayAndConsoleRecordsAreExcluded() {
        #expect(normalize(#"{"type":"deliver","crankNum":1,"replay":true,"time":1}"#) == .excluded)
        #expect(normalize(#"{"type":"syscall","replay" : true}"#) == .excluded)
        #expect(normalizedText(#"{"type":"deliver","replay":false}"#) == #"{"type":"deliver","replay":false}"#)
        #expect(normalize(#"{"type":"console","source":"kernel","args":["local text"],"time":1}"#) == .excluded)
        #expect(normalize(#"{"type":"con\u0073ole","args":[]}"#) == .excluded)
        #expect(normalizedText(#"{"type":"consoles"}"#) == #"{"type":"consoles"}"#)
        #expect(normalizedText(#"{"message":{"type":"console"},"type":"send"}"#) != nil)
        let keepingReplays = NondeterministicFields(
            fields: ["time"], suffixes: [], suffixExceptions: [], excludedTypes: [], excludesReplay: false)
        #expect(normalizedText(#"{"type":"console","replay":true,"time":1}"#, fields: keepingReplays)
            == #"{"type":"console","replay":true}"#)
    }

    @Test(arguments: ["", "   ", "garbage", "[1,2]", #"{"type":"x""#, #"{"type":"x",}"#, #"{"a":{]}"#, #"{"a":1} trailing"#])
    func bytesThatAreNotAnObjectAreNotJSON(text: String) {
        #expect(normalize(text) == .notJSON)
    }

    // MARK: Rules

    @Test(arguments: [
        ("time", true), ("monotime", true), ("seconds", true), ("heapStats", true), ("memoryUsage", true),
        ("inboundQueueStats", true), ("interBlockSeconds", true), ("runSeconds", true), ("chainTime", true),
        ("fullSaveTime", true), ("statsTime", true), ("blockTime", false), ("blockHeight", false),
        ("crankNum", false), ("ksc", false), ("dr", false), ("Time", true), ("timestamps", false), ("type", false),
    ])
    func classifiesTopLevelFields(name: String, nondeterministic: Bool) {
        #expect(NondeterministicFields.agoric.isNondeterministic(key: Array(name.utf8)) == nondeterministic)
    }

    @Test func addingFieldsExtendsTheRules() {
        let rules = NondeterministicFields.agoric.adding(fields: ["vatID"])
        #expect(rules != .agoric)
        #expect(rules.isNondeterministic(key: Array("vatID".utf8)))
        #expect(rules.adding(fields: []) == rules)
        #expect(normalizedText(#"{"type":"deliver","vatID":"v5","time":1}"#, fields: rules) == #"{"type":"deliver"}"#)
        #expect(normalizedText(#"{"type":"deliver","v\u0061tID":"v5"}"#, fields: rules) == #"{"type":"deliver"}"#)
    }

    // MARK: Output is JSON

    @Test func outputIsValidJSONWithTheSameDeterministicMembers() throws {
        let samples = [
            ##"{"type":"crank-start","crankType":"routing","crankNum":123456000,"messageType":"send","message":{"type":"send","target":"ko160","msg":{"methargs":{"body":"#[\"wake\",[\"+1750000000\"]]","slots":[]},"result":null}},"time":1750000006.346066,"monotime":260440.913865805}"##,
            #"{"time":1, "type":"x","a":"\u00e9\"","b":[1,{"c":null}],"seconds":2,"d":-1.5e-3}"#,
        ]
        for sample in samples {
            try expectValidNormalization(Array(sample.utf8))
        }
    }

    @Test
    func everyRealLineNormalizesToValidJSON() throws {
        var excluded = 0
        for (_, _, bytes) in try RealSlog.lines() {
            if try !expectValidNormalization(bytes) { excluded += 1 }
        }
        #expect(excluded > 0)  // the samples hold console records
    }

    /// Checks that `record` normalizes to JSON equal to the record minus its nondeterministic
    /// keys; returns `false` if it was excluded.
    @discardableResult
    private func expectValidNormalization(_ record: [UInt8]) throws -> Bool {
        let normalized = record.withUnsafeBytes { ConsensusNormalizer.normalize($0, fields: .agoric) }
        let original = try #require(try JSONSerialization.jsonObject(with: Data(record)) as? [String: Any])
        switch normalized {
        case .excluded:
            #expect(NondeterministicFields.agoric.excludedTypes.contains(original["type"] as? String ?? "") || original["replay"] as? Bool == true)
            return false
        case .notJSON:
            Issue.record("valid JSON reported as not JSON: \(String(decoding: record, as: UTF8.self))")
            return true
        case .record(let bytes):
            let output = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
            var expected = original.filter { !NondeterministicFields.agoric.isNondeterministic(key: Array($0.key.utf8)) }
            // The nested rule: members named there are removed inside objects of that member.
            for (member, names) in NondeterministicFields.agoric.nestedFields {
                func strip(_ value: Any) -> Any {
                    guard let object = value as? [String: Any] else { return value }
                    return object.filter { !names.contains($0.key) }
                }
                if let array = expected[member] as? [Any] {
                    expected[member] = array.map(strip)
                } else if let value = expected[member] {
                    expected[member] = strip(value)
                }
            }
            #expect(try canonical(output) == canonical(expected))
            #expect(output["time"] == nil && output["monotime"] == nil)
            return true
        }
    }

    /// `object` serialized with sorted keys, for comparing parsed records.
    private func canonical(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}

/// The nested rule: xsnap meter timestamps inside `dr` differ between validators, the rest of
/// the meter does not.
@Suite struct NestedNondeterministicFieldTests {
    private func normalized(_ line: String) -> ConsensusNormalizer.Normalized {
        var line = line
        return line.withUTF8 { ConsensusNormalizer.normalize(UnsafeRawBufferPointer($0), fields: .agoric) }
    }

    @Test func meterTimestampsAreIgnoredButComputeIsNot() {
        let a = #"{"type":"deliver-result","crankNum":407,"dr":["ok",null,{"meterType":"xs-meter-34","compute":143185,"allocate":46268416,"timestamps":[1740527497.788211,1740527497.788585]}],"time":1740527497.797708}"#
        let b = #"{"type":"deliver-result","crankNum":407,"dr":["ok",null,{"meterType":"xs-meter-34","compute":143185,"allocate":46268416,"timestamps":[1740527501.1,1740527501.2,1740527501.3]}],"time":1740527501.9}"#
        let c = #"{"type":"deliver-result","crankNum":407,"dr":["ok",null,{"meterType":"xs-meter-34","compute":143186,"allocate":46268416,"timestamps":[1740527497.788211]}],"time":1740527497.797708}"#
        #expect(normalized(a) == normalized(b))
        #expect(normalized(a) != normalized(c))
        #expect(normalized(a) == .record(Array(#"{"type":"deliver-result","crankNum":407,"dr":["ok",null,{"meterType":"xs-meter-34","compute":143185,"allocate":46268416}]}"#.utf8)))
    }

    @Test func otherShapesOfDrAreCopiedAsTheyAre() {
        let line = #"{"type":"deliver-result","dr":["error","boom",null],"x":1}"#
        #expect(normalized(line) == .record(Array(#"{"type":"deliver-result","dr":["error","boom",null],"x":1}"#.utf8)))
        let object = #"{"type":"t","dr":{"timestamps":[1],"compute":2}}"#
        #expect(normalized(object) == .record(Array(#"{"type":"t","dr":{"compute":2}}"#.utf8)))
    }

    @Test func addingFieldsKeepsTheNestedRule() {
        #expect(NondeterministicFields.agoric.adding(fields: ["foo"]).nestedFields == ["dr": ["timestamps"]])
    }
}
