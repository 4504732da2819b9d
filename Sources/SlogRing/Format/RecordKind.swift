/// What a frame holds, stored as a little-endian `u16` in the frame header.
///
/// SlogRing itself interprets only `padding`; every other kind is carried opaquely. Kinds
/// `0x0100...0x01FF` belong to FlightRecorder's markers and `0x8000...0xFFFF` to applications.
/// Zero is never a valid kind, so zeroed disk never parses as a frame.
public struct RecordKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The kind as stored in the frame header (little-endian `u16`).
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Fills the rest of the data region when the next frame does not fit before its end.
    /// Never returned by readers; consumes no sequence number.
    public static let padding = RecordKind(rawValue: 1)
    /// One slog record: the exact bytes the node produced (normally one JSON object, no newline).
    public static let slog = RecordKind(rawValue: 2)

    /// Whether a frame of this kind may appear in a v1 file: anything but zero.
    public var isValid: Bool { rawValue != 0 }

    /// `padding`, `slog`, `marker(0x…)` or `kind(N)`.
    public var description: String {
        switch rawValue {
        case 1: "padding"
        case 2: "slog"
        case 0x0100...0x01FF: "marker(0x\(String(rawValue, radix: 16)))"
        default: "kind(\(rawValue))"
        }
    }
}
