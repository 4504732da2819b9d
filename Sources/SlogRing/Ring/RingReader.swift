internal import Synchronization


/// Reads a ring file oldest to newest, while a writer appends to it or after it died.
///
/// ```swift
/// var reader = try RingReader.open(path: "node.ring")
/// while let event = reader.next() {
///     switch event {
///     case .record(let info): reader.withRecordBytes { print(info.sequence, $0.count) }
///     case .skipped(let issue): print("skipped:", issue)
///     }
/// }
/// ```
///
/// Guarantees:
/// - Every record returned passed its checksum and was not being overwritten while it was
///   copied: after copying, the reader re-loads the oldest position, which the writer advances
///   before it overwrites anything. A record the writer overtook is reported as `.lapped`; one
///   the writer released (strict retention) before the reader got to it, as `.released`.
/// - Damage never stops it: a bad frame is reported with its offset and the reader scans ahead
///   for the next valid frame. A file whose header is unusable is salvaged by scanning every
///   8-byte offset for valid frames and returning them in sequence order.
/// - Memory stays below the file size, and hostile files cannot make it loop: every scan moves
///   forward, and checksum work in recovery scans is budgeted.
///
/// `next()` returning `nil` means "caught up"; call it again later to follow a live writer.
/// Readers take no lock and never slow the writer.
@safe
public struct RingReader: ~Copyable {
    let file: MappedFile
    /// The path the file was opened with.
    public let path: String
    /// The header (for a salvaged file: the v1 defaults the scan assumed).
    public let header: RingHeader
    /// The file's size when it was opened.
    public let fileSize: Int
    /// Whether the file is being read by a salvage scan because its header is unusable.
    public let isSalvaging: Bool

    /// Shared header words; nil when salvaging (the header cannot be trusted).
    let words: HeaderWords?
    var cursor: UInt64 = 0
    /// The write position last loaded; frames before it are published.
    var limit: UInt64 = 0
    /// The sequence the next record should have, once one has been seen.
    var expected: UInt64?
    /// Whether `expected` was last set from the header after a lap (not from a record read):
    /// records the header did not count yet are then lap losses, not a sequence gap.
    var lossSettledFromHeader = false
    /// Whether the last stretch the oldest position skipped was released, not overwritten.
    var lastSkipWasRelease = false
    /// Issues waiting to be returned before the next record, and the first sequence they lost.
    var pendingIssues: [ReadIssue] = []
    var pendingFirstLost: UInt64?
    /// A record found while issues were pending; returned right after them.
    var stashedRecord: RecordInfo?
    var salvage: SalvageState?
    /// Checksum bytes a recovery scan may still spend.
    var scanBudget: Int
    /// The reader's private copy of ring bytes: the *window* (positions `windowStart..<windowEnd`,
    /// copied from the mapping in one piece and checked against laps once, see
    /// `RingReader+Chain.swift`), or in a salvage scan the current frame (24-byte header, then
    /// payload). At most `windowSize` bytes, or the largest frame met if larger
    /// (`reserveFrameBuffer`), and never more than the mapped bytes: a header claiming a huge
    /// capacity costs nothing until a frame that large is really found inside the mapping.
    var buffer: UnsafeMutableRawPointer
    var bufferCapacity: Int
    /// Logical positions of the bytes in `buffer` (empty when equal): every frame returned from
    /// them was copied before the writer could overwrite it.
    var windowStart: UInt64 = 0
    var windowEnd: UInt64 = 0
    /// The file offset of `windowStart`, and the bytes from it to the end of the data region:
    /// offsets and room of frames in the window follow without a division each.
    var windowOffset = 0
    var windowRoom = 0
    /// Where in `buffer` the payload of the record `next()` returned last starts, and its length.
    var currentPayload = FrameHeader.size
    var currentLength = 0
    /// Bytes copied from the mapping per window: large enough that the per-copy work (a fence,
    /// loads of the header words) is spread over hundreds of records and the copy streams at
    /// memory speed; small enough that the window, and the output it becomes, stay in the
    /// CPU's second-level cache.
    static let windowSize = 128 << 10
    /// The truncation guard's slot for this mapping, and the fault count last seen
    /// (RingReader+TruncationGuard.swift).
    var guardSlot: Int?
    var faultsSeen: UInt64 = 0
    /// The file's size when the reader found it truncated below the mapping; it stops there.
    var truncatedAt: Int?

    /// Pointers to the shared header words of `file`; valid exactly as long as the mapping,
    /// which the same `RingReader` owns.
    @safe
    struct HeaderWords {
        let write: UnsafePointer<Atomic<UInt64>>
        let oldest: UnsafePointer<Atomic<UInt64>>
        let nextSequence: UnsafePointer<Atomic<UInt64>>
        let flags: UnsafePointer<Atomic<UInt64>>
        let writerOpenCount: UnsafePointer<Atomic<UInt64>>
    }

    init(file: consuming MappedFile, path: String, header: RingHeader, fileSize: Int, words: HeaderWords?, initialIssues: [ReadIssue]) {
        self.path = path
        self.header = header
        self.fileSize = fileSize
        self.isSalvaging = words == nil
        self.words = words
        // Bounded by what is really mapped, never by what a (possibly hostile) header claims.
        let readable = min(header.capacity, file.length)
        self.scanBudget = 4 * readable + (1 << 20)
        // The buffer holds one whole frame. Every frame is checked to lie inside the mapping
        // before it is copied, so it never needs more than the mapped bytes.
        self.bufferCapacity = min(FrameHeader.size + readable, Self.windowSize)
        unsafe self.buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferCapacity, alignment: 8)
        self.pendingIssues = initialIssues
        self.faultsSeen = TruncationGuard.faults.load(ordering: .relaxed)
        self.guardSlot = unsafe TruncationGuard.register(file.readPointer(at: 0, count: file.length), length: file.length)
        self.file = file
        if let words {
            // Acquiring: pairs with the releasing store of the oldest position in
            // RingWriter.release(before:). Frames are read only after nextInChain() loads the
            // write position with acquire.
            let oldest = unsafe words.oldest.pointee.load(ordering: .acquiring)
            self.cursor = oldest
            self.limit = oldest
        }
    }

    deinit {
        // Before `file` unmaps: the guard must never replace a page of someone else's mapping.
        if let guardSlot { TruncationGuard.unregister(guardSlot) }
        unsafe buffer.deallocate()
    }

    /// Makes the buffer hold at least `frameSize` bytes, keeping the frame header already in it.
    /// Called only with sizes of frames that lie inside the mapping.
    mutating func reserveFrameBuffer(_ frameSize: Int) {
        guard frameSize > bufferCapacity else { return }
        let capacity = max(frameSize, min(2 * bufferCapacity, FrameHeader.size + file.length))
        let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        unsafe grown.copyMemory(from: buffer, byteCount: FrameHeader.size)
        unsafe buffer.deallocate()
        unsafe buffer = grown
        bufferCapacity = capacity
    }

    /// The bytes of the record `next()` returned last, valid inside `body` only.
    public func withRecordBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try unsafe body(UnsafeRawBufferPointer(start: buffer + currentPayload, count: currentLength))
    }

    /// A copy of the bytes of the record `next()` returned last.
    public var recordBytes: [UInt8] {
        unsafe withRecordBytes { unsafe [UInt8]($0) }
    }

    /// Returns the next record, or first what was skipped before it; `nil` when caught up with
    /// the writer (call again later to follow it) or at the end of a salvaged file.
    public mutating func next() -> ReadEvent? {
        if !pendingIssues.isEmpty && stashedRecord != nil || !pendingIssues.isEmpty && pendingFirstLost == nil {
            return .skipped(pendingIssues.removeFirst())
        }
        if let record = stashedRecord {
            stashedRecord = nil
            return .record(record)
        }
        var found = isSalvaging ? nextSalvaged() : nextInChain()
        // Caught up with a lap pending, while the writer published more: read on (a loop, not
        // recursion, however often a fast writer does this).
        var settled: UInt64?
        while found == nil, !pendingIssues.isEmpty, pendingFirstLost != nil, let words {
            if let next = settledNextSequence(words) {
                settled = next
                break
            }
            found = nextInChain()
        }
        guard let record = found else {
            // Caught up: report what is pending with what the header says was lost.
            if !pendingIssues.isEmpty {
                if let first = pendingFirstLost, let next = settled {
                    settleLoss(next >= first ? next - first : nil)
                    // Those records are accounted for now: the next record or lap counts from
                    // here, not from before them (or they would be counted twice).
                    if next >= first {
                        expected = next
                        lossSettledFromHeader = true
                    }
                }
                pendingFirstLost = nil
                if pendingIssues.isEmpty { return nil }
                return .skipped(pendingIssues.removeFirst())
            }
            return nil
        }
        lossSettledFromHeader = false
        if !pendingIssues.isEmpty {
            if let first = pendingFirstLost, record.sequence >= first {
                settleLoss(record.sequence - first)
            }
            pendingFirstLost = nil
            if pendingIssues.isEmpty { return .record(record) }
            stashedRecord = record
            return .skipped(pendingIssues.removeFirst())
        }
        return .record(record)
    }

    /// Reads on as `next()` does, handing each record and its bytes (valid inside the call only)
    /// to `body` while it returns `true`: one call for a whole run of records, for readers that
    /// go through millions of them.
    ///
    /// Stops when caught up (returns `nil`), after a record for which `body` returned `false`
    /// (returns `nil`; `withRecordBytes` still gives that record's bytes), or at a skipped
    /// stretch, which it returns: exactly the events `next()` would have returned, in order.
    package mutating func forEachRecord(_ body: (RecordInfo, UnsafeRawBufferPointer) -> Bool) -> ReadIssue? {
        while let event = next() {
            switch event {
            case .record(let info):
                let bytes = unsafe UnsafeRawBufferPointer(start: buffer + currentPayload, count: currentLength)
                if unsafe !body(info, bytes) { return nil }
            case .skipped(let issue):
                return issue
            }
        }
        return nil
    }

    /// Records how many records the pending skipped stretch cost. A lap that cost none (the
    /// writer only moved the oldest position over padding the reader had not reached, as when
    /// a caught-up reader meets a wrap that evicted everything it had already read) lost
    /// nothing, so it is not reported.
    private mutating func settleLoss(_ lost: UInt64?) {
        if lost == 0, pendingIssues.allSatisfy({ $0.reason == .lapped || $0.reason == .released }) {
            pendingIssues.removeAll()
            return
        }
        pendingIssues[pendingIssues.count - 1].lostRecords = lost
    }

    /// The header's next sequence N when every record below N is published at or before the
    /// cursor (so records `[first lost, N)` were really lost), or `nil` when the writer moved on
    /// and the caller should read further instead.
    ///
    /// The writer publishes the write position, then stores the next sequence (both releasing),
    /// so an acquiring load of N shows every record below N published. If the write position is
    /// still the one the reader caught up with, those records all lie behind the cursor.
    private mutating func settledNextSequence(_ words: HeaderWords) -> UInt64? {
        // Acquiring: pairs with the releasing store of the next sequence in RingWriter.append.
        let next = unsafe words.nextSequence.pointee.load(ordering: .acquiring)
        // Acquiring: pairs with the releasing store of the write position.
        let write = unsafe words.write.pointee.load(ordering: .acquiring)
        return write > limit ? nil : next
    }

    /// Notes a skipped region; the records it cost are counted when the next record arrives.
    mutating func noteSkip(_ issue: ReadIssue) {
        // Two laps in a row, with nothing returned between them, are one skipped stretch.
        if issue.reason == .lapped || issue.reason == .released, let last = pendingIssues.last,
            last.reason == .lapped || last.reason == .released
        {
            // A stretch partly overwritten is reported as overwritten.
            if issue.reason == .lapped { pendingIssues[pendingIssues.count - 1].reason = .lapped }
            pendingIssues[pendingIssues.count - 1].byteCount += issue.byteCount
            return
        }
        if pendingIssues.isEmpty || pendingFirstLost == nil { pendingFirstLost = expected }
        pendingIssues.append(issue)
    }

    func fileOffset(of position: UInt64) -> Int {
        header.headerSize + Int(position % UInt64(header.capacity))
    }
}
