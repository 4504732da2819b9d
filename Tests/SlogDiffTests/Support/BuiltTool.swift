// Copied from Tests/SlogTailTests/Support (no shared test-helper target), trimmed.
import Foundation
import Synchronization

/// Bytes collected by one thread and read by another.
final class LockedBytes: Sendable {
    private let value = Mutex(Data())
    func append(_ data: Data) { value.withLock { $0.append(data) } }
    var data: Data { value.withLock { $0 } }
    var text: String { String(decoding: data, as: UTF8.self) }
}

/// What a finished tool printed.
struct ToolRun {
    var status: Int32
    var stdout: String
    var stderr: String
    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
}

/// The directory holding the package's built executables (the test runner's own directory on
/// Linux; walk up from a bundle elsewhere).
func builtProductsDirectory() -> URL {
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = runner.deletingLastPathComponent()
    for _ in 0..<4 where !FileManager.default.fileExists(atPath: directory.appendingPathComponent("slog-diff").path) {
        directory = directory.deletingLastPathComponent()
    }
    return directory
}

/// Runs `tool` with `arguments` to completion, with `stdin` as its standard input (or
/// /dev/null) and `environment` (or this process's), and captures what it printed.
func runTool(_ tool: String, _ arguments: [String], stdin: [UInt8]? = nil, environment: [String: String]? = nil) throws -> ToolRun {
    let process = Process()
    // A tool of this package by name, or any program by absolute path.
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
