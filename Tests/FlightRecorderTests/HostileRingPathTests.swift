import TestSupport
import Foundation
import Testing
import FlightRecorder
import SlogRing

/// What a node may find at its ring and black-box paths, and what the library may do to its
/// host process (issue 15): a file that is not a ring, a device, a FIFO or a directory is
/// refused and left untouched; a taken black-box name (even a dangling symbolic link) moves on
/// to the next name; a truncated ring stops the recording without killing the host (when it
/// opted in); and preserving a black box leaves the host's signal handling alone.
@Suite struct HostileRingPathTests {
    /// A file named by mistake as the ring (`--ring /etc/hosts`) was moved aside and replaced.
    @Test(arguments: [[], Array("127.0.0.1 localhost\n".utf8), [UInt8](repeating: 0, count: 8192)])
    func aRegularFileThatIsNotARingIsRefusedAndLeftUntouched(contents: [UInt8]) throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/hosts"
            try writeFile(path, contents)
            #expect(throws: FlightRecorderError.self) { _ = try FlightRecorder(configuration: .init(path: path)) }
            #expect(try readFile(path) == contents)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["hosts"])
        }
    }

    @Test func aDirectoryAFIFOAndADeviceAreRefusedAndLeftUntouched() throws {
        try withTemporaryDirectory { dir in
            let (directory, fifo) = try makeDirectoryAndFIFO(in: dir)
            for path in [directory, fifo, "/dev/null"] {
                do {
                    _ = try FlightRecorder(configuration: .init(path: path))
                    Issue.record("\(path) was accepted as a ring")
                } catch {
                    #expect("\(error)".contains("not a regular file"), "\(error)")
                }
            }
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir)) == ["adir", "afifo"])
            var info = stat()
            #expect(lstat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)
        }
    }

    /// A dangling symbolic link at a black-box name made the rename fail: the sealed ring
    /// stayed at the ring path, no fresh ring could be created, every later record lost. Links
    /// that merely carry a box's name must also not count as "this height is preserved".
    @Test func aTakenBlackBoxNameMovesOnToTheNextFreeName() throws {
        try withTemporaryDirectory { dir in
            let node = SimulatedNode()
            // The identifier this failure gets (it depends only on the block's records).
            try FileManager.default.createDirectory(atPath: "\(dir)/twin", withIntermediateDirectories: false)
            var twinConfiguration = FlightRecorder.Configuration(path: "\(dir)/twin/node.ring")
            twinConfiguration.capacity = 1 << 20
            let twin = try FlightRecorder(configuration: twinConfiguration)
            for line in node.block(1) { twin.record(line) }
            let identifier = try twin.preserveBlackBox(height: 1, reason: "x").identifier
            try twin.close()

            let configuration = nodeRingConfiguration(in: dir)
            let recorder = try FlightRecorder(configuration: configuration)
            for line in node.block(1) { recorder.record(line) }
            // Dangling links sit at the box's name and at its `-2` name.
            let taken = ["\(dir)/blackbox-\(identifier).ring", "\(dir)/blackbox-\(identifier)-2.ring"]
            for link in taken { #expect(symlink("\(dir)/nowhere", link) == 0) }
            let box = try recorder.preserveBlackBox(height: 1, reason: "x")
            #expect(box.identifier == identifier)
            #expect(box.disposition == .preserved, "a link with a box's name is not a preserved box")
            #expect(box.problems.isEmpty, "\(box.problems)")
            #expect(box.path == "\(dir)/blackbox-\(identifier)-3.ring")
            #expect(try readRing(box.path).sealed)
            // The links are untouched and nothing was created through them.
            for link in taken {
                #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == "\(dir)/nowhere")
            }
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/nowhere"))
            // And the node records on, into a fresh ring.
            #expect(recorder.isRecording)
            recorder.record(#"{"type":"after"}"#)
            try recorder.close()
            #expect(try readRing(configuration.path).slog == [#"{"type":"after"}"#])
        }
    }

    /// The reader `preserveBlackBox` uses (the block fingerprint) installed a process-wide
    /// SIGBUS handler in the host. In a fresh process: the handler after preserving a black
    /// box is the one before.
    @Test func preservingABlackBoxLeavesTheHostsSignalHandlingAlone() async {
        await #expect(processExitsWith: .success) {
            var before = sigaction()
            sigaction(SIGBUS, nil, &before)
            var template = Array("/tmp/flightrecorder-exit-XXXXXX".utf8CString)
            guard let made = mkdtemp(&template) else { exit(3) }
            let dir = String(cString: made)
            let configuration = nodeRingConfiguration(in: dir)
            guard let recorder = try? FlightRecorder(configuration: configuration) else { exit(4) }
            for line in SimulatedNode().block(1) { recorder.record(line) }
            guard let box = try? recorder.preserveBlackBox(height: 1, reason: "x") else { exit(5) }
            try? recorder.close()
            var after = sigaction()
            sigaction(SIGBUS, nil, &after)
            try? FileManager.default.removeItem(atPath: dir)
            let same = unsafeBitCast(before.__sigaction_handler.sa_sigaction, to: Int.self)
                == unsafeBitCast(after.__sigaction_handler.sa_sigaction, to: Int.self)
                && before.sa_flags == after.sa_flags
            exit(same && box.problems.isEmpty ? 0 : 1)
        }
    }

    /// A ring truncated under a live writer killed the writer (and its host) with SIGBUS. With
    /// the guard the host opted into, the recording stops and says why; the process lives on.
    @Test func aRingTruncatedUnderTheWriterStopsTheRecordingNotTheHost() async {
        await #expect(processExitsWith: .success) {
            exitAfterTruncationTrial { recorder, ring in
                let node = SimulatedNode(bodyPadding: 200)
                for line in node.block(1) { recorder.record(line) }
                guard truncate(ring, 4096 + 1000) == 0 else { return false }
                recorder.record(blocks: 2...40, of: node)
                let stopped = !recorder.isRecording
                let said = recorder.statistics.lastError?.contains("truncated") == true
                return stopped && said && recorder.statistics.lostRecords > 0
            }
        }
    }

    /// The same when the record that meets the cut is a crank-finish record: the record is lost
    /// (counted once) and its marker, which has no ring left to go to, neither traps nor counts.
    @Test func aCrankFinishRecordMeetingATruncatedRingIsLostOnce() async {
        await #expect(processExitsWith: .success) {
            exitAfterTruncationTrial { recorder, ring in
                let node = SimulatedNode(bodyPadding: 200)
                for line in node.block(1) { recorder.record(line) }
                let lines = node.block(2)
                guard let crankFinish = lines.firstIndex(where: { $0.hasPrefix(#"{"type":"crank-finish""#) }) else {
                    return false
                }
                for line in lines[..<crankFinish] { recorder.record(line) }
                let lostBefore = recorder.statistics.lostRecords
                guard truncate(ring, 4096 + 1000) == 0 else { return false }
                recorder.record(lines[crankFinish])
                return !recorder.isRecording && recorder.statistics.lostRecords == lostBefore + 1
            }
        }
    }
}

/// For exit tests (a fresh process): installs the truncation guard, opens a recorder on a node
/// ring in a fresh directory, and exits 0 if `trial` (given the recorder and the ring's path)
/// returns true, 1 otherwise.
private func exitAfterTruncationTrial(_ trial: (FlightRecorder, String) -> Bool) -> Never {
    guard FlightRecorder.installTruncationGuard() else { exit(2) }
    let passed = (try? withTemporaryDirectory { dir -> Bool in
        guard let recorder = try? FlightRecorder(configuration: nodeRingConfiguration(in: dir)) else { return false }
        defer { try? recorder.close() }
        return trial(recorder, "\(dir)/node.ring")
    }) ?? false
    exit(passed ? 0 : 1)
}
