import SlogRing

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

    enum Status {
        /// Bytes were read; `body` saw the lines they completed.
        case more
        /// Nothing to read now (a non-blocking descriptor) or a signal interrupted the read.
        case nothing
        /// End of input: a last unfinished line was reported (`completesLastLine`) or dropped.
        case endOfFile
        case failed(Errno)
    }

    let descriptor: Int32
    let maximumLine: Int
    /// Whether an unfinished last line at end of input counts as a line: yes for a file or a
    /// pipe (the last line of a slogfile may lack its newline); no for a sender's connection,
    /// where it is a record cut off by the sender's death and must never be recorded or joined
    /// to the next connection's first line.
    let completesLastLine: Bool
    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    /// A line longer than `maximumLine` being skipped: its size so far and its first bytes.
    private var overlong: (size: Int, prefix: [UInt8])?
    /// The part of a line that did not fit the read buffer yet.
    private var carry: [UInt8] = []

    init(descriptor: Int32, maximumLine: Int, completesLastLine: Bool = true) {
        self.descriptor = descriptor
        self.maximumLine = max(1, maximumLine)
        self.completesLastLine = completesLastLine
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 8)
    }

    func deallocate() { buffer.deallocate() }

    /// Bytes of an unfinished line held so far (0 between lines).
    var unfinishedBytes: Int { overlong?.size ?? carry.count }

    /// Calls `body` for every complete line in the next chunk read (one `read`; call it when
    /// `poll` says the descriptor is readable); returns why it stopped.
    mutating func readChunk(_ body: (Line) -> Void) -> Status {
        let got: Int
        do {
            guard let count = try system_readSome(descriptor, into: buffer) else { return .nothing }
            got = count
        } catch {
            return .failed(error)
        }
        if got == 0 {
            if completesLastLine {
                // A last line without a newline still counts.
                if let long = overlong {
                    body(.tooLong(size: long.size, prefix: long.prefix))
                } else if !carry.isEmpty {
                    carry.withUnsafeBytes { body(.line($0)) }
                }
                overlong = nil
                carry.removeAll()
            }
            // Otherwise the unfinished line stays, for `unfinishedBytes` to report; the reader
            // is done with this descriptor.
            return .endOfFile
        }
        start = 0
        end = got
        while start < end {
            let rest = UnsafeRawBufferPointer(rebasing: buffer[start..<end])
            guard let newline = system_findByte(0x0A, in: rest) else {
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
