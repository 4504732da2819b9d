/// Agoric-shaped slog lines (`../shared/slog-reference.md` §1): each block is a begin-block
/// record, `cranks` cranks (crank-start, deliver, syscall, crank-finish; crankNum = height × 100
/// + index), the commit-block-finish record and an after-commit-stats record (which lies after
/// the commit, so it belongs to no block).
public enum SyntheticSlog {
    public static func block(_ height: UInt64, cranks: Int = 2, padding: Int = 0) -> [String] {
        var lines = [#"{"type":"cosmic-swingset-begin-block","blockHeight":\#(height),"blockTime":\#(1_750_000_000 + height * 6),"time":1750000000.5,"monotime":12.5}"#]
        for index in 0..<UInt64(cranks) {
            let crank = height * 100 + index
            let body = String(repeating: "b", count: padding)
            lines += [
                #"{"type":"crank-start","crankType":"delivery","crankNum":\#(crank),"time":1750000000.6}"#,
                #"{"type":"deliver","crankNum":\#(crank),"vatID":"v1","deliveryNum":\#(index),"kd":["message","ko1","\#(body)"],"time":1750000000.7}"#,
                #"{"type":"syscall","crankNum":\#(crank),"vatID":"v1","syscallNum":0,"ksc":["vatstoreSet","v1","k","v"],"time":1750000000.8}"#,
                #"{"type":"crank-finish","crankNum":\#(crank),"crankhash":"\#(String(repeating: "c", count: 64))","activityhash":"\#(String(repeating: "a", count: 64))","time":1750000000.9}"#,
            ]
        }
        lines.append(#"{"type":"cosmic-swingset-commit-block-finish","blockHeight":\#(height),"blockTime":\#(1_750_000_000 + height * 6),"time":1750000001.0}"#)
        lines.append(#"{"type":"cosmic-swingset-after-commit-stats","blockHeight":\#(height),"time":1750000001.1}"#)
        return lines
    }

    /// Blocks `heights`, in order.
    public static func blocks(_ heights: ClosedRange<UInt64>, cranks: Int = 2, padding: Int = 0) -> [String] {
        heights.flatMap { block($0, cranks: cranks, padding: padding) }
    }

    /// The lines of `lines` that belong to block `height` (begin-block through commit).
    public static func records(ofBlock height: UInt64, in lines: [String]) -> [String] {
        guard let begin = lines.firstIndex(where: { $0.contains(#"begin-block","blockHeight":\#(height),"#) }) else {
            return []
        }
        let commit = lines[begin...].firstIndex { $0.contains("commit-block-finish") }!
        return Array(lines[begin...commit])
    }
}
