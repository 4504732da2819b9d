import FlightRecorder

/// The command line of `slog-record`, parsed by hand (no dependencies).
struct Options {
    var ring: String?
    var capacity = FlightRecorder.Configuration(path: "").capacity
    var retention = FlightRecorder.Configuration(path: "").retention
    var automaticMarkers = true
    var haltOnTypes: [String] = []
    var reopenOnEOF = false
    var acknowledge = false
    var input: String?
    var help = false

    struct UsageError: Error { var message: String }

    static func parse(_ arguments: [String]) throws(UsageError) -> Options {
        var options = Options()
        var index = 0
        func value(_ name: String) throws(UsageError) -> String {
            index += 1
            guard index < arguments.count else { throw UsageError(message: "\(name) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "-h", "--help": options.help = true
            case "--ring": options.ring = try value(argument)
            case "--capacity":
                let text = try value(argument)
                guard let bytes = parseSize(text) else {
                    throw UsageError(message: "--capacity '\(text)' is not a size (examples: 268435456, 256M, 1G)")
                }
                options.capacity = bytes
            case "--retain-blocks":
                let text = try value(argument)
                guard let count = Int(text), count >= 0 else {
                    throw UsageError(message: "--retain-blocks '\(text)' is not a whole number of blocks")
                }
                options.retention = .committedBlocks(count)
            case "--retain-all": options.retention = .asMuchAsFits
            case "--no-markers": options.automaticMarkers = false
            case "--halt-on": options.haltOnTypes += try value(argument).split(separator: ",").map(String.init)
            case "--reopen": options.reopenOnEOF = true
            case "--ack": options.acknowledge = true
            case "-": options.input = nil
            default:
                if argument.hasPrefix("-") { throw UsageError(message: "unknown option '\(argument)'") }
                guard options.input == nil else { throw UsageError(message: "more than one INPUT ('\(argument)')") }
                options.input = argument
            }
            index += 1
        }
        if !options.help && options.ring == nil { throw UsageError(message: "--ring PATH is required") }
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
