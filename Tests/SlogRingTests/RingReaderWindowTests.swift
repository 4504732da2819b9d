import SlogSamples
import TestSupport
import Foundation
import Testing
import SlogRing

/// The reader validates frames in a private window of up to 128 KiB copied from the mapping
/// (RingReader+Chain.swift). These rings are larger than a window, with records that straddle
/// window boundaries, records larger than a window, wraps, and damage past the first window:
/// the reader must return exactly what a frame-by-frame reader would.
@Suite struct RingReaderWindowTests {
    /// Appends records of `sizes` (cycled, `count` of them) with deterministic payloads to a
    /// new ring; returns the payload length of every sequence written.
    static func fill(_ path: String, capacity: Int, count: Int, sizes: [Int]) throws -> [Int] {
        var writer = try RingWriter.create(path: path, capacity: capacity)
        var lengths: [Int] = []
        for index in 0..<count {
            let length = sizes[index % sizes.count]
            _ = try writer.append(payload(for: writer.nextRecordSequence, length: length))
            lengths.append(length)
        }
        try writer.close()
        return lengths
    }

    @Test(arguments: [
        [0, 1, 7, 8, 9, 250, 4093, 40_000],  // small to medium: many frames per window, some across its end
        [131_072 - 24, 131_072, 200_000, 17],  // frames of exactly a window, and larger than one
        [300_000, 5, 299_999],  // each frame larger than two windows
    ])
    func ringsLargerThanAWindowReadBackEveryRecordTheyHold(sizes: [Int]) throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/big.ring"
            let capacity = 1 << 20
            // Enough to wrap about twice, so frames sit at every offset and the lap end is met.
            let total = sizes.reduce(0, +) / sizes.count + 32
            let lengths = try Self.fill(path, capacity: capacity, count: 2 * capacity / total + 3, sizes: sizes)
            let contents = try readRing(path)
            #expect(contents.issues.isEmpty, "\(contents.issues)")
            let first = try #require(contents.records.first).info.sequence
            #expect(contents.sequences == Array(first..<UInt64(lengths.count)))
            #expect(first > 0)  // it wrapped
            for record in contents.records {
                #expect(record.bytes == payload(for: record.info.sequence, length: lengths[Int(record.info.sequence)]))
            }
        }
    }

    /// Flips the middle byte of the payload of the first record at or after file offset `at`
    /// (with a payload); returns that record's sequence.
    static func damageRecord(_ path: String, at offset: Int) throws -> UInt64 {
        let intact = try readRing(path)
        let victim = try #require(intact.records.first { $0.info.fileOffset >= offset && $0.info.length > 0 })
        let target = victim.info.fileOffset + 24 + victim.info.length / 2
        try patchFile(path, at: target, [try readFile(path)[target] ^ 0x40])
        return victim.info.sequence
    }

    /// A flipped byte in a frame far past the first window: that record is reported as a
    /// checksum mismatch and every other one is still returned.
    @Test(arguments: [150_000, 400_000, 900_000])
    func damagePastTheFirstWindowCostsOnlyTheDamagedRecord(damageAt: Int) throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/damaged.ring"
            let lengths = try Self.fill(path, capacity: 1 << 20, count: 4800, sizes: [100, 333, 17, 260])
            let intact = try readRing(path)
            let victim = try Self.damageRecord(path, at: damageAt)
            let damaged = try readRing(path)
            #expect(damaged.sequences == intact.sequences.filter { $0 != victim })
            #expect(damaged.issues.map(\.reason) == [.checksumMismatch(sequence: victim)])
            for record in damaged.records {
                #expect(record.bytes == payload(for: record.info.sequence, length: lengths[Int(record.info.sequence)]))
            }
        }
    }

    /// `forEachRecord` returns the same records and issues, in the same order, as `next()`,
    /// also when its body stops it now and then.
    @Test func forEachRecordYieldsWhatNextYields() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/runs.ring"
            _ = try Self.fill(path, capacity: 1 << 20, count: 5000, sizes: [100, 333, 17, 260, 140_000])
            _ = try Self.damageRecord(path, at: 500_000)
            let expected = try readRing(path)
            var reader = try RingReader.open(path: path)
            var records: [(RecordInfo, [UInt8])] = []
            var issues: [ReadIssue] = []
            while true {
                var stoppedByBody = false
                let issue = reader.forEachRecord { info, bytes in
                    records.append((info, Array(bytes)))
                    stoppedByBody = records.count % 7 == 0
                    return !stoppedByBody
                }
                if let issue {
                    issues.append(issue)
                } else if stoppedByBody {
                    #expect(reader.recordBytes == records.last?.1)
                } else {
                    break
                }
            }
            #expect(records.map(\.0) == expected.records.map(\.info))
            #expect(records.map(\.1) == expected.records.map(\.bytes))
            #expect(issues == expected.issues)
            #expect(!issues.isEmpty)
        }
    }
}
