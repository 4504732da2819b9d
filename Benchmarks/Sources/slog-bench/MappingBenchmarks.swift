import SlogRing
import Synchronization
internal import _SlogRingShims

#if canImport(Glibc)
    import Glibc
#endif

/// A file of `length` bytes mapped shared and writable, reserved and prefaulted exactly as
/// `RingWriter.create` does (`posix_fallocate`, then `madvise(MADV_POPULATE_WRITE)`), so the
/// raw benchmarks write into the same kind of memory as the ring. Unmapped, closed and
/// unlinked when dropped.
struct RawMapping: ~Copyable {
    let path: String
    let descriptor: Int32
    let base: UnsafeMutableRawPointer
    let length: Int

    init(path: String, length: Int) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw BenchError(errno: errno, "create \(path)") }
        let reserved = posix_fallocate(descriptor, 0, off_t(length))
        guard reserved == 0 else {
            close(descriptor)
            unlink(path)
            throw BenchError(errno: reserved, "reserve \(length) bytes for \(path)")
        }
        guard let base = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), base != MAP_FAILED
        else {
            let error = errno
            close(descriptor)
            unlink(path)
            throw BenchError(errno: error, "map \(path)")
        }
        let populateWrite: Int32 = 23  // MADV_POPULATE_WRITE (Linux 5.14+), as SlogRing uses
        _ = madvise(base, length, populateWrite)
        self.path = path
        self.descriptor = descriptor
        self.base = base
        self.length = length
    }

    deinit {
        munmap(base, length)
        close(descriptor)
        unlink(path)
    }
}

/// (3) The physical limit: the same bytes copied back to back into the data region of a
/// mapping the size of the ring file, with no frame, no checksum and no publishing store.
/// Starts over at the region's start when a record does not fit before its end. `Prefetch` on
/// (`limit-prefetch`): it also prefetches the lines it will write `RingWriter.prefetchDistance`
/// ahead, as `append` does, the best copy known; off (`limit`): a plain memcpy, the limit the
/// issue's targets are stated against.
struct LimitBenchmark<Prefetch: StaticFlag>: WriteBenchmark, ~Copyable {
    let mapping: RawMapping
    let data: UnsafeMutableRawPointer
    let capacity: Int
    var offset = 0

    init(path: String, capacity: Int) throws {
        mapping = try RawMapping(path: path, length: RingHeader.defaultHeaderSize + capacity)
        data = mapping.base + RingHeader.defaultHeaderSize
        self.capacity = capacity
    }

    @inline(__always)
    mutating func write(_ record: UnsafeRawBufferPointer) {
        let length = record.count
        if length > capacity - offset { offset = 0 }
        if Prefetch.isOn {
            prefetchForWriting(region: data, capacity: capacity, offset: offset + RingWriter.prefetchDistance, count: length)
        }
        (data + offset).copyMemory(from: record.baseAddress!, byteCount: length)
        offset += length
    }

    consuming func finish() throws -> FinishNotes { FinishNotes() }
}

/// A yes or no known at compile time: which steps of the append protocol a `FrameBenchmark`
/// performs. Static, so each variant's loop is compiled without the steps it skips.
protocol StaticFlag {
    static var isOn: Bool { get }
}

enum On: StaticFlag { static let isOn = true }
enum Off: StaticFlag { static let isOn = false }

/// The steps of `RingWriter.append` reproduced on a raw mapping, so each one's cost can be
/// measured by leaving it out (SlogRing has no switches for them, and should not: they are the
/// crash-safety protocol). Always: the 24-byte frame header (length, kind, sequence,
/// ~length) and the payload copy, frames 8-byte aligned, as FORMAT.md lays them out. By
/// variant: the CRC32C over header bytes 0..<16 and the payload with the same shim SlogRing
/// calls; the releasing stores of the write position and next sequence into the header page,
/// after every record or after every 64th.
///
/// Not reproduced: eviction (the ring's oldest-position store and fence when it laps; the
/// difference to `append` is that cost plus the API's checks) and padding frames at the
/// region's end (the frame just starts over at offset 0).
///
/// `Checksum`: compute the CRC32C of header and payload and store it in the frame.
/// `PublishEveryRecord`: publish (releasing stores of the write position and next sequence)
/// after every record; otherwise after every 64th.
struct FrameBenchmark<Checksum: StaticFlag, PublishEveryRecord: StaticFlag>: WriteBenchmark, ~Copyable {
    let mapping: RawMapping
    let data: UnsafeMutableRawPointer
    let capacity: Int
    let writeWord: UnsafePointer<Atomic<UInt64>>
    let sequenceWord: UnsafePointer<Atomic<UInt64>>
    var offset = 0
    var position: UInt64 = 0
    var sequence: UInt64 = 0

    static var frameHeaderSize: Int { 24 }
    static var batch: UInt64 { 64 }

    init(path: String, capacity: Int) throws {
        mapping = try RawMapping(path: path, length: RingHeader.defaultHeaderSize + capacity)
        data = mapping.base + RingHeader.defaultHeaderSize
        // The same header words as the ring's write position (64) and next sequence (80).
        writeWord = UnsafePointer((mapping.base + 64).assumingMemoryBound(to: Atomic<UInt64>.self))
        sequenceWord = UnsafePointer((mapping.base + 80).assumingMemoryBound(to: Atomic<UInt64>.self))
        self.capacity = capacity
    }

    @inline(__always)
    mutating func write(_ record: UnsafeRawBufferPointer) {
        let length = record.count
        let size = Self.frameHeaderSize + ((length + 7) & ~7)
        if size > capacity - offset {
            position += UInt64(capacity - offset)
            offset = 0
        }
        let frame = data + offset
        let word0 = UInt64(length) | UInt64(RecordKind.slog.rawValue) << 32
        frame.storeBytes(of: word0.littleEndian, toByteOffset: 0, as: UInt64.self)
        frame.storeBytes(of: sequence.littleEndian, toByteOffset: 8, as: UInt64.self)
        frame.storeBytes(of: (~UInt32(length)).littleEndian, toByteOffset: 20, as: UInt32.self)
        (frame + Self.frameHeaderSize).copyMemory(from: record.baseAddress!, byteCount: length)
        if Checksum.isOn {
            let header = slog_crc32c_update(0xFFFF_FFFF, frame, 16)
            let checksum = ~slog_crc32c_update(header, record.baseAddress!, length)
            frame.storeBytes(of: checksum.littleEndian, toByteOffset: 16, as: UInt32.self)
        }
        sequence &+= 1
        position &+= UInt64(size)
        offset += size
        if offset == capacity { offset = 0 }
        if PublishEveryRecord.isOn || sequence % Self.batch == 0 {
            // Releasing, as in RingWriter.append: publishes the frames written above.
            writeWord.pointee.store(position, ordering: .releasing)
            sequenceWord.pointee.store(sequence, ordering: .releasing)
        }
    }

    consuming func finish() throws -> FinishNotes { FinishNotes() }
}
