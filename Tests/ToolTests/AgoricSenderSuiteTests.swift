import Foundation
import Testing
import TestSupport

/// Runs the Agoric slog sender's own test suite (`node --test integrations/agoric/test/`) as
/// part of `swift test`, so the one test command covers the JavaScript integration too. Where
/// node is not installed the test is skipped and says so; it never passes silently.
@Suite struct AgoricSenderSuiteTests {
    static let node = ["/usr/bin/node", "/usr/local/bin/node"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ToolTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    @Test(.enabled(if: node != nil, "node (>= 20) is not installed: the Agoric sender's JavaScript suite is SKIPPED"))
    func theSendersNodeSuitePasses() throws {
        let suite = Self.repository.appendingPathComponent("integrations/agoric/test").path
        let run = try runTool(Self.node!, ["--test", suite])
        #expect(run.status == 0, "node --test \(suite) failed:\n\(run.stdout.suffix(4000))\n\(run.stderr.suffix(2000))")
        // node's runner ends with its own counts: at least one test ran and none failed.
        #expect(run.stdout.contains("# fail 0"))
        #expect(run.stdout.range(of: #"# pass [1-9]"#, options: .regularExpression) != nil)
    }
}
