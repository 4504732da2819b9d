import SlogSamples
import FlightRecorder
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One simulated validator: its name, its recorder, its slog.
struct Validator {
    var name: String
    var ringPath: String
    var capacity: Int
    var retention: FlightRecorder.Retention
    var slog: AgoricSlog
}

/// Step 1: three validators run the same blocks through FlightRecorder; one diverges, halts at
/// the next block's vote, and preserves its black box. Returns the rings to inspect.
@MainActor func runThreeValidators(directory: String) throws -> (rings: [String], blackBox: BlackBox?) {
    let divergence = (height: options.divergeHeight, crank: options.divergeCrank)
    let validators = [
        Validator(name: "alice", ringPath: "\(directory)/alice.ring", capacity: 4 << 20, retention: .keepingWhatFits(protecting: 2),
                  slog: AgoricSlog(clockOffset: 0)),
        Validator(name: "bob", ringPath: "\(directory)/bob.ring", capacity: 1 << 20, retention: .onlyLastCommittedBlocks(4),
                  slog: AgoricSlog(clockOffset: 0.0137)),
        Validator(name: "carol", ringPath: "\(directory)/carol.ring", capacity: 2 << 20, retention: .keepingWhatFits(protecting: 2),
                  slog: AgoricSlog(clockOffset: 0.2411, divergeAt: divergence)),
    ]
    var rings: [String] = []
    var box: BlackBox?
    for validator in validators {
        var configuration = FlightRecorder.Configuration(path: validator.ringPath)
        configuration.capacity = validator.capacity
        configuration.retention = validator.retention
        let recorder = try FlightRecorder(configuration: configuration)
        let diverges = validator.slog.divergeAt != nil
        // A validator that diverged in block H learns it when H+1 is voted on: it records the
        // start of H+1, then halts. The others carry on to the last block.
        let lastHeight = diverges ? divergence.height + 1 : UInt64(options.blocks)
        for height in 1...lastHeight {
            var lines = validator.slog.block(height)
            if diverges && height == lastHeight { lines = Array(lines.prefix(4)) }
            for line in lines { recorder.record(line) }
        }
        let statistics = recorder.statistics
        let keeps: String
        switch validator.retention {
        case .keepingWhatFits(let count): keeps = "keeps what fits, protecting the last \(count) committed blocks"
        case .onlyLastCommittedBlocks(let count): keeps = "keeps only the last \(count) committed blocks"
        }
        print("  \(validator.name): \(statistics.records) slog records, \(statistics.blocksCommitted) blocks committed, ring \(validator.capacity >> 10) KiB, \(keeps)")
        if diverges {
            print("  \(validator.name): app hash of block \(divergence.height) disagrees with the network's: halting")
            let preserved = try recorder.preserveBlackBox(
                height: divergence.height, appHash: "C0FFEE\(divergence.height)", reason: "app hash mismatch")
            box = preserved
            print()
            print(preserved.message.split(separator: "\n").map { "    | " + $0 }.joined(separator: "\n"))
            print()
            rings.append(preserved.path)
        } else {
            rings.append(validator.ringPath)
        }
        try recorder.close()
    }
    let wholeBlock = if case .blockRecords(_, complete: true)? = box?.basis { true } else { false }
    check(wholeBlock,
          "carol's black box holds the whole of block \(divergence.height), sealed as \(box.map { URL(fileURLWithPath: $0.path).lastPathComponent } ?? "?")")
    // The same failure on another validator gives the same identifier: a duplicate report.
    let twinPath = "\(directory)/dave.ring"
    var twinConfiguration = FlightRecorder.Configuration(path: twinPath)
    twinConfiguration.capacity = 8 << 20
    let twin = try FlightRecorder(configuration: twinConfiguration)
    let twinSlog = AgoricSlog(clockOffset: 0.0913, divergeAt: divergence)
    for height in 1...divergence.height + 1 {
        for line in height == divergence.height + 1 ? Array(twinSlog.block(height).prefix(4)) : twinSlog.block(height) {
            twin.record(line)
        }
    }
    let twinBox = try twin.preserveBlackBox(height: divergence.height, reason: "app hash mismatch")
    try twin.close()
    print("  dave (other clock, bigger ring) failed the same way and printed \(twinBox.identifier)")
    check(twinBox.identifier == box?.identifier, "validators that fail the same way print the same HEIGHT-HASH (\(box?.identifier ?? "?"))")
    return (rings, box)
}

/// Runs a tool built next to this demo (`swift run slog-demo` builds slog-tail and slog-diff
/// too), printing its output indented; returns its exit status and standard output.
@discardableResult
func runSibling(_ tool: String, _ arguments: [String], show: Bool = true) -> (status: Int32, output: String) {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    let executable = directory.appendingPathComponent(tool)
    guard FileManager.default.isExecutableFile(atPath: executable.path) else {
        print("  (\(tool) is not built next to slog-demo: run `swift build` first)")
        return (-1, "")
    }
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = out
    do { try process.run() } catch {
        print("  cannot run \(tool): \(error)")
        return (-1, "")
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    if show {
        print("  $ \(tool) \(arguments.map { $0.replacingOccurrences(of: FileManager.default.temporaryDirectory.path + "/", with: "$TMP/") }.joined(separator: " "))")
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0) {
            print("    " + line)
        }
    }
    return (process.terminationStatus, text)
}
