import Foundation
import Testing
@testable import SlogRing

/// CRC32C (Castagnoli): known answers, the hardware path (three lanes joined by carry-less
/// multiplies) against the portable table at every length up to 1,200 and alignment, and incremental updates against one-shot checksums.
@Suite struct ChecksumTests {
    @Test func knownAnswers() {
        // The check value of the CRC catalogue, and the iSCSI vectors of RFC 3720 appendix B.4.
        #expect(CRC32C.checksum("123456789".utf8) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0x00, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test func knownAnswersFromThePortableTable() {
        let vectors: [([UInt8], UInt32)] = [
            (Array("123456789".utf8), 0xE306_9283),
            ([UInt8](repeating: 0x00, count: 32), 0x8A91_36AA),
            ([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
            ((0..<32).map { UInt8($0) }, 0x46DD_794E),
            ((0..<32).reversed().map { UInt8($0) }, 0x113F_DB5C),
        ]
        for (bytes, expected) in vectors {
            #expect(bytes.withUnsafeBytes { CRC32C.portableChecksum($0) } == expected)
        }
    }

    @Test func hardwareEqualsPortableAtEveryLengthAndAlignment() {
        // On a CPU without SSE4.2 both sides are the table; the bitwise reference below still
        // checks it independently.
        // From 128 bytes on the hardware path sums three lanes of 8-byte words (at most 256
        // bytes each, then another block) and joins them: lengths up to 1,200 cover every
        // lane length, two blocks, and every remainder.
        let bytes = Self.pseudoRandomBytes(count: 8 + 1200)
        bytes.withUnsafeBytes { all in
            for alignment in 0..<8 {
                for length in 0...1200 {
                    let slice = UnsafeRawBufferPointer(rebasing: all[alignment..<(alignment + length)])
                    let fast = CRC32C.checksum(slice)
                    let portable = CRC32C.portableChecksum(slice)
                    #expect(fast == portable, "length \(length), alignment \(alignment)")
                    if alignment == 3 {
                        #expect(fast == Self.bitwiseReference(slice), "length \(length)")
                    }
                }
            }
        }
        // The buffer-pointer and sequence entry points agree, and a nil buffer is the empty one.
        #expect(CRC32C.checksum(UnsafeRawBufferPointer(start: nil, count: 0)) == 0)
        #expect(CRC32C.portableChecksum(UnsafeRawBufferPointer(start: nil, count: 0)) == 0)
        #expect(bytes.withUnsafeBytes { CRC32C.checksum($0) } == CRC32C.checksum(bytes[...]))
    }

    /// On an x86-64 CPU with SSE4.2 and PCLMULQDQ the three-lane path is in use (so the test
    /// above checked it, not only the single chain): its join constants were found and checked.
    @Test func threeLanesAreInUseWhereTheCPUHasTheInstructions() throws {
        #if arch(x86_64)
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }.map { Set($0.split(separator: " ")) } ?? []
        if flags.contains("sse4_2") && flags.contains("pclmulqdq") {
            #expect(CRC32C.isHardwareAccelerated)
            #expect(CRC32C.usesThreeLanes)
        } else {
            print("this CPU lacks SSE4.2 or PCLMULQDQ: the single chain is checked instead")
            #expect(!CRC32C.usesThreeLanes)
        }
        #else
        #expect(!CRC32C.usesThreeLanes)
        #endif
    }

    /// A frame's checksum, computed in one call over its 16 header bytes and its payload, is the
    /// CRC32C of those bytes one after the other, for payloads of every length up to 300 (and
    /// none: a padding frame's).
    @Test func frameChecksumInOneCallAtEveryPayloadLength() {
        let bytes = Self.pseudoRandomBytes(count: 16 + 300)
        bytes.withUnsafeBytes { all in
            for length in 0...300 {
                let header = all.baseAddress!
                let payload = UnsafeRawBufferPointer(rebasing: all[16..<(16 + length)])
                let expected = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[..<(16 + length)]))
                #expect(FrameHeader.computeChecksum(headerBytes: header, payload: payload) == expected, "length \(length)")
            }
            let empty = UnsafeRawBufferPointer(start: nil, count: 0)
            #expect(FrameHeader.computeChecksum(headerBytes: all.baseAddress!, payload: empty)
                == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: all[..<16])))
        }
    }

    @Test func incrementalUpdateEqualsOneShot() {
        let bytes = Self.pseudoRandomBytes(count: 97)
        let whole = CRC32C.checksum(bytes)
        bytes.withUnsafeBytes { all in
            for split in 0...all.count {
                let first = CRC32C.update(CRC32C.initial, UnsafeRawBufferPointer(rebasing: all[..<split]))
                let both = CRC32C.update(first, UnsafeRawBufferPointer(rebasing: all[split...]))
                #expect(~both == whole, "split at \(split)")
            }
            // Byte by byte, as three pieces, and with empty pieces in between.
            var running = CRC32C.initial
            for index in 0..<all.count {
                running = CRC32C.update(running, UnsafeRawBufferPointer(rebasing: all[index..<(index + 1)]))
                running = CRC32C.update(running, UnsafeRawBufferPointer(start: nil, count: 0))
            }
            #expect(~running == whole)
        }
    }

    @Test func frameChecksumIsTheChecksumOfHeaderThenPayload() {
        // FORMAT.md "Frames": CRC32C of frame bytes 0..<16 followed by the payload.
        let header: [UInt8] = [0x0c, 0, 0, 0, 2, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0]
        let payload = Array(#"{"type":"x"}"#.utf8)
        let computed = header.withUnsafeBytes { head in
            payload.withUnsafeBytes { FrameHeader.computeChecksum(headerBytes: head.baseAddress!, payload: $0) }
        }
        #expect(computed == CRC32C.checksum(header + payload))
        #expect(computed == 0xF8EE_5A62)  // the FORMAT.md example frame
    }

    // MARK: Support

    /// A straightforward bit-at-a-time CRC32C (reflected polynomial 0x82F63B78), independent of
    /// both implementations under test.
    static func bitwiseReference(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    static func pseudoRandomBytes(count: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }
}
