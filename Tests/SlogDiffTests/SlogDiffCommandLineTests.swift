import TestSupport
import Foundation
import Testing

/// Options, usage errors, exit statuses and the person-readable report.
@Suite struct SlogDiffCommandLineTests {
    /// Two slogfiles: A honest, B with `faults`, both blocks 1-8.
    func pair(_ dir: String, _ faults: [Validator.Fault]) throws -> [String] {
        try writeSlogs(dir, [("a", Validator().blocks(1...8)), ("b", Validator(clockOffset: 0.5, faults: faults).blocks(1...8))])
    }

    @Test func helpPrintsUsageWithExamples() throws {
        let run = try runTool("slog-diff", ["--help"])
        #expect(run.status == 0)
        #expect(run.stderr.isEmpty)
        #expect(run.stdout.hasPrefix("usage: slog-diff [OPTIONS] A B [C ...]\n"))
        #expect(run.stdout.contains("Examples:"))
        #expect(run.stdout.contains("Verdict and exit status:"))
        #expect(run.stdout.contains("1  divergent: a difference in consensus content the inputs really show"))
        #expect(run.stdout.contains("0  identical: every crank of the overlap was compared and agrees"))
    }

    @Test(arguments: [
        ([], "missing inputs: give two or more"),
        (["a.slog"], "one input: give two or more to compare"),
        (["--frobnicate", "a", "b"], "unknown option '--frobnicate'"),
        (["--context", "x", "a", "b"], "--context 'x' is not a count (a whole number ≥ 0)"),
        (["-C", "5000", "a", "b"], "-C 5000 is more than 1000 records"),
        (["--json", "-q", "a", "b"], "--json and --brief cannot be combined"),
        (["-", "-"], "standard input ('-') can be read only once"),
        (["--format", "xml", "a", "b"], "--format 'xml' is not one of ring, agoric, jsonl"),
        (["--ignore-field", "a", "b"], "at least one"),
    ])
    func usageErrorsExitTwo(_ arguments: [String], _ message: String) throws {
        let run = try runTool("slog-diff", arguments)
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty)
        if message == "at least one" {
            // `--ignore-field a b` takes `a` as the field and leaves one input.
            #expect(run.stderr.hasPrefix("slog-diff: one input"))
        } else {
            #expect(run.stderr == "slog-diff: \(message)\nTry 'slog-diff --help'.\n")
        }
    }

    @Test func unreadableInputExitsTwo() throws {
        try withTemporaryDirectory { dir in
            let a = try pair(dir, [])[0]
            let run = try runTool("slog-diff", [a, "\(dir)/missing.ring"])
            #expect(run.status == 2)
            #expect(run.stdout.isEmpty)
            #expect(run.stderr.hasPrefix("slog-diff: \(dir)/missing.ring: cannot open: "))
        }
    }

    @Test func personReadableReportShowsTheDivergenceSideBySide() throws {
        try withTemporaryDirectory { dir in
            let paths = try pair(dir, [.syscallArgument(crank: 22)])
            let run = try runTool("slog-diff", paths)
            #expect(run.status == 1)
            #expect(run.stderr.isEmpty)  // no progress line: stderr is not a terminal
            #expect(!run.stdout.contains("\u{1B}["))  // no colour: stdout is not a terminal
            let lines = run.lines
            #expect(lines.contains("overlap: blocks 1-8, cranks 4-35; cranks compared: 19 by crankhash"))
            #expect(lines.contains("DIVERGENCE at block 5, crank 22: the crankhash differs"))
            #expect(lines.contains("  last agreeing crank: 21 (block 5)"))
            #expect(lines.contains { $0.hasPrefix("  A  vat v3  message (delivery)  crankhash ") })
            #expect(lines.contains("  first differing record: record 5 of crank 22 (syscall) in A and B"))
            #expect(lines.contains { $0.hasPrefix("  A  offset ") && $0.contains(#""state-22-1""#) })
            #expect(lines.contains { $0.hasPrefix("  B  offset ") && $0.contains(#""DIVERGED""#) })
            #expect(lines.contains(#"    ksc[3]  A "state-22-1""#))
            #expect(lines.contains(#"            B "DIVERGED""#))
            #expect(lines.contains("  3 records of A before the first difference:"))
            #expect(lines.last == "verdict: divergent at block 5, crank 22 (crankhash): A and B differ. Everything before it in the overlap was compared")
        }
    }

    @Test func colourOnlyOnATerminalAndNeverWithNoColor() throws {
        try withTemporaryDirectory { dir in
            let paths = try pair(dir, [.syscallArgument(crank: 22)])
            let tool = builtProductsDirectory().appendingPathComponent("slog-diff").path
            let command = ([tool] + paths).joined(separator: " ")
            var environment = ProcessInfo.processInfo.environment
            environment["NO_COLOR"] = nil
            let coloured = try runTool("/usr/bin/script", ["-qec", command, "/dev/null"], environment: environment)
            #expect(coloured.stdout.contains("\u{1B}[31mDIVERGENCE\u{1B}[0m"))
            environment["NO_COLOR"] = "1"
            let plain = try runTool("/usr/bin/script", ["-qec", command, "/dev/null"], environment: environment)
            #expect(plain.stdout.contains("DIVERGENCE at block 5, crank 22"))
            #expect(!plain.stdout.contains("\u{1B}[3"))
        }
    }

    @Test func contextShowsTheRecordsBeforeTheDifference() throws {
        try withTemporaryDirectory { dir in
            let paths = try pair(dir, [.syscallArgument(crank: 20)])
            let five = try diff(paths, ["--context", "5"])
            #expect(five.context.count == 5)
            // The first differing record is the 5th compared record of crank 20; before it come
            // the end of block 4's crank 19, then crank 20's start, deliver, console, syscall, result.
            #expect(five.context[0].contains(#""type":"crank-start","crankType":"delivery","crankNum":20"#))
            #expect(five.context[2].contains(#""type":"console""#))
            #expect(five.context[4].contains(#""type":"syscall-result","crankNum":20,"#))
            let twelve = try diff(paths, ["-C12"])
            #expect(twelve.context.count == 12)
            #expect(twelve.context.contains { $0.contains(#""type":"cosmic-swingset-begin-block","blockHeight":5,"#) })
            let none = try diff(paths, ["--context=0"])
            #expect(none.context.isEmpty)
            let text = try runTool("slog-diff", ["-C", "0"] + paths)
            #expect(!text.stdout.contains("before the first difference"))
        }
    }

    /// Pass 2 reads a slogfile from the first context record of the divergent crank on (not
    /// from its start): the records, their offsets and the context are still the whole file's,
    /// with any amount of context, up to more records than come before the crank.
    @Test(arguments: [0, 1, 7, 1000]) func passTwoReadsASlogfileFromTheCrankWithTheWholeFilesOffsets(context: Int) throws {
        try withTemporaryDirectory { dir in
            let lines = Validator().blocks(1...12)
            let faulty = Validator(clockOffset: 0.5, faults: [.syscallArgument(crank: 45)]).blocks(1...12)
            let paths = try writeSlogs(dir, [("a", lines), ("b", faulty)])
            for input in [paths, [paths[0], "-"]] {
                let result = try diff(input, ["-C", "\(context)"], stdin: input[1] == "-" ? try readFile(paths[1]) : nil)
                #expect(result.status == 1 && result.crank == 45)
                let a = try #require(result.records?["a"] as? [String: Any])
                let offset = try #require(a["offset"] as? Int)
                let record = try #require(a["record"] as? String)
                // The offset is the record's line in the whole file.
                let index = try #require(lines.firstIndex(of: record))
                #expect(offset == lines[..<index].reduce(0) { $0 + $1.utf8.count + 1 })
                #expect(result.context == Array(lines[..<index].suffix(context)))
            }
        }
    }

    @Test func ignoreFieldAndIgnoreTypeExtendTheRules() throws {
        try withTemporaryDirectory { dir in
            let meter = try pair(dir, [.computeMeter(crank: 22)])
            let differ = try diff(meter)
            #expect(differ.status == 1 && differ.crank == 22 && differ.fieldPaths == ["dr[2].compute"])
            let ignored = try diff(meter, ["--ignore-field", "dr"])
            #expect(ignored.status == 0)
            #expect((ignored.json["ignored"] as? [String: Any])?["fields"] as? [String] == [
                "afterCommitHangoverSeconds", "blockLagSeconds", "dr", "heapSnapshot", "heapStats",
                "inboundQueueStats", "interBlockSeconds", "memoryUsage", "monotime", "seconds", "time",
            ])

            let reads = try pair(dir, [.extraReadOnlySyscall(crank: 22)])
            #expect(try diff(reads).status == 1)
            let withoutSyscalls = try diff(reads, ["--ignore-type", "syscall,syscall-result"])
            #expect(withoutSyscalls.status == 0)
            #expect((withoutSyscalls.json["ignored"] as? [String: Any])?["types"] as? [String] == [
                "console", "create-vat", "finish-replay", "heap-snapshot-load", "start-replay", "syscall", "syscall-result",
                "vat-startup-finish", "vat-startup-start",
            ])
        }
    }

    @Test func briefPrintsNothingAndExitsWithTheVerdict() throws {
        try withTemporaryDirectory { dir in
            let divergent = try runTool("slog-diff", ["-q"] + pair(dir, [.syscallArgument(crank: 22)]))
            #expect(divergent.status == 1 && divergent.stdout.isEmpty && divergent.stderr.isEmpty)
            let same = try runTool("slog-diff", ["--brief"] + pair(dir, []))
            #expect(same.status == 0 && same.stdout.isEmpty)
        }
    }
}
