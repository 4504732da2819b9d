internal import _SlogRingShims

/// CRC32C (Castagnoli), the checksum of every frame and of the header.
///
/// Uses the SSE4.2 `crc32` instruction when the CPU has it (about 8 GB/s on one stream) and a
/// slicing-by-8 table otherwise; both give identical results. Known answer:
/// `CRC32C.checksum("123456789".utf8)` is `0xE3069283`.
public enum CRC32C {
    /// The running value to start a checksum with.
    static let initial: UInt32 = 0xFFFF_FFFF

    /// Continues `crc` (a running value, not yet finalized) over `bytes`.
    @inline(__always)
    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        // Safe: base and count describe the caller's live buffer.
        return unsafe slog_crc32c_update(crc, base, bytes.count)
    }

    /// The finished checksum of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        unsafe ~update(initial, bytes)
    }

    /// The finished checksum of `bytes`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        let array = Array(bytes)
        return unsafe array.withUnsafeBytes { unsafe checksum($0) }
    }

    /// The portable table implementation's checksum, for cross-checking the hardware one.
    package static func portableChecksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return 0 }
        return unsafe ~slog_crc32c_update_portable(initial, base, bytes.count)
    }

    /// Whether the hardware instruction is in use on this machine.
    public static var isHardwareAccelerated: Bool { slog_crc32c_is_hardware() != 0 }

    /// Whether buffers of 128 bytes and more are summed in three lanes joined by carry-less
    /// multiplies (x86-64 with SSE4.2 and PCLMULQDQ, once the join constants checked out).
    package static var usesThreeLanes: Bool { slog_crc32c_uses_lanes() != 0 }
}
