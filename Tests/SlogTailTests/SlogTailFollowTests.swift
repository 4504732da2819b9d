import TestSupport
import Foundation
import Testing
import FlightRecorder
import SlogModel
import SlogRing

/// `slog-tail --follow` against live writers in other processes.
@Suite struct SlogTailFollowTests {
    /// Sends `lines` to a running `slog-record --ack` and waits until all are acknowledged.
    func send(_ lines: [String], to recorder: RunningTool, total: Int) {
        recorder.input?.fileHandleForWriting.write(Data(slogText(lines).utf8))
        #expect(recorder.wait { stdout, _ in stdout.hasSuffix("\n\(total)\n") || stdout == "\(total)\n" })
    }

    @Test func followPrintsWhatALiveRecorderWritesAndStopsWhenTheRingIsSealed() throws {
        try withTemporaryDirectory { dir in
            let ring = "\(dir)/node.ring"
            let recorder = try RunningTool(
                "slog-record", ["--ring", ring, "--capacity", "1M", "--ack", "--halt-on", "consensus-failure"],
                withStandardInput: true)
            defer { recorder.finish() }
            var sent = SyntheticSlog.block(1)
            send(sent, to: recorder, total: sent.count)
            let tail = try RunningTool("slog-tail", ["-f", ring])
            defer { tail.finish() }
            #expect(tail.wait { stdout, _ in stdout == slogText(sent) })
            sent += SyntheticSlog.block(2)
            send(SyntheticSlog.block(2), to: recorder, total: sent.count)
            #expect(tail.wait { stdout, _ in stdout == slogText(sent) })
            #expect(tail.isRunning)
            // A halt record makes the recorder preserve the black box: it seals the ring.
            let halt = #"{"type":"consensus-failure","blockHeight":3}"#
            sent.append(halt)
            send([halt], to: recorder, total: sent.count)
            #expect(tail.finish() == 0)
            #expect(tail.stdout == slogText(sent))
            #expect(tail.stderr.isEmpty)
        }
    }

    @Test func followReportsHowManyRecordsALappingWriterCostAndGoesOn() throws {
        try withTemporaryDirectory { dir in
            let ring = "\(dir)/small.ring"
            var writer = try RingWriter.create(path: ring, capacity: 4096)
            let lines = (0..<400).map { numberedRecord($0) }
            for line in lines[..<10] { _ = try writer.append(line) }
            let tail = try RunningTool("slog-tail", ["-f", ring])
            defer { tail.finish() }
            #expect(tail.wait { stdout, _ in stdout == slogText(Array(lines[..<10])) })
            // Stop the reader while the writer laps the ring several times.
            #expect(tail.stop())  // really stopped before the writer starts lapping it
            for line in lines[10...] { _ = try writer.append(line) }
            tail.signal(SIGCONT)
            #expect(tail.wait { stdout, stderr in stdout.hasSuffix(slogText([lines.last!])) && stderr.hasSuffix("\n") })
            let printed = tail.stdout.split(separator: "\n").map(String.init)
            let kept = printed.count - 10
            #expect(kept > 10 && kept < 100)
            #expect(printed == Array(lines[..<10]) + Array(lines.suffix(kept)))
            let notice = tail.stderr
            #expect(notice.hasPrefix("slog-tail: \(ring): offset "), "\(notice)")
            #expect(notice.contains(": gap: overwritten by the writer before it could be read; skipped "))
            #expect(notice.hasSuffix(" bytes; \(390 - kept) records lost\n"), "\(notice)")
            // It goes on following, and stops once the ring is sealed.
            _ = try writer.append(#"{"type":"last"}"#)
            #expect(tail.wait { stdout, _ in stdout.hasSuffix(#"{"type":"last"}"# + "\n") })
            try writer.seal()
            try writer.close()
            #expect(tail.finish() == 0)
        }
    }

    @Test func followPrintsLinesAppendedToASlogfileOnlyOnceComplete() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/chain.slog"
            try writeLines(path, [#"{"type":"a"}"#])
            let tail = try RunningTool("slog-tail", ["--follow", "--type", "b,c", path])
            defer { tail.finish(seconds: 0) }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((#"{"type":"b"}"# + "\n" + #"{"type":"c","#).utf8))
            #expect(tail.wait { stdout, _ in stdout == #"{"type":"b"}"# + "\n" })
            usleep(200_000)  // several polls: the partial line must not be printed
            #expect(tail.stdout == #"{"type":"b"}"# + "\n")
            try handle.write(contentsOf: Data(#""n":1}"#.utf8 + [0x0A]))
            try handle.close()
            #expect(tail.wait { stdout, _ in stdout == slogText([#"{"type":"b"}"#, #"{"type":"c","n":1}"#]) })
            #expect(tail.isRunning)  // a slogfile is followed until the reader is stopped
            #expect(tail.stderr.isEmpty)
        }
    }

    @Test func followOnStandardInputPrintsAsLinesArriveAndEndsWithIt() throws {
        let tail = try RunningTool("slog-tail", ["-f", "-"], withStandardInput: true)
        tail.input?.fileHandleForWriting.write(Data(slogText([#"{"type":"a"}"#, #"{"type":"b"}"#]).utf8))
        #expect(tail.wait { stdout, _ in stdout == slogText([#"{"type":"a"}"#, #"{"type":"b"}"#]) })
        tail.input?.fileHandleForWriting.write(Data(#"{"type":"c"}"#.utf8))  // no newline: complete at the end
        #expect(tail.finish() == 0)
        #expect(tail.stdout == slogText([#"{"type":"a"}"#, #"{"type":"b"}"#, #"{"type":"c"}"#]))
    }

    /// The issue's false alarm: a follower that falls behind a recorder whose strict retention
    /// releases committed blocks, in a ring that never wraps, is told the records were
    /// released, never that they were overwritten. With the default retention nothing is
    /// released, so the same follower misses nothing.
    @Test(arguments: [true, false])
    func followBehindRetentionNeverReportsOverwrittenRecords(strict: Bool) throws {
        try withTemporaryDirectory { dir in
            var configuration = nodeRingConfiguration(in: dir, capacity: 4 << 20)
            if strict { configuration.retention = .onlyLastCommittedBlocks(0) }
            let recorder = try FlightRecorder(configuration: configuration)
            let blocks = (UInt64(1)...20).map { SyntheticSlog.block($0) }
            for line in blocks[0] { recorder.record(line) }
            let tail = try RunningTool("slog-tail", ["-f", configuration.path])
            defer { tail.finish() }
            #expect(tail.wait { stdout, _ in stdout.hasSuffix(slogText([blocks[0].last!])) })
            tail.signal(SIGSTOP)
            for block in blocks.dropFirst() { for line in block { recorder.record(line) } }
            tail.signal(SIGCONT)
            _ = try recorder.preserveBlackBox(height: 20, reason: "end of test")
            try recorder.close()
            #expect(tail.finish() == 0)
            #expect(!tail.stderr.contains("overwritten by the writer"), "\(tail.stderr)")
            if strict {
                #expect(tail.stderr.contains("released by the recorder's retention before it could be read (not overwritten)"), "\(tail.stderr)")
            } else {
                #expect(tail.stderr.isEmpty)
                #expect(tail.stdout == slogText(blocks.flatMap { $0 }))
            }
        }
    }
}
