#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// An error number reported by the operating system, in the style of swift-system's `Errno`.
///
/// Only the codes SlogRing reacts to have names; every other code still round-trips through
/// `rawValue` and prints with `strerror`.
public struct Errno: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The C `errno` value.
    public let rawValue: Int32

    /// Wraps a C `errno` value.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Interrupted function call. The corresponding C error is `EINTR`.
    public static let interrupted = Errno(rawValue: EINTR)
    /// No such file or directory. The corresponding C error is `ENOENT`.
    public static let noSuchFileOrDirectory = Errno(rawValue: ENOENT)
    /// Permission denied. The corresponding C error is `EACCES`.
    public static let permissionDenied = Errno(rawValue: EACCES)
    /// File exists. The corresponding C error is `EEXIST`.
    public static let fileExists = Errno(rawValue: EEXIST)
    /// No space left on device. The corresponding C error is `ENOSPC`.
    public static let noSpace = Errno(rawValue: ENOSPC)
    /// File too large (for example over `RLIMIT_FSIZE`). The corresponding C error is `EFBIG`.
    public static let fileTooLarge = Errno(rawValue: EFBIG)
    /// Invalid argument. The corresponding C error is `EINVAL`.
    public static let invalidArgument = Errno(rawValue: EINVAL)
    /// Resource temporarily unavailable (a lock is held). The corresponding C error is `EAGAIN`.
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    /// Operation not supported. The corresponding C error is `EOPNOTSUPP`.
    public static let notSupported = Errno(rawValue: EOPNOTSUPP)
    /// Read-only file system. The corresponding C error is `EROFS`.
    public static let readOnlyFileSystem = Errno(rawValue: EROFS)
    /// A symbolic link where none is followed (`O_NOFOLLOW`), or too many of them.
    /// The corresponding C error is `ELOOP`.
    public static let tooManySymbolicLinks = Errno(rawValue: ELOOP)
    /// A directory where a file was expected. The corresponding C error is `EISDIR`.
    public static let isADirectory = Errno(rawValue: EISDIR)

    /// The message `strerror` gives for this code (for example "No space left on device").
    public var description: String {
        let message = unsafe strerror(rawValue).map { unsafe String(cString: $0) } ?? "error \(rawValue)"
        return message
    }

    /// Lets callers write `catch Errno.noSpace`.
    public static func ~= (lhs: Errno, rhs: any Error) -> Bool {
        (rhs as? Errno) == lhs
    }

    /// The calling thread's current `errno`. Read it immediately after the failing call.
    @inline(never)
    internal static var current: Errno { Errno(rawValue: errno) }
}
