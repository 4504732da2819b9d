import Foundation

/// Runs a product of this package that `swift build --build-tests` built next to the test
/// runner, and captures what it printed.
struct ToolRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// The directory holding the package's built executables (the test runner's own directory).
func builtProductsDirectory() -> URL {
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = runner.deletingLastPathComponent()
    // On Linux the runner is `<build>/debug/<Package>PackageTests.xctest`; elsewhere it may sit
    // inside a bundle. Walk up until the executables are found.
    for _ in 0..<4 where !FileManager.default.fileExists(atPath: directory.appendingPathComponent("slog-tail").path) {
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
