import Foundation
import Testing

/// The README's first command: the demo runs its whole story on embedded defaults and every
/// check in it passes (it prints what failed and exits 1 otherwise).
@Suite struct DemoTests {
    @Test(arguments: [[String](), ["--diverge-height", "3", "--diverge-crank", "0", "--blocks", "5"]])
    func demoTellsTheWholeStoryAndEveryCheckPasses(arguments: [String]) throws {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: directory.appendingPathComponent("slog-demo").path) {
            directory = directory.deletingLastPathComponent()
        }
        let process = Process()
        process.executableURL = directory.appendingPathComponent("slog-demo")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("All checks passed."))
        #expect(text.contains("CONSENSUS FAILURE at block"))
        #expect(text.contains("DIVERGENCE at block"))
        #expect(!text.contains("  FAIL  "))
    }
}
