import TestSupport
import Foundation
import Glibc

/// A running `slog-stress append` child: a real writer process that a test can kill at any
/// instant with SIGKILL.
///
/// With `acknowledging: true` the child writes "SEQ\n" to its stdout after every append returns,
/// and `readAcknowledgements(until:)` and `finish()` parse what it wrote. Each line is one
/// `write(2)` of fewer than `PIPE_BUF` bytes, which a pipe delivers whole, so a kill should never
/// leave half a line; still, only complete lines count: a trailing fragment is kept in
/// `unterminatedTail` and never taken as an acknowledgement.
///
/// Not thread-safe: create, use and finish it on one thread.
final class StressWriterProcess {
    /// The arguments the child was started with (for failure messages).
    let arguments: [String]
    private let process = Process()
    private let output: Pipe?
    private let errors = Pipe()
    private var partialLine: [UInt8] = []
    private var reachedEndOfOutput = false

    /// Sequences acknowledged so far, in the order the child printed them.
    private(set) var acknowledgedCount = 0
    private(set) var firstAcknowledged: UInt64?
    private(set) var lastAcknowledged: UInt64?
    /// The first acknowledgement line that was not a number one more than the previous one.
    private(set) var acknowledgementProblem: String?
    /// Bytes after the last newline when the output ended (a line cut short).
    private(set) var unterminatedTail: String = ""

    /// Starts `slog-stress append --ring ring ...`.
    init(
        ring: String, capacity: Int, minSize: Int, maxSize: Int, seed: UInt64, count: Int? = nil,
        acknowledging: Bool
    ) throws {
        var arguments = [
            "append", "--ring", ring, "--capacity", "\(capacity)", "--min-size", "\(minSize)",
            "--max-size", "\(maxSize)", "--seed", "\(seed & UInt64(Int.max))",
        ]
        if let count { arguments += ["--count", "\(count)"] }
        if acknowledging { arguments.append("--ack") }
        self.arguments = arguments
        process.executableURL = builtProductsDirectory().appendingPathComponent("slog-stress")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardError = errors
        if acknowledging {
            let pipe = Pipe()
            output = pipe
            process.standardOutput = pipe
        } else {
            output = nil
            process.standardOutput = FileHandle.nullDevice
        }
        try process.run()
    }

    /// The command line, for failure messages.
    var commandLine: String { "slog-stress " + arguments.joined(separator: " ") }

    var isRunning: Bool { process.isRunning }

    /// Reads acknowledgements until at least `count` arrived; `false` if the output ended first
    /// (the child exited or was killed).
    func readAcknowledgements(until count: Int) -> Bool {
        while acknowledgedCount < count {
            if !readOutputChunk() { return false }
        }
        return true
    }

    /// Sends SIGKILL to the child unless it has already been reaped.
    func kill() {
        // A pid is reused only after its process has been reaped, and Process clears isRunning
        // when it reaps the child, so this never signals a stranger (short of a window of a few
        // instructions inside Foundation).
        guard process.isRunning else { return }
        _ = Glibc.kill(process.processIdentifier, SIGKILL)
    }

    /// How the child ended, and what it wrote to stderr.
    struct Ending {
        var killedBySIGKILL: Bool
        var exitedSuccessfully: Bool
        var description: String
        var stderr: String
    }

    /// Reads the rest of the output (every acknowledgement the child wrote before it died
    /// counts), then waits for the child to end.
    func finish() -> Ending {
        while readOutputChunk() {}
        unterminatedTail = String(decoding: partialLine, as: UTF8.self)
        let stderrText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let reason = process.terminationReason
        let status = process.terminationStatus
        return Ending(
            killedBySIGKILL: reason == .uncaughtSignal && status == SIGKILL,
            exitedSuccessfully: reason == .exit && status == 0,
            description: reason == .uncaughtSignal ? "killed by signal \(status)" : "exited with status \(status)",
            stderr: stderrText)
    }

    /// Reads one chunk of stdout and parses the complete lines in it; `false` at end of output.
    private func readOutputChunk() -> Bool {
        guard let output, !reachedEndOfOutput else { return false }
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let descriptor = output.fileHandleForReading.fileDescriptor
        var count: Int
        repeat {
            count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        } while count < 0 && errno == EINTR
        guard count > 0 else {
            reachedEndOfOutput = true
            return false
        }
        var lineStart = 0
        for index in 0..<count where chunk[index] == UInt8(ascii: "\n") {
            partialLine += chunk[lineStart..<index]
            acknowledge(line: partialLine)
            partialLine.removeAll(keepingCapacity: true)
            lineStart = index + 1
        }
        partialLine += chunk[lineStart..<count]
        return true
    }

    private func acknowledge(line: [UInt8]) {
        let text = String(decoding: line, as: UTF8.self)
        guard let sequence = UInt64(text) else {
            if acknowledgementProblem == nil { acknowledgementProblem = "line \(acknowledgedCount + 1) is '\(text)'" }
            return
        }
        if let last = lastAcknowledged, sequence != last + 1, acknowledgementProblem == nil {
            acknowledgementProblem = "acknowledgement \(sequence) follows \(last)"
        }
        if firstAcknowledged == nil { firstAcknowledged = sequence }
        lastAcknowledged = sequence
        acknowledgedCount += 1
    }
}
