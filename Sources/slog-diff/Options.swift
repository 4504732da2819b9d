import ToolSupport
import SlogInput

/// Command-line options of slog-diff, parsed by hand (no dependencies).
struct Options {
    var paths: [String] = []
    var format: SlogFormat?
    var json = false
    var brief = false
    /// `--context N`: records shown before the first differing record.
    var context = 3
    var ignoredFields: [String] = []
    var ignoredTypes: [String] = []
    var help = false

    /// The most `--context` may ask for (records are kept in memory while reading).
    static let maximumContext = 1000

    typealias UsageError = CommandLineUsageError

    static func parse(_ arguments: [String]) throws(UsageError) -> Options {
        var options = Options()
        var cursor = ArgumentCursor(arguments, takesValue: ["-C", "--context", "--ignore-field", "--ignore-type", "--format"], shortWithInlineValue: "-C")
        while let item = try cursor.next() {
            guard case .option(let argument) = item else {
                if case .path(let path) = item { options.paths.append(path) }
                continue
            }
            func value() throws(UsageError) -> String { try cursor.value() }
            func names(_ what: String) throws(UsageError) -> [String] {
                let list = try value().split(separator: ",", omittingEmptySubsequences: true).map(String.init)
                guard !list.isEmpty else { throw UsageError(message: "\(argument) needs at least one \(what)") }
                return list
            }
            switch argument {
            case "-h", "--help": options.help = true
            case "--json": options.json = true
            case "-q", "--brief": options.brief = true
            case "-C", "--context":
                let text = try value()
                guard let count = Int(text), count >= 0 else {
                    throw UsageError(message: "\(argument) '\(text)' is not a count (a whole number ≥ 0)")
                }
                guard count <= maximumContext else {
                    throw UsageError(message: "\(argument) \(count) is more than \(maximumContext) records")
                }
                options.context = count
            case "--ignore-field": options.ignoredFields += try names("field name")
            case "--ignore-type": options.ignoredTypes += try names("record type")
            case "--format": options.format = try cursor.value(parsedBy: SlogFormat.init(rawValue:), problem: SlogFormat.unknown)
            default:
                throw UsageError(message: "unknown option '\(argument)'")
            }
        }
        if options.help { return options }
        guard options.paths.count >= 2 else {
            throw UsageError(message: options.paths.isEmpty ? "missing inputs: give two or more" : "one input: give two or more to compare")
        }
        if options.paths.filter({ $0 == "-" }).count > 1 {
            throw UsageError(message: "standard input ('-') can be read only once")
        }
        if options.paths.count > 26 {
            throw UsageError(message: "at most 26 inputs (they are labelled A to Z)")
        }
        if options.json && options.brief { throw UsageError(message: "--json and --brief cannot be combined") }
        return options
    }
}
