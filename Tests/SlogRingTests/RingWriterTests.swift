import TestSupport
import Foundation
import Glibc
import Testing
@testable import SlogRing

@Suite struct RingWriterTests {
    @Test func roundTripReturnsRecordsInOrder() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var writer = try RingWriter.create(path: path, capacity: 4096)
            for i in 0..<10 { #expect(try writer.append("record \(i)") == UInt64(i)) }
            let contents = try readRing(path)
            #expect(contents.strings == (0..<10).map { "record \($0)" })
            #expect(contents.sequences == Array(0..<10))
            #expect(contents.issues.isEmpty)
            try writer.close()
        }
    }

    @Test func fullSizeRecordIntoEmptyRingMidRegionSkipsPaddingAndKeepsOnlyIt() throws {
        // Regression: with the ring empty at data offset 32 of 64, a 64-byte frame must wrap
        // behind a padding frame; eviction used to walk into the (frame-less) write position.
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var writer = try RingWriter.create(_testingPath: path, capacity: 64, startPosition: 32)
            let big = [UInt8](repeating: 0x42, count: writer.maximumPayloadLength)
            #expect(try writer.append(big) == 0)
            #expect(writer.oldest == RingPosition(64))
            #expect(writer.write == RingPosition(128))
            #expect(writer.testOnly_invariantViolation() == nil)
            #expect(try writer.append(Array("x".utf8)) == 1)
            try writer.close()
            let contents = try readRing(path)
            #expect(contents.issues.isEmpty)
            #expect(contents.strings == ["x"])
        }
    }

    /// Every start offset and every large size that wraps and evicts everything: the oldest
    /// position never passes the write position (it used to, for an instant, when the eviction
    /// had to cover the padding too), and a reader that was caught up sees exactly the new
    /// record with no issue, not a spurious lap over the padding.
    @Test func wrappingRecordThatEvictsEverythingKeepsOldestAtOrBeforeWrite() throws {
        try withTemporaryDirectory { dir in
            let capacity = 256
            for start in stride(from: 8, to: capacity, by: 8) {
                for length in stride(from: capacity / 2, through: capacity - 24, by: 8) {
                    let path = "\(dir)/w-\(start)-\(length).ring"
                    var writer = try RingWriter.create(_testingPath: path, capacity: capacity, startPosition: UInt64(start))
                    _ = try writer.append(payload(for: 0, length: 1))
                    var reader = try RingReader.open(path: path)
                    #expect(drain(&reader).sequences == [0])
                    let sizeNeeded = 24 + (length + 7) / 8 * 8
                    let wraps = sizeNeeded > capacity - (start + 32) % capacity
                    #expect(try writer.append(payload(for: 1, length: length)) == 1)
                    #expect(writer.testOnly_invariantViolation() == nil, "start \(start), length \(length)")
                    #expect(writer.oldest <= writer.write)
                    let seen = drain(&reader)
                    #expect(seen.issues.isEmpty, "start \(start), length \(length), wraps \(wraps): \(seen.issues)")
                    #expect(seen.sequences == [1])
                    #expect(seen.records.first?.bytes == payload(for: 1, length: length))
                    try writer.close()
                    // Reopens for writing: the state on disk is valid.
                    let again = try RingWriter.open(path: path)
                    #expect(again.nextRecordSequence == 2)
                    try again.close()
                    try FileManager.default.removeItem(atPath: path)
                }
            }
        }
    }

    /// A reader overtaken by releases is told "released"; once the writer has also evicted past
    /// the released stretch (a real lap), the same kind of stretch is "overwritten".
    /// A 4096-byte ring with one record, `first`, that a reader has already read; `body` gets
    /// the writer and the reader, and the writer is closed after it.
    private func withAReaderPastTheFirstRecord(
        _ first: String, _ body: (inout RingWriter, inout RingReader) throws -> Void
    ) throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var writer = try RingWriter.create(path: path, capacity: 4096)
            var reader = try RingReader.open(path: path)
            _ = try writer.append(first)
            #expect(drain(&reader).sequences == [0])
            try body(&writer, &reader)
            try writer.close()
        }
    }

    @Test func aReaderTellsReleasedFromOverwritten() throws {
        try withAReaderPastTheFirstRecord("first") { writer, reader in
            for i in 1...5 { _ = try writer.append("record \(i)") }
            writer.release(before: writer.write)
            for i in 6...8 { _ = try writer.append("record \(i)") }
            writer.release(before: writer.write)
            var view = drain(&reader)
            #expect(view.issues.map(\.reason) == [.released], "\(view.issues)")
            #expect(view.issues.first?.lostRecords == 8)
            // Now released and then lapped: the writer wrote a whole ring past the reader.
            _ = try writer.append("seen")
            #expect(drain(&reader).sequences == [9])
            writer.release(before: writer.write)
            for i in 0..<200 { _ = try writer.append(payload(for: UInt64(i), length: 100)) }
            view = drain(&reader)
            #expect(view.issues.map(\.reason) == [.lapped], "\(view.issues)")
        }
    }

    /// Regression: a reader lapped while the ring was momentarily empty (everything released)
    /// counted the lost records again on the next record (a spurious sequence gap) or lap.
    @Test func lapsThatEmptyTheRingCountEachLostRecordOnce() throws {
        try withAReaderPastTheFirstRecord("record 0") { writer, reader in
            var lost: [UInt64?] = []
            var sequences: [UInt64] = []
            func read() {
                let contents = drain(&reader)
                lost += contents.issues.map(\.lostRecords)
                // Released, not overwritten: the writer never wrote a whole ring past them.
                #expect(contents.issues.allSatisfy { $0.reason == .released }, "\(contents.issues)")
                sequences += contents.sequences
            }
            for i in 1...5 { _ = try writer.append("record \(i)") }
            writer.release(before: writer.write)
            read()
            _ = try writer.append("record 6")
            read()
            for i in 7...9 { _ = try writer.append("record \(i)") }
            writer.release(before: writer.write)
            read()
            for i in 10...12 { _ = try writer.append("record \(i)") }
            writer.release(before: writer.write)
            read()
            _ = try writer.append("record 13")
            read()
            #expect(lost == [5, 3, 3])
            #expect(sequences == [6, 13])
        }
    }

    @Test func reopenAfterCleanCloseContinuesSequence() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var writer = try RingWriter.create(path: path, capacity: 1024)
            for i in 0..<50 { _ = try writer.append("first \(i)") }
            try writer.close()
            var again = try RingWriter.open(path: path)
            #expect(again.nextRecordSequence == 50)
            #expect(try again.append("second") == 50)
            #expect(again.testOnly_invariantViolation() == nil)
            try again.close()
            let contents = try readRing(path)
            #expect(contents.issues.isEmpty)
            #expect(contents.sequences.last == 50)
            #expect(contents.strings.last == "second")
            // Gap-free from the oldest surviving record.
            let seqs = contents.sequences
            #expect(seqs == Array(seqs.first!...50))
        }
    }
}

@Suite struct RingWriterLifecycleTests {
    @Test func createdFileHasMode0600EvenWithPermissiveUmask() throws {
        try withTemporaryDirectory { dir in
            let old = umask(0)
            defer { umask(old) }
            let path = "\(dir)/a.ring"
            let writer = try RingWriter.create(path: path, capacity: 4096)
            var info = stat()
            #expect(stat(path, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)
            #expect(Int(info.st_size) == RingHeader.defaultHeaderSize + 4096)
            try writer.close()
        }
    }

    @Test func secondWriterIsRefusedWhileReadersAreAllowed() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var first = try RingWriter.create(path: path, capacity: 4096)
            _ = try first.append("one")
            #expect(throws: SlogRingError.lockedByAnotherWriter(path: path)) { _ = try RingWriter.open(path: path) }
            #expect(throws: SlogRingError.lockedByAnotherWriter(path: path)) {
                _ = try RingWriter.openOrCreate(path: path, capacity: 4096)
            }
            var reader = try RingReader.open(path: path)
            #expect(reader.status?.writerActive == true)
            #expect(drain(&reader).strings == ["one"])
            try first.close()
            // A child another test is spawning may share the closed descriptor until its exec.
            #expect(eventually { reader.status?.writerActive == false })
            // Once the first writer is gone the lock is free again.
            let second = try RingWriter.open(path: path)
            try second.close()
        }
    }

    @Test func createRefusesAnExistingPathAndLeavesNoTemporaryFiles() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            try RingWriter.create(path: path, capacity: 4096).close()
            let error = caughtError { () throws(SlogRingError) in try RingWriter.create(path: path, capacity: 4096) }
            guard case .io(_, let errorPath, let errno) = error else { Issue.record("unexpected \(String(describing: error))"); return }
            #expect(errorPath == path)
            #expect(errno == .fileExists)
            let names = try FileManager.default.contentsOfDirectory(atPath: dir)
            #expect(names == ["a.ring"])
        }
    }

    @Test(arguments: [0, 8, 60, 4100, -8])
    func invalidCapacitiesAreRejected(capacity: Int) throws {
        try withTemporaryDirectory { dir in
            #expect(throws: SlogRingError.self) { _ = try RingWriter.create(path: "\(dir)/a.ring", capacity: capacity) }
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/a.ring"))
        }
    }

    @Test func openOrCreateChecksCapacityOfExistingRing() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            try RingWriter.openOrCreate(path: path, capacity: 4096).close()
            #expect(throws: SlogRingError.capacityMismatch(path: path, existing: 4096, requested: 8192)) {
                _ = try RingWriter.openOrCreate(path: path, capacity: 8192)
            }
            try RingWriter.openOrCreate(path: path, capacity: 4096).close()
        }
    }

    @Test func openingAMissingFileNamesThePathAndCause() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/missing.ring"
            let error = caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
            #expect(error == .io(operation: "open the ring for writing", path: path, .noSuchFileOrDirectory))
            #expect(error?.description.hasPrefix("\(path): cannot open the ring for writing: No such file") == true)
        }
    }

    /// A ring at `dir/a.ring` holding "old 0"..."old 4" then "new 0"..."new 2"; `body` gets the
    /// writer (to close), where "new 0" starts, and the path.
    private func withOldThenNewRecords(_ body: (consuming RingWriter, RingPosition, String) throws -> Void) throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var writer = try RingWriter.create(path: path, capacity: 4096)
            for i in 0..<5 { _ = try writer.append("old \(i)") }
            let blockStart = writer.write
            for i in 0..<3 { _ = try writer.append("new \(i)") }
            try body(writer, blockStart, path)
        }
    }

    @Test func releaseMakesOlderRecordsUnreadableAndSurvivesReopen() throws {
        try withOldThenNewRecords { (writer: consuming RingWriter, blockStart: RingPosition, path: String) in
            writer.release(before: blockStart)
            #expect(writer.oldest == blockStart)
            #expect(writer.testOnly_invariantViolation() == nil)
            #expect(try readRing(path).strings == ["new 0", "new 1", "new 2"])
            // Releasing again, or before an older position, changes nothing.
            writer.release(before: RingPosition(0))
            #expect(writer.oldest == blockStart)
            // Releasing everything leaves an empty ring whose sequence still continues.
            writer.release(before: writer.write)
            #expect(writer.bytesUsed == 0)
            try writer.close()
            #expect(try readRing(path).records.isEmpty)
            var again = try RingWriter.open(path: path)
            #expect(try again.append("after") == 8)
            try again.close()
        }
    }

    /// `release(toFrameBoundary:)` (O(1), what FlightRecorder's commit uses) must leave exactly
    /// the state `release(before:)` (the walk) leaves, for every saved `write` position: before
    /// any wrap, across wraps and padding, after the saved position was overwritten, and at the
    /// write position itself. Two rings get the same appends; one releases each way.
    @Test func releaseToFrameBoundaryEqualsTheWalk() throws {
        try withTemporaryDirectory { dir in
            var walked = try RingWriter.create(path: "\(dir)/walked.ring", capacity: 4096)
            var direct = try RingWriter.create(path: "\(dir)/direct.ring", capacity: 4096)
            var state: UInt64 = 0x5EED
            func next(_ bound: UInt64) -> Int {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Int((state >> 33) % bound)
            }
            var saved: [RingPosition] = []
            var releases = 0
            for round in 0..<3000 {
                if next(4) == 0 { saved.append(walked.write) }
                #expect(walked.write == direct.write)
                // Sizes from 0 to ~600 bytes, so frames wrap with padding and with 8/16-byte gaps.
                let payload = [UInt8](repeating: UInt8(truncatingIfNeeded: round), count: next(3) == 0 ? next(600) : next(64))
                _ = try walked.append(payload)
                _ = try direct.append(payload)
                if !saved.isEmpty && next(5) == 0 {
                    let position = saved.remove(at: next(UInt64(saved.count)))
                    walked.release(before: position)
                    direct.release(toFrameBoundary: position)
                    releases += 1
                    #expect(walked.oldest == direct.oldest, "round \(round): release to \(position.rawValue)")
                    #expect(walked.oldestRecordSequence == direct.oldestRecordSequence)
                    #expect(direct.testOnly_invariantViolation() == nil)
                }
            }
            #expect(releases > 300)
            walked.release(before: walked.write)
            direct.release(toFrameBoundary: direct.write)
            #expect(walked.oldest == direct.oldest)
            #expect(direct.bytesUsed == 0)
            try walked.close()
            try direct.close()
            #expect(try readRing("\(dir)/walked.ring").records.isEmpty)
        }
    }

    @Test func releaseToFrameBoundaryKeepsTheSameRecordsReadable() throws {
        try withOldThenNewRecords { (writer: consuming RingWriter, blockStart: RingPosition, path: String) in
            writer.release(toFrameBoundary: blockStart)
            #expect(writer.oldest == blockStart)
            writer.release(toFrameBoundary: RingPosition(0))  // older: nothing changes
            #expect(writer.oldest == blockStart)
            try writer.close()
            #expect(try readRing(path).strings == ["new 0", "new 1", "new 2"])
        }
    }

    @Test func sealedRingRefusesWritersButStaysReadable() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var writer = try RingWriter.create(path: path, capacity: 4096)
            _ = try writer.append("evidence")
            try writer.seal()
            try writer.close()
            #expect(throws: SlogRingError.sealed(path: path)) { _ = try RingWriter.open(path: path) }
            var reader = try RingReader.open(path: path)
            #expect(reader.status?.isSealed == true)
            #expect(drain(&reader).strings == ["evidence"])
        }
    }

    @Test func writerOpenCountRecordsRestarts() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            try RingWriter.create(path: path, capacity: 4096).close()
            try RingWriter.open(path: path).close()
            try RingWriter.open(path: path).close()
            let reader = try RingReader.open(path: path)
            #expect(reader.status?.writerOpenCount == 3)
        }
    }

    @Test func syncSucceedsOnARealFile() throws {
        try withTemporaryDirectory { dir in
            var writer = try RingWriter.create(path: "\(dir)/a.ring", capacity: 4096)
            _ = try writer.append("durable")
            try writer.sync()
            try writer.close()
        }
    }

    @Test func diskReservationFailureIsReportedAtCreation() throws {
        // A capacity far beyond any real disk or file-size limit: posix_fallocate must refuse it
        // up front (ENOSPC or EFBIG), and no file may be left behind.
        try withTemporaryDirectory { (dir) throws -> Void in
            let path = "\(dir)/huge.ring"
            let error = caughtError { () throws(SlogRingError) in try RingWriter.create(path: path, capacity: 1 << 52) }
            guard case .io(let operation, let errorPath, let errno) = error else {
                Issue.record("unexpected \(String(describing: error))"); return
            }
            #expect(operation.contains("posix_fallocate"))
            #expect(errorPath == path)
            #expect(errno == .noSpace || errno == .fileTooLarge)
            let names = try FileManager.default.contentsOfDirectory(atPath: dir)
            #expect(names.isEmpty)
        }
    }
}
