import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Signals the recorder acts on, set by a C signal handler and read by the poll loop.
///
/// The handler stores into a lock-free atomic and writes one byte to a non-blocking pipe (the
/// self-pipe), both async-signal-safe. The loop's `poll` watches the pipe's read end, so a
/// signal is acted on at once in every state: waiting for a connection, for a FIFO's writer,
/// for input. A signal that arrives while the ring is being created leaves its byte in the
/// pipe, and the loop acts on it first thing.
enum Signals {
    /// Bit 0: SIGTERM or SIGINT (stop); bit 1: SIGUSR1 (preserve the black box).
    static let pending = Atomic<Int>(0)
    static let stop = 1
    static let blackBox = 2
    /// The self-pipe's write end (-1 before `install`).
    static let wakeWriter = Atomic<Int32>(-1)
    /// The self-pipe's read end, for `poll`.
    nonisolated(unsafe) static var wakeReader: Int32 = -1

    static func install() {
        if let pipe = try? system_pipe() {
            wakeReader = pipe.read
            wakeWriter.store(pipe.write, ordering: .releasing)
        }
        for (number, bit) in [(SIGTERM, stop), (SIGINT, stop), (SIGUSR1, blackBox)] {
            var action = sigaction()
            if bit == stop {
                action.__sigaction_handler.sa_handler = handleStop
            } else {
                action.__sigaction_handler.sa_handler = handleBlackBox
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0  // no SA_RESTART: interrupt poll()
            sigaction(number, &action, nil)
        }
        signal(SIGPIPE, SIG_IGN)
        // A parent may have started us with these signals blocked (a spawning thread's mask is
        // inherited); unblock them, or SIGTERM would wait until the input ends.
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGTERM, SIGINT, SIGUSR1] { sigaddset(&set, number) }
        sigprocmask(SIG_UNBLOCK, &set, nil)
    }

    /// Takes the pending signals (clearing them), and empties the self-pipe when `poll` said it
    /// is readable (`drainingPipe`): the loop calls this after every `poll`, and reading an
    /// empty pipe there cost a system call per chunk of input.
    static func take(drainingPipe: Bool) -> Int {
        if drainingPipe {
            withUnsafeTemporaryAllocation(byteCount: 64, alignment: 1) { scratch in
                while wakeReader >= 0, read(wakeReader, scratch.baseAddress, scratch.count) > 0 {}
            }
        }
        return pending.exchange(0, ordering: .acquiringAndReleasing)
    }
}

private func wake() {
    let saved = errno
    let fd = Signals.wakeWriter.load(ordering: .acquiring)
    if fd >= 0 {
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)  // a full pipe already wakes the loop
    }
    errno = saved
}

private func handleStop(_: Int32) {
    Signals.pending.bitwiseOr(Signals.stop, ordering: .relaxed)
    wake()
}

private func handleBlackBox(_: Int32) {
    Signals.pending.bitwiseOr(Signals.blackBox, ordering: .relaxed)
    wake()
}
