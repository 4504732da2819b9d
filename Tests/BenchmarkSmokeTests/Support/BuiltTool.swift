import Foundation

/// What a built executable printed and how it exited.
struct ToolRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// The directory holding the package's built executables: the test runner's own directory on
/// Linux (`<build>/debug/<Package>PackageTests.xctest`); walk up when the runner sits in a
/// bundle. The same lookup as Tests/SlogRingTests/Support/BuiltTool.swift, for `slog-bench`.
func builtProductsDirectory() -> URL {
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = runner.deletingLastPathComponent()
    for _ in 0..<4 where !FileManager.default.fileExists(atPath: directory.appendingPathComponent("slog-bench").path) {
        directory = directory.deletingLastPathComponent()
    }
    return directory
}

/// Runs `tool` with `arguments` to completion (stdin is /dev/null) and captures its output.
func runTool(_ tool: String, _ arguments: [String]) throws -> ToolRun {
    let process = Process()
    process.executableURL = builtProductsDirectory().appendingPathComponent(tool)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes before waiting so a chatty tool cannot block on a full pipe.
    let group = DispatchGroup()
    nonisolated(unsafe) var errData = Data()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ToolRun(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs `body` with a fresh private directory that is removed afterwards.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let base = FileManager.default.temporaryDirectory.path
    var template = Array("\(base)/slog-bench-tests-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
    let path = String(cString: made)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}
