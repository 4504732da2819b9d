internal import Synchronization

extension RingWriter {
    /// Creates a new ring file of `capacity` data bytes at `path`, mode 0600.
    ///
    /// Steps:
    /// 1. A temporary file beside `path` is created (0600), locked, and its full size reserved
    ///    on disk with `posix_fallocate`, so a full disk fails here and never as SIGBUS later.
    /// 2. The header is written and the pages are prefaulted writable (all of them, or the
    ///    first ones and the rest by a background thread: `RingWriter.prefaulting`).
    /// 3. The file is linked to `path` (which fails if `path` appeared meanwhile) and the
    ///    temporary name removed: nobody ever sees a half-initialized ring at `path`.
    ///
    /// - Throws: `SlogRingError.invalidCapacity`, `.io` (for example `ENOSPC` or `EEXIST`).
    public static func create(path: String, capacity: Int) throws(SlogRingError) -> RingWriter {
        try create(path: path, capacity: capacity, prefaulting: prefaulting)
    }

    /// `create(path:capacity:)` with this writer's own `Prefaulting` policy.
    package static func create(path: String, capacity: Int, prefaulting: Prefaulting) throws(SlogRingError) -> RingWriter {
        try validate(capacity: capacity)
        let header = RingHeader(capacity: capacity, createdAtNanoseconds: wallClockNanoseconds())
        do {
            if let kind = try system_fileKind(atPath: path) {
                // A symbolic link (dangling or not) is never replaced or followed; anything else
                // that exists makes the link below fail with EEXIST, as before.
                if kind != .regular { throw SlogRingError.notARegularFile(path: path, kind: kind.description) }
            }
        } catch let error as SlogRingError {
            throw error
        } catch {}
        removeStaleTemporaries(of: path)
        let temporary = "\(path)\(temporaryMarker)\(system_getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let descriptor: Int32
        do {
            descriptor = try system_open(temporary, .creatingExclusively)
        } catch {
            throw .io(operation: "create \(temporary)", path: path, error)
        }
        var step = "lock"
        do {
            // open() applies the umask; make the mode exactly 0600 whatever the umask is.
            step = "set mode 0600"
            try system_fchmod(descriptor, 0o600)
            step = "take the writer lock"
            try system_tryLockExclusive(descriptor)
            step = "reserve \(header.fileSize) bytes of disk space (posix_fallocate)"
            try system_fallocate(descriptor, length: header.fileSize)
        } catch {
            try? system_close(descriptor)
            try? system_unlink(temporary)
            throw .io(operation: step, path: path, error)
        }
        var file = try map(descriptor, length: header.fileSize, path: path, removingOnFailure: temporary)
        // Not atomic: the file is not visible at `path` yet, so nobody else can read it.
        let prefix = header.encodedPrefix()
        unsafe prefix.withUnsafeBytes { bytes in
            unsafe file.writePointer(at: 0, count: bytes.count).copyMemory(
                from: bytes.baseAddress!, byteCount: bytes.count)
        }
        unsafe file.atomicWord(at: RingHeader.writerOpenCountOffset).pointee.store(1, ordering: .relaxed)
        // The header reaches the disk before the name does: a power loss never leaves a ring
        // of zeros at `path` (which would be refused as not a ring, since only files with the
        // magic are ever moved aside). Only the header page is dirty here, so this is cheap.
        do { try file.sync() } catch {
            try? system_unlink(temporary)
            throw .io(operation: "sync the new ring's header", path: path, error)
        }
        prefault(&file, header: header, writePosition: 0, policy: prefaulting)
        do {
            try system_link(temporary, path)
        } catch {
            try? system_unlink(temporary)
            throw .io(operation: "create the ring (link from \(temporary))", path: path, error)
        }
        try? system_unlink(temporary)
        return RingWriter(file: file, path: path, header: header)
    }

    /// Opens an existing ring for appending, continuing its positions and sequence numbers.
    ///
    /// Every frame between the oldest and the write position is validated first (about 60 ms
    /// per GiB with hardware CRC32C), so appends never build on a damaged ring.
    ///
    /// - Throws: `.lockedByAnotherWriter`, `.sealed`, `.notARing`, `.unsupportedVersion`,
    ///   `.headerDamaged`, `.truncated`, `.corrupt`, `.io`. On `.corrupt` or `.headerDamaged`,
    ///   read the file with `RingReader` to recover its valid records, and move it aside.
    public static func open(path: String) throws(SlogRingError) -> RingWriter {
        try open(path: path, prefaulting: prefaulting)
    }

    /// `open(path:)` with this writer's own `Prefaulting` policy.
    package static func open(path: String, prefaulting: Prefaulting) throws(SlogRingError) -> RingWriter {
        // Refuse anything but a regular file before opening it: opening a device can have
        // effects of its own, and a symbolic link would let the ring land elsewhere.
        do {
            if let kind = try system_fileKind(atPath: path), kind != .regular {
                throw SlogRingError.notARegularFile(path: path, kind: kind.description)
            }
        } catch let error as SlogRingError {
            throw error
        } catch let error as Errno {
            throw .io(operation: "look at the ring path", path: path, error)
        } catch {
            preconditionFailure("unreachable: \(error)")
        }
        let descriptor: Int32
        do {
            // O_NOFOLLOW and O_NONBLOCK: a symbolic link or FIFO swapped in since the check
            // above fails or returns at once; the kind is checked again on the descriptor.
            descriptor = try system_open(path, .writingExisting)
        } catch {
            if error == .tooManySymbolicLinks { throw .notARegularFile(path: path, kind: FileKind.symbolicLink.description) }
            if error == .isADirectory { throw .notARegularFile(path: path, kind: FileKind.directory.description) }
            throw .io(operation: "open the ring for writing", path: path, error)
        }
        if let kind = try? system_fileKind(descriptor), kind != .regular {
            try? system_close(descriptor)
            throw .notARegularFile(path: path, kind: kind.description)
        }
        let size: Int
        do {
            try lockWaitingOutInheritedDescriptors(descriptor)
            size = try system_fileSize(descriptor)
        } catch {
            try? system_close(descriptor)
            if error == .wouldBlock || error == .permissionDenied { throw .lockedByAnotherWriter(path: path) }
            throw .io(operation: "lock the ring for writing", path: path, error)
        }
        guard size >= 64 else {
            try? system_close(descriptor)
            throw .notARing(path: path, reason: "file is \(size) bytes, shorter than the 64-byte header")
        }
        let headerBytes: [UInt8]
        do {
            headerBytes = try system_pread(descriptor, count: 64, offset: 0)
        } catch {
            try? system_close(descriptor)
            throw .io(operation: "read the ring header", path: path, error)
        }
        let header: RingHeader
        switch RingHeader.decode(headerBytes) {
        case .success(let decoded): header = decoded
        case .failure(let problem):
            try? system_close(descriptor)
            throw problem.asError(path: path)
        }
        guard size >= header.fileSize else {
            try? system_close(descriptor)
            throw .truncated(path: path, expectedSize: header.fileSize, actualSize: size)
        }
        do {
            // A ring this process did not create may have holes (a sparse copy, a restore):
            // writing into a hole on a full disk through the mapping is SIGBUS. Reserving every
            // block now makes a full disk an error here instead (a no-op for a ring we created).
            try system_fallocate(descriptor, length: header.fileSize)
        } catch {
            try? system_close(descriptor)
            throw .io(operation: "reserve \(header.fileSize) bytes of disk space (posix_fallocate)", path: path, error)
        }
        var file = try map(descriptor, length: header.fileSize, path: path, removingOnFailure: nil)
        // Acquiring: pairs with the releasing stores of whichever writer ran last (possibly a
        // process that died; its stores are in the page cache).
        let flags = RingFlags(rawValue: unsafe file.atomicWord(at: RingHeader.flagsOffset).pointee.load(ordering: .acquiring))
        if flags.contains(.sealed) { throw .sealed(path: path) }
        let write = unsafe file.atomicWord(at: RingHeader.writePositionOffset).pointee.load(ordering: .acquiring)
        let oldest = unsafe file.atomicWord(at: RingHeader.oldestPositionOffset).pointee.load(ordering: .acquiring)
        let storedNext = unsafe file.atomicWord(at: RingHeader.nextSequenceOffset).pointee.load(ordering: .acquiring)
        if let problem = positionProblem(oldest: oldest, write: write, capacity: header.capacity) {
            throw .headerDamaged(path: path, reason: problem)
        }
        let last = try validateChain(
            file: file, header: header, path: path, from: oldest, to: write)
        // The sequence continues after the newest frame. If the ring is empty the stored value
        // is used; it may skip a number a killed writer never published, never repeat one.
        let next = last.map { $0 &+ 1 } ?? storedNext
        unsafe file.atomicWord(at: RingHeader.nextSequenceOffset).pointee.store(next, ordering: .relaxed)
        unsafe file.atomicWord(at: RingHeader.writerOpenCountOffset).pointee.wrappingAdd(1, ordering: .relaxed)
        prefault(&file, header: header, writePosition: write, policy: prefaulting)
        return RingWriter(file: file, path: path, header: header)
    }

    /// Opens the ring at `path`, creating it with `capacity` data bytes if it does not exist.
    ///
    /// - Throws: everything `open(path:)` and `create(path:capacity:)` throw, and
    ///   `.capacityMismatch` when an existing ring has another capacity.
    public static func openOrCreate(path: String, capacity: Int) throws(SlogRingError) -> RingWriter {
        // Each pass either opens, creates, or loses a creation race to a process that then
        // holds a ring at `path`; a path that keeps vanishing is someone else's doing, so the
        // number of passes is bounded rather than trusted.
        var passes = 0
        while true {
            passes += 1
            let writer: RingWriter
            do {
                writer = try open(path: path)
            } catch let error {
                guard case .io(_, _, .noSuchFileOrDirectory) = error else { throw error }
                do {
                    return try create(path: path, capacity: capacity)
                } catch let error {
                    guard case .io(_, _, .fileExists) = error, passes < 100 else { throw error }
                    continue  // another process created it first: open theirs
                }
            }
            guard writer.capacity == capacity else {
                let existing = writer.capacity
                try? writer.close()
                throw .capacityMismatch(path: path, existing: existing, requested: capacity)
            }
            return writer
        }
    }

    /// How writers this process creates or opens from now on prefault their mapping
    /// (`Prefaulting`): `.wholeRingAtOpen` unless changed. Process-wide, because a writer is
    /// usually opened for the caller (by `FlightRecorder`, including the fresh ring after a
    /// black box); a tool sets it once at start. Writers already open keep theirs.
    package static var prefaulting: Prefaulting {
        get { Prefaulting(rawValue: prefaultingSetting.load(ordering: .relaxed)) ?? .wholeRingAtOpen }
        set { prefaultingSetting.store(newValue.rawValue, ordering: .relaxed) }
    }

    private static let prefaultingSetting = Atomic<Int>(Prefaulting.wholeRingAtOpen.rawValue)

    /// Prefaults `file` for a writer at `writePosition` as `policy` says.
    private static func prefault(_ file: inout MappedFile, header: RingHeader, writePosition: UInt64, policy: Prefaulting) {
        file.prefaultForWriting(
            policy, writePosition: writePosition, headerSize: header.headerSize, capacity: header.capacity,
            writePositionOffset: RingHeader.writePositionOffset)
    }

    /// With `Prefaulting.aheadOfWriter`: bytes of the data region prefaulted so far, from the
    /// write position at open on (the whole capacity once every page was); `nil` when no
    /// prefault thread was started (the other policy, or a ring no larger than what open
    /// prefaults itself). For tests.
    package var testOnly_prefaultedBytes: Int? { file.prefaultedBytes }

    /// What a temporary file of `create` has after the ring's path: `.creating-PID-RANDOM`.
    static let temporaryMarker = ".creating-"

    /// Removes the temporary files that creations of `path` killed midway left behind (each
    /// is a fully reserved ring-sized file). One is stale when no open file holds its writer
    /// lock (the creator takes it right after creating the file and holds it until the file
    /// is linked) and the process named in it no longer exists: both, so that a creator
    /// between `open` and `lock`, or a reused process id, never loses its file. Symbolic
    /// links and anything but regular files are left alone. Best effort: errors are ignored.
    static func removeStaleTemporaries(of path: String) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let prefix = (slash.map { String(path[path.index(after: $0)...]) } ?? path) + temporaryMarker
        guard let names = try? system_directoryEntries(directory.isEmpty ? "/" : directory) else { return }
        for name in names where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard let dash = rest.firstIndex(of: "-"), let pid = Int32(rest[..<dash]) else { continue }
            let candidate = (directory.isEmpty ? "" : directory) + "/" + name
            guard pid != system_getpid(), !system_processExists(pid),
                (try? system_fileKind(atPath: candidate)) == .regular
            else { continue }
            guard let fd = try? system_open(candidate, .readingExisting) else { continue }
            let locked = (try? system_isLockedExclusive(fd)) ?? nil
            try? system_close(fd)
            if locked != true { try? system_unlink(candidate) }
        }
    }

    /// How long `open` keeps trying a writer lock that is held: long enough to outlast an
    /// inherited descriptor, far shorter than any real writer holds the lock.
    static let lockRetryMilliseconds = (attempts: 200, interval: 5)

    /// Takes the writer lock, retrying for up to a second while it is held.
    ///
    /// The lock belongs to the open file description, and a child process forked by any thread
    /// of the process shares that description until it calls `exec` (even with `O_CLOEXEC`).
    /// So for an instant after a writer closes, a fork in flight can still hold its lock; a
    /// reopen at that instant would be refused although no writer exists. A real second writer
    /// holds the lock for as long as it runs and is still refused, after the second. (100 ms
    /// was not always enough on a loaded 2-core machine: a fork can take that long to exec.)
    private static func lockWaitingOutInheritedDescriptors(_ descriptor: Int32) throws(Errno) {
        var attempt = 1
        while true {
            do {
                return try system_tryLockExclusive(descriptor)
            } catch where (error == .wouldBlock || error == .permissionDenied)
                && attempt < lockRetryMilliseconds.attempts
            {
                attempt += 1
                system_sleep(milliseconds: lockRetryMilliseconds.interval)
            }
        }
    }

    /// Maps `descriptor` writable (closing it on failure, and removing `temporary` if given).
    private static func map(
        _ descriptor: Int32, length: Int, path: String, removingOnFailure temporary: String?
    ) throws(SlogRingError) -> MappedFile {
        do {
            return try MappedFile(descriptor: descriptor, length: length, writable: true, guarded: true)
        } catch {
            if let temporary { try? system_unlink(temporary) }
            throw .io(operation: "map the ring", path: path, error)
        }
    }

    static func validate(capacity: Int) throws(SlogRingError) {
        guard capacity >= RingHeader.minimumCapacity else {
            throw .invalidCapacity(capacity, reason: "must be at least \(RingHeader.minimumCapacity) bytes")
        }
        guard capacity % RingHeader.alignment == 0 else {
            throw .invalidCapacity(capacity, reason: "must be a multiple of \(RingHeader.alignment)")
        }
        guard capacity <= Int.max / 4 else { throw .invalidCapacity(capacity, reason: "too large") }
    }

    /// Walks and checksums every frame in `[from, to)`; returns the newest record's sequence.
    private static func validateChain(
        file: borrowing MappedFile, header: RingHeader, path: String, from: UInt64, to: UInt64
    ) throws(SlogRingError) -> UInt64? {
        var position = from
        var last: UInt64?
        let capacity = header.capacity
        while position < to {
            let gap = implicitPaddingSize(at: position, capacity: capacity)
            if gap > 0 { position += UInt64(gap); continue }
            let fileOffset = header.headerSize + Int(position % UInt64(capacity))
            let frame = unsafe FrameHeader(loadingFrom: file.readPointer(at: fileOffset, count: FrameHeader.size))
            if let problem = frame.structuralProblem(at: position, capacity: capacity, limit: to) {
                throw .corrupt(path: path, fileOffset: fileOffset, reason: problem)
            }
            let payloadLength = frame.kind == .padding ? 0 : Int(frame.length)
            let headerPointer = unsafe file.readPointer(at: fileOffset, count: frame.frameSize)
            let payload = unsafe UnsafeRawBufferPointer(start: headerPointer + FrameHeader.size, count: payloadLength)
            guard unsafe frame.checksumMatches(headerBytes: headerPointer, payload: payload) else {
                throw .corrupt(path: path, fileOffset: fileOffset, reason: "checksum mismatch in frame of sequence \(frame.sequence)")
            }
            if frame.kind != .padding {
                if let last, frame.sequence != last &+ 1 {
                    throw .corrupt(
                        path: path, fileOffset: fileOffset,
                        reason: "sequence \(frame.sequence) follows \(last)")
                }
                last = frame.sequence
            }
            position += UInt64(frame.frameSize)
        }
        return last
    }
}

/// Why the oldest and write positions cannot belong to a v1 ring, or `nil`.
func positionProblem(oldest: UInt64, write: UInt64, capacity: Int) -> String? {
    if oldest > write { return "oldest position \(oldest) is after the write position \(write)" }
    if write - oldest > UInt64(capacity) {
        return "write position \(write) is more than the capacity \(capacity) past the oldest position \(oldest)"
    }
    if oldest % 8 != 0 || write % 8 != 0 { return "positions \(oldest)/\(write) are not multiples of 8" }
    // 2^62 bytes take 14 years at 10 GB/s; larger values only come from damage, and refusing
    // them keeps every position + frame size computation far from overflow.
    if write > maximumPosition { return "write position \(write) is beyond the largest position v1 uses (2^62)" }
    return nil
}

/// Nanoseconds since the Unix epoch from the wall clock.
func wallClockNanoseconds() -> UInt64 { system_wallClockNanoseconds() }

extension RingHeader.Problem {
    /// The error to throw for this header problem in the file at `path`.
    func asError(path: String) -> SlogRingError {
        switch self {
        case .badMagic(let magic):
            .notARing(path: path, reason: "magic is 0x\(String(magic.byteSwapped, radix: 16)), expected \"SLOGRNG\\0\"")
        case .tooShort(let count):
            .notARing(path: path, reason: "file is \(count) bytes, shorter than the 64-byte header")
        case .unsupportedVersion(let version):
            .unsupportedVersion(path: path, found: version, supported: RingHeader.supportedFormatVersions)
        case .checksumMismatch(let stored, let computed):
            .headerDamaged(path: path, reason: "header checksum 0x\(String(stored, radix: 16)) does not match 0x\(String(computed, radix: 16))")
        case .invalidField(let reason):
            .headerDamaged(path: path, reason: reason)
        }
    }
}
