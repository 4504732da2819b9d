/// SHA-256 (FIPS 180-4), streaming, in pure Swift.
///
/// ```swift
/// var hasher = SHA256()
/// hasher.update(Array("ab".utf8))
/// hasher.update(Array("c".utf8))
/// let digest = hasher.finalize()   // 32 bytes: ba7816bf…
/// ```
package struct SHA256 {
    /// The hash state H0…H7.
    private var state: State
    /// Bytes of an incomplete block (fewer than 64).
    private var buffer: [UInt8]
    /// Total message length in bytes.
    private var length: UInt64 = 0

    /// Starts a new hash.
    package init() {
        state = State()
        buffer = []
        buffer.reserveCapacity(State.blockSize)
    }

    /// Hashes `bytes` in one call.
    package static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Adds `bytes` to the message.
    package mutating func update(_ bytes: [UInt8]) {
        unsafe bytes.withUnsafeBytes { unsafe update($0) }
    }

    /// Adds `bytes` to the message.
    ///
    /// - Complexity: O(n); whole blocks are compressed straight from `bytes` without copying.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        length &+= UInt64(bytes.count)
        var offset = 0
        if !buffer.isEmpty {
            let take = min(State.blockSize - buffer.count, bytes.count)
            unsafe buffer.append(contentsOf: bytes[0..<take])
            offset = take
            guard buffer.count == State.blockSize else { return }
            unsafe buffer.withUnsafeBytes { unsafe state.compress($0, at: 0) }
            buffer.removeAll(keepingCapacity: true)
        }
        while bytes.count - offset >= State.blockSize {
            unsafe state.compress(bytes, at: offset)
            offset += State.blockSize
        }
        if offset < bytes.count {
            unsafe buffer.append(contentsOf: bytes[offset...])
        }
    }

    /// Pads the message and returns the 32-byte digest.
    package consuming func finalize() -> [UInt8] {
        let bitLength = length &* 8
        // Padding: 0x80, zeros up to 56 mod 64, then the 64-bit big-endian bit length.
        var padding: [UInt8] = [0x80]
        let afterMarker = (buffer.count + 1) % State.blockSize
        let zeros = afterMarker <= 56 ? 56 - afterMarker : 64 + 56 - afterMarker
        padding.append(contentsOf: repeatElement(0, count: zeros))
        for shift in stride(from: 56, through: 0, by: -8) {
            padding.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        let savedLength = length
        update(padding)
        precondition(buffer.isEmpty, "SHA256 padding must end on a block boundary")
        length = savedLength
        return state.digest()
    }
}

extension SHA256 {
    /// The eight working words and the compression function.
    private struct State {
        static let blockSize = 64

        var h0: UInt32 = 0x6a09_e667, h1: UInt32 = 0xbb67_ae85, h2: UInt32 = 0x3c6e_f372, h3: UInt32 = 0xa54f_f53a
        var h4: UInt32 = 0x510e_527f, h5: UInt32 = 0x9b05_688c, h6: UInt32 = 0x1f83_d9ab, h7: UInt32 = 0x5be0_cd19

        /// The round constants K0…K63 (FIPS 180-4 §4.2.2).
        private static let k: [UInt32] = [
            0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
            0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
            0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
            0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
            0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
            0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
            0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
            0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
        ]

        /// Compresses the 64-byte block at `offset` into the state (FIPS 180-4 §6.2.2).
        mutating func compress(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
            precondition(offset >= 0 && bytes.count - offset >= Self.blockSize)
            var w = InlineArray<64, UInt32>(repeating: 0)
            for t in 0..<16 {
                w[t] = unsafe UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset + 4 * t, as: UInt32.self))
            }
            for t in 16..<64 {
                let s0 = w[t - 15].rotatedRight(7) ^ w[t - 15].rotatedRight(18) ^ (w[t - 15] >> 3)
                let s1 = w[t - 2].rotatedRight(17) ^ w[t - 2].rotatedRight(19) ^ (w[t - 2] >> 10)
                w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, h) = (h0, h1, h2, h3, h4, h5, h6, h7)
            let k = Self.k
            for t in 0..<64 {
                let sigma1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
                let choose = (e & f) ^ (~e & g)
                let t1 = h &+ sigma1 &+ choose &+ k[t] &+ w[t]
                let sigma0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                let t2 = sigma0 &+ majority
                (h, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d
            h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
        }

        /// H0…H7 as 32 big-endian bytes.
        func digest() -> [UInt8] {
            var result: [UInt8] = []
            result.reserveCapacity(32)
            for word in [h0, h1, h2, h3, h4, h5, h6, h7] {
                result.append(UInt8(truncatingIfNeeded: word >> 24))
                result.append(UInt8(truncatingIfNeeded: word >> 16))
                result.append(UInt8(truncatingIfNeeded: word >> 8))
                result.append(UInt8(truncatingIfNeeded: word))
            }
            return result
        }
    }
}

extension UInt32 {
    /// Rotates right by `count` bits (0 < count < 32).
    fileprivate func rotatedRight(_ count: UInt32) -> UInt32 {
        (self >> count) | (self << (32 - count))
    }
}

/// Lowercase hexadecimal, two digits per byte: the form slog `crankhash`/`activityhash` use.
package func hexString(_ bytes: some Sequence<UInt8>) -> String {
    var characters: [UInt8] = []
    characters.reserveCapacity(bytes.underestimatedCount * 2)
    let digits: StaticString = "0123456789abcdef"
    digits.withUTF8Buffer { digits in
        for byte in bytes {
            unsafe characters.append(digits[Int(byte >> 4)])
            unsafe characters.append(digits[Int(byte & 0x0F)])
        }
    }
    return String(decoding: characters, as: UTF8.self)
}
