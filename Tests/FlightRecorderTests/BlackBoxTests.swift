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
        var configuration = FlightRecorder.Configuration(path: "\(dir)/\(name).ring")
        configuration.capacity = 1 << 20
        let recorder = try FlightRecorder(configuration: configuration)
        for height in UInt64(1)...5 { for line in node.block(height) { recorder.record(line) } }
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
            #expect(box.path == "\(dir)/blackbox-\(box.identifier).ring")
            #expect(box.problems.isEmpty)
            let attributes = try FileManager.default.attributesOfItem(atPath: box.path)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let view = try readRing(box.path)
            #expect(view.sealed)
            #expect(view.issues.isEmpty)
            // Default retention kept every block that fit: all of them, and the open block 6.
            #expect(view.begunHeights == [1, 2, 3, 4, 5, 6])
            #expect(view.markers.last == .halt(height: 5, appHash: "ABCDEF", reason: "app hash mismatch", identifier: box.identifier))
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

    @Test func preservingTheSameFailureTwiceNeverReplacesTheFirstFile() throws {
        try withTemporaryDirectory { dir in
            var configuration = FlightRecorder.Configuration(path: "\(dir)/node.ring")
            configuration.capacity = 1 << 20
            let recorder = try FlightRecorder(configuration: configuration)
            let node = SimulatedNode()
            for line in node.block(1) { recorder.record(line) }
            let first = try recorder.preserveBlackBox(height: 1, reason: "x")
            for line in node.block(1) { recorder.record(line) }
            let second = try recorder.preserveBlackBox(height: 1, reason: "x")
            try recorder.close()
            #expect(first.identifier == second.identifier)
            #expect(first.path != second.path)
            #expect(second.path == "\(dir)/blackbox-\(first.identifier)-2.ring")
            #expect(try readRing(first.path).sealed && readRing(second.path).sealed)
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
