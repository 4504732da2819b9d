import FlightRecorder
import SlogModel
import ToolSupport

#if canImport(Glibc)
import Glibc
#endif

/// The command line of `slog-record`, read through ToolSupport's `ArgumentCursor`.
struct Options {
    var ring: String?
    var capacity = FlightRecorder.Configuration(path: "").capacity
    var retention = FlightRecorder.Configuration(path: "").retention
    var automaticMarkers = true
    /// `--halt-on` specifications, parsed; the kernel-panic trigger is on unless
    /// `--no-kernel-panic-trigger`.
    var haltTriggers: [HaltTrigger] = []
    var kernelPanicTrigger = true
    /// `--halt-log FILE`: agd's log, followed by name across rotation and truncation.
    var haltLog: String?
    /// `--halt-log-command CMD`: a command whose output is agd's log (`journalctl -fu agd -o cat`).
    var haltLogCommand: String?
    /// `--max-black-boxes N`.
    var maximumBlackBoxes = FlightRecorder.Configuration(path: "").maximumBlackBoxes
    var reopenOnEOF = false
    var acknowledge = false
    var input: String?
    /// `--listen PATH`: the Unix socket the node's slog sender connects to.
    var listen: String?
    /// `--socket-mode`: permission bits of the listening socket.
    var socketMode: mode_t = 0o660
    /// `--socket-group`: the listening socket's group, as given (a name or a number).
    var socketGroup: String?
    var help = false
    var version = false

    typealias UsageError = CommandLineUsageError

    static func parse(_ arguments: [String]) throws(UsageError) -> Options {
        var options = Options()
        var socketModeGiven = false
        let takesValue: Set = [
            "--ring", "--capacity", "--retain-blocks", "--retain-only", "--halt-on", "--halt-log", "--halt-log-command",
            "--max-black-boxes", "--listen", "--socket-mode", "--socket-group",
        ]
        var cursor = ArgumentCursor(arguments, takesValue: takesValue)
        while let item = try cursor.next() {
            let argument: String
            switch item {
            case .path(let path):
                guard path != "-" else {
                    options.input = nil
                    continue
                }
                guard options.input == nil else { throw UsageError(message: "more than one INPUT ('\(path)')") }
                options.input = path
                continue
            case .option(let name):
                argument = name
            }
            switch argument {
            case "-h", "--help": options.help = true
            case "--version": options.version = true
            case "--ring": options.ring = try cursor.value()
            case "--capacity":
                let text = try cursor.value()
                guard let bytes = parseSize(text) else {
                    throw UsageError(message: "--capacity '\(text)' is not a size (examples: 268435456, 256M, 1G)")
                }
                options.capacity = bytes
            case "--retain-blocks":
                let text = try cursor.value()
                guard let count = Int(text), count >= 0 else {
                    throw UsageError(message: "--retain-blocks '\(text)' is not a whole number of blocks")
                }
                options.retention = .keepingWhatFits(protecting: count)
            case "--retain-only":
                let text = try cursor.value()
                guard let count = Int(text), count >= 0 else {
                    throw UsageError(message: "--retain-only '\(text)' is not a whole number of blocks")
                }
                options.retention = .onlyLastCommittedBlocks(count)
            case "--retain-all": options.retention = .keepingWhatFits(protecting: 0)
            case "--no-markers": options.automaticMarkers = false
            case "--halt-on":
                let text = try cursor.value()
                // `TYPE[,TYPE...]` or one `TYPE:FIELD=TEXT` (whose TEXT may hold commas).
                let specifications = text.contains(":") ? [text] : text.split(separator: ",").map(String.init)
                for specification in specifications {
                    do { options.haltTriggers.append(try HaltTrigger.parse(specification)) } catch {
                        throw UsageError(message: "--halt-on '\(specification)': \(error)")
                    }
                }
            case "--no-kernel-panic-trigger": options.kernelPanicTrigger = false
            case "--halt-log": options.haltLog = try cursor.value()
            case "--halt-log-command": options.haltLogCommand = try cursor.value()
            case "--max-black-boxes":
                let text = try cursor.value()
                guard let count = Int(text), count >= 1 else {
                    throw UsageError(message: "--max-black-boxes '\(text)' is not a whole number of boxes (at least 1)")
                }
                options.maximumBlackBoxes = count
            case "--reopen": options.reopenOnEOF = true
            case "--ack": options.acknowledge = true
            case "--listen":
                let path = try cursor.value()
                guard !path.isEmpty else { throw UsageError(message: "--listen needs a socket path") }
                options.listen = path
            case "--socket-mode":
                let text = try cursor.value()
                guard let mode = mode_t(text, radix: 8), mode <= 0o777 else {
                    throw UsageError(message: "--socket-mode '\(text)' is not permission bits in octal (examples: 0660, 0600)")
                }
                options.socketMode = mode
                socketModeGiven = true
            case "--socket-group": options.socketGroup = try cursor.value()
            default:
                throw UsageError(message: "unknown option '\(argument)'")
            }
        }
        if options.help || options.version { return options }
        if options.kernelPanicTrigger && !options.haltTriggers.contains(.kernelPanic) {
            options.haltTriggers.append(.kernelPanic)
        }
        if options.haltLog != nil && options.haltLogCommand != nil {
            throw UsageError(message: "--halt-log and --halt-log-command both name agd's log; give one")
        }
        if options.ring == nil { throw UsageError(message: "--ring PATH is required") }
        if options.listen != nil {
            if options.input != nil { throw UsageError(message: "--listen reads a socket; it takes no INPUT") }
            if options.reopenOnEOF {
                throw UsageError(message: "--reopen is for a named pipe INPUT; --listen already keeps recording across connections")
            }
        } else if socketModeGiven || options.socketGroup != nil {
            throw UsageError(message: "--socket-mode and --socket-group go with --listen")
        }
        if options.reopenOnEOF && options.input == nil {
            throw UsageError(message: "--reopen needs a named pipe INPUT (standard input cannot be reopened)")
        }
        return options
    }
}

/// `268435456`, `256K`, `256M`, `1G` (powers of 1024; `KiB`/`MiB`/`GiB`/`B` suffixes also).
func parseSize(_ text: String) -> Int? {
    var digits = Substring(text)
    var multiplier = 1
    for (suffix, factor) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("G", 1 << 30), ("M", 1 << 20),
                             ("K", 1 << 10), ("B", 1)] where digits.hasSuffix(suffix) {
        digits = digits.dropLast(suffix.count)
        multiplier = factor
        break
    }
    guard let value = Int(digits), value > 0, value <= Int.max / multiplier else { return nil }
    return value * multiplier
}
