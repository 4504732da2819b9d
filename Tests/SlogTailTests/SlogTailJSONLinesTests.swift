import TestSupport
import Foundation
import Testing

/// The real `slog-tail` on slogfiles (one JSON object per line) and standard input.
@Suite struct SlogTailJSONLinesTests {
    @Test func slogfilePrintsItsLinesExactlySkippingBlankOnes() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/chain.slog"
            let lines = SyntheticSlog.blocks(1...2)
            try writeLines(path, [lines[0], ""] + lines[1...] + [""])
            try expectSlogTail([path], prints: lines)
        }
    }

    @Test func standardInputIsReadWithADash() throws {
        let lines = SyntheticSlog.blocks(1...3)
        let run = try runTool("slog-tail", ["--height", "2", "-"], stdin: Array(slogText(lines).utf8))
        #expect(run.status == 0)
        #expect(run.stderr.isEmpty)
        #expect(run.stdout == slogText(SyntheticSlog.records(ofBlock: 2, in: lines)))
        let empty = try runTool("slog-tail", ["-"], stdin: [])
        #expect(empty.status == 0 && empty.stdout.isEmpty && empty.stderr.isEmpty)
    }

    @Test func binaryFormatsOnStandardInputAreRefused() throws {
        for magic in ["SLOGRNG\0", "AG-SLOG!"] {
            let run = try runTool("slog-tail", ["-"], stdin: Array(magic.utf8) + [UInt8](repeating: 0, count: 100))
            #expect(run.status == 2)
            #expect(run.stderr.hasPrefix("slog-tail: standard input: holds a "))
            #expect(run.stderr.hasSuffix(" file, which must be read from a file: pass its path instead of '-'\n"))
        }
    }

    @Test func lastLineWithoutNewlinePrintsIfCompleteAndIsReportedIfTorn() throws {
        try withTemporaryDirectory { dir in
            let complete = "\(dir)/complete.slog"
            try writeFile(complete, Array((#"{"type":"a"}"# + "\n" + #"{"type":"b"}"#).utf8))
            let run = try runTool("slog-tail", [complete])
            #expect(run.status == 0)
            #expect(run.stdout == slogText([#"{"type":"a"}"#, #"{"type":"b"}"#]))
            let torn = "\(dir)/torn.slog"
            try writeFile(torn, Array((#"{"type":"a"}"# + "\n" + #"{"type":"b","crankN"#).utf8))
            let tornRun = try runTool("slog-tail", [torn])
            #expect(tornRun.status == 1)
            #expect(tornRun.stdout == slogText([#"{"type":"a"}"#]))
            #expect(tornRun.stderr == "slog-tail: \(torn): offset 13: input ends in the middle of a record (no newline, not a complete JSON object); skipped 19 bytes; 1 record lost\n")
        }
    }

    @Test func linesThatAreNotJSONObjectsAreSkippedAndReported() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/mixed.slog"
            try writeLines(path, [#"{"type":"a"}"#, "panic: runtime error", #"{"type":"b"}"#, "\u{0}\u{0}binary"])
            let run = try runTool("slog-tail", [path])
            #expect(run.status == 1)
            #expect(run.stdout == slogText([#"{"type":"a"}"#, #"{"type":"b"}"#]))
            #expect(run.stderr == """
                slog-tail: \(path): offset 13: line 2 is not a JSON object; skipped 21 bytes; 1 record lost
                slog-tail: \(path): offset 47: line 4 is not a JSON object; skipped 9 bytes; 1 record lost

                """)
        }
    }

    @Test func severalFilesAreOneStreamEvenForBlockSelections() throws {
        try withTemporaryDirectory { dir in
            // A block split across two rotated slogfiles, then a ring.
            let lines = SyntheticSlog.blocks(1...3)
            let cut = lines.count / 2
            try writeLines("\(dir)/a.slog", Array(lines[..<cut]))
            try writeLines("\(dir)/b.slog", Array(lines[cut...]))
            let run = try runTool("slog-tail", ["\(dir)/a.slog", "\(dir)/b.slog"])
            #expect(run.stdout == slogText(lines))
            let block = try runTool("slog-tail", ["--height", "2", "\(dir)/a.slog", "\(dir)/b.slog"])
            #expect(block.stdout == slogText(SyntheticSlog.records(ofBlock: 2, in: lines)))
            let last = try runTool("slog-tail", ["-n", "2", "\(dir)/a.slog", "\(dir)/b.slog"])
            #expect(last.lines == Array(lines.suffix(2)))
        }
    }
}
