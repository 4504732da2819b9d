import ToolSupport
import SlogModel

/// What a black box is, from its halt marker: shown by `--info` (text and `--json`).
struct HaltFacts {
    var height: UInt64
    /// `HEIGHT-HASH`.
    var identifier: String
    var reason: String
    /// Wall-clock time of the halt (seconds since the epoch), when the marker has it.
    var time: Double?
    /// This node's app hash (CometBFT's "Expected").
    var appHash: String?
    /// The network's app hash (CometBFT's "got").
    var networkAppHash: String?
}

/// The heights as ranges: `[1...38, 40...40]`.
func heightRanges(_ heights: Set<UInt64>) -> [ClosedRange<UInt64>] {
    var ranges: [ClosedRange<UInt64>] = []
    for height in heights.sorted() {
        if let last = ranges.last, last.upperBound &+ 1 == height {
            ranges[ranges.count - 1] = last.lowerBound...height
        } else {
            ranges.append(height...height)
        }
    }
    return ranges
}

/// `--info` lines for a box: identifier, reason, halt time, app hashes, the heights held.
func haltLines(_ census: Census) -> [String] {
    guard let halt = census.halt else { return [] }
    var lines = [
        "black box:       \(halt.identifier.isEmpty ? "(no identifier)" : halt.identifier) (halted at block \(halt.height))",
        "reason:          \(halt.reason)",
    ]
    if let time = halt.time { lines.append("halt time:       \(SlogTime.iso(time))") }
    if let appHash = halt.appHash { lines.append("app hash:        \(appHash) (this node's)") }
    if let network = halt.networkAppHash { lines.append("network's hash:  \(network)") }
    let ranges = heightRanges(census.heights)
    let held = ranges.isEmpty ? "none" : ranges.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)...\($0.upperBound)" }.joined(separator: ", ")
    lines.append("heights held:    \(held)" + (census.heights.contains(halt.height) ? "" : " (block \(halt.height) is not among them)"))
    return lines
}

/// `--info --json` members: `halt` (an object, or null) and `heightRanges`.
func haltJSONFields(_ census: Census) -> [String] {
    let ranges = heightRanges(census.heights).map { "[\($0.lowerBound),\($0.upperBound)]" }.joined(separator: ",")
    guard let halt = census.halt else { return ["\"halt\":null", "\"heightRanges\":[\(ranges)]"] }
    func optional(_ text: String?) -> String { text.map(jsonEscaped) ?? "null" }
    let object = "{\"height\":\(halt.height),\"identifier\":\(jsonEscaped(halt.identifier)),\"reason\":\(jsonEscaped(halt.reason)),"
        + "\"time\":\(halt.time.map { jsonEscaped(SlogTime.iso($0)) } ?? "null"),\"timeSeconds\":\(halt.time.map { "\($0)" } ?? "null"),"
        + "\"appHash\":\(optional(halt.appHash)),\"networkAppHash\":\(optional(halt.networkAppHash))}"
    return ["\"halt\":\(object)", "\"heightRanges\":[\(ranges)]"]
}
