package import SlogModel
public import SlogRing
public import FlightRecorder

/// Everything the real `RingReader` returned from one pass over a ring: every record with its
/// bytes, what it skipped, and the slog and markers the recorder wrote, as the tests look at them.
public struct RingContents {
    public var records: [(info: RecordInfo, bytes: [UInt8])] = []
    public var issues: [ReadIssue] = []
    /// The slog records' text, in order.
    public var slog: [String] = []
    /// Slog records and markers as the lines `slog-tail --markers` prints.
    public var withMarkers: [String] = []
    /// The decoded markers, in order.
    package var markers: [Marker] = []
    /// Whether the ring is sealed (a black box).
    public var sealed = false

    public init() {}

    /// The sequence numbers of every record, markers included.
    public var sequences: [UInt64] { records.map(\.info.sequence) }
    /// Every record's bytes as text.
    public var strings: [String] { records.map { String(decoding: $0.bytes, as: UTF8.self) } }
    /// Heights with a begin marker still readable, in order.
    public var begunHeights: [UInt64] { markers.compactMap { if case .blockBegin(let h, _) = $0 { h } else { nil } } }
    /// Heights with a commit marker still readable, in order.
    public var committedHeights: [UInt64] { markers.compactMap { if case .blockCommit(let h) = $0 { h } else { nil } } }
}

/// Opens `path` with the real `RingReader` and reads until it is caught up.
public func readRing(_ path: String) throws -> RingContents {
    var reader = try RingReader.open(path: path)
    return drain(&reader)
}

/// Reads `reader` until it is caught up.
public func drain(_ reader: inout RingReader) -> RingContents {
    var contents = RingContents()
    while let event = reader.next() {
        switch event {
        case .skipped(let issue): contents.issues.append(issue)
        case .record(let info):
            let bytes = reader.recordBytes
            contents.records.append((info, bytes))
            let text = String(decoding: bytes, as: UTF8.self)
            if info.kind == .slog {
                contents.slog.append(text)
                contents.withMarkers.append(text)
            } else if info.kind.isMarker {
                contents.withMarkers.append(text)
                if let marker = reader.withRecordBytes({ Marker.decode(kind: info.kind, bytes: $0) }) {
                    contents.markers.append(marker)
                }
            }
        }
    }
    contents.sealed = reader.status?.isSealed ?? false
    return contents
}

/// A FlightRecorder ring at `path` holding `lines` (automatic markers; by default keeping as
/// much as fits).
public func recordRing(
    _ path: String, capacity: Int, _ lines: [String], retention: FlightRecorder.Retention = .asMuchAsFits
) throws {
    var configuration = FlightRecorder.Configuration(path: path)
    configuration.capacity = capacity
    configuration.retention = retention
    let recorder = try FlightRecorder(configuration: configuration)
    for line in lines { recorder.record(line) }
    try recorder.close()
}

/// A deterministic payload for `sequence`, `length` bytes long, so any returned record can be
/// checked against what was written without keeping a copy.
public func payload(for sequence: UInt64, length: Int) -> [UInt8] {
    var state = sequence &* 0x9E37_79B9_7F4A_7C15 &+ 1
    return (0..<length).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}

/// The error `body` throws, or `nil` if it returns (its result is discarded: closed by deinit).
public func caughtError<T: ~Copyable>(_ body: () throws(SlogRingError) -> T) -> SlogRingError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// Creates a ring of `capacity` bytes at `path`, appends `records` (their UTF-8) and closes it.
public func writeRing(_ path: String, capacity: Int, _ records: [String]) throws {
    var writer = try RingWriter.create(path: path, capacity: capacity)
    for record in records { _ = try writer.append(record) }
    try writer.close()
}
