public import Foundation

/// The real Agoric slog samples kept in the repository (`Tests/Fixtures/real-slog`, copied from
/// the public agoric-sdk sources; provenance in its README). Always present, so no test that
/// reads them is ever skipped.
public enum RealSlog {
    /// `<repo>/Tests/Fixtures/real-slog`, located from this source file.
    public static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/real-slog", isDirectory: true)

    /// The 951-line kernel slog of 2022 (real crank hashes).
    public static let sample = directory.appendingPathComponent("sample.slog_agoric-sdk_cec5887e4d_2022-06.jsonl")

    /// The `*.jsonl` sample files, sorted.
    public static let files: [URL] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".jsonl") }.sorted().map { directory.appendingPathComponent($0) }
    }()

    /// Every non-empty line of every sample file, as bytes, with its file name and line number.
    /// Throws when the fixtures are missing, so a broken checkout fails loudly instead of skipping.
    public static func lines() throws -> [(file: String, line: Int, bytes: [UInt8])] {
        guard !files.isEmpty else { throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: directory.path]) }
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
