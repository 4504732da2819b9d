import TestSupport
import Foundation
import Testing

@testable import SlogModel
import SlogRing

@Suite struct SHA256Tests {
    private func digest(_ text: String) -> String {
        hexString(SHA256.hash(Array(text.utf8)))
    }

    // FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf").
    @Test func emptyMessage() {
        #expect(digest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func abc() {
        #expect(digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func message448Bits() {
        #expect(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func message896Bits() {
        let message = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
        #expect(digest(message) == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    @Test func oneMillionAsStreamedInUnevenChunks() {
        let a = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        var hasher = SHA256()
        let chunkSizes = [1, 63, 64, 65, 7, 1000, 3, 128, 0, 4095]
        var offset = 0
        var step = 0
        a.withUnsafeBytes { bytes in
            while offset < bytes.count {
                let size = min(chunkSizes[step % chunkSizes.count], bytes.count - offset)
                hasher.update(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + size]))
                offset += size
                step += 1
            }
        }
        #expect(hexString(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Messages around the padding boundaries (55/56 bytes fit or spill the length; 64 is a block).
    @Test(arguments: [
        (55, "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59"),
        (56, "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562"),
        (63, "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488"),
        (64, "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108"),
        (65, "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781"),
        (119, "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6"),
        (120, "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c"),
    ])
    func paddingBoundaries(length: Int, expected: String) {
        let message = (0..<length).map { UInt8($0) }
        #expect(hexString(SHA256.hash(message)) == expected)
        // Every split point gives the same digest as one call.
        for split in 0...length {
            var hasher = SHA256()
            hasher.update(Array(message[..<split]))
            hasher.update(Array(message[split...]))
            #expect(hexString(hasher.finalize()) == expected)
        }
    }

    @Test func hexStringIsLowercaseTwoDigitsPerByte() {
        #expect(hexString([0x00, 0x0F, 0xA0, 0xFF]) == "000fa0ff")
        #expect(hexString([UInt8]()) == "")
        #expect(SHA256.hash([]).count == 32)
    }

    /// activityhash = sha256("activityhash\n" + previous activityhash + "\n" + crankhash + "\n")
    /// (slog-reference.md §2): the real 2022 kernel slog verifies link by link.
    @Test
    func verifiesTheActivityHashChainOfARealSlog() throws {
        var previous: String?
        var verified = 0
        var links = 0
        let keys = ["type", "crankhash", "activityhash"].map { Array($0.utf8) }
        for (file, _, bytes) in try RealSlog.lines() where file.hasPrefix("sample.slog") {
            let fields: [String?] = bytes.withUnsafeBytes { raw in
                JSONScan.values(forKeys: keys, in: raw).map { span in
                    span.flatMap { JSONScan.unescapedString($0, in: raw) }.map { String(decoding: $0, as: UTF8.self) }
                }
            }
            guard fields[0] == "crank-finish", let crankhash = fields[1], let activityhash = fields[2] else { continue }
            if let previous {
                links += 1
                let input = "activityhash\n\(previous)\n\(crankhash)\n"
                if digest(input) == activityhash { verified += 1 }
            }
            previous = activityhash
        }
        // Some host-side steps advance the hash without a slog record, so a few links have gaps.
        #expect(links >= 75)
        #expect(verified >= 74)
    }
}
