public import Foundation
import Synchronization

// Shared by every test target that runs the package's executables (Tests/TestSupport).

/// How long a test waits for another process before calling it a failure (a hang). Never a
/// measure of speed: every wait returns as soon as its condition holds.
public let testPatience: Double = 60

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
        input = withStandardInput ? Pipe() : nil
        try runCollectingOutput(process, stdout: stdoutBytes, stderr: stderrBytes, group: group, input: input ?? FileHandle.nullDevice)
    }

    public var stdout: String { stdoutBytes.text }
    public var stderr: String { stderrBytes.text }
    public var processIdentifier: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// Waits up to `seconds` until `condition` holds for what was printed; returns whether it did.
    /// The bound is only a failure bound: a passing wait returns as soon as the condition holds.
    /// It is generous because a loaded machine (two suites at once on two cores, issue 15) took
    /// more than 10 s to start a debug tool and print its first lines.
    public func wait(seconds: Double = testPatience, until condition: (_ stdout: String, _ stderr: String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(stdout, stderr) { return true }
            usleep(5_000)
        }
        return condition(stdout, stderr)
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Sends SIGSTOP and returns once the kernel reports the process stopped (state `T` in
    /// /proc/PID/stat), at most `seconds`. `kill` returns before the target has stopped: on a
    /// loaded machine it can run on for a while, reading what the test meant it to miss.
    @discardableResult
    public func stop(seconds: Double = testPatience) -> Bool {
        kill(process.processIdentifier, SIGSTOP)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")"),
                stat[stat.index(close, offsetBy: 2)] == "T"
            {
                return true
            }
            usleep(1_000)
        }
        return false
    }

    /// Waits (at most `seconds`, then SIGKILL) for the tool to exit; returns its status.
    @discardableResult
    public func finish(seconds: Double = testPatience) -> Int32 {
        try? input?.fileHandleForWriting.close()
        return finishProcess(process, collecting: group, seconds: seconds)
    }
}

/// Whether `condition` holds, polling for up to `seconds`. For states another process can hold
/// for an instant through no fault of the code under test: a child that another test thread is
/// spawning shares this process's open files between `fork` and `exec` (descriptors are closed
/// at `exec`, `O_CLOEXEC`), and with them a writer's lock; on a loaded machine that instant grows.
public func eventually(seconds: Double = testPatience, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}

/// Starts `process` with `input` as its standard input and its standard output and error
/// collected into `stdout` and `stderr` as they arrive; each reader enters `group` and leaves
/// it at the end of its stream.
public func runCollectingOutput(
    _ process: Process, stdout: LockedBytes, stderr: LockedBytes, group: DispatchGroup, input: Any
) throws {
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    for (pipe, bytes) in [(out, stdout), (err, stderr)] {
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

/// Waits (at most `seconds`, then SIGKILL) for `process` to exit and for its output readers
/// (`group`) to finish; returns its status.
public func finishProcess(_ process: Process, collecting group: DispatchGroup, seconds: Double) -> Int32 {
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline { usleep(5_000) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    group.wait()
    return process.terminationStatus
}

/// What `runBounded` saw: the exit status, whether a signal ended the process, its output, and
/// whether it had to be killed at the deadline (a hang).
public struct BoundedRun {
    public var status: Int32
    public var signaled: Bool
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool
}

/// Runs a built tool (by name) with `arguments` and standard input at /dev/null, for at most
/// `seconds`: a process still running then is killed with SIGKILL and reported as timed out, so
/// a loop fails the test instead of hanging the suite. With `dataLimitKiB` it runs under
/// `ulimit -d` (a tool whose memory grows with hostile input fails instead of swapping).
public func runBounded(
    _ tool: String, _ arguments: [String], dataLimitKiB: Int? = nil, seconds: Double = testPatience
) throws -> BoundedRun {
    let process = Process()
    let path = builtProductsDirectory().appendingPathComponent(tool).path
    if let dataLimitKiB {
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -d \(dataLimitKiB); exec \"$0\" \"$@\"", path] + arguments
    } else {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
    }
    let stdout = LockedBytes()
    let stderr = LockedBytes()
    let group = DispatchGroup()
    try runCollectingOutput(process, stdout: stdout, stderr: stderr, group: group, input: FileHandle.nullDevice)
    let deadline = Date().addingTimeInterval(seconds)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    let timedOut = process.isRunning
    if timedOut { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
    group.wait()
    return BoundedRun(
        status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
        stdout: stdout.text, stderr: stderr.text, timedOut: timedOut)
}
