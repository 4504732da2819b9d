import TestSupport
import Foundation
import Testing

/// Every selection option, on the same slog stored as a FlightRecorder ring, an Agoric file and
/// a slogfile: the three formats must select the same records.
@Suite struct SlogTailSelectionTests {
    enum Input: String, CaseIterable, CustomTestStringConvertible {
        case ring, agoric, jsonl
        var testDescription: String { rawValue }
    }

    /// Blocks 1-6, then block 7 begun but never committed (the node halted in it).
    static let lines = SyntheticSlog.blocks(1...6) + Array(SyntheticSlog.block(7).prefix(5))

    /// Writes `lines` in `input`'s format and returns the path.
    static func store(_ lines: [String], as input: Input, in dir: String) throws -> String {
        switch input {
        case .ring:
            let path = "\(dir)/node.ring"
            try recordRing(path, capacity: 256 << 10, lines)
            return path
        case .agoric:
            let path = "\(dir)/flight-recorder.bin"
            var writer = AgoricWriter(fileSize: 32 + (256 << 10))
            for line in lines { writer.write(line) }
            try writeFile(path, writer.file)
            return path
        case .jsonl:
            let path = "\(dir)/chain.slog"
            try writeLines(path, lines)
            return path
        }
    }

    static func block(_ height: UInt64) -> [String] {
        height == 7 ? Array(lines.suffix(5)) : SyntheticSlog.records(ofBlock: height, in: lines)
    }

    @Test(arguments: Input.allCases)
    func everySelectionPicksTheSameRecordsInEveryFormat(input: Input) throws {
        try withTemporaryDirectory { dir in
            let path = try Self.store(Self.lines, as: input, in: dir)
            let lines = Self.lines
            let cases: [([String], [String])] = [
                ([], lines),
                (["--height", "3"], Self.block(3)),
                (["--height", "7"], Self.block(7)),
                (["--height", "99"], []),
                (["--from-height", "2", "--to-height", "4"], Self.block(2) + Self.block(3) + Self.block(4)),
                (["--from-height=6"], Self.block(6) + Self.block(7)),
                (["--to-height", "1"], Self.block(1)),
                (["--blocks", "2"], Self.block(6) + Self.block(7)),
                (["--blocks", "3", "-n", "4"], Array(Self.block(7).suffix(4))),
                (["--blocks", "0"], []),
                (["--crank", "401"], lines.filter { $0.contains(#""crankNum":401,"#) }),
                (["--type", "deliver,syscall"], lines.filter { $0.contains(#""type":"deliver""#) || $0.contains(#""type":"syscall""#) }),
                (["--type", "deliver", "--type", "crank-finish", "--height", "2"],
                 Self.block(2).filter { $0.contains(#""type":"deliver""#) || $0.contains(#""type":"crank-finish""#) }),
                (["-n", "5"], Array(lines.suffix(5))),
                (["-n3", "--type", "deliver"], Array(lines.filter { $0.contains(#""type":"deliver""#) }.suffix(3))),
                (["-n", "0"], []),
                (["--type", "cosmic-swingset-after-commit-stats", "--from-height", "1"], []),  // between blocks
            ]
            for (arguments, expected) in cases {
                let run = try runTool("slog-tail", arguments + [path])
                #expect(run.status == 0, "\(arguments): \(run.stderr)")
                #expect(run.stderr.isEmpty, "\(arguments)")
                #expect(run.lines == expected, "\(input) \(arguments)")
            }
        }
    }

    @Test(arguments: [Input.ring, Input.agoric])
    func aWrappedFileStartingMidBlockAttributesItsFirstRecordsToTheFirstCommit(input: Input) throws {
        try withTemporaryDirectory { dir in
            let lines = SyntheticSlog.blocks(1...30)
            let path: String
            if input == .ring {
                path = "\(dir)/node.ring"
                try recordRing(path, capacity: 8 << 10, lines)
            } else {
                path = "\(dir)/flight-recorder.bin"
                // An arena size whose oldest record is in the middle of a block.
                for size in stride(from: 6000, to: 7000, by: 97) {
                    var writer = AgoricWriter(fileSize: 32 + size)
                    for line in lines { writer.write(line) }
                    let first = try #require(agoricReaderRecords(writer.file)?.first)
                    try writeFile(path, writer.file)
                    if first.contains(#""type":"deliver""#) { break }
                }
            }
            let all = try runTool("slog-tail", [path]).lines
            #expect(all.count < lines.count && all == Array(lines.suffix(all.count)))
            let commit = try #require(all.firstIndex { $0.contains("commit-block-finish") })
            #expect(!all[..<commit].contains { $0.contains("begin-block") })  // it starts mid-block
            let height = try #require(all[commit].split(separator: ",")[1].split(separator: ":").last.flatMap { UInt64($0) })
            let run = try runTool("slog-tail", ["--height", "\(height)", path])
            #expect(run.status == 0)
            #expect(run.lines == Array(all[...commit]))
            let types = try runTool("slog-tail", ["--to-height", "\(height)", "--type", "deliver", path])
            #expect(types.lines == all[...commit].filter { $0.contains(#""type":"deliver""#) })
        }
    }

    @Test func markersArePrintedWithTheirBlockOnlyWhenAsked() throws {
        try withTemporaryDirectory { dir in
            let path = try Self.store(Self.lines, as: .ring, in: dir)
            let ring = try readRing(path)
            #expect(ring.slog == Self.lines)
            let all = try runTool("slog-tail", ["--markers", path])
            #expect(all.lines == ring.withMarkers)
            // Block 3 with its markers: the begin marker precedes its begin-block record, the
            // commit marker follows its commit record.
            let three = try runTool("slog-tail", ["--markers", "--height", "3", path])
            let begin = try #require(ring.withMarkers.firstIndex(of: #"{"type":"flight-recorder-block-begin","blockHeight":3,"blockTime":1750000018}"#))
            let commit = try #require(ring.withMarkers.firstIndex(of: #"{"type":"flight-recorder-block-commit","blockHeight":3}"#))
            #expect(three.lines == Array(ring.withMarkers[begin...commit]))
            let crank = try runTool("slog-tail", ["--markers", "--crank", "301", path])
            #expect(crank.lines.count == 5)  // 4 slog records and the crank-finish marker
            #expect(crank.lines.last?.hasPrefix(#"{"type":"flight-recorder-crank-finish","crankNum":301,"#) == true)
            let onlyMarkers = try runTool("slog-tail", ["--markers", "--type", "flight-recorder-block-commit", path])
            #expect(onlyMarkers.lines == (1...6).map { #"{"type":"flight-recorder-block-commit","blockHeight":\#($0)}"# })
        }
    }

    @Test func reexecutedBlockCountsOnceAndPrintsBothExecutions() throws {
        try withTemporaryDirectory { dir in
            // The node died in block 3 and executed it again after restarting.
            let lines = SyntheticSlog.blocks(1...2) + Array(SyntheticSlog.block(3).prefix(4))
                + [#"{"type":"kernel-init-start"}"#] + SyntheticSlog.block(3)
            let path = try Self.store(lines, as: .jsonl, in: dir)
            let run = try runTool("slog-tail", ["--blocks", "2", path])
            let firstRun = Array(lines[22..<26])
            let secondRun = SyntheticSlog.records(ofBlock: 3, in: Array(lines[27...]))
            #expect(run.lines == SyntheticSlog.records(ofBlock: 2, in: lines) + firstRun + [lines[26]] + secondRun)
            let height = try runTool("slog-tail", ["--height", "3", path])
            #expect(height.lines == firstRun + [lines[26]] + secondRun)
        }
    }
}
