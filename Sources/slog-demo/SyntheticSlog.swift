/// Agoric-shaped slog records (field names and order as in shared/slog-reference.md; values
/// synthetic), generated deterministically for the demo.
struct SyntheticSlog {
    var crankNum: UInt64 = 1_000
    var deliveryNum: UInt64 = 50_000
    var time = 1_750_000_000.0
    var activityHash = String(repeating: "0", count: 64)

    /// The records of one block: begin-block, `cranks` cranks (each with a delivery and a few
    /// syscalls), and the commit records.
    mutating func block(height: UInt64, cranks: Int) -> [String] {
        var lines = [
            #"{"type":"cosmic-swingset-begin-block","blockHeight":\#(height),"blockTime":\#(Int(time)),"interBlockSeconds":6.01,"time":\#(tick()),"monotime":\#(tick() - 1_749_990_000)}"#
        ]
        for _ in 0..<cranks {
            crankNum += 1
            deliveryNum += 1
            let vat = "v\(crankNum % 7 + 1)"
            lines.append(#"{"type":"crank-start","crankType":"delivery","crankNum":\#(crankNum),"messageType":"send","time":\#(tick()),"monotime":\#(tick() - 1_749_990_000)}"#)
            lines.append(##"{"type":"deliver","crankNum":\##(crankNum),"vatID":"\##(vat)","deliveryNum":\##(deliveryNum),"replay":false,"dispatch":"message","kd":["message","ko\##(crankNum % 300)",{"methargs":{"body":"#[\"wake\",[\"+\##(Int(time))\"]]","slots":[]},"result":null}],"time":\##(tick()),"monotime":\##(tick() - 1_749_990_000)}"##)
            for syscall in 0..<Int(crankNum % 4 + 1) {
                lines.append(#"{"type":"syscall","crankNum":\#(crankNum),"vatID":"\#(vat)","deliveryNum":\#(deliveryNum),"syscallNum":\#(syscall),"replay":false,"syscall":"vatstoreSet","ksc":["vatstoreSet","\#(vat)","vom.o+d31/\#(crankNum)","{\"state\":{}}"],"time":\#(tick()),"monotime":\#(tick() - 1_749_990_000)}"#)
            }
            lines.append(#"{"type":"deliver-result","crankNum":\#(crankNum),"vatID":"\#(vat)","deliveryNum":\#(deliveryNum),"replay":false,"dispatch":"message","dr":["ok",null,{"compute":\#(crankNum * 37 % 2_000_000)}],"time":\#(tick()),"monotime":\#(tick() - 1_749_990_000),"seconds":0.0022}"#)
            let crankHash = hash(crankNum)
            activityHash = hash(crankNum ^ 0xA5A5)
            lines.append(#"{"type":"crank-finish","crankType":"delivery","messageType":"send","crankNum":\#(crankNum),"crankhash":"\#(crankHash)","activityhash":"\#(activityHash)","time":\#(tick()),"monotime":\#(tick() - 1_749_990_000),"seconds":0.0006}"#)
        }
        lines.append(#"{"type":"cosmic-swingset-commit-block-finish","blockHeight":\#(height),"blockTime":\#(Int(time)),"runSeconds":0.165,"time":\#(tick()),"monotime":\#(tick() - 1_749_990_000),"seconds":0.47}"#)
        time += 6
        return lines
    }

    private mutating func tick() -> Double {
        time += 0.000731
        return (time * 1_000_000).rounded() / 1_000_000
    }

    /// 64 hex digits derived from `seed` (a stand-in for a sha256).
    private func hash(_ seed: UInt64) -> String {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        var hex = ""
        for _ in 0..<4 {
            state ^= state >> 29
            state = state &* 0xBF58_476D_1CE4_E5B9
            let part = String(state, radix: 16)
            hex += String(repeating: "0", count: 16 - part.count) + part
        }
        return hex
    }
}
