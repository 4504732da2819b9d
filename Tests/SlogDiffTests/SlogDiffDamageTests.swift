import SlogSamples
import TestSupport
import Foundation
import FlightRecorder
import SlogModel
import SlogRing
import Testing

/// Damaged and hostile inputs: never a crash; damage is reported with its place, and the
/// verdict says whether what could not be compared could hide the divergence.
@Suite struct SlogDiffDamageTests {
    /// `lines` with every record of crank `crank` replaced by one line of garbage.
    func damaging(_ lines: [String], crank: UInt64) -> [String] {
        var out: [String] = []
        var replaced = false
        for line in lines {
            if line.contains(#""crankNum":\#(crank),"#) {
                if !replaced { out.append("\u{1}\u{2}garbage that is no JSON object") }
                replaced = true
            } else {
                out.append(line)
            }
        }
        return out
    }

    /// B diverges from A at crank 25 (a syscall argument) and has crank `damaged` torn; slog-diff
    /// still finds the divergence (status 1, crank 25). Returns the two slogs' paths and its result.
    private func diffDivergingAtCrank25(damaged: UInt64, in dir: String) throws -> (paths: [String], result: DiffResult) {
        let b = damaging(Validator(clockOffset: 1, faults: [.syscallArgument(crank: 25)]).blocks(1...8), crank: damaged)
        let paths = try writeSlogs(dir, [("a", Validator().blocks(1...8)), ("b", b)])
        let result = try diff(paths)
        #expect(result.status == 1)
        #expect(result.crank == 25)
        return (paths, result)
    }

    /// Crank numbers far beyond the others and below the first (damaged or hostile numbering)
    /// are kept apart from the consecutive ones (slog-diff indexes those in an array): nothing
    /// is lost or allocated for the gap, and a divergence in such a crank is still found.
    @Test func farApartCrankNumbersAreComparedToo() throws {
        func crank(_ number: UInt64, hash: String) -> [String] {
            let h = String(repeating: hash, count: 64)
            return [
                #"{"type":"crank-start","crankType":"delivery","crankNum":\#(number),"time":1}"#,
                #"{"type":"deliver","crankNum":\#(number),"vatID":"v1","replay":false,"dispatch":"message","kd":["message","ko1"],"time":2}"#,
                #"{"type":"crank-finish","crankNum":\#(number),"crankhash":"\#(h)","activityhash":"\#(h)","time":3}"#,
            ]
        }
        let far: UInt64 = 1 << 60
        try withTemporaryDirectory { dir in
            let common = Validator().blocks(1...4)
            let a = crank(2, hash: "a") + common + crank(far, hash: "b") + crank(far + 5, hash: "c")
            let b = crank(2, hash: "a") + common + crank(far, hash: "b") + crank(far + 5, hash: "d")
            let paths = try writeSlogs(dir, [("a", a), ("b", b)])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.crank.map(UInt64.init) == far + 5)
            #expect(result.basis == "crankhash")
            #expect(result.lastAgreeingCrank.map(UInt64.init) == far)
            let cranks = common.filter { $0.contains(#""type":"crank-finish""#) }.count + 3
            #expect(result.inputs.count == 2 && result.inputs.allSatisfy { $0["cranks"] as? Int == cranks }, "\(result.inputs)")
        }
    }

    @Test func damageBeforeTheDivergenceCouldHideAnEarlierOne() throws {
        try withTemporaryDirectory { dir in
            let (paths, result) = try diffDivergingAtCrank25(damaged: 17, in: dir)
            #expect(result.height == 6)
            #expect(result.lastAgreeingCrank == 24)
            #expect(result.couldBeHidden == true)
            let uncompared = try #require(result.json["uncompared"] as? [[String: Any]])
            #expect(uncompared.count == 1)
            #expect(uncompared[0]["firstCrank"] as? Int == 17 && uncompared[0]["lastCrank"] as? Int == 17)
            #expect(uncompared[0]["reason"] as? String == "not finished in B")
            let hiding = try #require(result.json["hidingProblems"] as? [[String: Any]])
            #expect(hiding.count == 1)
            #expect(hiding[0]["input"] as? String == "B")
            #expect(hiding[0]["afterCrank"] as? Int == 16 && hiding[0]["beforeCrank"] as? Int == 18)
            let text = try runTool("slog-diff", paths)
            #expect(text.lines.contains { $0.contains("problem: ") && $0.contains("is not a JSON object") && $0.hasSuffix("(between cranks 16 and 18)") })
            #expect(text.lines.last?.contains("An earlier divergence could be hidden") == true)
            #expect(text.lines.last?.contains("crank 17 (not finished in B)") == true)
        }
    }

    @Test func damageWithoutDivergenceIsAnIncompleteAnswer() throws {
        try withTemporaryDirectory { dir in
            let paths = try writeSlogs(dir, [
                ("a", Validator().blocks(1...8)), ("b", damaging(Validator(clockOffset: 1).blocks(1...8), crank: 17)),
            ])
            let result = try diff(paths)
            #expect(result.status == 2)
            #expect(result.verdict == "incomplete")
            #expect(result.couldBeHidden == true)
            let text = try runTool("slog-diff", paths)
            #expect(text.status == 2)
            #expect(text.lines.last?.hasPrefix("verdict: no divergence in the cranks compared, but not all of the overlap could be compared") == true)
        }
    }

    @Test func damageAfterTheDivergenceCannotHideIt() throws {
        try withTemporaryDirectory { dir in
            let (_, result) = try diffDivergingAtCrank25(damaged: 30, in: dir)
            #expect(result.couldBeHidden == false)
            #expect((result.inputs[1]["damage"] as? Int) == 1)
        }
    }

    @Test func damageInsideACrankLeavesItNotFullyCompared() throws {
        try withTemporaryDirectory { dir in
            // One syscall record of crank 17 torn: its hashes agree, but a read in the torn
            // record could differ unseen, so the answer is incomplete, not "all agree".
            var b = Validator(clockOffset: 1).blocks(1...8)
            let index = try #require(b.firstIndex { $0.contains(#""type":"syscall","crankNum":17,"#) })
            b[index] = "{ torn"
            let paths = try writeSlogs(dir, [("a", Validator().blocks(1...8)), ("b", b)])
            let result = try diff(paths)
            #expect(result.status == 2)
            #expect(result.verdict == "incomplete")
            #expect(result.couldBeHidden == true)
            let uncompared = try #require(result.json["uncompared"] as? [[String: Any]])
            #expect(uncompared.map { $0["reason"] as? String } == ["records lost in B (its hashes agree)"])
            #expect((result.json["verdictText"] as? String)?.contains("B is damaged") == true)
        }
    }

    @Test func corruptedRingFrameIsReportedNotFatal() throws {
        try withTemporaryDirectory { dir in
            let ring = "\(dir)/b.ring"
            try recordRing(ring, capacity: 1 << 20, Validator(clockOffset: 1, faults: [.syscallArgument(crank: 33)]).blocks(1...9))
            // Scribble over 5000 bytes early in the data: more than a crank's records.
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: ring))
            try handle.seek(toOffset: 4096 + 16_000)
            try handle.write(contentsOf: Data(repeating: 0x5A, count: 5000))
            try handle.close()
            #expect(try !readRing(ring).issues.isEmpty)
            let a = try writeSlogs(dir, [("a", Validator().blocks(1...9))])[0]
            let result = try diff([a, ring])
            #expect(result.status == 1)
            #expect(result.crank == 33 && result.height == 8)
            #expect((result.inputs[1]["damage"] as? Int ?? 0) >= 1)
            #expect(result.couldBeHidden == true)
        }
    }

    @Test(arguments: [0, 1, 2])
    func hostileBytesNeverCrash(_ seed: Int) throws {
        try withTemporaryDirectory { dir in
            var generator = SplitMix64(seed: UInt64(seed))
            var bytes = (0..<200_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if seed == 1 {
                // Deep nesting and a crank-shaped prefix.
                bytes = Array(#"{"type":"crank-finish","crankNum":5,"crankhash":"#.utf8) + [UInt8](repeating: UInt8(ascii: "["), count: 100_000) + [0x0A]
            } else if seed == 2 {
                bytes = Array("SLOGRNG\0".utf8) + bytes  // a ring magic on garbage
            }
            let hostile = "\(dir)/hostile"
            try writeFile(hostile, bytes)
            let a = try writeSlogs(dir, [("a", Validator().blocks(1...3))])[0]
            let run = try runTool("slog-diff", ["--json", a, hostile])
            #expect(run.status == 2)  // no overlap, or unreadable
            if run.stdout.isEmpty {
                #expect(run.stderr.hasPrefix("slog-diff: \(hostile): "))
            } else {
                #expect(run.stdout.contains(#""reason":"the inputs hold no crank range in common, so there is nothing to compare""#))
                #expect(run.stdout.contains(#""label":"B","file":"\#(hostile)","format":"#))
            }
        }
    }

    @Test func deeplyNestedDifferingRecordIsExplainedWithinBoundedDepth() throws {
        try withTemporaryDirectory { dir in
            // Crank 13's second syscall carries 20,000 nested arrays on one side.
            let deep = String(repeating: "[", count: 20_000) + "1" + String(repeating: "]", count: 20_000)
            var b = Validator(clockOffset: 1).blocks(1...5)
            let index = try #require(b.firstIndex { $0.contains(#""type":"syscall","crankNum":13,"#) && $0.contains(#""syscallNum":1,"#) })
            b[index] = b[index].replacingOccurrences(of: #""ksc":["#, with: #""ksc":[\#(deep),"#)
            let paths = try writeSlogs(dir, [("a", Validator().blocks(1...5)), ("b", b)])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.crank == 13 && result.basis == "records")
            #expect(result.recordResult == "changed")
            let paths0 = result.fieldPaths
            #expect(!paths0.isEmpty && paths0.allSatisfy { $0.hasPrefix("ksc[") })
            #expect(paths0.count <= 32)
        }
    }
}

/// The smaller points of #16: truncation in the verdict, a node that died in a crank.
@Suite struct SlogDiffVerdictTests {
    @Test func aTruncatedInputIsNamedInTheVerdict() throws {
        try withTemporaryDirectory { dir in
            let a = try writeSlogs(dir, [("a", Validator().blocks(1...6))])[0]
            // B stops in the middle of a record: a truncated copy.
            let text = slogText(Validator(clockOffset: 1).blocks(1...6))
            let b = "\(dir)/b.slog"
            try writeFile(b, Array(text.utf8.prefix(text.utf8.count * 2 / 3)))
            let result = try diff([a, b])
            #expect(result.status == 0)
            #expect((result.json["verdictText"] as? String)?.contains("B is truncated") == true)
            let run = try runTool("slog-diff", [a, b])
            #expect(run.lines.last?.contains("all agree. Damaged input: B is truncated") == true)
        }
    }

    @Test func aNodeThatDiedInACrankHasItsRecordsCompared() throws {
        try withTemporaryDirectory { dir in
            let faulty = Validator(clockOffset: 1, faults: [.syscallArgument(crank: 22)]).blocks(1...8)
            let died = faulty.firstIndex { $0.contains(#""type":"syscall-result","crankNum":22,"#) && $0.contains(#""syscallNum":1,"#) }!
            let paths = try writeSlogs(dir, [("a", Validator().blocks(1...8)), ("b", Array(faulty[...died]))])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.crank == 22 && result.basis == "unfinished")
            #expect(result.fieldPaths == ["ksc[3]", "vsc[2]"])
            #expect(try runTool("slog-diff", ["-q"] + paths).status == 1)
            let text = try runTool("slog-diff", paths)
            #expect(text.lines.contains { $0.hasPrefix("DIVERGENCE at block 5, crank 22: the records of a crank not every input finished differ") })

            let honest = Validator(clockOffset: 1).blocks(1...8)
            let cut = honest.firstIndex { $0.contains(#""type":"syscall-result","crankNum":22,"#) && $0.contains(#""syscallNum":1,"#) }!
            let same = try writeSlogs(dir, [("c", Validator().blocks(1...8)), ("d", Array(honest[...cut]))])
            let agreeing = try diff(same)
            #expect(agreeing.status == 0)
            #expect((agreeing.json["unfinished"] as? [String])?.first?.hasPrefix("crank 22 is unfinished in B (its input ends inside it)") == true)
        }
    }
}
