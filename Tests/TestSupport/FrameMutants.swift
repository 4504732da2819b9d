import SlogRing
import SlogSamples

/// Frame-level mutants of a real ring whose checksums are recomputed (`RingImage.reseal`), so
/// the readers *believe* them: extreme sequences, kinds, lengths, header positions, and marker
/// JSON with numbers at and past 2^64 (issue 15, item 1).
public struct FrameMutants {
    /// Where the ring's frames are, as (file offset, payload length).
    public let frames: [(offset: Int, length: Int)]
    public let original: [UInt8]
    private var random: SplitMix64

    public init(ring bytes: [UInt8], seed: UInt64) {
        original = bytes
        random = SplitMix64(seed: seed)
        var frames: [(Int, Int)] = []
        let headerSize = Int(bytes[10]) | Int(bytes[11]) << 8
        let capacity = Int(word(bytes, 16))
        var position = Int(word(bytes, 72)) % capacity
        let end = Int(word(bytes, 64)) - Int(word(bytes, 72)) + position
        while position < end {
            let offset = headerSize + position % capacity
            if capacity - position % capacity < 24 { position += capacity - position % capacity; continue }
            let length = Int(UInt32(truncatingIfNeeded: word(bytes, offset)))
            let kind = Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8
            if kind != 1 { frames.append((offset, length)) }
            position += 24 + (kind == 1 ? length : (length + 7) & ~7)
        }
        self.frames = frames
    }

    /// Values a field may be set to: the extremes and around them.
    public static let extremes: [UInt64] = [
        0, 1, 7, 8, 23, 24, 25, 0xFFFF, 0xFFFF_FFFF, 0xFFFF_FFF8, 1 << 32, 1 << 62, (1 << 62) - 8, (1 << 62) + 8,
        1 << 63, UInt64(Int64.max), UInt64.max - 1, UInt64.max, UInt64.max - 7,
    ]

    private mutating func pick(_ values: [UInt64]) -> UInt64 { values[Int(random.next() % UInt64(values.count))] }
    private mutating func extreme() -> UInt64 {
        random.next() % 4 == 0 ? random.next() : pick(Self.extremes)
    }

    /// The next mutant (checksums valid) and what was changed.
    public mutating func next() -> (bytes: [UInt8], change: String) {
        var bytes = original
        var changes: [String] = []
        for _ in 0..<(1 + Int(random.next() % 3)) {
            let frame = frames[Int(random.next() % UInt64(frames.count))]
            switch random.next() % 9 {
            case 0, 1:
                let value = extreme()
                store(&bytes, value, at: frame.offset + 8, count: 8)
                changes.append("sequence of frame at \(frame.offset) = \(value)")
            case 2:
                let value = random.next() % 2 == 0 ? pick([0, 1, 2, 3, 0x100, 0x101, 0x1FF, 0x8000, 0xFFFF]) : random.next() & 0xFFFF
                store(&bytes, value, at: frame.offset + 4, count: 2)
                changes.append("kind of frame at \(frame.offset) = \(value)")
            case 3:
                let value = extreme() & 0xFFFF_FFFF
                store(&bytes, value, at: frame.offset, count: 4)
                changes.append("length of frame at \(frame.offset) = \(value)")
            case 4:
                let field = pick([64, 72, 80, 96])
                let value = random.next() % 2 == 0 ? extreme() : word(bytes, Int(field)) &+ pick([8, 16, 24, UInt64.max - 7])
                store(&bytes, value, at: Int(field), count: 8)
                changes.append("header word at \(field) = \(value)")
            default:
                // A number inside the payload (a marker's or record's JSON) becomes extreme.
                let numbers = ["18446744073709551615", "18446744073709551616", "99999999999999999999999999", "-1",
                               "9223372036854775807", "9223372036854775808", "0", "1e400", "-9223372036854775809"]
                let payload = (frame.offset + 24)..<(frame.offset + 24 + frame.length)
                if let digits = payload.first(where: { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 && random.next() % 4 == 0 }) ?? payload.first(where: { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }) {
                    var end = digits
                    while end < payload.upperBound, bytes[end] >= 0x30 && bytes[end] <= 0x39 { end += 1 }
                    let number = Array(numbers[Int(random.next() % UInt64(numbers.count))].utf8)
                    // Same length as the original: shorten or pad with leading digits' place.
                    let width = end - digits
                    let fitted = number.count >= width ? Array(number.prefix(width)) : number + [UInt8](repeating: 0x20, count: width - number.count)
                    bytes.replaceSubrange(digits..<end, with: fitted)
                    changes.append("number at \(digits) = \(String(decoding: fitted, as: UTF8.self))")
                }
            }
        }
        RingImage.reseal(&bytes)
        return (bytes, changes.joined(separator: "; "))
    }

    /// Fixed mutants every run includes: each frame field at each extreme, one at a time.
    public func extremeMutants() -> [(bytes: [UInt8], change: String)] {
        var result: [([UInt8], String)] = []
        let targets = [frames.first!, frames[frames.count / 2], frames.last!]
        for value in [UInt64.max, UInt64.max - 1, 1 << 63, 0] {
            for frame in targets {
                var bytes = original
                store(&bytes, value, at: frame.offset + 8, count: 8)
                RingImage.reseal(&bytes)
                result.append((bytes, "sequence of frame at \(frame.offset) = \(value)"))
            }
            var header = original
            store(&header, value, at: 80, count: 8)
            RingImage.reseal(&header)
            result.append((header, "next sequence = \(value)"))
        }
        return result
    }
}

private func word(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
    (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * $1) }
}

private func store(_ bytes: inout [UInt8], _ value: UInt64, at offset: Int, count: Int) {
    for i in 0..<count { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * i)) }
}
