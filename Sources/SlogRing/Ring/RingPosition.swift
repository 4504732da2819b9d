/// The largest position a v1 ring uses (2^62); see `positionProblem`.
let maximumPosition: UInt64 = 1 << 62

/// A logical byte position in a ring's stream of frames.
///
/// Positions start at 0 when a ring is created and only grow (64 bits never wrap in practice:
/// at 10 GB/s that takes 58 years), so "empty" (`oldest == write`) and "full"
/// (`write - oldest == capacity`) can never be confused. The physical place of a position is its
/// *offset*: `position % capacity` bytes into the data region.
public struct RingPosition: RawRepresentable, Comparable, Hashable, Sendable, CustomStringConvertible {
    /// The position in bytes since the ring was created.
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ value: UInt64) { self.rawValue = value }

    /// Byte offset inside the data region (not the file): `rawValue % capacity`.
    public func offset(capacity: Int) -> Int { Int(rawValue % UInt64(capacity)) }

    /// Byte offset inside the file: header size plus `offset(capacity:)`.
    public func fileOffset(in header: RingHeader) -> Int { header.headerSize + offset(capacity: header.capacity) }

    /// Positions order by the stream: an earlier frame has a smaller position.
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { String(rawValue) }
}
