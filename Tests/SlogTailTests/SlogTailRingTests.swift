import TestSupport
import Foundation
import Testing
import FlightRecorder
import SlogModel
import SlogRing

/// The real `slog-tail` on SlogRing files from `RingWriter` and `FlightRecorder`: unwrapped,
/// wrapped, empty, sealed, damaged, truncated, and of a newer format.
@Suite struct SlogTailRingTests {
    @Test func unwrappedRingPrintsExactlyTheRecordedLines() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            let lines = SyntheticSlog.blocks(1...3)
            try writeRing(path, capacity: 64 << 10, lines)
            #expect(try readRing(path).slog == lines)
            try expectSlogTail([path], prints: lines)
        }
    }

    @Test func wrappedRingPrintsTheSuffixItKeepsInOrder() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            let lines = (0..<100).map { #"{"type":"crank-start","crankNum":\#($0)}"# }
            try writeRing(path, capacity: 2048, lines)
            let expected = try readRing(path).slog
            #expect(expected.count > 10 && expected.count < 100)
            #expect(Array(lines.suffix(expected.count)) == expected)
            try expectSlogTail([path], prints: expected)
        }
    }

    @Test func emptyRingPrintsNothingAndSucceeds() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            try RingWriter.create(path: path, capacity: 4096).close()
            let run = try runTool("slog-tail", [path])
            #expect(run.status == 0 && run.stdout.isEmpty && run.stderr.isEmpty)
            let verify = try runTool("slog-tail", ["--verify", path])
            #expect(verify.stdout == "\(path): ok: 0 valid records, 0 problem(s)\n")
        }
    }

    @Test func flightRecorderRingThatWrappedPrintsSlogAndOptionallyMarkers() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/node.ring"
            let lines = SyntheticSlog.blocks(1...40)
            try recordRing(path, capacity: 16 << 10, lines)
            let ring = try readRing(path)
            #expect(ring.slog.count < lines.count)  // it wrapped
            #expect(Array(lines.suffix(ring.slog.count)) == ring.slog)
            try expectSlogTail([path], prints: ring.slog)
            let markers = try runTool("slog-tail", ["--markers", path])
            #expect(markers.stdout == slogText(ring.withMarkers))
            #expect(markers.lines.contains(#"{"type":"flight-recorder-block-commit","blockHeight":40}"#))
        }
    }

    @Test func sealedBlackBoxPrintsItsBlocksAndInfoSaysSealed() throws {
        try withTemporaryDirectory { dir in
            var configuration = nodeRingConfiguration(in: dir, capacity: 64 << 10)
            configuration.retention = .onlyLastCommittedBlocks(2)
            let recorder = try FlightRecorder(configuration: configuration)
            let lines = SyntheticSlog.blocks(1...4) + Array(SyntheticSlog.block(5).prefix(3))
            for line in lines { recorder.record(line) }
            let box = try recorder.preserveBlackBox(height: 5, reason: "app hash mismatch")
            try recorder.close()
            // Strict retention keeps the last two committed blocks and the open one.
            let kept = SyntheticSlog.block(3) + SyntheticSlog.block(4) + Array(SyntheticSlog.block(5).prefix(3))
            #expect(try readRing(box.path).slog == kept)
            try expectSlogTail([box.path], prints: kept)
            let info = try runTool("slog-tail", ["--info", box.path])
            #expect(info.status == 0)
            #expect(info.lines.contains("sealed:          yes (preserved black box)"))
            #expect(info.lines.contains("heights:         3...5 (3 blocks)"))
            let halt = try runTool("slog-tail", ["--markers", "--type", "flight-recorder-halt", box.path])
            #expect(halt.lines.count == 1 && halt.stdout.contains(#""reason":"app hash mismatch""#))
        }
    }

    @Test func damagedFramePrintsTheOthersReportsItsOffsetAndExitsOne() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            try writeRing(path, capacity: 4096, (0..<5).map { #"{"n":\#($0)}"# })
            // Flip one payload byte of the third record (frames are 24 + 8 bytes here).
            let third = RingHeader.defaultHeaderSize + 2 * 32
            try patchFile(path, at: third + 24, Array("X".utf8))
            let run = try runTool("slog-tail", [path])
            #expect(run.status == 1)
            #expect(run.stdout == slogText([#"{"n":0}"#, #"{"n":1}"#, #"{"n":3}"#, #"{"n":4}"#]))
            #expect(run.stderr == "slog-tail: \(path): offset \(third): checksum mismatch in frame claiming sequence 2; skipped 32 bytes; 1 record lost\n")
            let verify = try runTool("slog-tail", ["--verify", path])
            #expect(verify.status == 1)
            #expect(verify.stdout == """
                \(path): offset \(third): checksum mismatch in frame claiming sequence 2; skipped 32 bytes; 1 record lost
                \(path): DAMAGED: 4 valid records, 1 problem(s), 1 records known lost

                """)
            #expect(verify.stderr.isEmpty)
        }
    }

    @Test func truncatedRingPrintsWhatTheFileHoldsAndExitsOne() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            let lines = (0..<60).map { #"{"n":\#($0 % 10)}"# }  // 7 bytes: 32-byte frames
            try writeRing(path, capacity: 4096, lines)
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            try handle.truncate(atOffset: UInt64(RingHeader.defaultHeaderSize + 1000))
            try handle.close()
            // 31 frames fit in 1000 bytes; the 32nd (at 992) does not.
            let run = try runTool("slog-tail", [path])
            #expect(run.status == 1)
            #expect(run.stdout == slogText(Array(lines.prefix(31))))
            #expect(run.stderr == "slog-tail: \(path): offset \(RingHeader.defaultHeaderSize + 992): file ends at \(RingHeader.defaultHeaderSize + 1000) bytes, before the data does (truncated file); skipped 928 bytes; 29 records lost\n")
        }
    }

    @Test func newerRingFormatAsksToUpgradeAndExitsTwo() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/new.ring"
            try RingWriter.create(path: path, capacity: 4096).close()
            try patchFile(path, at: 8, [2, 0])  // formatVersion 2
            for arguments in [[path], ["--info", path], ["--verify", path], ["--format", "ring", path]] {
                let run = try runTool("slog-tail", arguments)
                #expect(run.status == 2)
                #expect(run.stdout.isEmpty)
                #expect(run.stderr == "slog-tail: \(path): ring format version 2 is newer than this build reads (1...1); upgrade the tools\n")
            }
        }
    }

    @Test func infoJSONCountsDropsOfABlockLargerThanTheRing() throws {
        try withTemporaryDirectory { dir in
            var configuration = nodeRingConfiguration(in: dir, capacity: 8 << 10)
            let path = configuration.path
            configuration.retention = .committedBlocks(1)
            let recorder = try FlightRecorder(configuration: configuration)
            // Block 3 is larger than the ring: its oldest records are dropped (drop markers).
            for line in SyntheticSlog.blocks(1...2) + SyntheticSlog.block(3, cranks: 40) { recorder.record(line) }
            try recorder.close()
            let ring = try readRing(path)
            let dropped = ring.markers.compactMap { if case .dropped(_, _, _, let count) = $0 { count } else { nil } }
            #expect(!dropped.isEmpty)
            // The lock of the closed writer can live on for an instant in a child another test
            // is spawning (fork before exec): ask again until no writer holds it.
            var run = try runTool("slog-tail", ["--info", "--json", path])
            _ = try eventually { run = try runTool("slog-tail", ["--info", "--json", path]); return run.stdout.contains(#""writerActive":false"#) }
            #expect(run.status == 0, "\(run.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            #expect(object["format"] as? String == "ring")
            #expect(object["capacity"] as? Int == 8 << 10)
            #expect(object["slogRecords"] as? Int == ring.slog.count)
            #expect(object["markers"] as? Int == ring.withMarkers.count - ring.slog.count)
            #expect(object["dropMarkers"] as? Int == dropped.count)
            #expect(object["droppedRecords"] as? Int == Int(dropped.reduce(0, +)))
            #expect(object["oldestHeight"] as? Int == 3)
            #expect(object["newestHeight"] as? Int == 3)
            #expect(object["newestCrank"] as? Int == 339)
            #expect(object["sealed"] as? Bool == false)
            #expect(object["writerActive"] as? Bool == false)
            #expect(object["problems"] as? Int == 0)
        }
    }

    @Test func infoJSONCountsRestartsFromRecorderOpenedMarkers() throws {
        try withTemporaryDirectory { dir in
            let configuration = nodeRingConfiguration(in: dir, capacity: 64 << 10)
            let path = configuration.path
            for heights: ClosedRange<UInt64> in [1...2, 3...3, 4...5] {
                let recorder = try FlightRecorder(configuration: configuration)
                for line in SyntheticSlog.blocks(heights) { recorder.record(line) }
                try recorder.close()
            }
            let run = try runTool("slog-tail", ["--info", "--json", path])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            #expect(object["restarts"] as? Int == 2)
            #expect(object["recorderOpens"] as? Int == 3)
            #expect(object["writerOpens"] as? Int == 3)
            #expect(object["dropMarkers"] as? Int == 0)
            #expect(object["newestHeight"] as? Int == 5)
        }
    }

    @Test func infoTextNamesEveryField() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var writer = try RingWriter.create(path: path, capacity: 4096)
            for line in SyntheticSlog.block(7, cranks: 1) { _ = try writer.append(line) }
            try writer.seal()
            try writer.close()
            var run = try runTool("slog-tail", ["--info", path])
            // As above: a child being spawned by another test may hold the lock for an instant.
            _ = try eventually { run = try runTool("slog-tail", ["--info", path]); return run.stdout.contains("writer active:   no") }
            #expect(run.status == 0)
            let bytes = SyntheticSlog.block(7, cranks: 1).reduce(0) { $0 + $1.utf8.count }
            let used = SyntheticSlog.block(7, cranks: 1).reduce(0) { $0 + 24 + ($1.utf8.count + 7) / 8 * 8 }
            #expect(run.stdout == """
                file:            \(path)
                format:          SlogRing v1
                file size:       8192 bytes
                capacity:        4096 bytes
                bytes used:      \(used) (\(used * 100 / 4096)%)
                records:         7 slog, 0 markers, 0 other (\(bytes) bytes)
                sequences:       0...6
                heights:         7...7 (1 blocks)
                cranks:          700...700
                drops:           none
                restarts:        0 (recorder opened 0 times in what the ring holds; writer opened 1 time since creation)
                sealed:          yes (preserved black box)
                writer active:   no
                oldestPosition:  0
                writePosition:   \(used)
                nextSequence:    7
                problems:        0

                """)
        }
    }
}
