import SlogRing

/// Reads byte ranges of a file through a 256 KiB cache with `pread` (no mapping, so a file
/// truncated meanwhile gives short reads, never `SIGBUS`).
///
/// Memory: the cache is at most 256 KiB and never larger than the file; a range larger than the
/// cache is read straight into the caller's buffer.
struct CachedFileBytes {
    let file: InputFile
    /// The file's size when it was opened; nothing at or past it is read.
    let fileSize: Int
    /// The last read error, if any (the range then counts as missing).
    var readError: Errno?
    private var cache: [UInt8] = []
    private var cacheOffset = 0
    private var cacheCount = 0
    /// Bytes per read: a quarter of a MiB stays in the CPU's second-level cache while the
    /// records in it are checked and copied out (a full dump ran ~6% faster than with 1 MiB).
    static let chunkSize = 256 << 10

    init(file: InputFile, fileSize: Int) {
        self.file = file
        self.fileSize = fileSize
    }

    /// Copies bytes `offset..<offset+count` into `destination`; false if any is not in the file.
    mutating func copy(at offset: Int, count: Int, into destination: UnsafeMutableRawPointer) -> Bool {
        guard count > 0 else { return true }
        guard offset >= 0, count <= fileSize - offset else { return false }
        if count > Self.chunkSize {
            do {
                let got = unsafe try file.read(into: UnsafeMutableRawBufferPointer(start: destination, count: count), at: offset)
                return got == count
            } catch {
                readError = error
                return false
            }
        }
        guard ensureCached(offset, count) else { return false }
        unsafe cache.withUnsafeBytes { cached in
            unsafe destination.copyMemory(from: cached.baseAddress! + (offset - cacheOffset), byteCount: count)
        }
        return true
    }

    /// Calls `body` with bytes `offset..<offset+count` (`count` at most `chunkSize`); `nil` if
    /// they are not all in the file.
    mutating func withBytes<R>(at offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        precondition(count <= Self.chunkSize)
        guard offset >= 0, count >= 0, count <= fileSize - offset, ensureCached(offset, count) else { return nil }
        let start = offset - cacheOffset
        return unsafe cache.withUnsafeBytes { unsafe body(UnsafeRawBufferPointer(rebasing: $0[start..<start + count])) }
    }

    /// Makes `offset..<offset+count` (at most `chunkSize` bytes) present in the cache.
    private mutating func ensureCached(_ offset: Int, _ count: Int) -> Bool {
        if offset >= cacheOffset && offset + count <= cacheOffset + cacheCount { return true }
        if cache.isEmpty { cache = [UInt8](repeating: 0, count: min(Self.chunkSize, fileSize)) }
        let want = min(cache.count, fileSize - offset)
        let result = unsafe cache.withUnsafeMutableBytes { bytes in
            Result { () throws(Errno) -> Int in
                unsafe try file.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[..<want]), at: offset)
            }
        }
        switch result {
        case .success(let got): cacheCount = got
        case .failure(let error):
            readError = error
            cacheCount = 0
            return false
        }
        cacheOffset = offset
        return count <= cacheCount
    }
}
