import Foundation
import SlogRing
import Testing

/// The documented preconditions trap (in a child process, so the suite survives): a caller that
/// breaks one finds out at once instead of writing a ring readers would misread.
@Suite struct PreconditionExitTests {
    /// In the child: creates a ring (at `startPosition`, through the testing entry point when it
    /// is not 0) and appends one record of `kind`.
    static func appendOne(kind: RecordKind, startPosition: UInt64 = 0, label: String) throws {
        let path = "\(NSTemporaryDirectory())/precondition-\(label)-\(getpid()).ring"
        defer { unlink(path) }
        var writer = startPosition == 0
            ? try RingWriter.create(path: path, capacity: 4096)
            : try RingWriter.create(_testingPath: path, capacity: 4096, startPosition: startPosition)
        _ = try Array("x".utf8).withUnsafeBytes { try writer.append($0, kind: kind) }
    }

    @Test func appendingAPaddingFrameTraps() async {
        await #expect(processExitsWith: .failure) { try PreconditionExitTests.appendOne(kind: .padding, label: "padding") }
    }

    @Test func appendingKindZeroTraps() async {
        await #expect(processExitsWith: .failure) {
            try PreconditionExitTests.appendOne(kind: RecordKind(rawValue: 0), label: "kind0")
        }
    }

    @Test func aStartPositionThatIsNotAMultipleOfEightTraps() async {
        await #expect(processExitsWith: .failure) {
            try PreconditionExitTests.appendOne(kind: .slog, startPosition: 12, label: "start")
        }
    }

    /// The control: the same steps with a valid kind and start exit normally, so the failures
    /// above are the preconditions, not the set-up.
    @Test func anOrdinaryAppendDoesNotTrap() async {
        await #expect(processExitsWith: .success) {
            try PreconditionExitTests.appendOne(kind: .slog, label: "ok")
            try PreconditionExitTests.appendOne(kind: .slog, startPosition: 16, label: "ok16")
        }
    }
}
