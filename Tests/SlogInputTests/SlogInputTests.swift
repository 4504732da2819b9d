import SlogSamples
import TestSupport
import Foundation
import Testing
import FlightRecorder
import SlogModel
import SlogRing
import SlogInput

/// The shared readers in process: properties over many generated Agoric histories, hostile
/// files, block attribution, and the JSON-lines reader's limits.
@Suite struct SlogInputTests {
    /// Everything a source yields: records as strings, problems.
    func drain(_ source: any SlogSource, limit: Int = 1_000_000) -> Drained<[String]> {
        drainEvents(source, limit: limit, into: []) { records, bytes in records.append(String(decoding: bytes, as: UTF8.self)) }
    }

    /// Over many generated histories (wraps, resets, growth past the arena, crashes mid-write),
    /// the reader returns a run of consecutive records ending with the newest published one,
    /// never fewer than Agoric's own reader.
    @Test(arguments: 0..<4)
    func agoricHistoriesYieldAConsecutiveNewestRunAndNoLessThanAgoricsReader(batch: Int) throws {
        try withTemporaryDirectory { dir in
            var random = SplitMix64(seed: UInt64(batch))
            for round in 0..<30 {
                var history = AgoricHistory(sizes: [300, 600, 1024, 2048, 4096], random: &random)
                let (size, count) = (history.size, history.count)
                let published = history.writer.written
                let crashed = Bool.random(using: &random)
                if crashed { history.crashMidWrite() }
                let writer = history.writer
                let path = "\(dir)/\(batch)-\(round).bin"
                try writeFile(path, writer.file)
                let drained = drain(try SlogSources.open(path))
                let label = "batch \(batch) round \(round) size \(size) count \(count) crashed \(crashed)"
                #expect(drained.records == Array(published.suffix(drained.records.count)), "\(label)")
                if !crashed, let agoric = agoricReaderRecords(writer.file) {
                    #expect(drained.records.count >= agoric.count, "\(label)")
                }
                if !crashed && writer.file.count == size {
                    #expect(drained.problems.allSatisfy { !$0.isDamage }, "\(label): \(drained.problems)")
                }
            }
        }
    }

    /// Random bytes behind an Agoric header: the reader ends, never returns more records than
    /// the file could hold, and returns only lines that are JSON objects.
    @Test func hostileAgoricFilesEndQuickly() throws {
        try withTemporaryDirectory { dir in
            var random = SplitMix64(seed: 7)
            let path = "\(dir)/hostile.bin"
            let clock = ContinuousClock()
            let started = clock.now
            for _ in 0..<300 {
                let size = [32, 40, 100, 1000, 20_000].randomElement(using: &random)!
                let arena = [0, 11, UInt64(size - 32), UInt64(size + 500), 1 << 40, UInt64.random(in: 0...UInt64.max, using: &random)]
                    .randomElement(using: &random)!
                let start = [0, 1, arena &- 1, UInt64.random(in: 0...UInt64.max, using: &random)].randomElement(using: &random)!
                let end = [0, start, start &+ 9, UInt64.random(in: 0...UInt64.max, using: &random)].randomElement(using: &random)!
                var body: [UInt8] = []
                while body.count < size - 32 {
                    switch Int.random(in: 0..<4, using: &random) {
                    case 0:
                        let data = Array("\n{\"type\":\"x\",\"n\":\(body.count)}".utf8)
                        let length = Bool.random(using: &random) ? UInt64(data.count) : UInt64.random(in: 0...UInt64.max, using: &random)
                        body += bigEndian(length) + data
                    case 1: body += (0..<Int.random(in: 1...30, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                    case 2: body += [UInt8](repeating: 0x0A, count: Int.random(in: 1...20, using: &random))
                    default: body += [UInt8](repeating: 0, count: Int.random(in: 1...50, using: &random))
                    }
                }
                let file = Array((Array("AG-SLOG!".utf8) + bigEndian(arena) + bigEndian(start) + bigEndian(end) + body).prefix(size))
                try writeFile(path, file)
                let drained = drain(try SlogSources.open(path, format: .agoric), limit: size + 10)
                #expect(drained.events < size + 10)
                #expect(drained.records.allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") && !$0.contains("\n") })
            }
            #expect(clock.now - started < .seconds(5))
        }
    }

    @Test func blockAttributionFollowsMarkersAndTheSlogsOwnRecordsAlike() throws {
        var blocks = BlockAttribution()
        func height(_ line: String) -> UInt64? {
            Array(line.utf8).withUnsafeBytes { blocks.height(ofRecord: $0, type: SlogFields.type(in: $0)) }
        }
        let block = SyntheticSlog.block(5)
        #expect(height(#"{"type":"kernel-init-start"}"#) == nil)
        #expect(block.dropLast().map(height) == Array(repeating: 5, count: block.count - 1))
        #expect(height(block.last!) == nil)  // after the commit: between blocks
        #expect(blocks.height(ofMarker: .blockBegin(height: 6, blockTime: nil)) == 6)
        #expect(height(#"{"type":"deliver","crankNum":600}"#) == 6)
        #expect(blocks.height(ofMarker: .recorderOpened(event: "reopened", processID: 1, wallTime: 0, version: "", note: nil)) == nil)
        #expect(height(#"{"type":"deliver","replay":true}"#) == nil)  // a restart's replay
        #expect(height(#"{"type":"cosmic-swingset-begin-block","blockHeight":6}"#) == 6)
        #expect(blocks.height(ofMarker: .blockCommit(height: 6)) == 6)
        #expect(blocks.currentHeight == nil)
        // Escaped type names still match.
        #expect(height(#"{"type":"cosmic-swingset-begin-block","blockHeight":7}"#.replacingOccurrences(of: "-block\"", with: "-bl\\u006fck\"")) == 7)
    }

    @Test func overlongSlogfileLinesAreSkippedWithAProblem() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/long.slog"
            let long = #"{"type":"deliver","body":""# + String(repeating: "x", count: 5000) + #""}"#
            try writeLines(path, [#"{"type":"a"}"#, long, #"{"type":"b"}"#])
            let source = try #require(try SlogSources.open(path) as? JSONLinesSource)
            source.maximumLineLength = 1000
            let drained = drain(source)
            #expect(drained.records == [#"{"type":"a"}"#, #"{"type":"b"}"#])
            #expect(drained.problems.map(\.description) == ["\(path): offset 13: line longer than 1000 bytes; skipped \(long.utf8.count + 1) bytes; 1 record lost"])
        }
    }

    @Test func formatsAreRecognisedByTheirFirstBytes() {
        #expect(SlogSources.detect(Array("SLOGRNG\0rest".utf8)) == .ring)
        #expect(SlogSources.detect(Array("AG-SLOG!".utf8)) == .agoric)
        #expect(SlogSources.detect(Array("{\"type\"".utf8)) == .jsonLines)
        #expect(SlogSources.detect([]) == .jsonLines)
        #expect(AgoricHeader.decode(AgoricHeader(arenaSize: 9, circStart: 1, circEnd: 2).encoded()) == AgoricHeader(arenaSize: 9, circStart: 1, circEnd: 2))
        #expect(Array(AgoricHeader(arenaSize: 0, circStart: 0, circEnd: 0).encoded().prefix(8)) == Array("AG-SLOG!".utf8))
    }
}


