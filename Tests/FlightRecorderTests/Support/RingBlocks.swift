import Foundation
@testable import FlightRecorder

/// A ring's contents as a reader sees them, grouped by the recorder's markers.
struct RingView {
    var slog: [String] = []
    var markers: [Marker] = []
    var issues: [ReadIssue] = []
    /// Heights with a begin marker still readable, in order.
    var begunHeights: [UInt64] { markers.compactMap { if case .blockBegin(let h, _) = $0 { h } else { nil } } }
    var committedHeights: [UInt64] { markers.compactMap { if case .blockCommit(let h) = $0 { h } else { nil } } }
    var sequences: [UInt64] = []
    var sealed = false
}

/// Reads the ring at `path` with the real `RingReader`.
func readView(_ path: String) throws -> RingView {
    var reader = try RingReader.open(path: path)
    var view = RingView()
    while let event = reader.next() {
        switch event {
        case .skipped(let issue): view.issues.append(issue)
        case .record(let info):
            view.sequences.append(info.sequence)
            if info.kind == .slog {
                view.slog.append(String(decoding: reader.recordBytes, as: UTF8.self))
            } else if let marker = reader.withRecordBytes({ Marker.decode(kind: info.kind, bytes: $0) }) {
                view.markers.append(marker)
            }
        }
    }
    view.sealed = reader.status?.isSealed ?? false
    return view
}
