import FlightRecorder
import SlogModel
import SlogRing

/// One validator's slog, Agoric-shaped (`../shared/slog-reference.md` §1), with faults injected.
/// Adapted from `Tests/FlightRecorderTests/Support/SimulatedNode.swift`.
///
/// Block H holds `cranksPerBlock` cranks numbered `H * cranksPerBlock + i`, so crank numbers are
/// consecutive across blocks, as on a chain. Each crank: crank-start, deliver, a console line,
/// `syscallsPerCrank` syscall/syscall-result pairs, deliver-result, crank-finish. Around them:
/// begin-block, end-block-start, run-start, kernel-stats, run-finish, end-block-finish,
/// commit-block-start/-finish, after-commit-stats.
///
/// Hashes are computed as the kernel does, from the crank's state writes:
/// `crankhash = sha256("add\nkey\nvalue\n"...)` over the deliver and every `vatstoreSet`, and
/// `activityhash = sha256("activityhash\n" + previous + "\n" + crankhash + "\n")` chained from
/// block 1. So a fault changes its crank's crankhash and every later activityhash, and a
/// read-only syscall (`vatstoreGet`) changes records but no hash.
///
/// `clockOffset` changes every nondeterministic field (times, durations, memory and queue
/// stats, console text, kernel-stats counters) and nothing else.
struct Validator {
    enum Fault {
        /// The second syscall writes another value.
        case syscallArgument(crank: UInt64)
        /// One more `vatstoreSet` after the first syscall (renumbers the ones after it).
        case extraSyscall(crank: UInt64)
        /// One more `vatstoreGet` after the first syscall: records differ, hashes do not.
        case extraReadOnlySyscall(crank: UInt64)
        /// The delivery goes to vat v9 instead.
        case otherVat(crank: UInt64)
        /// The delivery's compute meter (`dr[2].compute`) differs; no state write does.
        case computeMeter(crank: UInt64)
    }

    var clockOffset: Double = 0
    var cranksPerBlock = 4
    var syscallsPerCrank = 2
    var faults: [Fault] = []
    /// Whether crank-finish records carry `crankhash` and `activityhash`.
    var hashes = true

    func crankNum(_ height: UInt64, _ index: Int) -> UInt64 { height * UInt64(cranksPerBlock) + UInt64(index) }

    /// Every record of blocks `heights`, in order.
    func blocks(_ heights: ClosedRange<UInt64>) -> [String] {
        var activity = ""
        var lines: [String] = []
        for height in 1...heights.upperBound {
            let block = self.block(height, activity: &activity)
            if height >= heights.lowerBound { lines += block }
        }
        return lines
    }

    /// The records of crank `number` (its block computed from the genesis).
    func crank(_ number: UInt64) -> [String] {
        let height = number / UInt64(cranksPerBlock)
        let lines = blocks(height...height)
        return lines.filter { $0.contains(#""crankNum":\#(number),"#) }
    }

    /// Marshalled bodies start with `#`; kept out of the raw literals, where `"#` would end them.
    private let mark = "#"

    private func has(_ match: (Fault) -> Bool) -> Bool { faults.contains(where: match) }

    private func time(_ height: UInt64, _ step: Int) -> String {
        let time = 1_750_000_000.0 + Double(height) * 6 + Double(step) * 0.001 + clockOffset
        return #""time":\#(time),"monotime":\#(time - 1_749_000_000 + clockOffset * 7)"#
    }

    private func block(_ height: UInt64, activity: inout String) -> [String] {
        var lines: [String] = []
        var step = 0
        func t() -> String { step += 1; return time(height, step) }
        let blockTime = 1_750_000_000 + height * 6
        let noise = Int(clockOffset * 1000)
        lines.append(#"{"type":"cosmic-swingset-begin-block","blockHeight":\#(height),"blockTime":\#(blockTime),"interBlockSeconds":\#(6.0 + clockOffset),"afterCommitHangoverSeconds":0,"blockLagSeconds":\#(0.4 + clockOffset),"inboundQueueStats":{"cosmic_swingset_inbound_queue_length":\#(noise % 3)},\#(t())}"#)
        lines.append(#"{"type":"cosmic-swingset-end-block-start","blockHeight":\#(height),"blockTime":\#(blockTime),\#(t())}"#)
        lines.append(#"{"type":"cosmic-swingset-run-start","blockHeight":\#(height),"runNum":0,"phase":"leftover","startBeans":0,"remainingBeans":650000000000,\#(t())}"#)
        for index in 0..<cranksPerBlock {
            let c = crankNum(height, index)
            var vat = "v\(c % 5 + 1)"
            if has({ if case .otherVat(c) = $0 { true } else { false } }) { vat = "v9" }
            var writes: [(String, String)] = [("\(vat).deliveryNum", "\(c)")]
            lines.append(#"{"type":"crank-start","crankType":"delivery","crankNum":\#(c),"messageType":"send","message":{"type":"send","target":"ko\#(c % 50)","msg":{"methargs":{"body":"\#(mark)[\"wake\",[\"+\#(c)\"]]","slots":[]},"result":null}},\#(t())}"#)
            lines.append(#"{"type":"deliver","crankNum":\#(c),"vatID":"\#(vat)","deliveryNum":\#(c),"replay":false,"dispatch":"message","kd":["message","ko\#(c % 50)",{"methargs":{"body":"\#(mark)[\"wake\",[\"+\#(c)\"]]","slots":[]},"result":null}],"vd":["message","o+d\#(c % 9)/1",{"methargs":{"body":"\#(mark)[\"wake\"]","slots":[]},"result":null}],\#(t())}"#)
            lines.append(#"{"type":"console","source":"liveslots","state":"delivery","crankNum":\#(c),"vatID":"\#(vat)","deliveryNum":\#(c),"level":"log","args":["woke at \#(clockOffset)"],\#(t())}"#)
            var syscalls: [(call: String, key: String, value: String)] = []
            for s in 0..<syscallsPerCrank {
                var value = "state-\(c)-\(s)"
                if s == 1, has({ if case .syscallArgument(c) = $0 { true } else { false } }) { value = "DIVERGED" }
                syscalls.append(("vatstoreSet", "vom.o+d31/\(c)/\(s)", value))
            }
            if has({ if case .extraSyscall(c) = $0 { true } else { false } }) {
                syscalls.insert(("vatstoreSet", "vom.extra/\(c)", "extra"), at: 1)
            }
            if has({ if case .extraReadOnlySyscall(c) = $0 { true } else { false } }) {
                syscalls.insert(("vatstoreGet", "vom.o+d31/\(c)/0", ""), at: 1)
            }
            for (number, syscall) in syscalls.enumerated() {
                let isSet = syscall.call == "vatstoreSet"
                let args = isSet ? #""\#(syscall.key)","\#(syscall.value)""# : #""\#(syscall.key)""#
                lines.append(#"{"type":"syscall","crankNum":\#(c),"vatID":"\#(vat)","deliveryNum":\#(c),"syscallNum":\#(number),"replay":false,"syscall":"\#(syscall.call)","ksc":["\#(syscall.call)","\#(vat)",\#(args)],"vsc":["\#(syscall.call)",\#(args)],\#(t())}"#)
                let result = isSet ? "null" : #""state-\#(c)-0""#
                lines.append(#"{"type":"syscall-result","crankNum":\#(c),"vatID":"\#(vat)","deliveryNum":\#(c),"syscallNum":\#(number),"replay":false,"syscall":"\#(syscall.call)","ksr":["ok",\#(result)],"vsr":["ok",\#(result)],\#(t()),"seconds":\#(0.0001 + clockOffset)}"#)
                if isSet { writes.append(("\(vat).vs.\(syscall.key)", syscall.value)) }
            }
            let compute = 1000 + c % 77 + (has({ if case .computeMeter(c) = $0 { true } else { false } }) ? 1 : 0)
            lines.append(#"{"type":"deliver-result","crankNum":\#(c),"vatID":"\#(vat)","deliveryNum":\#(c),"replay":false,"dispatch":"message","dr":["ok",null,{"compute":\#(compute)}],\#(t()),"seconds":\#(0.002 + clockOffset)}"#)
            writes.append(("crankNumber", "\(c + 1)"))
            var input: [UInt8] = []
            for (key, value) in writes { input += Array("add\n\(key)\n\(value)\n".utf8) }
            let crankHash = hexString(SHA256.hash(input))
            activity = hexString(SHA256.hash(Array("activityhash\n\(activity)\n\(crankHash)\n".utf8)))
            let hashFields = hashes ? #""crankhash":"\#(crankHash)","activityhash":"\#(activity)","# : ""
            lines.append(#"{"type":"crank-finish","crankType":"delivery","messageType":"send","crankNum":\#(c),\#(hashFields)\#(t()),"seconds":\#(0.003 + clockOffset)}"#)
        }
        lines.append(#"{"type":"kernel-stats","stats":{"runQueueLength":0,"syscalls":\#(noise + Int(height))},\#(t())}"#)
        lines.append(#"{"type":"cosmic-swingset-run-finish","blockHeight":\#(height),"runNum":0,"phase":"leftover","finishBeans":100,"usedBeans":100,"remainingBeans":649999999900,\#(t()),"seconds":\#(0.2 + clockOffset)}"#)
        lines.append(#"{"type":"cosmic-swingset-end-block-finish","blockHeight":\#(height),"blockTime":\#(blockTime),"inboundQueueStartLengths":{"forced":0,"priority":0,"inbound":0},"processedActionCounts":[],"inboundQueueStats":{"cosmic_swingset_inbound_queue_length":\#(noise % 5)},\#(t()),"seconds":\#(0.3 + clockOffset)}"#)
        lines.append(#"{"type":"cosmic-swingset-commit-block-start","blockHeight":\#(height),"blockTime":\#(blockTime),\#(t())}"#)
        lines.append(#"{"type":"cosmic-swingset-commit-block-finish","blockHeight":\#(height),"blockTime":\#(blockTime),"runSeconds":\#(0.35 + clockOffset),"chainTime":0.004,"saveTime":\#(0.021 + clockOffset),"cosmosCommitSeconds":0.05,"fullSaveTime":0.08,\#(t()),"seconds":0.07}"#)
        lines.append(#"{"type":"cosmic-swingset-after-commit-stats","blockHeight":\#(height),"blockTime":\#(blockTime),"memoryUsage":{"rss":\#(100_000 + noise)},"heapStats":{"total_heap_size":\#(5000 + noise)},"statsTime":{"memoryUsage":\#(clockOffset)},\#(t())}"#)
        return lines
    }

    /// Records a restarted node writes before it runs again: kernel start-up, a vat paged in
    /// with its transcript replayed (`replay: true`, no crankNum).
    func restartRecords() -> [String] {
        [
            #"{"type":"import-kernel-start","time":1750000999.1,"monotime":0.1}"#,
            #"{"type":"import-kernel-finish","time":1750000999.2,"monotime":0.2}"#,
            #"{"type":"cosmic-swingset-init","blockHeight":5,"isBootstrap":false,"needsExecution":true,"time":1750000999.3,"monotime":0.3}"#,
            #"{"type":"deliver","vatID":"v2","deliveryNum":7,"replay":true,"dispatch":"notify","vd":["notify",[["p-61",false,{"body":"\#(mark)null","slots":[]}]]],"time":1750000999.4,"monotime":0.4}"#,
        ]
    }
}
