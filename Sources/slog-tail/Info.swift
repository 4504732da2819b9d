import ToolSupport
import SlogModel
import SlogInput

/// What `--info` and `--verify` learn by reading a whole source.
struct Census {
    var slogRecords = 0
    var markers = 0
    var otherRecords = 0
    var payloadBytes = 0
    var firstSequence: UInt64?
    var lastSequence: UInt64?
    var oldestHeight: UInt64?
    var newestHeight: UInt64?
    var heights: Set<UInt64> = []
    var oldestCrank: UInt64?
    var newestCrank: UInt64?
    var dropMarkers = 0
    var droppedRecords: UInt64 = 0
    /// Loss reports of the node's slog sender: records that never reached the recorder.
    var senderLostMarkers = 0
    var senderLostRecords: UInt64 = 0
    var recorderOpens = 0
    var restarts = 0
    var halts = 0
    /// The last halt marker: what a black box is (BoxInfo.swift).
    var halt: HaltFacts?
    /// Counted, the first `ProblemLog.defaultLimit` kept (memory bounded by the output, not by
    /// the input's damage).
    var problems = ProblemLog()
    var damage: Int { problems.damage }
    var notes: Int { problems.notes }
    var lostRecords: UInt64 { problems.lostRecords }
    var validRecords: Int { slogRecords + markers + otherRecords }

    private var attribution = BlockAttribution()
    private static let crankKey = Array("crankNum".utf8)

    /// Reads `source` to its end (or until caught up with a live writer). `details` also looks
    /// at heights and cranks, which costs a scan of each record's top-level fields.
    mutating func read(_ source: any SlogSource, details: Bool) {
        while let event = source.next() {
            switch event {
            case .record(let record):
                slogRecords += 1
                note(record)
                guard details else { continue }
                source.withRecordBytes { bytes in
                    let height = attribution.height(ofRecord: bytes, type: SlogFields.type(in: bytes))
                    noteHeight(height)
                    if let crank = SlogFields.unsigned(Self.crankKey, in: bytes) {
                        if oldestCrank == nil { oldestCrank = crank }
                        newestCrank = crank
                    }
                }
            case .marker(let marker, let record):
                markers += 1
                note(record)
                noteHeight(attribution.height(ofMarker: marker))
                switch marker {
                case .dropped(_, _, _, let count)?:
                    dropMarkers += 1
                    droppedRecords = droppedRecords.addingSaturating(count)
                case .recorderOpened(let event, _, _, _, _)?:
                    recorderOpens += 1
                    if event == "reopened" { restarts += 1 }
                case .halt(let height, let appHash, let reason, let identifier, let networkAppHash, let time)?:
                    halts += 1
                    halt = HaltFacts(
                        height: height, identifier: identifier, reason: reason, time: time, appHash: appHash,
                        networkAppHash: networkAppHash)
                case .senderLost(let count, _, _, _)?:
                    senderLostMarkers += 1
                    senderLostRecords += count
                default:
                    break
                }
            case .opaque(let record):
                otherRecords += 1
                note(record)
            case .problem(let problem):
                problems.add(problem)
            }
        }
    }

    private mutating func note(_ record: SlogRecord) {
        payloadBytes += record.length
        if let sequence = record.sequence {
            if firstSequence == nil { firstSequence = sequence }
            lastSequence = sequence
        }
    }

    private mutating func noteHeight(_ height: UInt64?) {
        guard let height else { return }
        if oldestHeight == nil { oldestHeight = height }
        newestHeight = height
        heights.insert(height)
    }
}

/// `--info`: describes one source, as text or one JSON object (one line).
func describe(_ source: any SlogSource, json: Bool, to output: inout OutputBuffer) -> Census {
    var census = Census()
    census.read(source, details: true)
    let status = source.status
    let ring = status.format == .ring
    let name = source.displayName
    if json {
        func number<T: BinaryInteger>(_ value: T?) -> String { value.map { "\($0)" } ?? "null" }
        func bool(_ value: Bool?) -> String { value.map { "\($0)" } ?? "null" }
        var fields = [
            "\"file\":\(jsonEscaped(name))", "\"format\":\(jsonEscaped(status.format.rawValue))",
            "\"formatDescription\":\(jsonEscaped(status.formatDescription))",
            "\"fileSize\":\(number(status.fileSize))", "\"capacity\":\(number(status.capacity))",
            "\"bytesUsed\":\(number(status.bytesUsed))",
            "\"slogRecords\":\(census.slogRecords)", "\"markers\":\(census.markers)",
            "\"otherRecords\":\(census.otherRecords)", "\"payloadBytes\":\(census.payloadBytes)",
            "\"firstSequence\":\(number(census.firstSequence))", "\"lastSequence\":\(number(census.lastSequence))",
            "\"oldestHeight\":\(number(census.oldestHeight))", "\"newestHeight\":\(number(census.newestHeight))",
            "\"blocks\":\(census.heights.count)",
            "\"oldestCrank\":\(number(census.oldestCrank))", "\"newestCrank\":\(number(census.newestCrank))",
            "\"dropMarkers\":\(ring ? "\(census.dropMarkers)" : "null")",
            "\"droppedRecords\":\(ring ? "\(census.droppedRecords)" : "null")",
            "\"senderLostMarkers\":\(ring ? "\(census.senderLostMarkers)" : "null")",
            "\"senderLostRecords\":\(ring ? "\(census.senderLostRecords)" : "null")",
            "\"restarts\":\(ring ? "\(census.restarts)" : "null")",
            "\"recorderOpens\":\(ring ? "\(census.recorderOpens)" : "null")",
            "\"writerOpens\":\(number(status.writerOpens))",
            "\"sealed\":\(bool(status.sealed))", "\"writerActive\":\(bool(status.writerActive))",
            "\"problems\":\(census.damage)", "\"lostRecords\":\(census.lostRecords)", "\"notes\":\(census.notes)",
        ]
        fields += haltJSONFields(census)
        fields += status.details.map { "\(jsonEscaped($0.name)):\($0.value)" }
        fields.append("\"remarks\":[" + status.remarks.map(jsonEscaped).joined(separator: ",") + "]")
        output.append("{" + fields.joined(separator: ",") + "}\n")
        return census
    }

    func range<T>(_ first: T?, _ last: T?) -> String {
        guard let first, let last else { return "none" }
        return "\(first)...\(last)"
    }
    var lines = ["file:            \(name)", "format:          \(status.formatDescription)"]
    if let size = status.fileSize { lines.append("file size:       \(size) bytes") }
    if let capacity = status.capacity { lines.append("capacity:        \(capacity) bytes") }
    if let used = status.bytesUsed, let capacity = status.capacity, capacity > 0 {
        lines.append("bytes used:      \(used) (\(used * 100 / capacity)%)")
    }
    lines += [
        "records:         \(census.slogRecords) slog, \(census.markers) markers, \(census.otherRecords) other (\(census.payloadBytes) bytes)",
    ]
    if census.firstSequence != nil { lines.append("sequences:       \(range(census.firstSequence, census.lastSequence))") }
    lines += [
        "heights:         \(range(census.oldestHeight, census.newestHeight))\(census.heights.isEmpty ? "" : " (\(census.heights.count) blocks)")",
        "cranks:          \(range(census.oldestCrank, census.newestCrank))",
    ]
    if ring {
        lines.append("drops:           " + (census.dropMarkers == 0 ? "none" : "\(census.droppedRecords) records of uncommitted blocks overwritten (\(census.dropMarkers) drop markers)"))
        if census.senderLostMarkers > 0 {
            lines.append("sender lost:     \(census.senderLostRecords) records never reached the recorder (\(census.senderLostMarkers) sender-lost markers)")
        }
        var restarts = "\(census.restarts) (recorder opened \(census.recorderOpens) time\(census.recorderOpens == 1 ? "" : "s") in what the ring holds"
        if let opens = status.writerOpens { restarts += "; writer opened \(opens) time\(opens == 1 ? "" : "s") since creation" }
        lines.append("restarts:        " + restarts + ")")
    }
    if let sealed = status.sealed { lines.append("sealed:          \(sealed ? "yes (preserved black box)" : "no")") }
    lines += haltLines(census)
    if ring { lines.append("writer active:   \(status.writerActive.map { $0 ? "yes" : "no" } ?? "unknown")") }
    for detail in status.details {
        lines.append((detail.name + ":").padding(17) + "\(detail.value)")
    }
    for remark in status.remarks { lines.append("note:            \(remark)") }
    var problems = "\(census.damage)"
    if census.lostRecords > 0 { problems += " (\(census.lostRecords) records lost)" }
    if census.notes > 0 { problems += ", \(census.notes) note\(census.notes == 1 ? "" : "s")" }
    lines.append("problems:        \(problems)")
    output.append(lines.joined(separator: "\n") + "\n")
    return census
}

/// `--verify`: every problem with its offset, then one summary line, all on stdout.
func verify(_ source: any SlogSource, to output: inout OutputBuffer) -> Census {
    var census = Census()
    census.read(source, details: false)
    for problem in census.problems.kept { output.append("\(problem)\n") }
    if let omitted = census.problems.omissionSummary { output.append("\(source.displayName): \(omitted)\n") }
    var summary = "\(source.displayName): \(census.damage == 0 ? "ok" : "DAMAGED"): \(census.validRecords) valid records, \(census.damage) problem(s)"
    if census.lostRecords > 0 { summary += ", \(census.lostRecords) records known lost" }
    if census.notes > 0 { summary += ", \(census.notes) note(s)" }
    output.append(summary + "\n")
    return census
}

extension String {
    /// The string padded with spaces to `width` characters.
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
