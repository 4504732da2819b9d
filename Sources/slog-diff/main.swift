/// slog-diff: find the first divergent crank between validators' flight-recorder fragments.
///
/// Not built yet: the comparison is tracked in its own issue. This executable exists so the
/// package layout is complete; it says so plainly and exits 2 rather than pretend to compare.
#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments.dropFirst()
let text = """
    usage: slog-diff A B [C ...]

    Not implemented yet in this build: slog-diff will align validators' fragments by block
    height and crank number and report the first divergent crank. Until then, dump each ring
    with `slog-tail FILE > FILE.slog` and compare the crank-finish lines.

    """
if arguments.contains("--help") || arguments.contains("-h") {
    print(text, terminator: "")
    exit(0)
}
var message = "slog-diff: not implemented yet in this build (see slog-diff --help)\n"
message.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
exit(2)
