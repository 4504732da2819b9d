/// slog-record: record a node's slog from a pipe, FIFO or file into a FlightRecorder ring.
///
/// Usage:
///   slog-record --ring PATH [--capacity SIZE] [--retain-blocks K | --retain-all] [--no-markers]
///               [--halt-on TYPE[,TYPE...]] [--reopen] [--ack] [INPUT]
///
/// For nodes that can only write their slog to a file path (Agoric's SLOGFILE may name a FIFO):
/// every line is recorded through FlightRecorder with automatic block and crank markers.
/// Memory is bounded: a 1 MiB read buffer plus the longest line the ring can hold.
///
/// Exit status: 0 on end of input or SIGTERM/SIGINT (the ring is consistent and closed);
/// 1 when reading the input failed; 2 usage error, or the ring or input cannot be opened.
import ToolSupport
import FlightRecorder

#if canImport(Glibc)
import Glibc
#endif

let usageText = """
    usage: slog-record --ring PATH [OPTIONS] [INPUT]

    Record slog lines (one JSON object per line) from INPUT, a file or named pipe, or from
    standard input when INPUT is absent or '-', into the flight-recorder ring at PATH. Block and
    crank markers are added automatically from the slog's own begin-block, crank-finish and
    commit records; committed blocks older than the retained ones are released.

      --ring PATH             the ring file (created mode 0600 if missing; required)
      --capacity SIZE         data bytes of a new ring: 268435456, 256M, 1G (default 256M)
      --retain-blocks K       keep the last K committed blocks readable (default 2)
      --retain-all            release nothing: keep as much recent history as fits
      --no-markers            record lines only; no automatic markers
      --halt-on TYPE[,TYPE]   preserve the black box when a record of this type arrives
      --reopen                at end of INPUT (a named pipe whose writer closed), wait for the
                              next writer instead of exiting
      --ack                   print the number of records recorded so far after each record
                              (one line each, for supervisors and tests)
      -h, --help              show this help

    Signals: SIGTERM or SIGINT closes the ring and exits 0; SIGUSR1 preserves the black box
    for the last committed block (as --halt-on does) and recording continues in a fresh ring.
    A line that is not a JSON object is recorded as it is and counted. A line too large for
    the ring is replaced by a record-too-large marker with its first 256 bytes.

    Examples:
      mkfifo /var/lib/agd/slog.fifo
      slog-record --ring /var/lib/agd/flight.ring --reopen /var/lib/agd/slog.fifo &
      SLOGFILE=/var/lib/agd/slog.fifo agd start

      agd start 2>&1 | slog-record --ring flight.ring --capacity 512M

    On exit a one-line summary goes to standard error.
    Exit status: 0 end of input or SIGTERM/SIGINT; 1 reading the input failed; 2 usage error,
    or the ring or the input cannot be opened.

    """

let options: Options
do { options = try Options.parse(Array(CommandLine.arguments.dropFirst())) } catch {
    writeError("slog-record: \(error.message)\nTry 'slog-record --help'.\n")
    exit(2)
}
if options.help {
    writeOutput(usageText)
    exit(0)
}
Signals.install()
// A ring truncated under the recorder stops the recording instead of killing it (issue 15).
FlightRecorder.installTruncationGuard()
exit(Session.run(options))
