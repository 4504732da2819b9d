import ToolSupport
import SlogModel
import SlogInput

/// `--summary`: one line per block and a crank-duration histogram, or the same as one JSON
/// object with `--json`.
///
/// Per block (records attributed by `BlockAttribution`: from its begin to its commit):
/// - `time`: the block's `blockTime` (chain time, from its begin-block record), else the
///   `time` of its first record;
/// - `cranks`: `crank-finish` records; `deliveries`: `deliver`; `syscalls`: `syscall`;
/// - `bytes`: the slog records' bytes (markers not counted);
/// - `run`: the commit record's `runSeconds` (the kernel's run time), else the `time` span of
///   the block's records;
/// - a bar proportional to `run`, the longest block's bar full width.
///
/// A block executed twice (a restarted node re-executes it) counts its later execution. Records
/// before the first block boundary of a wrapped file are not attributed, so not counted.
/// Crank durations: each `crank-finish` record's `seconds`, else the time since its
/// `crank-start`.
struct Summary {
    struct Block {
        var height: UInt64
        var blockTime: Double?
        var firstTime: Double?
        var lastTime: Double?
        var cranks = 0
        var deliveries = 0
        var syscalls = 0
        var bytes = 0
        var runSeconds: Double?

        var time: Double? { blockTime ?? firstTime }
        /// `runSeconds`, else the span of the records' times.
        var run: Double {
            if let runSeconds { return runSeconds }
            guard let firstTime, let lastTime else { return 0 }
            return max(0, lastTime - firstTime)
        }
    }

    /// Histogram buckets: upper bounds in seconds (the last is open).
    static let bucketBounds: [Double] = [0.001, 0.01, 0.1, 1]
    static let bucketLabels = ["< 1 ms", "1-10 ms", "10-100 ms", "100 ms-1 s", ">= 1 s"]
    static let barWidth = 24

    private(set) var blocks: [Block] = []
    private var indexOfHeight: [UInt64: Int] = [:]
    private(set) var crankDurations = [Int](repeating: 0, count: 5)
    private(set) var damage = 0
    private var attribution = BlockAttribution()
    private var crankStart: (crank: UInt64, time: Double)?
    private var lastTime: Double?
    private let heights: ClosedRange<UInt64>?
    private let lastBlocks: Int?
    private let since: Double?
    private let until: Double?

    private static let names = (
        begin: Array("cosmic-swingset-begin-block".utf8), commit: Array("cosmic-swingset-commit-block-finish".utf8),
        crankStart: Array("crank-start".utf8), crankFinish: Array("crank-finish".utf8),
        deliver: Array("deliver".utf8), syscall: Array("syscall".utf8)
    )
    private static let keys = (
        time: Array("time".utf8), blockTime: Array("blockTime".utf8), runSeconds: Array("runSeconds".utf8),
        seconds: Array("seconds".utf8), crank: Array("crankNum".utf8)
    )

    init(_ options: Options) {
        heights = options.heights
        lastBlocks = options.lastBlocks
        since = options.since
        until = options.until
    }

    /// Reads everything `source` has; problems go to stderr as they are met.
    mutating func read(_ source: any SlogSource, output: inout OutputBuffer) {
        while let event = source.next() {
            switch event {
            case .record:
                source.withRecordBytes { note($0) }
            case .marker(let marker, _):
                _ = attribution.height(ofMarker: marker)
            case .opaque:
                continue
            case .problem(let problem):
                if problem.isDamage { damage += 1 }
                output.flush()
                writeError("slog-tail: \(problem)\n")
            }
        }
    }

    private mutating func note(_ bytes: UnsafeRawBufferPointer) {
        let type = SlogFields.type(in: bytes)
        let height = attribution.height(ofRecord: bytes, type: type)
        let time = SlogFields.number(Self.keys.time, in: bytes)
        if let time { lastTime = time }
        if since != nil || until != nil {
            guard let at = lastTime, since.map({ at >= $0 }) ?? true, until.map({ at <= $0 }) ?? true else { return }
        }
        guard let height, heights.map({ $0.contains(height) }) ?? true else { return }
        func isType(_ name: [UInt8]) -> Bool { type.map { SlogFields.string($0, in: bytes, equals: name) } ?? false }
        let index: Int
        if isType(Self.names.begin) || indexOfHeight[height] == nil {
            // A new block, or the block executed again: the later execution counts.
            var block = Block(height: height)
            if isType(Self.names.begin) { block.blockTime = SlogFields.number(Self.keys.blockTime, in: bytes) }
            if let existing = indexOfHeight[height] {
                blocks[existing] = block
                index = existing
            } else {
                index = blocks.count
                blocks.append(block)
                indexOfHeight[height] = index
            }
        } else {
            index = indexOfHeight[height]!
        }
        blocks[index].bytes += bytes.count
        if let time {
            if blocks[index].firstTime == nil { blocks[index].firstTime = time }
            blocks[index].lastTime = time
        }
        if isType(Self.names.crankStart) {
            if let crank = SlogFields.unsigned(Self.keys.crank, in: bytes), let time { crankStart = (crank, time) }
        } else if isType(Self.names.crankFinish) {
            blocks[index].cranks += 1
            let crank = SlogFields.unsigned(Self.keys.crank, in: bytes)
            var duration = SlogFields.number(Self.keys.seconds, in: bytes)
            if duration == nil, let start = crankStart, start.crank == crank, let time { duration = max(0, time - start.time) }
            if let duration {
                crankDurations[Self.bucketBounds.firstIndex { duration < $0 } ?? Self.bucketBounds.count] += 1
            }
        } else if isType(Self.names.deliver) {
            blocks[index].deliveries += 1
        } else if isType(Self.names.syscall) {
            blocks[index].syscalls += 1
        } else if isType(Self.names.commit) {
            if let run = SlogFields.number(Self.keys.runSeconds, in: bytes) { blocks[index].runSeconds = run }
        }
    }

    /// The blocks shown: all, or the last N with `--blocks N`.
    var shown: ArraySlice<Block> {
        guard let lastBlocks else { return blocks[...] }
        return blocks.suffix(lastBlocks)
    }

    func write(json: Bool, to output: inout OutputBuffer) {
        let blocks = shown
        let cranks = crankDurations.reduce(0, +)
        if json {
            func number(_ value: Double?) -> String { value.map { "\($0)" } ?? "null" }
            let rows = blocks.map { block in
                "{\"height\":\(block.height),\"time\":\(block.time.map { jsonEscaped(SlogTime.iso($0)) } ?? "null"),"
                    + "\"timeSeconds\":\(number(block.time)),\"cranks\":\(block.cranks),\"deliveries\":\(block.deliveries),"
                    + "\"syscalls\":\(block.syscalls),\"bytes\":\(block.bytes),\"runSeconds\":\(block.run)}"
            }
            var lower = 0.0
            var buckets: [String] = []
            for (index, label) in Self.bucketLabels.enumerated() {
                let upper = index < Self.bucketBounds.count ? "\(Self.bucketBounds[index])" : "null"
                buckets.append("{\"label\":\(jsonEscaped(label)),\"fromSeconds\":\(lower),\"toSeconds\":\(upper),\"count\":\(crankDurations[index])}")
                if index < Self.bucketBounds.count { lower = Self.bucketBounds[index] }
            }
            output.append("{\"blocks\":[" + rows.joined(separator: ",") + "],\"crankDurations\":{\"cranks\":\(cranks),\"buckets\":["
                + buckets.joined(separator: ",") + "]}}\n")
            return
        }
        guard !blocks.isEmpty else {
            output.append("no blocks in the selection\n")
            return
        }
        let longest = blocks.map(\.run).max() ?? 0
        var lines = ["height".padding(12) + "time (UTC)".padding(25) + "cranks".leftPadded(7) + "deliveries".leftPadded(11)
            + "syscalls".leftPadded(9) + "bytes".leftPadded(12) + "run (s)".leftPadded(9) + "  busiest = full bar"]
        for block in blocks {
            var line = "\(block.height)".padding(12) + (block.time.map { SlogTime.iso($0) } ?? "-").padding(25)
            line += "\(block.cranks)".leftPadded(7) + "\(block.deliveries)".leftPadded(11) + "\(block.syscalls)".leftPadded(9)
            line += "\(block.bytes)".leftPadded(12) + Self.seconds(block.run).leftPadded(9)
            let bar = Self.bar(block.run, of: longest)
            if !bar.isEmpty { line += "  " + bar }
            lines.append(line)
        }
        lines.append("")
        lines.append("crank durations (\(cranks) crank\(cranks == 1 ? "" : "s")):")
        let most = crankDurations.max() ?? 0
        for (index, label) in Self.bucketLabels.enumerated() {
            let count = crankDurations[index]
            let bar = Self.bar(Double(count), of: Double(most))
            lines.append("  " + label.padding(12) + "\(count)".leftPadded(8) + (bar.isEmpty ? "" : "  " + bar))
        }
        output.append(lines.joined(separator: "\n") + "\n")
    }

    static func seconds(_ value: Double) -> String {
        let thousandths = Int((value * 1000).rounded())
        let fraction = String(String(thousandths % 1000 + 1000).dropFirst())
        return "\(thousandths / 1000).\(fraction)"
    }

    /// `value`'s share of `maximum` as a bar of up to `barWidth` blocks (at least one for any
    /// non-zero value).
    static func bar(_ value: Double, of maximum: Double) -> String {
        guard maximum > 0, value > 0 else { return "" }
        let cells = max(1, Int((value / maximum * Double(barWidth)).rounded()))
        return String(repeating: "█", count: min(cells, barWidth))
    }
}

extension String {
    /// The string right-aligned in `width` characters (with a leading space if it is wider).
    func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}
