/// The records of the last `limit` blocks seen (`--blocks N`), kept as output lines.
///
/// Memory: the bytes of those blocks only; older blocks are dropped as newer ones begin. A
/// block that appears again (a restarted node re-executes it) counts once.
struct BlockWindow {
    private struct Run {
        var height: UInt64
        var bytes: [UInt8] = []
        /// End offset (after the newline) of each line in `bytes`.
        var ends: [Int] = []
    }

    let limit: Int
    private var runs: [Run] = []
    private var first = 0
    private var runsPerHeight: [UInt64: Int] = [:]

    init(limit: Int) {
        self.limit = limit
    }

    mutating func append(_ line: UnsafeRawBufferPointer, height: UInt64) {
        guard limit > 0 else { return }
        if runs.count > first, runs[runs.count - 1].height == height {
            runs[runs.count - 1].bytes.append(contentsOf: line)
            runs[runs.count - 1].bytes.append(0x0A)
            runs[runs.count - 1].ends.append(runs[runs.count - 1].bytes.count)
            return
        }
        var run = Run(height: height)
        run.bytes.append(contentsOf: line)
        run.bytes.append(0x0A)
        run.ends.append(run.bytes.count)
        runs.append(run)
        runsPerHeight[height, default: 0] += 1
        while runsPerHeight.count > limit {
            let oldest = runs[first].height
            runs[first] = Run(height: oldest)  // release its bytes now
            first += 1
            runsPerHeight[oldest]! -= 1
            if runsPerHeight[oldest] == 0 { runsPerHeight[oldest] = nil }
        }
        if first > 64 && first * 2 > runs.count {
            runs.removeFirst(first)
            first = 0
        }
    }

    /// Calls `body` with each kept line (including its newline), oldest first.
    func forEachLine(_ body: (UnsafeRawBufferPointer) -> Void) {
        for run in runs[first...] {
            run.bytes.withUnsafeBytes { bytes in
                var start = 0
                for end in run.ends {
                    body(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                    start = end
                }
            }
        }
    }
}

/// The last `limit` output lines (`-n N`), in a circular buffer that grows only up to `limit`.
struct LineWindow {
    let limit: Int
    private var lines: [[UInt8]] = []
    /// When full, the index of the oldest line.
    private var oldest = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// Keeps `line`, adding a newline unless it has one (`hasNewline`).
    mutating func append(_ line: UnsafeRawBufferPointer, hasNewline: Bool) {
        guard limit > 0 else { return }
        var copy: [UInt8] = []
        copy.reserveCapacity(line.count + 1)
        copy.append(contentsOf: line)
        if !hasNewline { copy.append(0x0A) }
        if lines.count < limit {
            lines.append(copy)
        } else {
            lines[oldest] = copy
            oldest = (oldest + 1) % limit
        }
    }

    /// Calls `body` with each kept line, oldest first.
    func forEachLine(_ body: (UnsafeRawBufferPointer) -> Void) {
        for index in 0..<lines.count {
            lines[(oldest + index) % lines.count].withUnsafeBytes(body)
        }
    }
}
