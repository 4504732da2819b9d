public import SlogRing

/// Errors the recorder's setup and black-box calls throw. The write-slog hook never throws.
public enum FlightRecorderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The ring could not be created, opened, synced, sealed or renamed.
    case ring(SlogRingError)
    /// The recorder has no open ring (it was closed, or reopening after a black box failed).
    case notRecording(reason: String)

    /// The message for a person.
    public var description: String {
        switch self {
        case .ring(let error): error.description
        case .notRecording(let reason): "flight recorder is not recording: \(reason)"
        }
    }
}
