import SlogSamples
import TestSupport
import Foundation
import Testing
import SlogModel
import SlogRing
import SlogInput

/// `SlogSource.forEachRecord` is a faster way to the same events: reading runs of records with
/// it and everything else with `next()` must yield exactly the events, bytes and problems of
/// `next()` alone, for every format and every kind of damage.
@Suite struct ForEachRecordTests {
    /// One event as the tests compare it: a record's kind and bytes, or a problem's text.
    enum Seen: Equatable, CustomStringConvertible {
        case record([UInt8])
        case marker(Marker?, [UInt8])
        case opaque([UInt8])
        case problem(String)

        var description: String {
            switch self {
            case .record(let bytes): "record \(String(decoding: bytes, as: UTF8.self))"
            case .marker(let marker, let bytes): "marker \(String(describing: marker)) \(bytes.count) bytes"
            case .opaque(let bytes): "opaque \(bytes.count) bytes"
            case .problem(let text): "problem \(text)"
            }
        }
    }

    static func seen(_ event: SlogEvent, _ source: any SlogSource) -> Seen {
        switch event {
        case .record: .record(source.withRecordBytes { Array($0) })
        case .marker(let marker, _): .marker(marker, source.withRecordBytes { Array($0) })
        case .opaque: .opaque(source.withRecordBytes { Array($0) })
        case .problem(let problem): .problem(problem.description)
        }
    }

    /// The events of `next()` alone (at most `limit`).
    static func byNext(_ source: any SlogSource, limit: Int = 200_000) -> [Seen] {
        var events: [Seen] = []
        while events.count < limit, let event = source.next() { events.append(seen(event, source)) }
        return events
    }

    /// The events of `forEachRecord` runs with `next()` between them (at most about `limit`).
    static func byRuns(_ source: any SlogSource, limit: Int = 200_000) -> [Seen] {
        var events: [Seen] = []
        while events.count < limit {
            source.forEachRecord { events.append(.record(Array($0))) }
            guard let event = source.next() else { break }
            events.append(seen(event, source))
        }
        return events
    }

    /// Opens `path` twice and compares the two ways of reading it.
    static func expectSameEvents(_ path: String, format: SlogFormat? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let first = try? SlogSources.open(path, format: format), let second = try? SlogSources.open(path, format: format)
        else { return }
        let expected = byNext(first)
        let actual = byRuns(second)
        #expect(actual == expected, "\(path)", sourceLocation: sourceLocation)
    }

    @Test(arguments: [("ring", SlogFormat.ring), ("agoric", .agoric), ("jsonl", .jsonLines)])
    func keptFuzzInputsReadTheSameInRuns(target: String, format: SlogFormat) throws {
        try FuzzReplayTests.withEachKeptInput(target) { Self.expectSameEvents($0, format: format) }
    }

    /// Generated Agoric histories: wraps, records split at the arena end, full rings read as
    /// empty, growth past the arena, crashes mid-write, Agoric's too-big replacement records.
    @Test(arguments: 0..<3)
    func agoricHistoriesReadTheSameInRuns(batch: Int) throws {
        try withTemporaryDirectory { dir in
            var random = SplitMix64(seed: UInt64(100 + batch))
            for round in 0..<40 {
                var history = AgoricHistory(sizes: [300, 600, 1024, 4096, 70_000], tooBigOneIn: 50, random: &random)
                if Bool.random(using: &random) { history.crashMidWrite() }
                var file = history.writer.file
                if Bool.random(using: &random) {
                    // Damage: a few bytes anywhere in the arena.
                    for _ in 0..<Int.random(in: 1...3, using: &random) {
                        file[Int.random(in: 32..<file.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                    }
                }
                let path = "\(dir)/\(batch)-\(round).bin"
                try writeFile(path, file)
                Self.expectSameEvents(path)
            }
        }
    }

    /// An Agoric file of several MiB: the runs cross the reader's cache loads (256 KiB), and a
    /// damaged record in the middle of one is reported in its place.
    @Test func largeAgoricFileReadsTheSameInRuns() throws {
        try withTemporaryDirectory { dir in
            var writer = AgoricWriter(fileSize: 3 << 20)
            var random = SplitMix64(seed: 5)
            for index in 0..<30_000 { writer.write(numberedRecord(index, padding: Int.random(in: 0...300, using: &random))) }
            var file = writer.file
            file[(3 << 20) / 2] = 0x0A  // a newline inside some record's JSON
            let path = "\(dir)/large.bin"
            try writeFile(path, file)
            Self.expectSameEvents(path)
            let events = Self.byRuns(try SlogSources.open(path))
            #expect(events.count > 10_000)
            #expect(events.contains { if case .problem = $0 { true } else { false } })
        }
    }

    /// A FlightRecorder ring (markers between the records), with application records and
    /// damage, larger than the ring reader's window.
    @Test func ringWithMarkersOpaqueRecordsAndDamageReadsTheSameInRuns() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/node.ring"
            try recordRing(path, capacity: 512 << 10, SyntheticSlog.blocks(1...400))
            var writer = try RingWriter.open(path: path)
            for index in 0..<50 { _ = try writer.append(payload(for: UInt64(index), length: 300), kind: RecordKind(rawValue: 0x8000)) }
            try writer.close()
            Self.expectSameEvents(path)
            let intact = Self.byRuns(try SlogSources.open(path))
            #expect(intact.contains { if case .marker = $0 { true } else { false } })
            #expect(intact.contains { if case .opaque = $0 { true } else { false } })
            for offset in [100_000, 300_000, 450_000] {
                try patchFile(path, at: offset, [0xFF, 0x00, 0xFF])
            }
            Self.expectSameEvents(path)
            #expect(Self.byRuns(try SlogSources.open(path)).contains { if case .problem = $0 { true } else { false } })
        }
    }

    /// Slogfiles have no faster path: runs hand over nothing, and everything comes from next().
    @Test func jsonLinesReadTheSameInRuns() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.slog"
            try writeLines(path, SyntheticSlog.blocks(1...3) + ["not json", ""])
            Self.expectSameEvents(path)
        }
    }
}
