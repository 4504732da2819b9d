internal import _SlogRingShims

/// The 24-byte header in front of every record in the data region (FORMAT.md "Frames").
///
/// ```
///  0        4      6       8           16          20               24
///  | length | kind | flags | sequence  | checksum  | ~length        | payload ... | pad to 8
/// ```
/// `checksum` is CRC32C over bytes 0..<16 of the frame followed by the payload (for padding
/// frames, over bytes 0..<16 only). `lengthComplement` is `~length`, a free plausibility check
/// that lets a recovery scan skip garbage without computing checksums.
struct FrameHeader: Equatable {
    static let size = 24
    static let lengthOffset = 0
    static let kindOffset = 4
    static let flagsOffset = 6
    static let sequenceOffset = 8
    static let checksumOffset = 16
    static let lengthComplementOffset = 20
    /// Bytes 0..<16 are covered by the checksum.
    static let checksummedHeaderBytes = 16

    var length: UInt32
    var kind: RecordKind
    var flags: UInt16
    var sequence: UInt64
    var checksum: UInt32
    var lengthComplement: UInt32

    /// Bytes a frame with `payloadLength` bytes occupies: header plus payload rounded up to 8.
    @inline(__always)
    static func frameSize(payloadLength: Int) -> Int {
        size + ((payloadLength + 7) & ~7)
    }

    /// Bytes this frame occupies in the data region. A padding frame's `length` counts the
    /// bytes after its header up to the end of the region.
    var frameSize: Int { Self.frameSize(payloadLength: Int(length)) }

    /// Whether the fields are self-consistent (no checksum computed).
    var isPlausible: Bool {
        kind.isValid && flags == 0 && lengthComplement == ~length
    }

    /// Decodes the 24 bytes at `pointer` (any alignment).
    init(loadingFrom pointer: UnsafeRawPointer) {
        unsafe length = UInt32(littleEndian: pointer.loadUnaligned(fromByteOffset: Self.lengthOffset, as: UInt32.self))
        unsafe kind = RecordKind(
            rawValue: UInt16(littleEndian: pointer.loadUnaligned(fromByteOffset: Self.kindOffset, as: UInt16.self)))
        unsafe flags = UInt16(littleEndian: pointer.loadUnaligned(fromByteOffset: Self.flagsOffset, as: UInt16.self))
        unsafe sequence = UInt64(littleEndian: pointer.loadUnaligned(fromByteOffset: Self.sequenceOffset, as: UInt64.self))
        unsafe checksum = UInt32(littleEndian: pointer.loadUnaligned(fromByteOffset: Self.checksumOffset, as: UInt32.self))
        unsafe lengthComplement = UInt32(
            littleEndian: pointer.loadUnaligned(fromByteOffset: Self.lengthComplementOffset, as: UInt32.self))
    }

    init(length: UInt32, kind: RecordKind, sequence: UInt64) {
        self.length = length
        self.kind = kind
        self.flags = 0
        self.sequence = sequence
        self.checksum = 0
        self.lengthComplement = ~length
    }

    /// Writes bytes 0..<16 and 20..<24 (everything but the checksum) at `pointer`.
    @inline(__always)
    func storeFields(to pointer: UnsafeMutableRawPointer) {
        let word0 = UInt64(length) | UInt64(kind.rawValue) << 32 | UInt64(flags) << 48
        unsafe pointer.storeBytes(of: word0.littleEndian, toByteOffset: 0, as: UInt64.self)
        unsafe pointer.storeBytes(of: sequence.littleEndian, toByteOffset: Self.sequenceOffset, as: UInt64.self)
        unsafe pointer.storeBytes(
            of: lengthComplement.littleEndian, toByteOffset: Self.lengthComplementOffset, as: UInt32.self)
    }

    /// The checksum of a frame whose first 16 header bytes are at `headerBytes`, over `payload`.
    @inline(__always)
    static func computeChecksum(headerBytes: UnsafeRawPointer, payload: UnsafeRawBufferPointer) -> UInt32 {
        // One call for both pieces (issue #17); the same value as CRC32C.checksum of the 16
        // header bytes followed by the payload (ChecksumTests).
        unsafe slog_frame_checksum(headerBytes, checksummedHeaderBytes, payload.baseAddress, payload.count)
    }
}
