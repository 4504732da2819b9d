import TestSupport
import Foundation
import Testing
import ToolSupport

/// `LogFollower` on real files: appends, partial lines, rotation by rename (logrotate's
/// `create`), truncation (`copytruncate`), a file that appears later.
@Suite struct LogFollowerTests {
    func append(_ text: String, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test func startsAtTheEndAndReturnsCompleteLinesOnly() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/agd.log"
            try append("old line 1\nold CONSENSUS FAILURE!!! from before\n", to: path)
            var log = LogFollower(path: path)
            #expect(log.poll().isEmpty)
            try append("new 1\nnew 2\r\npart", to: path)
            #expect(log.poll() == ["new 1", "new 2"])
            #expect(log.poll().isEmpty)
            try append("ial\n", to: path)
            #expect(log.poll() == ["partial"])
            #expect(log.takeNotices().isEmpty)
        }
    }

    @Test func followsTheNameAcrossRotationByRename() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/agd.log"
            try append("before\n", to: path)
            var log = LogFollower(path: path)
            _ = log.poll()
            try append("a\n", to: path)
            try FileManager.default.moveItem(atPath: path, toPath: "\(path).1")
            // The writer still has the old file open: its lines are read while nothing is at the path.
            try append("b\nunterminated", to: "\(path).1")
            #expect(log.poll() == ["a", "b"])
            try append("c\n", to: path)  // logrotate created the new file; the writer reopened
            #expect(log.poll() == ["unterminated", "c"])
            #expect(log.takeNotices() == ["\(path): rotated; following the new file from its beginning"])
            try append("d\n", to: path)
            #expect(log.poll() == ["d"])
        }
    }

    @Test func readsATruncatedFileAgainFromItsBeginning() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/agd.log"
            var log = LogFollower(path: path, fromStart: true)
            try append("one\ntwo\n", to: path)
            #expect(log.poll() == ["one", "two"])
            // copytruncate: the content is copied away and the file cut to 0; the writer goes on.
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.truncate(atOffset: 0)
            try handle.close()
            try append("three\n", to: path)
            #expect(log.poll() == ["three"])
            #expect(log.takeNotices() == ["\(path): truncated; reading it again from its beginning"])
        }
    }

    @Test func waitsForAFileThatDoesNotExistYetAndReadsItFromTheStart() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/later.log"
            var log = LogFollower(path: path)
            #expect(log.poll().isEmpty)
            #expect(log.poll().isEmpty)
            let notices = log.takeNotices()
            #expect(notices.count == 1 && notices[0].hasPrefix("\(path): cannot open ("))
            try append("first\n", to: path)
            #expect(log.poll() == ["first"])
            #expect(log.takeNotices() == ["\(path): opened"])
        }
    }

    @Test func aHugeLineIsCutNotHeld() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/agd.log"
            var log = LogFollower(path: path, fromStart: true)
            try append(String(repeating: "x", count: LogFollower.lineLimit + 10) + "\nnext\n", to: path)
            let lines = log.poll()
            #expect(lines.count == 2)
            #expect(lines.first?.utf8.count == LogFollower.lineLimit)
            #expect(lines.last == "next")
        }
    }
}
