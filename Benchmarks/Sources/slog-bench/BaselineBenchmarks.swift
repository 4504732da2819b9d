#if canImport(Glibc)
    import Glibc
#endif

/// (4) The baseline a validator has today: Agoric's JavaScript flight recorder's design, in
/// Swift, so the comparison is about the design and not the language.
///
/// Its file (`../shared/slog-reference.md` §5): a 32-byte header of four big-endian u64 (magic
/// "AG-SLOG!", arena size, circStart, circEnd), then a circular arena of records, each a
/// big-endian u64 length and the data (`"\n"` + JSON). Per record: one `pwrite` of the record
/// (two when it wraps the arena's end), then one 32-byte `pwrite` of the header.
///
/// Kinder to the baseline than the original: the file is reserved with `posix_fallocate` like
/// the ring, and the lengths of the records evicted to make room are kept in memory, where
/// Agoric's recorder reads each evicted length prefix back from the file.
struct PwriteBaseline: WriteBenchmark, ~Copyable {
    let descriptor: Int32
    let path: String
    let arenaSize: Int
    /// Length prefix + "\n" + JSON of the record being written.
    let scratch: UnsafeMutableRawPointer
    let scratchCapacity: Int
    let header: UnsafeMutableRawPointer
    var circStart = 0
    var circEnd = 0
    var used = 0
    /// Sizes of the records in the arena, oldest first from `evictIndex`.
    var sizes: [Int] = []
    var evictIndex = 0

    static let headerSize = 32
    static let magic: UInt64 = 0x4147_2D53_4C4F_4721  // "AG-SLOG!"

    init(path: String, capacity: Int, largestRecord: Int) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw BenchError(errno: errno, "create \(path)") }
        let reserved = posix_fallocate(descriptor, 0, off_t(Self.headerSize + capacity))
        guard reserved == 0 else {
            close(descriptor)
            unlink(path)
            throw BenchError(errno: reserved, "reserve \(capacity) bytes for \(path)")
        }
        self.descriptor = descriptor
        self.path = path
        self.arenaSize = capacity
        scratchCapacity = largestRecord + 9
        scratch = .allocate(byteCount: scratchCapacity, alignment: 8)
        header = .allocate(byteCount: Self.headerSize, alignment: 8)
        sizes.reserveCapacity(1 << 16)
    }

    deinit {
        scratch.deallocate()
        header.deallocate()
        close(descriptor)
        unlink(path)
    }

    @inline(__always)
    mutating func write(_ record: UnsafeRawBufferPointer) {
        let total = 9 + record.count
        precondition(total <= scratchCapacity && total < arenaSize, "record larger than the baseline's buffer")
        // Evict the oldest records until this one fits (never exactly full: Agoric's reader
        // takes circStart == circEnd for empty).
        while used + total >= arenaSize {
            let size = sizes[evictIndex]
            evictIndex += 1
            circStart = (circStart + size) % arenaSize
            used -= size
        }
        if evictIndex > 4096 && evictIndex * 2 > sizes.count {
            sizes.removeFirst(evictIndex)
            evictIndex = 0
        }
        scratch.storeBytes(of: UInt64(record.count + 1).bigEndian, as: UInt64.self)
        scratch.storeBytes(of: UInt8(ascii: "\n"), toByteOffset: 8, as: UInt8.self)
        (scratch + 9).copyMemory(from: record.baseAddress!, byteCount: record.count)
        let first = min(total, arenaSize - circEnd)
        writeAll(scratch, first, at: Self.headerSize + circEnd)
        if first < total { writeAll(scratch + first, total - first, at: Self.headerSize) }
        circEnd = (circEnd + total) % arenaSize
        used += total
        sizes.append(total)
        header.storeBytes(of: Self.magic.bigEndian, toByteOffset: 0, as: UInt64.self)
        header.storeBytes(of: UInt64(arenaSize).bigEndian, toByteOffset: 8, as: UInt64.self)
        header.storeBytes(of: UInt64(circStart).bigEndian, toByteOffset: 16, as: UInt64.self)
        header.storeBytes(of: UInt64(circEnd).bigEndian, toByteOffset: 24, as: UInt64.self)
        writeAll(header, Self.headerSize, at: 0)
    }

    private func writeAll(_ bytes: UnsafeRawPointer, _ count: Int, at offset: Int) {
        let written = pwrite(descriptor, bytes, count, off_t(offset))
        guard written == count else { fatalError("pwrite \(path): \(written) of \(count) bytes, errno \(errno)") }
    }

    consuming func finish() throws -> FinishNotes { FinishNotes() }
}

/// (5) An ordinary slogfile: each record and a newline appended to a 64 KiB buffer that is
/// handed to `write(2)` when full (what a buffered stream does), on a file opened `O_APPEND`.
/// No `fsync`. The file grows; it is deleted when the measurement ends.
struct BufferedAppend: WriteBenchmark, ~Copyable {
    let descriptor: Int32
    let path: String
    let buffer: UnsafeMutableRawPointer
    var used = 0
    var flushed = 0

    static let bufferSize = 64 << 10

    init(path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw BenchError(errno: errno, "create \(path)") }
        self.descriptor = descriptor
        self.path = path
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 64)
    }

    deinit {
        buffer.deallocate()
        close(descriptor)
        unlink(path)
    }

    @inline(__always)
    mutating func write(_ record: UnsafeRawBufferPointer) {
        let length = record.count
        precondition(length < Self.bufferSize, "record larger than the buffer")
        if used + length + 1 > Self.bufferSize { flush() }
        (buffer + used).copyMemory(from: record.baseAddress!, byteCount: length)
        buffer.storeBytes(of: UInt8(ascii: "\n"), toByteOffset: used + length, as: UInt8.self)
        used += length + 1
    }

    mutating func flush() {
        var done = 0
        while done < used {
            let written = Glibc.write(descriptor, buffer + done, used - done)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { fatalError("write \(path): errno \(errno)") }
            done += written
        }
        flushed += used
        used = 0
    }

    consuming func finish() throws -> FinishNotes {
        flush()
        var status = stat()
        guard fstat(descriptor, &status) == 0, Int(status.st_size) == flushed else {
            throw BenchError("\(path) holds \(status.st_size) bytes, \(flushed) were written")
        }
        return FinishNotes(check: "file holds all \(flushed) bytes")
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }

    init(errno code: Int32, _ what: String) {
        description = "cannot \(what): \(String(cString: strerror(code)))"
    }
}
