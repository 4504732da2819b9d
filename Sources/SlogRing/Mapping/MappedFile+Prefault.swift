internal import Synchronization

/// How a writer's mapping is made resident and writable before appends reach it.
///
/// A write to a page of a shared file mapping that is not resident and writable is a page
/// fault: 1.2–1.8 µs (docs/DESIGN.md, "No page faults on the first lap"). Prefaulting with
/// `madvise(MADV_POPULATE_WRITE)` moves that work off the append path. It costs the same per
/// page either way; the policies differ in *when* and in how much of the ring is resident.
package enum Prefaulting: Int, Sendable {
    /// Every page at `create`/`open`, before it returns: ~76 ms per 256 MiB on ext4 (more on
    /// a loaded machine), and the ring's whole size resident (RSS) from the start. Nothing
    /// runs in the background. The default: a recorder inside a long-running node pays it
    /// once, and its appends never fault on the first lap.
    case wholeRingAtOpen = 0
    /// The pages from the write position up to `Prefaulter.initialBytes` at `create`/`open`,
    /// then a background thread keeps `Prefaulter.lookaheadBytes` ahead of the write
    /// position prefaulted, until every page of the ring has been once (the thread then
    /// ends). Open costs ~1 ms, and resident memory grows with what was written instead of
    /// jumping to the ring's size. For `slog-record`, whose CPU per line (issue #17) was
    /// dominated by prefaulting 256 MiB to record a few MB. An append that outruns the
    /// thread takes an ordinary page fault; it never waits for the thread.
    case aheadOfWriter = 1
}

/// The state a prefault thread shares with the mapping's owner. Addresses are kept as
/// integers: the thread uses them only while the owner keeps the mapping, which it unmaps
/// only after `stop()` has joined the thread.
final class PrefaultState: Sendable {
    let base: UInt
    let mappingLength: Int
    let headerSize: Int
    let capacity: Int
    /// The byte offset of the header's write position word.
    let writePositionOffset: Int
    /// The write position when prefaulting began, and its offset in the data region.
    let startPosition: UInt64
    /// Set by `stop()`; checked between chunks.
    let stopRequested = Atomic<Bool>(false)
    /// Bytes of the data region prefaulted from `startPosition` on (for tests).
    let prefaulted = Atomic<Int>(0)
    let wake: (read: Int32, write: Int32)

    init(base: UInt, mappingLength: Int, headerSize: Int, capacity: Int, writePositionOffset: Int,
         startPosition: UInt64, wake: (read: Int32, write: Int32)) {
        self.base = base
        self.mappingLength = mappingLength
        self.headerSize = headerSize
        self.capacity = capacity
        self.writePositionOffset = writePositionOffset
        self.startPosition = startPosition
        self.wake = wake
    }
}

/// The background half of `Prefaulting.aheadOfWriter`.
///
/// Steps, on its own thread:
/// 1. Read the write position (a relaxed load: it is only a hint of how far to go).
/// 2. Prefault, 1 MiB at a time, until `lookaheadBytes` past it are prefaulted (wrapping at
///    the end of the data region like the ring does).
/// 3. Once the whole data region has been prefaulted, end.
/// 4. Otherwise wait for the writer: 1 ms to 1 s; 1 ms as soon as the writer used more than a
///    quarter of the lookahead since the last look, doubled each time it used less than 1/16,
///    so a fast writer is followed closely and an idle one costs one wake-up a second (a
///    burst after idling is absorbed by the lookahead: 16 MiB is several busy blocks of
///    slog). `stop()` wakes it at once through a pipe.
enum Prefaulter {
    /// Prefaulted before `create`/`open` return, from the write position on.
    static let initialBytes = 2 << 20
    /// How far ahead of the write position the thread keeps pages prefaulted.
    static let lookaheadBytes = 16 << 20
    /// One `madvise` call's worth: short enough that `stop()` never waits long.
    static let chunkBytes = 1 << 20

    /// Prefaults `count` bytes of the data region starting `from` bytes after `startPosition`
    /// (wrapping), page-aligned outward. Best effort.
    static func prefault(_ state: PrefaultState, from: Int, count: Int) {
        var done = 0
        while done < count {
            let ringOffset = Int((state.startPosition &+ UInt64(from + done)) % UInt64(state.capacity))
            let piece = min(count - done, state.capacity - ringOffset)
            populate(state, fileOffset: state.headerSize + ringOffset, length: piece)
            done += piece
        }
    }

    /// `MADV_POPULATE_WRITE` on the pages covering `fileOffset..<fileOffset+length`.
    private static func populate(_ state: PrefaultState, fileOffset: Int, length: Int) {
        let page = 4096
        let first = fileOffset / page * page
        let end = min(state.mappingLength, (fileOffset + length + page - 1) / page * page)
        guard end > first else { return }
        // Safe: `first..<end` lies inside the mapping, which stays mapped until the thread is
        // joined (see PrefaultState).
        let address = unsafe UnsafeMutableRawPointer(bitPattern: state.base + UInt(first))!
        try? unsafe system_populateWrite(address, length: end - first)
    }

    /// The thread's body (steps above).
    static func run(_ state: PrefaultState) {
        var prefaulted = state.prefaulted.load(ordering: .relaxed)
        var lastWritten = 0
        var waitMilliseconds: Int32 = 8
        // Safe: the write position word is inside the mapping, 8-byte aligned (see above).
        let word = unsafe UnsafePointer<Atomic<UInt64>>(
            bitPattern: state.base + UInt(state.writePositionOffset))!
        while !state.stopRequested.load(ordering: .relaxed) {
            let write = unsafe word.pointee.load(ordering: .relaxed)
            let written = Int(min(UInt64(state.capacity), write &- state.startPosition))
            let target = min(state.capacity, written + lookaheadBytes)
            while prefaulted < target && !state.stopRequested.load(ordering: .relaxed) {
                let piece = min(chunkBytes, target - prefaulted)
                prefault(state, from: prefaulted, count: piece)
                prefaulted += piece
                state.prefaulted.store(prefaulted, ordering: .relaxed)
            }
            if prefaulted >= state.capacity { return }
            let used = written - lastWritten
            lastWritten = written
            if used > lookaheadBytes / 4 {
                waitMilliseconds = 1  // a burst: follow closely at once, not after halvings
            } else if used < lookaheadBytes / 16 {
                waitMilliseconds = min(1000, waitMilliseconds * 2)
            }
            if system_waitReadable(state.wake.read, milliseconds: waitMilliseconds) { return }
        }
    }
}

extension MappedFile {
    /// Prefaults the pages a writer at `writePosition` appends to next, as `policy` says.
    ///
    /// - Parameters:
    ///   - headerSize: where the data region starts in the file.
    ///   - capacity: bytes in the data region.
    ///   - writePositionOffset: the header's write position word, followed by the thread.
    mutating func prefaultForWriting(
        _ policy: Prefaulting, writePosition: UInt64, headerSize: Int, capacity: Int, writePositionOffset: Int
    ) {
        guard policy == .aheadOfWriter, writable, unsafe prefault == nil else {
            prefaultForWriting()
            return
        }
        guard let wake = try? system_wakePipe() else {
            prefaultForWriting()
            return
        }
        let state = unsafe PrefaultState(
            base: UInt(bitPattern: writePointer(at: 0, count: length)), mappingLength: length, headerSize: headerSize,
            capacity: capacity, writePositionOffset: writePositionOffset, startPosition: writePosition, wake: wake)
        // The header page (its words are stored on every append), then the first pages.
        Prefaulter.populateHeader(state)
        let initial = min(capacity, Prefaulter.initialBytes)
        Prefaulter.prefault(state, from: 0, count: initial)
        state.prefaulted.store(initial, ordering: .relaxed)
        guard initial < capacity else {
            Prefaulter.closeWake(state)
            return
        }
        do {
            let thread = try system_startThread { Prefaulter.run(state) }
            unsafe prefault = unsafe (Unmanaged.passRetained(state), thread)
        } catch {
            Prefaulter.closeWake(state)
            prefaultForWriting()
        }
    }

    /// Stops and joins the prefault thread, if one runs (before the mapping goes away), and
    /// releases its state. Called once, by `deinit` or `close()`.
    func stopPrefaulting() {
        guard let (state, thread) = unsafe prefault else { return }
        unsafe Prefaulter.stop(state.takeRetainedValue(), thread)
    }

    /// Bytes of the data region prefaulted from the write position at open, when a prefault
    /// thread was started (`nil` otherwise). For tests.
    var prefaultedBytes: Int? { unsafe prefault?.state.takeUnretainedValue().prefaulted.load(ordering: .relaxed) }
}

extension Prefaulter {
    static func populateHeader(_ state: PrefaultState) {
        populate(state, fileOffset: 0, length: state.headerSize)
    }

    /// Asks the thread to end, waits for it, and closes the wake pipe.
    static func stop(_ state: PrefaultState, _ thread: SystemThread) {
        state.stopRequested.store(true, ordering: .relaxed)
        system_writeByte(state.wake.write)
        system_joinThread(thread)
        closeWake(state)
    }

    static func closeWake(_ state: PrefaultState) {
        try? system_close(state.wake.read)
        try? system_close(state.wake.write)
    }
}
