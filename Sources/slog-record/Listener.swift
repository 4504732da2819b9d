import SlogRing
import ToolSupport

#if canImport(Glibc)
import Glibc
#endif

/// The Unix socket `slog-record --listen PATH` accepts the node's slog sender on
/// (integrations/agoric/PROTOCOL.md).
///
/// Created before the ring, so a wrong path costs no 256 MiB file. Never replaces anything but
/// a stale socket of this user (one nobody listens on: a recorder killed before it could
/// remove it); a regular file at the path (what a node's SLOGFILE sender leaves) is refused.
/// Removed again on a clean exit.
struct Listener {
    let path: String
    let descriptor: Int32
    /// The socket file's identity, so `close` removes only the file this process bound.
    private let identity: (device: UInt64, inode: UInt64)?

    /// A message for the operator, printed after `slog-record: `.
    struct Failure: Error { var message: String }

    static func open(path: String, mode: mode_t, group groupName: String?) throws(Failure) -> Listener {
        guard path.utf8.count <= maximumSocketPathBytes else {
            throw Failure(message: "\(path): a socket path is at most \(maximumSocketPathBytes) bytes; choose a shorter --listen path")
        }
        var group: gid_t?
        if let groupName {
            guard let id = system_groupID(groupName) else {
                throw Failure(message: "--socket-group '\(groupName)' is not a group on this system")
            }
            group = id
        }
        let kind: PathKind
        do { kind = try system_pathKind(path) } catch {
            throw Failure(message: "\(path): cannot examine the --listen path: \(error)")
        }
        switch kind {
        case .missing:
            break
        case .socket(let owner):
            if system_someoneListens(on: path) {
                throw Failure(message: "\(path): another process is listening on this socket (another slog-record?)")
            }
            let me = system_effectiveUser()
            guard owner == me || me == 0 else {
                throw Failure(message: "\(path): a stale socket of another user (uid \(owner)); remove it or choose another --listen path")
            }
            system_unlinkQuietly(path)
            writeNote("\(path): removed the stale socket of an earlier run")
        default:
            throw Failure(message: "\(path) exists and is not a socket; slog-record does not replace it (remove it or choose another --listen path)")
        }
        let descriptor: Int32
        do { descriptor = try system_listen(at: path, mode: mode, group: group) } catch {
            throw Failure(message: "\(path): cannot create the listening socket: \(error)")
        }
        return Listener(path: path, descriptor: descriptor, identity: system_identity(path))
    }

    /// Stops listening and removes the socket file, if it is still the one this process bound.
    func close() {
        system_closeQuietly(descriptor)
        if let identity, let now = system_identity(path), now == identity { system_unlinkQuietly(path) }
    }
}

/// Writes `slog-record: TEXT` and a newline to standard error.
func writeNote(_ text: String) {
    writeError("slog-record: \(text)\n")
}
