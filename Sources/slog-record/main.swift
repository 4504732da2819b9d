/// slog-record: record a node's slog from its slog sender (a Unix socket), a FIFO, a file or a
/// pipe into a FlightRecorder ring.
///
/// Usage:
///   slog-record --ring PATH --listen SOCKET [--socket-mode MODE] [--socket-group GROUP] [OPTIONS]
///   slog-record --ring PATH [--reopen] [OPTIONS] [INPUT]
///
/// With `--listen`, the node's `flight-recorder-sender.js` (integrations/agoric) connects and
/// streams its slog; the recorder acknowledges line counts and records the sender's loss
/// reports as sender-lost markers (integrations/agoric/PROTOCOL.md). Every line is recorded
/// through FlightRecorder with automatic block and crank markers. Memory is bounded: a 1 MiB
/// read buffer plus the longest line the ring can hold.
///
/// Exit status: 0 on end of input or SIGTERM/SIGINT (the ring is consistent and closed);
/// 1 when reading the input failed; 2 usage error, or the ring, input or socket cannot be opened.
import ToolSupport
import FlightRecorder
import SlogRing

#if canImport(Glibc)
import Glibc
#endif

let usageText = """
    usage: slog-record --ring PATH --listen SOCKET [--socket-mode MODE] [--socket-group GROUP] [OPTIONS]
           slog-record --ring PATH [--reopen] [OPTIONS] [INPUT]

    Record slog lines (one JSON object per line) into the flight-recorder ring at PATH: from
    the node's slog sender connecting to SOCKET (--listen), or from INPUT, a file or named
    pipe, or from standard input when INPUT is absent or '-'. Block and crank markers are
    added automatically from the slog's own begin-block, crank-finish and commit records; the
    ring keeps as many blocks as fit, and the open block plus the last K committed ones are
    protected (overwriting them is counted and marked as a drop).

      --ring PATH             the ring file (created mode 0600 if missing; required)
      --listen SOCKET         create a Unix socket at SOCKET and record what the node's
                              flight-recorder-sender.js sends there; a new connection (a
                              restarted node) replaces the old one; runs until a signal
      --socket-mode MODE      permission bits of SOCKET, octal (default 0660: the owner and
                              the group may connect)
      --socket-group GROUP    group of SOCKET, a name or number (the node's group, so a node
                              running as another user can connect)
      --capacity SIZE         data bytes of a new ring: 268435456, 256M, 1G (default 256M)
      --retain-blocks K       protect the last K committed blocks (default 2); older ones
                              stay readable until the ring needs their room
      --retain-only K         strict: release everything older than the last K committed
                              blocks at each commit
      --retain-all            protect no committed block (same as --retain-blocks 0)
      --no-markers            record lines only; no automatic markers

    Black boxes (a sealed, compact copy of the ring, blackbox-HEIGHT-HASH.ring beside it):
      --halt-log FILE         follow agd's log FILE by name (across rotation and truncation,
                              like tail -F); on CometBFT's "CONSENSUS FAILURE!!!" line preserve
                              the box of the last committed block, with the expected and got
                              app hashes
      --halt-log-command CMD  the same for the output of CMD, run with /bin/sh and restarted
                              if it ends (journalctl -fu agd -o cat)
      --halt-on SPEC          also preserve on a slog record: SPEC is TYPE or
                              TYPE:FIELD=TEXT (TEXT found in that field); frequent types such
                              as console are refused without a field. Repeatable.
      --no-kernel-panic-trigger
                              do not preserve on a SwingSet kernel panic (on by default: a
                              console record whose args hold "##### KERNEL PANIC")
      --max-black-boxes N     at most N boxes in the directory (default 8); a later trigger
                              is counted and logged, not preserved. One box per height.
      --reopen                INPUT is a named pipe: at the end of its writer, wait for the
                              next writer instead of exiting (refused for other files)
      --ack                   print the number of records recorded so far after each record
                              (one line each, for supervisors and tests)
      --version               print the version
      -h, --help              show this help

    Signals, acted on in every state (waiting for a connection or a writer, recording):
    SIGTERM or SIGINT closes the ring and exits 0; SIGUSR1 preserves the black box for the
    last committed block and recording continues in a fresh ring.
    A line that is not shaped like a JSON object (its first non-blank byte '{', its last '}';
    lines are not parsed) is recorded as it is and counted as "not JSON". A line too large for
    the ring is replaced by a record-too-large marker with its first 256 bytes. A loss report
    of the sender becomes a sender-lost marker (slog-tail --markers, slog-tail --info).

    Examples:
      slog-record --ring /var/lib/agd/flight.ring --listen /run/flight-recorder/slog.sock \\
                  --socket-group agd
      # and on the node: SLOGSENDER=/usr/local/share/flight-recorder/flight-recorder-sender.js
      #                  FLIGHT_RECORDER_SOCKET=/run/flight-recorder/slog.sock

      slog-record --ring /var/lib/agd/flight.ring --listen /run/flight-recorder/slog.sock \
                  --halt-log-command 'journalctl -fu agd -o cat'

      agd start 2>&1 | slog-record --ring flight.ring --capacity 512M

    On exit a one-line summary goes to standard error.
    Exit status: 0 end of input or SIGTERM/SIGINT; 1 reading the input failed; 2 usage error,
    or the ring, the input or the socket cannot be opened.

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
if options.version {
    writeOutput("slog-record \(FlightRecorder.version)\n")
    exit(0)
}
Signals.install()
// A ring truncated under the recorder stops the recording instead of killing it (issue 15).
FlightRecorder.installTruncationGuard()
// Prefault the ring ahead of the writer on a background thread instead of all of it at open:
// recording a few MB no longer costs prefaulting 256 MiB, and the resident size grows with
// what was written (issue #17).
RingWriter.prefaulting = .aheadOfWriter
exit(Session.run(options))
