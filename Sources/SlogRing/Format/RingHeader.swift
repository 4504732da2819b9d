/// The file header, mirroring the byte table in `docs/FORMAT.md` (format version 1).
///
/// The first 64 bytes are written once at creation; bytes 0..<32 are covered by the checksum
/// stored at 32. The words at 64..<120 change while a writer runs and are read and written only
/// as 64-bit atomics through `MappedFile.atomicWord(at:)`. All integers are little-endian.
///
/// ```
///  0        8    10   12      16         24          32     36      64
///  | magic  | ver| hs | rsvd  | capacity | createdAt | crc  | rsvd  | mutable words ... | 4096: data
/// ```
public struct RingHeader: Equatable, Sendable {
    // MARK: Byte offsets (FORMAT.md "Header")
    static let magicOffset = 0
    static let formatVersionOffset = 8
    static let headerSizeOffset = 10
    static let capacityOffset = 16
    static let createdAtOffset = 24
    static let headerChecksumOffset = 32
    /// The checksum covers bytes 0..<32.
    static let checksummedLength = 32
    /// Logical position one past the newest published frame (atomic; released by the writer).
    static let writePositionOffset = 64
    /// Logical position of the oldest frame still valid (atomic; advanced before overwriting).
    static let oldestPositionOffset = 72
    /// Sequence number the next record will get (atomic).
    static let nextSequenceOffset = 80
    /// `RingFlags` bits (atomic).
    static let flagsOffset = 88
    /// How many times a writer has opened this file, including its creation (atomic).
    static let writerOpenCountOffset = 96
    /// Where the latest `release(before:)` moved the oldest position from (atomic; in the
    /// bytes v1 reserves as zero, so older writers leave it 0: see FORMAT.md).
    static let releasedFromOffset = 104
    /// Where the latest `release(before:)` moved the oldest position to (atomic).
    static let releasedToOffset = 112
    /// The header size the release words need.
    static let releaseWordsEnd = 120

    /// `"SLOGRNG\0"` read as a little-endian u64.
    public static let magic: UInt64 = 0x0047_4E52_474F_4C53
    /// The format version this build writes.
    public static let currentFormatVersion: UInt16 = 1
    /// The format versions this build reads.
    public static let supportedFormatVersions: ClosedRange<UInt16> = 1...1
    /// The header size this build writes: one page, so the data region is page-aligned.
    public static let defaultHeaderSize = 4096
    /// Frames, positions and the capacity are multiples of this.
    public static let alignment = 8
    /// The smallest data region a ring may have.
    public static let minimumCapacity = 64

    /// The file's format version (1 for files this build writes).
    public var formatVersion: UInt16
    /// Bytes before the data region (4096 in files this build writes).
    public var headerSize: Int
    /// Bytes in the data region; a multiple of 8.
    public var capacity: Int
    /// Creation time, nanoseconds since the Unix epoch (informational only).
    public var createdAtNanoseconds: UInt64

    /// A version-1 header for a data region of `capacity` bytes, created at the given time.
    public init(capacity: Int, createdAtNanoseconds: UInt64) {
        self.formatVersion = Self.currentFormatVersion
        self.headerSize = Self.defaultHeaderSize
        self.capacity = capacity
        self.createdAtNanoseconds = createdAtNanoseconds
    }

    /// The whole file: header plus data region.
    public var fileSize: Int { headerSize + capacity }

    /// The immutable first 64 bytes, checksum included. Bytes 64..<headerSize start zeroed.
    public func encodedPrefix() -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 64)
        bytes.storeLE(Self.magic, at: Self.magicOffset)
        bytes.storeLE(formatVersion, at: Self.formatVersionOffset)
        bytes.storeLE(UInt16(headerSize), at: Self.headerSizeOffset)
        bytes.storeLE(UInt64(capacity), at: Self.capacityOffset)
        bytes.storeLE(createdAtNanoseconds, at: Self.createdAtOffset)
        let crc = CRC32C.checksum(bytes[0..<Self.checksummedLength])
        bytes.storeLE(crc, at: Self.headerChecksumOffset)
        return bytes
    }

    /// Why a header could not be used.
    public enum Problem: Error, Equatable, Sendable {
        /// Fewer than 64 bytes.
        case tooShort(Int)
        /// The first 8 bytes are not `SLOGRNG\0`: not a ring of ours (or an unrelated file).
        case badMagic(UInt64)
        /// A version this build does not know; a newer build may read it.
        case unsupportedVersion(UInt16)
        /// The stored checksum does not match bytes 0..<32.
        case checksumMismatch(stored: UInt32, computed: UInt32)
        /// A field is outside what version 1 allows.
        case invalidField(String)
    }

    /// Decodes and validates the immutable prefix.
    ///
    /// Checks, in order: length, magic, version, checksum, header size, capacity. The magic and
    /// version come before the checksum so that a newer format is reported as such.
    public static func decode(_ bytes: some Collection<UInt8>) -> Result<RingHeader, Problem> {
        let b = Array(bytes.prefix(64))
        guard b.count >= 64 else { return .failure(.tooShort(b.count)) }
        let magic: UInt64 = b.loadLE(at: magicOffset)
        guard magic == Self.magic else { return .failure(.badMagic(magic)) }
        let version: UInt16 = b.loadLE(at: formatVersionOffset)
        guard supportedFormatVersions.contains(version) else { return .failure(.unsupportedVersion(version)) }
        let stored: UInt32 = b.loadLE(at: headerChecksumOffset)
        let computed = CRC32C.checksum(b[0..<checksummedLength])
        guard stored == computed else { return .failure(.checksumMismatch(stored: stored, computed: computed)) }
        let headerSize = Int(b.loadLE(at: headerSizeOffset) as UInt16)
        guard headerSize >= 128, headerSize % alignment == 0 else {
            return .failure(.invalidField("headerSize \(headerSize) is not a multiple of 8 of at least 128"))
        }
        let capacity64: UInt64 = b.loadLE(at: capacityOffset)
        guard capacity64 >= UInt64(minimumCapacity), capacity64 % UInt64(alignment) == 0,
            capacity64 <= UInt64(Int.max / 2)
        else {
            return .failure(.invalidField("capacity \(capacity64) is not a multiple of 8 of at least \(minimumCapacity)"))
        }
        var header = RingHeader(capacity: Int(capacity64), createdAtNanoseconds: b.loadLE(at: createdAtOffset))
        header.formatVersion = version
        header.headerSize = headerSize
        return .success(header)
    }
}

/// Bits of the header's `flags` word.
public struct RingFlags: OptionSet, Sendable {
    /// The flag bits as stored in the header word.
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// The ring holds evidence (a black box) and must not be written again.
    public static let sealed = RingFlags(rawValue: 1 << 0)
}

extension Array where Element == UInt8 {
    /// Stores `value` little-endian at `offset` (bounds-checked).
    mutating func storeLE<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        var v = value.littleEndian
        for i in 0..<MemoryLayout<T>.size {
            self[offset + i] = UInt8(truncatingIfNeeded: v)
            v = v >> 8
        }
    }

    /// Loads a little-endian `T` at `offset` (bounds-checked).
    func loadLE<T: FixedWidthInteger>(at offset: Int) -> T {
        var v: T = 0
        for i in (0..<MemoryLayout<T>.size).reversed() {
            v = (v << 8) | T(self[offset + i])
        }
        return v
    }
}
