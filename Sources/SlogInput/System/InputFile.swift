package import SlogRing

// System calls go through SlogRing's package-wide wrappers (`System/Syscalls.swift`), which
// retry `EINTR` and report failures as `Errno`.

/// A file or standard input opened for reading with `read` and `pread`.
///
/// Readers use `pread` at explicit offsets, not a mapping, so a file truncated while it is read
/// yields short reads (reported as damage) and never `SIGBUS`.
package final class InputFile {
    /// The path as the user gave it (`-` for standard input).
    package let path: String
    let descriptor: Int32
    private let ownsDescriptor: Bool
    /// Whether this is a regular file (seekable, with a size); false for pipes and terminals.
    package let isRegularFile: Bool

    private init(path: String, descriptor: Int32, ownsDescriptor: Bool) {
        self.path = path
        self.descriptor = descriptor
        self.ownsDescriptor = ownsDescriptor
        isRegularFile = system_isRegularFile(descriptor)
    }

    deinit {
        if ownsDescriptor { try? system_close(descriptor) }
    }

    /// Opens `path` read-only.
    package static func open(path: String) throws(Errno) -> InputFile {
        InputFile(path: path, descriptor: try system_openForReading(path), ownsDescriptor: true)
    }

    /// Standard input (not closed when this value goes away).
    package static func standardInput() -> InputFile {
        InputFile(path: "-", descriptor: 0, ownsDescriptor: false)
    }

    /// The file's current size.
    package func size() throws(Errno) -> Int {
        try system_fileSize(descriptor)
    }

    /// Reads up to `buffer.count` bytes from the current position; 0 at end of input.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        guard buffer.count > 0 else { return 0 }
        return try unsafe system_read(descriptor, into: buffer)
    }

    /// Reads `buffer.count` bytes at `offset`, fewer only at end of file; returns how many.
    package func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(Errno) -> Int {
        try unsafe system_pread(descriptor, into: buffer, offset: offset)
    }

    /// Whether a read would return at once (input waiting, or the end).
    /// The first offset at or after `offset` that holds data, not a hole; `nil` when only holes
    /// follow; `offset` itself where the file system cannot tell (`lseek(SEEK_DATA)`).
    package func nextData(from offset: Int) -> Int? {
        system_nextData(descriptor, from: offset)
    }

    /// Makes the next `read` start at `offset`. The corresponding C function is `lseek`.
    package func seek(to offset: Int) throws(Errno) {
        try system_seek(descriptor, to: offset)
    }

    package func hasInput() -> Bool {
        system_hasInput(descriptor)
    }

    /// Up to `count` bytes at `offset` (fewer at end of file).
    package func bytes(at offset: Int, count: Int) throws(Errno) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = unsafe try bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(Errno) -> Int in unsafe try read(into: buffer, at: offset) }
        }.get()
        bytes.removeLast(count - got)
        return bytes
    }
}
