/// slog-stress: a real writer process for crash tests and soak runs.
///
/// Usage:
///   slog-stress append --ring PATH [--capacity BYTES] [--min-size N] [--max-size N]
///                      [--count N] [--ack] [--seed N]
///       Opens (or creates) the ring and appends records until --count is reached (default:
///       forever). Each record is `StressPayload.make(sequence:length:)`, so a reader can check
///       any record it returns. With --ack, writes "SEQ\n" to stdout after each append returns,
///       with one write(2) per record, so a parent that kills this process knows what was
///       acknowledged.
///   slog-stress bench
///       Moved: the measurement is `swift run -c release slog-bench` (Benchmarks/README.md);
///       `slog-bench append limit 256` is what this command measured. Says so and exits 2.
///   slog-stress --help
///
/// Exit status: 0 success, 1 failure, 2 usage error.
import SlogSamples
import SlogRing
#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String, status: Int32) -> Never {
    let text = "slog-stress: \(message)\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    exit(status)
}

func usage() -> Never {
    print("""
        usage: slog-stress append --ring PATH [--capacity BYTES] [--min-size N] [--max-size N] [--count N] [--ack] [--seed N]
               slog-stress bench   (moved: swift run -c release slog-bench append limit 256)
        """)
    exit(0)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else { fail("missing command (append or bench); see --help", status: 2) }
if command == "--help" || command == "-h" { usage() }
arguments.removeFirst()

var options: [String: String] = [:]
var flags: Set<String> = []
var index = 0
while index < arguments.count {
    let argument = arguments[index]
    if argument == "--ack" || argument == "--help" {
        flags.insert(argument)
    } else if argument.hasPrefix("--"), index + 1 < arguments.count {
        options[argument] = arguments[index + 1]
        index += 1
    } else {
        fail("unexpected argument '\(argument)'; see --help", status: 2)
    }
    index += 1
}
if flags.contains("--help") { usage() }

@MainActor func integer(_ name: String, default value: Int) -> Int {
    guard let text = options[name] else { return value }
    guard let number = Int(text), number >= 0 else { fail("\(name) needs a non-negative integer, got '\(text)'", status: 2) }
    return number
}

switch command {
case "append":
    guard let path = options["--ring"] else { fail("append needs --ring PATH", status: 2) }
    let capacity = integer("--capacity", default: 64 * 1024)
    let minSize = integer("--min-size", default: 16)
    let maxSize = max(minSize, integer("--max-size", default: 600))
    let count = integer("--count", default: Int.max)
    var generator = SplitMix64(seed: UInt64(integer("--seed", default: Int(getpid()))))
    var writer: RingWriter
    do { writer = try RingWriter.openOrCreate(path: path, capacity: capacity) } catch {
        fail("\(error)", status: 1)
    }
    let ack = flags.contains("--ack")
    var written = 0
    while written < count {
        let length = minSize + Int(generator.next() % UInt64(maxSize - minSize + 1))
        let sequence = writer.nextRecordSequence
        let bytes = StressPayload.make(sequence: sequence, length: length)
        do { _ = try writer.append(bytes) } catch { fail("\(error)", status: 1) }
        if ack {
            var line = Array("\(sequence)\n".utf8)
            let result = line.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
            if result < 0 { fail("cannot write acknowledgement: \(String(cString: strerror(errno)))", status: 1) }
        }
        written += 1
    }
    do { try writer.close() } catch { fail("\(error)", status: 1) }

case "bench":
    fail("bench moved to slog-bench: swift run -c release slog-bench append limit 256 (see Benchmarks/README.md)", status: 2)

default:
    fail("unknown command '\(command)'; see --help", status: 2)
}
