import TestSupport
import Foundation
import Testing
import SlogRing

/// `slog-record --ring` naming what is not a ring (issue 15): a device, a FIFO, a directory, a
/// file that is not a ring, a dangling symbolic link. Each is refused with exit status 2 and
/// left exactly as it was; nothing is moved aside or created. And a ring truncated under the
/// running recorder stops the recording, not the process.
@Suite struct SlogRecordHostileRingTests {
    /// Runs slog-record with empty input, at most `testPatience` (a loop is a failure, not a hang).
    static func record(ring: String) throws -> (status: Int32, stderr: String, timedOut: Bool) {
        let run = try runBounded("slog-record", ["--ring", ring, "--capacity", "64K"])
        return (run.status, run.stderr, run.timedOut)
    }

    @Test func aRingPathThatIsNotARegularRingIsRefusedWithStatusTwoAndLeftUntouched() throws {
        try withTemporaryDirectory { dir in
            let fifo = "\(dir)/a.fifo"
            #expect(mkfifo(fifo, 0o600) == 0)
            let directory = "\(dir)/a.dir"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
            let hosts = "\(dir)/hosts"
            try writeFile(hosts, Array("127.0.0.1 localhost\n".utf8))
            let dangling = "\(dir)/dangling.ring"
            #expect(symlink("\(dir)/nowhere.ring", dangling) == 0)
            let before = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
            for (path, says) in [("/dev/null", "character device"), (fifo, "FIFO"), (directory, "directory"),
                                 (hosts, "not a SlogRing file"), (dangling, "symbolic link")] {
                let run = try Self.record(ring: path)
                #expect(!run.timedOut, "slog-record --ring \(path) did not finish")
                #expect(run.status == 2, "--ring \(path): \(run.status) \(run.stderr)")
                #expect(run.stderr.contains(path) && run.stderr.contains(says), "\(run.stderr)")
            }
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir)) == before)
            #expect(try readFile(hosts) == Array("127.0.0.1 localhost\n".utf8))
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
            var info = stat()
            #expect(lstat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
            #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
        }
    }

    /// The ring cut to 5000 bytes under a live `slog-record` (a library inside a validator would
    /// die the same way): it used to die of SIGBUS. Now it reads on, says recording stopped,
    /// and exits normally at the end of its input.
    @Test func aRingTruncatedUnderTheLiveRecorderStopsTheRecordingNotTheProcess() throws {
        try withTemporaryDirectory { dir in
            let ring = "\(dir)/node.ring"
            let recorder = try RunningTool("slog-record", ["--ring", ring, "--capacity", "1M", "--ack"], withStandardInput: true)
            let node = SimulatedNode(bodyPadding: 300)
            var sent = node.block(1)
            recorder.input?.fileHandleForWriting.write(Data(slogText(sent).utf8))
            #expect(recorder.wait { stdout, _ in stdout.hasSuffix("\n\(sent.count)\n") })
            #expect(truncate(ring, 5000) == 0)
            for height in UInt64(2)...30 { sent += node.block(height) }
            recorder.input?.fileHandleForWriting.write(Data(slogText(Array(sent[node.block(1).count...])).utf8))
            #expect(recorder.wait { stdout, _ in stdout.hasSuffix("\n\(sent.count)\n") }, "\(recorder.stderr)")
            let status = recorder.finish()
            #expect(status == 0, "\(recorder.stderr)")
            #expect(recorder.stderr.contains("recording stopped") && recorder.stderr.contains("truncated"), "\(recorder.stderr)")
        }
    }
}
