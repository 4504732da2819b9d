/// slog-demo: a self-contained tour of the flight recorder's ring on embedded defaults.
///
/// Usage:
///   slog-demo [--blocks N] [--capacity BYTES] [--keep]
///
/// 1. Records N blocks of Agoric-shaped slog into a small ring (so it wraps many times) while a
///    live reader follows it, and checks every record the reader got.
/// 2. Starts a writer process, kills it with SIGKILL mid-block, reopens the ring, and shows that
///    every acknowledged record survived, with nothing torn.
/// Files go to a temporary directory that is removed unless --keep is given.
///
/// Exit status: 0 when every check passed, 1 when one failed, 2 on a usage error.
import Foundation
import SlogRing
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

struct DemoOptions {
    var blocks = 400
    var capacity = 256 * 1024
    var keep = false
    var childRing: String?
}

func parseOptions() -> DemoOptions {
    var options = DemoOptions()
    var arguments = Array(CommandLine.arguments.dropFirst())
    func value(_ name: String) -> String {
        guard !arguments.isEmpty else { usageError("\(name) needs a value") }
        return arguments.removeFirst()
    }
    while !arguments.isEmpty {
        let argument = arguments.removeFirst()
        switch argument {
        case "-h", "--help":
            print("""
                usage: slog-demo [--blocks N] [--capacity BYTES] [--keep]

                Records N blocks (default 400) of validator-shaped slog into a ring of BYTES
                (default 262144) while a live reader follows it, then kills a writer process
                with SIGKILL mid-block and shows the ring reopening intact.

                  --keep   keep the ring files and print where they are

                Exit status: 0 all checks passed, 1 a check failed, 2 usage error.
                """)
            exit(0)
        case "--blocks": options.blocks = positive(value(argument), argument)
        case "--capacity": options.capacity = positive(value(argument), argument)
        case "--keep": options.keep = true
        case "--child-writer": options.childRing = value(argument)  // internal: the process step 2 kills
        default: usageError("unknown argument '\(argument)'")
        }
    }
    return options
}

func positive(_ text: String, _ name: String) -> Int {
    guard let number = Int(text), number > 0 else { usageError("\(name) needs a positive integer, got '\(text)'") }
    return number
}

func usageError(_ message: String) -> Never {
    FileHandle.standardError.write(Data("slog-demo: \(message)\nTry 'slog-demo --help'.\n".utf8))
    exit(2)
}

func check(_ condition: Bool, _ message: String) {
    if condition {
        print("  ok    \(message)")
    } else {
        print("  FAIL  \(message)")
        failures.add(1, ordering: .relaxed)
    }
}

let failures = Atomic<Int>(0)
let options = parseOptions()

if let ring = options.childRing {
    // The writer the parent kills: records blocks forever, acknowledging each block's last record.
    var writer = try RingWriter.openOrCreate(path: ring, capacity: options.capacity)
    var slog = SyntheticSlog()
    var height: UInt64 = 1
    while true {
        for line in slog.block(height: height, cranks: 8) { _ = try writer.append(line) }
        FileHandle.standardOutput.write(Data("\(writer.nextRecordSequence - 1)\n".utf8))
        height += 1
    }
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slog-demo-\(getpid())").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
defer {
    if options.keep { print("\nFiles kept in \(directory)") } else { try? FileManager.default.removeItem(atPath: directory) }
}

// MARK: Step 1: record blocks while a live reader follows.
print("1. Recording \(options.blocks) blocks into a \(options.capacity / 1024) KiB ring while a live reader follows it")
try recordWithLiveReader(directory: directory)

// MARK: Step 2: kill -9 a writer mid-block.
print("\n2. Killing a writer process with SIGKILL mid-block, then reopening its ring")
try killWriterAndReopen(directory: directory)

print("\nInspect a ring with: swift run slog-tail --info FILE   (or dump it: swift run slog-tail FILE)")
let failed = failures.load(ordering: .relaxed)
print(failed == 0 ? "All checks passed." : "\(failed) check(s) FAILED.")
exit(failed == 0 ? 0 : 1)

