import TestSupport
import Foundation
import Testing

/// The real `slog-diff` on pairs of validators whose slogs differ in one crank, injected in
/// different ways; each asserts the exact crank, block and first differing record reported.
///
/// Crank numbers: block H holds cranks 4H...4H+3 (`Validator`), so crank 22 is the third
/// crank of block 5. The second validator always has another clock (every nondeterministic
/// field differs) so only the injected fault may be reported.
@Suite struct SlogDiffDivergenceTests {
    let honest = Validator()

    func faulty(_ faults: Validator.Fault...) -> Validator {
        Validator(clockOffset: 0.5, faults: faults)
    }

    @Test func syscallArgumentThatDiffersIsTheFirstDifferingRecord() throws {
        try withTemporaryDirectory { dir in
            let paths = try writeSlogs(dir, [
                ("a", honest.blocks(1...10)), ("b", faulty(.syscallArgument(crank: 22)).blocks(3...12)),
            ])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.verdict == "divergent")
            #expect(result.crank == 22 && result.height == 5)
            #expect(result.basis == "crankhash")
            #expect(result.lastAgreeingCrank == 21)
            #expect(result.recordResult == "changed")
            #expect(result.records?["type"] as? String == "syscall")
            #expect(result.records?["index"] as? Int == 5)  // crank-start, deliver, syscall, result, syscall
            #expect(result.fieldPaths == ["ksc[3]", "vsc[2]"])
            let fields = try #require(result.records?["fields"] as? [[String: Any]])
            #expect(fields[0]["a"] as? String == #""state-22-1""#)
            #expect(fields[0]["b"] as? String == #""DIVERGED""#)
            let inputs = try #require(result.divergence?["inputs"] as? [[String: Any]])
            #expect(inputs.map { $0["vatID"] as? String } == ["v3", "v3"])
            #expect(inputs.map { $0["deliveryKind"] as? String } == ["message", "message"])
            #expect(inputs[0]["crankhash"] as? String != inputs[1]["crankhash"] as? String)
            #expect((inputs[0]["crankhash"] as? String)?.count == 64)
            let overlap = try #require(result.overlap)
            #expect(overlap["firstCrank"] as? Int == 12 && overlap["lastCrank"] as? Int == 43)
            #expect(overlap["firstHeight"] as? Int == 3 && overlap["lastHeight"] as? Int == 10)
            #expect(result.couldBeHidden == false)
        }
    }

    @Test func extraSyscallIsReportedAsExtraRecords() throws {
        try withTemporaryDirectory { dir in
            let paths = try writeSlogs(dir, [
                ("a", honest.blocks(2...9)), ("b", faulty(.extraSyscall(crank: 22)).blocks(2...9)),
            ])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.crank == 22 && result.height == 5 && result.basis == "crankhash")
            #expect(result.lastAgreeingCrank == 21)
            #expect(result.recordResult == "extra")
            #expect(result.records?["extraIn"] as? String == "B")
            #expect(result.records?["count"] as? Int == 2)  // the syscall and its result
            #expect(result.records?["index"] as? Int == 5)
            #expect(result.records?["type"] as? String == "syscall")
            let b = try #require(result.records?["b"] as? [String: Any])
            #expect((b["record"] as? String)?.contains(#""vom.extra/22""#) == true)
        }
    }

    @Test func deliveryToAnotherVatShowsTheVatField() throws {
        try withTemporaryDirectory { dir in
            let paths = try writeSlogs(dir, [
                ("a", honest.blocks(2...9)), ("b", faulty(.otherVat(crank: 22)).blocks(2...9)),
            ])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.crank == 22 && result.height == 5)
            #expect(result.records?["type"] as? String == "deliver")
            #expect(result.records?["index"] as? Int == 2)
            #expect(result.fieldPaths == ["vatID"])
            let inputs = try #require(result.divergence?["inputs"] as? [[String: Any]])
            #expect(inputs.map { $0["vatID"] as? String } == ["v3", "v9"])
        }
    }

    @Test(arguments: [(crank: 20, lastAgreeing: 19), (crank: 23, lastAgreeing: 22)])
    func divergenceInTheFirstAndLastCrankOfABlock(_ case: (crank: Int, lastAgreeing: Int)) throws {
        try withTemporaryDirectory { dir in
            let paths = try writeSlogs(dir, [
                ("a", honest.blocks(1...8)),
                ("b", faulty(.syscallArgument(crank: UInt64(`case`.crank))).blocks(1...8)),
            ])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.crank == `case`.crank && result.height == 5)
            #expect(result.lastAgreeingCrank == `case`.lastAgreeing)
            let last = try #require(result.first?["lastAgreeing"] as? [String: Any])
            #expect(last["blockHeight"] as? Int == (`case`.crank == 20 ? 4 : 5))
            #expect(result.fieldPaths == ["ksc[3]", "vsc[2]"])
        }
    }

    @Test func divergenceInTheFirstCrankOfTheOverlapHasNoLastAgreeingCrank() throws {
        try withTemporaryDirectory { dir in
            // B starts with block 5: its first crank, 20, is the first of the overlap.
            let paths = try writeSlogs(dir, [
                ("a", honest.blocks(1...8)), ("b", faulty(.syscallArgument(crank: 20)).blocks(5...10)),
            ])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.crank == 20 && result.height == 5)
            #expect(result.lastAgreeingCrank == nil)
            #expect(result.first?["lastAgreeing"] is NSNull)
            #expect(result.recordResult == "changed")
        }
    }

    @Test func divergenceInTheCrankRightAfterAnOverlapThatStartsMidCrank() throws {
        try withTemporaryDirectory { dir in
            // B's fragment starts in the middle of crank 20 (after its deliver): crank 20 is
            // compared by its hashes only, and crank 21 is the first divergence.
            let lines = faulty(.syscallArgument(crank: 21)).blocks(5...10)
            let cut = try #require(lines.firstIndex { $0.contains(#""type":"syscall","crankNum":20,"#) })
            let paths = try writeSlogs(dir, [("a", honest.blocks(1...8)), ("b", Array(lines[cut...]))])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.crank == 21 && result.height == 5)
            #expect(result.lastAgreeingCrank == 20)
            #expect(result.overlap?["firstCrank"] as? Int == 20)
            #expect(result.fieldPaths == ["ksc[3]", "vsc[2]"])
            // Its block is known from the commit that ends the fragment's first block.
            let inputs = try #require(result.divergence?["inputs"] as? [[String: Any]])
            #expect(inputs.map { $0["blockHeight"] as? Int } == [5, 5])
        }
    }

    @Test func divergenceInACrankCutByTheFragmentStartIsFoundByItsHashes() throws {
        try withTemporaryDirectory { dir in
            let lines = faulty(.syscallArgument(crank: 20)).blocks(5...10)
            let cut = try #require(lines.firstIndex { $0.contains(#""type":"deliver","crankNum":20,"#) })
            let paths = try writeSlogs(dir, [("a", honest.blocks(1...8)), ("b", Array(lines[(cut + 1)...]))])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.crank == 20 && result.height == 5 && result.basis == "crankhash")
            // B's records from its start on are compared with A's: the differing syscall shows.
            #expect(result.recordResult == "changed")
            #expect(result.fieldPaths == ["ksc[3]", "vsc[2]"])
            #expect((result.first?["note"] as? String)?.contains("starts before the window of B") == true)
        }
    }

    @Test func recordsThatDifferWhileHashesAgreeAreReported() throws {
        try withTemporaryDirectory { dir in
            // A read-only syscall writes nothing, so it changes no hash (agoric-sdk #3726).
            let paths = try writeSlogs(dir, [
                ("a", honest.blocks(1...8)), ("b", faulty(.extraReadOnlySyscall(crank: 26)).blocks(1...8)),
            ])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.verdict == "divergent")
            #expect(result.json["divergence"] is NSNull)
            #expect(result.crank == 26 && result.height == 6 && result.basis == "records")
            #expect(result.lastAgreeingCrank == 25)
            #expect(result.recordResult == "extra")
            #expect(result.records?["extraIn"] as? String == "B")
            let extra = try #require(result.records?["b"] as? [String: Any])
            #expect((extra["record"] as? String)?.contains(#""syscall":"vatstoreGet""#) == true)
        }
    }

    @Test func recordsDifferingBeforeTheHashesIsReportedFirst() throws {
        try withTemporaryDirectory { dir in
            let paths = try writeSlogs(dir, [
                ("a", honest.blocks(1...8)),
                ("b", faulty(.computeMeter(crank: 18), .syscallArgument(crank: 25)).blocks(1...8)),
            ])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.crank == 18 && result.basis == "records")
            #expect(result.fieldPaths == ["dr[2].compute"])
            #expect(result.divergence?["crankNum"] as? Int == 25)
            #expect(result.divergence?["basis"] as? String == "crankhash")
        }
    }

    @Test func withoutHashesTheRecordsAreCompared() throws {
        try withTemporaryDirectory { dir in
            var a = honest
            a.hashes = false
            var b = faulty(.syscallArgument(crank: 22))
            b.hashes = false
            let paths = try writeSlogs(dir, [("a", a.blocks(1...8)), ("b", b.blocks(3...9))])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.crank == 22 && result.height == 5 && result.basis == "records")
            #expect(result.lastAgreeingCrank == 21)
            #expect(result.fieldPaths == ["ksc[3]", "vsc[2]"])
            #expect((result.overlap?["compared"] as? [String: Int])?["records"] == 11)
        }
    }

    @Test func identicalRecordsWithDifferentHashesSayTheSlogDoesNotShowTheDifference() throws {
        try withTemporaryDirectory { dir in
            // Same records, but B's crankhash of crank 22 (and the chain after it) differs:
            // a state change the slog does not show.
            let a = honest.blocks(1...8)
            let b = Validator(clockOffset: 0.5).blocks(1...8).map { line -> String in
                guard line.contains(#""type":"crank-finish""#), line.contains(#""crankNum":22,"#) else { return line }
                // Another hex digit first: still a well-formed hash.
                let start = line.range(of: #""crankhash":""#)!.upperBound
                let digit = line[start] == "0" ? "1" : "0"
                return line.replacingCharacters(in: start..<line.index(after: start), with: digit)
            }
            let paths = try writeSlogs(dir, [("a", a), ("b", b)])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.crank == 22 && result.basis == "crankhash")
            #expect(result.recordResult == "same")
            let inputs = try #require(result.divergence?["inputs"] as? [[String: Any]])
            #expect(inputs[1]["crankhash"] as? String != inputs[0]["crankhash"] as? String)
        }
    }

    @Test func aHashThatIsNotHexIsDamageNotADivergence() throws {
        try withTemporaryDirectory { dir in
            // A crankhash garbled into something no kernel writes (no checksum in slogfiles).
            let b = Validator(clockOffset: 0.5).blocks(1...8).map { line -> String in
                guard line.contains(#""type":"crank-finish""#), line.contains(#""crankNum":22,"#) else { return line }
                return line.replacingOccurrences(of: #""crankhash":""#, with: #""crankhash":"0"#)
            }
            let paths = try writeSlogs(dir, [("a", honest.blocks(1...8)), ("b", b)])
            let result = try diff(paths)
            #expect(result.status == 2)
            #expect(result.verdict == "incomplete")
            let uncompared = try #require(result.json["uncompared"] as? [[String: Any]])
            #expect(uncompared.first?["reason"] as? String == "its hashes are not hex (damaged) in B")
        }
    }

    /// The hashes reported are the records' own, all 64 digits (they are parsed eight digits
    /// at a time), upper-case digits read as the same hash written in lower case.
    @Test func reportedHashesAreTheRecordsOwnDigits() throws {
        try withTemporaryDirectory { dir in
            // Hashes spelled in upper case (in both: a hash's spelling is record content).
            func uppercased(_ lines: [String]) -> [String] {
                lines.map { line in
                    guard line.contains(#""type":"crank-finish""#) else { return line }
                    return line.replacing(/"(crankhash|activityhash)":"([0-9a-f]{64})"/) { "\"\($0.1)\":\"\($0.2.uppercased())\"" }
                }
            }
            let a = uppercased(honest.blocks(1...8))
            func hashes(_ lines: [String], crank: Int) throws -> (String, String) {
                let finish = try #require(lines.first { $0.contains(#""type":"crank-finish""#) && $0.contains(#""crankNum":\#(crank),"#) })
                func hash(_ key: String) throws -> String {
                    let range = try #require(finish.range(of: #"(?<=""# + key + #"":")[0-9a-fA-F]{64}"#, options: .regularExpression))
                    return String(finish[range])
                }
                return (try hash("crankhash"), try hash("activityhash"))
            }
            let b = uppercased(faulty(.syscallArgument(crank: 22)).blocks(1...8))
            let paths = try writeSlogs(dir, [("a", a), ("b", b)])
            let result = try diff(paths)
            #expect(result.status == 1 && result.crank == 22 && result.lastAgreeingCrank == 21)
            let inputs = try #require(result.divergence?["inputs"] as? [[String: Any]])
            let (crankA, activityA) = try hashes(a, crank: 22)
            let (crankB, activityB) = try hashes(b, crank: 22)
            #expect(inputs[0]["crankhash"] as? String == crankA.lowercased())
            #expect(inputs[0]["activityhash"] as? String == activityA.lowercased())
            #expect(inputs[1]["crankhash"] as? String == crankB.lowercased())
            #expect(inputs[1]["activityhash"] as? String == activityB.lowercased())
            #expect(crankB.contains { $0.isUppercase })
        }
    }
}
