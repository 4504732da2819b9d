import Foundation
import Testing
import SlogRing

/// Runs the real `slog-tail` executable on real ring files.
@Suite struct SlogTailTests {
    @Test func dumpsEveryRecordAsOneLineInOrder() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var writer = try RingWriter.create(path: path, capacity: 2048)
            let lines = (0..<100).map { #"{"type":"crank-start","crankNum":\#($0)}"# }
            for line in lines { _ = try writer.append(line) }
            try writer.close()
            let expected = try readRing(path).strings  // the wrapped ring keeps a suffix
            #expect(expected.count > 10 && expected.count < 100)
            #expect(expected.last == lines.last)
            let run = try runTool("slog-tail", [path])
            #expect(run.status == 0)
            #expect(run.stderr.isEmpty)
            #expect(run.stdout == expected.map { $0 + "\n" }.joined())
        }
    }

    @Test func damagedRingPrintsValidRecordsReportsOffsetAndExitsOne() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var writer = try RingWriter.create(path: path, capacity: 4096)
            for i in 0..<5 { _ = try writer.append(#"{"n":\#(i)}"#) }
            try writer.close()
            // Flip one payload byte of the third record (frames are 24 + 8 bytes here).
            let third = RingHeader.defaultHeaderSize + 2 * 32
            let handle = try #require(FileHandle(forUpdatingAtPath: path))
            try handle.seek(toOffset: UInt64(third + 24))
            try handle.write(contentsOf: Data("X".utf8))
            try handle.close()
            let run = try runTool("slog-tail", [path])
            #expect(run.status == 1)
            #expect(run.stdout == #"{"n":0}"# + "\n" + #"{"n":1}"# + "\n" + #"{"n":3}"# + "\n" + #"{"n":4}"# + "\n")
            #expect(run.stderr.contains("\(path): offset \(third): checksum mismatch"))
            #expect(run.stderr.contains("1 record lost"))
            let verify = try runTool("slog-tail", ["--verify", path])
            #expect(verify.status == 1)
            #expect(verify.stdout.contains("DAMAGED: 4 valid records, 1 problem(s)"))
        }
    }

    @Test func infoJSONDescribesTheRing() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var writer = try RingWriter.create(path: path, capacity: 4096)
            for i in 0..<3 { _ = try writer.append(#"{"n":\#(i)}"#) }
            try writer.seal()
            try writer.close()
            let run = try runTool("slog-tail", ["--info", "--json", path])
            #expect(run.status == 0)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            #expect(object["capacity"] as? Int == 4096)
            #expect(object["slogRecords"] as? Int == 3)
            #expect(object["firstSequence"] as? Int == 0)
            #expect(object["lastSequence"] as? Int == 2)
            #expect(object["sealed"] as? Bool == true)
            #expect(object["writerActive"] as? Bool == false)
            #expect(object["problems"] as? Int == 0)
        }
    }

    @Test func usageErrorsAndUnreadableFilesExitTwo() throws {
        let missing = try runTool("slog-tail", ["/nonexistent/dir/x.ring"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/dir/x.ring: cannot open the ring for reading: No such file"))
        let noFile = try runTool("slog-tail", [])
        #expect(noFile.status == 2)
        #expect(noFile.stderr.contains("missing FILE"))
        let badOption = try runTool("slog-tail", ["--bogus", "x"])
        #expect(badOption.status == 2)
        let help = try runTool("slog-tail", ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Exit status"))
        try withTemporaryDirectory { dir in
            let path = "\(dir)/not-a-ring"
            FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x41, count: 100))
            let notRing = try runTool("slog-tail", [path])
            #expect(notRing.status == 2)
            #expect(notRing.stderr.contains("\(path): not a SlogRing file"))
        }
    }
}
