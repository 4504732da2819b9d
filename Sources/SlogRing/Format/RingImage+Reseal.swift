/// Checksum repair for ring images that tests and fuzzers forge on purpose.
///
/// Byte-level mutants of a ring almost always fail a checksum, so they only exercise the
/// readers' recovery paths. A mutant whose checksums are recomputed afterwards reaches the code
/// that *believes* a frame: sequence arithmetic, marker decoding, counts (issue 15: a CRC-valid
/// frame of sequence 2^64-1 crashed `slog-tail --verify`). Not used by any reader or writer.
package enum RingImage {
    /// Makes the header checksum and the checksum of every frame along the chain valid again
    /// (and each frame's `~length` check word consistent with its length), whatever the
    /// fields now say. Frames are found the way the writer lays them out: from the oldest
    /// position to the write position as the header words say, or, when those are unusable,
    /// from the start of the data region. Bytes outside the file are never touched.
    package static func reseal(_ bytes: inout [UInt8]) {
        guard bytes.count >= 64, bytes.loadLE(at: RingHeader.magicOffset) as UInt64 == RingHeader.magic else { return }
        let crc = CRC32C.checksum(bytes[0..<RingHeader.checksummedLength])
        bytes.storeLE(crc, at: RingHeader.headerChecksumOffset)
        let headerSize = Int(bytes.loadLE(at: RingHeader.headerSizeOffset) as UInt16)
        let capacity64: UInt64 = bytes.loadLE(at: RingHeader.capacityOffset)
        guard headerSize >= 128, capacity64 >= 64, capacity64 <= UInt64(bytes.count) else { return }
        let capacity = Int(capacity64)
        var position: UInt64 = 0
        var end = UInt64(capacity)
        if bytes.count >= RingHeader.writerOpenCountOffset + 8 {
            let write: UInt64 = bytes.loadLE(at: RingHeader.writePositionOffset)
            let oldest: UInt64 = bytes.loadLE(at: RingHeader.oldestPositionOffset)
            if oldest <= write, write - oldest <= UInt64(capacity), write < 1 << 62 {
                position = oldest & ~7
                end = write
            }
        }
        var steps = 0
        while position < end, steps < capacity / 8 {
            steps += 1
            let room = capacity - Int(position % UInt64(capacity))
            if room < FrameHeader.size { position += UInt64(room); continue }
            let offset = headerSize + Int(position % UInt64(capacity))
            guard offset + FrameHeader.size <= bytes.count else { return }
            let length: UInt32 = bytes.loadLE(at: offset + FrameHeader.lengthOffset)
            bytes.storeLE(~length, at: offset + FrameHeader.lengthComplementOffset)
            let kind: UInt16 = bytes.loadLE(at: offset + FrameHeader.kindOffset)
            let payloadLength = kind == RecordKind.padding.rawValue ? 0 : Int(length)
            let size = FrameHeader.frameSize(payloadLength: Int(length))
            guard offset + FrameHeader.size + payloadLength <= bytes.count else { return }
            let checksum = unsafe bytes.withUnsafeBytes { raw in
                unsafe FrameHeader.computeChecksum(
                    headerBytes: raw.baseAddress! + offset,
                    payload: UnsafeRawBufferPointer(rebasing: raw[(offset + FrameHeader.size)..<(offset + FrameHeader.size + payloadLength)]))
            }
            bytes.storeLE(checksum, at: offset + FrameHeader.checksumOffset)
            if size > room || size == 0 { return }
            position += UInt64(size)
        }
    }
}
