import Foundation
import Testing

/// Every message the tools and libraries can print to an operator appears in
/// docs/TROUBLESHOOTING.md, so a user who sees one can look it up.
///
/// The messages are the string literals of the files that build them (error descriptions,
/// reader issues, usage errors, the tools' stderr lines). Interpolations (`\(...)`) vary, so
/// each literal is represented by its longest constant piece; a literal whose longest piece is
/// shorter than 12 characters or without a space (a separator, a key, a type name) is not a
/// message. The document must contain that piece verbatim.
@Suite struct TroubleshootingCoverageTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Files and folders whose string literals are operator-facing messages.
    static let messageSources = [
        "Sources/SlogRing/Ring/SlogRingError.swift",
        "Sources/SlogRing/Ring/ReadEvent.swift",
        "Sources/SlogRing/Format/RecordFrame+Validation.swift",
        "Sources/FlightRecorder/FlightRecorderError.swift",
        "Sources/FlightRecorder/RingOpening.swift",
        "Sources/ToolSupport",
        "Sources/SlogInput",
        "Sources/slog-tail",
        "Sources/slog-record",
        "Sources/slog-diff",
    ]

    /// Literals in those files that are not messages (format words, JSON keys, output labels).
    static let notMessages: Set<String> = []

    @Test func everyMessageTheToolsPrintIsInTroubleshooting() throws {
        let document = try String(contentsOf: Self.repository.appendingPathComponent("docs/TROUBLESHOOTING.md"), encoding: .utf8)
        var missing: [String] = []
        var checked = 0
        for file in try Self.swiftFiles() {
            let text = try String(contentsOf: file, encoding: .utf8)
            for piece in Self.messagePieces(in: text) where !Self.notMessages.contains(piece) {
                checked += 1
                if !document.contains(piece) {
                    missing.append("\(file.lastPathComponent): \(piece)")
                }
            }
        }
        #expect(checked > 50, "found only \(checked) messages: the extraction is broken")
        #expect(missing.isEmpty, "not in docs/TROUBLESHOOTING.md:\n\(Array(Set(missing)).sorted().joined(separator: "\n"))")
    }

    static func swiftFiles() throws -> [URL] {
        var files: [URL] = []
        for source in messageSources {
            let url = repository.appendingPathComponent(source)
            if source.hasSuffix(".swift") {
                files.append(url)
                continue
            }
            guard let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil) else { continue }
            for case let file as URL in walker where file.pathExtension == "swift" { files.append(file) }
        }
        return files.sorted { $0.path < $1.path }
    }

    /// The longest constant piece of every single-line string literal outside comments and
    /// triple-quoted blocks (help texts).
    static func messagePieces(in source: String) -> [String] {
        var pieces: [String] = []
        var inBlock = false
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("//") { continue }
            let quotes = line.components(separatedBy: "\"\"\"").count - 1
            if inBlock {
                if quotes % 2 == 1 { inBlock = false }
                continue
            }
            if quotes % 2 == 1 { inBlock = true; continue }
            for literal in literals(in: Array(line.unicodeScalars)) {
                if let piece = longestConstantPiece(literal), piece.count >= 12, piece.contains(" ") { pieces.append(piece) }
            }
        }
        return pieces
    }

    /// The contents of each `"..."` literal on a line (raw `#"..."#` literals are skipped: they
    /// hold JSON, not messages). Interpolations are kept as `\(...)`, nested quotes and all.
    static func literals(in scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var result: [[Unicode.Scalar]] = []
        var i = 0
        while i < scalars.count {
            if scalars[i] == "/" && i + 1 < scalars.count && scalars[i + 1] == "/" { break }
            if scalars[i] == "#" && i + 1 < scalars.count && scalars[i + 1] == "\"" {
                // Skip a raw string to its closing "#.
                i += 2
                while i + 1 < scalars.count && !(scalars[i] == "\"" && scalars[i + 1] == "#") { i += 1 }
                i += 2
                continue
            }
            guard scalars[i] == "\"" else { i += 1; continue }
            var content: [Unicode.Scalar] = []
            i += 1
            var depth = 0
            while i < scalars.count {
                let c = scalars[i]
                if depth == 0 && c == "\"" { break }
                if c == "\\" && i + 1 < scalars.count {
                    if scalars[i + 1] == "(" { depth += 1 }
                    content.append(c)
                    content.append(scalars[i + 1])
                    i += 2
                    continue
                }
                if depth > 0 {
                    if c == "(" { depth += 1 }
                    if c == ")" { depth -= 1 }
                }
                content.append(c)
                i += 1
            }
            result.append(content)
            i += 1
        }
        return result
    }

    /// The longest run of the literal outside interpolations, with escapes decoded and
    /// surrounding spaces and punctuation trimmed.
    static func longestConstantPiece(_ literal: [Unicode.Scalar]) -> String? {
        var pieces: [String] = [""]
        var i = 0
        while i < literal.count {
            if literal[i] == "\\" && i + 1 < literal.count {
                let next = literal[i + 1]
                if next == "(" {
                    var depth = 1
                    i += 2
                    while i < literal.count && depth > 0 {
                        if literal[i] == "(" { depth += 1 }
                        if literal[i] == ")" { depth -= 1 }
                        i += 1
                    }
                    pieces.append("")
                    continue
                }
                if next == "n" || next == "t" { pieces.append("") } else { pieces[pieces.count - 1].unicodeScalars.append(next) }
                i += 2
                continue
            }
            pieces[pieces.count - 1].unicodeScalars.append(literal[i])
            i += 1
        }
        let trimSet = CharacterSet.whitespaces.union(CharacterSet(charactersIn: ":;,.()'"))
        return pieces.map { $0.trimmingCharacters(in: trimSet) }.max { $0.count < $1.count }
    }
}
