/// A growable byte buffer for hot loops: appends check capacity only (no copy-on-write
/// uniqueness check per byte, as `[UInt8]` in an `inout` parameter has), and it is reused from
/// record to record without freeing.
///
/// A class, so a `CanonicalJSON` copied by value shares it: use one per thread.
// Safe: `base` is owned (allocated in `init`, freed in `deinit`), every store is within
// `capacity` (grown first) and every read within `count`; exclusivity is unchecked because one
// owner uses it at a time, as said above.
@safe package final class ByteBuffer {
    // No dynamic exclusivity checks on these (they cost more than the appends): the buffer is
    // used by one owner at a time and never re-entered.
    @exclusivity(unchecked) private var base: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var capacity: Int
    /// Bytes written.
    @exclusivity(unchecked) package private(set) var count = 0

    package init(capacity: Int = 4096) {
        unsafe self.capacity = max(capacity, 16)
        unsafe base = unsafe UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 8)
    }

    deinit { unsafe base.deallocate() }

    private func grow(to needed: Int) {
        let newCapacity = unsafe max(needed, capacity * 2)
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 8)
        unsafe newBase.copyMemory(from: base, byteCount: count)
        unsafe base.deallocate()
        unsafe base = unsafe newBase
        unsafe capacity = newCapacity
    }

    @inline(__always)
    package func append(_ byte: UInt8) {
        if unsafe count == capacity { unsafe grow(to: count + 1) }
        unsafe base.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        unsafe count += 1
    }

    @inline(__always)
    package func append(contentsOf bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        if unsafe count + bytes.count > capacity { unsafe grow(to: count + bytes.count) }
        unsafe (base + count).copyMemory(from: source, byteCount: bytes.count)
        unsafe count += bytes.count
    }

    package func append(contentsOf bytes: [UInt8]) {
        unsafe bytes.withUnsafeBytes { unsafe append(contentsOf: $0) }
    }

    package func append(contentsOf text: String.UTF8View) {
        for byte in text { append(byte) }
    }

    /// Forgets the bytes from `range.lowerBound` on.
    package func removeSubrange(_ range: PartialRangeFrom<Int>) {
        unsafe precondition(range.lowerBound >= 0 && range.lowerBound <= count)
        unsafe count = range.lowerBound
    }

    package func removeAll() { unsafe count = 0 }

    /// The bytes written, valid until the next mutation.
    package var bytes: UnsafeRawBufferPointer { unsafe UnsafeRawBufferPointer(start: base, count: count) }

    package func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        unsafe try body(bytes)
    }
}
