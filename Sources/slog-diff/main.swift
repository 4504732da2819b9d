/// slog-diff: find the first crank where validators computed something different.
///
/// Usage:
///   slog-diff [OPTIONS] A B [C ...]
///
/// Takes two or more fragments of validators' slogs (our SlogRing files, Agoric's
/// `flight-recorder.bin`, JSON-lines slogfiles, `-` for standard input), aligns them by
/// (block height, crank number), and reports each input's window, the overlap, the first crank
/// whose `crankhash` (else `activityhash`) differs with the last crank they agreed on, and
/// inside it the first differing record with the JSON paths of the fields that differ
/// (nondeterministic fields ignored: `NondeterministicFields`, extended by `--ignore-field`).
///
/// How: pass 1 reads each input once, all inputs at the same time (a thread each, up to the
/// cores), keeping per crank only its hashes and a digest of its normalized records
/// (`CrankScanner`, `Fragment`), so memory grows with cranks, not bytes; the overlap is walked
/// in crank order (`Comparison`); pass 2 reads the two inputs compared again for the records of
/// the divergent crank (`CrankCapture`, `RecordAlignment`): a slogfile from the first context
/// record before that crank, other formats passing over the records before it unexamined.
///
/// Exit status (the verdict contract, `Verdict.swift`): 1 only for a divergence in consensus
/// content the inputs really show; 2 whenever damage or missing records could hide or fake one
/// and none is shown (the damage named in text and JSON), or on usage errors, unreadable input
/// or no overlap; 0 only when every crank of the overlap was compared and agrees.
import ToolSupport
import SlogModel
import SlogInput
import SlogRing

#if canImport(Glibc)
import Glibc
#endif

let usageText = """
    usage: slog-diff [OPTIONS] A B [C ...]

    Find the first crank where validators computed something different. A, B, ... are
    fragments of different validators' slogs: SlogRing files, Agoric's flight-recorder.bin,
    or JSON-lines slogfiles ('-' reads one from standard input), recognised by their first
    bytes. They are aligned by block height and crank number; each input's window and the
    overlap are reported, then the first crank in the overlap whose crankhash (or, without
    one, activityhash) differs, with its block, vat, delivery kind, both hashes and the last
    crank they agreed on, and inside it the first differing record side by side with the
    JSON paths of the fields that differ. Times, durations and per-node stats are ignored
    (the list is printed by --json under "ignored"), and so are the records only a restarted
    node writes (create-vat, vat-startup-start/-finish, start-replay/finish-replay,
    heap-snapshot-load, replayed deliveries). Records are compared as JSON values: spelling
    (whitespace, escapes, number format, member order) never counts. Where hashes agree but
    records differ, or there are no hashes, the records themselves are compared. With three or
    more inputs, the split and the verdict name every odd validator.

    A crank cut by the start or end of a fragment is compared by its hashes and by the records
    it holds; after a node restart the later execution of a crank counts. A record that is
    not valid JSON is damage, never content. Damage is reported with its offset, and a crank
    that lost records is not counted as compared, even where its hashes agree.

    Verdict and exit status:
      1  divergent: a difference in consensus content the inputs really show (a hash, or
         the records of a crank every input holds intact)
      2  incomplete: damage or missing records could hide or fake a divergence and none is
         shown (the damage is named in the report and in --json); also usage errors,
         unreadable input and no overlap
      0  identical: every crank of the overlap was compared and agrees

    Options:
      --json                one JSON object for scripts (verdict, verdictText, windows,
                            firstDifference, split, odd, records, fields, problems)
      -C, --context N       show N records before the first differing record (default 3)
      --ignore-field F[,F]  also ignore top-level field F in every record (repeatable)
      --ignore-type T[,T]   also leave out records of type T (repeatable)
      -q, --brief           print nothing; only the exit status
      --format F            read every input as F (ring, agoric or jsonl)
      --version             print the version
      -h, --help            show this help

    Examples:
      slog-diff node-a.ring node-b.ring
      slog-diff --json us.ring ~/peer/flight-recorder.bin | jq .firstDifference
      slog-diff -C 10 v1.ring v2.ring v3.ring v4.ring v5.ring    # who is the odd one out?
      slog-diff --ignore-field kernelStats a.slog b.slog
      zcat peer.slog.gz | slog-diff our.ring -
      slog-diff -q a.ring b.ring || echo "they differ (or could not be compared)"

    Colour only on a terminal, and never with NO_COLOR set. A progress line goes to standard
    error while reading, only when it is a terminal.

    """

// A ring truncated while it is read ends the reading there, not the process (issue 15).
RingFile.installTruncationGuard()
toolMain(
    name: "slog-diff", version: flightRecorderVersion, usage: usageText, parse: Options.parse, wantsHelp: \.help,
    run: { options, output in run(options, to: &output) })

/// Compares the inputs `options` names; returns the exit status.
func run(_ options: Options, to output: inout OutputBuffer) -> Int32 {
    let report: Report
    do {
        var inputs: [Input] = []
        for (index, path) in options.paths.enumerated() {
            let label = String(UnicodeScalar(UInt8(ascii: "A") + UInt8(index)))
            let openPath = path == "-" ? try spoolStandardInput() : path
            inputs.append(Input(label: label, displayName: path == "-" ? "standard input" : path, openPath: openPath))
        }
        report = try Diff(options: options, inputs: inputs).run()
    } catch {
        writeError("slog-diff: \(error.message)\n")
        return 2
    }
    if options.brief { return report.exitStatus }
    if options.json {
        output.append(JSONReport(report: report).render())
    } else {
        let noColor = getenv("NO_COLOR").map { $0.pointee != 0 } ?? false
        output.append(TextReport(report: report, color: isatty(1) == 1 && !noColor).render())
    }
    output.flush()
    return report.exitStatus
}
