/// Command-line options of slog-tail, parsed by hand (no dependencies).
struct Options {
    var path = ""
    var info = false
    var json = false
    var verify = false
    var help = false

    struct UsageError: Error {
        var message: String
    }

    static func parse(_ arguments: [String]) throws(UsageError) -> Options {
        var options = Options()
        var paths: [String] = []
        for argument in arguments {
            switch argument {
            case "-h", "--help": options.help = true
            case "--info": options.info = true
            case "--json": options.json = true
            case "--verify": options.verify = true
            case _ where argument.hasPrefix("-") && argument != "-":
                throw UsageError(message: "unknown option '\(argument)'")
            default: paths.append(argument)
            }
        }
        if options.help { return options }
        guard paths.count == 1 else {
            throw UsageError(message: paths.isEmpty ? "missing FILE" : "expected one FILE, got \(paths.count)")
        }
        if options.json && !options.info { throw UsageError(message: "--json goes with --info") }
        options.path = paths[0]
        return options
    }
}
