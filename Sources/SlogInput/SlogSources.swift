import SlogModel
import SlogRing

/// Opens inputs of any format, recognising each by its first 8 bytes.
package enum SlogSources {
    /// `SLOGRNG\0`, SlogRing's magic as it appears in the file (little-endian, as the
    /// header stores it).
    package static let ringMagic: [UInt8] = unsafe withUnsafeBytes(of: RingHeader.magic.littleEndian) { unsafe Array($0) }
    /// `AG-SLOG!`, Agoric's magic as it appears in the file.
    package static let agoricMagic: [UInt8] = Array("AG-SLOG!".utf8)

    /// The format the first bytes of an input announce: a magic, or else JSON lines.
    package static func detect(_ prefix: [UInt8]) -> SlogFormat {
        if prefix.starts(with: ringMagic) { return .ring }
        if prefix.starts(with: agoricMagic) { return .agoric }
        return .jsonLines
    }

    /// Opens `path` (`-` for standard input) as `format`, or as the format its first bytes
    /// announce when `format` is `nil`.
    ///
    /// - Throws: `.cannotOpen` (missing, unreadable), `.ring` (not a ring when forced, or a
    ///   newer ring format: upgrade the tools), `.notAgoric`, `.tooShort`, `.notSeekable`
    ///   (a binary format on standard input).
    package static func open(_ path: String, format: SlogFormat? = nil) throws(SlogInputError) -> any SlogSource {
        if path == "-" {
            let input = InputFile.standardInput()
            // Read up to 8 bytes to recognise the format; they are handed to the reader.
            var prefix: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 8)
            while prefix.count < 8 {
                let want = 8 - prefix.count
                let result = unsafe chunk.withUnsafeMutableBytes { bytes in
                    Result { () throws(Errno) -> Int in
                        unsafe try input.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[..<want]))
                    }
                }
                let got: Int
                switch result {
                case .success(let count): got = count
                case .failure(let error): throw .cannotOpen(path: path, error)
                }
                if got == 0 { break }
                prefix += chunk[..<got]
            }
            let detected = format ?? detect(prefix)
            guard detected == .jsonLines else { throw .notSeekable(path: path, format: detected) }
            return JSONLinesSource(file: input, prefix: prefix)
        }
        let file: InputFile
        let prefix: [UInt8]
        do {
            file = try InputFile.open(path: path)
            prefix = try file.bytes(at: 0, count: 8)
        } catch {
            throw .cannotOpen(path: path, error)
        }
        switch format ?? detect(prefix) {
        case .ring:
            return try RingSource(path: path)
        case .agoric:
            guard prefix.starts(with: agoricMagic) else {
                if prefix.count < 8 {
                    throw .tooShort(path: path, format: .agoric, size: prefix.count, needed: AgoricHeader.size)
                }
                throw .notAgoric(path: path, found: hexText(prefix))
            }
            return try AgoricSource(file: file)
        case .jsonLines:
            return JSONLinesSource(file: file)
        }
    }

    /// `0x` and the first 8 bytes in hex, for messages about a wrong magic.
    package static func hexText(_ bytes: [UInt8]) -> String {
        "0x" + hexString(bytes.prefix(8))
    }
}
