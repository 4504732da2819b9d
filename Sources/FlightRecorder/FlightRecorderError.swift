internal import SlogRing

/// Errors the recorder's setup and black-box calls throw. The write-slog hook never throws.
///
/// Every case carries the file it is about; `description` is the sentence for a log, naming
/// the file, the offset where there is one, and the cause.
public enum FlightRecorderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Another writer (another process, or another recorder in this one) has the ring at
    /// `path` open. Only one writer at a time; readers are always allowed.
    case ringInUse(path: String)
    /// A system call on the ring failed: `operation` says which step (for example "reserve
    /// disk space"), `errno` is the system error number (`ENOSPC`, `EACCES`, ...).
    case systemCall(operation: String, path: String, errno: Int32, message: String)
    /// The configuration cannot be used (for example a capacity the ring format cannot hold).
    case invalidConfiguration(path: String, message: String)
    /// The ring at `path` cannot be used for another reason, said in `message`.
    case ringUnusable(path: String, message: String)
    /// The recorder has no open ring (it was closed, or reopening after a black box failed).
    case notRecording(reason: String)
    /// No black box was preserved for block `height`: `directory` already holds `limit` of
    /// them (`Configuration.maximumBlackBoxes`). The trigger is counted in
    /// `Statistics.blackBoxTriggersOverLimit`.
    case blackBoxLimitReached(height: UInt64, limit: Int, directory: String)

    /// The message for a person.
    public var description: String {
        switch self {
        case .ringInUse(let path):
            SlogRingError.lockedByAnotherWriter(path: path).description
        case .systemCall(_, _, _, let message), .invalidConfiguration(_, let message), .ringUnusable(_, let message):
            message
        case .notRecording(let reason):
            "flight recorder is not recording: \(reason)"
        case .blackBoxLimitReached(let height, let limit, let directory):
            "black box for block \(height) not preserved: \(directory) already holds \(limit) black boxes (the limit); move the ones already reported elsewhere"
        }
    }

    /// The public form of a ring error about the file at `path`.
    init(_ error: SlogRingError, path: String) {
        switch error {
        case .lockedByAnotherWriter(let locked):
            self = .ringInUse(path: locked)
        case .io(let operation, let file, let errno):
            self = .systemCall(operation: operation, path: file, errno: errno.rawValue, message: error.description)
        case .invalidCapacity, .recordTooLarge:
            self = .invalidConfiguration(path: path, message: error.description)
        case .notARing(let file, _), .unsupportedVersion(let file, _, _), .headerDamaged(let file, _),
            .truncated(let file, _, _), .sealed(let file), .corrupt(let file, _, _), .capacityMismatch(let file, _, _),
            .notARegularFile(let file, _):
            self = .ringUnusable(path: file, message: error.description)
        }
    }
}
