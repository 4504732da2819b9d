import ToolSupport
import SlogInput

/// Command-line options of slog-tail, parsed by hand (no dependencies).
struct Options {
    enum Mode { case dump, info, verify, summary }

    var paths: [String] = []
    var mode = Mode.dump
    var format: SlogFormat?
    var json = false
    var follow = false
    /// `-F`: follow the path, not the file: after the ring is sealed (a black box preserved)
    /// or replaced, go on with the ring at the same path.
    var followName = false
    /// `--since T` / `--until T`: records whose slog `time` lies in this range (seconds since
    /// the epoch; `until` inclusive).
    var since: Double?
    var until: Double?
    var markers = false
    /// `-n N`: only the last N records of the selection.
    var lastRecords: Int?
    /// `--blocks N`: only the records of the last N blocks.
    var lastBlocks: Int?
    /// `--height H`, or `--from-height A` / `--to-height B`.
    var heights: ClosedRange<UInt64>?
    var crank: UInt64?
    var types: [String] = []
    var help = false

    typealias UsageError = CommandLineUsageError

    /// Whether any option narrows which records are printed.
    var selects: Bool {
        lastRecords != nil || lastBlocks != nil || heights != nil || crank != nil || !types.isEmpty || markers
            || since != nil || until != nil
    }

    static func parse(_ arguments: [String]) throws(UsageError) -> Options {
        var options = Options()
        var fromHeight: UInt64?
        var toHeight: UInt64?
        var height: UInt64?
        let takesValue: Set = [
            "-n", "--blocks", "--height", "--from-height", "--to-height", "--crank", "--type", "--format", "--since", "--until",
        ]
        var cursor = ArgumentCursor(arguments, takesValue: takesValue, shortWithInlineValue: "-n")
        while let item = try cursor.next() {
            guard case .option(let argument) = item else {
                if case .path(let path) = item { options.paths.append(path) }
                continue
            }
            func value() throws(UsageError) -> String { try cursor.value() }
            func number(_ what: String) throws(UsageError) -> UInt64 {
                let text = try value()
                guard let number = UInt64(text) else {
                    throw UsageError(message: "\(argument) '\(text)' is not \(what) (a whole number ≥ 0)")
                }
                return number
            }
            func count() throws(UsageError) -> Int { Int(clamping: try number("a count")) }
            switch argument {
            case "-h", "--help": options.help = true
            case "--info": try options.setMode(.info)
            case "--verify": try options.setMode(.verify)
            case "--json": options.json = true
            case "-f", "--follow": options.follow = true
            case "-F", "--follow-name":
                options.follow = true
                options.followName = true
            case "--summary": try options.setMode(.summary)
            case "--since", "--until":
                let text = try value()
                guard let time = SlogTime.parse(text) else {
                    throw UsageError(message: "\(argument) '\(text)' is not a time (seconds since the epoch, or ISO-8601 such as 2026-12-03T13:00:00Z)")
                }
                if argument == "--since" { options.since = time } else { options.until = time }
            case "--markers": options.markers = true
            case "-n": options.lastRecords = try count()
            case "--blocks": options.lastBlocks = try count()
            case "--height": height = try number("a block height")
            case "--from-height": fromHeight = try number("a block height")
            case "--to-height": toHeight = try number("a block height")
            case "--crank": options.crank = try number("a crank number")
            case "--type":
                let names = try value().split(separator: ",", omittingEmptySubsequences: true).map(String.init)
                guard !names.isEmpty else { throw UsageError(message: "--type needs at least one record type") }
                options.types += names
            case "--format": options.format = try cursor.value(parsedBy: SlogFormat.init(rawValue:), problem: SlogFormat.unknown)
            default:
                throw UsageError(message: "unknown option '\(argument)'")
            }
        }
        if options.help { return options }

        if let height {
            guard fromHeight == nil && toHeight == nil else {
                throw UsageError(message: "--height cannot be combined with --from-height or --to-height")
            }
            options.heights = height...height
        } else if fromHeight != nil || toHeight != nil {
            let low = fromHeight ?? 0
            let high = toHeight ?? UInt64.max
            guard low <= high else {
                throw UsageError(message: "--from-height \(low) is above --to-height \(high)")
            }
            options.heights = low...high
        }
        if options.lastBlocks != nil && options.heights != nil {
            throw UsageError(message: "--blocks cannot be combined with --height, --from-height or --to-height")
        }
        guard !options.paths.isEmpty else { throw UsageError(message: "missing FILE (use - for standard input)") }
        if options.paths.filter({ $0 == "-" }).count > 1 {
            throw UsageError(message: "standard input ('-') can be read only once")
        }
        if let since = options.since, let until = options.until, since > until {
            throw UsageError(message: "--since is after --until")
        }
        if options.json && options.mode != .info && options.mode != .summary {
            throw UsageError(message: "--json goes with --info or --summary")
        }
        if options.mode == .summary {
            if options.lastRecords != nil || options.crank != nil || !options.types.isEmpty || options.markers {
                throw UsageError(message: "--summary selects by block and time only (--blocks, --height, --from-height, --to-height, --since, --until)")
            }
            if options.follow { throw UsageError(message: "--summary cannot be combined with --follow") }
        } else if options.mode != .dump {
            let name = options.mode == .info ? "--info" : "--verify"
            if options.selects { throw UsageError(message: "\(name) reads the whole file; it takes no selection options") }
            if options.follow { throw UsageError(message: "\(name) cannot be combined with --follow") }
        }
        if options.follow {
            guard options.paths.count == 1 else { throw UsageError(message: "--follow follows one FILE") }
            if options.format == .agoric {
                throw UsageError(message: "--follow works with SlogRing files and JSON lines, not Agoric files (they have no positions to tell a lapped reader)")
            }
        }
        return options
    }

    private mutating func setMode(_ new: Mode) throws(UsageError) {
        if mode != .dump && mode != new { throw UsageError(message: "--info, --verify and --summary cannot be combined") }
        mode = new
    }
}
