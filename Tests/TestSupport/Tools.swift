public import Foundation
import Synchronization

// Shared by every test target that runs the package's executables (Tests/TestSupport).

/// Bytes collected by one thread and read by another.
public final class LockedBytes: Sendable {
    private let value = Mutex(Data())
    public init() {}
    public func append(_ data: Data) { value.withLock { $0.append(data) } }
    public var data: Data { value.withLock { $0 } }
    public var text: String { String(decoding: data, as: UTF8.self) }
}

/// What a finished tool printed.
public struct ToolRun {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
}

/// The directory holding the package's built executables (the test runner's own directory on
/// Linux; walk up from a bundle elsewhere).
public func builtProductsDirectory() -> URL {
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = runner.deletingLastPathComponent()
    let products = ["slog-tail", "slog-diff", "slog-record", "slog-stress", "slog-bench", "slog-demo"]
    for _ in 0..<4 where !products.contains(where: { FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }) {
        directory = directory.deletingLastPathComponent()
    }
    return directory
}

/// Runs `tool` (a product of this package by name, or any program by absolute path) with
/// `arguments` to completion, with `stdin` as its standard input (or /dev/null) and
/// `environment` (or this process's), and captures what it printed.
public func runTool(_ tool: String, _ arguments: [String], stdin: [UInt8]? = nil, environment: [String: String]? = nil) throws -> ToolRun {
    let process = Process()
    process.executableURL = tool.hasPrefix("/") ? URL(fileURLWithPath: tool) : builtProductsDirectory().appendingPathComponent(tool)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = stdin.map { _ in Pipe() }
    process.standardInput = input ?? FileHandle.nullDevice
    try process.run()
    let group = DispatchGroup()
    let errData = LockedBytes()
    group.enter()
    DispatchQueue.global().async {
        errData.append(err.fileHandleForReading.readDataToEndOfFile())
        group.leave()
    }
    if let input, let stdin {
        group.enter()
        DispatchQueue.global().async {
            try? input.fileHandleForWriting.write(contentsOf: Data(stdin))
            try? input.fileHandleForWriting.close()
            group.leave()
        }
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ToolRun(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: errData.text)
}

/// A tool left running (for `--follow`): its output is collected as it arrives.
public final class RunningTool {
    private let process: Process
    private let stdoutBytes = LockedBytes()
    private let stderrBytes = LockedBytes()
    private let group = DispatchGroup()
    /// Standard input, if the tool reads it.
    public let input: Pipe?

    public init(_ tool: String, _ arguments: [String], withStandardInput: Bool = false) throws {
        process = Process()
        process.executableURL = builtProductsDirectory().appendingPathComponent(tool)
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        input = withStandardInput ? Pipe() : nil
        process.standardInput = input ?? FileHandle.nullDevice
        try process.run()
        for (pipe, bytes) in [(out, stdoutBytes), (err, stderrBytes)] {
            group.enter()
            DispatchQueue.global().async { [group] in
                while true {
                    let chunk = pipe.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    bytes.append(chunk)
                }
                group.leave()
            }
        }
    }

    public var stdout: String { stdoutBytes.text }
    public var stderr: String { stderrBytes.text }
    public var processIdentifier: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Waits up to `seconds` until `condition` holds for what was printed; returns whether it did.
    public func wait(seconds: Double = 10, until condition: (_ stdout: String, _ stderr: String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(stdout, stderr) { return true }
            usleep(5_000)
        }
        return condition(stdout, stderr)
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits (at most `seconds`, then SIGKILL) for the tool to exit; returns its status.
    @discardableResult
    public func finish(seconds: Double = 10) -> Int32 {
        try? input?.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        group.wait()
        return process.terminationStatus
    }
}
