import FlightRecorder

/// What the real `RingReader` returns from a ring: slog records, and every record (slog and
/// markers) as the lines `slog-tail --markers` prints.
struct RingLines {
    var slog: [String] = []
    var withMarkers: [String] = []
    var markers: [Marker] = []
    var issues: [ReadIssue] = []
}

func readRingLines(_ path: String) throws -> RingLines {
    var reader = try RingReader.open(path: path)
    var lines = RingLines()
    while let event = reader.next() {
        switch event {
        case .skipped(let issue): lines.issues.append(issue)
        case .record(let info):
            let text = String(decoding: reader.recordBytes, as: UTF8.self)
            if info.kind == .slog {
                lines.slog.append(text)
                lines.withMarkers.append(text)
            } else if info.kind.isMarker {
                lines.withMarkers.append(text)
                if let marker = reader.withRecordBytes({ Marker.decode(kind: info.kind, bytes: $0) }) {
                    lines.markers.append(marker)
                }
            }
        }
    }
    return lines
}

/// A FlightRecorder ring at `path` holding `lines` (automatic markers, keeping as much as fits).
func recordRing(_ path: String, capacity: Int, _ lines: [String], retention: FlightRecorder.Retention = .asMuchAsFits) throws {
    var configuration = FlightRecorder.Configuration(path: path)
    configuration.capacity = capacity
    configuration.retention = retention
    let recorder = try FlightRecorder(configuration: configuration)
    for line in lines { recorder.record(line) }
    try recorder.close()
}
