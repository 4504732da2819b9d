import SlogSamples
import TestSupport
import Foundation
import Testing
@testable import SlogRing

/// Real rings, written by `RingWriter` and closed, then damaged on disk (truncated, bytes
/// flipped, header words overwritten). Each test states exactly which records come back, in
/// which order, and which issues the reader reports at which file offsets; and what
/// `RingWriter.open` refuses the file with.
@Suite struct RingRecoveryTests {
    /// Payload lengths of the unwrapped test ring (4,096 bytes, never wraps): every alignment
    /// remainder, a non-empty first record (so its payload can be damaged too) and an empty
    /// second one.
    static let lengths = [3, 0, 7, 8, 9, 15, 16, 17, 31, 40, 63, 100]
    static let capacity = 4096

    // MARK: Truncated files

    enum Cut: String, CaseIterable, Sendable {
        case atDataRegionStart, atFrameStart, insideFrameHeader, insidePayload, insideAlignmentBytes, atWritePosition
    }

    @Test(arguments: Cut.allCases)
    func truncatedDataRegionKeepsTheRecordsWhollyBeforeTheCut(cut: Cut) throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            let model = try makeRing(path, capacity: Self.capacity, lengths: Self.lengths)
            let frames = model.appendedRecords
            let victim = frames[6]  // 16 payload bytes
            let odd = frames[7]  // 17 payload bytes, then 7 alignment bytes
            let size: Int = switch cut {
            case .atDataRegionStart: 4096
            case .atFrameStart: model.fileOffset(of: victim.position)
            case .insideFrameHeader: model.fileOffset(of: victim.position) + 10
            case .insidePayload: model.fileOffset(of: victim.position) + 24 + 5
            // Record 7's payload is whole before the cut, its frame is not.
            case .insideAlignmentBytes: model.fileOffset(of: odd.position) + 24 + 17 + 3
            case .atWritePosition: model.fileOffset(of: model.write)
            }
            try RingFile.truncate(path, to: size)

            let survivors = frames.filter { model.fileOffset(of: $0.position) + $0.frameSize <= size }
            var expected = survivors.map { record($0, in: model) }
            if survivors.count < frames.count {
                let firstLost = frames[survivors.count]
                expected.append(.issue(ReadIssue(
                    reason: .beyondEndOfFile(fileSize: size), fileOffset: model.fileOffset(of: firstLost.position),
                    byteCount: Int(model.write - firstLost.position),
                    // With no record before the loss the reader cannot count it.
                    lostRecords: survivors.isEmpty ? nil : UInt64(frames.count - survivors.count))))
            }
            let read = try readEvents(path)
            #expect(read.events == expected)
            #expect(!read.isSalvaging)
            switch cut {
            case .atDataRegionStart: #expect(survivors.isEmpty)
            case .atFrameStart, .insideFrameHeader, .insidePayload: #expect(survivors.count == 6)
            case .insideAlignmentBytes: #expect(survivors.count == 7)
            case .atWritePosition: #expect(survivors.count == frames.count)
            }

            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
                == .truncated(path: path, expectedSize: 4096 + Self.capacity, actualSize: size))
        }
    }

    @Test func truncatedWrappedRingLosesOnlyTheFramesBeyondTheCut() throws {
        try withTemporaryDirectory { dir in
            // 24 frames of 64 bytes in a 1024-byte region: records 8...15 at offsets 512..<1024
            // (first lap), 16...23 at 0..<512 (second lap).
            let path = "\(dir)/a.ring"
            let model = try makeRing(path, capacity: 1024, lengths: Array(repeating: 40, count: 24))
            #expect(model.liveRecords.map(\.sequence) == Array(8...23))
            let live = model.liveRecords
            let pristine = try RingFile.bytes(path)

            // Cut at data offset 768: records 12...15 are gone, the reader skips to the next lap
            // and counts them from the sequence numbers on both sides.
            try RingFile.truncate(path, to: 4096 + 768)
            var read = try readEvents(path)
            var expected = live.prefix(4).map { record($0, in: model) }
            expected.append(.issue(ReadIssue(
                reason: .beyondEndOfFile(fileSize: 4096 + 768), fileOffset: 4096 + 768, byteCount: 256, lostRecords: 4)))
            expected += live.suffix(8).map { record($0, in: model) }
            #expect(read.events == expected)

            // Cut at data offset 256: the whole first lap is gone (no record before it, so the
            // loss is not counted), then records 20...23 (counted from the header's next
            // sequence number).
            try RingFile.write(pristine, at: 0, in: path)
            try RingFile.truncate(path, to: 4096 + 256)
            read = try readEvents(path)
            expected = [.issue(ReadIssue(
                reason: .beyondEndOfFile(fileSize: 4096 + 256), fileOffset: 4096 + 512, byteCount: 512, lostRecords: nil))]
            expected += live[8..<12].map { record($0, in: model) }
            expected.append(.issue(ReadIssue(
                reason: .beyondEndOfFile(fileSize: 4096 + 256), fileOffset: 4096 + 256, byteCount: 256, lostRecords: 4)))
            #expect(read.events == expected)
        }
    }

    @Test func truncatedInsideTheHeaderIsReportedOrRefusedAsDocumented() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            let model = try makeRing(path, capacity: Self.capacity, lengths: Self.lengths)
            let pristine = try RingFile.bytes(path)
            let fileSize = 4096 + Self.capacity

            // 2000 bytes: the header words are there, the data region is not. Two notes, no
            // records; the loss cannot be counted (no record was seen).
            try RingFile.truncate(path, to: 2000)
            var read = try readEvents(path)
            #expect(!read.isSalvaging)
            #expect(read.events == [
                .issue(ReadIssue(reason: .beyondEndOfFile(fileSize: 2000), fileOffset: 2000, byteCount: 0)),
                .issue(ReadIssue(
                    reason: .beyondEndOfFile(fileSize: 2000), fileOffset: 4096, byteCount: Int(model.write), lostRecords: nil)),
            ])
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
                == .truncated(path: path, expectedSize: fileSize, actualSize: 2000))

            // 100 bytes: the immutable prefix validates but the position words are cut off,
            // so the reader falls back to a salvage scan, which finds nothing.
            try RingFile.write(pristine, at: 0, in: path)
            try RingFile.truncate(path, to: 100)
            read = try readEvents(path)
            #expect(read.isSalvaging)
            #expect(read.events == [.issue(ReadIssue(reason: .beyondEndOfFile(fileSize: 100), fileOffset: 100, byteCount: 0))])
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
                == .truncated(path: path, expectedSize: fileSize, actualSize: 100))

            // 40 bytes: shorter than the 64-byte prefix: not a ring at all.
            try RingFile.truncate(path, to: 40)
            let readerError = caughtError { () throws(SlogRingError) in try RingReader.open(path: path) }
            #expect(readerError == .notARing(path: path, reason: "file is 40 bytes, shorter than the 64-byte header"))
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
                == .notARing(path: path, reason: "file is 40 bytes, shorter than the 64-byte header"))
        }
    }

    /// Truncated and with a damaged header: the salvage scan takes the data region to end
    /// where the file ends, and finds the records wholly before the cut.
    @Test func truncatedRingWithADamagedHeaderSalvagesTheRecordsBeforeTheCut() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            let model = try makeRing(path, capacity: Self.capacity, lengths: Self.lengths)
            let frames = model.appendedRecords
            let cut = model.fileOffset(of: frames[9].position) + 30
            try RingFile.truncate(path, to: cut)
            try RingFile.xor(path, at: 24, with: 0x01)
            let reason = try Self.headerChecksumReason(path)
            let read = try readEvents(path)
            #expect(read.isSalvaging)
            #expect(read.events
                == [.issue(ReadIssue(reason: .headerDamaged(reason), fileOffset: 0, byteCount: 0))]
                + frames[..<9].map { record($0, in: model, salvaged: true) })
        }
    }

    // MARK: Damaged headers

    /// Random bytes over the header after the magic and version (bytes 10..<64, or the whole
    /// header page): the checksum fails, and the reader salvages every record.
    @Test(arguments: [64, 4096])
    func garbageHeaderWithVersionOneIsSalvaged(garbageEnd: Int) throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            let model = try makeRing(path, capacity: Self.capacity, lengths: Self.lengths)
            var random = SplitMix64(seed: 0x5EED_0000 + UInt64(garbageEnd))
            try RingFile.write(random.bytes(garbageEnd - 10), at: 10, in: path)
            let reason = try Self.headerChecksumReason(path)

            let read = try readEvents(path)
            #expect(read.isSalvaging)
            #expect(read.events
                == [.issue(ReadIssue(reason: .headerDamaged(reason), fileOffset: 0, byteCount: 0))]
                + model.appendedRecords.map { record($0, in: model, salvaged: true) })
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
                == .headerDamaged(path: path, reason: reason))
        }
    }

    /// The version is checked before the checksum (so that a newer format says so): random
    /// bytes over the version field make the file read as an unknown version, not as damage.
    @Test func garbageHeaderIncludingTheVersionReadsAsAnUnsupportedVersion() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            _ = try makeRing(path, capacity: Self.capacity, lengths: Self.lengths)
            var random = SplitMix64(seed: 42)
            let garbage = random.bytes(56)
            try RingFile.write(garbage, at: 8, in: path)
            let version = UInt16(garbage[0]) | UInt16(garbage[1]) << 8
            try #require(version != 1)
            let expected = SlogRingError.unsupportedVersion(path: path, found: version, supported: 1...1)
            #expect(caughtError { () throws(SlogRingError) in try RingReader.open(path: path) } == expected)
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) } == expected)
        }
    }

    @Test func badMagicIsNotARingForReaderAndWriter() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            _ = try makeRing(path, capacity: Self.capacity, lengths: Self.lengths)
            try RingFile.xor(path, at: 3, with: 0x20)  // "SLOgRNG\0"
            for error in [
                caughtError { () throws(SlogRingError) in try RingReader.open(path: path) },
                caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) },
            ] {
                guard case .notARing(let errorPath, let reason)? = error else {
                    Issue.record("expected .notARing, got \(String(describing: error))")
                    continue
                }
                #expect(errorPath == path)
                #expect(reason.contains("magic is 0x534c4f67524e4700"), "\(reason)")
            }

            // An unrelated file of ring size.
            let text = "\(dir)/notes.txt"
            try Data(repeating: UInt8(ascii: "x"), count: 8192).write(to: URL(fileURLWithPath: text))
            guard case .notARing? = caughtError({ () throws(SlogRingError) in try RingWriter.open(path: text) }) else {
                Issue.record("writer accepted a text file")
                return
            }
            guard case .notARing? = caughtError({ () throws(SlogRingError) in try RingReader.open(path: text) }) else {
                Issue.record("reader accepted a text file")
                return
            }
        }
    }

    @Test func versionTwoWithAValidChecksumIsAnUnsupportedVersion() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            _ = try makeRing(path, capacity: Self.capacity, lengths: Self.lengths)
            var prefix = try Array(RingFile.bytes(path)[0..<64])
            prefix.storeLE(UInt16(2), at: 8)
            prefix.storeLE(CRC32C.checksum(prefix[0..<32]), at: 32)
            try RingFile.write(prefix, at: 0, in: path)
            let expected = SlogRingError.unsupportedVersion(path: path, found: 2, supported: 1...1)
            #expect(caughtError { () throws(SlogRingError) in try RingReader.open(path: path) } == expected)
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) } == expected)
        }
    }

    // MARK: One flipped payload byte

    @Test(arguments: lengths.indices.filter { lengths[$0] > 0 })
    func flippedPayloadByteLosesExactlyThatRecord(index: Int) throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            let model = try makeRing(path, capacity: Self.capacity, lengths: Self.lengths)
            let frames = model.appendedRecords
            let victim = frames[index]
            let offset = model.fileOffset(of: victim.position)
            try RingFile.xor(path, at: offset + 24 + victim.payloadLength / 2, with: 0x01)

            var expected = frames[..<index].map { record($0, in: model) }
            expected.append(.issue(ReadIssue(
                reason: .checksumMismatch(sequence: victim.sequence), fileOffset: offset, byteCount: victim.frameSize,
                // The first record's loss cannot be counted: nothing before it tells.
                lostRecords: index == 0 ? nil : 1)))
            expected += frames[(index + 1)...].map { record($0, in: model) }
            let read = try readEvents(path)
            #expect(read.events == expected)
            #expect(read.records == frames.count - 1)

            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
                == .corrupt(path: path, fileOffset: offset, reason: "checksum mismatch in frame of sequence \(victim.sequence)"))
        }
    }

    // MARK: Damaged frame header fields

    /// Bytes 0..<4 are the length, 20..<24 its complement: either flip breaks the pair.
    @Test(arguments: [0, 1, 2, 3, 20, 21, 22, 23])
    func damagedLengthFieldIsADamagedFrameAndTheReaderResynchronizes(byte: Int) throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            let model = try makeRing(path, capacity: Self.capacity, lengths: Self.lengths)
            let frames = model.appendedRecords
            let victim = frames[5]
            let offset = model.fileOffset(of: victim.position)
            try RingFile.xor(path, at: offset + byte, with: 0x10)
            let header = try Array(RingFile.bytes(path)[offset..<(offset + 24)])
            let length: UInt32 = header.loadLE(at: 0)
            let check: UInt32 = header.loadLE(at: 20)
            let reason = "frame length field damaged (length \(length), check \(check))"

            let expected = frames[..<5].map { record($0, in: model) }
                + [.issue(ReadIssue(reason: .damagedFrame(reason), fileOffset: offset, byteCount: victim.frameSize, lostRecords: 1))]
                + frames[6...].map { record($0, in: model) }
            #expect(try readEvents(path).events == expected)
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
                == .corrupt(path: path, fileOffset: offset, reason: reason))
        }
    }

    @Test func zeroKindAndReservedFlagsAreDamagedFrames() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            let model = try makeRing(path, capacity: Self.capacity, lengths: Self.lengths)
            let frames = model.appendedRecords
            // Kind 2 -> 0 in frame 3; flags 0 -> 0x0400 in frame 8 (the last but three).
            let kindOffset = model.fileOffset(of: frames[3].position)
            let flagsOffset = model.fileOffset(of: frames[8].position)
            try RingFile.xor(path, at: kindOffset + 4, with: 0x02)
            try RingFile.xor(path, at: flagsOffset + 7, with: 0x04)

            let expected = frames[..<3].map { record($0, in: model) }
                + [.issue(ReadIssue(
                    reason: .damagedFrame("no frame here (kind 0)"), fileOffset: kindOffset,
                    byteCount: frames[3].frameSize, lostRecords: 1))]
                + frames[4..<8].map { record($0, in: model) }
                + [.issue(ReadIssue(
                    reason: .damagedFrame("reserved frame flags are set (0x400)"), fileOffset: flagsOffset,
                    byteCount: frames[8].frameSize, lostRecords: 1))]
                + frames[9...].map { record($0, in: model) }
            #expect(try readEvents(path).events == expected)
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
                == .corrupt(path: path, fileOffset: kindOffset, reason: "no frame here (kind 0)"))
        }
    }

    // MARK: Random flips in several frames

    @Test func randomFlipsInSeveralFramesLoseExactlyTheDamagedFrames() throws {
        try withTemporaryDirectory { dir in
            var lengthRandom = SplitMix64(seed: 7)
            let lengths = (0..<40).map { _ in Int(lengthRandom.next() % 120) }
            for seed in UInt64(1)...30 {
                let path = "\(dir)/flips-\(seed).ring"
                let model = try makeRing(path, capacity: 8192, lengths: lengths)
                let frames = model.appendedRecords
                var random = SplitMix64(seed: seed)
                let damagedCount = 1 + Int(random.next() % 8)
                var damaged: Set<Int> = []
                while damaged.count < damagedCount { damaged.insert(Int(random.next() % UInt64(frames.count))) }
                for index in damaged {
                    // 1 to 3 flips among the bytes the checksum or the field checks cover.
                    let frame = frames[index]
                    let offset = model.fileOffset(of: frame.position)
                    for _ in 0...(random.next() % 3) {
                        let byte = Int(random.next() % UInt64(24 + frame.payloadLength))
                        try RingFile.xor(path, at: offset + byte, with: UInt8(1 + random.next() % 255))
                    }
                }
                let damagedFile = try RingFile.bytes(path)

                // One issue per run of adjacent damaged frames, at the run's first frame.
                var expected: [Event] = []
                var index = 0
                while index < frames.count {
                    guard damaged.contains(index) else {
                        expected.append(record(frames[index], in: model))
                        index += 1
                        continue
                    }
                    var end = index
                    while damaged.contains(end + 1) { end += 1 }
                    let runEnd = end + 1 < frames.count ? frames[end + 1].position : model.write
                    let offset = model.fileOffset(of: frames[index].position)
                    expected.append(.issue(ReadIssue(
                        reason: Self.expectedReason(damagedFile, at: offset, original: frames[index], capacity: 8192),
                        fileOffset: offset, byteCount: Int(runEnd - frames[index].position),
                        lostRecords: index == 0 ? nil : UInt64(end - index + 1))))
                    index = end + 1
                }
                let read = try readEvents(path)
                #expect(read.records == frames.count - damaged.count, "seed \(seed)")
                #expect(read.events == expected, "seed \(seed): damaged \(damaged.sorted())")
                let first = damaged.min()!
                guard case .corrupt(_, let offset, _)? = caughtError({ () throws(SlogRingError) in try RingWriter.open(path: path) })
                else {
                    Issue.record("seed \(seed): writer opened a damaged ring")
                    continue
                }
                #expect(offset == model.fileOffset(of: frames[first].position), "seed \(seed)")
            }
        }
    }

    // MARK: Impossible positions in the header

    enum BadPositions: String, CaseIterable, Sendable { case oldestAfterWrite, moreThanACapacityApart, misaligned, beyondLargestPosition }

    @Test(arguments: BadPositions.allCases)
    func impossiblePositionsInTheHeaderAreSalvagedInOrder(damage: BadPositions) throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            let model = try makeRing(path, capacity: Self.capacity, lengths: Self.lengths)
            let write = model.write
            let (oldest, newWrite): (UInt64, UInt64) = switch damage {
            case .oldestAfterWrite: (write + 8, write)
            case .moreThanACapacityApart: (0, UInt64(Self.capacity) + 8)
            case .misaligned: (4, write)
            case .beyondLargestPosition: ((1 << 62) + 8, (1 << 62) + 16)
            }
            try RingFile.writeWord(newWrite, at: 64, in: path)
            try RingFile.writeWord(oldest, at: 72, in: path)
            let reason = positionProblem(oldest: oldest, write: newWrite, capacity: Self.capacity)!
            switch damage {
            case .oldestAfterWrite: #expect(reason == "oldest position \(write + 8) is after the write position \(write)")
            case .moreThanACapacityApart: #expect(reason.hasPrefix("write position 4104 is more than the capacity"))
            case .misaligned: #expect(reason.hasSuffix("are not multiples of 8"))
            case .beyondLargestPosition: #expect(reason.hasSuffix("is beyond the largest position v1 uses (2^62)"))
            }

            let read = try readEvents(path)
            #expect(read.isSalvaging)
            #expect(read.events
                == [.issue(ReadIssue(reason: .headerDamaged(reason), fileOffset: 64, byteCount: 0))]
                + model.appendedRecords.map { record($0, in: model, salvaged: true) })
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
                == .headerDamaged(path: path, reason: reason))
        }
    }

    /// Positions that pass the header checks but do not fall on frame boundaries: the reader
    /// reports the place as a damaged frame and the writer refuses the ring there.
    @Test func headerPositionsInsideAFrameAreDamagedFrames() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            let model = try makeRing(path, capacity: Self.capacity, lengths: Self.lengths)
            let frames = model.appendedRecords
            let pristine = try RingFile.bytes(path)

            // Oldest 16 bytes into record 0 (a 32-byte frame): the reader resynchronizes at
            // record 1; with nothing read before, the loss is not counted.
            try RingFile.writeWord(16, at: 72, in: path)
            // Read as a frame header, bytes 16..<40 are record 0's checksum and ~length, its
            // payload and alignment, and record 1's first 8 bytes: the length pair disagrees.
            var problem = try Self.frameProblem(path, atPosition: 16, model: model)
            #expect(problem.hasPrefix("frame length field damaged"))
            var read = try readEvents(path)
            #expect(read.events
                == [.issue(ReadIssue(reason: .damagedFrame(problem), fileOffset: 4096 + 16, byteCount: 16, lostRecords: nil))]
                + frames[1...].map { record($0, in: model) })
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
                == .corrupt(path: path, fileOffset: 4096 + 16, reason: problem))

            // Write 8 bytes short of the end of the last frame: that frame now extends past the
            // write position; the header's next sequence number counts it as lost.
            try RingFile.write(pristine, at: 0, in: path)
            try RingFile.writeWord(model.write - 8, at: 64, in: path)
            let last = frames.last!
            problem = "frame of \(last.frameSize) bytes extends past the write position"
            read = try readEvents(path)
            #expect(read.events
                == frames.dropLast().map { record($0, in: model) }
                + [.issue(ReadIssue(
                    reason: .damagedFrame(problem), fileOffset: model.fileOffset(of: last.position),
                    byteCount: last.frameSize - 8, lostRecords: 1))])
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
                == .corrupt(path: path, fileOffset: model.fileOffset(of: last.position), reason: problem))
        }
    }

    /// Bytes no check covers (the alignment bytes after a payload, the body of a padding frame,
    /// an implicit 8-byte gap at the region end) hold nothing: damaging them loses nothing.
    @Test func damageToBytesNoCheckCoversLosesNothing() throws {
        try withTemporaryDirectory { dir in
            // Alignment bytes of every record of the unwrapped ring.
            var path = "\(dir)/align.ring"
            var model = try makeRing(path, capacity: Self.capacity, lengths: Self.lengths)
            var flipped = 0
            for frame in model.appendedRecords {
                let offset = model.fileOffset(of: frame.position)
                for byte in (24 + frame.payloadLength)..<frame.frameSize {
                    try RingFile.xor(path, at: offset + byte, with: 0xFF)
                    flipped += 1
                }
            }
            #expect(flipped == 27)  // 5 + 1 + 7 + 1 + 7 + 1 + 1 + 4 over the 12 lengths
            try expectIntact(path, model: model)

            // Capacity 256: record 0 (120 bytes), record 1 (80 bytes) at 120, then record 2
            // (64 bytes) does not fit in the 56 left: a padding frame at 200 (body 224..<256).
            path = "\(dir)/padding.ring"
            model = try makeRing(path, capacity: 256, lengths: [96, 56, 40])
            #expect(model.liveRecords.map(\.sequence) == [1, 2])
            #expect(model.frames.contains { $0.isPadding && $0.position == 200 && $0.position >= model.oldest })
            try RingFile.write([UInt8](repeating: 0xEE, count: 32), at: 4096 + 224, in: path)
            try expectIntact(path, model: model)

            // Record 0 (24 bytes), record 1 (224 bytes) ends 8 bytes before the region end;
            // record 2 skips the implicit gap at 248..<256 and starts the next lap.
            path = "\(dir)/gap.ring"
            model = try makeRing(path, capacity: 256, lengths: [0, 200, 0])
            #expect(model.liveRecords.map(\.sequence) == [1, 2])
            #expect(model.liveRecords.last!.position == 256)
            try RingFile.write([UInt8](repeating: 0xEE, count: 8), at: 4096 + 248, in: path)
            try expectIntact(path, model: model)
        }
    }

    /// Every live frame of several wrapped rings, damaged in turn (records and padding frames):
    /// exactly that record is lost, the issue covers the bytes up to the next frame the chain
    /// can use (a padding frame, or past an implicit gap to the next lap), and the writer
    /// refuses the ring at that frame.
    @Test func everyLiveFrameOfWrappedRingsDamagedInTurn() throws {
        try withTemporaryDirectory { dir in
            var beforePadding = 0
            var beforeGap = 0
            var paddings = 0
            for seed in UInt64(1)...8 {
                var random = SplitMix64(seed: seed &* 77)
                let capacity = 512
                let lengths = (0..<(40 + Int(seed) * 5)).map { _ in
                    random.next() % 5 == 0 ? 100 + Int(random.next() % 200) : Int(random.next() % 48)
                }
                let path = "\(dir)/turns-\(seed).ring"
                let model = try makeRing(path, capacity: capacity, lengths: lengths, startPosition: 8 * (random.next() % 64))
                let pristine = try RingFile.bytes(path)
                let chain = model.frames.filter { $0.position >= model.oldest }
                let live = model.liveRecords
                for (index, victim) in chain.enumerated() {
                    try RingFile.write(pristine, at: 0, in: path)
                    let offset = model.fileOffset(of: victim.position)
                    let next = index + 1 < chain.count ? chain[index + 1].position : model.write
                    if !victim.isPadding && index + 1 < chain.count && chain[index + 1].isPadding { beforePadding += 1 }
                    if !victim.isPadding && next - victim.position > UInt64(victim.frameSize) { beforeGap += 1 }
                    // A payload byte, or the checksum field of an empty record or a padding frame.
                    let byte = victim.isPadding || victim.payloadLength == 0 ? 16 : 24 + victim.payloadLength / 2
                    try RingFile.xor(path, at: offset + byte, with: 0x08)
                    let claimed: UInt64 = try Array(RingFile.bytes(path)[(offset + 8)..<(offset + 16)]).loadLE(at: 0)
                    let recordsBefore = live.filter { $0.position < victim.position }

                    let read = try readEvents(path)
                    let issues = read.events.compactMap { if case .issue(let issue) = $0 { issue } else { nil } }
                    let context = "seed \(seed), frame \(index) of \(chain.count) at \(offset)"
                    if victim.isPadding {
                        paddings += 1
                        // The padding's body is stale bytes; the chain goes on at the next lap
                        // (possibly through a stale padding frame inside the body).
                        #expect(read.events.filter { if case .record = $0 { true } else { false } }
                            == live.map { record($0, in: model) }, "\(context)")
                        #expect(issues.count == 1, "\(context)")
                        #expect(issues.first?.fileOffset == offset, "\(context)")
                        #expect(issues.first?.reason == .checksumMismatch(sequence: claimed), "\(context)")
                        #expect(issues.first?.lostRecords == (recordsBefore.isEmpty ? nil : 0), "\(context)")
                        #expect((issues.first?.byteCount ?? 0) <= victim.frameSize, "\(context)")
                    } else {
                        #expect(read.events
                            == recordsBefore.map { record($0, in: model) }
                            + [.issue(ReadIssue(
                                reason: .checksumMismatch(sequence: victim.sequence), fileOffset: offset,
                                byteCount: Int(next - victim.position), lostRecords: recordsBefore.isEmpty ? nil : 1))]
                            + live.filter { $0.position > victim.position }.map { record($0, in: model) },
                            "\(context)")
                    }
                    #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
                        == .corrupt(path: path, fileOffset: offset, reason: "checksum mismatch in frame of sequence \(claimed)"),
                        "\(context)")
                }
            }
            #expect(beforePadding > 0 && beforeGap > 0 && paddings > 0)
        }
    }

    /// A damaged header on a file shorter than the header: the salvage scan has no data
    /// region to scan and says only that the header is damaged.
    @Test func damagedHeaderOfAFileShorterThanTheHeaderSalvagesNothing() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            _ = try makeRing(path, capacity: Self.capacity, lengths: Self.lengths)
            for size in [2000, 4096, 4096 + 16] {
                try RingFile.truncate(path, to: size)
                try RingFile.xor(path, at: 24, with: 0x01)
                let reason = try Self.headerChecksumReason(path)
                let read = try readEvents(path)
                #expect(read.isSalvaging)
                #expect(read.events == [.issue(ReadIssue(reason: .headerDamaged(reason), fileOffset: 0, byteCount: 0))], "size \(size)")
                try RingFile.xor(path, at: 24, with: 0x01)
            }
        }
    }

    // MARK: Salvaging wrapped rings

    /// A hand-built case: padding frames write only their 24-byte header, so the frames of an
    /// earlier lap under a padding body survive whole once the padding header is overwritten,
    /// and a salvage scan returns them before the live record.
    @Test func salvagedWrappedRingReturnsIntactStaleFramesInSequenceOrder() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            // Capacity 256. Lap 0: records 0...7, 32-byte frames at 0, 32, ..., 224.
            // Lap 1: record 8 (136 bytes) at 0..<136. Record 9 (128 bytes) does not fit in the
            // 120 left: a padding frame at 136 (header 136..<160 written, body left alone, so
            // records 5...7 at 160..<256 stay whole), record 9 at offset 0 of lap 2.
            // Lap 2: record 10 (32 bytes) at 128..<160 overwrites the padding header. Live: 9, 10.
            // A scan finds 9 (0), 10 (128), then the stale 5, 6, 7; record 8 was overwritten.
            let model = try makeRing(path, capacity: 256, lengths: Array(repeating: 8, count: 8) + [112, 104, 8])
            #expect(model.liveRecords.map(\.sequence) == [9, 10])
            let salvage = model.salvageExpectation()
            #expect(salvage.map(\.sequence) == [5, 6, 7, 9, 10])
            #expect(salvage.map { model.fileOffset(of: $0.position) - 4096 } == [160, 192, 224, 0, 128])

            try RingFile.xor(path, at: 24, with: 0xFF)  // createdAt: header checksum fails
            let reason = try Self.headerChecksumReason(path)
            let read = try readEvents(path)
            #expect(read.isSalvaging)
            #expect(read.events == expectedSalvageEvents(salvage, model: model, headerReason: reason))
        }
    }

    /// Random record sizes over several laps, 400 rings: the salvage scan returns exactly what the
    /// model says survives whole, which always includes every live record.
    @Test func salvagedRandomWrappedRingsMatchTheModel() throws {
        try withTemporaryDirectory { dir in
            var ringsWithStaleRecords = 0
            for seed in UInt64(1)...400 {
                var random = SplitMix64(seed: seed &* 0x1234_5678)
                let capacity = [256, 512, 1000][Int(seed % 3)]
                let count = 10 + Int(random.next() % 60)
                // Mostly small records, some large ones: large records wrap early, leaving
                // long padding frames over the small frames of the lap before.
                let lengths = (0..<count).map { _ in
                    random.next() % 4 == 0
                        ? capacity / 3 + Int(random.next() % UInt64(capacity - 24 - capacity / 3 + 1))
                        : Int(random.next() % 40)
                }
                let start = 8 * (random.next() % UInt64(capacity / 4))
                let path = "\(dir)/salvage-\(seed).ring"
                let model = try makeRing(path, capacity: capacity, lengths: lengths, startPosition: start)
                let salvage = model.salvageExpectation()
                let live = model.liveRecords
                #expect(Set(live.map(\.sequence)).isSubset(of: salvage.map(\.sequence)), "seed \(seed)")
                if let first = live.first, salvage.contains(where: { $0.sequence < first.sequence }) { ringsWithStaleRecords += 1 }

                try RingFile.xor(path, at: 30, with: 0x80)  // createdAt
                let reason = try Self.headerChecksumReason(path)
                let read = try readEvents(path)
                #expect(read.isSalvaging)
                #expect(
                    read.events == expectedSalvageEvents(salvage, model: model, headerReason: reason),
                    "seed \(seed), capacity \(capacity), start \(start), lengths \(lengths)")
            }
            // The scenario this is about occurs in this sample (deterministic seeds).
            #expect(ringsWithStaleRecords > 10)
        }
    }

    // MARK: Random and hostile files

    @Test func oneMebibyteOfRandomBytesAfterTheMagicIsRefusedOrSalvagedToNothing() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/random.ring"
            var random = SplitMix64(seed: 0xF00D)
            var bytes = random.bytes(1 << 20)
            bytes.storeLE(RingHeader.magic, at: 0)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let version = UInt16(bytes[8]) | UInt16(bytes[9]) << 8
            try #require(version != 1)
            let unsupported = SlogRingError.unsupportedVersion(path: path, found: version, supported: 1...1)
            #expect(caughtError { () throws(SlogRingError) in try RingReader.open(path: path) } == unsupported)
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) } == unsupported)

            // With version 1 the whole MiB is scanned; nothing in random bytes validates.
            bytes.storeLE(UInt16(1), at: 8)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let reason = try Self.headerChecksumReason(path)
            var reader = try RingReader.open(path: path)
            let salvaging = reader.isSalvaging
            let capacity = reader.header.capacity
            #expect(salvaging)
            #expect(capacity == (1 << 20) - 4096)
            let contents = drain(&reader)
            #expect(contents.records.isEmpty)
            #expect(contents.issues == [ReadIssue(reason: .headerDamaged(reason), fileOffset: 0, byteCount: 0)])
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
                == .headerDamaged(path: path, reason: reason))
        }
    }

    @Test func validHeaderOverRandomDataIsOneDamagedStretch() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            let capacity = (1 << 20) - 4096
            try RingWriter.create(path: path, capacity: capacity).close()
            var random = SplitMix64(seed: 0xBAD)
            let data = random.bytes(capacity)
            try RingFile.write(data, at: 4096, in: path)
            try RingFile.writeWord(UInt64(capacity), at: 64, in: path)  // a full ring
            try RingFile.writeWord(0, at: 72, in: path)
            let length: UInt32 = data.loadLE(at: 0)
            let kind: UInt16 = data.loadLE(at: 4)
            let check: UInt32 = data.loadLE(at: 20)
            try #require(kind != 0 && check != ~length)
            let reason = "frame length field damaged (length \(length), check \(check))"

            let read = try readEvents(path)
            #expect(!read.isSalvaging)
            #expect(read.events == [.issue(ReadIssue(reason: .damagedFrame(reason), fileOffset: 4096, byteCount: capacity))])
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
                == .corrupt(path: path, fileOffset: 4096, reason: reason))
        }
    }

    /// Plausible frame headers every 24 bytes, each claiming to run to the region end with a
    /// wrong checksum: without a budget, checking them all costs O(capacity^2). The scan stops
    /// where the budget (4 * capacity + 1 MiB checksummed bytes) runs out, and says so.
    @Test(arguments: [true, false])
    func hostileFrameHeadersExhaustTheScanBudget(salvaging: Bool) throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            let capacity = 256 << 10
            try RingWriter.create(path: path, capacity: capacity).close()
            var data = [UInt8](repeating: 0, count: capacity)
            for start in stride(from: 0, through: capacity - 24, by: 24) {
                let length = UInt32(capacity - start - 24)
                data.storeLE(length, at: start)
                data.storeLE(RecordKind.slog.rawValue, at: start + 4)
                data.storeLE(~length, at: start + 20)  // sequence 0 and checksum 0 (wrong)
            }
            try RingFile.write(data, at: 4096, in: path)
            try RingFile.writeWord(UInt64(capacity), at: 64, in: path)
            try RingFile.writeWord(0, at: 72, in: path)
            if salvaging { try RingFile.xor(path, at: 24, with: 1) }

            // Where the budget runs out: checked before each candidate, spent on plausible ones.
            // The chain reader checks the frame at 0 without charging, then resynchronizes from 8.
            var budget = 4 * capacity + (1 << 20)
            var position = salvaging ? 0 : 8
            while budget > 0 {
                if position % 24 == 0 { budget -= capacity - position }
                position += 8
            }
            #expect(position < capacity / 10)

            let read = try readEvents(path)
            #expect(read.isSalvaging == salvaging)
            if salvaging {
                let reason = try Self.headerChecksumReason(path)
                #expect(read.events == [
                    .issue(ReadIssue(reason: .headerDamaged(reason), fileOffset: 0, byteCount: 0)),
                    .issue(ReadIssue(reason: .scanBudgetExhausted, fileOffset: 4096 + position, byteCount: capacity - position)),
                ])
            } else {
                #expect(read.events == [
                    .issue(ReadIssue(reason: .checksumMismatch(sequence: 0), fileOffset: 4096, byteCount: position)),
                    .issue(ReadIssue(reason: .scanBudgetExhausted, fileOffset: 4096 + position, byteCount: capacity - position)),
                ])
            }
        }
    }

    // MARK: RingWriter.open on damaged rings

    @Test func writerRefusesAWrappedRingWithADamagedFrameAtThatFrameOffset() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            // 300 records of 5...70 bytes in 1024: several laps, padding frames at lap ends.
            let lengths = (0..<300).map { 5 + ($0 * 37) % 66 }
            let model = try makeRing(path, capacity: 1024, lengths: lengths, startPosition: 512)
            let live = model.liveRecords
            #expect(live.first!.position / 1024 != live.last!.position / 1024, "the live records span a lap boundary")
            let pristine = try RingFile.bytes(path)

            // Clean: opens, and continues after the newest record.
            let writer = try RingWriter.open(path: path)
            #expect(writer.nextRecordSequence == 300)
            #expect(writer.oldest.rawValue == model.oldest && writer.write.rawValue == model.write)
            try writer.close()

            for victim in [live.first!, live[live.count / 2], live.last!] {
                try RingFile.write(pristine, at: 0, in: path)
                let offset = model.fileOffset(of: victim.position)
                try RingFile.xor(path, at: offset + 24, with: 0x40)
                #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
                    == .corrupt(path: path, fileOffset: offset, reason: "checksum mismatch in frame of sequence \(victim.sequence)"))
                // The reader loses exactly that record.
                let contents = try readRing(path)
                #expect(contents.sequences == live.map(\.sequence).filter { $0 != victim.sequence })
                #expect(contents.issues.map(\.fileOffset) == [offset])
            }

            // A damaged header checksum: refused as a damaged header, not as corruption.
            try RingFile.write(pristine, at: 0, in: path)
            try RingFile.xor(path, at: 17, with: 0x01)  // capacity
            let reason = try Self.headerChecksumReason(path)
            #expect(caughtError { () throws(SlogRingError) in try RingWriter.open(path: path) }
                == .headerDamaged(path: path, reason: reason))
        }
    }

    // MARK: Expectations

    /// The `.headerDamaged` text for the header checksum of the file at `path` as it is now.
    static func headerChecksumReason(_ path: String) throws -> String {
        let prefix = try Array(RingFile.bytes(path)[0..<64])
        let stored: UInt32 = prefix.loadLE(at: 32)
        let computed = CRC32C.checksum(prefix[0..<32])
        return "header checksum 0x\(String(stored, radix: 16)) does not match 0x\(String(computed, radix: 16))"
    }

    /// Reads `path` and expects exactly the model's live records and no issues; the writer
    /// opens it and continues after the newest record.
    private func expectIntact(_ path: String, model: RingLayout, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try readEvents(path).events == model.liveRecords.map { record($0, in: model) }, sourceLocation: sourceLocation)
        var writer = try RingWriter.open(path: path)
        #expect(writer.nextRecordSequence == model.nextSequence, sourceLocation: sourceLocation)
        #expect(try writer.append([1, 2, 3]) == model.nextSequence, sourceLocation: sourceLocation)
        try writer.close()
    }

    /// What the reader must say about the garbage frame header at `position` of the file:
    /// kind 0, else a length pair that disagrees (the only two outcomes in these tests).
    private static func frameProblem(_ path: String, atPosition position: UInt64, model: RingLayout) throws -> String {
        let offset = model.fileOffset(of: position)
        let header = try Array(RingFile.bytes(path)[offset..<(offset + 24)])
        let length: UInt32 = header.loadLE(at: 0)
        let kind: UInt16 = header.loadLE(at: 4)
        let check: UInt32 = header.loadLE(at: 20)
        if kind == 0 { return "no frame here (kind 0)" }
        return "frame length field damaged (length \(length), check \(check))"
    }

    /// A salvage read: the header note, then the records in sequence order, each jump in the
    /// sequence announced just before the record after it.
    private func expectedSalvageEvents(_ frames: [RingLayout.Frame], model: RingLayout, headerReason: String) -> [Event] {
        var events: [Event] = [.issue(ReadIssue(reason: .headerDamaged(headerReason), fileOffset: 0, byteCount: 0))]
        var previous: UInt64?
        for frame in frames {
            if let previous, frame.sequence != previous + 1 {
                events.append(.issue(ReadIssue(
                    reason: .sequenceGap(expected: previous + 1, found: frame.sequence),
                    fileOffset: model.fileOffset(of: frame.position), byteCount: 0, lostRecords: frame.sequence - previous - 1)))
            }
            events.append(record(frame, in: model, salvaged: true))
            previous = frame.sequence
        }
        return events
    }

    /// Why the reader rejects the damaged frame at `offset` (first of a run), from its bytes:
    /// the field checks in the order FORMAT.md lists them, else the checksum.
    private static func expectedReason(
        _ file: [UInt8], at offset: Int, original: RingLayout.Frame, capacity: Int
    ) -> ReadIssue.Reason {
        let header = Array(file[offset..<(offset + 24)])
        let length: UInt32 = header.loadLE(at: 0)
        let kind: UInt16 = header.loadLE(at: 4)
        let flags: UInt16 = header.loadLE(at: 6)
        let check: UInt32 = header.loadLE(at: 20)
        if kind == 0 { return .damagedFrame("no frame here (kind 0)") }
        if check != ~length { return .damagedFrame("frame length field damaged (length \(length), check \(check))") }
        if flags != 0 { return .damagedFrame("reserved frame flags are set (0x\(String(flags, radix: 16)))") }
        let room = capacity - (offset - 4096)
        let size = RingLayout.frameSize(payloadLength: Int(length))
        if kind == 1 && size != room {
            return .damagedFrame("padding frame of \(size) bytes does not end at the end of the data region (\(room) bytes left)")
        }
        if Int(length) != original.payloadLength {
            // Both length fields changed consistently: not produced by these seeds.
            return .damagedFrame("unexpected: length \(length)")
        }
        return .checksumMismatch(sequence: header.loadLE(at: 8))
    }
}

// MARK: - Support

extension RingRecoveryTests {
    /// A record or issue, with the record's bytes, in the order the reader returned them.
    enum Event: Equatable, CustomStringConvertible {
        case record(RecordInfo, [UInt8])
        case issue(ReadIssue)

        var description: String {
            switch self {
            case .record(let info, let bytes): "record \(info.sequence) @\(info.fileOffset) (\(bytes.count) bytes)"
            case .issue(let issue): "issue \(issue.reason) \(issue)"
            }
        }
    }

    /// The event a reader must return for `frame` of `model`, bytes included.
    private func record(_ frame: RingLayout.Frame, in model: RingLayout, salvaged: Bool = false) -> Event {
        .record(
            RecordInfo(
                sequence: frame.sequence, kind: .slog, position: salvaged ? nil : RingPosition(frame.position),
                fileOffset: model.fileOffset(of: frame.position), length: frame.payloadLength),
            payload(for: frame.sequence, length: frame.payloadLength))
    }

    /// Everything a fresh `RingReader` returns from `path`, in order.
    private func readEvents(_ path: String) throws -> (events: [Event], records: Int, isSalvaging: Bool) {
        var reader = try RingReader.open(path: path)
        var events: [Event] = []
        while let event = reader.next() {
            switch event {
            case .record(let info): events.append(.record(info, reader.recordBytes))
            case .skipped(let issue): events.append(.issue(issue))
            }
        }
        let records = events.filter { if case .record = $0 { true } else { false } }.count
        return (events, records, reader.isSalvaging)
    }

    /// Writes a ring with one record per entry of `lengths` (payloads from `payload(for:length:)`),
    /// checks the writer against the model, closes it, and returns the model.
    private func makeRing(_ path: String, capacity: Int, lengths: [Int], startPosition: UInt64 = 0) throws -> RingLayout {
        var model = RingLayout(capacity: capacity, startPosition: startPosition)
        var writer: RingWriter
        if startPosition == 0 {
            writer = try RingWriter.create(path: path, capacity: capacity)
        } else {
            writer = try RingWriter.create(_testingPath: path, capacity: capacity, startPosition: startPosition)
        }
        for length in lengths {
            let sequence = model.append(payloadLength: length)
            #expect(try writer.append(payload(for: sequence, length: length)) == sequence)
        }
        #expect(writer.oldest.rawValue == model.oldest && writer.write.rawValue == model.write)
        #expect(writer.testOnly_invariantViolation() == nil)
        try writer.close()
        return model
    }

    /// Damage done to a closed ring file through ordinary file I/O.
    enum RingFile {
        static func bytes(_ path: String) throws -> [UInt8] {
            [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        }

        static func write(_ bytes: [UInt8], at offset: Int, in path: String) throws {
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(offset))
            try handle.write(contentsOf: Data(bytes))
        }

        static func xor(_ path: String, at offset: Int, with mask: UInt8) throws {
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(offset))
            let old = try handle.read(upToCount: 1)?.first ?? 0
            try handle.seek(toOffset: UInt64(offset))
            try handle.write(contentsOf: Data([old ^ mask]))
        }

        static func writeWord(_ value: UInt64, at offset: Int, in path: String) throws {
            var bytes = [UInt8](repeating: 0, count: 8)
            bytes.storeLE(value, at: 0)
            try write(bytes, at: offset, in: path)
        }

        static func truncate(_ path: String, to size: Int) throws {
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.truncate(atOffset: UInt64(size))
        }
    }


}
