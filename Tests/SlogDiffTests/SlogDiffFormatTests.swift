import TestSupport
import Foundation
import FlightRecorder
import SlogModel
import SlogRing
import Testing

/// Every input format slog-tail reads, diffed against each other: rings written by the real
/// FlightRecorder (with its markers), Agoric flight-recorder.bin files written by Agoric's
/// algorithm, slogfiles, standard input.
@Suite struct SlogDiffFormatTests {
    @Test func agoricFileAgainstOurRingFindsTheDivergentCrank() throws {
        try withTemporaryDirectory { dir in
            let ring = "\(dir)/ours.ring"
            try recordRing(ring, capacity: 1 << 20, Validator().blocks(1...8))
            let recorded = try readRing(ring)
            #expect(recorded.slog == Validator().blocks(1...8))
            #expect(recorded.markers.contains(.blockCommit(height: 8)))

            // Theirs: Agoric's own ring, small enough to have wrapped (it starts mid-block).
            var agoric = AgoricWriter(fileSize: 48 << 10)
            let theirs = Validator(clockOffset: 0.8, faults: [.syscallArgument(crank: 25)]).blocks(1...8)
            for line in theirs { agoric.write(line) }
            let bin = "\(dir)/flight-recorder.bin"
            try writeFile(bin, agoric.file)

            let result = try diff([ring, bin])
            #expect(result.status == 1)
            #expect(result.inputs.map { $0["format"] as? String } == ["ring", "agoric"])
            #expect(result.crank == 25 && result.height == 6 && result.lastAgreeingCrank == 24)
            #expect(result.fieldPaths == ["ksc[3]", "vsc[2]"])
            let first = try #require(result.inputs[1]["firstCrank"] as? Int)
            #expect(first > 4 && first < 24)  // the Agoric file lost its oldest blocks

            // And without the fault: identical, though the Agoric file starts mid-block.
            var honest = AgoricWriter(fileSize: 48 << 10)
            for line in Validator(clockOffset: 0.8).blocks(1...8) { honest.write(line) }
            try writeFile(bin, honest.file)
            let same = try diff([ring, bin])
            #expect(same.status == 0 && same.verdict == "identical")
        }
    }

    @Test func wrappedFlightRecorderRingsWithMarkersGiveTheExactCrank() throws {
        try withTemporaryDirectory { dir in
            let a = "\(dir)/a.ring"
            let b = "\(dir)/b.ring"
            try recordRing(a, capacity: 40 << 10, Validator().blocks(1...12))
            try recordRing(b, capacity: 56 << 10, Validator(clockOffset: 1.5, faults: [.extraSyscall(crank: 41)]).blocks(1...12))
            let ringA = try readRing(a)
            let ringB = try readRing(b)
            #expect(ringA.slog.count < Validator().blocks(1...12).count)  // both wrapped
            #expect(ringB.slog.count < Validator().blocks(1...12).count)
            #expect(ringA.markers.contains { if case .crankFinish(41, _, _) = $0 { true } else { false } })
            let result = try diff([a, b])
            #expect(result.status == 1)
            #expect(result.crank == 41 && result.height == 10 && result.lastAgreeingCrank == 40)
            #expect(result.recordResult == "extra" && result.records?["extraIn"] as? String == "B")
            #expect(result.couldBeHidden == false)
        }
    }

    @Test func wrappedRingAgainstAFullSlogfileIsIdentical() throws {
        try withTemporaryDirectory { dir in
            let ring = "\(dir)/a.ring"
            try recordRing(ring, capacity: 24 << 10, Validator(clockOffset: 4).blocks(1...10))
            #expect(try readRing(ring).issues.isEmpty)
            let slog = try writeSlogs(dir, [("b", Validator().blocks(1...10))])[0]
            let result = try diff([ring, slog])
            #expect(result.status == 0)
            #expect(result.verdict == "identical")
            #expect(result.overlap?["lastCrank"] as? Int == 43)
        }
    }

    @Test func standardInputIsReadAsAnInput() throws {
        try withTemporaryDirectory { dir in
            let a = try writeSlogs(dir, [("a", Validator().blocks(1...6))])[0]
            let b = Validator(clockOffset: 1, faults: [.syscallArgument(crank: 13)]).blocks(1...6)
            let result = try diff([a, "-"], stdin: Array(b.map { $0 + "\n" }.joined().utf8))
            #expect(result.status == 1)
            #expect(result.crank == 13 && result.height == 3)
            #expect(result.inputs[1]["file"] as? String == "standard input")
            // Pass 2 read standard input a second time (from its spooled copy).
            #expect(result.recordResult == "changed")
            let b2 = try #require(result.records?["b"] as? [String: Any])
            #expect((b2["record"] as? String)?.contains("DIVERGED") == true)
        }
    }
}
