/// Hexadecimal digits in JSON text (`\uXXXX` escapes, 64-digit crank hashes): the one parser.
package enum Hex {
    /// The value of one hex digit (`0-9`, `a-f`, `A-F`), or `nil`.
    @inlinable
    package static func digit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The value of the `count` hex digits at `start` of `bytes` (at most 16), or `nil` when one
    /// is not a hex digit or the bytes end first.
    @inlinable
    package static func value<T: FixedWidthInteger & UnsignedInteger>(
        _ bytes: UnsafeRawBufferPointer, at start: Int, count: Int, as type: T.Type = T.self
    ) -> T? {
        guard start >= 0, count <= T.bitWidth / 4, start <= bytes.count - count else { return nil }
        var value: T = 0
        for index in start..<start + count {
            guard let digit = digit(unsafe bytes[index]) else { return nil }
            value = value << 4 | T(digit)
        }
        return value
    }
}
