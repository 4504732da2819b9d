/// The 32-byte header of Agoric's `flight-recorder.bin`: four big-endian `u64`.
///
/// | Offset | Size | Type | Field | Meaning |
/// |---:|---:|---|---|---|
/// | 0 | 8 | u64 BE | `magic` | `0x41472d534c4f4721`, the ASCII bytes `AG-SLOG!` |
/// | 8 | 8 | u64 BE | `arenaSize` | bytes in the arena (the file's size − 32 when it was created) |
/// | 16 | 8 | u64 BE | `circStart` | arena offset of the oldest record |
/// | 24 | 8 | u64 BE | `circEnd` | arena offset one past the newest record |
///
/// The arena starts at file offset 32. `docs/FORMAT-agoric.md` describes the records and the
/// broken states real files get into.
package struct AgoricHeader: Equatable, Sendable {
    /// `AG-SLOG!` as a big-endian `u64`.
    package static let magic: UInt64 = 0x4147_2D53_4C4F_4721
    /// Bytes before the arena.
    package static let size = 32
    /// Bytes of a record's length prefix.
    package static let lengthPrefixSize = 8

    package var arenaSize: UInt64
    package var circStart: UInt64
    package var circEnd: UInt64

    package init(arenaSize: UInt64, circStart: UInt64, circEnd: UInt64) {
        self.arenaSize = arenaSize
        self.circStart = circStart
        self.circEnd = circEnd
    }

    /// Decodes the first 32 bytes; `nil` if there are fewer or the magic differs.
    package static func decode(_ bytes: [UInt8]) -> AgoricHeader? {
        guard bytes.count >= size, bigEndianWord(bytes, 0) == magic else { return nil }
        return AgoricHeader(
            arenaSize: bigEndianWord(bytes, 8), circStart: bigEndianWord(bytes, 16), circEnd: bigEndianWord(bytes, 24))
    }

    /// The 32 header bytes.
    package func encoded() -> [UInt8] {
        [Self.magic, arenaSize, circStart, circEnd].flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (56 - 8 * $0)) } }
    }

    /// The big-endian `u64` at `offset` of `bytes`.
    package static func bigEndianWord(_ bytes: some Collection<UInt8>, _ offset: Int) -> UInt64 {
        bytes.dropFirst(offset).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
