import TestSupport
import Foundation
import Testing
import FlightRecorder
import SlogModel
import SlogRing
import SlogInput

/// Inputs built to make the shared readers spend (issue 7): Agoric length prefixes near 2^64,
/// headers whose positions never advance, a million tiny slogfile lines, JSON nested a million
/// deep. Each ends in bounded time and memory with the problem said, never a crash.
@Suite struct SlogInputHostileResourceTests {
    /// Counts the records (reading each one's bytes), keeps the problems.
    func drain(_ source: any SlogSource, limit: Int = 5_000_000) -> Drained<Int> {
        drainEvents(source, limit: limit, into: 0) { count, _ in count += 1 }
    }

    /// Resident memory of this process now, in bytes.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        return (Int(text.split(separator: " ")[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Every record's u64 length prefix near 2^64 (and the header's positions and arena size
    /// too): damage, no allocation of the claimed size, no arithmetic overflow trap.
    @Test(arguments: [UInt64.max, UInt64.max - 7, 1 << 63, (1 << 63) - 1, 1 << 32] as [UInt64])
    func agoricLengthsNearTwoToTheSixtyFourAreDamageNotAllocations(length: UInt64) throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/flight-recorder.bin"
            let arena = 4096
            var file = agoricFile(arenaSize: arena, circStart: 0, circEnd: 2000, records: (0..<20).map { numberedRecord($0) })
            // Replace the 5th record's length prefix, then try the same in the header's fields.
            var position = 0
            for n in 0..<5 { position += agoricSize(numberedRecord(n)) }
            file.replaceSubrange(32 + position..<32 + position + 8, with: bigEndian(length))
            try writeFile(path, file)
            let before = Self.residentBytes()
            let drained = drain(try SlogSources.open(path))
            #expect(drained.records >= 5)
            #expect(!drained.problems.isEmpty)
            for field in [8, 16, 24] {
                var hostile = file
                hostile.replaceSubrange(field..<field + 8, with: bigEndian(length))
                try writeFile(path, hostile)
                _ = drain(try SlogSources.open(path))
            }
            #expect(Self.residentBytes() - before < 256 << 20)
        }
    }

    /// Zero-length prefixes everywhere, and a header whose start and end are equal and point
    /// at them: positions that would never advance if a zero length were taken as a record.
    @Test func agoricPositionsThatNeverAdvanceEnd() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/zeros.bin"
            for (start, end) in [(0, 0), (8, 8), (0, 4088), (4088, 0), (17, 17)] {
                var file = bigEndian(0x4147_2D53_4C4F_4721) + bigEndian(4096) + bigEndian(UInt64(start)) + bigEndian(UInt64(end))
                file += [UInt8](repeating: 0, count: 4096)
                try writeFile(path, file)
                let drained = drain(try SlogSources.open(path), limit: 10_000)
                #expect(drained.events < 10_000, "start \(start) end \(end)")
                #expect(drained.records == 0)
            }
        }
    }

    /// A million `{}` lines: read in bounded time with the reader's fixed buffer.
    /// In a child process of its own, so the resident-memory check sees only this test (tests
    /// run in parallel in one process, and another suite's memory once made this fail).
    @Test func aMillionTinySlogfileLines() async {
        await #expect(processExitsWith: .success) {
            let dir = NSTemporaryDirectory() + "/tiny-lines-\(getpid())"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let path = "\(dir)/tiny.jsonl"
            try writeFile(path, Array(String(repeating: "{}\n", count: 1_000_000).utf8))
            let before = SlogInputHostileResourceTests.residentBytes()
            let drained = drainEvents(try SlogSources.open(path), limit: 5_000_000, into: 0) { count, _ in count += 1 }
            let grown = SlogInputHostileResourceTests.residentBytes() - before
            // Traps (a failed exit) with the numbers when a bound does not hold.
            precondition(drained.records == 1_000_000, "records: \(drained.records)")
            precondition(drained.problems.isEmpty, "problems: \(drained.problems.prefix(3))")
            precondition(grown < 64 << 20, "resident memory grew by \(grown) bytes")
        }
    }

    /// JSON nested a million levels deep (closed, and never closed), as a record's value and as
    /// the whole record: the scanner and the normalizer use no stack per level, so nothing
    /// overflows; the unclosed one is not JSON.
    @Test func jsonNestedAMillionDeepCostsNoStack() throws {
        let depth = 1_000_000
        let closed = #"{"type":"deliver","x":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        let unclosed = #"{"type":"deliver","x":"# + String(repeating: "{\"a\":", count: depth)
        let clock = ContinuousClock()
        let started = clock.now
        for text in [closed, unclosed, String(repeating: "[", count: depth)] {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBytes { raw in
                _ = JSONScan.value(forKey: Array("type".utf8), in: raw)
                _ = JSONScan.forEachMember(in: raw) { _, _ in true }
                _ = ConsensusNormalizer.normalize(raw, fields: .agoric)
            }
        }
        closed.utf8CString.withUnsafeBytes { raw in
            let record = UnsafeRawBufferPointer(rebasing: raw[..<(raw.count - 1)])
            #expect(JSONScan.forEachMember(in: record) { _, _ in true })
            if case .record = ConsensusNormalizer.normalize(record, fields: .agoric) {} else { Issue.record("closed nesting should normalize") }
        }
        #expect(clock.now - started < .seconds(20))
    }

    /// The same nesting through the JSON-lines reader and slog-record's recorder path.
    @Test func deeplyNestedLinesThroughTheReaderAndTheRecorder() throws {
        try withTemporaryDirectory { dir in
            let depth = 200_000
            let line = #"{"type":"deliver","x":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
            let path = "\(dir)/deep.jsonl"
            try writeFile(path, Array((line + "\n" + String(repeating: "[", count: depth) + "\n").utf8))
            let drained = drain(try SlogSources.open(path))
            // The object is a record; the bare array is reported, not returned.
            #expect(drained.records == 1)
            #expect(drained.records + drained.problems.count == 2, "\(drained.problems)")
            var configuration = FlightRecorder.Configuration(path: "\(dir)/deep.ring")
            configuration.capacity = 4 << 20
            let recorder = try FlightRecorder(configuration: configuration)
            recorder.record(line)
            recorder.record(String(repeating: "{\"type\":", count: depth))
            #expect(recorder.statistics.records >= 2)
            try recorder.close()
        }
    }
}
