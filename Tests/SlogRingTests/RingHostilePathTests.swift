import TestSupport
import Foundation
import Testing
@testable import SlogRing

/// What can sit at a ring's path besides a ring (issue 15): symbolic links (dangling or not),
/// directories, FIFOs, devices; temporary files of creations killed midway; a sparse ring on a
/// full disk. Real files, real processes, real mounts.
@Suite struct RingHostilePathTests {

    /// Runs slog-stress to completion within `seconds` (then SIGKILL: a hang is a failure).
    static func runStress(_ arguments: [String], seconds: Double = testPatience) throws -> (status: Int32, signaled: Bool, stderr: String, timedOut: Bool) {
        let run = try runBounded("slog-stress", arguments, seconds: seconds)
        return (run.status, run.signaled, run.stderr, run.timedOut)
    }

    /// A dangling symbolic link at the ring path made `openOrCreate` loop forever (open: ENOENT
    /// through the link; link(2): EEXIST), reserving and deleting a ring-sized file each pass.
    @Test func aDanglingSymlinkAtTheRingPathIsRefusedNotLoopedOn() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/node.ring"
            #expect(symlink("\(dir)/elsewhere.ring", path) == 0)
            let run = try Self.runStress(["append", "--ring", path, "--capacity", "65536", "--count", "1"])
            #expect(!run.timedOut, "slog-stress looped on a dangling symlink")
            #expect(run.status == 1 && !run.signaled, "\(run)")
            #expect(run.stderr.contains("symbolic link"), "\(run.stderr)")
            // Nothing was created through the link, and the link is still there.
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/elsewhere.ring"))
            #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) == "\(dir)/elsewhere.ring")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["node.ring"])
            let error = caughtError { () throws(SlogRingError) in try RingWriter.openOrCreate(path: path, capacity: 4096) }
            #expect(error == .notARegularFile(path: path, kind: "a symbolic link"))
        }
    }

    /// A symbolic link to a real ring is not followed either: neither opened for writing nor
    /// replaced. (Readers may follow links: reading changes nothing.)
    @Test func aSymlinkToARingIsNotWrittenThrough() throws {
        try withTemporaryDirectory { dir in
            let target = "\(dir)/real.ring"
            try writeRing(target, capacity: 4096, ["kept"])
            let before = try readFile(target)
            let link = "\(dir)/link.ring"
            #expect(symlink(target, link) == 0)
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: link) } == .notARegularFile(path: link, kind: "a symbolic link"))
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.create(path: link, capacity: 4096) } == .notARegularFile(path: link, kind: "a symbolic link"))
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.openOrCreate(path: link, capacity: 4096) } == .notARegularFile(path: link, kind: "a symbolic link"))
            #expect(try readFile(target) == before)
            var reader = try RingReader.open(path: link)
            #expect(drain(&reader).records.count == 1)
        }
    }

    /// A directory, a FIFO and a character device are refused (never opened for writing).
    @Test func directoriesFIFOsAndDevicesAreRefused() throws {
        try withTemporaryDirectory { dir in
            let (directory, fifo) = try makeDirectoryAndFIFO(in: dir)
            for (path, kind) in [(directory, "a directory"), (fifo, "a named pipe (FIFO)"), ("/dev/null", "a character device")] {
                #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) } == .notARegularFile(path: path, kind: kind))
                #expect(caughtError { () throws(SlogRingError) in try RingWriter.openOrCreate(path: path, capacity: 4096) } == .notARegularFile(path: path, kind: kind))
            }
            var info = stat()
            #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        }
    }

    /// A process id that is certainly dead: a child that ran and was reaped.
    static func deadProcessID() throws -> Int32 {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        return child.processIdentifier
    }

    /// Creations killed midway leave fully reserved `*.creating-PID-N` files; the next creation
    /// removes those of dead processes (unlocked), and only those.
    @Test func staleCreationTemporariesOfDeadProcessesAreRemovedAtTheNextOpen() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/node.ring"
            let dead = try Self.deadProcessID()
            let stale = "\(path).creating-\(dead)-12345"
            try writeFile(stale, [UInt8](repeating: 0, count: 8192))
            // A live process's file (pid 1 always exists) and an unrelated name stay.
            let live = "\(path).creating-1-777"
            try writeFile(live, [1])
            let other = "\(dir)/other.ring.creating-\(dead)-1"
            try writeFile(other, [2])
            let writer = try RingWriter.openOrCreate(path: path, capacity: 4096)
            try writer.close()
            let names = Set(try FileManager.default.contentsOfDirectory(atPath: dir))
            #expect(names == ["node.ring", "node.ring.creating-1-777", "other.ring.creating-\(dead)-1"], "\(names)")
        }
    }

    /// A real kill during creation: slog-stress creating a large ring is SIGKILLed until one
    /// kill lands between the temporary file and the link; the next open removes what it left.
    @Test func aCreationKilledMidwayLeavesNothingAfterTheNextOpen() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/node.ring"
            var leftBehind = false
            for attempt in 0..<40 where !leftBehind {
                let process = Process()
                process.executableURL = builtProductsDirectory().appendingPathComponent("slog-stress")
                process.arguments = ["append", "--ring", path, "--capacity", "\(64 << 20)", "--count", "1"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                // Wait until its temporary file exists, then kill it at once.
                for _ in 0..<2000 {
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
                    if names.contains(where: { $0.contains(".creating-") }) || !process.isRunning { break }
                    usleep(200 + useconds_t(attempt * 50))
                }
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                let names = try FileManager.default.contentsOfDirectory(atPath: dir)
                leftBehind = names.contains(where: { $0.contains(".creating-") })
                if !leftBehind { try? FileManager.default.removeItem(atPath: path) }
            }
            guard leftBehind else {
                print("no kill landed during creation in 40 attempts; nothing to check")
                return
            }
            try? FileManager.default.removeItem(atPath: path)
            let writer = try RingWriter.openOrCreate(path: path, capacity: 4096)
            try writer.close()
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["node.ring"])
        }
    }

    /// A sparse copy of a ring on a disk that then fills: appends into its holes would be
    /// SIGBUS. Opening reserves the ring's blocks, so the full disk is ENOSPC at open, in a
    /// real writer process that exits 1 with the reason.
    @Test func aSparseRingOnAFullDiskFailsAtOpenNotWithSIGBUS() throws {
        try withTemporaryDirectory { dir in
            let ran = try RingEnvironmentFaultTests.withTmpfs(in: dir, size: 1 << 20) { disk in
                let capacity = 512 << 10
                let source = "\(dir)/source.ring"
                var writer = try RingWriter.create(path: source, capacity: capacity)
                for sequence in 0..<UInt64(4) { _ = try writer.append(payload(for: sequence, length: 100)) }
                try writer.close()
                // The sparse copy: the header page and the first data page, then a hole.
                let bytes = try readFile(source)
                let path = "\(disk)/node.ring"
                let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
                #expect(fd >= 0)
                _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, 8192) }
                #expect(ftruncate(fd, off_t(bytes.count)) == 0)
                close(fd)
                // Fill the rest of the disk.
                let filler = open("\(disk)/filler", O_WRONLY | O_CREAT, 0o600)
                let block = [UInt8](repeating: 0xAB, count: 4096)
                while block.withUnsafeBytes({ write(filler, $0.baseAddress, 4096) }) == 4096 {}
                close(filler)
                let run = try Self.runStress(["append", "--ring", path, "--capacity", "\(capacity)", "--count", "2000", "--min-size", "200", "--max-size", "200"])
                #expect(!run.signaled, "the writer died by a signal: \(run)")
                #expect(run.status == 1, "\(run)")
                #expect(run.stderr.contains("posix_fallocate") && run.stderr.contains("No space"), "\(run.stderr)")
                // Room again: the same ring opens and takes the appends.
                try FileManager.default.removeItem(atPath: "\(disk)/filler")
                let again = try Self.runStress(["append", "--ring", path, "--capacity", "\(capacity)", "--count", "2000", "--min-size", "200", "--max-size", "200"])
                #expect(again.status == 0 && !again.signaled, "\(again)")
            }
            if !ran { print("skipped: cannot mount a tmpfs here") }
        }
    }
}
