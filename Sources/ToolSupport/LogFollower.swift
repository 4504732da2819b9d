internal import SlogRing

/// Follows a text log file by name, like `tail -F`: returns the complete lines appended since
/// the last poll, across rotation (the file renamed and a new one created at the path) and
/// truncation (`copytruncate`, `> file`). Never blocks: call `poll()` periodically (slog-record
/// polls every 100 ms or so, so a line is seen well within a second).
///
/// ```swift
/// var log = LogFollower(path: "/var/log/agd.log")
/// while running {
///     for line in log.poll() {
///         if let failure = ConsensusFailureLine(line) { /* preserve the black box */ }
///     }
///     for notice in log.takeNotices() { print("slog-record: \(notice)") }
///     sleep(100 ms)
/// }
/// ```
///
/// Rules:
/// - The file as it is at the first open is read from its **end** (old lines, including an old
///   consensus failure from before a restart, are not triggers); a file that appears later
///   (after rotation, or one missing at start) is read from its beginning. `fromStart: true`
///   reads the first file from its beginning too.
/// - Rotation: while nothing exists at the path, the old file is still read (the writer may
///   write a few more lines to it). Once a different file exists at the path, the old one is
///   read to its end, its unterminated last line returned as a line, and the new one followed
///   from its beginning.
/// - Truncation: a file shorter than what was read is read again from its beginning.
/// - A line longer than `lineLimit` bytes is returned cut at that length (a JSON log line with
///   a whole goroutine stack is tens of KB); `\r` before the newline is dropped.
package struct LogFollower: ~Copyable {
    /// The followed path.
    package let path: String
    /// The longest line returned whole.
    package static let lineLimit = 1 << 20

    private var descriptor: Int32 = -1
    private var identity: (device: UInt64, inode: UInt64)?
    private var offset = 0
    private var partial: [UInt8] = []
    private var discardingLongLine = false
    private let fromStart: Bool
    private var notices: [String] = []
    private var saidMissing = false
    private var attempted = false

    package init(path: String, fromStart: Bool = false) {
        self.path = path
        self.fromStart = fromStart
    }

    deinit {
        if descriptor >= 0 { try? system_close(descriptor) }
    }

    /// What happened to the file since the last call (opened, rotated, truncated, missing), in
    /// words for the tool's log.
    package mutating func takeNotices() -> [String] {
        defer { notices.removeAll() }
        return notices
    }

    /// The complete lines appended since the last call, oldest first (without newlines).
    package mutating func poll() -> [String] {
        var lines: [String] = []
        if descriptor < 0 {
            // Only the file found at the very first attempt is read from its end.
            let fromStartOfFile = fromStart || attempted
            attempted = true
            if !openCurrent(fromStartOfFile: fromStartOfFile) { return lines }
        }
        readAvailable(into: &lines)
        // Rotated: a different file is at the path now. Finish the old one, then follow the new.
        if let current = Self.identity(ofPath: path), let identity, current != identity {
            readAvailable(into: &lines)
            flushPartial(into: &lines)
            try? system_close(descriptor)
            descriptor = -1
            self.identity = nil
            notices.append("\(path): rotated; following the new file from its beginning")
            if openCurrent(fromStartOfFile: true) { readAvailable(into: &lines) }
        }
        return lines
    }

    /// Opens the file at the path; false if there is none (said once).
    private mutating func openCurrent(fromStartOfFile: Bool) -> Bool {
        let fd: Int32
        do { fd = try system_openForReading(path) } catch {
            if !saidMissing { notices.append("\(path): cannot open (\(error)); waiting for it") }
            saidMissing = true
            return false
        }
        guard let opened = try? system_identity(fd), let size = try? system_fileSize(fd) else {
            try? system_close(fd)
            return false
        }
        if saidMissing { notices.append("\(path): opened") }
        saidMissing = false
        descriptor = fd
        identity = opened
        offset = fromStartOfFile ? 0 : size
        partial.removeAll()
        discardingLongLine = false
        return true
    }

    /// Reads to the end of the open file, handling truncation.
    private mutating func readAvailable(into lines: inout [String]) {
        guard descriptor >= 0 else { return }
        if let size = try? system_fileSize(descriptor), size < offset {
            notices.append("\(path): truncated; reading it again from its beginning")
            offset = 0
            partial.removeAll()
            discardingLongLine = false
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got: Int
            do {
                got = try unsafe buffer.withUnsafeMutableBytes { raw in
                    Result { () throws(Errno) -> Int in try unsafe system_pread(descriptor, into: raw, offset: offset) }
                }.get()
            } catch {
                notices.append("\(path): read failed: \(error)")
                return
            }
            if got == 0 { return }
            offset += got
            split(buffer[..<got], into: &lines)
            if got < buffer.count { return }
        }
    }

    private mutating func split(_ bytes: ArraySlice<UInt8>, into lines: inout [String]) {
        var start = bytes.startIndex
        while start < bytes.endIndex {
            guard let newline = bytes[start...].firstIndex(of: 0x0A) else {
                appendPartial(bytes[start...], into: &lines)
                return
            }
            appendPartial(bytes[start..<newline], into: &lines)
            if discardingLongLine {
                discardingLongLine = false
            } else {
                flushPartial(into: &lines)
            }
            partial.removeAll(keepingCapacity: true)
            start = newline + 1
        }
    }

    private mutating func appendPartial(_ bytes: ArraySlice<UInt8>, into lines: inout [String]) {
        guard !discardingLongLine else { return }
        partial.append(contentsOf: bytes.prefix(Self.lineLimit - partial.count))
        if partial.count >= Self.lineLimit {
            flushPartial(into: &lines)
            discardingLongLine = true
        }
    }

    private mutating func flushPartial(into lines: inout [String]) {
        guard !partial.isEmpty else { return }
        if partial.last == 0x0D { partial.removeLast() }
        lines.append(String(decoding: partial, as: UTF8.self))
        partial.removeAll(keepingCapacity: true)
    }

    private static func identity(ofPath path: String) -> (device: UInt64, inode: UInt64)? {
        system_identity(ofPath: path)
    }
}
