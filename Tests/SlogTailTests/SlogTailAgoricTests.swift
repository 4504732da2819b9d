import TestSupport
import Foundation
import Testing

/// The real `slog-tail` on Agoric `flight-recorder.bin` files built from the format's
/// specification (`Support/AgoricWriter.swift`), including the broken states real files get into.
@Suite struct SlogTailAgoricTests {
    /// Sizes of record bodies, cycled, so records vary like real slog.
    static let sizes = [0, 37, 5, 90, 12, 61, 3, 44]

    /// A record that takes exactly 60 arena bytes (for numbers below 100).
    static func sixtyByteRecord(_ number: Int) -> String {
        numberedRecord(number, padding: 60 - agoricSize(numberedRecord(number)))
    }

    @Test func unwrappedFilePrintsEveryRecordExactly() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/flight-recorder.bin"
            let lines = SyntheticSlog.blocks(1...3)
            let writer = try writeAgoricFile(path, fileSize: 8192, lines: lines)
            #expect(agoricReaderRecords(writer.file) == lines)
            try expectSlogTail([path], prints: lines)
            #expect(try runTool("slog-tail", ["--format", "agoric", path]).stdout == slogText(lines))
            let follow = try runTool("slog-tail", ["-f", path])
            #expect(follow.status == 2)
            #expect(follow.stderr == "slog-tail: \(path): --follow works with SlogRing files and JSON lines, not Agoric files (they have no positions to tell a lapped reader)\n")
        }
    }

    @Test func fileThatWrappedManyTimesPrintsANewestSuffixInOrder() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/flight-recorder.bin"
            var writer = AgoricWriter(fileSize: 32 + 2000)
            // Stop right before a write that would leave the ring in a broken state, so this
            // is the ordinary wrapped case.
            var index = 0
            while index < 600 || writer.header.circStart == writer.header.circEnd {
                writer.write(numberedRecord(index, padding: Self.sizes[index % Self.sizes.count]))
                index += 1
            }
            #expect(writer.file.count == 2032)
            let agoric = try #require(agoricReaderRecords(writer.file))
            try writeFile(path, writer.file)
            let run = try runTool("slog-tail", [path])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.lines.count >= agoric.count && run.lines.count > 10)
            #expect(run.lines == Array(writer.written.suffix(run.lines.count)))
        }
    }

    @Test func lastRecordExactlyFillingTheArenaIsReadAsFullNotEmpty() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/flight-recorder.bin"
            // 20 records of 60 bytes: exactly the 1200 arena bytes.
            let lines = (0..<20).map(Self.sixtyByteRecord)
            var writer = AgoricWriter(fileSize: 32 + 1200)
            for line in lines { writer.write(line) }
            #expect(writer.header.circStart == 0 && writer.header.circEnd == 0)
            #expect(agoricReaderRecords(writer.file) == [])  // Agoric's reader: empty
            try writeFile(path, writer.file)
            try expectSlogTail([path], prints: lines)
            let info = try runTool("slog-tail", ["--info", path])
            #expect(info.lines.contains("note:            circStart == circEnd and the records there fill the arena: read as full (Agoric's reader shows it as empty)"))
            #expect(info.lines.contains("bytes used:      1200 (100%)"))
        }
    }

    /// Writes numbered records of `sizes`, at least 100, until the ring is full with
    /// circStart == circEnd (what Agoric's reader reads as empty) and `also` holds; returns how
    /// many it wrote.
    @discardableResult
    static func writeUntilAFullRingReadsAsEmpty(_ writer: inout AgoricWriter, also: (AgoricWriter) -> Bool = { _ in true }) -> Int {
        var index = 0
        repeat {
            writer.write(numberedRecord(index, padding: sizes[index % sizes.count]))
            index += 1
        } while index < 100 || writer.header.circStart != writer.header.circEnd || !also(writer)
        return index
    }

    @Test func steadyStateFullRingReadAsEmptyIsRecoveredInFull() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/flight-recorder.bin"
            var writer = AgoricWriter(fileSize: 32 + 1500)
            Self.writeUntilAFullRingReadsAsEmpty(&writer)
            #expect(writer.file.count == 32 + 1500)
            #expect(agoricReaderRecords(writer.file) == [])
            try writeFile(path, writer.file)
            let run = try runTool("slog-tail", [path])
            #expect(run.status == 0)
            #expect(run.stderr.isEmpty)
            // Every record from circStart round to circEnd: the whole arena.
            let first = try #require(writer.positions.lastIndex(of: writer.header.circStart))
            #expect(run.stdout == slogText(Array(writer.written[first...])))
        }
    }

    @Test func recordsLeftBeforeCircStartAfterAResetAreRecoveredFirstWithANote() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/flight-recorder.bin"
            var writer = AgoricWriter(fileSize: 32 + 1500)
            // Reach a reset whose next records stay inside the arena (no growth).
            let index = Self.writeUntilAFullRingReadsAsEmpty(&writer) { $0.header.circEnd + 300 <= $0.arenaSize }
            let reset = writer.header.circStart
            let before = writer.written.count
            for extra in 0..<3 { writer.write(numberedRecord(index + extra, padding: 20)) }
            #expect(writer.header.circStart == reset && writer.file.count == 1532)
            let agoric = try #require(agoricReaderRecords(writer.file))
            #expect(agoric == Array(writer.written.suffix(3)))  // Agoric's reader: the 3 new ones only
            try writeFile(path, writer.file)
            let run = try runTool("slog-tail", [path])
            #expect(run.status == 0)
            #expect(run.lines == Array(writer.written.suffix(run.lines.count)))
            let recovered = run.lines.count - 3
            #expect(recovered > 5)
            let firstRecovered = writer.positions[before - recovered]
            #expect(run.stderr == "slog-tail: \(path): offset \(32 + firstRecovered): note: \(recovered) older records before circStart, outside the header's range (left when a full ring read as empty), recovered: their chain ends exactly at circStart\n")
            let verify = try runTool("slog-tail", ["--verify", path])
            #expect(verify.status == 0)
            #expect(verify.lines.last == "\(path): ok: \(run.lines.count) valid records, 0 problem(s), 1 note(s)")
        }
    }

    @Test func fileGrownPastItsArenaIsReportedAndItsRecordsStillRead() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/flight-recorder.bin"
            var writer = AgoricWriter(fileSize: 32 + 1500)
            var index = 0
            // Write until the writer has grown the file, then a little more.
            while writer.file.count == 1532 || index % 4 != 0 {
                writer.write(numberedRecord(index, padding: Self.sizes[index % Self.sizes.count]))
                index += 1
            }
            let overflow = writer.file.count - 1532
            #expect(overflow > 0)
            #expect(agoricReaderRecords(writer.file) == nil)  // Agoric's reader refuses the file
            try writeFile(path, writer.file)
            let run = try runTool("slog-tail", [path])
            #expect(run.status == 1)
            #expect(run.lines.count > 10)
            #expect(run.lines == Array(writer.written.suffix(run.lines.count)))
            let problems = run.stderr.split(separator: "\n").map(String.init)
            #expect(problems.first == "slog-tail: \(path): offset 1532: file is \(overflow) bytes longer than its arena (ends at 1532): the writer wrote past the arena after a full ring read as empty; skipped \(overflow) bytes")
            #expect(problems.dropFirst().allSatisfy { $0.contains(": note: ") }, "\(problems)")
        }
    }

    @Test func garbageLengthPrefixFromACrashMidWriteIsOneDamagedRegion() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/flight-recorder.bin"
            // Ten 60-byte records from offset 0; the writer then died while a new record's body
            // ("xxx...") had overwritten the first 130 bytes, before it rewrote the header.
            let lines = (0..<10).map(Self.sixtyByteRecord)
            var file = agoricFile(arenaSize: 1000, circStart: 0, circEnd: 600, records: lines)
            file.replaceSubrange(32..<162, with: [UInt8](repeating: UInt8(ascii: "x"), count: 130))
            try writeFile(path, file)
            let run = try runTool("slog-tail", [path])
            #expect(run.status == 1)
            #expect(run.stdout == slogText(Array(lines[3...])))  // records 0-2 were overwritten
            #expect(run.stderr == "slog-tail: \(path): offset 32: length prefix 8680820740569200760 does not fit in the 592 bytes left before circEnd; skipped 180 bytes\n")
        }
    }

    @Test func crashMidWriteAfterWrappingLosesOnlyOverwrittenRecords() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/flight-recorder.bin"
            var writer = AgoricWriter(fileSize: 32 + 3000)
            writer.writeNumbered(300, sizes: Self.sizes)
            // Until the next large record must evict live records (not just fill free space).
            while writer.freeSpace > 100 || writer.header.circStart == writer.header.circEnd {
                writer.writeNumbered(1, from: writer.written.count, sizes: [Self.sizes[writer.written.count % 8]])
            }
            let published = writer.written
            writer.write(numberedRecord(999, padding: 400), crashBeforeHeader: true)
            try writeFile(path, writer.file)
            let run = try runTool("slog-tail", [path])
            #expect(run.status == 1)
            #expect(run.lines.count > 10)
            #expect(run.lines == Array(published.suffix(run.lines.count)))  // never the unpublished one
            #expect(run.stderr.hasPrefix("slog-tail: \(path): offset \(32 + writer.header.circStart): length prefix "))
        }
    }

    @Test func truncatedFilePrintsWhatItHoldsAndSaysWhereItEnds() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/flight-recorder.bin"
            let lines = (0..<10).map(Self.sixtyByteRecord)
            let file = agoricFile(arenaSize: 1000, circStart: 0, circEnd: 600, records: lines)
            try writeFile(path, Array(file.prefix(32 + 230)))
            let run = try runTool("slog-tail", [path])
            #expect(run.status == 1)
            #expect(run.stdout == slogText(Array(lines[..<3])))
            #expect(run.stderr == "slog-tail: \(path): offset 212: file ends at 262 bytes, before the data does (truncated file); skipped 420 bytes\n")
            let info = try runTool("slog-tail", ["--info", path])
            #expect(info.lines.contains("note:            file is 770 bytes shorter than its arena (truncated)"))
        }
    }

    @Test func impossibleHeaderPositionsAreSalvagedInArenaOrder() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/flight-recorder.bin"
            let lines = (0..<5).map { numberedRecord($0) }
            try writeFile(path, agoricFile(arenaSize: 1000, circStart: 5000, circEnd: 12, records: lines, at: 100))
            let run = try runTool("slog-tail", [path])
            #expect(run.status == 1)
            #expect(run.stdout == slogText(lines))
            #expect(run.stderr == "slog-tail: \(path): offset 16: header damaged (circStart 5000 or circEnd 12 is outside the 1000-byte arena; records salvaged in arena order, which may differ from write order where the ring wrapped)\n")
        }
    }

    @Test func recordTooLargeForTheArenaIsAgoricsReplacementRecord() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/flight-recorder.bin"
            var writer = AgoricWriter(fileSize: 32 + 500)
            writer.write(numberedRecord(1))
            writer.write(numberedRecord(2, padding: 600))
            writer.write(numberedRecord(3))
            try writeFile(path, writer.file)
            let run = try runTool("slog-tail", [path])
            #expect(run.status == 0)
            #expect(run.lines == [
                numberedRecord(1), #"{"type":"slog-record-too-big","snippet":"\n{\"type\":\"deliver\",\""}"#, numberedRecord(3),
            ])
        }
    }

    @Test func shortOrMislabelledFilesAreUnreadable() throws {
        try withTemporaryDirectory { dir in
            let short = "\(dir)/short.bin"
            try writeFile(short, Array("AG-SLOG!".utf8) + [0, 0, 0, 0, 0, 0, 0, 1, 0, 0])
            let run = try runTool("slog-tail", [short])
            #expect(run.status == 2)
            #expect(run.stderr == "slog-tail: \(short): file is 18 bytes, too short for the 32-byte Agoric flight-recorder.bin header\n")
            let other = "\(dir)/other.slog"
            try writeLines(other, [#"{"type":"x"}"#])
            let forced = try runTool("slog-tail", ["--format", "agoric", other])
            #expect(forced.status == 2)
            #expect(forced.stderr == "slog-tail: \(other): offset 0: not an Agoric flight-recorder file: magic is 0x7b2274797065223a, not \"AG-SLOG!\"\n")
        }
    }

    @Test func infoDescribesTheHeaderAndTheRecords() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/flight-recorder.bin"
            let lines = SyntheticSlog.blocks(10...11)
            try writeAgoricFile(path, fileSize: 32 + 4000, lines: lines)
            let used = lines.reduce(0) { $0 + agoricSize($1) }
            let run = try runTool("slog-tail", ["--info", path])
            #expect(run.status == 0)
            #expect(run.stdout == """
                file:            \(path)
                format:          Agoric flight-recorder.bin
                file size:       4032 bytes
                capacity:        4000 bytes
                bytes used:      \(used) (\(used * 100 / 4000)%)
                records:         \(lines.count) slog, 0 markers, 0 other (\(lines.reduce(0) { $0 + $1.utf8.count }) bytes)
                heights:         10...11 (2 blocks)
                cranks:          1000...1101
                arenaSize:       4000
                circStart:       0
                circEnd:         \(used)
                problems:        0

                """)
            let json = try runTool("slog-tail", ["--info", "--json", path])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["format"] as? String == "agoric")
            #expect(object["capacity"] as? Int == 4000)
            #expect(object["bytesUsed"] as? Int == used)
            #expect(object["slogRecords"] as? Int == lines.count)
            #expect(object["oldestHeight"] as? Int == 10 && object["newestHeight"] as? Int == 11)
            #expect(object["sealed"] is NSNull && object["writerActive"] is NSNull && object["restarts"] is NSNull)
        }
    }
}
