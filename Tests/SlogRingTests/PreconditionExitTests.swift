import Foundation
import SlogRing
import Testing

/// The documented preconditions trap (in a child process, so the suite survives): a caller that
/// breaks one finds out at once instead of writing a ring readers would misread.
@Suite struct PreconditionExitTests {
    @Test func appendingAPaddingFrameTraps() async {
        await #expect(processExitsWith: .failure) {
            let path = "\(NSTemporaryDirectory())/precondition-padding-\(getpid()).ring"
            defer { unlink(path) }
            var writer = try RingWriter.create(path: path, capacity: 4096)
            _ = try Array("x".utf8).withUnsafeBytes { try writer.append($0, kind: .padding) }
        }
    }

    @Test func appendingKindZeroTraps() async {
        await #expect(processExitsWith: .failure) {
            let path = "\(NSTemporaryDirectory())/precondition-kind0-\(getpid()).ring"
            defer { unlink(path) }
            var writer = try RingWriter.create(path: path, capacity: 4096)
            _ = try Array("x".utf8).withUnsafeBytes { try writer.append($0, kind: RecordKind(rawValue: 0)) }
        }
    }

    @Test func aStartPositionThatIsNotAMultipleOfEightTraps() async {
        await #expect(processExitsWith: .failure) {
            let path = "\(NSTemporaryDirectory())/precondition-start-\(getpid()).ring"
            defer { unlink(path) }
            _ = try RingWriter.create(_testingPath: path, capacity: 4096, startPosition: 12)
        }
    }

    @Test func anOrdinaryAppendDoesNotTrap() async {
        // The control: the same steps with a valid kind exit normally.
        await #expect(processExitsWith: .success) {
            let path = "\(NSTemporaryDirectory())/precondition-ok-\(getpid()).ring"
            defer { unlink(path) }
            var writer = try RingWriter.create(path: path, capacity: 4096)
            _ = try Array("x".utf8).withUnsafeBytes { try writer.append($0, kind: .slog) }
        }
    }
}
