import Foundation
import Glibc
import Testing
import TestSupport

/// The black box on the real halt: `slog-record` follows agd's log (a file by name, or a
/// command's output) and preserves the box of the last committed block on CometBFT's
/// consensus-failure line, in every spelling; a SwingSet kernel panic is a trigger too; one box
/// per height. Real processes, real files, rotation by rename.
@Suite struct HaltLogTests {
    static let cometBFTLine =
        #"3:04PM ERR CONSENSUS FAILURE!!! err="+2/3 committed an invalid block: wrong Block.Header.AppHash.  Expected 4A93AB01, got 0113CD02" module=consensus stack="goroutine 1 [running]""#
    static let tendermintLine =
        #"E[2019-06-13|01:07:33.678] CONSENSUS FAILURE!!!  module=consensus err="Panicked on a Consensus Failure: +2/3 committed an invalid block: Wrong Block.Header.AppHash.  Expected 4A93AB01, got 0113CD02""#
    static let jsonLine =
        #"{"level":"error","module":"consensus","err":"+2/3 committed an invalid block: wrong Block.Header.AppHash.  Expected AA11, got BB22","time":"2026-12-03T14:00:00Z","message":"CONSENSUS FAILURE!!!"}"#

    private func boxes(in dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("blackbox-") && $0.hasSuffix(".ring") }.sorted()
    }

    private func append(_ line: String, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((line + "\n").utf8))
        try handle.close()
    }

    @Test func aConsensusFailureInTheFollowedLogPreservesTheLastCommittedBlockOnceAcrossRotation() throws {
        try withTemporaryDirectory { dir in
            let ring = "\(dir)/node.ring"
            let log = "\(dir)/agd.log"
            try writeLines(log, ["3:04PM INF committed state height=1 module=state"])
            let recorder = try RecorderProcess(
                arguments: ["--ring", ring, "--capacity", "1M", "--ack", "--halt-log", log], useStandardInput: true)
            defer { recorder.signal(SIGKILL); _ = recorder.finish() }
            let node = SimulatedNode()
            let lines = (1...5).flatMap { node.block($0) } + node.uncommittedBlock(6).prefix(3)
            try recorder.input!.fileHandleForWriting.write(contentsOf: Data(lines.map { $0 + "\n" }.joined().utf8))
            #expect(recorder.waitForAcknowledgements(lines.count))

            try append(Self.cometBFTLine, to: log)
            #expect(eventually { boxes(in: dir).count == 1 }, "no black box after the consensus-failure line")
            let box = try #require(boxes(in: dir).first)
            #expect(box.hasPrefix("blackbox-5-"), "the box is for block 5, the last committed: \(box)")
            let info = try runTool("slog-tail", ["--info", "\(dir)/\(box)"])
            #expect(info.stdout.contains("4A93AB01"), "\(info.stdout)")
            #expect(info.stdout.contains("0113CD02"), "\(info.stdout)")
            #expect(info.stdout.contains("CONSENSUS FAILURE"), "\(info.stdout)")

            // logrotate renames the log and agd starts a new one; the old spelling of the same
            // failure arrives there: the same height's box is not preserved again.
            #expect(rename(log, "\(log).1") == 0)
            try writeLines(log, [Self.tendermintLine])
            let recorderErrors = try stopAndCollect(recorder)
            #expect(recorderErrors.contains("was preserved already"), "\(recorderErrors)")
            #expect(boxes(in: dir).count == 1)
        }
    }

    /// Signals the recorder to stop once the second line has had time to be read (it is
    /// polled 5 times a second), and returns what it printed on standard error.
    private func stopAndCollect(_ recorder: RecorderProcess) throws -> String {
        // Bounded wait for the follower to see the new file: the recorder notes the rotation.
        Thread.sleep(forTimeInterval: 1.5)
        recorder.signal(SIGTERM)
        let finished = recorder.finish()
        #expect(finished.status == 0)
        return finished.stderr
    }

    @Test func aCommandsOutputAndAKernelPanicEachPreserveTheirBlock() throws {
        try withTemporaryDirectory { dir in
            let ring = "\(dir)/node.ring"
            let fifo = "\(dir)/journal.fifo"
            try makeFIFO(fifo)
            let recorder = try RecorderProcess(
                arguments: ["--ring", ring, "--capacity", "1M", "--ack", "--halt-log-command", "exec cat \(fifo)"],
                useStandardInput: true)
            defer { recorder.signal(SIGKILL); _ = recorder.finish() }
            let node = SimulatedNode()
            let first = (1...3).flatMap { node.block($0) }
            try recorder.input!.fileHandleForWriting.write(contentsOf: Data(first.map { $0 + "\n" }.joined().utf8))
            #expect(recorder.waitForAcknowledgements(first.count))

            // journalctl's output, JSON logging spelling: the box of block 3.
            let journal = try FileHandle(forWritingTo: URL(fileURLWithPath: fifo))
            try journal.write(contentsOf: Data((Self.jsonLine + "\n").utf8))
            #expect(eventually { boxes(in: dir).contains { $0.hasPrefix("blackbox-3-") } })
            try journal.close()

            // Block 4 runs in the fresh ring and the kernel panics inside it.
            let panic = "{\"type\":\"console\",\"source\":\"kernel\",\"level\":\"error\",\"args\":[\"##### KERNEL PANIC: kp40.policy panic: critical failure #####\"],\"time\":1750000030.1}"
            let second = Array(node.uncommittedBlock(4).prefix(4)) + [panic]
            try recorder.input!.fileHandleForWriting.write(contentsOf: Data(second.map { $0 + "\n" }.joined().utf8))
            #expect(recorder.waitForAcknowledgements(first.count + second.count))
            #expect(eventually { boxes(in: dir).contains { $0.hasPrefix("blackbox-4-") } })
            let info = try runTool("slog-tail", ["--info", "\(dir)/\(boxes(in: dir).first { $0.hasPrefix("blackbox-4-") }!)"])
            #expect(info.stdout.contains("KERNEL PANIC"), "\(info.stdout)")

            recorder.signal(SIGTERM)
            let finished = recorder.finish()
            #expect(finished.status == 0, "\(finished.stderr)")
            #expect(finished.stderr.contains("2 black boxes preserved"), "\(finished.stderr)")
        }
    }

    /// slog-record records the lines of one read under one hold of the recorder's lock (issue
    /// #17); a trigger among them still preserves the box right after its own line: the lines
    /// after it in the same read are not in the box, and are in the fresh ring.
    @Test func aKernelPanicInTheMiddleOfOneReadIsPreservedAtItsOwnLine() throws {
        try withTemporaryDirectory { dir in
            let ring = "\(dir)/node.ring"
            let node = SimulatedNode()
            let panic = ######"{"type":"console","source":"kernel","level":"error","args":["##### KERNEL PANIC: mid-read #####"]}"######
            let before = (1...2).flatMap { node.block($0) } + node.uncommittedBlock(3).prefix(3)
            let after = [#"{"type":"after-the-panic","n":1}"#, #"{"type":"after-the-panic","n":2}"#]
            let input = "\(dir)/input.slog"
            try writeLines(input, before + [panic] + after)  // one file: one read takes it all
            let run = try runTool("slog-record", ["--ring", ring, "--capacity", "1M", input])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("1 black box preserved"), "\(run.stderr)")
            let box = try #require(boxes(in: dir).first { $0.hasPrefix("blackbox-3-") }, "\(boxes(in: dir))")
            let boxed = try readRing("\(dir)/\(box)").slog
            #expect(boxed.last == panic)
            #expect(Array(boxed.suffix(4).dropLast()) == Array(before.suffix(3)))
            #expect(!boxed.contains { $0.contains("after-the-panic") })
            #expect(try readRing(ring).slog == after)
        }
    }

    @Test func aBareFrequentTypeIsRefusedAsATrigger() throws {
        let run = try runTool("slog-record", ["--ring", "/nonexistent/x.ring", "--halt-on", "console"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("--halt-on 'console'"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "/nonexistent/x.ring"))
    }
}
