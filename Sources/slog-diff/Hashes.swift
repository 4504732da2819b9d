import SlogModel

/// A crank's `crankhash` or `activityhash` in 32 bytes: the hash itself when it is the usual
/// 64 lowercase-or-uppercase hex digits, otherwise the SHA-256 of its text (hostile or older
/// inputs), so any value compares by identity while memory stays fixed per crank.
struct HashID: Hashable {
    var words: (UInt64, UInt64, UInt64, UInt64)

    static func == (a: HashID, b: HashID) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
            && a.isHex == b.isHex
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    /// From a string value; `nil` if the span is not a string.
    init?(_ span: JSONValueSpan, in bytes: UnsafeRawBufferPointer) {
        guard span.isString else { return nil }
        var isHex = span.range.count == 64 && !span.hasEscapes
        func word(_ first: Int) -> UInt64 {
            guard let value = Self.hex16(bytes, at: first) else {
                isHex = false
                return 0
            }
            return value
        }
        if isHex {
            let start = span.range.lowerBound
            words = (word(start), word(start + 16), word(start + 32), word(start + 48))
        } else {
            words = (0, 0, 0, 0)
        }
        if !isHex {
            var hasher = SHA256()
            hasher.update(Array("not hex:".utf8))
            hasher.update(UnsafeRawBufferPointer(rebasing: bytes[span.range]))
            let digest = hasher.finalize()
            func word(_ n: Int) -> UInt64 { (0..<8).reduce(0) { $0 << 8 | UInt64(digest[n * 8 + $1]) } }
            words = (word(0), word(1), word(2), word(3))
        }
        self.isHex = isHex
    }

    /// The value of the 16 hex digits (`0-9`, `a-f`, `A-F`) at `start`, or `nil`.
    ///
    /// Not `Hex.value`: this runs for every crank-finish, and the generic one was not
    /// specialized across the module boundary (a third of slog-diff's time, issue #17).
    private static func hex16(_ bytes: UnsafeRawBufferPointer, at start: Int) -> UInt64? {
        guard start >= 0, start + 16 <= bytes.count,
            let high = hex8(bytes.loadUnaligned(fromByteOffset: start, as: UInt64.self)),
            let low = hex8(bytes.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self))
        else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    /// The value of eight hex digits loaded as a little-endian word (the first digit in the
    /// lowest byte), eight at a time (SWAR), or `nil` if one is not a hex digit.
    ///
    /// For ASCII bytes `x`, `x + (0x80 - n)` has bit 7 set exactly when `x >= n`, without a
    /// carry into the next byte: so each byte is tested against the ranges `0-9` and (case
    /// folded by `| 0x20`) `a-f`. A digit's value is its low nibble, plus 9 for a letter (bit
    /// 6 set); the nibbles are then packed first digit first.
    static func hex8(_ loaded: UInt64) -> UInt32? {
        let word = UInt64(littleEndian: loaded)
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        guard word & highs == 0 else { return nil }
        func atLeast(_ value: UInt64, _ n: UInt64) -> UInt64 { (value &+ ones &* (0x80 - n)) & highs }
        let digits = atLeast(word, 0x30) & ~atLeast(word, 0x3A)
        let folded = word | (ones &* 0x20)
        let letters = atLeast(folded, 0x61) & ~atLeast(folded, 0x67)
        guard digits | letters == highs else { return nil }
        let nibbles = (word & (ones &* 0x0F)) &+ ((word >> 6) & ones) &* 9
        let pairs = ((nibbles & 0x000F_000F_000F_000F) << 4) | ((nibbles >> 8) & 0x000F_000F_000F_000F)
        let quads = ((pairs & 0x0000_00FF_0000_00FF) << 8) | ((pairs >> 16) & 0x0000_00FF_0000_00FF)
        return UInt32(truncatingIfNeeded: ((quads & 0xFFFF) << 16) | ((quads >> 32) & 0xFFFF))
    }

    /// Whether the value was a 64-digit hex hash (as opposed to other text, kept as its SHA-256).
    var isHex: Bool

    /// The hash as 64 lowercase hex digits; for a value that was not hex, a description.
    var text: String {
        guard isHex else { return "(not a hex hash)" }
        let digits = Array("0123456789abcdef")
        var out = ""
        for word in [words.0, words.1, words.2, words.3] {
            for shift in stride(from: 60, through: 0, by: -4) { out.append(digits[Int(word >> UInt64(shift) & 15)]) }
        }
        return out
    }
}

/// A 128-bit digest of a crank's normalized records: equal digests mean the cranks'
/// consensus records are (with overwhelming probability) byte for byte the same.
///
/// Not cryptographic: it only decides which crank's records to look at again, and the records
/// are then compared byte for byte. Consensus itself is judged by the node's own crank hashes.
struct Digest: Hashable {
    var high: UInt64
    var low: UInt64

    /// The digest of a crank with no compared records.
    static let empty = Digest(high: 0, low: 0)
}

/// Accumulates a crank's `Digest` from its records' member digests (`MemberDigest`, in
/// SlogModel), in order: two 64-bit multiply-rotate lanes over each record's two digest words
/// and member count (so record boundaries and order count), finished with MurmurHash3's
/// `fmix64`. About ten times faster than SHA-256 here, which dominated the first pass.
struct Digester {
    private var a: UInt64 = 0x243F_6A88_85A3_08D3
    private var b: UInt64 = 0x1319_8A2E_0370_7344
    private var records: UInt64 = 0

    /// Adds one record given as the combined digest of its members and their number.
    mutating func add(record: Digest, members: UInt64) {
        mix(record.high)
        mix(record.low)
        mix(members | 0x4000_0000_0000_0000)
        records &+= 1
    }

    @inline(__always)
    private mutating func mix(_ word: UInt64) {
        a = ((a ^ word) &* 0x9FB2_1C65_1E98_DF25).rotatedLeft(by: 31)
        b = ((b &+ word) &* 0xBF58_476D_1CE4_E5B9).rotatedLeft(by: 27) ^ a
    }

    consuming func finalize() -> Digest {
        Digest(high: MemberDigest.fmix(a ^ records), low: MemberDigest.fmix(b &+ a &* 0x94D0_49BB_1331_11EB))
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(by count: UInt64) -> UInt64 { self << count | self >> (64 - count) }
}
