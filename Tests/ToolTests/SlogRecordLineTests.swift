import TestSupport
import Foundation
import Glibc
import Testing
import SlogModel
@testable import slog_record

/// slog-record's per-line work without a process: the line splitter at read boundaries, the
/// "not JSON" shape check, and the trigger filter, which must agree with `HaltTrigger.matches`.
@Suite struct SlogRecordLineTests {
    // MARK: LineShape

    @Test(arguments: ["", " ", "\t\r", "   \r"])
    func blankLinesAreBlank(text: String) {
        #expect(shape(text) == .blank)
    }

    @Test(arguments: [#"{"type":"deliver"}"#, "{}", #"  {"type":"x"}  "#, "\t{\"a\":1}\r", #"{"broken" }"#])
    func linesThatOpenAndCloseLikeAnObjectAreObjectShaped(text: String) {
        #expect(shape(text) == .objectShaped)
    }

    @Test(arguments: ["not json", "{", "}", "[1,2]", "null", #"{"type":"cut"#, #""type""#, "} {", "x{}", "{}x"])
    func otherLinesAreCountedAsNotJSON(text: String) {
        #expect(shape(text) == .other)
    }

    /// The summary's counter, end to end: every non-blank line is recorded as it is.
    @Test func theSummaryCountsTheLinesNotShapedLikeAJSONObject() throws {
        try withTemporaryDirectory { dir in
            let ring = "\(dir)/node.ring"
            let recorder = try RecorderProcess(arguments: ["--ring", ring, "--capacity", "1M", "--ack"], useStandardInput: true)
            let lines = [#"{"type":"a"}"#, "plain text", #"  {"type":"b"}  "#, #"{"type":"cut"#, "[1]", " ", "{}"]
            for line in lines { recorder.input?.fileHandleForWriting.write(Data((line + "\n").utf8)) }
            #expect(recorder.waitForAcknowledgements(lines.count - 1))  // the blank line is skipped
            let result = recorder.finish()
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("end of input: 6 lines, 6 records, "), "\(result.stderr)")
            #expect(result.stderr.contains(", 3 not JSON, "), "\(result.stderr)")
            #expect(try readRing(ring).slog == lines.filter { $0 != " " })
        }
    }

    /// A pipe on standard input is grown to 1 MiB (fewer reads and fewer wake-ups of the node).
    @Test func aPipeOnStandardInputIsGrownToOneMebibyte() throws {
        try withTemporaryDirectory { dir in
            let recorder = try RecorderProcess(arguments: ["--ring", "\(dir)/node.ring", "--capacity", "1M", "--ack"], useStandardInput: true)
            let writeEnd = try #require(recorder.input?.fileHandleForWriting)
            writeEnd.write(Data("{\"type\":\"a\"}\n".utf8))
            #expect(recorder.waitForAcknowledgements(1))
            let F_GETPIPE_SZ: Int32 = 1032
            let maximum = (try? String(contentsOfFile: "/proc/sys/fs/pipe-max-size", encoding: .utf8))
                .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
            let size = fcntl(writeEnd.fileDescriptor, F_GETPIPE_SZ)
            if maximum >= 1 << 20 { #expect(size == 1 << 20) } else { #expect(size >= 65536) }
            let result = recorder.finish()
            #expect(result.status == 0, "\(result.stderr)")
        }
    }

    private func shape(_ text: String) -> LineShape {
        Array(text.utf8).withUnsafeBytes { LineShape($0) }
    }

    // MARK: TriggerFilter

    static let triggers: [HaltTrigger] = [
        .kernelPanic, HaltTrigger(type: "cosmic-swingset-upgrade-finish"), HaltTrigger(type: "x", field: "n", value: "7"),
    ]

    static let records: [String] = [
        #"{"type":"deliver","vatID":"v1"}"#,
        ######"{"type":"console","args":["##### KERNEL PANIC: boom"]}"######,
        #"{"type":"console","args":["an ordinary error"]}"#,
        ######"{"type":"cons\u006fle","args":["##### KERNEL PANIC"]}"######,  // escaped type: the full match
        ######"{ "type" : "console", "args" : ["##### KERNEL PANIC"] }"######,  // blanks: the full match
        ######"{"args":["##### KERNEL PANIC"],"type":"console"}"######,  // type not first
        #"{"type":"cosmic-swingset-upgrade-finish","blockHeight":3}"#,
        #"{"type":"cosmic-swingset-upgrade-finished","blockHeight":3}"#,
        #"{"type":"cosmic-swingset-upgrade-finish-but-much-longer-than-any-trigger-type"}"#,
        #"{"type":"cosmic-swingset-upgrade-fini\u0073h"}"#,
        #"{"type":"x","n":7}"#, #"{"type":"x","n":8}"#, #"{"type":"x"}"#,
        #"{"type":"console""#, #"{"type":"consol"#, #"{"type":"#, #"{"type""#, "", "not json",
        ######"{"type":"console","args":["##### KERNEL PANIC"]"######,  // cut before the closing brace
        #"{"type":5}"#, #"{"type":"console"}x"#,
        // Cut right at and around the longest trigger type's length (30) plus its quote.
        #"{"type":"cosmic-swingset-upgrade-finish"#, #"{"type":"cosmic-swingset-upgrade-finish""#,
        #"{"type":"cosmic-swingset-upgrade-finishX"#, #"{"type":"cosmic-swingset-upgrade-finish\"#,
    ]

    @Test(arguments: records)
    func triggerFilterAgreesWithEveryTriggersFullMatch(record: String) {
        for set in Self.triggerSets {
            let filter = TriggerFilter(set)
            Array(record.utf8).withUnsafeBytes { bytes in
                let expected = set.first { $0.matches(bytes) }
                #expect(filter.firstMatch(in: bytes) == expected, "\(record)")
            }
        }
    }

    /// Trigger sets whose longest type the word-at-a-time scan covers differently: the default
    /// (`console`, one word), 8 bytes (a word and the quote byte), 16 bytes (two words).
    static let triggerSets: [[HaltTrigger]] = [
        triggers, [.kernelPanic], [.kernelPanic, HaltTrigger(type: "deliver1")],
        [HaltTrigger(type: "x", field: "n", value: "7"), HaltTrigger(type: "abcdefghijklmnop"), .kernelPanic],
    ]

    /// Records whose type is a trigger's type, a near miss or longer, sometimes with one
    /// character escaped (`\u00XX`) or a stray quote or backslash, followed by pieces that fire
    /// or miss, cut at many lengths: the filter says what every trigger's full match says, for
    /// every trigger set, wherever the word-at-a-time scan meets the quote or the escape.
    @Test func triggerFilterAgreesOnGeneratedRecordsAroundTheWordEdges() {
        let types = ["console", "consol", "consolee", "deliver1", "deliver", "abcdefghijklmnop", "abcdefghijklmno",
                     "abcdefghijklmnopq", "x", "", "cosmic-swingset-upgrade-finish"]
        let tails = [######"","args":["##### KERNEL PANIC"]}"######, #"","n":7}"#, #"","n":8}"#, #""}"#, "", #"\"#, #"""#]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var fired = 0
        var escapedAndFired = 0
        for _ in 0..<2000 {
            var type = Array(types[next(types.count)].utf8)
            var escaped = false
            if !type.isEmpty {
                switch next(4) {
                case 0:  // one character escaped: the same type to the full match
                    let at = next(type.count)
                    let hex = Array(String(type[at], radix: 16).utf8)
                    type.replaceSubrange(at...at, with: Array(#"\u00"#.utf8) + hex)
                    escaped = true
                case 1:  // a stray quote or backslash somewhere in it
                    type.insert(next(2) == 0 ? UInt8(ascii: "\"") : UInt8(ascii: "\\"), at: next(type.count + 1))
                default: break
                }
            }
            let bytes = Array(#"{"type":""#.utf8) + type + Array(tails[next(tails.count)].utf8)
            for set in Self.triggerSets {
                let filter = TriggerFilter(set)
                var cuts = Array(Set([bytes.count, bytes.count - 1, 9 + type.count, 10 + type.count, 17, 18, 25, 26]))
                cuts += (0..<3).map { _ in next(bytes.count + 1) }
                for cut in cuts where cut >= 0 && cut <= bytes.count {
                    Array(bytes[..<cut]).withUnsafeBytes { record in
                        let expected = set.first { $0.matches(record) }
                        #expect(filter.firstMatch(in: record) == expected, "\(String(decoding: bytes[..<cut], as: UTF8.self))")
                        if expected != nil {
                            fired += 1
                            if escaped { escapedAndFired += 1 }
                        }
                    }
                }
            }
        }
        // The generated records do fire triggers, also through an escaped type.
        #expect(fired > 200)
        #expect(escapedAndFired > 20)
    }

    @Test func noTriggersMatchNothing() {
        Array(Self.records[1].utf8).withUnsafeBytes { #expect(TriggerFilter([]).firstMatch(in: $0) == nil) }
    }

    // MARK: LineReader

    /// Feeds `chunks` through a pipe one read at a time (each chunk is one `read`), then ends
    /// the input; returns what the reader reported.
    private func split(_ chunks: [[UInt8]], maximumLine: Int = 1 << 20, completesLastLine: Bool = true) throws -> [String] {
        var ends: [Int32] = [-1, -1]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        var reader = LineReader(descriptor: ends[0], maximumLine: maximumLine, completesLastLine: completesLastLine)
        defer { reader.deallocate() }
        var lines: [String] = []
        func report(_ line: LineReader.Line) {
            switch line {
            case .line(let bytes): lines.append(String(decoding: bytes, as: UTF8.self))
            case .tooLong(let size, let prefix): lines.append("tooLong(\(size), \(String(decoding: prefix, as: UTF8.self)))")
            }
        }
        for chunk in chunks where !chunk.isEmpty {
            // A pipe holds 64 KiB: write and read in pieces the reader takes in one read each.
            var offset = 0
            while offset < chunk.count {
                let piece = min(chunk.count - offset, 32768)
                let written = chunk.withUnsafeBytes { write(ends[1], $0.baseAddress! + offset, piece) }
                #expect(written == piece)
                offset += piece
                guard case .more = reader.readChunk(report) else {
                    Issue.record("expected more input")
                    return lines
                }
            }
        }
        close(ends[1])
        guard case .endOfFile = reader.readChunk(report) else {
            Issue.record("expected the end of input")
            return lines
        }
        return lines
    }

    @Test func linesSplitAcrossReadsAreJoined() throws {
        let text = Array("{\"a\":1}\n{\"b\":22}\n{\"c\":333}\n".utf8)
        // Every way of cutting the text in two, and cutting it into single bytes.
        for cut in 0...text.count {
            #expect(try split([Array(text[..<cut]), Array(text[cut...])]) == [#"{"a":1}"#, #"{"b":22}"#, #"{"c":333}"#])
        }
        #expect(try split(text.map { [$0] }) == [#"{"a":1}"#, #"{"b":22}"#, #"{"c":333}"#])
    }

    @Test func aLastLineWithoutNewlineCountsForAPipeButNotForAConnection() throws {
        #expect(try split([Array("a\nb".utf8)]) == ["a", "b"])
        #expect(try split([Array("a\nb".utf8)], completesLastLine: false) == ["a"])
    }

    @Test func emptyLinesAndCarriageReturnsArePassedOnAsTheyAre() throws {
        #expect(try split([Array("\n\r\n x \n".utf8)]) == ["", "\r", " x "])
    }

    /// Longer than the read buffer (1 MiB) and than one pipe read, but within `maximumLine`.
    @Test func aLineLongerThanTheReadBufferIsKeptWhole() throws {
        let long = Array(repeating: UInt8(ascii: "y"), count: 3 << 20)
        let lines = try split([Array("a\n".utf8) + long, Array("\nb\n".utf8)], maximumLine: 4 << 20)
        #expect(lines.count == 3)
        #expect(lines.first == "a" && lines.last == "b")
        #expect(lines[1].utf8.count == long.count && lines[1].utf8.allSatisfy { $0 == UInt8(ascii: "y") })
    }

    /// Past `maximumLine`, in one read or split across many: its size and first 256 bytes.
    @Test(arguments: [1, 2, 7])
    func aLineLongerThanTheMaximumIsReportedBySizeAndPrefix(pieces: Int) throws {
        let long = (0..<5000).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        let size = long.count / pieces
        var chunks = (0..<pieces).map { Array(long[($0 * size)..<($0 == pieces - 1 ? long.count : ($0 + 1) * size)]) }
        chunks[0] = Array("{}\n".utf8) + chunks[0]
        chunks.append(Array("\n{\"after\":1}\n".utf8))
        let prefix = String(decoding: long.prefix(256), as: UTF8.self)
        #expect(try split(chunks, maximumLine: 1000) == ["{}", "tooLong(5000, \(prefix))", #"{"after":1}"#])
    }
}
