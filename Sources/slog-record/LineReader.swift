#if canImport(Glibc)
import Glibc
#endif

/// Splits a byte stream into lines with bounded memory: a 1 MiB read buffer plus the longest
/// line that is kept whole (`maximumLine`). A longer line is reported by its size and first
/// bytes only, and the rest is skipped.
struct LineReader {
    enum Line {
        /// A complete line (without its newline), valid until the next call.
        case line(UnsafeRawBufferPointer)
        /// A line longer than `maximumLine` bytes: its total size and its first bytes.
        case tooLong(size: Int, prefix: [UInt8])
    }

    enum Status { case more, endOfFile, interrupted, failed(Int32) }

    let descriptor: Int32
    let maximumLine: Int
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    /// A line longer than `maximumLine` being skipped: its size so far and its first bytes.
    private var overlong: (size: Int, prefix: [UInt8])?
    /// The part of a line that did not fit the read buffer yet.
    private var carry: [UInt8] = []

    init(descriptor: Int32, maximumLine: Int) {
        self.descriptor = descriptor
        self.maximumLine = max(1, maximumLine)
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 8)
    }

    func deallocate() { buffer.deallocate() }

    /// Calls `body` for every complete line in the next chunk read; returns why it stopped.
    ///
    /// Waits at most a second for input (returning `.interrupted` when none came), so a signal
    /// that lands between the caller's check and the wait is still acted on within a second.
    mutating func readChunk(_ body: (Line) -> Void) -> Status {
        var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&waiting, 1, 1000)
        if ready == 0 { return .interrupted }
        if ready < 0 {
            let error = errno
            return error == EINTR ? .interrupted : .failed(error)
        }
        let got = read(descriptor, buffer.baseAddress, buffer.count)
        if got < 0 {
            let error = errno
            return error == EINTR ? .interrupted : .failed(error)
        }
        if got == 0 {
            // A last line without a newline still counts.
            if let long = overlong {
                body(.tooLong(size: long.size, prefix: long.prefix))
                overlong = nil
            } else if !carry.isEmpty {
                carry.withUnsafeBytes { body(.line($0)) }
                carry.removeAll()
            }
            return .endOfFile
        }
        start = 0
        end = got
        while start < end {
            let rest = UnsafeRawBufferPointer(rebasing: buffer[start..<end])
            guard let newline = rest.firstIndex(of: 0x0A) else {
                accumulate(rest)
                break
            }
            // `rest` is rebased: its indices start at 0.
            let piece = UnsafeRawBufferPointer(rebasing: rest[0..<newline])
            if var long = overlong {
                long.size += piece.count
                body(.tooLong(size: long.size, prefix: long.prefix))
                overlong = nil
            } else if carry.isEmpty {
                if piece.count > maximumLine {
                    body(.tooLong(size: piece.count, prefix: Array(piece.prefix(256))))
                } else {
                    body(.line(piece))
                }
            } else {
                accumulate(piece)
                if let long = overlong {
                    body(.tooLong(size: long.size, prefix: long.prefix))
                    overlong = nil
                } else {
                    carry.withUnsafeBytes { body(.line($0)) }
                }
                carry.removeAll(keepingCapacity: carry.count <= 1 << 20)
            }
            start += newline + 1
        }
        return .more
    }

    /// Adds bytes of an unfinished line, switching to "too long" past `maximumLine`.
    private mutating func accumulate(_ bytes: UnsafeRawBufferPointer) {
        if var long = overlong {
            long.size += bytes.count
            overlong = long
        } else if carry.count + bytes.count > maximumLine {
            var prefix = Array(carry.prefix(256))
            if prefix.count < 256 { prefix += bytes.prefix(256 - prefix.count) }
            overlong = (carry.count + bytes.count, prefix)
            carry.removeAll()
        } else {
            carry.append(contentsOf: bytes)
        }
    }
}
