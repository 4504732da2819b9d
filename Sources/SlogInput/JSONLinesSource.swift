import SlogModel
import SlogRing

/// Reads a slogfile, one JSON object per line, from a file or standard input.
///
/// Lines are returned exactly as they are (without the newline); empty lines are skipped. A
/// last line without a newline is a record if it is a complete JSON object, otherwise an
/// `incompleteLastLine` problem (a writer was cut off). When `follow` is set on a regular file,
/// the end of the file is "nothing more now", and a partial last line waits for its newline;
/// on a pipe, `follow` makes `next()` return `nil` instead of blocking when no input is waiting.
///
/// Memory: a 1 MiB read buffer, grown only for a line longer than that, up to `maximumLineLength`
/// (a longer line is skipped and reported), so never more than the input's size plus 1 MiB.
package final class JSONLinesSource: SlogSource {
    package let path: String
    package var format: SlogFormat { .jsonLines }
    /// Lines longer than this are skipped with a `lineTooLong` problem (default 256 MiB).
    package var maximumLineLength = 256 << 20
    /// Wait at the end of a regular file for more lines instead of finishing (`--follow`).
    package var follow = false

    private let file: InputFile
    /// Not checked for exclusive access at run time (five checks per line cost more than
    /// finding the line): only `fill()` changes it, from `next()`, and `withRecordBytes`'s body
    /// must not call `next()` (`SlogSource`), so no access overlaps a change.
    @exclusivity(unchecked) private var buffer: [UInt8]
    /// Unconsumed bytes are `buffer[start..<end]`; `buffer[start]` is at `offset` in the input.
    private var start = 0
    private var end = 0
    private var offset = 0
    private var current: Range<Int> = 0..<0
    /// Lines seen so far (for messages).
    private var lineNumber = 0
    private var reachedEnd = false
    private var failed = false
    /// Skipping the rest of an over-long line until its newline.
    private var discarding = false
    private var pendingProblem: SlogProblem?

    /// Reads `file`; `prefix` holds bytes already read from it (format detection on a pipe).
    package init(file: InputFile, prefix: [UInt8] = []) {
        self.path = file.path
        self.file = file
        unsafe buffer = [UInt8](repeating: 0, count: max(1 << 20, prefix.count))
        unsafe buffer.replaceSubrange(0..<prefix.count, with: prefix)
        end = prefix.count
    }

    package var isFinished: Bool {
        failed || (reachedEnd && !(follow && file.isRegularFile))
    }

    package var status: SlogSourceStatus {
        var status = SlogSourceStatus(format: .jsonLines, formatDescription: SlogFormat.jsonLines.displayName)
        status.fileSize = file.isRegularFile ? try? file.size() : nil
        return status
    }

    package func withRecordBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        unsafe try buffer.withUnsafeBytes { unsafe try body(UnsafeRawBufferPointer(rebasing: $0[current])) }
    }

    package func next() -> SlogEvent? {
        if let problem = pendingProblem {
            pendingProblem = nil
            return .problem(problem)
        }
        while true {
            let newline = unsafe buffer.withUnsafeBytes { unsafe system_findByte(0x0A, in: UnsafeRawBufferPointer(rebasing: $0[..<end]), from: start) }
            if let newline {
                let lineStart = start
                let lineOffset = offset
                // (`x = x + n`, not `x += n`: a compound assignment to a class's property is
                // checked for exclusive access at run time, twice per line.)
                offset = offset + (newline + 1 - start)
                start = newline + 1
                if discarding {
                    discarding = false
                    lineNumber = lineNumber + 1
                    continue
                }
                lineNumber = lineNumber + 1
                if newline == lineStart { continue }  // an empty line
                if newline - lineStart > maximumLineLength {
                    return .problem(SlogProblem(
                        file: displayName, fileOffset: lineOffset, byteCount: newline + 1 - lineStart, lostRecords: 1,
                        cause: .lineTooLong(limit: maximumLineLength)))
                }
                if let problem = notAnObject(lineStart..<newline, at: lineOffset) { return .problem(problem) }
                current = lineStart..<newline
                return .record(SlogRecord(fileOffset: lineOffset, length: newline - lineStart))
            }
            if failed { return nil }
            if !reachedEnd || (follow && file.isRegularFile) {
                let got = fill()
                if let problem = pendingProblem {
                    pendingProblem = nil
                    return .problem(problem)
                }
                if got > 0 { continue }
            }
            // Nothing more for now, or the end. A partial line is complete only at the real end.
            guard start < end else { return nil }
            if follow && (file.isRegularFile || !reachedEnd) { return nil }
            let lineStart = start
            let lineOffset = offset
            offset += end - start
            start = end
            if discarding {
                discarding = false
                return nil
            }
            lineNumber += 1
            let isObject = unsafe buffer.withUnsafeBytes {
                unsafe JSONScan.forEachMember(in: UnsafeRawBufferPointer(rebasing: $0[lineStart..<end])) { _, _ in true }
            }
            if isObject {
                current = lineStart..<end
                return .record(SlogRecord(fileOffset: lineOffset, length: end - lineStart))
            }
            return .problem(SlogProblem(
                file: displayName, fileOffset: lineOffset, byteCount: end - lineStart, lostRecords: 1,
                cause: .incompleteLastLine))
        }
    }

    /// A problem if the line at `range` does not look like a JSON object (its first byte `{` and
    /// its last `}`, trailing blanks and a carriage return aside): binary garbage, a torn write
    /// or text that is not slog. Such a line is skipped, so the output stays a slogfile.
    private func notAnObject(_ range: Range<Int>, at lineOffset: Int) -> SlogProblem? {
        let looksLikeObject = unsafe buffer.withUnsafeBytes { bytes -> Bool in
            var last = range.upperBound - 1
            while last > range.lowerBound, unsafe [0x20, 0x09, 0x0D].contains(bytes[last]) { last -= 1 }
            return unsafe bytes[range.lowerBound] == 0x7B && bytes[last] == 0x7D
        }
        if looksLikeObject { return nil }
        return SlogProblem(
            file: displayName, fileOffset: lineOffset, byteCount: range.count + 1, lostRecords: 1,
            cause: .damaged("line \(lineNumber) is not a JSON object"))
    }

    /// Reads more input after the unconsumed bytes; returns how many bytes arrived (0 at the end).
    private func fill() -> Int {
        if start > 0 {
            // Keep only the unconsumed bytes, at the front.
            let count = end - start
            unsafe buffer.withUnsafeMutableBytes { unsafe $0.baseAddress!.copyMemory(from: $0.baseAddress! + start, byteCount: count) }
            start = 0
            end = count
        }
        if unsafe end == buffer.count {
            if unsafe discarding || buffer.count > maximumLineLength {
                // The line is too long: drop what is buffered and skip to its newline.
                if !discarding {
                    pendingProblem = SlogProblem(
                        file: displayName, fileOffset: offset, byteCount: 0, lostRecords: 1,
                        cause: .lineTooLong(limit: maximumLineLength))
                }
                discarding = true
                offset += end
                end = 0
            } else {
                // Grow for a long line: at most to the limit, and for a file never past what
                // the file still holds (plus one byte to see its end).
                var grown = unsafe min(buffer.count * 2, maximumLineLength + 1)
                if file.isRegularFile, let size = try? file.size() {
                    grown = unsafe min(grown, max(buffer.count + 4096, size - offset + 1))
                }
                unsafe buffer.append(contentsOf: repeatElement(0, count: grown - buffer.count))
            }
        }
        if follow && !file.isRegularFile && !file.hasInput() {
            return 0  // a pipe with nothing to read now: do not block a follower
        }
        let result = unsafe buffer.withUnsafeMutableBytes { [end, file] bytes in
            Result { () throws(Errno) -> Int in unsafe try file.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[end...])) }
        }
        let got: Int
        switch result {
        case .success(let count): got = count
        case .failure(let error):
            failed = true
            pendingProblem = SlogProblem(file: displayName, fileOffset: offset + end - start, cause: .readFailed(error))
            return 0
        }
        if got == 0 { reachedEnd = true } else { reachedEnd = false }
        end += got
        if got == 0 && follow && file.isRegularFile { noticeTruncationInPlace() }
        return got
    }

    /// At the end of a followed regular file: if it is now shorter than what was read from it,
    /// it was truncated in place (logrotate's `copytruncate`). Reading at the old offset would
    /// skip the new records (and start mid-line); instead say so and read from its start. A
    /// partial line left from before the truncation is dropped with the old contents.
    private func noticeTruncationInPlace() {
        let readTo = offset + (end - start)
        guard let size = try? file.size(), size < readTo else { return }
        do { try file.seek(to: 0) } catch {
            failed = true
            pendingProblem = SlogProblem(file: displayName, fileOffset: 0, cause: .readFailed(error))
            return
        }
        pendingProblem = SlogProblem(
            file: displayName, fileOffset: 0, cause: .truncatedInPlace(readTo: readTo, newSize: size))
        start = 0
        end = 0
        offset = 0
        lineNumber = 0
        discarding = false
        reachedEnd = false
    }
}
