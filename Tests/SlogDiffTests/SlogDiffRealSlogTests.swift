import TestSupport
import Foundation
import Testing

/// The real Agoric slog sample (2022 schema, kernel-only: no block records, crank-start
/// without crankNum) from `Tests/Fixtures/real-slog/`, as a second validator would have written it.
@Suite
struct SlogDiffRealSlogTests {
    /// The sample's lines.
    func sample() throws -> [String] {
        let text = try String(contentsOf: RealSlog.sample, encoding: .utf8)
        return text.split(separator: "\n").map(String.init)
    }

    /// `line` with its top-level `time` and `monotime` shifted, as on a node with another clock.
    func shiftingClock(_ line: String) -> String {
        let pattern = try! NSRegularExpression(pattern: #","(time|monotime)":([0-9.]+)"#)
        var out = line
        for match in pattern.matches(in: line, range: NSRange(line.startIndex..., in: line)).reversed() {
            let range = Range(match.range(at: 2), in: line)!
            out.replaceSubrange(range, with: String(Double(line[range])! + 12.5))
        }
        return out
    }

    @Test func anotherClockIsIdentical() throws {
        try withTemporaryDirectory { dir in
            let lines = try sample()
            let paths = try writeSlogs(dir, [("a", lines), ("b", lines.map(shiftingClock))])
            let result = try diff(paths)
            #expect(result.status == 0)
            #expect(result.verdict == "identical")
            #expect(result.inputs.map { $0["firstCrank"] as? Int } == [0, 0])
            #expect(result.inputs.map { $0["lastCrank"] as? Int } == [75, 75])
            #expect((result.overlap?["compared"] as? [String: Int])?["crankhash"] == 76)
        }
    }

    @Test func aChangedSyscallWithEqualHashesAndAChangedCrankhashAreFound() throws {
        try withTemporaryDirectory { dir in
            var lines = try sample().map(shiftingClock)
            // A read-only syscall of crank 37 asks for another key: records differ, hashes not.
            let read = try #require(lines.firstIndex { $0.hasPrefix(#"{"type":"syscall","crankNum":37,"#) && $0.contains("vatstoreGet") })
            lines[read] = lines[read].replacingOccurrences(of: #""vatstoreGet",""#, with: #""vatstoreGet","other."#)
            // Crank 50 computed another state (#4911-style): its crankhash differs.
            let finish = try #require(lines.firstIndex { $0.hasPrefix(#"{"type":"crank-finish","crankNum":50,"#) })
            let crankhash = try #require(lines[finish].range(of: #"(?<="crankhash":")[0-9a-f]{8}"#, options: .regularExpression))
            lines[finish].replaceSubrange(crankhash, with: "00000000")
            let paths = try writeSlogs(dir, [("a", try sample()), ("b", lines)])
            let result = try diff(paths)
            #expect(result.status == 1)
            #expect(result.crank == 37 && result.basis == "records" && result.height == nil)
            #expect(result.lastAgreeingCrank == 36)
            #expect(result.fieldPaths == ["ksc[1]", "vsc[1]"])
            #expect(result.inputs.map { $0["restarts"] as? Int } == [0, 0])  // start-up records at the start
            #expect(result.divergence?["crankNum"] as? Int == 50)
            #expect(result.divergence?["basis"] as? String == "crankhash")
            let last = try #require(result.divergence?["lastAgreeing"] as? [String: Any])
            #expect(last["crankNum"] as? Int == 49)
        }
    }
}
