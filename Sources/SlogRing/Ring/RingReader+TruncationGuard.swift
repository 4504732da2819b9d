internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Keeps a reader alive when its ring file is truncated underneath it.
///
/// A load from a page of a shared file mapping that lies wholly past the file's end raises
/// `SIGBUS`. Checking the size with `fstat` before each access cannot close the window: a busy
/// reader spends most of its time copying, so a truncation almost always lands between the
/// check and the copy. Instead, every reader mapping is registered here, and a `SIGBUS` handler
/// that finds the faulting address inside a registered mapping replaces that one page with a
/// private, read-only page of zeros (`mmap(MAP_FIXED | MAP_ANONYMOUS)`) and returns: the
/// faulting load runs again and reads zeros, and the fault is counted. Zeros are never a valid
/// frame (kind 0), so nothing invented is returned; the reader checks the count after every
/// copy and, when it moved, asks `fstat` and stops at the new end of file with a
/// `.beyondEndOfFile` issue (see `RingReader.checkForTruncation()`).
///
/// Opt-in, once per process (`RingFile.installTruncationGuard()`): a library must not change
/// its host's signal handling unasked (issue 15). The tools install it at start; a node that
/// links FlightRecorder may, to keep its writer alive too. Without it, readers and writers map
/// their files unguarded, and a truncation underneath them is SIGBUS as for any mapping.
///
/// Writers opened after installation are registered too, with a writable replacement page:
/// the append that faulted writes into anonymous memory, sees the fault count move before it
/// publishes anything, finds the file shorter than its mapping, and throws `.truncated`, as
/// every later append does (RingWriter+Truncation). FlightRecorder counts those records as
/// dropped and says why in `lastError`; the host keeps running.
///
/// Costs: one relaxed atomic load per append on a guarded writer (none unguarded); one relaxed
/// atomic load per frame on the reader. Faults at any
/// other address are passed on to the handler that was installed before (the Swift runtime's
/// backtracer, a sanitizer) or, if there was none, to the default action, so crashes elsewhere
/// still crash. The handler calls only `mmap` and atomics. At most `slotCount` mappings are
/// guarded at once; a reader opened beyond that is unguarded (and behaves as before).
enum TruncationGuard {
    static let slotCount = 64
    /// `[start, end)` of each guarded mapping; 0/0 when free. A slot is filled start-first
    /// and emptied end-first, so the handler never sees a half-written range as valid.
    nonisolated(unsafe) static let starts = UnsafeMutablePointer<Atomic<UInt>>.allocate(capacity: slotCount)
    nonisolated(unsafe) static let ends = UnsafeMutablePointer<Atomic<UInt>>.allocate(capacity: slotCount)
    /// 1 where the slot's mapping is a writer's (its replacement page must be writable).
    nonisolated(unsafe) static let writable = UnsafeMutablePointer<Atomic<UInt>>.allocate(capacity: slotCount)
    /// Whether `install()` ran (and succeeded); nothing is registered before.
    static let isInstalled = Atomic<Bool>(false)
    /// Faults absorbed so far, in any guarded mapping of this process.
    static let faults = Atomic<UInt64>(0)
    nonisolated(unsafe) static var previous = sigaction()
    nonisolated(unsafe) static var pageSize: UInt = 4096

    /// Installs the handler, once per process; returns whether it is installed.
    static func install() -> Bool {
        let done = installed
        // Releasing: the slot arrays were initialized before; pairs with the acquiring load
        // in register().
        if done { isInstalled.store(true, ordering: .releasing) }
        return done
    }

    /// Installs the handler once per process (thread-safe: a global's initializer runs once).
    private static let installed: Bool = {
        for slot in 0..<slotCount {
            unsafe (starts + slot).initialize(to: Atomic(0))
            unsafe (ends + slot).initialize(to: Atomic(0))
            unsafe (writable + slot).initialize(to: Atomic(0))
        }
        unsafe pageSize = UInt(max(4096, sysconf(Int32(_SC_PAGESIZE))))
        var action = sigaction()
        unsafe action.__sigaction_handler.sa_sigaction = truncationGuardHandler
        action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK
        unsafe sigemptyset(&action.sa_mask)
        return unsafe sigaction(SIGBUS, &action, &previous) == 0
    }()

    /// Guards `[address, address + length)`; returns the slot to pass to `unregister`, or nil.
    static func register(_ address: UnsafeRawPointer, length: Int, writable isWritable: Bool = false) -> Int? {
        // Acquiring: pairs with the releasing store in install().
        guard isInstalled.load(ordering: .acquiring) else { return nil }
        let start = UInt(bitPattern: address)
        for slot in 0..<slotCount {
            if unsafe starts[slot].compareExchange(expected: 0, desired: start, ordering: .relaxed).exchanged {
                unsafe writable[slot].store(isWritable ? 1 : 0, ordering: .relaxed)
                // Releasing: publishes the start and writable flag with the end; pairs with
                // the acquiring load of the end in slot(containing:).
                unsafe ends[slot].store(start + UInt(length), ordering: .releasing)
                return slot
            }
        }
        return nil
    }

    /// Stops guarding a slot; call before unmapping.
    static func unregister(_ slot: Int) {
        unsafe ends[slot].store(0, ordering: .releasing)
        unsafe starts[slot].store(0, ordering: .releasing)
    }

    /// The slot of the guarded mapping `address` lies in, if any (async-signal-safe: atomics
    /// only).
    static func slot(containing address: UInt) -> Int? {
        for slot in 0..<slotCount {
            let end = unsafe ends[slot].load(ordering: .acquiring)
            let start = unsafe starts[slot].load(ordering: .relaxed)
            if start != 0, end != 0, address >= start, address < end { return slot }
        }
        return nil
    }
}

/// The `SIGBUS` handler (see `TruncationGuard`).
private func truncationGuardHandler(
    _ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?
) {
    if let info = unsafe info {
        let address = unsafe UInt(bitPattern: info.pointee._sifields._sigfault.si_addr)
        if let slot = TruncationGuard.slot(containing: address) {
            let pageSize = unsafe TruncationGuard.pageSize
            let page = unsafe UnsafeMutableRawPointer(bitPattern: address & ~(pageSize - 1))
            // A writer's store must succeed too: its page is writable (private, so nothing
            // written there reaches any file).
            let protection = unsafe TruncationGuard.writable[slot].load(ordering: .relaxed) == 1 ? PROT_READ | PROT_WRITE : PROT_READ
            let replaced = unsafe mmap(page, Int(pageSize), protection, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
            if unsafe replaced != MAP_FAILED {
                TruncationGuard.faults.add(1, ordering: .relaxed)
                return
            }
        }
    }
    // Not ours: hand it to whoever had it before, or restore the default and let the fault
    // happen again (it does, as soon as this returns) so the process dies as it would have.
    let previous = unsafe TruncationGuard.previous
    if previous.sa_flags & SA_SIGINFO != 0, let handler = unsafe previous.__sigaction_handler.sa_sigaction {
        unsafe handler(signal, info, context)
        return
    }
    let plain = unsafe previous.__sigaction_handler.sa_handler
    if let plain, unsafe unsafeBitCast(plain, to: Int.self) > 1 {  // neither SIG_DFL (0) nor SIG_IGN (1)
        plain(signal)
        return
    }
    var fallback = sigaction()
    unsafe fallback.__sigaction_handler.sa_handler = nil  // SIG_DFL
    unsafe sigemptyset(&fallback.sa_mask)
    unsafe sigaction(signal, &fallback, nil)
}

extension RingReader {
    /// Whether the guard absorbed a fault since this reader last looked; if so, and the file is
    /// now shorter than the mapping, notes `.beyondEndOfFile` at the new end and stops the reader
    /// there (it returns `nil` from then on: the pages past the end read as zeros). One relaxed
    /// atomic load when nothing happened.
    mutating func checkForTruncation() -> Bool {
        if truncatedAt != nil { return true }
        let faults = TruncationGuard.faults.load(ordering: .relaxed)
        guard faults != faultsSeen else { return false }
        faultsSeen = faults
        let size = (try? system_fileSize(file.descriptor)) ?? 0
        guard size < file.length else { return false }  // another reader's fault
        truncatedAt = size
        pendingIssues.append(ReadIssue(
            reason: .beyondEndOfFile(fileSize: size), fileOffset: size, byteCount: max(0, file.length - size)))
        pendingFirstLost = nil
        stashedRecord = nil
        return true
    }
}
