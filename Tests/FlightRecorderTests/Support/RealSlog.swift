import TestSupport
import Foundation
import Testing

/// The real slog samples in `shared/real-slog/`, found beside the repository (CI clones have
/// `shared/` next to the repo); tests that need them are disabled when they are missing.
enum RealSlog {
    /// `<repo>/../shared/real-slog`, located from this source file.
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // FlightRecorderTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // the repository
        .deletingLastPathComponent()
        .appendingPathComponent("shared/real-slog", isDirectory: true)

    /// The `*.jsonl` sample files, sorted; empty if the directory is missing.
    static let files: [URL] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".jsonl") }.sorted().map { directory.appendingPathComponent($0) }
    }()

    static var isAvailable: Bool { !files.isEmpty }

    static let missingComment: Comment = "shared/real-slog/*.jsonl not found beside the repository; skipped"

    /// Every non-empty line of every sample file, as bytes, with its file name and line number.
    static func lines() throws -> [(file: String, line: Int, bytes: [UInt8])] {
        var result: [(file: String, line: Int, bytes: [UInt8])] = []
        for file in files {
            let data = try Data(contentsOf: file)
            var lineNumber = 0
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                lineNumber += 1
                if line.isEmpty { continue }
                result.append((file.lastPathComponent, lineNumber, Array(line)))
            }
        }
        return result
    }
}



/// Runs `body` with the UTF-8 bytes of `text`.
func withUTF8Bytes<R>(_ text: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try Array(text.utf8).withUnsafeBytes(body)
}
