internal import Synchronization

extension RingReader {
    /// Opens a ring file for reading; works while a writer appends, after it died, and on
    /// damaged files.
    ///
    /// A file whose header checksum, fields or positions are unusable is read by a salvage
    /// scan: the first event is then a `.headerDamaged` issue.
    ///
    /// - Throws: `.notARing` (wrong magic or shorter than 64 bytes: the caller may try other
    ///   formats), `.unsupportedVersion` (a newer format), `.io` (cannot open or map).
    public static func open(path: String) throws(SlogRingError) -> RingReader {
        let descriptor: Int32
        do { descriptor = try system_open(path, .reading) } catch {
            throw .io(operation: "open the ring for reading", path: path, error)
        }
        let size: Int
        let prefix: [UInt8]
        do {
            size = try system_fileSize(descriptor)
            prefix = try system_pread(descriptor, count: 64, offset: 0)
        } catch {
            try? system_close(descriptor)
            throw .io(operation: "read the ring header", path: path, error)
        }
        var issues: [ReadIssue] = []
        var header: RingHeader
        var trusted = true
        switch RingHeader.decode(prefix) {
        case .success(let decoded):
            header = decoded
        case .failure(let problem):
            switch problem {
            case .badMagic, .tooShort, .unsupportedVersion:
                try? system_close(descriptor)
                throw problem.asError(path: path)
            case .checksumMismatch, .invalidField:
                // Assume the v1 layout and let the data speak for itself.
                trusted = false
                header = RingHeader(capacity: 0, createdAtNanoseconds: 0)
                header.capacity = max(0, (size - header.headerSize) & ~7)
                issues.append(ReadIssue(reason: .headerDamaged(problem.asError(path: path).reasonText), fileOffset: 0, byteCount: 0))
            }
        }
        if trusted && header.headerSize > size {
            // Not even the header is complete: nothing to read, but say so.
            issues.append(ReadIssue(reason: .beyondEndOfFile(fileSize: size), fileOffset: size, byteCount: 0))
        }
        let mapLength = max(64, min(size, header.fileSize))
        let file = try mapReadOnly(descriptor, length: mapLength, path: path)
        var words: HeaderWords?
        if trusted && mapLength >= RingHeader.writerOpenCountOffset + 8 {
            let candidate = unsafe HeaderWords(
                write: file.atomicWord(at: RingHeader.writePositionOffset),
                oldest: file.atomicWord(at: RingHeader.oldestPositionOffset),
                nextSequence: file.atomicWord(at: RingHeader.nextSequenceOffset),
                flags: file.atomicWord(at: RingHeader.flagsOffset),
                writerOpenCount: file.atomicWord(at: RingHeader.writerOpenCountOffset))
            // Acquiring: pairs with the writer's releasing stores.
            let write = unsafe candidate.write.pointee.load(ordering: .acquiring)
            let oldest = unsafe candidate.oldest.pointee.load(ordering: .acquiring)
            if let problem = positionProblem(oldest: oldest, write: write, capacity: header.capacity) {
                issues.append(ReadIssue(reason: .headerDamaged(problem), fileOffset: RingHeader.writePositionOffset, byteCount: 0))
            } else {
                words = candidate
            }
        }
        if trusted, size < header.fileSize, header.headerSize <= size {
            // Reported where the chain first reaches the missing part; noted here for --info.
        }
        return RingReader(
            file: file, path: path, header: header, fileSize: size, words: words, initialIssues: issues)
    }

    private static func mapReadOnly(_ descriptor: Int32, length: Int, path: String) throws(SlogRingError) -> MappedFile {
        do { return try MappedFile(descriptor: descriptor, length: length, writable: false) } catch {
            throw .io(operation: "map the ring", path: path, error)
        }
    }

    /// What the header says now (loaded with acquire), for `--info`-style reports.
    public struct Status: Equatable, Sendable {
        /// Logical position of the oldest readable frame.
        public var oldest: RingPosition
        /// Logical position one past the newest published frame.
        public var write: RingPosition
        /// The sequence the next record will get.
        public var nextSequence: UInt64
        /// The header's flag bits (`sealed`).
        public var flags: RingFlags
        /// How many times a writer opened the file (1 after creation; more means restarts).
        public var writerOpenCount: UInt64
        /// Whether a writer holds the file open now (`nil` where the system cannot tell).
        public var writerActive: Bool?
        /// Whether the ring is a preserved black box that no writer will touch again.
        public var isSealed: Bool { flags.contains(.sealed) }

        /// Field-by-field equality.
        public static func == (a: Self, b: Self) -> Bool {
            a.oldest == b.oldest && a.write == b.write && a.nextSequence == b.nextSequence
                && a.flags.rawValue == b.flags.rawValue && a.writerOpenCount == b.writerOpenCount
                && a.writerActive == b.writerActive
        }
    }

    /// The header's current positions and flags; `nil` for a salvaged file.
    public var status: Status? {
        guard let words else { return nil }
        return unsafe Status(
            oldest: RingPosition(words.oldest.pointee.load(ordering: .acquiring)),
            write: RingPosition(words.write.pointee.load(ordering: .acquiring)),
            nextSequence: words.nextSequence.pointee.load(ordering: .acquiring),
            flags: RingFlags(rawValue: words.flags.pointee.load(ordering: .acquiring)),
            writerOpenCount: words.writerOpenCount.pointee.load(ordering: .relaxed),
            writerActive: try? system_isLockedExclusive(file.descriptor) ?? nil)
    }
}

extension SlogRingError {
    /// The cause alone, without the path and offset prefix.
    var reasonText: String {
        switch self {
        case .headerDamaged(_, let reason): reason
        case .notARing(_, let reason): reason
        default: description
        }
    }
}
