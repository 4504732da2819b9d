/// Errors SlogRing throws. Each names the file and, where there is one, the byte offset.
public enum SlogRingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed; `operation` says which step (for example "reserve disk space").
    case io(operation: String, path: String, Errno)
    /// The file does not start with SlogRing's magic: not one of our rings.
    case notARing(path: String, reason: String)
    /// A ring of a format version this build does not read: upgrade the tools.
    case unsupportedVersion(path: String, found: UInt16, supported: ClosedRange<UInt16>)
    /// The header is unusable for writing (checksum, field values, or impossible positions).
    case headerDamaged(path: String, reason: String)
    /// The file is shorter than its header says.
    case truncated(path: String, expectedSize: Int, actualSize: Int)
    /// Another open file holds the writer lock (another writer process, or a second writer in
    /// this one). Readers are always allowed.
    case lockedByAnotherWriter(path: String)
    /// The ring is sealed evidence (a black box); it is never written again.
    case sealed(path: String)
    /// A frame between the oldest and the write position failed validation, so the ring cannot
    /// be appended to without losing data. Read it with `RingReader` to recover what is valid.
    case corrupt(path: String, fileOffset: Int, reason: String)
    /// A record whose frame would not fit in the data region. Nothing was written.
    case recordTooLarge(size: Int, maximum: Int)
    /// A requested capacity that v1 cannot represent.
    case invalidCapacity(Int, reason: String)
    /// An existing ring has a different capacity from the one requested.
    case capacityMismatch(path: String, existing: Int, requested: Int)
    /// The path names something a writer must not touch: a symbolic link (never followed), a
    /// directory, a device, a FIFO or a socket. Nothing was opened, created or moved there.
    case notARegularFile(path: String, kind: String)

    /// The message for a person: the file, the offset when there is one, and the cause.
    public var description: String {
        switch self {
        case .io(let operation, let path, let errno):
            "\(path): cannot \(operation): \(errno)"
        case .notARing(let path, let reason):
            "\(path): not a SlogRing file: \(reason)"
        case .unsupportedVersion(let path, let found, let supported):
            "\(path): ring format version \(found) is newer than this build reads (\(supported.lowerBound)...\(supported.upperBound)); upgrade the tools"
        case .headerDamaged(let path, let reason):
            "\(path): offset 0: header damaged: \(reason)"
        case .truncated(let path, let expected, let actual):
            "\(path): offset \(actual): file truncated: \(actual) bytes, header says \(expected)"
        case .lockedByAnotherWriter(let path):
            "\(path): another writer has this ring open (only one writer at a time; readers are fine)"
        case .sealed(let path):
            "\(path): ring is sealed (it holds a preserved black box) and cannot be written"
        case .corrupt(let path, let offset, let reason):
            "\(path): offset \(offset): \(reason)"
        case .recordTooLarge(let size, let maximum):
            "record of \(size) bytes is larger than this ring can hold (at most \(maximum) bytes)"
        case .invalidCapacity(let capacity, let reason):
            "invalid ring capacity \(capacity): \(reason)"
        case .capacityMismatch(let path, let existing, let requested):
            "\(path): existing ring has capacity \(existing) bytes, not the requested \(requested)"
        case .notARegularFile(let path, let kind):
            "\(path): refusing to write a ring there: it is \(kind), not a regular file (symbolic links are never followed)"
        }
    }
}
