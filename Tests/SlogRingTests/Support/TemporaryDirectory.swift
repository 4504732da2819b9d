import Foundation

/// Runs `body` with a fresh private directory that is removed afterwards.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let base = FileManager.default.temporaryDirectory.path
    var template = Array("\(base)/slogring-tests-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
    let path = String(cString: made)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// Async variant of `withTemporaryDirectory`.
func withTemporaryDirectory<R>(_ body: (String) async throws -> R) async throws -> R {
    let base = FileManager.default.temporaryDirectory.path
    var template = Array("\(base)/slogring-tests-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
    let path = String(cString: made)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}
