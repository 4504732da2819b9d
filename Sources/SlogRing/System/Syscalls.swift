internal import _SlogRingShims

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

// The only file in SlogRing that calls libc. Every wrapper converts the C convention (-1 and
// errno, or an error number returned directly) into `throws(Errno)`, retries `EINTR` where the
// call is restartable, and says which C function it calls. One place to read, trace or inject
// faults; it also avoids methods such as `close()` shadowing the C functions.

/// Runs `call` until it does not fail with `EINTR` (when `retryOnInterrupt`), mapping -1 to errno.
/// Package-wide: the one EINTR loop the readers and the tools use too.
@inline(__always)
package func valueOrErrno<I: FixedWidthInteger>(
    retryOnInterrupt: Bool = true, _ call: () -> I
) throws(Errno) -> I {
    while true {
        let result = call()
        if result != -1 { return result }
        let error = Errno.current
        if retryOnInterrupt && error == .interrupted { continue }
        throw error
    }
}

/// Opens `path`. The corresponding C function is `open`.
internal func system_open(_ path: String, _ flags: Int32, _ mode: mode_t) throws(Errno) -> Int32 {
    try valueOrErrno { unsafe open(path, flags | O_CLOEXEC, mode) }
}

/// How the ring's own files are opened (the `open` flags, named so that callers need no libc).
enum OpenMode {
    /// Read only (a reader).
    case reading
    /// A new file, created here or failing with `EEXIST`, read-write, mode 0600.
    case creatingExclusively
    /// An existing file read-write, never through a symbolic link, never waiting on a FIFO.
    case writingExisting
    /// An existing file read-only, never through a symbolic link, never waiting on a FIFO.
    case readingExisting

    var flags: Int32 {
        switch self {
        case .reading: O_RDONLY
        case .creatingExclusively: O_RDWR | O_CREAT | O_EXCL
        case .writingExisting: O_RDWR | O_NOFOLLOW | O_NONBLOCK
        case .readingExisting: O_RDONLY | O_NOFOLLOW | O_NONBLOCK
        }
    }
}

/// Opens `path` as `mode` says (new files get permission bits 0600). The corresponding C
/// function is `open`.
internal func system_open(_ path: String, _ mode: OpenMode) throws(Errno) -> Int32 {
    try system_open(path, mode.flags, mode == .creatingExclusively ? 0o600 : 0)
}

/// Nanoseconds since the Unix epoch from the wall clock. The corresponding C function is
/// `clock_gettime(CLOCK_REALTIME)`.
internal func system_wallClockNanoseconds() -> UInt64 {
    var now = timespec()
    unsafe clock_gettime(CLOCK_REALTIME, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Opens `path` for reading. The corresponding C function is `open(O_RDONLY)`.
package func system_openForReading(_ path: String) throws(Errno) -> Int32 {
    try system_open(path, O_RDONLY, 0)
}

/// Closes `fd`; never retried, since the descriptor is gone after `EINTR` on Linux.
/// The corresponding C function is `close`.
package func system_close(_ fd: Int32) throws(Errno) {
    _ = try valueOrErrno(retryOnInterrupt: false) { close(fd) }
}

/// The size of the open file. The corresponding C function is `fstat`.
package func system_fileSize(_ fd: Int32) throws(Errno) -> Int {
    var info = stat()
    _ = try valueOrErrno { unsafe fstat(fd, &info) }
    return Int(info.st_size)
}

/// The permission bits of the open file. The corresponding C function is `fstat`.
internal func system_fileMode(_ fd: Int32) throws(Errno) -> mode_t {
    var info = stat()
    _ = try valueOrErrno { unsafe fstat(fd, &info) }
    return info.st_mode & 0o7777
}

/// Reserves `length` bytes of disk for `fd` so later writes through a mapping cannot hit a full
/// disk (which would be SIGBUS). The corresponding C function is `posix_fallocate`, which
/// returns its error number instead of setting errno.
internal func system_fallocate(_ fd: Int32, length: Int) throws(Errno) {
    while true {
        let result = posix_fallocate(fd, 0, off_t(length))
        if result == 0 { return }
        if result == EINTR { continue }
        throw Errno(rawValue: result)
    }
}

/// Sets the file length. The corresponding C function is `ftruncate`.
internal func system_ftruncate(_ fd: Int32, length: Int) throws(Errno) {
    _ = try valueOrErrno { ftruncate(fd, off_t(length)) }
}

/// Forces the file's data to stable storage. The corresponding C function is `fsync`.
internal func system_fsync(_ fd: Int32) throws(Errno) {
    _ = try valueOrErrno { fsync(fd) }
}

/// Maps `length` bytes of `fd` shared. The corresponding C function is `mmap`.
internal func system_mmap(_ fd: Int32, length: Int, writable: Bool) throws(Errno) -> UnsafeMutableRawPointer {
    let protection = writable ? (PROT_READ | PROT_WRITE) : PROT_READ
    let address = unsafe mmap(nil, length, protection, MAP_SHARED, fd, 0)
    if unsafe address == MAP_FAILED { throw Errno.current }
    // Safe: mmap returned a mapping, not MAP_FAILED, so the pointer is non-null.
    return unsafe address!
}

/// Unmaps a region mapped by `system_mmap`. The corresponding C function is `munmap`.
internal func system_munmap(_ address: UnsafeMutableRawPointer, length: Int) throws(Errno) {
    _ = try valueOrErrno(retryOnInterrupt: false) { unsafe munmap(address, length) }
}

/// Writes dirty pages of the mapping back and waits. The corresponding C function is `msync`.
internal func system_msync(_ address: UnsafeMutableRawPointer, length: Int) throws(Errno) {
    _ = try valueOrErrno { unsafe msync(address, length, MS_SYNC) }
}

/// Prefaults the mapping writable so appends take no page faults on the first lap.
/// The corresponding C function is `madvise(MADV_POPULATE_WRITE)` (Linux 5.14 and later);
/// on older kernels and other systems it fails with `EINVAL`, which callers may ignore.
internal func system_populateWrite(_ address: UnsafeMutableRawPointer, length: Int) throws(Errno) {
    #if os(Linux)
    let MADV_POPULATE_WRITE: Int32 = 23 // <linux/mman.h>; Glibc hides it without _GNU_SOURCE
    _ = try valueOrErrno { unsafe madvise(address, length, MADV_POPULATE_WRITE) }
    #else
    throw Errno.invalidArgument
    #endif
}

/// Hard-links `existing` as `new`, failing with `EEXIST` if `new` exists: an atomic
/// create-if-absent. The corresponding C function is `link`.
internal func system_link(_ existing: String, _ new: String) throws(Errno) {
    _ = try valueOrErrno { unsafe link(existing, new) }
}

/// Removes a name. The corresponding C function is `unlink`.
package func system_unlink(_ path: String) throws(Errno) {
    _ = try valueOrErrno { unsafe unlink(path) }
}

/// The calling process id. The corresponding C function is `getpid`.
package func system_getpid() -> Int32 { getpid() }

/// Sleeps for `milliseconds` (resuming after signals). The corresponding C function is
/// `nanosleep`.
package func system_sleep(milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while unsafe nanosleep(&request, &remaining) == -1 && Errno.current == .interrupted {
        request = remaining
    }
}

// MARK: Writer lock

#if os(Linux)
// Open-file-description locks (Linux 3.15+): owned by the open file, not the process, so two
// opens in one process conflict too, and the lock can be *queried* without taking it.
private let F_OFD_GETLK: Int32 = 36
private let F_OFD_SETLK: Int32 = 37

private func ofdLock(_ fd: Int32, command: Int32, type: Int32) throws(Errno) -> flock {
    var request = flock()
    request.l_type = Int16(type)
    request.l_whence = Int16(SEEK_SET)
    request.l_start = 0
    request.l_len = 0 // the whole file
    _ = try valueOrErrno { unsafe fcntl(fd, command, &request) }
    return request
}
#endif

/// Takes the exclusive writer lock on `fd` without waiting; `EAGAIN`/`EACCES` mean another
/// open file holds it. Released when the descriptor closes (including on process death).
/// The corresponding C function is `fcntl(F_OFD_SETLK)` (`flock` on non-Linux systems).
internal func system_tryLockExclusive(_ fd: Int32) throws(Errno) {
    #if os(Linux)
    _ = try ofdLock(fd, command: F_OFD_SETLK, type: Int32(F_WRLCK))
    #else
    _ = try valueOrErrno { flock(fd, LOCK_EX | LOCK_NB) }
    #endif
}

/// Whether some open file holds the writer lock, without taking it.
/// The corresponding C function is `fcntl(F_OFD_GETLK)`; elsewhere the answer is `nil`.
internal func system_isLockedExclusive(_ fd: Int32) throws(Errno) -> Bool? {
    #if os(Linux)
    let answer = try ofdLock(fd, command: F_OFD_GETLK, type: Int32(F_RDLCK))
    return answer.l_type != Int16(F_UNLCK)
    #else
    return nil
    #endif
}

/// Sets the permission bits of `fd`. The corresponding C function is `fchmod`.
internal func system_fchmod(_ fd: Int32, _ mode: mode_t) throws(Errno) {
    _ = try valueOrErrno { fchmod(fd, mode) }
}

/// Reads up to `count` bytes at `offset`; fewer at end of file. The corresponding C function
/// is `pread`.
package func system_pread(_ fd: Int32, count: Int, offset: Int) throws(Errno) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    var done = 0
    while done < count {
        let got = try unsafe bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(Errno) -> Int in
                try valueOrErrno { unsafe pread(fd, buffer.baseAddress! + done, count - done, off_t(offset + done)) }
            }
        }.get()
        if got == 0 { break }
        done += got
    }
    return Array(bytes.prefix(done))
}

/// Reads up to `buffer.count` bytes at `offset` into `buffer`, fewer only at end of file.
/// The corresponding C function is `pread`.
package func system_pread(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, offset: Int) throws(Errno) -> Int {
    guard let base = buffer.baseAddress else { return 0 }
    var done = 0
    while done < buffer.count {
        let got = try valueOrErrno { unsafe pread(fd, base + done, buffer.count - done, off_t(offset + done)) }
        if got == 0 { break }
        done += got
    }
    return done
}

/// Reads what is available, up to `buffer.count` bytes; 0 at end of file. With
/// `retryOnInterrupt` false an interrupted read throws `Errno.interrupted`, so a caller can
/// act on a signal. The corresponding C function is `read`.
package func system_read(
    _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, retryOnInterrupt: Bool = true
) throws(Errno) -> Int {
    try valueOrErrno(retryOnInterrupt: retryOnInterrupt) { unsafe read(fd, buffer.baseAddress, buffer.count) }
}

/// Writes all of `buffer`, continuing after partial writes. The corresponding C function is
/// `write`.
package func system_writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(Errno) {
    guard let base = buffer.baseAddress else { return }
    var done = 0
    while done < buffer.count {
        done += try valueOrErrno { unsafe write(fd, base + done, buffer.count - done) }
    }
}

/// Creates and opens a new private file (mode 0600) named from `prefix` plus six random
/// characters, and returns its descriptor and path. The corresponding C function is `mkstemp`.
package func system_makeTemporaryFile(prefix: String) throws(Errno) -> (fd: Int32, path: String) {
    var template = Array("\(prefix)XXXXXX".utf8CString)
    let fd = try valueOrErrno { unsafe template.withUnsafeMutableBufferPointer { unsafe mkstemp($0.baseAddress!) } }
    return (fd, unsafe template.withUnsafeBufferPointer { unsafe String(cString: $0.baseAddress!) })
}

/// Renames `old` to `new`, replacing nothing: fails with `EEXIST` if `new` exists (Linux
/// `renameat2(RENAME_NOREPLACE)`; elsewhere a `link` then `unlink`).
/// The corresponding C function is `renameat2` (through `_SlogRingShims`).
internal func system_renameNoReplace(_ old: String, _ new: String) throws(Errno) {
    _ = try valueOrErrno { unsafe slog_rename_noreplace(old, new) }
}

/// Flushes a directory's entries (a rename in it) to disk. The corresponding C functions are
/// `open(O_DIRECTORY)` and `fsync`.
internal func system_syncDirectory(_ path: String) throws(Errno) {
    let fd = try system_open(path, O_RDONLY | O_DIRECTORY, 0)
    defer { try? system_close(fd) }
    try system_fsync(fd)
}

/// Whether `path` names an existing file. The corresponding C function is `access(F_OK)`.
package func system_exists(_ path: String) -> Bool {
    unsafe access(path, F_OK) == 0
}

/// The first offset at or after `offset` that holds data (not a hole), or `nil` when only holes
/// follow up to the end of the file; `offset` itself where the file system cannot tell. The
/// corresponding C function is `lseek(SEEK_DATA)`.
package func system_nextData(_ fd: Int32, from offset: Int) -> Int? {
    // SEEK_DATA is 3 on Linux; Glibc exposes the name only under _GNU_SOURCE.
    let result = lseek(fd, off_t(offset), 3)
    if result >= 0 { return Int(result) }
    return errno == ENXIO ? nil : offset
}

/// Wall-clock time in seconds since the Unix epoch, with microseconds (the slog's own style).
/// The corresponding C function is `clock_gettime(CLOCK_REALTIME)`.
package func system_wallClockSeconds() -> Double {
    var now = timespec()
    unsafe clock_gettime(CLOCK_REALTIME, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec / 1000) / 1_000_000
}

/// UTC wall time as `20261124T013000Z`, for file names. The corresponding C functions are
/// `time` and `gmtime_r`.
package func system_utcTimestamp() -> String {
    var now = time(nil)
    var parts = unsafe tm()
    unsafe gmtime_r(&now, &parts)
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    let date = unsafe "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))"
    let hms = unsafe "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))"
    return date + "T" + hms + "Z"
}

/// Whether `fd` is a regular file (seekable, with a size); false for pipes, sockets, terminals
/// and on error. The corresponding C function is `fstat`.
package func system_isRegularFile(_ fd: Int32) -> Bool {
    var info = stat()
    guard (try? valueOrErrno({ unsafe fstat(fd, &info) })) != nil else { return false }
    return (info.st_mode & S_IFMT) == S_IFREG
}

/// Whether a read of `fd` would return at once (input waiting, or the end, or an error the
/// read will report). The corresponding C function is `poll`.
package func system_hasInput(_ fd: Int32) -> Bool {
    var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    guard let ready = try? valueOrErrno({ unsafe poll(&request, 1, 0) }) else { return true }
    return ready > 0
}

/// The index of the first `byte` in `bytes[from...]`, or `nil`. The corresponding C function is
/// `memchr`.
package func system_findByte(_ byte: UInt8, in bytes: UnsafeRawBufferPointer, from: Int = 0) -> Int? {
    guard let base = bytes.baseAddress, from < bytes.count else { return nil }
    guard let found = unsafe memchr(base + from, Int32(byte), bytes.count - from) else { return nil }
    return unsafe UnsafeRawPointer(found) - base
}

// MARK: What a path names

/// The kind of file a path or descriptor names (a symbolic link is reported as itself).
package enum FileKind: Sendable, Equatable, CustomStringConvertible {
    case regular, symbolicLink, directory, fifo, characterDevice, blockDevice, socket, other

    init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFLNK: self = .symbolicLink
        case S_IFDIR: self = .directory
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        default: self = .other
        }
    }

    /// `a symbolic link`, `a directory`, ... for messages.
    package var description: String {
        switch self {
        case .regular: "a regular file"
        case .symbolicLink: "a symbolic link"
        case .directory: "a directory"
        case .fifo: "a named pipe (FIFO)"
        case .characterDevice: "a character device"
        case .blockDevice: "a block device"
        case .socket: "a socket"
        case .other: "not a regular file"
        }
    }
}

/// What `path` itself names, without following a symbolic link there; `nil` when nothing
/// does. The corresponding C function is `lstat`.
package func system_fileKind(atPath path: String) throws(Errno) -> FileKind? {
    var info = stat()
    do {
        _ = try valueOrErrno { unsafe lstat(path, &info) }
    } catch where error == .noSuchFileOrDirectory {
        return nil
    }
    return FileKind(mode: info.st_mode)
}

/// What the open descriptor names. The corresponding C function is `fstat`.
internal func system_fileKind(_ fd: Int32) throws(Errno) -> FileKind {
    var info = stat()
    _ = try valueOrErrno { unsafe fstat(fd, &info) }
    return FileKind(mode: info.st_mode)
}

/// Whether a process with this id exists (possibly another user's). The corresponding C
/// function is `kill(pid, 0)`.
package func system_processExists(_ pid: Int32) -> Bool {
    guard pid > 0 else { return false }
    return kill(pid, 0) == 0 || errno == EPERM
}

/// The names in a directory (without `.` and `..`). The corresponding C functions are
/// `opendir`, `readdir` and `closedir`.
package func system_directoryEntries(_ path: String) throws(Errno) -> [String] {
    guard let directory = unsafe opendir(path) else { throw Errno.current }
    defer { unsafe closedir(directory) }
    var names: [String] = []
    while let entry = unsafe readdir(directory) {
        let name = unsafe withUnsafeBytes(of: entry.pointee.d_name) { raw in
            unsafe String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}

/// Moves the file offset of `fd` to `offset`. The corresponding C function is `lseek`.
package func system_seek(_ fd: Int32, to offset: Int) throws(Errno) {
    _ = try valueOrErrno { lseek(fd, off_t(offset), SEEK_SET) }
}

/// The device and inode of the file at `path` (following links), or `nil` when there is none:
/// a file's identity across renames. The corresponding C function is `stat`.
package func system_identity(ofPath path: String) -> (device: UInt64, inode: UInt64)? {
    var info = stat()
    guard (try? valueOrErrno({ unsafe stat(path, &info) })) != nil else { return nil }
    return (UInt64(info.st_dev), UInt64(info.st_ino))
}

/// The device and inode of the open file. The corresponding C function is `fstat`.
package func system_identity(_ fd: Int32) throws(Errno) -> (device: UInt64, inode: UInt64) {
    var info = stat()
    _ = try valueOrErrno { unsafe fstat(fd, &info) }
    return (UInt64(info.st_dev), UInt64(info.st_ino))
}

/// Makes a write to a closed pipe fail with `EPIPE` instead of killing the process with
/// `SIGPIPE`. The corresponding C function is `signal(SIGPIPE, SIG_IGN)`.
package func system_ignoreBrokenPipe() {
    _ = signal(SIGPIPE, SIG_IGN)
}

/// Ends the process with `status` (C `exit`, so buffered C streams are flushed).
package func system_exit(_ status: Int32) -> Never {
    exit(status)
}

extension Errno {
    /// Broken pipe: the reader of a pipe or socket is gone. The corresponding C error is `EPIPE`.
    package static let brokenPipe = Errno(rawValue: EPIPE)
}

// MARK: Threads (the writer's prefault thread)

/// A thread started by `system_startThread` (its `pthread_t`, kept out of other files).
internal struct SystemThread: Sendable {
    fileprivate let id: pthread_t
}

/// The body of a thread started by `system_startThread`, boxed to cross `pthread_create`.
private final class ThreadBody {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// Starts a thread running `body`, with every signal blocked in it (a library thread must not
/// take the process's signals, nor see `EINTR`). Join it with `system_joinThread`. The
/// corresponding C functions are `pthread_create` and `pthread_sigmask`.
internal func system_startThread(_ body: @escaping @Sendable () -> Void) throws(Errno) -> SystemThread {
    let context = unsafe Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var all = sigset_t()
    var previous = sigset_t()
    unsafe sigfillset(&all)
    unsafe pthread_sigmask(SIG_SETMASK, &all, &previous)  // inherited by the new thread
    var thread = pthread_t()
    let status = unsafe pthread_create(&thread, nil, { context in
        // Safe: `context` is the retained ThreadBody passed below, released exactly here.
        let body = unsafe Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
        body.run()
        return nil
    }, context)
    unsafe pthread_sigmask(SIG_SETMASK, &previous, nil)
    guard status == 0 else {
        unsafe Unmanaged<ThreadBody>.fromOpaque(context).release()
        throw Errno(rawValue: status)
    }
    return SystemThread(id: thread)
}

/// Waits for `thread` to end. The corresponding C function is `pthread_join`.
internal func system_joinThread(_ thread: SystemThread) {
    let status = pthread_join(thread.id, nil)
    precondition(status == 0, "pthread_join failed: \(status)")
}

/// A pipe whose read end is non-blocking; both ends close-on-exec. The corresponding C
/// functions are `pipe` and `fcntl`.
internal func system_wakePipe() throws(Errno) -> (read: Int32, write: Int32) {
    var ends: [Int32] = [-1, -1]
    _ = try valueOrErrno { unsafe pipe(&ends) }
    for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
    return (ends[0], ends[1])
}

/// Waits up to `milliseconds` for `fd` to become readable; true when it did. The
/// corresponding C function is `poll`.
internal func system_waitReadable(_ fd: Int32, milliseconds: Int32) -> Bool {
    var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return unsafe poll(&request, 1, milliseconds) > 0
}

/// Writes one byte to `fd`, ignoring errors. The corresponding C function is `write`.
internal func system_writeByte(_ fd: Int32) {
    var byte: UInt8 = 1
    _ = unsafe write(fd, &byte, 1)
}
