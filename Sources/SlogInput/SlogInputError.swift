package import SlogRing

/// Why an input cannot be read at all (tools exit 2). Each names the file and the cause.
package enum SlogInputError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file cannot be opened or its first bytes read.
    case cannotOpen(path: String, Errno)
    /// A SlogRing that `RingReader` refuses: not a ring, or a newer format version
    /// ("upgrade the tools").
    case ring(SlogRingError)
    /// A file forced to be read as an Agoric file that does not start with `AG-SLOG!`.
    case notAgoric(path: String, found: String)
    /// Too short to hold the header of its format.
    case tooShort(path: String, format: SlogFormat, size: Int, needed: Int)
    /// Standard input holds a binary format, which is read at random offsets: pass a file.
    case notSeekable(path: String, format: SlogFormat)

    /// Whether the cause is a ring format newer than this build reads.
    package var isNewerFormat: Bool {
        if case .ring(.unsupportedVersion) = self { return true }
        return false
    }

    package var description: String {
        switch self {
        case .cannotOpen(let path, let errno):
            "\(path == "-" ? "standard input" : path): cannot open: \(errno)"
        case .ring(let error):
            error.description
        case .notAgoric(let path, let found):
            "\(path): offset 0: not an Agoric flight-recorder file: magic is \(found), not \"AG-SLOG!\""
        case .tooShort(let path, let format, let size, let needed):
            "\(path): file is \(size) bytes, too short for the \(needed)-byte \(format.displayName) header"
        case .notSeekable(_, let format):
            "standard input: holds a \(format.displayName) file, which must be read from a file: pass its path instead of '-'"
        }
    }
}
