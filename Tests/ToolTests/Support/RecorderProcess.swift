import Foundation
import Glibc

/// A running `slog-record` child (built next to the test runner), fed through a named pipe or
/// its standard input, acknowledging every record on its standard output (`--ack`).
final class RecorderProcess {
    private let process = Process()
    private let output = Pipe()
    private let errors = Pipe()
    private var pending: [UInt8] = []
    /// The highest acknowledged record count.
    private(set) var acknowledged = 0
    /// Standard input, when the child reads it (no INPUT argument).
    let input: Pipe?

    init(arguments: [String], useStandardInput: Bool = false) throws {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: directory.appendingPathComponent("slog-record").path) {
            directory = directory.deletingLastPathComponent()
        }
        process.executableURL = directory.appendingPathComponent("slog-record")
        process.arguments = arguments
        input = useStandardInput ? Pipe() : nil
        process.standardInput = input ?? FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errors
        try process.run()
    }

    var processIdentifier: Int32 { process.processIdentifier }

    /// Reads acknowledgements until `count` records were acknowledged; false if output ended.
    func waitForAcknowledgements(_ count: Int) -> Bool {
        while acknowledged < count {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return false }
            pending += chunk
            while let newline = pending.firstIndex(of: 0x0A) {
                if let value = Int(String(decoding: pending[..<newline], as: UTF8.self)) { acknowledged = value }
                pending.removeSubrange(...newline)
            }
        }
        return true
    }

    func signal(_ number: Int32) { _ = kill(process.processIdentifier, number) }

    /// Waits for the child to exit; returns its status and everything it wrote to stderr.
    func finish() -> (status: Int32, reason: Process.TerminationReason, stderr: String) {
        try? input?.fileHandleForWriting.close()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        _ = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason, errorText)
    }
}

/// Creates a named pipe at `path` (mode 0600).
func makeFIFO(_ path: String) throws {
    guard mkfifo(path, 0o600) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}
