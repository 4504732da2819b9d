import TestSupport
import Foundation
import Testing
@testable import FlightRecorder
import SlogModel
import SlogRing

@Suite struct BlackBoxTests {
    /// Runs a node through blocks 1...5, halts in block 6 after block 5 diverged, and returns
    /// the black box and the recorder's configuration.
    private func halt(_ node: SimulatedNode, in dir: String, name: String) throws -> (BlackBox, FlightRecorder.Configuration) {
        // Each validator has its own directory (a directory holds one box per height).
        try FileManager.default.createDirectory(atPath: "\(dir)/\(name)", withIntermediateDirectories: true)
        var configuration = FlightRecorder.Configuration(path: "\(dir)/\(name)/\(name).ring")
        configuration.capacity = 1 << 20
        let recorder = try FlightRecorder(configuration: configuration)
        recorder.record(blocks: 1...5, of: node)
        for line in node.uncommittedBlock(6).prefix(5) { recorder.record(line) }
        let box = try recorder.preserveBlackBox(height: 5, appHash: "ABCDEF", reason: "app hash mismatch")
        try recorder.close()
        return (box, configuration)
    }

    @Test func validatorsFailingTheSameWayPrintTheSameIdentifierAndOthersDoNot() throws {
        try withTemporaryDirectory { dir in
            let same = (height: UInt64(5), crank: 1)
            let (a, _) = try halt(SimulatedNode(divergeAt: same), in: dir, name: "a")
            // Other clocks, other stats: only nondeterministic fields differ.
            let (b, _) = try halt(SimulatedNode(clockOffset: 0.3717, divergeAt: same), in: dir, name: "b")
            let (c, _) = try halt(SimulatedNode(divergeAt: (5, 2)), in: dir, name: "c")
            #expect(a.identifier == b.identifier)
            #expect(a.identifier != c.identifier)
            #expect(a.identifier.wholeMatch(of: /5-[0-9a-f]{16}/) != nil)
            #expect(a.basis == .blockRecords(count: SimulatedNode().block(5).count, complete: true))
        }
    }

    @Test func blackBoxIsSealedRenamedReadableAndTheNodeKeepsRecording() throws {
        try withTemporaryDirectory { dir in
            let (box, configuration) = try halt(SimulatedNode(divergeAt: (5, 0)), in: dir, name: "node")
            #expect(box.path == "\(dir)/node/blackbox-\(box.identifier).ring")
            #expect(box.disposition == .preserved)
            #expect(box.problems.isEmpty)
            let attributes = try FileManager.default.attributesOfItem(atPath: box.path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let view = try readRing(box.path)
            #expect(view.sealed)
            #expect(view.issues.isEmpty)
            // Default retention kept every block that fit: all of them, and the open block 6.
            #expect(view.begunHeights == [1, 2, 3, 4, 5, 6])
            guard case .halt(5, "ABCDEF", "app hash mismatch", box.identifier, nil, let time?)? = view.markers.last else {
                Issue.record("no halt marker last: \(view.markers.last.map { "\($0)" } ?? "none")")
                return
            }
            #expect(time > 1_700_000_000)
            // A writer can never reopen it.
            #expect(throws: SlogRingError.sealed(path: box.path)) { _ = try RingWriter.open(path: box.path) }
            // The configured path holds a fresh ring that says where the evidence went.
            let fresh = try readRing(configuration.path)
            guard case .recorderOpened("after-black-box", _, _, _, let note)? = fresh.markers.first else {
                Issue.record("fresh ring has no after-black-box marker: \(fresh.markers)")
                return
            }
            #expect(note == "previous ring preserved as \(box.path)")
            // The message names the file, the identifier and the privacy rule.
            #expect(box.message.contains(box.path))
            #expect(box.message.contains("quote the identifier \(box.identifier)"))
            #expect(box.message.contains("privacy-equivalent"))
        }
    }

    /// At most one box per height: a second trigger for the same height (by this recorder, or
    /// by a restarted one finding the file) returns the first box and writes nothing.
    @Test func aSecondTriggerForTheSameHeightReturnsTheFirstBoxAndWritesNothing() throws {
        try withTemporaryDirectory { dir in
            let configuration = nodeRingConfiguration(in: dir)
            let node = SimulatedNode()
            var recorder = try FlightRecorder(configuration: configuration)
            for line in node.block(1) { recorder.record(line) }
            let first = try recorder.preserveBlackBox(height: 1, appHash: "AA", reason: "x")
            for line in node.block(2) { recorder.record(line) }
            let second = try recorder.preserveBlackBox(height: 1, reason: "y")
            #expect(first.disposition == .preserved && second.disposition == .alreadyPreserved)
            #expect(second.path == first.path && second.identifier == first.identifier && second.reason == "x")
            #expect(second.message.contains("already preserved"))
            #expect(recorder.statistics.blackBoxesPreserved == 1 && recorder.statistics.repeatedBlackBoxTriggers == 1)
            // Recording went on, undisturbed: block 2 is in the ring, which is not sealed.
            #expect(try readRing(configuration.path).begunHeights == [2])
            try recorder.close()
            // A restarted recorder finds the box in the directory.
            recorder = try FlightRecorder(configuration: configuration)
            let third = try recorder.preserveBlackBox(height: 1, reason: "z")
            #expect(third.disposition == .alreadyPreserved && third.path == first.path)
            #expect(third.reason == "x" && third.appHash == "AA" && third.identifier == first.identifier)
            try recorder.close()
            let boxes = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("blackbox-") }
            #expect(boxes == [(first.path as NSString).lastPathComponent])
        }
    }

    /// The limit: once the directory holds `maximumBlackBoxes` boxes, a trigger for a new
    /// height preserves nothing, throws, and is counted; recording goes on.
    @Test func triggersBeyondTheLimitAreCountedNotPreserved() throws {
        try withTemporaryDirectory { dir in
            var configuration = nodeRingConfiguration(in: dir)
            configuration.maximumBlackBoxes = 3
            let recorder = try FlightRecorder(configuration: configuration)
            let node = SimulatedNode()
            for height in UInt64(1)...3 {
                for line in node.block(height) { recorder.record(line) }
                _ = try recorder.preserveBlackBox(height: height, reason: "trigger \(height)")
            }
            for line in node.block(4) { recorder.record(line) }
            #expect(throws: FlightRecorderError.blackBoxLimitReached(height: 4, limit: 3, directory: dir)) {
                _ = try recorder.preserveBlackBox(height: 4, reason: "trigger 4")
            }
            let statistics = recorder.statistics
            #expect(statistics.blackBoxesPreserved == 3 && statistics.blackBoxTriggersOverLimit == 1)
            #expect(statistics.lastError?.contains("already holds 3 black boxes") == true)
            #expect(recorder.isRecording)
            #expect(try readRing(configuration.path).begunHeights == [4])
            try recorder.close()
            let boxes = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("blackbox-") }
            #expect(boxes.count == 3)
        }
    }

    /// A box takes the disk space of its records, not the ring's preallocated capacity: the
    /// compact copy holds exactly the records the ring held (same sequences, same bytes), plus
    /// the halt marker, and is sealed.
    @Test func aBoxTakesTheDiskSpaceOfItsRecordsNotTheRingsCapacity() throws {
        try withTemporaryDirectory { dir in
            let configuration = nodeRingConfiguration(in: dir, capacity: 64 << 20)
            let recorder = try FlightRecorder(configuration: configuration)
            let ringBlocks = try diskBytes(configuration.path)
            #expect(ringBlocks >= 64 << 20)  // the live ring is reserved on disk whole
            let node = SimulatedNode(bodyPadding: 500)
            recorder.record(blocks: 1...5, of: node)
            let before = try readRing(configuration.path)
            let box = try recorder.preserveBlackBox(height: 5, reason: "size test")
            try recorder.close()
            #expect(box.problems.isEmpty)
            let after = try readRing(box.path)
            #expect(after.sealed && after.issues.isEmpty)
            #expect(Array(after.records.dropLast().map(\.info.sequence)) == before.records.map(\.info.sequence))
            #expect(Array(after.records.dropLast().map(\.bytes)) == before.records.map(\.bytes))
            let recordBytes = after.records.reduce(0) { $0 + 24 + ($1.bytes.count + 7) / 8 * 8 }
            let onDisk = try diskBytes(box.path)
            #expect(onDisk < recordBytes + 4096 + 65536, "box \(onDisk) bytes on disk for \(recordBytes) bytes of records")
            #expect(onDisk * 50 < ringBlocks)
        }
    }

    /// Bytes the file occupies on disk (`st_blocks` × 512).
    private func diskBytes(_ path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw CocoaError(.fileNoSuchFile) }
        return Int(info.st_blocks) * 512
    }

    /// CometBFT's log line, as a Swift node would pass it: the box is for the last block this
    /// node committed, with the line's error as the reason and both app hashes recorded.
    @Test func aConsensusFailureLogLinePreservesTheLastCommittedBlock() throws {
        try withTemporaryDirectory { dir in
            let node = SimulatedNode()
            let recorder = try nodeRecorder(in: dir, recording: 1...7, of: node)
            for line in node.uncommittedBlock(8).prefix(3) { recorder.record(line) }
            #expect(try recorder.preserveBlackBox(ifConsensusFailure: "I[2026-12-03|13:00:00.000] Committed state module=state height=7") == nil)
            let line = #"2:04PM ERR CONSENSUS FAILURE!!! err="+2/3 committed an invalid block: wrong Block.Header.AppHash.  Expected 4A93F0DAE, got 0113A490" module=consensus stack="goroutine 1 [running]:\n...""#
            let box = try #require(try recorder.preserveBlackBox(ifConsensusFailure: line))
            #expect(box.height == 7)
            #expect(box.appHash == "4A93F0DAE" && box.networkAppHash == "0113A490")
            #expect(box.reason == "CONSENSUS FAILURE!!! +2/3 committed an invalid block: wrong Block.Header.AppHash.  Expected 4A93F0DAE, got 0113A490")
            #expect(box.basis == .blockRecords(count: node.block(7).count, complete: true))
            // CometBFT logs it once per attempt; a repeat is the same box.
            #expect(try recorder.preserveBlackBox(ifConsensusFailure: line)?.disposition == .alreadyPreserved)
            try recorder.close()
            let view = try readRing(box.path)
            guard case .halt(7, "4A93F0DAE", _, box.identifier, "0113A490", _)? = view.markers.last else {
                Issue.record("halt marker: \(view.markers.last.map { "\($0)" } ?? "none")")
                return
            }
        }
    }

    /// After a restart the recorder has seen no commit yet: the last commit marker in the ring
    /// names the block.
    @Test func afterARestartTheLastCommittedBlockComesFromTheRing() throws {
        try withTemporaryDirectory { dir in
            let node = SimulatedNode()
            var recorder = try nodeRecorder(in: dir, recording: 1...3, of: node)
            try recorder.close()
            recorder = try FlightRecorder(configuration: nodeRingConfiguration(in: dir))
            let box = try recorder.preserveBlackBoxForLastCommittedBlock(reason: "restarted")
            #expect(box.height == 3 && box.basis == .blockRecords(count: node.block(3).count, complete: true))
            try recorder.close()
        }
    }

    @Test func haltAtAHeightNotInTheRingFallsBackToTheHaltDetailsAndSaysSo() throws {
        try withTemporaryDirectory { dir in
            let recorder = try FlightRecorder(configuration: .init(path: "\(dir)/node.ring"))
            recorder.record(#"{"type":"kernel-init-start"}"#)
            let box = try recorder.preserveBlackBox(height: 77, reason: "no blocks recorded")
            try recorder.close()
            #expect(box.basis == .haltDetailsOnly)
            #expect(box.identifier.hasPrefix("77-"))
            #expect(box.message.contains("were not in the ring"))
        }
    }
}
