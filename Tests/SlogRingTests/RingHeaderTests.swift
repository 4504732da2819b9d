import TestSupport
import Foundation
import Testing
@testable import SlogRing

/// Keeps `docs/FORMAT.md` and the code equal: the byte tables and hex dumps are parsed out of the
/// document at test time and compared with `RingHeader`/`FrameHeader` and with the bytes the real
/// code writes. Then `RingHeader.decode`'s checks, one per way a header can be wrong.
@Suite struct RingHeaderTests {
    // MARK: Golden bytes from FORMAT.md

    @Test func encodedPrefixEqualsTheFormatDocumentExample() throws {
        let dump = try FormatDocument.load().hexDump(named: "header-prefix")
        let encoded = RingHeader(capacity: 65536, createdAtNanoseconds: 0x0123_4567_89AB_CDEF).encodedPrefix()
        #expect(dump.startOffset == 0)
        #expect(dump.bytes.count == 64)
        #expect(encoded == dump.bytes)
    }

    @Test func writerProducesTheFormatDocumentFrameAndHeaderWords() throws {
        let document = try FormatDocument.load()
        let frameDump = try document.hexDump(named: "frame")
        let wordsDump = try document.hexDump(named: "header-words")
        try withTemporaryDirectory { dir in
            let path = "\(dir)/golden.ring"
            // FORMAT.md "Examples": a new ring of capacity 65536 whose next sequence is 7.
            var writer = try RingWriter.create(_testingPath: path, capacity: 65536, startPosition: 0, firstSequence: 7)
            #expect(try writer.append(#"{"type":"x"}"#, kind: .slog) == 7)
            try writer.close()
            let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(file.count == 4096 + 65536)
            #expect(frameDump.startOffset == RingHeader.defaultHeaderSize)
            #expect(Array(file[frameDump.range]) == frameDump.bytes)
            #expect(wordsDump.startOffset == RingHeader.writePositionOffset)
            #expect(Array(file[wordsDump.range]) == wordsDump.bytes)

            // The same bytes, field by field through the Swift constants.
            let frame = Array(file[4096..<4136])
            #expect(frame.loadLE(at: FrameHeader.lengthOffset) as UInt32 == 12)
            #expect(frame.loadLE(at: FrameHeader.kindOffset) as UInt16 == RecordKind.slog.rawValue)
            #expect(frame.loadLE(at: FrameHeader.flagsOffset) as UInt16 == 0)
            #expect(frame.loadLE(at: FrameHeader.sequenceOffset) as UInt64 == 7)
            #expect(frame.loadLE(at: FrameHeader.lengthComplementOffset) as UInt32 == ~UInt32(12))
            let covered = Array(frame[0..<FrameHeader.checksummedHeaderBytes]) + Array(#"{"type":"x"}"#.utf8)
            #expect(frame.loadLE(at: FrameHeader.checksumOffset) as UInt32 == CRC32C.checksum(covered))
            #expect(FrameHeader.frameSize(payloadLength: 12) == frameDump.bytes.count)
            #expect(file.loadLE(at: RingHeader.writePositionOffset) as UInt64 == 40)
            #expect(file.loadLE(at: RingHeader.oldestPositionOffset) as UInt64 == 0)
            #expect(file.loadLE(at: RingHeader.nextSequenceOffset) as UInt64 == 8)
            #expect(file.loadLE(at: RingHeader.flagsOffset) as UInt64 == 0)
            #expect(file.loadLE(at: RingHeader.writerOpenCountOffset) as UInt64 == 1)
        }
    }

    @Test func createdFileStartsWithItsEncodedPrefixAndZeroedReservedBytes() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/new.ring"
            let writer = try RingWriter.create(path: path, capacity: 4096)
            try writer.close()
            let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let header = try RingHeader.decode(file).get()
            #expect(header.capacity == 4096)
            #expect(header.headerSize == 4096)
            #expect(Array(file[0..<64]) == header.encodedPrefix())
            // The release words (104..<120) start zero and bytes 120..<headerSize are reserved
            // and zero (FORMAT.md "Mutable words").
            #expect(file[104..<4096].allSatisfy { $0 == 0 })
        }
    }

    // MARK: Offsets in FORMAT.md's tables

    @Test func headerTableOffsetsEqualRingHeaderConstants() throws {
        let document = try FormatDocument.load()
        let immutable = try document.tableRows(inSection: "### Immutable part")
        let mutable = try document.tableRows(inSection: "### Mutable words")
        let expected: [String: (offset: Int, size: Int)] = [
            "magic": (RingHeader.magicOffset, 8),
            "formatVersion": (RingHeader.formatVersionOffset, 2),
            "headerSize": (RingHeader.headerSizeOffset, 2),
            "capacity": (RingHeader.capacityOffset, 8),
            "createdAt": (RingHeader.createdAtOffset, 8),
            "headerChecksum": (RingHeader.headerChecksumOffset, 4),
            "writePosition": (RingHeader.writePositionOffset, 8),
            "oldestPosition": (RingHeader.oldestPositionOffset, 8),
            "nextSequence": (RingHeader.nextSequenceOffset, 8),
            "flags": (RingHeader.flagsOffset, 8),
            "writerOpenCount": (RingHeader.writerOpenCountOffset, 8),
            "releasedFrom": (RingHeader.releasedFromOffset, 8),
            "releasedTo": (RingHeader.releasedToOffset, 8),
        ]
        let named = (immutable + mutable).filter { $0.field != nil }
        #expect(Set(named.compactMap(\.field)) == Set(expected.keys))
        for row in named {
            let want = try #require(expected[row.field!])
            #expect(row.offset == want.offset, "offset of \(row.field!)")
            #expect(row.size == want.size, "size of \(row.field!)")
        }
        // The rows tile the header with no hole or overlap, and the checksum covers what it says.
        #expect(FormatDocument.tiles(immutable, from: 0, to: 64))
        #expect(FormatDocument.tiles(mutable, from: 64, to: RingHeader.releaseWordsEnd))
        #expect(RingHeader.checksummedLength == RingHeader.headerChecksumOffset)
    }

    @Test func frameTableOffsetsEqualFrameHeaderConstants() throws {
        let rows = try FormatDocument.load().tableRows(inSection: "## Frames").filter { $0.size != nil }
        let expected: [String: (offset: Int, size: Int)] = [
            "length": (FrameHeader.lengthOffset, 4),
            "kind": (FrameHeader.kindOffset, 2),
            "flags": (FrameHeader.flagsOffset, 2),
            "sequence": (FrameHeader.sequenceOffset, 8),
            "checksum": (FrameHeader.checksumOffset, 4),
            "lengthComplement": (FrameHeader.lengthComplementOffset, 4),
        ]
        #expect(Set(rows.compactMap(\.field)) == Set(expected.keys))
        for row in rows {
            let want = try #require(expected[row.field ?? ""])
            #expect(row.offset == want.offset, "offset of \(row.field!)")
            #expect(row.size == want.size, "size of \(row.field!)")
        }
        #expect(FormatDocument.tiles(rows, from: 0, to: FrameHeader.size))
        #expect(FrameHeader.checksummedHeaderBytes == FrameHeader.checksumOffset)
    }

    // MARK: Decoding

    @Test func decodeReturnsTheEncodedHeader() throws {
        for capacity in [64, 4096, 65536, 1 << 40] {
            let header = RingHeader(capacity: capacity, createdAtNanoseconds: UInt64(capacity) &* 977)
            #expect(RingHeader.decode(header.encodedPrefix()) == .success(header))
        }
        // Bytes after the first 64 are not the decoder's business.
        let longer = Self.example + [UInt8](repeating: 0xAB, count: 100)
        #expect(RingHeader.decode(longer) == .success(RingHeader(capacity: 65536, createdAtNanoseconds: 0x0123_4567_89AB_CDEF)))
    }

    @Test func decodeRejectsFewerThan64Bytes() {
        #expect(RingHeader.decode([UInt8]()) == .failure(.tooShort(0)))
        #expect(RingHeader.decode(Self.example.prefix(63)) == .failure(.tooShort(63)))
        #expect(RingHeader.Problem.tooShort(63).asError(path: "p") == .notARing(path: "p", reason: "file is 63 bytes, shorter than the 64-byte header"))
    }

    @Test func decodeRejectsBadMagicBeforeLookingAtTheChecksum() {
        var bytes = Self.example
        bytes[7] = 0x21  // "SLOGRNG!"
        #expect(RingHeader.decode(bytes) == .failure(.badMagic(0x2147_4E52_474F_4C53)))
        let zeros = [UInt8](repeating: 0, count: 4096)
        #expect(RingHeader.decode(zeros) == .failure(.badMagic(0)))
        guard case .notARing = RingHeader.Problem.badMagic(0).asError(path: "p") else {
            Issue.record("a wrong magic must map to notARing")
            return
        }
    }

    @Test func decodeRejectsUnknownVersionsEvenWithAValidChecksum() {
        for version: UInt16 in [0, 2, 0xFFFF] {
            var bytes = Self.example
            bytes.storeLE(version, at: RingHeader.formatVersionOffset)
            #expect(RingHeader.decode(Self.resealed(bytes)) == .failure(.unsupportedVersion(version)))
            // Checked before the checksum, so a newer layout is never reported as damage.
            #expect(RingHeader.decode(bytes) == .failure(.unsupportedVersion(version)))
        }
        #expect(
            RingHeader.Problem.unsupportedVersion(2).asError(path: "p")
                == .unsupportedVersion(path: "p", found: 2, supported: 1...1))
    }

    @Test func decodeRejectsAChecksumMismatchAnywhereInBytes0To32() {
        let stored: UInt32 = Self.example.loadLE(at: RingHeader.headerChecksumOffset)
        #expect(stored == 0x8FF1_3695)
        for offset in 8..<RingHeader.checksummedLength {  // past the magic, whose check comes first
            var bytes = Self.example
            bytes[offset] ^= 0x10
            if offset == RingHeader.formatVersionOffset || offset == RingHeader.formatVersionOffset + 1 {
                continue  // a changed version is reported as such (tested above)
            }
            let computed = CRC32C.checksum(bytes[0..<32])
            #expect(RingHeader.decode(bytes) == .failure(.checksumMismatch(stored: stored, computed: computed)), "byte \(offset)")
        }
        var damagedChecksum = Self.example
        damagedChecksum[RingHeader.headerChecksumOffset] ^= 1
        #expect(RingHeader.decode(damagedChecksum) == .failure(.checksumMismatch(stored: stored ^ 1, computed: stored)))
        guard case .headerDamaged = RingHeader.Problem.checksumMismatch(stored: 1, computed: 2).asError(path: "p") else {
            Issue.record("a checksum mismatch must map to headerDamaged")
            return
        }
    }

    @Test func decodeIgnoresReservedBytesOutsideTheChecksum() {
        // FORMAT.md: bytes 36..<64 are reserved, written as zero, not checked by v1 readers.
        var bytes = Self.example
        for offset in 36..<64 { bytes[offset] = 0xFF }
        #expect(RingHeader.decode(bytes) == .success(RingHeader(capacity: 65536, createdAtNanoseconds: 0x0123_4567_89AB_CDEF)))
    }

    @Test func decodeRejectsInvalidHeaderSizes() {
        for size: UInt16 in [0, 8, 120, 127, 129, 4097, 4100] {
            Self.expectInvalidField("headerSize", size, at: RingHeader.headerSizeOffset)
        }
        for size: UInt16 in [128, 4096, 8192, 65528] {
            #expect((try? Self.decodeExample(with: size, at: RingHeader.headerSizeOffset).get())?.headerSize == Int(size))
        }
    }

    @Test func decodeRejectsInvalidCapacities() {
        let invalid: [UInt64] = [0, 8, 56, 63, 65, 65537, 65540, UInt64(Int.max / 2) + 1, UInt64.max]
        for capacity in invalid {
            Self.expectInvalidField("capacity", capacity, at: RingHeader.capacityOffset)
        }
        let smallest = Self.decodeExample(with: UInt64(RingHeader.minimumCapacity), at: RingHeader.capacityOffset)
        #expect((try? smallest.get())?.capacity == 64)
        guard case .headerDamaged = RingHeader.Problem.invalidField("x").asError(path: "p") else {
            Issue.record("an invalid field must map to headerDamaged")
            return
        }
    }

    // MARK: Support

    /// The FORMAT.md example header, encoded by the code (its bytes are checked against the
    /// document by `encodedPrefixEqualsTheFormatDocumentExample`).
    static let example = RingHeader(capacity: 65536, createdAtNanoseconds: 0x0123_4567_89AB_CDEF).encodedPrefix()

    /// The example header with `value` stored little-endian at `offset`, resealed, decoded.
    static func decodeExample<T: FixedWidthInteger>(with value: T, at offset: Int) -> Result<RingHeader, RingHeader.Problem> {
        var bytes = example
        bytes.storeLE(value, at: offset)
        return RingHeader.decode(resealed(bytes))
    }

    /// The example header with `value` in `field` (at `offset`) is refused as an invalid field
    /// whose reason names the field and the value.
    static func expectInvalidField<T: FixedWidthInteger>(
        _ field: String, _ value: T, at offset: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case .failure(.invalidField(let reason)) = decodeExample(with: value, at: offset) else {
            Issue.record("\(field) \(value) was accepted", sourceLocation: sourceLocation)
            return
        }
        #expect(reason.contains("\(field) \(value)"), sourceLocation: sourceLocation)
    }

    /// `bytes` with the header checksum recomputed, so only the field under test is wrong.
    static func resealed(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        bytes.storeLE(CRC32C.checksum(bytes[0..<RingHeader.checksummedLength]), at: RingHeader.headerChecksumOffset)
        return bytes
    }
}

extension RingHeaderTests {
    /// `docs/FORMAT.md`, parsed: its `hexdump -C` examples and its byte tables.
    struct FormatDocument {
        struct FormatError: Error, CustomStringConvertible {
            var description: String
        }

        /// One `<!-- golden:NAME -->` hex dump: bytes at consecutive file offsets.
        struct HexDump {
            var startOffset: Int
            var bytes: [UInt8]
            var range: Range<Int> { startOffset..<(startOffset + bytes.count) }
        }

        /// One row of a byte table whose first column is a number: `| Offset | Size | ... | Field |`.
        struct TableRow {
            var offset: Int
            /// `nil` when the size column is not a number (a payload of `length` bytes).
            var size: Int?
            /// The field name in backticks, `nil` for rows such as "reserved".
            var field: String?
        }

        let lines: [Substring]

        /// Reads `docs/FORMAT.md` from the package root, found from this source file's path.
        static func load(filePath: String = #filePath) throws -> FormatDocument {
            let root = URL(fileURLWithPath: filePath)
                .deletingLastPathComponent()  // SlogRingTests
                .deletingLastPathComponent()  // Tests
                .deletingLastPathComponent()
            let text = try String(contentsOf: root.appendingPathComponent("docs/FORMAT.md"), encoding: .utf8)
            return FormatDocument(lines: text.split(separator: "\n", omittingEmptySubsequences: false))
        }

        /// The dump in the fenced block after `<!-- golden:NAME -->`. Checks that every line's
        /// offset follows on from the previous line and that the final offset line equals the end.
        func hexDump(named name: String) throws -> HexDump {
            guard let marker = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "<!-- golden:\(name) -->" }),
                marker + 1 < lines.count, lines[marker + 1].hasPrefix("```")
            else { throw FormatError(description: "FORMAT.md has no fenced block after <!-- golden:\(name) -->") }
            var start: Int?
            var bytes: [UInt8] = []
            var ended = false
            for line in lines[(marker + 2)...] {
                if line.hasPrefix("```") { break }
                guard !ended else { throw FormatError(description: "\(name): text after the final offset line") }
                let columns = line.split(separator: "|", maxSplits: 1)[0].split(separator: " ")
                guard let offsetText = columns.first, let offset = Int(offsetText, radix: 16) else {
                    throw FormatError(description: "\(name): line without an offset: \(line)")
                }
                if start == nil { start = offset }
                guard offset == start! + bytes.count else {
                    throw FormatError(description: "\(name): offset \(offsetText) does not follow on")
                }
                if columns.count == 1 { ended = true; continue }
                for token in columns.dropFirst() {
                    guard token.count == 2, let byte = UInt8(token, radix: 16) else {
                        throw FormatError(description: "\(name): bad byte \(token)")
                    }
                    bytes.append(byte)
                }
            }
            guard let start, ended, !bytes.isEmpty else {
                throw FormatError(description: "\(name): the dump must end with its final offset line")
            }
            return HexDump(startOffset: start, bytes: bytes)
        }

        /// The numeric rows of the tables between the heading `heading` and the next heading of the
        /// same or a higher level.
        func tableRows(inSection heading: String) throws -> [TableRow] {
            guard let start = lines.firstIndex(where: { $0.hasPrefix(heading) }) else {
                throw FormatError(description: "FORMAT.md has no section \(heading)")
            }
            let level = heading.prefix { $0 == "#" }.count
            var rows: [TableRow] = []
            for line in lines[(start + 1)...] {
                let hashes = line.prefix { $0 == "#" }.count
                if hashes > 0 && hashes <= level && line.dropFirst(hashes).hasPrefix(" ") { break }
                guard line.hasPrefix("|") else { continue }
                let cells = line.split(separator: "|", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                guard cells.count > 5, let offset = Int(cells[1]) else { continue }
                let field = cells[4].hasPrefix("`") ? String(cells[4].dropFirst().dropLast()) : nil
                rows.append(TableRow(offset: offset, size: Int(cells[2]), field: field))
            }
            guard !rows.isEmpty else { throw FormatError(description: "FORMAT.md section \(heading) has no byte table") }
            return rows
        }

        /// Whether `rows` (in order) cover `start..<end` exactly, each starting where the last ended.
        static func tiles(_ rows: [TableRow], from start: Int, to end: Int) -> Bool {
            var next = start
            for row in rows {
                guard row.offset == next, let size = row.size else { return false }
                next += size
            }
            return next == end
        }
    }
}
