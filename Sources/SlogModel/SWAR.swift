/// Eight bytes at a time in one 64-bit word ("SIMD within a register"): the byte tests the
/// JSON scanners and the recorder's type check share, so the has-zero-byte idiom is written once.
///
/// Each test returns bit 7 of the bytes it flags. A flag can be spurious only *above* a byte
/// that is genuinely flagged (a borrow travels upward), so the result is zero exactly when no
/// byte matches, and the lowest flag (`firstFlagged`) is always a real hit.
package enum SWAR {
    /// Flags the bytes of `word` equal to `byte`.
    @inlinable @inline(__always)
    package static func equalBytes(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let x = word ^ (ones &* UInt64(byte))
        return (x &- ones) & ~x & 0x8080_8080_8080_8080
    }

    /// Flags the bytes of `word` below 0x20 (JSON's control characters; bytes >= 0x80 are not).
    @inlinable @inline(__always)
    package static func controlBytes(_ word: UInt64) -> UInt64 {
        (word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080
    }

    /// The index (0-7, little-endian) of the lowest flagged byte; `flags` must not be zero.
    @inlinable @inline(__always)
    package static func firstFlagged(_ flags: UInt64) -> Int { flags.trailingZeroBitCount >> 3 }
}
