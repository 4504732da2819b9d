import TestSupport
import Foundation
import Testing
import SlogRing

/// Inputs that cost the tools memory and time out of proportion to what they print (issue 15):
/// millions of bad lines, an endless device, a sparse Agoric file claiming a 256 GB arena; and a
/// slogfile truncated in place under `--follow`. Real files and processes; no wall-clock
/// assertions: a generous bound (`testPatience`) marks a hang, a data limit (`ulimit -d`) marks unbounded memory.
@Suite struct SlogTailHostileInputTests {
    /// Runs `tool arguments` under `ulimit -d` (KiB of data segment: heap and private
    /// mappings), waiting at most `seconds`; a process still running then is killed.
    static func run(
        _ tool: String, _ arguments: [String], dataLimitKiB: Int = 65536, seconds: Double = testPatience
    ) throws -> (status: Int32, signaled: Bool, timedOut: Bool, stdout: String) {
        let run = try runBounded(tool, arguments, dataLimitKiB: dataLimitKiB, seconds: seconds)
        return (run.status, run.signaled, run.timedOut, run.stdout)
    }

    /// 400,000 lines that are not JSON: every problem was kept (3 million took 893 MB in
    /// `--info`, 1.3 GB in slog-diff). Now they are counted and the first 1000 kept: all three
    /// finish under a 64 MiB data limit, with the counts right.
    @Test func millionsOfBadLinesAreCountedInBoundedMemory() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/bad.slog"
            try writeFile(path, Array(String(repeating: "x\n", count: 400_000).utf8))
            let info = try Self.run("slog-tail", ["--info", path])
            #expect(!info.signaled && !info.timedOut && info.status == 1, "\(info.status)")
            #expect(info.stdout.contains("problems:        400000 (400000 records lost)"), "\(info.stdout)")
            let verify = try Self.run("slog-tail", ["--verify", path])
            #expect(!verify.signaled && !verify.timedOut && verify.status == 1)
            let lines = verify.stdout.split(separator: "\n")
            #expect(lines.count == 1000 + 2, "the first 1000 problems, the omission line, the summary")
            #expect(lines.dropLast().last == "\(path): 399000 more problems not shown (only the first 1000 are kept)")
            #expect(lines.last == "\(path): DAMAGED: 0 valid records, 400000 problem(s), 400000 records known lost")
            let diff = try Self.run("slog-diff", [path, path], seconds: 2 * testPatience)
            #expect(!diff.signaled && !diff.timedOut && diff.status == 2, "\(diff.status)")
            #expect(diff.stdout.contains("399999 more problem"), "\(diff.stdout)")
        }
    }

    /// `slog-tail --info /dev/urandom` reached 500 MB in 5 s. It reads on forever (an endless
    /// input), but its memory stays flat: after 64 MiB read, under 48 MiB resident.
    @Test func anEndlessRandomDeviceIsReadInBoundedMemory() throws {
        let tail = try RunningTool("slog-tail", ["--info", "/dev/urandom"])
        defer { tail.finish(seconds: 0) }
        func field(_ file: String, _ name: String) -> Int? {
            guard let text = try? String(contentsOfFile: "/proc/\(tail.processIdentifier)/\(file)", encoding: .utf8) else { return nil }
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return nil }
            return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == ":" }).dropFirst().first ?? "")
        }
        let deadline = Date().addingTimeInterval(60)
        while tail.isRunning, Date() < deadline, (field("io", "rchar") ?? 0) < 64 << 20 { usleep(20_000) }
        #expect(tail.isRunning)
        #expect((field("io", "rchar") ?? 0) >= 64 << 20, "it did not read 64 MiB within the bound")
        let peak = field("status", "VmHWM") ?? .max
        #expect(peak < 48 << 10, "peak resident \(peak) KiB")
    }

    /// A sparse Agoric file whose valid header claims a 256 GB arena took 54 s: its recovery
    /// scan read every zero. Holes are skipped now (`SEEK_DATA`), as ring readers do.
    @Test func aSparseAgoricFileClaimingAHugeArenaSkipsItsHoles() throws {
        try withTemporaryDirectory { dir in
            let arena: UInt64 = 256_000_000_000
            for (start, end) in [(UInt64(0), arena - 100), (arena / 2, arena / 2 - 100)] {
                let path = "\(dir)/flight-recorder.bin"
                try? FileManager.default.removeItem(atPath: path)
                try writeFile(path, Array("AG-SLOG!".utf8) + bigEndian(arena) + bigEndian(start) + bigEndian(end))
                #expect(truncate(path, off_t(32 + arena)) == 0)
                for arguments in [["--info"], ["--verify"], []] {
                    let run = try Self.run("slog-tail", arguments + [path])
                    #expect(!run.timedOut, "slog-tail \(arguments) on a sparse 256 GB Agoric file did not finish")
                    #expect(!run.signaled && run.status == 1, "\(run.status)")
                }
            }
        }
    }

    /// Dumping bad lines did one `write` per problem (2 MB/s). Counted with strace where it
    /// runs: a few dozen writes for 20,000 problems.
    @Test func problemsAreWrittenInChunksNotOneWriteEach() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") else {
            print("skipped: no strace")
            return
        }
        try withTemporaryDirectory { dir in
            let path = "\(dir)/bad.slog"
            try writeFile(path, Array((String(repeating: "x\n", count: 20_000) + #"{"type":"a"}"# + "\n").utf8))
            let summary = "\(dir)/strace.txt"
            let tail = builtProductsDirectory().appendingPathComponent("slog-tail").path
            let run = try runTool("/usr/bin/strace", ["-f", "-c", "-e", "trace=write", "-o", summary, tail, path])
            guard let text = try? String(contentsOfFile: summary, encoding: .utf8), run.status == 1 else {
                print("skipped: strace cannot trace here (\(run.status))")
                return
            }
            #expect(run.stdout == #"{"type":"a"}"# + "\n")
            #expect(run.stderr.split(separator: "\n").filter { $0.contains("is not a JSON object") }.count == 20_000)
            let line = text.split(separator: "\n").first(where: { $0.hasSuffix(" write") })
            let calls = line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[3]) } ?? .max
            #expect(calls < 200, "\(text)")
        }
    }

    /// logrotate's copytruncate: the followed slogfile is cut to nothing and written anew.
    /// `-f` went on at the old offset, silently losing the new records; now it says so and
    /// reads from the new start.
    @Test func followNoticesASlogfileTruncatedInPlaceAndReadsItsNewStart() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/chain.slog"
            let old = (0..<100).map { numberedRecord($0) }
            try writeLines(path, old)
            let tail = try RunningTool("slog-tail", ["-f", path])
            defer { tail.finish(seconds: 0) }
            #expect(tail.wait { stdout, _ in stdout == slogText(old) })
            // Truncate in place (same inode), then the writer goes on from the start.
            #expect(truncate(path, 0) == 0)
            let new = (1000..<1005).map { numberedRecord($0) }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.write(contentsOf: Data(slogText(new).utf8))
            try handle.close()
            // stdout and stderr are separate pipes: wait for both, in no particular order.
            let notice = "\(path): offset 0: note: file was truncated in place"
            #expect(tail.wait { stdout, stderr in stdout == slogText(old + new) && stderr.contains(notice) }, "\(tail.stdout.suffix(300)) \(tail.stderr)")
            #expect(!tail.stderr.contains("not a JSON object"))
            #expect(tail.isRunning)
        }
    }
}
