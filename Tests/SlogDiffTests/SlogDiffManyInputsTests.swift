import TestSupport
import Foundation
import Testing

/// Three and more validators: the split at the first crank any of them disagrees on.
@Suite struct SlogDiffManyInputsTests {
    @Test func threeInputsNameTheOddOneOut() throws {
        try withTemporaryDirectory { dir in
            let paths = try writeSlogs(dir, [
                ("alice", Validator().blocks(1...9)),
                ("bob", Validator(clockOffset: 0.3).blocks(2...9)),
                ("carol", Validator(clockOffset: 0.6, faults: [.syscallArgument(crank: 22)]).blocks(3...10)),
            ])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.crank == 22 && result.height == 5 && result.lastAgreeingCrank == 21)
            #expect(result.majority == ["A", "B"])
            #expect(result.odd == ["C"])
            #expect(result.split?["groups"] as? [[String]] == [["A", "B"], ["C"]])
            #expect(result.records?["compared"] as? [String] == ["A", "C"])
            #expect(result.fieldPaths == ["ksc[3]", "vsc[2]"])
            let text = try runTool("slog-diff", paths)
            #expect(text.lines.contains("  split: A, B agree (the majority); C is the odd one out"))
            #expect(text.lines.contains { $0.hasPrefix("  C  ") && $0.hasSuffix("<- odd one out") })
        }
    }

    @Test func fiveInputsNameTheOddOneOut() throws {
        try withTemporaryDirectory { dir in
            var slogs: [(String, [String])] = []
            for (index, name) in ["v1", "v2", "v3", "v4", "v5"].enumerated() {
                let faults: [Validator.Fault] = index == 3 ? [.otherVat(crank: 30)] : []
                slogs.append((name, Validator(clockOffset: Double(index) * 0.1, faults: faults).blocks(UInt64(1 + index % 2)...10)))
            }
            let paths = try writeSlogs(dir, slogs)
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.crank == 30 && result.height == 7 && result.lastAgreeingCrank == 29)
            #expect(result.majority == ["A", "B", "C", "E"])
            #expect(result.odd == ["D"])
            #expect(result.records?["compared"] as? [String] == ["A", "D"])
            #expect(result.fieldPaths == ["vatID"])
            let inputs = try #require(result.divergence?["inputs"] as? [[String: Any]])
            #expect(inputs.map { $0["group"] as? Int } == [0, 0, 0, 1, 0])
        }
    }

    @Test func evenSplitHasNoMajority() throws {
        try withTemporaryDirectory { dir in
            let faulty = Validator(clockOffset: 0.2, faults: [.syscallArgument(crank: 17)])
            let paths = try writeSlogs(dir, [
                ("a", Validator().blocks(1...6)), ("b", faulty.blocks(1...6)),
                ("c", Validator(clockOffset: 0.4).blocks(1...6)), ("d", faulty.blocks(1...6)),
            ])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.crank == 17 && result.height == 4)
            #expect(result.split?["majority"] is NSNull)
            #expect(result.split?["groups"] as? [[String]] == [["A", "C"], ["B", "D"]])
            #expect(result.odd == [])
            let text = try runTool("slog-diff", paths)
            #expect(text.lines.contains("  split: A, C | B, D (no majority)"))
        }
    }
}
