import TestSupport
import Foundation
import Synchronization
import Testing
@testable import SlogRing

/// What the environment can do to a ring (issue 7, docs/RELIABILITY.md): the file truncated or
/// deleted underneath a live reader, a full disk or a read-only file system at creation, a
/// second writer. Each ends in a clear error or a clean stop, never a crash.
@Suite struct RingEnvironmentFaultTests {
    /// 40 KiB of data: 100 records of 300 bytes in a ring that does not wrap.
    static func makeRing(_ path: String, records: Int = 100, length: Int = 300, capacity: Int = 1 << 16) throws {
        var writer = try RingWriter.create(path: path, capacity: capacity)
        for sequence in 0..<UInt64(records) { _ = try writer.append(payload(for: sequence, length: length)) }
        try writer.close()
    }

    static func truncate(_ path: String, to size: Int) {
        #expect(Glibc.truncate(path, off_t(size)) == 0)
    }

    /// Every record returned is the one written under its sequence, and sequences are consecutive.
    static func expectIntact(_ records: [(info: RecordInfo, bytes: [UInt8])], from first: UInt64 = 0) {
        for (index, record) in records.enumerated() {
            #expect(record.info.sequence == first + UInt64(index))
            #expect(record.bytes == payload(for: record.info.sequence, length: record.bytes.count))
        }
    }

    // MARK: Truncated underneath a live reader

    /// Cuts: to nothing, inside the header's first page, at the end of the header, and in the
    /// middle of the data (a page boundary and a byte inside a page).
    @Test(arguments: [0, 64, 4096, 4096 + 16384, 4096 + 20000])
    func truncationUnderALiveReaderStopsItAtTheNewEndWithoutSIGBUS(cut: Int) throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            try Self.makeRing(path)
            RingFile.installTruncationGuard()  // opt-in: the tools install it, libraries do not
            var reader = try RingReader.open(path: path)
            var before = RingContents()
            for _ in 0..<10 {
                guard case .record(let info) = reader.next() else { Issue.record("expected a record"); return }
                before.records.append((info, reader.recordBytes))
            }
            Self.truncate(path, to: cut)
            let after = drain(&reader)
            // Without the truncation guard the process dies here with SIGBUS.
            Self.expectIntact(before.records + after.records)
            #expect(before.records.count + after.records.count < 100)
            #expect(after.issues.last?.reason == .beyondEndOfFile(fileSize: cut), "\(after.issues)")
            // Stopped: nothing more, however often it is asked.
            #expect(reader.next() == nil)
            _ = reader.status  // reads the (now zero) header page: must not crash either
        }
    }

    /// A reader busy copying frames while another thread truncates the file: the window that an
    /// `fstat` check before each copy would leave open. 30 trials at different moments; every
    /// record returned is intact, and a reader the cut overtook says where the file ends.
    @Test func truncationRacingABusyReaderNeverCrashesIt() throws {
        try withTemporaryDirectory { dir in
            let template = "\(dir)/template.ring"
            try Self.makeRing(template, records: 3000, length: 1000, capacity: 4 << 20)
            RingFile.installTruncationGuard()
            var stoppedEarly = 0
            for trial in 0..<30 {
                let path = "\(dir)/t\(trial).ring"
                try FileManager.default.copyItem(atPath: template, toPath: path)
                let opened = DispatchSemaphore(value: 0)
                let done = DispatchSemaphore(value: 0)
                let outcome = Mutex<(records: Int, stopped: Bool, damaged: Bool)?>(nil)
                let thread = Thread {
                    defer { done.signal() }
                    guard var reader = try? RingReader.open(path: path) else { opened.signal(); return }
                    opened.signal()
                    var result = (records: 0, stopped: false, damaged: false)
                    while let event = reader.next() {
                        switch event {
                        case .record(let info):
                            result.records += 1
                            let bytes = reader.recordBytes
                            if bytes != payload(for: info.sequence, length: bytes.count) { result.damaged = true }
                        case .skipped(let issue):
                            if case .beyondEndOfFile = issue.reason { result.stopped = true }
                        }
                    }
                    outcome.withLock { $0 = result }
                }
                thread.start()
                opened.wait()
                usleep(UInt32(trial % 6) * 300)
                Self.truncate(path, to: [0, 4096, 100_000, 1 << 20][trial % 4])
                done.wait()
                let result = try #require(outcome.withLock { $0 })
                #expect(!result.damaged)
                #expect(result.records <= 3000)
                if result.stopped { stoppedEarly += 1 }
                try FileManager.default.removeItem(atPath: path)
            }
            #expect(stoppedEarly > 0)
        }
    }

    // MARK: Deleted underneath

    /// Unlinking the path leaves the inode to whoever has it open: the reader reads everything,
    /// and a writer that keeps appending is still followed.
    @Test func deletionUnderALiveReaderAndWriterChangesNothingForThem() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var writer = try RingWriter.create(path: path, capacity: 1 << 16)
            for sequence in 0..<UInt64(20) { _ = try writer.append(payload(for: sequence, length: 100)) }
            var reader = try RingReader.open(path: path)
            try FileManager.default.removeItem(atPath: path)
            for sequence in 20..<UInt64(40) { _ = try writer.append(payload(for: sequence, length: 100)) }
            let contents = drain(&reader)
            Self.expectIntact(contents.records)
            #expect(contents.records.count == 40)
            #expect(contents.issues.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: path))
            try writer.close()
        }
    }

    // MARK: Full disk, read-only file system (real tmpfs mounts; root only)

    /// Mounts a tmpfs of `size` bytes at a new directory inside `dir` (read-only if asked), runs
    /// `body`, unmounts. Returns false, running nothing, where mounting is not allowed.
    static func withTmpfs(in dir: String, size: Int, readOnly: Bool = false, _ body: (String) throws -> Void) throws -> Bool {
        let mountPoint = "\(dir)/mnt"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: false)
        let options = "size=\(size)\(readOnly ? ",ro" : "")"
        guard getuid() == 0, Glibc.mount("tmpfs", mountPoint, "tmpfs", 0, options) == 0 else { return false }
        defer { _ = umount2(mountPoint, Int32(MNT_DETACH)) }
        try body(mountPoint)
        return true
    }

    @Test func creatingARingLargerThanTheDiskFailsWithENOSPCAndLeavesNothing() throws {
        try withTemporaryDirectory { dir in
            let ran = try Self.withTmpfs(in: dir, size: 256 << 10) { disk in
                let error = caughtError { () throws(SlogRingError) in try RingWriter.create(path: "\(disk)/a.ring", capacity: 1 << 20) }
                guard case .io(_, _, let errno)? = error else { Issue.record("expected .io, got \(String(describing: error))"); return }
                #expect(errno == Errno(rawValue: ENOSPC), "\(error!)")
                #expect("\(error!)".contains("posix_fallocate"))
                // Neither the ring nor its temporary file is left behind.
                #expect(try FileManager.default.contentsOfDirectory(atPath: disk).isEmpty)
                // A ring that fits still works on the same disk.
                var writer = try RingWriter.create(path: "\(disk)/b.ring", capacity: 64 << 10)
                _ = try writer.append("fits")
                try writer.close()
            }
            if !ran { print("skipped: cannot mount a tmpfs here") }
        }
    }

    @Test func creatingOnAReadOnlyFileSystemFailsWithEROFS() throws {
        try withTemporaryDirectory { dir in
            let ran = try Self.withTmpfs(in: dir, size: 1 << 20, readOnly: true) { disk in
                let error = caughtError { () throws(SlogRingError) in try RingWriter.create(path: "\(disk)/a.ring", capacity: 1 << 16) }
                guard case .io(_, _, let errno)? = error else { Issue.record("expected .io, got \(String(describing: error))"); return }
                #expect(errno == Errno(rawValue: EROFS), "\(error!)")
                #expect(caughtError { () throws(SlogRingError) in try RingWriter.openOrCreate(path: "\(disk)/a.ring", capacity: 1 << 16) } != nil)
            }
            if !ran { print("skipped: cannot mount a tmpfs here") }
        }
    }

    /// RLIMIT_FSIZE (`ulimit -f`) in a real child: the kernel refuses the reservation with EFBIG
    /// (SIGXFSZ ignored, as the shell passes it on) and slog-stress says why and exits 1.
    @Test func fileSizeLimitAtCreationIsAClearErrorInARealProcess() throws {
        try withTemporaryDirectory { dir in
            let stress = builtProductsDirectory().appendingPathComponent("slog-stress").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "trap '' XFSZ; ulimit -f 64; exec \"$0\" append --ring \"$1\" --capacity 1048576 --count 1", stress, "\(dir)/a.ring"]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 1, "\(message)")
            #expect(message.contains("posix_fallocate") && message.lowercased().contains("too large"), "\(message)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        }
    }

    // MARK: A second writer

    @Test func aSecondWriterIsRefusedWhileAWriterProcessRuns() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            let first = try StressWriterProcess(
                ring: path, capacity: 1 << 16, minSize: 10, maxSize: 100, seed: 1, acknowledging: true)
            defer {
                first.kill()
                _ = first.finish()
            }
            #expect(first.readAcknowledgements(until: 5))
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) } == .lockedByAnotherWriter(path: path))
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.openOrCreate(path: path, capacity: 1 << 16) } == .lockedByAnotherWriter(path: path))
            // Readers are never refused.
            var reader = try RingReader.open(path: path)
            #expect(drain(&reader).records.count >= 5)
        }
    }
}
