// Adapted from Tests/SlogTailTests/Support/RingContents.swift (no shared test-helper target).
import FlightRecorder

/// The slog records the real `RingReader` returns from a ring, and what it skipped.
func readRingSlog(_ path: String) throws -> (slog: [String], markers: [Marker], issues: [ReadIssue]) {
    var reader = try RingReader.open(path: path)
    var slog: [String] = []
    var markers: [Marker] = []
    var issues: [ReadIssue] = []
    while let event = reader.next() {
        switch event {
        case .skipped(let issue): issues.append(issue)
        case .record(let info):
            if info.kind == .slog {
                slog.append(String(decoding: reader.recordBytes, as: UTF8.self))
            } else if let marker = reader.withRecordBytes({ Marker.decode(kind: info.kind, bytes: $0) }) {
                markers.append(marker)
            }
        }
    }
    return (slog, markers, issues)
}

/// A FlightRecorder ring at `path` holding `lines` (automatic markers, keeping as much as fits).
func recordRing(_ path: String, capacity: Int, _ lines: [String]) throws {
    var configuration = FlightRecorder.Configuration(path: path)
    configuration.capacity = capacity
    configuration.retention = .asMuchAsFits
    let recorder = try FlightRecorder(configuration: configuration)
    for line in lines { recorder.record(line) }
    try recorder.close()
}
