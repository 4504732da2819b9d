import TestSupport
import Foundation
import Testing
import FlightRecorder
import SlogModel
import SlogRing

/// Issue #14 in slog-tail: what a box is (`--info`), `-F` across a seal, time selection, and
/// `--summary` checked against a slog whose numbers are known.
@Suite struct SlogTailBoxTests {
    /// A box preserved on CometBFT's log line, its numbers known.
    func preserveBox(in dir: String) throws -> BlackBox {
        let node = SimulatedNode()
        let recorder = try nodeRecorder(in: dir, recording: 10...14, of: node)
        for line in node.uncommittedBlock(15).prefix(3) { recorder.record(line) }
        let line = #"ERR CONSENSUS FAILURE!!! err="+2/3 committed an invalid block: wrong Block.Header.AppHash.  Expected AAAA1111, got BBBB2222" module=consensus"#
        let box = try #require(try recorder.preserveBlackBox(ifConsensusFailure: line))
        try recorder.close()
        return box
    }

    @Test func infoOnABoxSaysWhatItIs() throws {
        try withTemporaryDirectory { dir in
            let box = try preserveBox(in: dir)
            #expect(box.height == 14)
            let run = try runTool("slog-tail", ["--info", box.path])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("sealed:          yes (preserved black box)"))
            #expect(run.stdout.contains("black box:       \(box.identifier) (halted at block 14)\n"))
            #expect(run.stdout.contains("reason:          CONSENSUS FAILURE!!! +2/3 committed an invalid block: wrong Block.Header.AppHash.  Expected AAAA1111, got BBBB2222\n"))
            #expect(run.stdout.contains("app hash:        AAAA1111 (this node's)\n"))
            #expect(run.stdout.contains("network's hash:  BBBB2222\n"))
            #expect(run.stdout.contains("heights held:    10...15\n"))
            #expect(run.stdout.contains("halt time:       20"))
            let json = try runTool("slog-tail", ["--info", "--json", box.path])
            let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let halt = try #require(object?["halt"] as? [String: Any])
            #expect(halt["identifier"] as? String == box.identifier)
            #expect(halt["height"] as? Int == 14)
            #expect(halt["appHash"] as? String == "AAAA1111" && halt["networkAppHash"] as? String == "BBBB2222")
            #expect((halt["reason"] as? String)?.hasPrefix("CONSENSUS FAILURE!!! ") == true)
            #expect((halt["time"] as? String)?.hasSuffix("Z") == true)
            #expect(object?["heightRanges"] as? [[Int]] == [[10, 15]])
            // A live ring has no halt.
            let live = try runTool("slog-tail", ["--info", "--json", "\(dir)/node.ring"])
            #expect(live.stdout.contains(#""halt":null"#))
        }
    }

    /// `-F` follows the path: the ring is sealed and renamed into a box, a fresh ring takes the
    /// path, and the follower goes on with it.
    @Test func followNameGoesOnWithTheFreshRingAfterASeal() throws {
        try withTemporaryDirectory { dir in
            let configuration = nodeRingConfiguration(in: dir)
            let recorder = try FlightRecorder(configuration: configuration)
            let first = SyntheticSlog.block(1)
            for line in first { recorder.record(line) }
            let tail = try RunningTool("slog-tail", ["-F", configuration.path])
            defer { tail.finish(seconds: 0) }
            #expect(tail.wait { stdout, _ in stdout == slogText(first) })
            _ = try recorder.preserveBlackBox(height: 1, reason: "test")
            let second = SyntheticSlog.block(2)
            for line in second { recorder.record(line) }
            #expect(tail.wait { stdout, stderr in stdout == slogText(first + second) && stderr.hasSuffix("\n") }, "\(tail.stdout)")
            #expect(tail.stderr == "slog-tail: \(configuration.path): sealed (a black box was preserved); following the new file at the same path\n")
            #expect(tail.isRunning)
            try recorder.close()
            // Plain -f stops at the seal instead.
            let plain = try runTool("slog-tail", ["-f", try #require(try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasPrefix("blackbox-") }).withDirectory(dir)])
            #expect(plain.status == 0 && plain.stdout == slogText(first))
        }
    }

    @Test func sinceAndUntilSelectByTheRecordsTime() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/chain.slog"
            let node = SimulatedNode()
            let lines = (UInt64(1)...3).flatMap { node.block($0) }
            try writeLines(path, lines)
            // Block 2's records have times 1750000012.001 ... (SimulatedNode.times).
            let block2 = node.block(2)
            let iso = try runTool("slog-tail", ["--since", "2025-06-15T15:06:52Z", "--until", "2025-06-15T15:06:53Z", path])
            #expect(iso.status == 0, "\(iso.stderr)")
            #expect(iso.stdout == slogText(block2))
            let epoch = try runTool("slog-tail", ["--since", "1750000012", "--until", "1750000013", path])
            #expect(epoch.stdout == slogText(block2))
            let offset = try runTool("slog-tail", ["--since", "2025-06-15T17:06:52+02:00", "--until", "1750000013", "--type", "crank-finish", path])
            #expect(offset.stdout.split(separator: "\n").count == 4)
            let bad = try runTool("slog-tail", ["--since", "yesterday", path])
            #expect(bad.status == 2)
            #expect(bad.stderr.contains("--since 'yesterday' is not a time (seconds since the epoch, or ISO-8601 such as 2026-12-03T13:00:00Z)"))
            let reversed = try runTool("slog-tail", ["--since", "1750000013", "--until", "1750000012", path])
            #expect(reversed.status == 2 && reversed.stderr.contains("--since is after --until"))
        }
    }

    /// `--summary` on a slog whose numbers are known: SimulatedNode blocks of 4 cranks, each
    /// with one deliver and 2 syscalls, `runSeconds` 0.16, crank-finish `seconds` 0.0006.
    @Test func summaryNumbersMatchAKnownSlog() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/node.ring"
            let node = SimulatedNode()
            let busy = SimulatedNode(cranksPerBlock: 8, syscallsPerCrank: 3)
            var lines = node.block(1) + node.block(2)
            var busyBlock = busy.block(3)
            // Block 3 ran twice as long.
            busyBlock[busyBlock.count - 1] = busyBlock[busyBlock.count - 1].replacingOccurrences(of: #""runSeconds":0.16"#, with: #""runSeconds":0.32"#)
            lines += busyBlock
            try recordRing(path, capacity: 1 << 20, lines)
            let run = try runTool("slog-tail", ["--summary", path])
            #expect(run.status == 0, "\(run.stderr)")
            let rows = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(rows[0].hasPrefix("height      time (UTC)"))
            func bytes(_ block: [String]) -> Int { block.reduce(0) { $0 + $1.utf8.count } }
            let expected = [
                "1           2025-06-15T15:06:46Z           4          4        8\(String(bytes(node.block(1))).leftPad(12))    0.160  " + String(repeating: "█", count: 12),
                "2           2025-06-15T15:06:52Z           4          4        8\(String(bytes(node.block(2))).leftPad(12))    0.160  " + String(repeating: "█", count: 12),
                "3           2025-06-15T15:06:58Z           8          8       24\(String(bytes(busyBlock)).leftPad(12))    0.320  " + String(repeating: "█", count: 24),
            ]
            #expect(Array(rows[1...3]) == expected)
            #expect(rows.contains("crank durations (16 cranks):"))
            #expect(rows.contains("  < 1 ms            16  " + String(repeating: "█", count: 24)))
            #expect(rows.contains("  1-10 ms            0"))
            let json = try runTool("slog-tail", ["--summary", "--json", "--from-height", "2", path])
            let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let blocks = try #require(object?["blocks"] as? [[String: Any]])
            #expect(blocks.map { $0["height"] as? Int } == [2, 3])
            #expect(blocks.map { $0["cranks"] as? Int } == [4, 8])
            #expect(blocks.map { $0["deliveries"] as? Int } == [4, 8])
            #expect(blocks.map { $0["syscalls"] as? Int } == [8, 24])
            #expect(blocks.map { $0["bytes"] as? Int } == [bytes(node.block(2)), bytes(busyBlock)])
            #expect(blocks.map { $0["runSeconds"] as? Double } == [0.16, 0.32])
            #expect(blocks.first?["time"] as? String == "2025-06-15T15:06:52Z")
            let histogram = try #require(object?["crankDurations"] as? [String: Any])
            #expect(histogram["cranks"] as? Int == 12)
            let usage = try runTool("slog-tail", ["--summary", "--type", "deliver", path])
            #expect(usage.status == 2)
        }
    }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
    func withDirectory(_ dir: String) -> String { "\(dir)/\(self)" }
}
