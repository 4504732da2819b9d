import Foundation

/// Runs `body` with a fresh private directory that is removed afterwards.
public func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let base = FileManager.default.temporaryDirectory.path
    var template = Array("\(base)/flightrecorder-tests-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
    let path = String(cString: made)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Async variant of `withTemporaryDirectory`.
public func withTemporaryDirectory<R>(_ body: (String) async throws -> R) async throws -> R {
    let base = FileManager.default.temporaryDirectory.path
    var template = Array("\(base)/flightrecorder-tests-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
    let path = String(cString: made)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Writes `bytes` to `path`, replacing it.
public func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Writes `lines` to `path`, each followed by a newline.
public func writeLines(_ path: String, _ lines: [String]) throws {
    try writeFile(path, Array(lines.map { $0 + "\n" }.joined().utf8))
}

/// The bytes of the file at `path`.
public func readFile(_ path: String) throws -> [UInt8] {
    try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
}

/// Overwrites bytes of the file at `path` starting at `offset`.
public func patchFile(_ path: String, at offset: Int, _ bytes: [UInt8]) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    try handle.seek(toOffset: UInt64(offset))
    try handle.write(contentsOf: Data(bytes))
    try handle.close()
}

/// `lines` as slog-tail prints them: each followed by a newline.
public func slogText(_ lines: [String]) -> String {
    lines.map { $0 + "\n" }.joined()
}

/// Runs `body` with the UTF-8 bytes of `text`.
public func withUTF8Bytes<R>(_ text: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try Array(text.utf8).withUnsafeBytes(body)
}

/// A new directory `adir` and a new FIFO `afifo` in `dir`: with "/dev/null" (a character
/// device), the kinds of path no ring may be written at.
public func makeDirectoryAndFIFO(in dir: String) throws -> (directory: String, fifo: String) {
    let directory = "\(dir)/adir"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    let fifo = "\(dir)/afifo"
    guard mkfifo(fifo, 0o600) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    return (directory, fifo)
}
