/// slog-tail: print the records of a SlogRing file oldest to newest.
///
/// Usage:
///   slog-tail [--info] [--verify] [--json] FILE
///
/// Prints every slog record as the exact line that was recorded, one per line, so the output is
/// a slogfile. What could not be read is reported on stderr with its byte offset, and the exit
/// status says so. This is the first cut: Agoric flight-recorder.bin input, selections and
/// follow mode are tracked in their own issue.
///
/// Exit status: 0 success; 1 damaged input (everything valid was still printed); 2 usage error
/// or unreadable file.
import SlogRing

#if canImport(Glibc)
import Glibc
#endif

let usageText = """
    usage: slog-tail [--info [--json]] [--verify] FILE

    Print the slog records of a SlogRing flight-recorder file, oldest first, one JSON line each.

      --info      describe the file instead: capacity, bytes used, records, sequences, writer
      --json      with --info: one JSON object instead of text
      --verify    check every frame; print nothing but problems and a summary
      -h, --help  show this help

    Examples:
      slog-tail node.ring > last-blocks.slog
      slog-tail --info node.ring
      slog-tail --verify uploaded.ring && echo intact

    Exit status: 0 ok, 1 damaged input (all valid records were still printed), 2 usage error or
    unreadable file.

    """

var output = OutputBuffer()
let options: Options
do { options = try Options.parse(Array(CommandLine.arguments.dropFirst())) } catch {
    writeError("slog-tail: \(error.message)\nTry 'slog-tail --help'.\n")
    exit(2)
}
if options.help {
    output.append(usageText)
    output.flush()
    exit(0)
}

exit(dump(options, to: &output))

/// Reads the file and prints what `options` asks for; returns the exit status.
func dump(_ options: Options, to output: inout OutputBuffer) -> Int32 {
    var reader: RingReader
    do { reader = try RingReader.open(path: options.path) } catch {
        writeError("slog-tail: \(error)\n")
        return 2
    }

    var records = 0
    var otherKinds = 0
    var bytes = 0
    var firstSequence: UInt64?
    var lastSequence: UInt64?
    var problems = 0
    while let event = reader.next() {
        switch event {
        case .record(let info):
            if firstSequence == nil { firstSequence = info.sequence }
            lastSequence = info.sequence
            bytes += info.length
            guard info.kind == .slog else { otherKinds += 1; continue }
            records += 1
            if !options.info && !options.verify {
                reader.withRecordBytes { output.append($0) }
                output.append(newline: ())
            }
        case .skipped(let issue):
            problems += 1
            output.flush()
            writeError("slog-tail: \(options.path): \(issue)\n")
        }
    }

    if options.info {
        let status = reader.status
        let header = reader.header
        if options.json {
            var fields: [String] = [
                "\"file\":\(jsonString(options.path))", "\"format\":\"slogring\"",
                "\"formatVersion\":\(header.formatVersion)", "\"capacity\":\(header.capacity)",
                "\"fileSize\":\(reader.fileSize)", "\"salvaged\":\(reader.isSalvaging)",
                "\"slogRecords\":\(records)", "\"otherRecords\":\(otherKinds)", "\"payloadBytes\":\(bytes)",
                "\"firstSequence\":\(firstSequence.map(String.init) ?? "null")",
                "\"lastSequence\":\(lastSequence.map(String.init) ?? "null")", "\"problems\":\(problems)",
            ]
            if let status {
                fields += [
                    "\"bytesUsed\":\(status.write.rawValue - status.oldest.rawValue)",
                    "\"oldestPosition\":\(status.oldest.rawValue)", "\"writePosition\":\(status.write.rawValue)",
                    "\"nextSequence\":\(status.nextSequence)", "\"sealed\":\(status.isSealed)",
                    "\"writerOpens\":\(status.writerOpenCount)",
                    "\"writerActive\":\(status.writerActive.map { String($0) } ?? "null")",
                ]
            }
            output.append("{" + fields.joined(separator: ",") + "}\n")
        } else {
            var lines = [
                "file:            \(options.path)",
                "format:          SlogRing v\(header.formatVersion)\(reader.isSalvaging ? " (header damaged: salvaged by scanning)" : "")",
                "capacity:        \(header.capacity) bytes (file \(reader.fileSize) bytes)",
            ]
            if let status {
                let used = status.write.rawValue - status.oldest.rawValue
                lines += [
                    "bytes used:      \(used) (\(header.capacity == 0 ? 0 : used * 100 / UInt64(header.capacity))%)",
                    "positions:       oldest \(status.oldest), write \(status.write) (lap \(status.write.rawValue / UInt64(max(1, header.capacity))))",
                    "next sequence:   \(status.nextSequence)",
                    "sealed:          \(status.isSealed ? "yes (preserved black box)" : "no")",
                    "writer opens:    \(status.writerOpenCount)\(status.writerOpenCount > 1 ? " (\(status.writerOpenCount - 1) restart(s))" : "")",
                    "writer active:   \(status.writerActive.map { $0 ? "yes" : "no" } ?? "unknown")",
                ]
            }
            lines += [
                "records:         \(records) slog, \(otherKinds) other",
                "sequences:       \(firstSequence.map { "\($0)...\(lastSequence!)" } ?? "none")",
                "problems:        \(problems)",
            ]
            output.append(lines.joined(separator: "\n") + "\n")
        }
    }
    if options.verify {
        output.append("\(options.path): \(problems == 0 ? "ok" : "DAMAGED"): \(records + otherKinds) valid records, \(problems) problem(s)\n")
    }
    output.flush()
    return problems == 0 ? 0 : 1
}
