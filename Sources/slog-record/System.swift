import SlogRing

#if canImport(Glibc)
import Glibc
#endif

// The only file of slog-record that calls libc (besides the signal handlers in Signals.swift,
// which may call nothing but async-signal-safe functions). Like SlogRing's Syscalls.swift,
// every wrapper turns -1 and errno into `throws(Errno)` and says which C function it calls;
// the EINTR policy is explicit, because slog-record must notice signals: the calls that wait
// (poll, open of a FIFO) are never retried on EINTR.

/// What `lstat` says a path is.
enum PathKind: Equatable {
    case missing
    case fifo
    case socket(owner: uid_t)
    case regularFile
    case directory
    case other
}

/// The kind of file at `path`, not following a final symbolic link. The corresponding C
/// function is `lstat`.
func system_pathKind(_ path: String) throws(Errno) -> PathKind {
    var info = stat()
    do { _ = try valueOrErrno { lstat(path, &info) } } catch Errno.noSuchFileOrDirectory { return .missing }
    switch info.st_mode & S_IFMT {
    case S_IFIFO: return .fifo
    case S_IFSOCK: return .socket(owner: info.st_uid)
    case S_IFREG: return .regularFile
    case S_IFDIR: return .directory
    default: return .other
    }
}

/// The device and inode of `path` (not following a final symbolic link), or `nil`. The
/// corresponding C function is `lstat`.
func system_identity(_ path: String) -> (device: UInt64, inode: UInt64)? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return (UInt64(info.st_dev), UInt64(info.st_ino))
}

/// The kind of an open file. The corresponding C function is `fstat`.
func system_descriptorIsFIFO(_ fd: Int32) throws(Errno) -> Bool {
    var info = stat()
    _ = try valueOrErrno { fstat(fd, &info) }
    return info.st_mode & S_IFMT == S_IFIFO
}

/// Opens `path` for reading without waiting for a FIFO's writer (`O_NONBLOCK`): readiness is
/// then learned from `poll`, which also watches the signal pipe. The corresponding C function
/// is `open(O_RDONLY | O_NONBLOCK)`.
func system_openNonblocking(_ path: String) throws(Errno) -> Int32 {
    try valueOrErrno { open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
}

/// Closes `fd`, ignoring errors (the descriptor is gone either way on Linux).
func system_closeQuietly(_ fd: Int32) { _ = close(fd) }

/// Reads what is available into `buffer`: the count, 0 at end of file, or `nil` when a
/// non-blocking descriptor has nothing (`EAGAIN`) or a signal interrupted the read. The
/// corresponding C function is `read`.
func system_readSome(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int? {
    let got = read(fd, buffer.baseAddress, buffer.count)
    if got >= 0 { return got }
    let error = Errno(rawValue: errno)
    if error == .wouldBlock || error == .interrupted { return nil }
    throw error
}


/// Asks for a pipe buffer of `bytes` when `fd` is a pipe; best effort (not a pipe, or over
/// `/proc/sys/fs/pipe-max-size` for this user: unchanged). The corresponding C function is
/// `fcntl(F_SETPIPE_SZ)`.
func system_growPipe(_ fd: Int32, to bytes: Int32) {
    let F_SETPIPE_SZ: Int32 = 1031  // <linux/fcntl.h>; Glibc hides it without _GNU_SOURCE
    let F_GETPIPE_SZ: Int32 = 1032
    let current = fcntl(fd, F_GETPIPE_SZ)
    if current > 0 && current < bytes { _ = fcntl(fd, F_SETPIPE_SZ, bytes) }
}

/// Waits until one of `descriptors` is ready (or `timeout` milliseconds pass; -1 waits for
/// ever); fills in their `revents`. Returns false when a signal interrupted the wait. The
/// corresponding C function is `poll`.
func system_poll(_ descriptors: inout [pollfd], timeout: Int32) throws(Errno) -> Bool {
    let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
    if ready >= 0 { return true }
    let error = Errno(rawValue: errno)
    if error == .interrupted { return false }
    throw error
}

/// Makes `fd` non-blocking and close-on-exec. The corresponding C function is `fcntl`.
private func system_setNonblockingAndCloseOnExec(_ fd: Int32) throws(Errno) {
    let flags = try valueOrErrno { fcntl(fd, F_GETFL) }
    _ = try valueOrErrno { fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    _ = try valueOrErrno { fcntl(fd, F_SETFD, FD_CLOEXEC) }
}

/// A pipe whose both ends are non-blocking and close-on-exec. The corresponding C functions
/// are `pipe` and `fcntl` (Glibc hides `pipe2` without _GNU_SOURCE).
func system_pipe() throws(Errno) -> (read: Int32, write: Int32) {
    var ends: [Int32] = [-1, -1]
    _ = try valueOrErrno { pipe(&ends) }
    do {
        try system_setNonblockingAndCloseOnExec(ends[0])
        try system_setNonblockingAndCloseOnExec(ends[1])
    } catch {
        system_closeQuietly(ends[0])
        system_closeQuietly(ends[1])
        throw error
    }
    return (ends[0], ends[1])
}

/// Writes what the kernel takes now, never waiting (`MSG_DONTWAIT`), and never raising SIGPIPE
/// (`MSG_NOSIGNAL`): the count written, 0 when the socket buffer is full. The corresponding C
/// function is `send`.
func system_sendNow(_ fd: Int32, _ bytes: [UInt8]) throws(Errno) -> Int {
    let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
    if sent >= 0 { return sent }
    let error = Errno(rawValue: errno)
    if error == .wouldBlock || error == .interrupted { return 0 }
    throw error
}

// MARK: Unix sockets

/// A `sockaddr_un` for `path`, or `nil` when the path is too long for `sun_path`.
private func socketAddress(_ path: String) -> sockaddr_un? {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path), !bytes.contains(0) else { return nil }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    return address
}

/// The longest socket path, in bytes (`sun_path` less its terminating NUL).
let maximumSocketPathBytes = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

/// A new non-blocking, close-on-exec Unix stream socket. The corresponding C function is
/// `socket(AF_UNIX, SOCK_STREAM)`.
private func system_unixSocket() throws(Errno) -> Int32 {
    let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    return try valueOrErrno { socket(AF_UNIX, type, 0) }
}

/// Whether a process accepts connections on the socket at `path` (a stale socket file, whose
/// listener died, refuses them). The corresponding C function is `connect`.
func system_someoneListens(on path: String) -> Bool {
    guard var address = socketAddress(path), let fd = try? system_unixSocket() else { return false }
    defer { system_closeQuietly(fd) }
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    // A non-blocking connect to a Unix socket completes at once, or fails with EAGAIN when the
    // listener's backlog is full: someone listens either way.
    return result == 0 || errno == EAGAIN || errno == EINPROGRESS
}

/// Creates a listening Unix stream socket at `path` with permission bits `mode`, owned by
/// group `group` when given. The socket file is created mode 0600 (umask 0177 around `bind`)
/// and only then opened up to `mode`, so it is never more open than asked. The corresponding C
/// functions are `socket`, `umask`, `bind`, `chown`, `chmod` and `listen`.
func system_listen(at path: String, mode: mode_t, group: gid_t?) throws(Errno) -> Int32 {
    guard var address = socketAddress(path) else { throw Errno(rawValue: ENAMETOOLONG) }
    let fd = try system_unixSocket()
    do throws(Errno) {
        let previous = umask(0o177)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        let bindError = errno
        umask(previous)
        guard bound == 0 else { throw Errno(rawValue: bindError) }
        do throws(Errno) {
            if let group { _ = try valueOrErrno { chown(path, uid_t.max, group) } }  // -1: owner unchanged
            _ = try valueOrErrno { chmod(path, mode) }
            _ = try valueOrErrno { Glibc.listen(fd, 16) }
        } catch {
            _ = unlink(path)
            throw error
        }
        return fd
    } catch {
        system_closeQuietly(fd)
        throw error
    }
}

/// Accepts a waiting connection, made non-blocking and close-on-exec; `nil` when none waits.
/// The corresponding C functions are `accept` and `fcntl` (Glibc hides `accept4` without
/// _GNU_SOURCE).
func system_accept(_ listener: Int32) throws(Errno) -> Int32? {
    let fd = accept(listener, nil, nil)
    if fd >= 0 {
        do { try system_setNonblockingAndCloseOnExec(fd) } catch {
            system_closeQuietly(fd)
            throw error
        }
        return fd
    }
    let error = Errno(rawValue: errno)
    // A connection that died while queued (ECONNABORTED) is simply gone; try the next one.
    if error == .wouldBlock || error == .interrupted || error.rawValue == ECONNABORTED { return nil }
    throw error
}

/// The group named `name` (or numbered, when `name` is digits). The corresponding C function
/// is `getgrnam_r`.
func system_groupID(_ name: String) -> gid_t? {
    if let number = gid_t(name) { return number }
    var group = group()
    var result: UnsafeMutablePointer<group>?
    var buffer = [CChar](repeating: 0, count: 16384)
    guard getgrnam_r(name, &group, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
    return group.gr_gid
}

/// The effective user id. The corresponding C function is `geteuid`.
func system_effectiveUser() -> uid_t { geteuid() }

/// Removes a name, ignoring errors. The corresponding C function is `unlink`.
func system_unlinkQuietly(_ path: String) { _ = unlink(path) }
