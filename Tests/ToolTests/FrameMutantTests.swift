import TestSupport
import Foundation
import Testing
import FlightRecorder
import SlogRing

/// Frame-level mutants of a real recorded ring, checksums recomputed so every tool believes
/// them (issue 15, item 1): extreme sequences (2^64-1 crashed `--verify` and `--info` with an
/// arithmetic overflow), kinds, lengths, header positions and numbers inside marker JSON. Each
/// runs through `slog-tail --verify`, `--info`, `--info --json`, a dump with markers, and
/// `slog-diff` against the original, as real processes: none may crash (exit ≤ 2).
@Suite struct FrameMutantTests {
    /// A small wrapped ring recorded by FlightRecorder: slog records, block markers, drops.
    static func seedRing(_ path: String) throws {
        let node = SimulatedNode()
        var lines: [String] = []
        for height in UInt64(1)...6 { lines += node.block(height) }
        try recordRing(path, capacity: 16 << 10, lines)
    }

    /// Runs `arguments + files` and expects no crash; on a crash, names the mutant.
    static func expectNoCrash(_ tool: String, _ arguments: [String], files: [String], changes: [String: String]) throws {
        let run = try runTool(tool, arguments + files)
        guard run.status > 2 else { return }
        // A batch crashed: find which file does it, to name the mutation.
        for file in files where files.count > 1 {
            let single = try runTool(tool, arguments + [file])
            #expect(single.status <= 2, "\(tool) \(arguments) crashed (\(single.status)) on \(changes[file] ?? file): \(single.stderr.suffix(400))")
        }
        if files.count == 1 {
            #expect(run.status <= 2, "\(tool) \(arguments) crashed (\(run.status)) on \(changes[files[0]] ?? files[0]): \(run.stderr.suffix(400))")
        }
    }

    @Test func crcValidFrameMutantsCrashNoTool() throws {
        try withTemporaryDirectory { dir in
            let seed = "\(dir)/seed.ring"
            try Self.seedRing(seed)
            let original = try readFile(seed)
            // SLOG_FRAME_MUTANTS / SLOG_FRAME_MUTANT_SEED make longer trials (docs/RELIABILITY.md).
            let environment = ProcessInfo.processInfo.environment
            let count = environment["SLOG_FRAME_MUTANTS"].flatMap { Int($0) } ?? 300
            let mutantSeed = environment["SLOG_FRAME_MUTANT_SEED"].flatMap { UInt64($0) } ?? 15
            var mutants = FrameMutants(ring: original, seed: mutantSeed)
            var all = mutants.extremeMutants()
            for _ in 0..<count { all.append(mutants.next()) }
            var changes: [String: String] = [:]
            var files: [String] = []
            for (index, mutant) in all.enumerated() {
                let path = "\(dir)/m\(index).ring"
                try writeFile(path, mutant.bytes)
                changes[path] = mutant.change
                files.append(path)
            }
            // Batches of 40 files per process keep the process count low; a crashing batch
            // is re-run file by file to name the mutation.
            for start in stride(from: 0, to: files.count, by: 40) {
                let batch = Array(files[start..<min(start + 40, files.count)])
                try Self.expectNoCrash("slog-tail", ["--verify"], files: batch, changes: changes)
                try Self.expectNoCrash("slog-tail", ["--info"], files: batch, changes: changes)
                try Self.expectNoCrash("slog-tail", ["--info", "--json"], files: batch, changes: changes)
                try Self.expectNoCrash("slog-tail", ["--markers"], files: batch, changes: changes)
            }
            // slog-diff compares two files: the original against every 8th mutant.
            for path in files.enumerated().filter({ $0.offset % 8 == 0 }).map(\.element) {
                try Self.expectNoCrash("slog-diff", [seed], files: [path], changes: changes)
            }
        }
    }
}
