import Testing
import TestSupport

/// Runs slog-tail with `arguments` and expects a clean run: status 0, nothing on stderr, and
/// exactly `lines` printed as slog text.
func expectSlogTail(_ arguments: [String], prints lines: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let run = try runTool("slog-tail", arguments)
    #expect(run.status == 0, "\(run.stderr)", sourceLocation: sourceLocation)
    #expect(run.stderr.isEmpty, sourceLocation: sourceLocation)
    #expect(run.stdout == slogText(lines), sourceLocation: sourceLocation)
}
