import TestSupport
import Foundation
import Testing
@testable import SlogRing

/// Files built to make a reader spend: huge claimed capacities on sparse files, frame lengths
/// near the top of their field, positions that claim more than the file holds, and a million
/// tiny records. Bounded time and memory, and a clear account of what was skipped (issue 7).
@Suite struct RingHostileResourceTests {
    /// Writes a v1 header claiming `capacity`, with the given positions, and makes the file
    /// `size` bytes long (sparse: nothing is allocated).
    static func forgeRing(_ path: String, capacity: Int, write: UInt64, oldest: UInt64 = 0, size: Int) throws {
        let header = RingHeader(capacity: capacity, createdAtNanoseconds: 0)
        var bytes = header.encodedPrefix()
        bytes += [UInt8](repeating: 0, count: RingHeader.writePositionOffset - bytes.count)
        withUnsafeBytes(of: write.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: oldest.littleEndian) { bytes += $0 }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(truncate(path, off_t(size)) == 0)
    }

    /// Resident memory of this process now, in bytes.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        return (Int(text.split(separator: " ")[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// A 10 GiB sparse file whose header says it is full of frames: the reader allocates no
    /// more than one page-sized buffer (not the claimed capacity), skips the zeros as damage
    /// without computing a checksum per step, and ends.
    @Test func tenGiBSparseRingClaimingToBeFullIsBoundedInTimeAndMemory() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/huge.ring"
            let capacity = 10 << 30
            try Self.forgeRing(path, capacity: capacity, write: UInt64(capacity), size: 4096 + capacity)
            let clock = ContinuousClock()
            let started = clock.now
            let before = Self.residentBytes()
            var reader = try RingReader.open(path: path)
            #expect(reader.bufferCapacity <= 1 << 20)
            // The first event is the damaged stretch; a bounded number of events in all.
            var events: [ReadEvent] = []
            while events.count < 10, let event = reader.next() { events.append(event) }
            #expect(events.count < 10)
            #expect(events.allSatisfy { if case .skipped = $0 { true } else { false } })
            let elapsed = clock.now - started
            #expect(elapsed < .seconds(30), "\(elapsed)")
            // The zero pages read were never resident for long: far below the claimed size.
            #expect(Self.residentBytes() - before < 1 << 30)
        }
    }

    /// The same claim on a file that holds only the header: nothing is mapped past the end, and
    /// the reader says where the file ends.
    @Test func hugeClaimedCapacityOnAShortFileEndsAtTheFileEnd() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/short.ring"
            try Self.forgeRing(path, capacity: 1 << 62, write: 1 << 61, oldest: 0, size: 4096 + 4096)
            let contents = try readRing(path)
            #expect(contents.records.isEmpty)
            #expect(!contents.issues.isEmpty)
            #expect(contents.issues.count < 10)
        }
    }

    /// Frame length fields near 2^32 (the format's lengths are u32) at the first frame: damage
    /// reported, never an allocation of the claimed size, never a read past the mapping.
    @Test(arguments: [UInt32.max, UInt32.max - 7, 1 << 31, 0xFFFF_FFE8])
    func frameLengthsNearTheTopOfTheFieldAreDamageNotAllocations(length: UInt32) throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var writer = try RingWriter.create(path: path, capacity: 1 << 16)
            for sequence in 0..<UInt64(10) { _ = try writer.append(payload(for: sequence, length: 50)) }
            try writer.close()
            // Overwrite the first frame's length field (the frame starts the data region).
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.seek(toOffset: 4096)
            try handle.write(contentsOf: withUnsafeBytes(of: length.littleEndian) { Data($0) })
            try handle.close()
            let contents = try readRing(path)
            #expect(contents.sequences == Array(1..<10))
            #expect(contents.issues.count == 1)
        }
    }

    /// A million tiny records (empty payloads, 24-byte frames): read in bounded time, with a
    /// constant-size buffer.
    @Test func aMillionTinyRecordsReadInBoundedTime() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/tiny.ring"
            var writer = try RingWriter.create(path: path, capacity: 32 << 20)
            let empty = [UInt8]()
            for _ in 0..<1_000_000 { _ = try writer.append(empty) }
            try writer.close()
            let clock = ContinuousClock()
            let started = clock.now
            var reader = try RingReader.open(path: path)
            var count = 0
            var expected: UInt64 = 0
            while let event = reader.next() {
                guard case .record(let info) = event, info.sequence == expected else { Issue.record("\(event)"); break }
                expected += 1
                count += 1
            }
            #expect(count == 1_000_000)
            #expect(clock.now - started < .seconds(20))
        }
    }
}
