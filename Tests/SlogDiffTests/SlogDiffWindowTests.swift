import TestSupport
import Foundation
import Testing

/// Windows and overlap: fragments that cover different ranges, start or end mid-block or
/// mid-crank, restart, or hold the same execution with different clocks.
@Suite struct SlogDiffWindowTests {
    let honest = Validator()

    @Test func identicalInputsHaveNoDivergence() throws {
        try withTemporaryDirectory { dir in
            let paths = try writeSlogs(dir, [("a", honest.blocks(1...6))])
            let result = try diff([paths[0], paths[0]])
            #expect(result.status == 0)
            #expect(result.verdict == "identical")
            #expect(result.json["divergence"] is NSNull)
            #expect((result.overlap?["compared"] as? [String: Int])?["crankhash"] == 24)
            #expect(result.couldBeHidden == false)
        }
    }

    @Test func inputsThatDifferOnlyInTimesAndStatsAreIdentical() throws {
        try withTemporaryDirectory { dir in
            let a = honest.blocks(1...8)
            let b = Validator(clockOffset: 3.75).blocks(2...9)
            #expect(Set(a).isDisjoint(with: b))  // every line differs as text
            let paths = try writeSlogs(dir, [("a", a), ("b", b)])
            let result = try diff(paths)
            #expect(result.status == 0)
            #expect(result.verdict == "identical")
            #expect(result.overlap?["firstCrank"] as? Int == 8 && result.overlap?["lastCrank"] as? Int == 35)
            #expect(result.overlap?["firstHeight"] as? Int == 2 && result.overlap?["lastHeight"] as? Int == 8)
            #expect((result.overlap?["compared"] as? [String: Int])?["crankhash"] == 28)
            let text = try runTool("slog-diff", paths)
            #expect(text.status == 0)
            #expect(text.lines.last == "verdict: no divergence: 28 cranks compared, all agree")
        }
    }

    @Test func fragmentsWithoutOverlapSaySoWithTheirWindows() throws {
        try withTemporaryDirectory { dir in
            let paths = try writeSlogs(dir, [("a", honest.blocks(1...4)), ("b", honest.blocks(6...9))])
            let result = try diff(paths)
            #expect(result.status == 2)
            #expect(result.verdict == "no-overlap")
            #expect(result.inputs.map { $0["firstCrank"] as? Int } == [4, 24])
            #expect(result.inputs.map { $0["lastCrank"] as? Int } == [19, 39])
            #expect(result.inputs.map { $0["firstHeight"] as? Int } == [1, 6])
            #expect(result.inputs.map { $0["lastHeight"] as? Int } == [4, 9])
            let text = try runTool("slog-diff", paths)
            #expect(text.status == 2)
            #expect(text.lines.contains { $0.hasPrefix("A  ") && $0.contains("blocks 1-4, cranks 4-19 (16 finished)") })
            #expect(text.lines.contains { $0.hasPrefix("B  ") && $0.contains("blocks 6-9, cranks 24-39 (16 finished)") })
            #expect(text.lines.last == "verdict: no overlap: the inputs hold no crank range in common, so there is nothing to compare")
        }
    }

    @Test func inputTruncatedMidCrankIsComparedUpToItsLastFinishedCrank() throws {
        try withTemporaryDirectory { dir in
            let full = Validator(clockOffset: 1).blocks(1...8)
            // Cut in the middle of crank 30's second syscall record: half a line, no newline.
            let cut = try #require(full.firstIndex { $0.contains(#""type":"syscall-result","crankNum":30,"#) })
            let text = full[..<cut].map { $0 + "\n" }.joined() + String(full[cut].prefix(40))
            let b = "\(dir)/b.slog"
            try writeFile(b, Array(text.utf8))
            let a = try writeSlogs(dir, [("a", honest.blocks(1...8))])[0]
            let result = try diff([a, b])
            #expect(result.status == 0)
            #expect(result.verdict == "identical")
            #expect(result.overlap?["lastCrank"] as? Int == 29)
            #expect(result.couldBeHidden == false)
            let problems = try #require(result.inputs[1]["problems"] as? [[String: Any]])
            #expect(problems.count == 1)
            #expect((problems[0]["description"] as? String)?.contains("ends in the middle of a record") == true)
            #expect(problems[0]["afterCrank"] as? Int == 29)
            #expect(result.inputs[1]["unfinishedCranks"] as? Int == 1)

            // The same cut with a divergence before it.
            let faulty = Validator(clockOffset: 1, faults: [.syscallArgument(crank: 25)]).blocks(1...8)
            try writeFile(b, Array((faulty[..<cut].map { $0 + "\n" }.joined() + String(faulty[cut].prefix(40))).utf8))
            let divergent = try diff([a, b])
            #expect(divergent.status == 1)
            #expect(divergent.crank == 25 && divergent.height == 6)
            #expect(divergent.couldBeHidden == false)
        }
    }

    @Test func fragmentStartingMidBlockAndMidCrankGivesNoFalseDivergence() throws {
        try withTemporaryDirectory { dir in
            let lines = Validator(clockOffset: 2).blocks(3...9)
            let start = try #require(lines.firstIndex { $0.contains(#""type":"syscall","crankNum":17,"#) })
            let paths = try writeSlogs(dir, [("a", honest.blocks(1...7)), ("b", Array(lines[start...]))])
            let result = try diff(paths)
            #expect(result.status == 0)
            #expect(result.verdict == "identical")
            #expect(result.overlap?["firstCrank"] as? Int == 17)
            #expect(result.overlap?["firstHeight"] as? Int == 4)
            #expect(result.inputs[1]["firstHeight"] as? Int == 4)
        }
    }

    @Test func afterARestartTheLaterExecutionCounts() throws {
        try withTemporaryDirectory { dir in
            // B ran block 6 with a fault, crashed mid-block, restarted and ran it again
            // correctly: the first execution is superseded.
            let faulty = Validator(clockOffset: 1, faults: [.syscallArgument(crank: 25)]).blocks(6...6)
            let crashPoint = try #require(faulty.firstIndex { $0.hasPrefix(#"{"type":"crank-start","#) && $0.contains(#""crankNum":26,"#) })
            let restarted = Validator(clockOffset: 1)
            let b = restarted.blocks(1...5) + faulty[...crashPoint] + restarted.restartRecords() + restarted.blocks(6...8)
            let paths = try writeSlogs(dir, [("a", honest.blocks(1...8)), ("b", b)])
            let result = try diff(paths)
            #expect(result.status == 0)
            #expect(result.verdict == "identical")
            #expect(result.inputs[1]["reexecutedCranks"] as? Int == 2)  // cranks 24 and 25
            #expect((result.inputs[1]["restarts"] as? Int ?? 0) >= 1)

            // The other way round: the re-execution diverged.
            let honestFirst = restarted.blocks(1...5) + restarted.blocks(6...6)[...crashPoint] + restarted.restartRecords()
                + Validator(clockOffset: 1, faults: [.syscallArgument(crank: 25)]).blocks(6...8)
            try writeLines(paths[1], honestFirst)
            let divergent = try diff(paths)
            #expect(divergent.status == 1)
            #expect(divergent.crank == 25 && divergent.height == 6)
            #expect(divergent.lastAgreeingCrank == 24)
            // Pass 2 finds the records of the later execution.
            #expect(divergent.fieldPaths == ["ksc[3]", "vsc[2]"])
        }
    }
}
