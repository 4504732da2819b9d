/// slog-tail: print the slog records of a flight-recorder file, oldest first, one JSON line each.
///
/// Usage:
///   slog-tail [OPTIONS] FILE...
///   slog-tail --info [--json] FILE...
///   slog-tail --verify FILE...
///   slog-tail --summary [--json] FILE...
///
/// Reads our SlogRing files, Agoric's `flight-recorder.bin` and JSON-lines slogfiles (`-` for
/// standard input), recognised by their first bytes. Every slog record is printed as the exact
/// bytes that were recorded plus a newline, so the output is a slogfile. Several FILEs are read
/// in order as one stream. Selections (`--blocks`, `--height`, `--crank`, `--type`, `-n`)
/// narrow the output; `--follow` keeps printing as a live writer appends. The readers live in
/// the `SlogInput` module, shared with `slog-diff`.
///
/// Exit status: 0 success; 1 damaged input (everything that could be read was printed);
/// 2 usage error or unreadable file.
import ToolSupport
import SlogInput
import SlogRing
import SlogModel

#if canImport(Glibc)
import Glibc
#endif

let usageText = """
    usage: slog-tail [OPTIONS] FILE...
           slog-tail --info [--json] FILE...
           slog-tail --verify FILE...
           slog-tail --summary [--json] FILE...

    Print the slog records of flight-recorder files oldest first, each as the exact JSON line
    that was recorded, so the output is a valid slogfile. FILE is a SlogRing (.ring), Agoric's
    flight-recorder.bin, or a JSON-lines slogfile; '-' reads a slogfile from standard input.
    Several FILEs are read in order as one stream.

    Selection (combine freely, except --blocks with the height options):
      --blocks N            the records of the last N blocks
      --height H            the records of block H
      --from-height A       the records of blocks A and later
      --to-height B         the records of blocks B and earlier
      --crank N             the records of crank N (their top-level crankNum)
      --since T, --until T  records whose slog time lies from T to T (T: seconds since the
                            epoch, or ISO-8601 such as 2026-12-03T13:00:00Z; a record without
                            a time goes with the record before it)
      --type T[,T...]       records of these types only (repeatable)
      -n N                  only the last N of the selected records
      --markers             also print the recorder's own markers (block begin/commit, crank,
                            restarts, drops, halt) as JSON lines of type flight-recorder-*
    A record belongs to block H from H's begin-block record (or marker) to its commit.

    Modes:
      -f, --follow          keep printing as a live writer appends to a ring or slogfile; a
                            reader the writer overtook (or whose records strict retention
                            released) says on stderr how many records it lost, then goes on;
                            stops when the ring is sealed
      -F                    like -f, but follow the path: after the ring is sealed (a black
                            box preserved) or replaced, go on with the new ring at that path
      --summary             one line per block (height, time, cranks, deliveries, syscalls,
                            bytes, run time, a bar scaled to the busiest block) and a
                            crank-duration histogram; --json for the same as JSON
      --info                describe each file: format, capacity, bytes used, records,
                            oldest/newest height and crank, drops, restarts, sealed, writer;
                            for a black box: its identifier, reason, halt time, app hashes
                            and the heights it holds
      --json                with --info: one JSON object per file, one per line; with
                            --summary: one JSON object
      --verify              check every record; print each problem with its byte offset and a
                            summary; exit 1 if the file is damaged
      --format F            read FILE as F (ring, agoric or jsonl) instead of recognising it
      --version             print the version
      -h, --help            show this help

    Examples:
      slog-tail node.ring > last-blocks.slog          # everything the ring holds
      slog-tail --blocks 2 blackbox-1234-ab12.ring    # the last two blocks of a black box
      slog-tail --height 1234 --type deliver,syscall node.ring
      slog-tail -n 20 ~/.agoric/data/agoric/flight-recorder.bin
      slog-tail -f --markers node.ring                # watch a running node
      slog-tail -F node.ring                          # ... and go on after a black box
      slog-tail --summary --blocks 20 node.ring       # the last 20 blocks at a glance
      slog-tail --since 2026-12-03T13:00:00Z --until 2026-12-03T13:05:00Z node.ring
      slog-tail --info --json node.ring
      slog-tail --verify uploaded.ring && echo intact
      zcat chain.slog.gz | slog-tail --crank 4711 -

    Problems (damaged or skipped bytes) go to standard error as FILE: offset N: cause.
    Exit status: 0 ok, 1 damaged input (all valid records were still printed), 2 usage error
    or unreadable file.

    """

// A ring truncated while it is read ends the reading there, not the process (the library
// leaves this to the program: issue 15).
RingFile.installTruncationGuard()
toolMain(
    name: "slog-tail", version: flightRecorderVersion, usage: usageText, parse: Options.parse, wantsHelp: \.help,
    run: { options, output in run(options, to: &output) })

/// Reads every FILE as `options` asks; returns the exit status.
func run(_ options: Options, to output: inout OutputBuffer) -> Int32 {
    var unreadable = false
    var damaged = false
    var dumper = Dumper(options)
    var summary = Summary(options)
    if options.followName {
        let status = followName(path: options.paths[0], format: options.format, with: &dumper, to: &output)
        output.flush()
        return status
    }
    for path in options.paths {
        let source: any SlogSource
        do { source = try SlogSources.open(path, format: options.format) } catch {
            output.flush()
            writeError("slog-tail: \(error)\n")
            unreadable = true
            continue
        }
        switch options.mode {
        case .info:
            damaged = describe(source, json: options.json, to: &output).damage > 0 || damaged
        case .verify:
            damaged = verify(source, to: &output).damage > 0 || damaged
        case .summary:
            summary.read(source, output: &output)
        case .dump:
            if options.follow {
                guard source.format != .agoric else {
                    writeError("slog-tail: \(source.displayName): --follow works with SlogRing files and JSON lines, not Agoric files (they have no positions to tell a lapped reader)\n")
                    return 2
                }
                follow(source, with: &dumper, to: &output)
            } else {
                dumper.drain(source, to: &output)
            }
        }
    }
    if options.mode == .summary { summary.write(json: options.json, to: &output) }
    dumper.flushWindows(to: &output)
    output.flush()
    damaged = damaged || dumper.damage > 0 || summary.damage > 0
    return unreadable ? 2 : damaged ? 1 : 0
}
