package import SlogRing

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

// The only file in SlogInput that calls libc (SlogRing's `System/Syscalls.swift` is internal to
// SlogRing). Every wrapper retries `EINTR` and reports failures as `Errno`.

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
        var info = stat()
        if fstat(descriptor, &info) == 0 {
            isRegularFile = (info.st_mode & S_IFMT) == S_IFREG
        } else {
            isRegularFile = false
        }
    }

    deinit {
        if ownsDescriptor { _ = close(descriptor) }
    }

    /// Opens `path` read-only. The corresponding C function is `open`.
    package static func open(path: String) throws(Errno) -> InputFile {
        while true {
            let fd = system_open(path)
            if fd >= 0 { return InputFile(path: path, descriptor: fd, ownsDescriptor: true) }
            if errno == EINTR { continue }
            throw Errno(rawValue: errno)
        }
    }

    /// Standard input (not closed when this value goes away).
    package static func standardInput() -> InputFile {
        InputFile(path: "-", descriptor: STDIN_FILENO, ownsDescriptor: false)
    }

    /// The file's current size. The corresponding C function is `fstat`.
    package func size() throws(Errno) -> Int {
        var info = stat()
        while fstat(descriptor, &info) != 0 {
            if errno == EINTR { continue }
            throw Errno(rawValue: errno)
        }
        return Int(info.st_size)
    }

    /// Reads up to `buffer.count` bytes from the current position; 0 at end of input.
    /// The corresponding C function is `read`.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let got = system_read(descriptor, base, buffer.count)
            if got >= 0 { return got }
            if errno == EINTR { continue }
            throw Errno(rawValue: errno)
        }
    }

    /// Reads `buffer.count` bytes at `offset`, fewer only at end of file; returns how many.
    /// The corresponding C function is `pread`.
    package func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws(Errno) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let got = pread(descriptor, base + done, buffer.count - done, off_t(offset + done))
            if got < 0 {
                if errno == EINTR { continue }
                throw Errno(rawValue: errno)
            }
            if got == 0 { break }
            done += got
        }
        return done
    }

    /// Whether a read would return at once (input waiting, or the end). The corresponding C
    /// function is `poll`.
    package func hasInput() -> Bool {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&request, 1, 0)
            if ready >= 0 { return ready > 0 }
            if errno != EINTR { return true }  // let the read report the problem
        }
    }

    /// Up to `count` bytes at `offset` (fewer at end of file).
    package func bytes(at offset: Int, count: Int) throws(Errno) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(Errno) -> Int in try read(into: buffer, at: offset) }
        }.get()
        bytes.removeLast(count - got)
        return bytes
    }
}

// Free functions, so that `InputFile.open`/`read` do not shadow the C functions they call.
private func system_open(_ path: String) -> Int32 { open(path, O_RDONLY | O_CLOEXEC) }
private func system_read(_ fd: Int32, _ base: UnsafeMutableRawPointer, _ count: Int) -> Int { read(fd, base, count) }

/// The index of the first `byte` in `bytes[from...]`, or `nil`. The corresponding C function is
/// `memchr`.
package func findByte(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from: Int = 0) -> Int? {
    guard let base = bytes.baseAddress, from < bytes.count else { return nil }
    guard let found = memchr(base + from, Int32(byte), bytes.count - from) else { return nil }
    return UnsafeRawPointer(found) - base
}

/// Sleeps for `milliseconds`. The corresponding C function is `nanosleep`.
package func sleep(milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
