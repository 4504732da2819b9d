/// slog-demo: the flight recorder's story, self-contained, on embedded defaults.
///
/// Usage:
///   slog-demo [--blocks N] [--diverge-height H] [--diverge-crank K] [--capacity BYTES] [--keep]
///
/// 1. Three validators (alice, bob, carol) run the same blocks through FlightRecorder, each with
///    its own ring, ring size and clock. Carol's state diverges in block H at crank K; she learns
///    it when H+1 is voted on, halts, and preserves her black box, printing the operator message
///    with its HEIGHT-HASH. A fourth validator failing the same way prints the same identifier.
/// 2. `slog-tail --info` shows what carol's black box is and holds (identifier, reason, halt
///    time, app hash, heights), and `slog-tail --summary` shows its blocks at a glance.
/// 3. `slog-diff` over the three rings names the first divergent crank and the differing field.
/// 4. A writer process is killed with SIGKILL mid-block and its ring reopens intact.
/// 5. A live reader follows a small ring that wraps many times and never returns a torn record.
/// Files go to a temporary directory that is removed unless --keep is given.
///
/// Exit status: 0 when every check passed, 1 when one failed, 2 on a usage error.
import ToolSupport
import SlogSamples
import Foundation
import FlightRecorder
import SlogRing
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

struct DemoOptions {
    var blocks: Int = 8
    var divergeHeight: UInt64 = 6
    var divergeCrank = 3
    var liveBlocks = 400
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
        case "--version":
            print("slog-demo \(FlightRecorder.version)")
            exit(0)
        case "-h", "--help":
            print("""
                usage: slog-demo [--blocks N] [--diverge-height H] [--diverge-crank K] [--capacity BYTES] [--keep]

                The flight recorder's story in under a minute, with no set-up: three validators
                record the same blocks; carol's state diverges in block H (default 6) at crank K
                (default 3, counted from 0 within the block); she halts and preserves her black
                box; slog-tail and slog-diff then show what it holds and where it diverged. Then a
                writer is killed with SIGKILL mid-block and its ring reopens intact, and a live
                reader follows a ring that wraps many times.

                  --blocks N          blocks the healthy validators run (default 8; at least H+1)
                  --diverge-height H  the block carol computes differently (default 6)
                  --diverge-crank K   the crank within that block (0-5, default 3)
                  --capacity BYTES    ring size of the live-reader step (default 262144)
                  --keep              keep the ring files and print where they are
                  --version           print the version

                Exit status: 0 all checks passed, 1 a check failed, 2 usage error.
                """)
            exit(0)
        case "--blocks": options.blocks = positive(value(argument), argument)
        case "--diverge-height": options.divergeHeight = UInt64(positive(value(argument), argument))
        case "--diverge-crank":
            let text = value(argument)
            guard let crank = Int(text), (0..<6).contains(crank) else { usageError("--diverge-crank needs 0 to 5, got '\(text)'") }
            options.divergeCrank = crank
        case "--capacity": options.capacity = positive(value(argument), argument)
        case "--keep": options.keep = true
        case "--child-writer": options.childRing = value(argument)  // internal: the process step 2 kills
        default: usageError("unknown argument '\(argument)'")
        }
    }
    if options.divergeHeight + 1 > UInt64(options.blocks) {
        usageError("--blocks (\(options.blocks)) must be at least --diverge-height + 1 (\(options.divergeHeight + 1))")
    }
    return options
}

func positive(_ text: String, _ name: String) -> Int {
    guard let number = Int(text), number > 0 else { usageError("\(name) needs a positive integer, got '\(text)'") }
    return number
}

func usageError(_ message: String) -> Never {
    writeError("slog-demo: \(message)\nTry 'slog-demo --help'.\n")
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
    let slog = AgoricSlog(cranksPerBlock: 8)
    var height: UInt64 = 1
    while true {
        for line in slog.block(height) { _ = try writer.append(line) }
        writeOutput("\(writer.nextRecordSequence - 1)\n")
        height += 1
    }
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slog-demo-\(getpid())").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
defer {
    if options.keep { print("\nFiles kept in \(directory)") } else { try? FileManager.default.removeItem(atPath: directory) }
}

// MARK: Step 1: three validators, one diverges and halts.
print("1. Three validators record blocks 1-\(options.blocks); carol's state diverges in block \(options.divergeHeight), crank \(options.divergeCrank)")
let (rings, box) = try runThreeValidators(directory: directory)

// MARK: Step 2: what the black box holds.
print("\n2. What carol's black box holds")
if let box {
    let info = runSibling("slog-tail", ["--info", box.path])
    check(info.status == 0 && info.output.contains("sealed"), "slog-tail reads the sealed black box with no problems")
    check(info.output.contains("black box:       \(box.identifier)") && info.output.contains("reason:          \(box.reason)"),
          "--info says what the box is: its identifier and reason")
    let summary = runSibling("slog-tail", ["--summary", "--blocks", "4", box.path])
    check(summary.status == 0 && summary.output.contains("\n\(options.divergeHeight) ") && summary.output.contains("crank durations"),
          "slog-tail --summary shows the box's last blocks, including block \(options.divergeHeight), at a glance")
}

// MARK: Step 3: where the validators diverged.
print("\n3. Where carol diverged: slog-diff over the three validators' rings")
let diff = runSibling("slog-diff", rings)
let expectedCrank = AgoricSlog(clockOffset: 0).firstCrank(of: options.divergeHeight) + UInt64(options.divergeCrank)
check(diff.status == 1 && diff.output.contains("\(expectedCrank)"),
      "slog-diff names crank \(expectedCrank) of block \(options.divergeHeight) as the first divergence (exit status 1)")

// MARK: Step 4: kill -9 a writer mid-block.
print("\n4. Killing a writer process with SIGKILL mid-block, then reopening its ring")
try killWriterAndReopen(directory: directory)

// MARK: Step 5: a live reader follows a wrapping ring.
print("\n5. Recording \(options.liveBlocks) blocks into a \(options.capacity / 1024) KiB ring while a live reader follows it")
try recordWithLiveReader(directory: directory)

print("\nInspect a ring with: swift run slog-tail --info FILE; compare two with: swift run slog-diff A B")
let failed = failures.load(ordering: .relaxed)
print(failed == 0 ? "All checks passed." : "\(failed) check(s) FAILED.")
exit(failed == 0 ? 0 : 1)

