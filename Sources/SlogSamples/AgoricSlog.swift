/// Agoric-shaped slog for one simulated validator (field names and order as in
/// shared/slog-reference.md; values synthetic but deterministic).
///
/// Every validator produces the same records except for what honest validators really differ
/// in (times, durations, stats: `clockOffset`), unless it diverges: from crank `divergeAt.crank`
/// of block `divergeAt.height` on, one syscall argument differs and so do its crank hashes
/// (and every activity hash after it, since they chain).
public struct AgoricSlog: Sendable {
    /// Seconds added to every time field (honest validators' clocks differ).
    public var clockOffset: Double
    /// From this crank of this block on, the validator computes differently.
    public var divergeAt: (height: UInt64, crank: Int)?
    /// Cranks in every block.
    public var cranksPerBlock = 6

    public init(clockOffset: Double = 0, divergeAt: (height: UInt64, crank: Int)? = nil, cranksPerBlock: Int = 6) {
        self.clockOffset = clockOffset
        self.divergeAt = divergeAt
        self.cranksPerBlock = cranksPerBlock
    }

    /// The first crank number of block `height` (crank numbers continue across blocks).
    public func firstCrank(of height: UInt64) -> UInt64 { 120_000 + height * UInt64(cranksPerBlock) }

    /// The records of block `height`, begin-block to commit.
    public func block(_ height: UInt64) -> [String] {
        var step = 0.0
        func times() -> String {
            step += 1
            let time = 1_750_000_000 + Double(height) * 6 + step * 0.0007 + clockOffset
            return #""time":\#(time.rounded(toPlaces: 6)),"monotime":\#((260_000 + step * 0.0007 + clockOffset * 7).rounded(toPlaces: 6))"#
        }
        let blockTime = 1_750_000_000 + height * 6
        var lines = [
            #"{"type":"cosmic-swingset-begin-block","blockHeight":\#(height),"blockTime":\#(blockTime),"interBlockSeconds":\#((6.01 + clockOffset).rounded(toPlaces: 3)),\#(times())}"#
        ]
        for crank in 0..<cranksPerBlock {
            let crankNum = firstCrank(of: height) + UInt64(crank)
            let vat = "v\(crankNum % 7 + 1)"
            let diverged = divergeAt.map { height > $0.height || (height == $0.height && crank >= $0.crank) } ?? false
            let divergesHere = divergeAt.map { height == $0.height && crank == $0.crank } ?? false
            lines.append(#"{"type":"crank-start","crankType":"delivery","crankNum":\#(crankNum),"messageType":"send",\#(times())}"#)
            lines.append(#"{"type":"deliver","crankNum":\#(crankNum),"vatID":"\#(vat)","deliveryNum":\#(crankNum % 1000),"replay":false,"dispatch":"message","kd":["message","ko\#(crankNum % 300)",{"methargs":{"body":"[\"wake\"]","slots":[]},"result":null}],\#(times())}"#)
            for syscall in 0..<2 {
                let value = divergesHere && syscall == 1 ? #"{\"balance\":\"1000001\"}"# : #"{\"balance\":\"1000000\"}"#
                lines.append(#"{"type":"syscall","crankNum":\#(crankNum),"vatID":"\#(vat)","deliveryNum":\#(crankNum % 1000),"syscallNum":\#(syscall),"replay":false,"syscall":"vatstoreSet","ksc":["vatstoreSet","\#(vat)","vom.o+d31/\#(crankNum)","\#(value)"],\#(times())}"#)
            }
            lines.append(#"{"type":"deliver-result","crankNum":\#(crankNum),"vatID":"\#(vat)","deliveryNum":\#(crankNum % 1000),"replay":false,"dispatch":"message","dr":["ok",null,{"compute":\#(crankNum * 37 % 2_000_000)}],\#(times()),"seconds":\#((0.0022 + clockOffset / 100).rounded(toPlaces: 6))}"#)
            let crankHash = hex(crankNum, salt: divergesHere ? 0xD1 : 0)
            let activityHash = hex(crankNum ^ 0xA5A5, salt: diverged ? 0xD1 : 0)
            lines.append(#"{"type":"crank-finish","crankType":"delivery","messageType":"send","crankNum":\#(crankNum),"crankhash":"\#(crankHash)","activityhash":"\#(activityHash)",\#(times()),"seconds":0.0006}"#)
        }
        lines.append(#"{"type":"cosmic-swingset-commit-block-finish","blockHeight":\#(height),"blockTime":\#(blockTime),"runSeconds":\#((0.165 + clockOffset).rounded(toPlaces: 3)),\#(times()),"seconds":0.47}"#)
        return lines
    }

    /// 64 hex digits derived from `seed` (a stand-in for a sha256).
    private func hex(_ seed: UInt64, salt: UInt64) -> String {
        var state = (seed ^ salt << 40) &* 0x9E37_79B9_7F4A_7C15
        var text = ""
        for _ in 0..<4 {
            state ^= state >> 29
            state = state &* 0xBF58_476D_1CE4_E5B9
            let part = String(state, radix: 16)
            text += String(repeating: "0", count: 16 - part.count) + part
        }
        return text
    }
}

extension Double {
    /// `self` rounded to `places` decimal places (slog times carry microseconds).
    public func rounded(toPlaces places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}
