import TestSupport
import Foundation
import Testing
@testable import FlightRecorder
import SlogModel
import SlogRing

@Suite struct FlightRecorderTests {
    @Test func automaticMarkersIgnoreKeyOrderWhitespaceAndLookalikesInsideValues() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/node.ring"
            let recorder = try FlightRecorder(configuration: .init(path: path))
            let lines = [
                #"  { "blockHeight" : 7 ,"blockTime":1750000042, "type" : "cosmic-swingset-begin-block" }"#,
                #"{"type":"deliver","kd":{"type":"crank-finish","crankNum":1}}"#,
                #"{"type":"console","args":["{\"type\":\"crank-finish\",\"crankNum\":5}"]}"#,
                #"{"note":"\"type\":\"cosmic-swingset-commit-block-finish\"","type":"syscall"}"#,
                #"{"crankhash":"ab12","type":"crank-finish","activityhash":"cd34","crankNum":3}"#,
                #"{"type":"crank\u002dfinish","crankNum":4}"#,
                #"not json at all"#,
                #"{"type":"crank-finish"}"#,
                "{\n\"type\":\t\"cosmic-swingset-commit-block-finish\",\n\"blockHeight\":7}",
            ]
            for line in lines { recorder.record(line) }
            let view = try readRing(path)
            #expect(view.slog == lines)
            #expect(view.markers.dropFirst() == [
                .blockBegin(height: 7, blockTime: 1_750_000_042),
                .crankFinish(crankNumber: 3, crankHash: "ab12", activityHash: "cd34"),
                .crankFinish(crankNumber: 4, crankHash: nil, activityHash: nil),
                .blockCommit(height: 7),
            ])
            // Markers sit where readers need them: begin before its record, the others after.
            var reader = try RingReader.open(path: path)
            var kinds: [RecordKind] = []
            while case .record(let info) = reader.next() { kinds.append(info.kind) }
            #expect(kinds == [.recorderOpenedMarker, .blockBeginMarker, .slog, .slog, .slog, .slog, .slog,
                              .crankFinishMarker, .slog, .crankFinishMarker, .slog, .slog, .slog, .blockCommitMarker])
            try recorder.close()
        }
    }

    /// The hook builds crank-finish markers from the record's own tokens; they must be the
    /// exact bytes `Marker.encoded()` produces, escapes included.
    @Test func automaticCrankMarkerBytesEqualTheEncodedMarker() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/node.ring"
            let recorder = try FlightRecorder(configuration: .init(path: path))
            recorder.record(#"{"type":"crank-finish","crankNum":123456000,"crankhash":"43dc539a","activityhash":"a\"b\\c\u00e9"}"#)
            recorder.record(#"{"type":"crank-finish","crankNum":0}"#)
            try recorder.close()
            var reader = try RingReader.open(path: path)
            var markers: [[UInt8]] = []
            while case .record(let info) = reader.next() {
                if info.kind == .crankFinishMarker { markers.append(reader.recordBytes) }
            }
            #expect(markers.count == 2)
            let first = Marker.crankFinish(crankNumber: 123_456_000, crankHash: "43dc539a", activityHash: "a\"b\\c\u{e9}")
            #expect(markers.first.flatMap { bytes in bytes.withUnsafeBytes { Marker.decode(kind: .crankFinishMarker, bytes: $0) } } == first)
            #expect(markers.last == Marker.crankFinish(crankNumber: 0, crankHash: nil, activityHash: nil).encoded())
            #expect(String(decoding: markers.first ?? [], as: UTF8.self)
                == #"{"type":"flight-recorder-crank-finish","crankNum":123456000,"crankhash":"43dc539a","activityhash":"a\"b\\c\u00e9"}"#)
        }
    }

    @Test func explicitMarkersWorkWithAutomaticMarkersOff() throws {
        try withTemporaryDirectory { dir in
            var configuration = FlightRecorder.Configuration(path: "\(dir)/node.ring")
            configuration.automaticMarkers = false
            let recorder = try FlightRecorder(configuration: configuration)
            recorder.beginBlock(height: 9, blockTime: 99)
            recorder.record(#"{"type":"cosmic-swingset-begin-block","blockHeight":9}"#)
            recorder.finishCrank(number: 90, crankHash: "aa", activityHash: "bb")
            recorder.record(#"{"type":"cosmic-swingset-commit-block-finish","blockHeight":9}"#)
            recorder.commitBlock(height: 9)
            let view = try readRing(configuration.path)
            #expect(view.markers.dropFirst() == [
                .blockBegin(height: 9, blockTime: 99), .crankFinish(crankNumber: 90, crankHash: "aa", activityHash: "bb"),
                .blockCommit(height: 9),
            ])
            #expect(view.slog.count == 2)
            try recorder.close()
        }
    }

    @Test func restartAppendsAnOpenedMarkerWithProcessIDTimeAndVersion() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/node.ring"
            let before = Date().timeIntervalSince1970
            try FlightRecorder(configuration: .init(path: path)).close()
            let again = try FlightRecorder(configuration: .init(path: path))
            #expect(again.openingNotes.isEmpty)
            try again.close()
            let opened = try readRing(path).markers.compactMap { marker -> (String, Int32, Double, String)? in
                if case .recorderOpened(let event, let pid, let time, let version, _) = marker { (event, pid, time, version) } else { nil }
            }
            #expect(opened.map(\.0) == ["created", "reopened"])
            #expect(opened.allSatisfy { $0.1 == getpid() && $0.3 == FlightRecorder.version })
            #expect(opened.allSatisfy { $0.2 >= before - 1 && $0.2 <= Date().timeIntervalSince1970 + 1 })
            #expect(try RingReader.open(path: path).status?.writerOpenCount == 2)
        }
    }

    @Test func sealedRingIsMovedAsideByteForByteAndAFreshRingStarted() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/node.ring"
            var writer = try RingWriter.create(path: path, capacity: 4096)
            _ = try writer.append(#"{"type":"evidence"}"#)
            try writer.seal()
            try writer.close()
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            let recorder = try FlightRecorder(configuration: .init(path: path))
            #expect(recorder.openingNotes.count == 1)
            let aside = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("node.sealed-") }
            #expect(aside.count == 1 && aside[0].hasSuffix(".ring"))
            #expect(recorder.openingNotes.first?.movedTo == "\(dir)/\(aside[0])")
            #expect(recorder.openingNotes.first?.reason == .sealed)
            #expect(recorder.openingNotes.first?.description.contains("\(dir)/\(aside[0])") == true)
            #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(aside[0])")) == original)
            recorder.record(#"{"type":"after"}"#)
            try recorder.close()
            let fresh = try readRing(path)
            #expect(fresh.slog == [#"{"type":"after"}"#])
            guard case .recorderOpened("created", _, _, _, let note)? = fresh.markers.first else {
                Issue.record("no opened marker: \(fresh.markers)")
                return
            }
            #expect(note?.contains("moved aside") == true)
            #expect(try readRing("\(dir)/\(aside[0])").slog == [#"{"type":"evidence"}"#])
        }
    }

    @Test func damagedRingIsMovedAsideNotBuiltUpon() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/node.ring"
            try writeRing(path, capacity: 4096, (0..<5).map { #"{"type":"r","i":\#($0)}"# })
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
            try handle.seek(toOffset: 4096 + 30)
            try handle.write(contentsOf: [0xFF])
            try handle.close()
            let recorder = try FlightRecorder(configuration: .init(path: path))
            #expect(recorder.openingNotes.first?.reason == .damaged)
            try recorder.close()
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).contains { $0.hasPrefix("node.damaged-") })
        }
    }

    @Test func oversizedRecordBecomesAMarkerAndIsCounted() throws {
        try withTemporaryDirectory { dir in
            let configuration = nodeRingConfiguration(in: dir, capacity: 4096)
            let recorder = try FlightRecorder(configuration: configuration)
            let big = #"{"type":"deliver","body":""# + String(repeating: "z", count: 10_000) + #""}"#
            recorder.record(big)
            recorder.record(#"{"type":"small"}"#)
            let statistics = recorder.statistics
            #expect(statistics.oversizedRecords == 1 && statistics.records == 1)
            #expect(statistics.lastError?.contains("larger than this ring") == true)
            let view = try readRing(configuration.path)
            guard case .recordTooLarge(let size, let snippet)? = view.markers.last else {
                Issue.record("no record-too-large marker: \(view.markers)")
                return
            }
            #expect(size == big.utf8.count)
            #expect(snippet == String(big.prefix(256)))
            #expect(view.slog == [#"{"type":"small"}"#])
            try recorder.close()
        }
    }

    @Test func closedRecorderCountsLostRecordsAndNeverTraps() throws {
        try withTemporaryDirectory { dir in
            let recorder = try FlightRecorder(configuration: .init(path: "\(dir)/node.ring"))
            try recorder.close()
            #expect(!recorder.isRecording)
            recorder.record("{}")
            recorder.beginBlock(height: 1)
            recorder.commitBlock(height: 1)
            #expect(recorder.statistics.lostRecords == 3)
            #expect(throws: FlightRecorderError.self) { try recorder.preserveBlackBox(height: 1, reason: "x") }
        }
    }

    /// Eight threads record at once: every record lands, and each thread's records keep their
    /// order (the lock serializes calls in the order they take it).
    @Test func manyThreadsRecordingAtOncePreserveCountAndPerThreadOrder() throws {
        try withTemporaryDirectory { dir in
            let configuration = nodeRingConfiguration(in: dir, capacity: 8 << 20)
            let recorder = try FlightRecorder(configuration: configuration)
            let threads = 8
            let perThread = 5_000
            DispatchQueue.concurrentPerform(iterations: threads) { thread in
                for n in 0..<perThread { recorder.record(#"{"type":"t","thread":\#(thread),"n":\#(n)}"#) }
            }
            try recorder.close()
            let view = try readRing(configuration.path)
            #expect(view.issues.isEmpty)
            var next = [Int](repeating: 0, count: threads)
            var outOfOrder = 0
            for line in view.slog {
                let fields = line.split(separator: ",")
                guard fields.count == 3,
                    let thread = Int(fields[1].dropFirst("\"thread\":".count)),
                    let n = Int(fields[2].dropFirst("\"n\":".count).dropLast())
                else { continue }
                if n != next[thread] { outOfOrder += 1 }
                next[thread] = n + 1
            }
            #expect(view.slog.count == threads * perThread)
            #expect(next == [Int](repeating: perThread, count: threads))
            #expect(outOfOrder == 0)
            if let first = view.sequences.first {
                #expect(view.sequences == Array(first..<(first + UInt64(view.sequences.count))))
            }
        }
    }
}
