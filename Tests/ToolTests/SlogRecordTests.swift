import TestSupport
import Foundation
import Glibc
import Testing
import FlightRecorder
import SlogModel
import SlogRing

/// `slog-record` as a real process: fed through a named pipe or standard input, killed with
/// SIGKILL, stopped with SIGTERM, asked for a black box with SIGUSR1.
@Suite struct SlogRecordTests {
    /// Killed mid-block: everything acknowledged is in the ring, including the uncommitted block.
    @Test(arguments: [1, 7, 23])
    func killedMidBlockTheRingHoldsEverythingAcknowledgedIncludingTheOpenBlock(cut: Int) throws {
        try withTemporaryDirectory { dir in
            let fifo = "\(dir)/slog.fifo"
            let ring = "\(dir)/node.ring"
            try makeFIFO(fifo)
            let recorder = try RecorderProcess(arguments: ["--ring", ring, "--capacity", "1M", "--ack", fifo])
            let writer = try #require(FileHandle(forWritingAtPath: fifo))  // waits for the reader
            let node = SimulatedNode()
            var sent: [String] = []
            for height in UInt64(1)...3 { sent += node.block(height) }
            let open = Array(node.uncommittedBlock(4).prefix(cut))
            sent += open
            for line in sent { writer.write(Data((line + "\n").utf8)) }
            #expect(recorder.waitForAcknowledgements(sent.count))
            recorder.signal(SIGKILL)
            let result = recorder.finish()
            try? writer.close()
            #expect(result.reason == .uncaughtSignal)
            let view = try readRing(ring)
            #expect(view.issues.isEmpty)
            // The default retention keeps every block that fits.
            #expect(view.begunHeights == [1, 2, 3, 4])
            #expect(view.slog == sent)
            // And a writer can take the ring over again.
            let writerAgain = try RingWriter.open(path: ring)
            #expect(writerAgain.nextRecordSequence == view.sequences.last.map { $0 + 1 })
            try writerAgain.close()
        }
    }

    @Test func sigtermClosesTheRingAndPrintsASummary() throws {
        try withTemporaryDirectory { dir in
            let ring = "\(dir)/node.ring"
            let recorder = try RecorderProcess(arguments: ["--ring", ring, "--capacity", "1M", "--ack"], useStandardInput: true)
            let lines = SimulatedNode().block(1) + ["not json", "", #"{"type":"after"}"#]
            for line in lines { recorder.input?.fileHandleForWriting.write(Data((line + "\n").utf8)) }
            #expect(recorder.waitForAcknowledgements(lines.count - 1))  // the blank line is skipped
            recorder.signal(SIGTERM)
            let result = recorder.finish()
            #expect(result.reason == .exit && result.status == 0)
            let summary = "slog-record: stopped by signal: \(lines.count - 1) lines, \(lines.count - 1) records"
            #expect(result.stderr.hasPrefix(summary), "\(result.stderr)")
            #expect(result.stderr.contains("1 blocks committed, 0 dropped, 0 too large, 1 not JSON, 0 lost; ring \(ring)"))
            let view = try readRing(ring)
            #expect(view.slog == lines.filter { !$0.isEmpty })
            #expect(try RingReader.open(path: ring).status?.writerActive == false)
        }
    }

    @Test func lineLongerThanTheRingBecomesAMarkerAndRecordingGoesOn() throws {
        try withTemporaryDirectory { dir in
            let ring = "\(dir)/node.ring"
            let recorder = try RecorderProcess(arguments: ["--ring", ring, "--capacity", "64K", "--ack"], useStandardInput: true)
            let huge = #"{"type":"deliver","body":""# + String(repeating: "é", count: 3_000_000) + #""}"#
            let lines = [#"{"type":"before"}"#, huge, #"{"type":"after"}"#]
            for line in lines { recorder.input?.fileHandleForWriting.write(Data((line + "\n").utf8)) }
            #expect(recorder.waitForAcknowledgements(3))
            let result = recorder.finish()
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("1 too large"))
            let view = try readRing(ring)
            #expect(view.slog == [#"{"type":"before"}"#, #"{"type":"after"}"#])
            guard case .recordTooLarge(let size, let snippet)? = view.markers.last else {
                Issue.record("no record-too-large marker: \(view.markers)")
                return
            }
            #expect(size == huge.utf8.count)
            #expect(huge.hasPrefix(snippet) && snippet.utf8.count <= 256 && snippet.utf8.count >= 250)
        }
    }

    @Test func haltOnTypeAndSigusr1PreserveBlackBoxesAndRecordingContinues() throws {
        try withTemporaryDirectory { dir in
            let ring = "\(dir)/node.ring"
            let recorder = try RecorderProcess(
                arguments: ["--ring", ring, "--capacity", "1M", "--ack", "--halt-on", "consensus-failure"],
                useStandardInput: true)
            let node = SimulatedNode()
            var lines = node.block(1) + node.block(2)
            lines.append(#"{"type":"consensus-failure","blockHeight":2}"#)
            for line in lines { recorder.input?.fileHandleForWriting.write(Data((line + "\n").utf8)) }
            #expect(recorder.waitForAcknowledgements(lines.count))
            let more = node.block(3)
            for line in more { recorder.input?.fileHandleForWriting.write(Data((line + "\n").utf8)) }
            #expect(recorder.waitForAcknowledgements(lines.count + more.count))
            recorder.signal(SIGUSR1)
            // The signal is handled between reads: wait (bounded) until the second box exists,
            // then a record proves the loop went on, into the fresh ring.
            func boxCount() -> Int {
                ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("blackbox-") }.count
            }
            for _ in 0..<1000 where boxCount() < 2 { usleep(10_000) }
            recorder.input?.fileHandleForWriting.write(Data(#"{"type":"late"}"#.utf8 + [0x0A]))
            #expect(recorder.waitForAcknowledgements(lines.count + more.count + 1))
            let result = recorder.finish()
            #expect(result.status == 0, "\(result.stderr)")
            let boxes = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("blackbox-") }.sorted()
            #expect(boxes.count == 2, "\(boxes)")
            #expect(boxes.contains { $0.hasPrefix("blackbox-2-") })
            #expect(boxes.contains { $0.hasPrefix("blackbox-3-") })
            #expect(result.stderr.components(separatedBy: "CONSENSUS FAILURE").count == 3)
            #expect(result.stderr.contains("2 black boxes preserved"))
            for box in boxes { #expect(try readRing("\(dir)/\(box)").sealed) }
            #expect(try readRing(ring).slog.last == #"{"type":"late"}"#)
        }
    }

    @Test func usageErrorsExitTwoAndNameTheProblem() throws {
        for (arguments, message) in [
            ([String](), "--ring PATH is required"),
            (["--ring", "x.ring", "--capacity", "12Q"], "--capacity '12Q' is not a size"),
            (["--ring", "x.ring", "--bogus"], "unknown option '--bogus'"),
            (["--ring", "/nonexistent-dir/x.ring"], "/nonexistent-dir/x.ring"),
            (["--ring", "x.ring", "--listen", "s.sock", "in.fifo"], "--listen reads a socket; it takes no INPUT"),
            (["--ring", "x.ring", "--listen", "s.sock", "--reopen"], "--reopen is for a named pipe INPUT"),
            (["--ring", "x.ring", "--listen", "s.sock", "--socket-mode", "0999"], "--socket-mode '0999' is not permission bits in octal"),
            (["--ring", "x.ring", "--socket-group", "0", "in.fifo"], "--socket-mode and --socket-group go with --listen"),
            (["--ring", "x.ring", "--reopen"], "--reopen needs a named pipe INPUT (standard input cannot be reopened)"),
            (["--ring", "x.ring", "--listen", "/tmp/s.sock", "--socket-group", "no-such-group-here"], "--socket-group 'no-such-group-here' is not a group"),
            (["--ring", "x.ring", "--listen", "/tmp/" + String(repeating: "s", count: 120)], "a socket path is at most 107 bytes"),
            (["--ring", "x.ring", "--ack=1"], "--ack takes no value"),
        ] {
            let recorder = try RecorderProcess(arguments: arguments)
            let result = recorder.finish()
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let help = try RecorderProcess(arguments: ["--help"])
        #expect(help.finish().status == 0)
    }
}
