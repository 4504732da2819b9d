import SlogRing
import ToolSupport

#if canImport(Glibc)
import Glibc
#endif

/// `--halt-log-command CMD`: agd's log as a command prints it (`journalctl -fu agd -o cat`).
///
/// Runs `/bin/sh -c CMD` with its standard output and error into a non-blocking pipe that the
/// session's `poll` loop reads. A command that ends is started again after `restartDelay`
/// seconds (journalctl restarts with agd's unit); at the end of the session it is killed.
final class HaltLogCommand {
    let command: String
    private(set) var descriptor: Int32 = -1
    private var pid: pid_t = -1
    private var lines: LineReader?
    /// When the command may be started again after it ended (monotonic seconds).
    private var restartAt = 0.0
    static let restartDelay = 1.0

    init(command: String) { self.command = command }

    deinit { stop() }

    /// Starts the command if it is not running and its restart delay has passed.
    /// - Returns: a notice for the operator when it started or could not start.
    func startIfNeeded(now: Double) -> String? {
        guard pid < 0, now >= restartAt else { return nil }
        restartAt = now + Self.restartDelay
        do {
            let pipe = try system_pipe()
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_adddup2(&actions, pipe.write, 1)
            posix_spawn_file_actions_adddup2(&actions, pipe.write, 2)
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            var child: pid_t = 0
            let arguments = ["/bin/sh", "-c", command]
            var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
            defer { for pointer in argv { free(pointer) } }
            let status = posix_spawn(&child, "/bin/sh", &actions, nil, &argv, environ)
            system_closeQuietly(pipe.write)
            guard status == 0 else {
                system_closeQuietly(pipe.read)
                return "--halt-log-command: cannot start /bin/sh: \(Errno(rawValue: status))"
            }
            pid = child
            descriptor = pipe.read
            lines = LineReader(descriptor: pipe.read, maximumLine: LogFollower.lineLimit)
            return "following agd's log through: \(command) (pid \(child))"
        } catch {
            return "--halt-log-command: cannot make a pipe: \(error)"
        }
    }

    /// Reads what the command printed and calls `body` with each complete line; notices when
    /// the command ended (it is restarted later).
    func read(_ body: (String) -> Void) -> String? {
        guard var reader = lines else { return nil }
        let status = reader.readChunk { line in
            switch line {
            case .line(let bytes): body(String(decoding: bytes, as: UTF8.self))
            case .tooLong(_, let prefix): body(String(decoding: prefix, as: UTF8.self))
            }
        }
        lines = reader
        switch status {
        case .more, .nothing:
            return nil
        case .endOfFile, .failed:
            let ended = pid
            stop()
            return "--halt-log-command ended (pid \(ended)); starting it again in \(Int(Self.restartDelay)) s"
        }
    }

    /// Kills and reaps the command, closes the pipe.
    func stop() {
        if pid > 0 {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            // The shell exits on SIGTERM; wait for it so no zombie is left.
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            pid = -1
        }
        lines?.deallocate()
        lines = nil
        if descriptor >= 0 { system_closeQuietly(descriptor) }
        descriptor = -1
    }
}

/// Monotonic seconds, for the halt log's restart delay and polling.
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
