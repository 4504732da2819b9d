public import FlightRecorder


/// Agoric-shaped slog for tests: a block of `cranks` cranks, each with a crank-start, deliver,
/// syscalls, deliver-result and crank-finish, between begin-block and commit-block records.
/// Timing fields come from `clock`, so two "validators" can differ only in nondeterministic
/// fields; `divergeAt` changes one syscall argument of one crank (a real divergence).
public struct SimulatedNode {
    /// Seconds added to every time field (a different node has a different clock).
    public var clockOffset: Double = 0
    /// Extra bytes of message body in each syscall, to make blocks larger.
    public var bodyPadding = 0
    /// (height, crank index in block) whose syscall argument differs.
    public var divergeAt: (height: UInt64, crank: Int)?
    public var cranksPerBlock = 4
    public var syscallsPerCrank = 2

    public init(clockOffset: Double = 0, bodyPadding: Int = 0, divergeAt: (height: UInt64, crank: Int)? = nil,
                cranksPerBlock: Int = 4, syscallsPerCrank: Int = 2) {
        self.clockOffset = clockOffset
        self.bodyPadding = bodyPadding
        self.divergeAt = divergeAt
        self.cranksPerBlock = cranksPerBlock
        self.syscallsPerCrank = syscallsPerCrank
    }

    public func firstCrank(of height: UInt64) -> UInt64 { height * 1000 }

    public func times(_ height: UInt64, _ step: Int) -> String {
        let time = 1_750_000_000.0 + Double(height) * 6 + Double(step) * 0.001 + clockOffset
        return #""time":\#(time),"monotime":\#(260_000.0 + time - 1_750_000_000.0 + clockOffset * 3)"#
    }

    /// Every record of block `height`, in order.
    public func block(_ height: UInt64) -> [String] {
        var lines: [String] = []
        var step = 0
        func next() -> Int { step += 1; return step }
        lines.append(#"{"type":"cosmic-swingset-begin-block","blockHeight":\#(height),"blockTime":\#(1_750_000_000 + height * 6),"interBlockSeconds":\#(6.01 + clockOffset),"inboundQueueStats":{"queued":\#(Int(clockOffset * 10))},\#(times(height, next()))}"#)
        for crank in 0..<cranksPerBlock {
            let crankNum = firstCrank(of: height) + UInt64(crank)
            lines.append(#"{"type":"crank-start","crankType":"delivery","crankNum":\#(crankNum),"messageType":"send",\#(times(height, next()))}"#)
            lines.append(#"{"type":"deliver","crankNum":\#(crankNum),"vatID":"v\#(crank % 7 + 1)","deliveryNum":\#(crank),"replay":false,"dispatch":"message","kd":["message","ko\#(crank)",{"methargs":{"body":"[\"wake\"]","slots":[]},"result":null}],\#(times(height, next()))}"#)
            for syscall in 0..<syscallsPerCrank {
                let diverged = divergeAt.map { $0.height == height && $0.crank == crank } ?? false
                let value = diverged ? "DIVERGED" : "state-\(crankNum)-\(syscall)"
                let padding = String(repeating: "x", count: bodyPadding)
                lines.append(#"{"type":"syscall","crankNum":\#(crankNum),"vatID":"v1","deliveryNum":\#(crank),"syscallNum":\#(syscall),"replay":false,"syscall":"vatstoreSet","ksc":["vatstoreSet","v1","key\#(syscall)","\#(value)\#(padding)"],\#(times(height, next()))}"#)
            }
            lines.append(#"{"type":"deliver-result","crankNum":\#(crankNum),"vatID":"v1","deliveryNum":\#(crank),"replay":false,"dispatch":"message","dr":["ok",null,{"compute":\#(1000 + crank)}],\#(times(height, next())),"seconds":\#(0.002 + clockOffset)}"#)
            lines.append(#"{"type":"crank-finish","crankType":"delivery","crankNum":\#(crankNum),"crankhash":"\#(hash("c", height, crank))","activityhash":"\#(hash("a", height, crank))",\#(times(height, next())),"seconds":\#(0.0006 + clockOffset)}"#)
        }
        lines.append(#"{"type":"cosmic-swingset-commit-block-finish","blockHeight":\#(height),"blockTime":\#(1_750_000_000 + height * 6),"runSeconds":\#(0.16 + clockOffset),"saveTime":0.025,\#(times(height, next())),"seconds":0.47}"#)
        return lines
    }

    /// Records of a block without its commit (the block the node halts in).
    public func uncommittedBlock(_ height: UInt64) -> [String] { Array(block(height).dropLast()) }

    private func hash(_ prefix: String, _ height: UInt64, _ crank: Int) -> String {
        let diverged = divergeAt.map { $0.height == height && crank >= $0.crank } ?? false
        let seed = "\(prefix)\(height)-\(crank)\(diverged ? "x" : "")"
        return String(repeating: String(UInt32(truncatingIfNeeded: seed.hashValueStable), radix: 16), count: 8).prefix(64).description
    }
}

extension String {
    /// FNV-1a of the UTF-8 bytes: stable across runs (unlike `hashValue`).
    var hashValueStable: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}

/// The configuration most recorder tests start from: a ring at `dir/node.ring` of `capacity`
/// bytes (by default 1 MiB, room for every block most tests write), every other knob at its
/// default.
public func nodeRingConfiguration(in dir: String, capacity: Int = 1 << 20) -> FlightRecorder.Configuration {
    var configuration = FlightRecorder.Configuration(path: "\(dir)/node.ring")
    configuration.capacity = capacity
    return configuration
}

extension FlightRecorder {
    /// Records `node`'s blocks `heights`, each begun and committed.
    public func record(blocks heights: ClosedRange<UInt64>, of node: SimulatedNode) {
        for height in heights { for line in node.block(height) { record(line) } }
    }
}

/// A recorder on `nodeRingConfiguration(in: dir)` that has recorded `node`'s blocks `heights`.
public func nodeRecorder(in dir: String, recording heights: ClosedRange<UInt64>, of node: SimulatedNode) throws -> FlightRecorder {
    let recorder = try FlightRecorder(configuration: nodeRingConfiguration(in: dir))
    recorder.record(blocks: heights, of: node)
    return recorder
}
