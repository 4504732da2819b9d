internal import Synchronization
internal import _SlogRingShims


/// The single writer of a ring file: appends framed records, overwriting the oldest when full.
///
/// ```swift
/// var writer = try RingWriter.openOrCreate(path: "node.ring", capacity: 64 << 20)
/// let sequence = try writer.append(Array(#"{"type":"crank-start"}"#.utf8))
/// try writer.close()
/// ```
///
/// Appends take no lock and make no system call: the frame is written into the shared mapping,
/// then the write position is published with a releasing store. A process killed at any instant
/// leaves a file that reopens with every published record intact (the page cache keeps it); call
/// `sync()` for durability against power loss too.
///
/// `~Copyable` and not `Sendable`: one owner, one thread at a time. `FlightRecorder` wraps it in
/// a `Mutex` for multi-threaded callers. A second writer on the same file (in this process or
/// another) is refused with `SlogRingError.lockedByAnotherWriter`; readers are always allowed.
@safe
public struct RingWriter: ~Copyable {
    let file: MappedFile
    /// The path the ring was opened with (for error messages).
    public let path: String
    /// The validated header.
    public let header: RingHeader
    /// Bytes in the data region.
    public var capacity: Int { header.capacity }

    // Shared words in the mapping (see RingHeader for offsets and FORMAT.md for the protocol).
    let writeWord: UnsafePointer<Atomic<UInt64>>
    let oldestWord: UnsafePointer<Atomic<UInt64>>
    let nextSequenceWord: UnsafePointer<Atomic<UInt64>>
    let flagsWord: UnsafePointer<Atomic<UInt64>>
    /// Start of the data region.
    let data: UnsafeMutableRawPointer

    // Private copies of the shared words: the writer is their only writer, so it never needs
    // to load them back.
    var writePosition: UInt64
    var oldestPosition: UInt64
    var nextSequence: UInt64
    /// `writePosition % capacity`, kept incrementally so appends do no division.
    var writeOffset: Int
    /// The truncation guard's fault count last seen (guarded writers only), and the error
    /// every append throws once the file was found truncated (RingReader+TruncationGuard).
    var faultsSeen: UInt64
    var truncation: SlogRingError?

    /// The largest payload `append` accepts: a frame that fills the whole data region.
    public var maximumPayloadLength: Int {
        min(capacity - FrameHeader.size, Int(UInt32.max) - 7)
    }

    init(file: consuming MappedFile, path: String, header: RingHeader) {
        let dataStart = header.headerSize
        unsafe self.writeWord = file.atomicWord(at: RingHeader.writePositionOffset)
        unsafe self.oldestWord = file.atomicWord(at: RingHeader.oldestPositionOffset)
        unsafe self.nextSequenceWord = file.atomicWord(at: RingHeader.nextSequenceOffset)
        unsafe self.flagsWord = file.atomicWord(at: RingHeader.flagsOffset)
        unsafe self.data = file.writePointer(at: dataStart, count: header.capacity)
        // Relaxed: this process holds the writer lock, so nothing else stores these words;
        // the values were validated by the caller (see open/create).
        self.writePosition = unsafe writeWord.pointee.load(ordering: .relaxed)
        self.oldestPosition = unsafe oldestWord.pointee.load(ordering: .relaxed)
        self.nextSequence = unsafe nextSequenceWord.pointee.load(ordering: .relaxed)
        self.writeOffset = Int(writePosition % UInt64(header.capacity))
        self.faultsSeen = TruncationGuard.faults.load(ordering: .relaxed)
        self.file = file
        self.path = path
        self.header = header
    }

    /// The position of the oldest frame a reader can still read.
    public var oldest: RingPosition { RingPosition(oldestPosition) }
    /// The position where the next frame (or the padding before it) starts.
    public var write: RingPosition { RingPosition(writePosition) }
    /// The sequence number the next record will get.
    public var nextRecordSequence: UInt64 { nextSequence }
    /// Bytes between the oldest frame and the write position.
    public var bytesUsed: Int { Int(writePosition - oldestPosition) }

    // MARK: Appending

    /// Appends one record and returns its sequence number.
    ///
    /// Steps:
    /// 1. If the frame does not fit before the end of the data region, the rest of the region
    ///    becomes padding first (`wrap()`): the oldest frames whose bytes the padding header
    ///    covers are evicted, the padding header is written, and the write position is published
    ///    at offset 0 of the next lap. The ring is then valid on its own, without the record.
    /// 2. If the frame would overwrite the oldest frames, the oldest position is moved past them
    ///    and published *before* any of their bytes change (so a reader copying them notices).
    /// 3. The frame header, payload and checksum are written.
    /// 4. The write position is published with a releasing store; the record is now visible to
    ///    readers and survives the death of this process.
    ///
    /// At no instant is the oldest position past the write position, so a process killed
    /// anywhere in these steps leaves a ring that every reader and `open` accept.
    ///
    /// - Throws: `SlogRingError.recordTooLarge` when the frame would not fit in the whole data
    ///   region; nothing is written then. Never fails otherwise.
    /// - Precondition: `kind` is neither `.padding` nor kind 0 (both reserved for the ring);
    ///   violating it traps.
    /// - Complexity: O(payload length + number of frames evicted).
    @inline(__always)
    public mutating func append(_ payload: UnsafeRawBufferPointer, kind: RecordKind = .slog) throws(SlogRingError) -> UInt64 {
        precondition(kind != .padding && kind.isValid, "padding and kind 0 are reserved for the ring itself")
        let length = payload.count
        guard length <= maximumPayloadLength else {
            throw .recordTooLarge(size: length, maximum: maximumPayloadLength)
        }
        // Guarded writers only: one relaxed load, unless the guard absorbed a fault.
        if file.isGuarded { try checkForTruncation() }
        let size = FrameHeader.frameSize(payloadLength: length)
        if size > capacity - writeOffset { wrap() }
        let start = writePosition
        let end = start + UInt64(size)
        if end - oldestPosition > UInt64(capacity) {
            evict(toFree: end - UInt64(capacity))
        }
        prefetchAhead(size)
        let sequence = nextSequence
        let frame = unsafe data + writeOffset
        unsafe FrameHeader(length: UInt32(length), kind: kind, sequence: sequence).storeFields(to: frame)
        if let source = payload.baseAddress, length > 0 {
            // Safe: size <= room after wrapping, so header + payload stay inside the region.
            unsafe (frame + FrameHeader.size).copyMemory(from: source, byteCount: length)
        }
        let checksum = unsafe FrameHeader.computeChecksum(headerBytes: frame, payload: payload)
        unsafe frame.storeBytes(of: checksum.littleEndian, toByteOffset: FrameHeader.checksumOffset, as: UInt32.self)
        // The stores above may have gone to a page the guard put in place of a truncated one:
        // publish nothing then.
        if file.isGuarded { try checkForTruncation() }

        nextSequence = sequence &+ 1
        writePosition = end
        writeOffset += size
        if writeOffset == capacity { writeOffset = 0 }
        // Releasing: publishes the frame bytes written above; pairs with the acquiring load of
        // the write position in RingReader.nextInChain().
        unsafe writeWord.pointee.store(end, ordering: .releasing)
        // Releasing, and after the write position: a reader that loads next sequence N with
        // acquire knows every record below N is published (RingReader.settledNextSequence).
        unsafe nextSequenceWord.pointee.store(nextSequence, ordering: .releasing)
        #if SLOG_INTERNAL_CHECKS
        _checkInvariants()
        #endif
        return sequence
    }

    /// Appends one record given as bytes. See `append(_:kind:)` for the contract.
    @inline(__always)
    public mutating func append(_ bytes: [UInt8], kind: RecordKind = .slog) throws(SlogRingError) -> UInt64 {
        let result = unsafe bytes.withUnsafeBytes { buffer in
            Result { () throws(SlogRingError) -> UInt64 in try unsafe append(buffer, kind: kind) }
        }
        return try result.get()
    }

    /// Appends one record given as a string's UTF-8 bytes. See `append(_:kind:)`.
    public mutating func append(_ string: String, kind: RecordKind = .slog) throws(SlogRingError) -> UInt64 {
        var string = string
        let result = string.withUTF8 { buffer in
            Result { () throws(SlogRingError) -> UInt64 in try unsafe append(UnsafeRawBufferPointer(buffer), kind: kind) }
        }
        return try result.get()
    }

    /// How far ahead of the write position `append` asks the CPU for ring memory. The ring was
    /// last written a lap ago, so its lines are out of every cache; fetching them for writing a
    /// few records early hides much of the wait (issue #17; `Benchmarks/probes/prefetch.c`:
    /// 256 B copies into a cold 128 MiB mapping 10-27% faster, distances 512-4096 alike).
    package static let prefetchDistance = 2048

    @inline(__always)
    private func prefetchAhead(_ size: Int) {
        unsafe prefetchForWriting(region: data, capacity: capacity, offset: writeOffset + Self.prefetchDistance, count: size)
    }

    /// Skips the rest of the data region and publishes the write position at offset 0 of the
    /// next lap: evicts the frames whose bytes a padding header would overwrite, writes the
    /// padding header (or nothing, for an 8- or 16-byte implicit gap), then publishes.
    ///
    /// Publishing the padding on its own keeps `oldest <= write` at every instant: the eviction
    /// that follows for the record itself walks frames that all lie before the write position.
    /// Once per lap, so the extra releasing store costs nothing measurable.
    private mutating func wrap() {
        let room = capacity - writeOffset
        let lapStart = writePosition + UInt64(room)
        // The padding's bytes hold the frames at positions [write - capacity, lapStart - capacity);
        // lapStart - capacity < write because room < capacity here (a frame never wraps from
        // offset 0), so this eviction stops at or before the write position.
        if lapStart - oldestPosition > UInt64(capacity) {
            evict(toFree: lapStart - UInt64(capacity))
        }
        if room >= FrameHeader.size { writePadding(at: writeOffset, room: room) }
        writePosition = lapStart
        writeOffset = 0
        // Releasing: publishes the padding header written above; pairs with the acquiring load
        // of the write position in RingReader.nextInChain().
        unsafe writeWord.pointee.store(lapStart, ordering: .releasing)
    }

    /// Writes a padding frame filling the `room` bytes from `offset` to the end of the region.
    private func writePadding(at offset: Int, room: Int) {
        let frame = unsafe data + offset
        unsafe FrameHeader(length: UInt32(room - FrameHeader.size), kind: .padding, sequence: nextSequence)
            .storeFields(to: frame)
        let checksum = unsafe FrameHeader.computeChecksum(
            headerBytes: frame, payload: UnsafeRawBufferPointer(start: nil, count: 0))
        unsafe frame.storeBytes(of: checksum.littleEndian, toByteOffset: FrameHeader.checksumOffset, as: UInt32.self)
    }

    /// Moves the oldest position forward, frame by frame, until it is at least `target`, and
    /// publishes it before the caller overwrites the freed bytes.
    ///
    /// - Precondition: `target <= writePosition` (the callers guarantee it: a frame is never
    ///   larger than the region, and `wrap()` has published the padding first), so the walk
    ///   only crosses published frames and the oldest position never passes the write position.
    private mutating func evict(toFree target: UInt64) {
        precondition(target <= writePosition, "eviction past the write position")
        var oldest = oldestPosition
        // The walk tracks the offset: one division per eviction, not three per frame.
        var offset = Int(oldest % UInt64(capacity))
        while oldest < target {
            let size = frameSize(at: oldest, offset: offset)
            oldest += UInt64(size)
            offset += size
            if offset >= capacity { offset -= capacity }
        }
        oldestPosition = oldest
        unsafe oldestWord.pointee.store(oldest, ordering: .relaxed)
        // Acquiring-and-releasing fence: the oldest-position store above may not be reordered
        // after the frame stores that follow (they overwrite what was just evicted). Pairs with
        // the fence in RingReader that separates copying a frame from re-loading the oldest
        // position: a reader that copied overwritten bytes is guaranteed to see the new value.
        atomicMemoryFence(ordering: .acquiringAndReleasing)
    }

    /// The size of the frame (or implicit padding) at `position`, which must be a frame
    /// boundary between the oldest and the write position.
    func frameSize(at position: UInt64) -> Int {
        frameSize(at: position, offset: Int(position % UInt64(capacity)))
    }

    /// `frameSize(at:)` given the position's data offset, `position % capacity`.
    @inline(__always)
    private func frameSize(at position: UInt64, offset: Int) -> Int {
        let room = capacity - offset
        // The 8 or 16 bytes before the region's end that cannot hold a header (FORMAT.md).
        if room < FrameHeader.size { return room }
        let frame = unsafe FrameHeader(loadingFrom: data + offset)
        // The writer wrote (or validated at open) every frame in [oldest, write), so this holds
        // unless another process scribbled on the file; trap rather than walk garbage.
        guard frame.structuralProblem(at: position, room: room, limit: writePosition) == nil else {
            // A guarded writer whose file was cut reads zeros here: step on; the append throws
            // `.truncated` before it publishes anything.
            precondition(
                file.isGuarded && TruncationGuard.faults.load(ordering: .relaxed) != faultsSeen,
                "\(path): frame at data offset \(offset) changed under the writer")
            return 8
        }
        return frame.frameSize
    }

    /// Throws `.truncated` if the file is shorter than the mapping: checked when the truncation
    /// guard absorbed a fault since the last look (any guarded mapping's: a reader's fault
    /// costs this writer one `fstat`), and for good once found.
    ///
    /// Inlined to its common case, no truncation known and no new fault (one relaxed load and
    /// a compare): a guarded writer checks twice per append (issue #17: the call was ~2% of
    /// slog-record's CPU).
    @inline(__always)
    mutating func checkForTruncation() throws(SlogRingError) {
        let faults = TruncationGuard.faults.load(ordering: .relaxed)
        guard truncation != nil || faults != faultsSeen else { return }
        try checkForTruncation(faults: faults)
    }

    private mutating func checkForTruncation(faults: UInt64) throws(SlogRingError) {
        if let truncation { throw truncation }
        faultsSeen = faults
        let size = (try? system_fileSize(file.descriptor)) ?? 0
        guard size < file.length else { return }
        let error = SlogRingError.truncated(path: path, expectedSize: file.length, actualSize: size)
        truncation = error
        throw error
    }

    // MARK: Releasing, sealing, syncing

    /// Makes every frame that starts before `position` unreadable by moving the oldest position
    /// to the first frame boundary at or after it (never past the write position).
    ///
    /// FlightRecorder uses this to let go of committed blocks. Nothing is erased: the bytes stay
    /// until overwritten, but readers no longer return them.
    public mutating func release(before position: RingPosition) {
        let target = min(position.rawValue, writePosition)
        guard target > oldestPosition else { return }
        var oldest = oldestPosition
        while oldest < target { oldest += UInt64(frameSize(at: oldest)) }
        publishRelease(to: oldest)
    }

    /// Moves the oldest position to the frame boundary `oldest` as a release (not an eviction).
    ///
    /// First the release words, so a reader overtaken by releases (not by overwriting) can tell
    /// (RingReader.noteLap): [releasedFrom, releasedTo) is the latest run of releases with no
    /// eviction between them. A release that continues the run (the oldest position has not
    /// moved since the last one) keeps `from`; otherwise the run starts here. Stored `from`,
    /// then `to` (releasing: a reader that loads `to` with acquire sees this `from` or a later
    /// one), then the oldest position.
    private mutating func publishRelease(to oldest: UInt64) {
        if header.headerSize >= RingHeader.releaseWordsEnd {
            let fromWord = unsafe file.atomicWord(at: RingHeader.releasedFromOffset)
            let toWord = unsafe file.atomicWord(at: RingHeader.releasedToOffset)
            // Relaxed: this process is the only writer of these words.
            let continuesRun = unsafe toWord.pointee.load(ordering: .relaxed) == oldestPosition && oldestPosition != 0
            if !continuesRun { unsafe fromWord.pointee.store(oldestPosition, ordering: .relaxed) }
            unsafe toWord.pointee.store(oldest, ordering: .releasing)
        }
        oldestPosition = oldest
        // Releasing: publishes the release words above before the oldest position, and keeps
        // the word monotone with respect to earlier appends for readers that load it with acquire.
        unsafe oldestWord.pointee.store(oldest, ordering: .releasing)
        #if SLOG_INTERNAL_CHECKS
        _checkInvariants()
        #endif
    }

    /// Makes every frame before `position` unreadable in O(1), for a caller that knows
    /// `position` is a frame boundary: a value of `write` it saved earlier (or of `oldest`).
    ///
    /// `release(before:)` walks every released frame to find the boundary (one cache miss per
    /// record: the largest single cost of FlightRecorder's commit, issue #17). A position the
    /// writer itself returned as `write` is a boundary by construction, and stays one until the
    /// ring overwrites it, when it falls below `oldest` and this does nothing. The result is
    /// the one `release(before:)` would give (tests check that); the crash-safety argument is
    /// unchanged: one store of a boundary between the oldest and the write position.
    ///
    /// - Precondition: `position` is a frame boundary of this ring (a saved `write` or
    ///   `oldest`), or at most `oldest`, or at least `write`. Checked in full (by walking) in
    ///   debug builds; in release builds the frame header at `position` must be plausible, one
    ///   load, so a wrong position traps instead of publishing a mid-frame oldest position.
    /// - Complexity: O(1).
    public mutating func release(toFrameBoundary position: RingPosition) {
        let target = min(position.rawValue, writePosition)
        guard target > oldestPosition else { return }
        assert(walkedBoundary(atOrAfter: target) == target, "\(path): release(toFrameBoundary:) given a position inside a frame")
        if target < writePosition && implicitPaddingSize(at: target, capacity: capacity) == 0 {
            let offset = Int(target % UInt64(capacity))
            let frame = unsafe FrameHeader(loadingFrom: data + offset)
            precondition(
                frame.structuralProblem(at: target, capacity: capacity, limit: writePosition) == nil,
                "\(path): release(toFrameBoundary:) given a position that is not a frame boundary")
        }
        publishRelease(to: target)
    }

    /// The first frame boundary at or after `target` (at most the write position), found by
    /// walking from the oldest frame: what `release(before:)` would move the oldest position to.
    func walkedBoundary(atOrAfter target: UInt64) -> UInt64 {
        var oldest = oldestPosition
        while oldest < min(target, writePosition) { oldest += UInt64(frameSize(at: oldest)) }
        return oldest
    }

    /// Writes the mapping back to disk and waits, for durability against power loss and
    /// kernel crashes. Never needed for surviving the death of the process.
    /// The corresponding C functions are `msync(MS_SYNC)` and `fsync`.
    public func sync() throws(SlogRingError) {
        do { try file.sync() } catch { throw .io(operation: "sync the ring to disk (msync)", path: path, error) }
    }

    /// Marks the ring sealed (evidence that must not be written again), then syncs it.
    /// Later `open` calls for writing fail with `SlogRingError.sealed`.
    public mutating func seal() throws(SlogRingError) {
        // Releasing: a reader that sees the flag also sees every frame appended before it.
        unsafe flagsWord.pointee.bitwiseOr(RingFlags.sealed.rawValue, ordering: .releasing)
        try sync()
    }

    /// Unmaps the ring and releases the writer lock, reporting failures. Everything appended
    /// stays in the file.
    public consuming func close() throws(SlogRingError) {
        let path = self.path
        do { try file.close() } catch { throw .io(operation: "close the ring", path: path, error) }
    }
}

/// Prefetches, for writing, the cache lines of `region[offset..<offset + count]`, `offset`
/// taken modulo `capacity` once (so at most one lap ahead) and the range cut at the region's
/// end. Hints only: nothing is read or written, and no address can fault. Used by
/// `RingWriter.append` and by slog-bench's copy limit, so the limit copies as well as the writer.
@inline(__always)
package func prefetchForWriting(region: UnsafeMutableRawPointer, capacity: Int, offset: Int, count: Int) {
    var line = offset >= capacity ? offset - capacity : offset
    let end = min(line + count, capacity)
    line &= ~63
    while line < end {
        unsafe slog_prefetch_for_writing(region + line)
        line += 64
    }
}
