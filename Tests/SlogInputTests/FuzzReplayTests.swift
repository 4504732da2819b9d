import TestSupport
import Foundation
import Testing
import FlightRecorder
import SlogModel
import SlogRing
import SlogInput

/// Replays the fuzzing inputs kept in the repository (Fuzz/Regressions: every input a fuzzer
/// ever crashed on, minimised; Fuzz/Corpus: a small slice of the corpora the fuzzers grew from
/// real files) through the same readers the fuzz targets drive (docs/RELIABILITY.md). This is
/// what CI runs of the fuzzing: bounded, deterministic, and failing only on a real regression.
@Suite struct FuzzReplayTests {
    static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ target: String) -> [String] {
        ["Regressions", "Corpus"].flatMap { kind -> [String] in
            let directory = fuzzDirectory.appendingPathComponent(kind).appendingPathComponent(target).path
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return names.sorted().map { "\(directory)/\($0)" }
        }
    }

    /// Reads `path` as `format` to the end, touching every record's bytes, within a bound.
    static func drain(_ path: String, as format: SlogFormat) {
        guard let source = try? SlogSources.open(path, format: format) else { return }
        var events = 0
        while events < 100_000, let event = source.next() {
            events += 1
            if case .problem = event { continue }
            source.withRecordBytes { bytes in _ = bytes.reduce(0, &+) }
        }
        _ = source.status
    }

    @Test(arguments: [("ring", SlogFormat.ring), ("agoric", .agoric), ("jsonl", .jsonLines)])
    func fileInputsReplayThroughTheirReader(target: String, format: SlogFormat) throws {
        try Self.withEachKeptInput(target) { Self.drain($0, as: format) }
    }

    /// Calls `body` with the path of a private copy of each kept fuzz input of `target` (the
    /// ring reader maps the file, and replay must not depend on the checkout); expects some.
    static func withEachKeptInput(_ target: String, _ body: (String) -> Void) throws {
        let inputs = inputs(target)
        #expect(!inputs.isEmpty, "no kept inputs for \(target) under \(fuzzDirectory.path)")
        try withTemporaryDirectory { dir in
            for input in inputs {
                let path = "\(dir)/input"
                try? FileManager.default.removeItem(atPath: path)
                try FileManager.default.copyItem(atPath: input, toPath: path)
                body(path)
            }
        }
    }

    /// Reads `path` as a ring to the end, counting problems as the tools do (`ProblemLog`).
    static func drainCounting(_ path: String) -> ProblemLog {
        var problems = ProblemLog(limit: 16)
        guard let source = try? SlogSources.open(path, format: .ring) else { return problems }
        var events = 0
        while events < 100_000, let event = source.next() {
            events += 1
            if case .problem(let problem) = event { problems.add(problem); _ = "\(problem)"; continue }
            source.withRecordBytes { bytes in _ = bytes.reduce(0, &+) }
        }
        _ = source.status
        return problems
    }

    /// The `frames` target's inputs, checksums recomputed as the target does (issue 15).
    @Test func frameInputsReplayWithValidChecksums() throws {
        let inputs = Self.inputs("frames")
        #expect(!inputs.isEmpty)
        try withTemporaryDirectory { dir in
            for input in inputs {
                var bytes = try readFile(input)
                RingImage.reseal(&bytes)
                try writeFile("\(dir)/input", bytes)
                _ = Self.drainCounting("\(dir)/input")
            }
        }
    }

    /// A few hundred CRC-valid frame-level mutants of a recorded ring (markers included) through
    /// the ring source and the problem counting, in-process: a sequence of 2^64-1 made the
    /// lost-record sum trap (issue 15). Processes run them too (ToolTests/FrameMutantTests).
    @Test func crcValidFrameMutantsReadWithoutTrapping() throws {
        try withTemporaryDirectory { dir in
            let seed = "\(dir)/seed.ring"
            var lines: [String] = []
            for height in UInt64(1)...6 { lines += SimulatedNode().block(height) }
            try recordRing(seed, capacity: 16 << 10, lines)
            var mutants = FrameMutants(ring: try readFile(seed), seed: 1515)
            var all = mutants.extremeMutants()
            for _ in 0..<400 { all.append(mutants.next()) }
            var lostEverything = false
            for mutant in all {
                try writeFile("\(dir)/m.ring", mutant.bytes)
                let problems = Self.drainCounting("\(dir)/m.ring")
                #expect(problems.kept.count <= 16)
                if problems.lostRecords == .max { lostEverything = true }
            }
            #expect(lostEverything, "some mutant claims 2^64-1 lost records; the sum saturates")
        }
    }

    @Test func recordInputsReplayThroughTheScannerAndNormalizer() throws {
        let inputs = Self.inputs("json")
        #expect(!inputs.isEmpty)
        for input in inputs {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: input)))
            bytes.withUnsafeBytes { raw in
                if let span = JSONScan.value(forKey: Array("type".utf8), in: raw) {
                    #expect(span.range.upperBound <= raw.count)
                    _ = JSONScan.unescapedString(span, in: raw)
                }
                _ = JSONScan.forEachMember(in: raw) { _, _ in true }
                if case .record(let normalized) = ConsensusNormalizer.normalize(raw, fields: .agoric) {
                    let again = normalized.withUnsafeBytes { ConsensusNormalizer.normalize($0, fields: .agoric) }
                    #expect(again == .record(normalized), "\(input)")
                }
            }
        }
    }
}
