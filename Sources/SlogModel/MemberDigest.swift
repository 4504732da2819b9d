/// The order-free digest of a record's canonical members: the sum (two 64-bit lanes, wrapping)
/// of a 128-bit hash of each member's text, and their number. Two records with the same
/// members in any order have the same digest; a record whose members differ has another one
/// except with probability about 2^-64.
///
/// Not cryptographic: slog-diff uses it to find the crank whose records differ, then compares
/// that crank's records byte for byte. Consensus itself is judged by the node's crank hashes.
package struct MemberDigest: Equatable, Sendable {
    package var high: UInt64 = 0
    package var low: UInt64 = 0
    package var members: UInt64 = 0

    package init() {}

    /// Adds one member's canonical text (`"key":value`).
    @inline(__always)
    package mutating func add(_ text: UnsafeRawBufferPointer) {
        let (h, l) = unsafe Self.hash(text)
        high &+= h
        low &+= l
        members &+= 1
    }

    /// One 64-bit state folded with each of the text's 8-byte words by a full-width multiply
    /// (the 128-bit product's halves xored, as wyhash does), then with its length; the two
    /// halves of the result are MurmurHash3's `fmix64` of the state and one more fold.
    ///
    /// The words are read without a byte loop: for 8 bytes or more, whole words and then the
    /// last eight bytes (overlapping the previous word); for 4 to 7, the first four and the last
    /// four; for 1 to 3, the first, middle and last byte. For a given length the words cover
    /// every byte at fixed places, so texts of the same length differ in some word; the length
    /// itself is mixed in last.
    @inline(__always)
    static func hash(_ text: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var a: UInt64 = 0x243F_6A88_85A3_08D3
        @inline(__always)
        func mix(_ word: UInt64) { a = fold(a ^ word, 0x9FB2_1C65_1E98_DF25) }
        let count = text.count
        if count >= 8 {
            var index = 0
            while index + 8 < count {
                mix(unsafe UInt64(littleEndian: text.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
                index += 8
            }
            mix(unsafe UInt64(littleEndian: text.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)))
        } else if count >= 4 {
            let first = unsafe UInt64(UInt32(littleEndian: text.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
            let last = unsafe UInt64(UInt32(littleEndian: text.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)))
            mix(first | last << 32)
        } else if count > 0 {
            mix(unsafe UInt64(text[0]) | UInt64(text[count / 2]) << 8 | UInt64(text[count - 1]) << 16)
        }
        mix(UInt64(count) | 0x8000_0000_0000_0000)
        return (fmix(a), fold(a ^ 0x1319_8A2E_0370_7344, 0xBF58_476D_1CE4_E5B9))
    }

    /// The high and low halves of `x * y`'s 128-bit product, xored.
    @inline(__always)
    private static func fold(_ x: UInt64, _ y: UInt64) -> UInt64 {
        let product = x.multipliedFullWidth(by: y)
        return product.high ^ product.low
    }

    /// MurmurHash3's 64-bit finalizer (also slog-diff's crank digest's).
    @inline(__always)
    package static func fmix(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k &*= 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33
        k &*= 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return k
    }
}

extension ConsensusNormalizer.Canonicalizer {
    /// The ``MemberDigest`` of the members ``forEachCanonicalMember(of:_:)`` lists: of the record
    /// ``ConsensusNormalizer/canonicalMembers(_:using:)`` last found a
    /// ``ConsensusNormalizer/Canonical/record``.
    ///
    /// - Parameter bytes: The same record.
    /// - Note: `mutating` only to be read in place (see ``indexedValue(_:in:)``).
    package mutating func memberDigest(of bytes: UnsafeRawBufferPointer) -> MemberDigest {
        var digest = MemberDigest()
        if membersInResult {
            let result = unsafe json.result
            json.forEachTopLevelMember { range in unsafe digest.add(UnsafeRawBufferPointer(rebasing: result[range])) }
        } else {
            for member in topLevel where member.kept { unsafe digest.add(UnsafeRawBufferPointer(rebasing: bytes[member.text])) }
        }
        return digest
    }
}
