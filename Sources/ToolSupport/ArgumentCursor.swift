/// A usage error of a tool's command line: the message after `TOOL: `, exit status 2.
package struct CommandLineUsageError: Error {
    package var message: String
    package init(message: String) { self.message = message }
}

/// Walks a tool's arguments the way slog-tail and slog-diff both read them: paths and `-`
/// anywhere, everything after `--` a path, `--name=value`, one short option that may carry its
/// value glued on (`-n5`, `-C3`), and a clear error for a value given to an option that takes
/// none. The tools keep their own `switch` over option names.
package struct ArgumentCursor {
    package enum Item {
        case path(String)
        case option(String)
    }

    private let arguments: [String]
    private let takesValue: Set<String>
    private let shortWithValue: String?
    private var index = 0
    private var onlyPaths = false
    /// The option `next()` returned last, and its value when it was given inline.
    private var current = ""
    private var inline: String?

    /// - Parameters:
    ///   - takesValue: the options that take a value (`--name=value` is refused for the others).
    ///   - shortWithInlineValue: the short option whose value may follow it directly (`-n`), if any.
    package init(_ arguments: [String], takesValue: Set<String>, shortWithInlineValue: String? = nil) {
        self.arguments = arguments
        self.takesValue = takesValue
        self.shortWithValue = shortWithInlineValue
    }

    /// The next path or option name; `nil` at the end.
    package mutating func next() throws(CommandLineUsageError) -> Item? {
        while index < arguments.count {
            var argument = arguments[index]
            index += 1
            if onlyPaths || argument == "-" || !argument.hasPrefix("-") { return .path(argument) }
            if argument == "--" {
                onlyPaths = true
                continue
            }
            inline = nil
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                inline = String(argument[argument.index(after: equals)...])
                argument = String(argument[..<equals])
            } else if let shortWithValue, argument.hasPrefix(shortWithValue), argument.count > shortWithValue.count {
                inline = String(argument.dropFirst(shortWithValue.count))
                argument = shortWithValue
            }
            if inline != nil && !takesValue.contains(argument) {
                throw CommandLineUsageError(message: "\(argument) takes no value")
            }
            current = argument
            return .option(argument)
        }
        return nil
    }

    /// The value of the option `next()` returned last, converted by `parse`; a usage error
    /// saying `problem(value)` when `parse` refuses it.
    package mutating func value<T>(
        parsedBy parse: (String) -> T?, problem: (String) -> String
    ) throws(CommandLineUsageError) -> T {
        let text = try value()
        guard let parsed = parse(text) else { throw CommandLineUsageError(message: problem(text)) }
        return parsed
    }

    /// The value of the option `next()` returned last: inline, or the following argument.
    package mutating func value() throws(CommandLineUsageError) -> String {
        if let inline { return inline }
        guard index < arguments.count else { throw CommandLineUsageError(message: "\(current) needs a value") }
        index += 1
        return arguments[index - 1]
    }
}
