import ToolSupport
import SlogInput

#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress indication on standard error, only when it is a terminal: which input
/// is being read, megabytes and cranks so far. Redrawn at most five times a second; cleared
/// when done, so nothing of it stays in the terminal or reaches a file.
struct Progress {
    private let prefix: String
    private var bytes = 0
    private var nextCheck = 0
    private var lastDraw: Double = 0
    private var drawn = false

    /// `nil` unless standard error is a terminal.
    init?(_ prefix: String) {
        guard isatty(2) == 1 else { return nil }
        self.prefix = prefix
        lastDraw = Self.now()
    }

    mutating func advance(bytes count: Int, cranks: Int) {
        bytes += count
        guard bytes >= nextCheck else { return }
        nextCheck = bytes + (1 << 20)
        let now = Self.now()
        guard now - lastDraw >= 0.2 else { return }
        lastDraw = now
        drawn = true
        writeError("\r\u{1B}[K\(prefix): \(bytes >> 20) MB" + (cranks > 0 ? ", \(cranks) cranks" : ""))
    }

    /// Erases the line if anything was drawn.
    func finish() {
        if drawn { writeError("\r\u{1B}[K") }
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
