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
        let inputs = Self.inputs(target)
        #expect(!inputs.isEmpty, "no kept inputs for \(target) under \(Self.fuzzDirectory.path)")
        try withTemporaryDirectory { dir in
            for input in inputs {
                // A copy: the ring reader maps the file, and replay must not depend on the checkout.
                let path = "\(dir)/input"
                try? FileManager.default.removeItem(atPath: path)
                try FileManager.default.copyItem(atPath: input, toPath: path)
                Self.drain(path, as: format)
            }
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
