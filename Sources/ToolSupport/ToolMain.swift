internal import SlogRing

/// How every tool starts: `--version` alone prints `NAME VERSION`; the command line is parsed
/// (a usage error prints `NAME: message` and a hint, exit 2); `--help` prints `usage`;
/// otherwise `run` does the work and its result is the exit status.
package func toolMain<Options>(
    name: String, version: String, usage: String,
    parse: ([String]) throws(CommandLineUsageError) -> Options, wantsHelp: (Options) -> Bool,
    run: (Options, inout OutputBuffer) -> Int32
) -> Never {
    var output = OutputBuffer(toolName: name)
    let arguments = Array(CommandLine.arguments.dropFirst())
    if arguments == ["--version"] {
        writeOutput("\(name) \(version)\n")
        system_exit(0)
    }
    let options: Options
    do { options = try parse(arguments) } catch {
        writeError("\(name): \(error.message)\nTry '\(name) --help'.\n")
        system_exit(2)
    }
    if wantsHelp(options) {
        output.append(usage)
        output.flush()
        system_exit(0)
    }
    system_exit(run(options, &output))
}
