import TestSupport
import Foundation
import Testing

/// Keeps the benchmark harness working: runs the real `slog-bench --smoke` (tiny counts, a 4 MiB
/// ring, one run) and checks that it printed every row and wrote a well-formed JSON report.
/// Asserts nothing about timing: the figures of a smoke run (and of a debug build) mean nothing.
@Suite struct BenchmarkSmokeTests {
    static let benchmarks = [
        "limit", "frame", "frame-publish", "frame-crc", "frame-crc-publish", "append", "locked-append",
        "recorder-nomarkers", "recorder", "buffered", "pwrite",
    ]
    static let sizes = [("64 B", 64), ("256 B", 256), ("1 KiB", 1024), ("16 KiB", 16384), ("real", 0)]

    @Test func smokeRunPrintsEveryBenchmarkRowAndWritesTheJSONReport() throws {
        try withTemporaryDirectory { directory in
            let json = "\(directory)/report.json"
            let run = try runTool("slog-bench", ["--smoke", "--dir", directory, "--json", json])
            #expect(run.status == 0, "slog-bench --smoke failed: \(run.stderr)")
            let lines = run.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }

            for (label, _) in Self.sizes {
                for benchmark in Self.benchmarks {
                    #expect(
                        lines.contains { $0.hasPrefix("\(label) \(benchmark) ") }, "no row for \(benchmark) at \(label)"
                    )
                }
            }
            for tool in ["tail", "tail-real", "tail-agoric", "record", "record-steady", "record-file", "diff"] {
                #expect(lines.contains { $0.hasPrefix("\(tool) (") }, "no \(tool) row (measured, skipped or failed)")
                #expect(!lines.contains { $0.hasPrefix("\(tool) (") && $0.contains("FAILED") }, "\(tool) failed")
            }
            #expect(lines.contains { $0.contains("SlogRing append >= 50% of the physical limit") })
            #expect(lines.contains { $0.contains("FlightRecorder hook >= 30% of the physical limit") })
            #expect(lines.contains { $0.hasPrefix("== crash-safety protocol") })

            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
            #expect(report["tool"] as? String == "slog-bench")
            let write = try #require(report["write"] as? [[String: Any]])
            for (_, size) in Self.sizes {
                for benchmark in Self.benchmarks {
                    let entry = write.first {
                        $0["benchmark"] as? String == benchmark && $0["sizeClass"] as? Int == size
                    }
                    let runs = entry?["runs"] as? [[String: Any]]
                    #expect(runs?.count == 1, "no JSON result for \(benchmark) at \(size) B")
                    #expect(runs?.first?["recordsPerSecond"] is Double)
                    #expect(entry?["median"] is [String: Any])
                }
            }
            let tools = try #require(report["tools"] as? [[String: Any]])
            for tool in ["tail", "tail-real", "tail-agoric", "record", "record-steady", "record-file", "diff"] {
                #expect(tools.contains { $0["benchmark"] as? String == tool })
            }
            #expect((report["targets"] as? [[String: Any]])?.isEmpty == false)
            #expect((report["protocolCosts"] as? [[String: Any]])?.count == Self.sizes.count)
            // The harness removes every file it made.
            let left = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0 != "report.json" }
            #expect(left.isEmpty, "files left behind: \(left)")
        }
    }

    @Test func soakTimesEveryRecordOfAPacedWriter() throws {
        try withTemporaryDirectory { directory in
            let json = "\(directory)/soak.json"
            let run = try runTool(
                "slog-bench", ["--smoke", "--soak", "1", "--rate", "2000", "append", "--dir", directory, "--json", json])
            #expect(run.status == 0, "slog-bench --soak failed: \(run.stderr)")
            #expect(run.stdout.contains("== soak: paced writer"))
            let report = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
            let soak = try #require(report["soak"] as? [[String: Any]])
            #expect(soak.count == 1)
            #expect(soak.first?["benchmark"] as? String == "append")
            #expect(soak.first?["records"] as? Int == 2000, "1 s at 2000 records/s, every one timed")
        }
    }

    @Test func helpExitsZeroAndUnknownWordsAreUsageErrors() throws {
        let help = try runTool("slog-bench", ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("usage: slog-bench"))
        let wrong = try runTool("slog-bench", ["no-such-benchmark"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("slog-bench: unknown benchmark"))
    }
}
