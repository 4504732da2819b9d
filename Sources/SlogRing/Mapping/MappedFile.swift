internal import Synchronization


/// Owns one open file descriptor and one shared mapping of that file.
///
/// The single place where raw pointers into the ring file are made. `~Copyable`, so exactly one
/// value owns the mapping: `deinit` unmaps and closes on a best-effort basis, `close()` does the
/// same and reports failures. Every accessor checks its range against `length` with a
/// `precondition`: a bad offset here is a bug in SlogRing, never a property of the file, because
/// callers validate file-derived offsets first.
@safe
struct MappedFile: ~Copyable {
    /// Start of the mapping.
    private let base: UnsafeMutableRawPointer
    /// Bytes mapped.
    let length: Int
    /// The open descriptor (kept for locks, `fsync` and `fstat`).
    let descriptor: Int32
    let writable: Bool
    /// The truncation guard's slot for this mapping (writers only; readers register their
    /// own), released before unmapping.
    private(set) var guardSlot: Int?
    /// Whether the truncation guard covers this mapping.
    var isGuarded: Bool { guardSlot != nil }
    /// The thread of `Prefaulting.aheadOfWriter`, joined before unmapping. Its state is held
    /// by a +1 `Unmanaged` reference, released by `stopPrefaulting()`: `discard self` in
    /// `close()` needs every stored property trivially destroyed.
    var prefault: (state: Unmanaged<PrefaultState>, thread: SystemThread)?

    /// Maps the first `length` bytes of `descriptor`, taking ownership of the descriptor: it is
    /// closed here on failure and by `deinit`/`close()` on success. `guarded` registers a
    /// writable mapping with the truncation guard, if the process installed it.
    init(descriptor: Int32, length: Int, writable: Bool, guarded: Bool = false) throws(Errno) {
        precondition(length > 0, "cannot map an empty range")
        let mapped: UnsafeMutableRawPointer
        do {
            unsafe mapped = try system_mmap(descriptor, length: length, writable: writable)
        } catch {
            try? system_close(descriptor)
            throw error
        }
        unsafe self.base = mapped
        self.length = length
        self.descriptor = descriptor
        self.writable = writable
        self.guardSlot = guarded ? unsafe TruncationGuard.register(mapped, length: length, writable: writable) : nil
    }

    deinit {
        // Before unmapping: the prefault thread must never touch an address that is unmapped
        // (or mapped again by someone else).
        stopPrefaulting()
        // Before unmapping: the guard must never replace a page of someone else's mapping.
        if let guardSlot { TruncationGuard.unregister(guardSlot) }
        // Best effort: errors cannot be reported from deinit. Use close() to see them.
        try? unsafe system_munmap(base, length: length)
        try? system_close(descriptor)
    }

    /// Unmaps and closes, reporting the first failure.
    consuming func close() throws(Errno) {
        stopPrefaulting()
        let (address, count, fd, slot) = unsafe (base, length, descriptor, guardSlot)
        discard self
        if let slot { TruncationGuard.unregister(slot) }
        var failure: Errno?
        do { try unsafe system_munmap(address, length: count) } catch { failure = error }
        do { try system_close(fd) } catch { failure = failure ?? error }
        if let failure { throw failure }
    }

    /// A pointer to the 64-bit atomic word at `offset` (8-byte aligned) inside the mapping.
    ///
    /// Shared with other processes: only plain `Atomic` operations are valid on it, never a
    /// `Mutex` (its futex is process-private).
    func atomicWord(at offset: Int) -> UnsafePointer<Atomic<UInt64>> {
        precondition(offset & 7 == 0 && offset >= 0 && offset + 8 <= length, "misaligned or out-of-bounds atomic word")
        // Safe: in bounds and 8-byte aligned (the mapping itself is page-aligned); the pointer
        // lives no longer than the mapping because the owner of this value holds both.
        return unsafe UnsafePointer((base + offset).assumingMemoryBound(to: Atomic<UInt64>.self))
    }

    /// Read-only raw pointer to `offset..<offset+count`, bounds-checked.
    func readPointer(at offset: Int, count: Int) -> UnsafeRawPointer {
        precondition(offset >= 0 && count >= 0 && offset <= length - count, "read outside the mapping")
        return unsafe UnsafeRawPointer(base + offset)
    }

    /// Writable raw pointer to `offset..<offset+count`, bounds-checked.
    func writePointer(at offset: Int, count: Int) -> UnsafeMutableRawPointer {
        precondition(writable, "write through a read-only mapping")
        precondition(offset >= 0 && count >= 0 && offset <= length - count, "write outside the mapping")
        return unsafe base + offset
    }

    /// Copies `count` bytes at `offset` into a new array (bounds-checked).
    func copyBytes(at offset: Int, count: Int) -> [UInt8] {
        let source = unsafe readPointer(at: offset, count: count)
        return unsafe [UInt8](UnsafeRawBufferPointer(start: source, count: count))
    }

    /// Writes dirty pages back and waits. The corresponding C functions are `msync` and `fsync`.
    func sync() throws(Errno) {
        try unsafe system_msync(base, length: length)
        try system_fsync(descriptor)
    }

    /// Prefaults every page writable so the first lap of appends takes no page faults.
    /// Best effort: ignored where `MADV_POPULATE_WRITE` is unavailable.
    func prefaultForWriting() {
        try? unsafe system_populateWrite(base, length: length)
    }
}
