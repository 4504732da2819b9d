import TestSupport
import Foundation
import Testing

/// What `slog-diff --json` reported, with accessors for the assertions tests make.
struct DiffResult {
    let run: ToolRun
    let json: [String: Any]

    var status: Int32 { run.status }
    var verdict: String? { json["verdict"] as? String }
    var divergence: [String: Any]? { json["divergence"] as? [String: Any] }
    var recordsDifferWithEqualHashes: [String: Any]? { json["recordsDifferWithEqualHashes"] as? [String: Any] }
    /// The divergence reported first: records differing with equal hashes, else hashes.
    var first: [String: Any]? { recordsDifferWithEqualHashes ?? divergence }
    var crank: Int? { first?["crankNum"] as? Int }
    var height: Int? { first?["blockHeight"] as? Int }
    var basis: String? { first?["basis"] as? String }
    var lastAgreeingCrank: Int? { (first?["lastAgreeing"] as? [String: Any])?["crankNum"] as? Int }
    var records: [String: Any]? { first?["records"] as? [String: Any] }
    var recordResult: String? { records?["result"] as? String }
    var fieldPaths: [String] { (records?["fields"] as? [[String: Any]])?.compactMap { $0["path"] as? String } ?? [] }
    var split: [String: Any]? { first?["split"] as? [String: Any] }
    var odd: [String] { split?["odd"] as? [String] ?? [] }
    var majority: [String]? { split?["majority"] as? [String] }
    var overlap: [String: Any]? { json["overlap"] as? [String: Any] }
    var couldBeHidden: Bool? { json["couldBeHidden"] as? Bool }
    var inputs: [[String: Any]] { json["inputs"] as? [[String: Any]] ?? [] }
    var context: [String] { first?["context"] as? [String] ?? [] }
}

/// Runs `slog-diff --json` on `paths` (plus `options`) and parses what it printed.
func diff(_ paths: [String], _ options: [String] = [], stdin: [UInt8]? = nil) throws -> DiffResult {
    let run = try runTool("slog-diff", ["--json"] + options + paths, stdin: stdin)
    let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
    let json = try #require(object as? [String: Any], "not a JSON object: \(run.stdout) \(run.stderr)")
    #expect(run.stdout.hasSuffix("}\n") && run.stdout.split(separator: "\n").count == 1, "one JSON line")
    return DiffResult(run: run, json: json)
}

/// Writes each validator's lines to `dir/NAME.slog` and returns the paths.
func writeSlogs(_ dir: String, _ slogs: [(String, [String])]) throws -> [String] {
    try slogs.map { name, lines in
        let path = "\(dir)/\(name).slog"
        try writeLines(path, lines)
        return path
    }
}
