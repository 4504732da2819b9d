import TestSupport
import Foundation
import Testing

/// Usage errors, help, unreadable files, exit codes and a reader that closes the pipe.
@Suite struct SlogTailCommandLineTests {
    @Test func usageErrorsExitTwoAndNameTheProblem() throws {
        let cases: [([String], String)] = [
            ([], "missing FILE (use - for standard input)"),
            (["--bogus", "x"], "unknown option '--bogus'"),
            (["-n"], "-n needs a value"),
            (["-n", "ten", "x"], "-n 'ten' is not a count (a whole number ≥ 0)"),
            (["--crank=-1", "x"], "--crank '-1' is not a crank number (a whole number ≥ 0)"),
            (["--json", "x"], "--json goes with --info or --summary"),
            (["--height", "3", "--from-height", "2", "x"], "--height cannot be combined with --from-height or --to-height"),
            (["--from-height", "5", "--to-height", "4", "x"], "--from-height 5 is above --to-height 4"),
            (["--blocks", "2", "--height", "4", "x"], "--blocks cannot be combined with --height, --from-height or --to-height"),
            (["--info", "--type", "deliver", "x"], "--info reads the whole file; it takes no selection options"),
            (["--info", "--verify", "x"], "--info, --verify and --summary cannot be combined"),
            (["--verify", "-f", "x"], "--verify cannot be combined with --follow"),
            (["-f", "x", "y"], "--follow follows one FILE"),
            (["-f", "--format", "agoric", "x"], "--follow works with SlogRing files and JSON lines, not Agoric files (they have no positions to tell a lapped reader)"),
            (["--format", "xml", "x"], "--format 'xml' is not one of ring, agoric, jsonl"),
            (["--type", ",", "x"], "--type needs at least one record type"),
            (["--markers=yes", "x"], "--markers takes no value"),
            (["-", "-"], "standard input ('-') can be read only once"),
        ]
        for (arguments, message) in cases {
            let run = try runTool("slog-tail", arguments)
            #expect(run.status == 2, "\(arguments)")
            #expect(run.stdout.isEmpty)
            #expect(run.stderr == "slog-tail: \(message)\nTry 'slog-tail --help'.\n", "\(arguments)")
        }
    }

    @Test func helpListsEveryOptionWithExamples() throws {
        let run = try runTool("slog-tail", ["--help"])
        #expect(run.status == 0 && run.stderr.isEmpty)
        for option in ["--blocks N", "--height H", "--from-height A", "--to-height B", "--crank N", "--type T[,T...]", "-n N",
                       "--markers", "-f, --follow", "--info", "--json", "--verify", "--format F", "Examples:", "Exit status: 0 ok"] {
            #expect(run.stdout.contains(option), "\(option)")
        }
        #expect(try runTool("slog-tail", ["-h"]).stdout == run.stdout)
    }

    @Test func unreadableFilesExitTwoButTheOthersArePrinted() throws {
        try withTemporaryDirectory { dir in
            let good = "\(dir)/good.slog"
            try writeLines(good, [#"{"type":"a"}"#])
            let run = try runTool("slog-tail", ["/nonexistent/x.ring", good, dir])
            #expect(run.status == 2)
            #expect(run.stdout == slogText([#"{"type":"a"}"#]))
            #expect(run.stderr == """
                slog-tail: /nonexistent/x.ring: cannot open: No such file or directory
                slog-tail: \(dir): cannot open: Is a directory

                """)
            let tooShort = "\(dir)/short.ring"
            try writeFile(tooShort, Array("SLOGRNG\0".utf8) + [1, 0])
            let short = try runTool("slog-tail", [tooShort])
            #expect(short.status == 2)
            #expect(short.stderr.hasPrefix("slog-tail: \(tooShort): not a SlogRing file: "))
        }
    }

    @Test func readerClosingThePipeEndsItQuietly() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/big.slog"
            try writeLines(path, (0..<100_000).map { numberedRecord($0, padding: 40) })
            let process = Process()
            process.executableURL = builtProductsDirectory().appendingPathComponent("slog-tail")
            process.arguments = [path]
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let first = out.fileHandleForReading.readData(ofLength: 100)  // like `| head -c 100`
            #expect(first.count == 100)
            try out.fileHandleForReading.close()
            process.waitUntilExit()
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 0)
            #expect(err.fileHandleForReading.readDataToEndOfFile().isEmpty)
        }
    }
}
