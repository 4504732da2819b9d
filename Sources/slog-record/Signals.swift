import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Signals the recorder acts on, set by a C signal handler and read by the read loop.
///
/// Installed without `SA_RESTART`, so a signal interrupts a blocking `read` (it returns
/// `EINTR`) and the loop notices at once. The handler only stores into a lock-free atomic,
/// which is async-signal-safe.
enum Signals {
    /// Bit 0: SIGTERM or SIGINT (stop); bit 1: SIGUSR1 (preserve the black box).
    static let pending = Atomic<Int>(0)
    static let stop = 1
    static let blackBox = 2

    static func install() {
        for (number, bit) in [(SIGTERM, stop), (SIGINT, stop), (SIGUSR1, blackBox)] {
            var action = sigaction()
            if bit == stop {
                action.__sigaction_handler.sa_handler = handleStop
            } else {
                action.__sigaction_handler.sa_handler = handleBlackBox
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0  // no SA_RESTART: interrupt read()
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

    /// Takes the pending signals (clearing them).
    static func take() -> Int { pending.exchange(0, ordering: .acquiringAndReleasing) }
}

private func handleStop(_: Int32) { Signals.pending.bitwiseOr(Signals.stop, ordering: .relaxed) }
private func handleBlackBox(_: Int32) { Signals.pending.bitwiseOr(Signals.blackBox, ordering: .relaxed) }
