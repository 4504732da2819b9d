package import SlogModel
package import SlogRing

extension SlogFormat {
    /// The usage error for a `--format` value that names no format.
    package static func unknown(_ text: String) -> String { "--format '\(text)' is not one of ring, agoric, jsonl" }
}

/// The input formats slog tools read.
package enum SlogFormat: String, Sendable, CaseIterable {
    /// Our SlogRing file (`docs/FORMAT.md`), magic `SLOGRNG\0`.
    case ring
    /// Agoric's `flight-recorder.bin` (`docs/FORMAT-agoric.md`), magic `AG-SLOG!`.
    case agoric
    /// A slogfile: one JSON object per line (also standard input).
    case jsonLines = "jsonl"

    /// How `--info` names the format.
    package var displayName: String {
        switch self {
        case .ring: "SlogRing"
        case .agoric: "Agoric flight-recorder.bin"
        case .jsonLines: "JSON lines"
        }
    }
}

/// Where one record came from. Its bytes are available through `SlogSource.withRecordBytes`
/// until the next call to `next()`.
package struct SlogRecord: Equatable, Sendable {
    /// The ring's sequence number (SlogRing only; Agoric files and slogfiles have none).
    package var sequence: UInt64?
    /// Byte offset in the file: of the frame (SlogRing), of the length prefix (Agoric), of the
    /// line (JSON lines; counted from the start of standard input for `-`).
    package var fileOffset: Int
    /// Bytes of the record: the exact JSON the node produced, without any newline.
    package var length: Int
    /// The record kind (`.slog` for Agoric files and slogfiles).
    package var kind: RecordKind

    package init(sequence: UInt64? = nil, fileOffset: Int, length: Int, kind: RecordKind = .slog) {
        self.sequence = sequence
        self.fileOffset = fileOffset
        self.length = length
        self.kind = kind
    }
}

/// What a source yields, in file order (oldest first).
package enum SlogEvent: Equatable, Sendable {
    /// One slog record.
    case record(SlogRecord)
    /// A FlightRecorder marker (its payload is a JSON object whose `type` starts with
    /// `flight-recorder-`); `nil` when the payload does not decode (a newer marker).
    case marker(Marker?, SlogRecord)
    /// A record of a kind no slog tool interprets (application kinds); not a slog record.
    case opaque(SlogRecord)
    /// Something was skipped, or is worth saying about the input.
    case problem(SlogProblem)
}

/// A source of slog records in order: a SlogRing, an Agoric `flight-recorder.bin`, or a
/// slogfile. Shared by `slog-tail` and `slog-diff`, so both read every format the same way.
///
/// ```swift
/// let source = try SlogSources.open("node.ring")
/// while let event = source.next() {
///     if case .record = event { source.withRecordBytes { print($0.count) } }
/// }
/// ```
///
/// Single-threaded: use a source from one thread at a time. `next()` returning `nil` means
/// "nothing more now": the end of a file, or caught up with a live writer; when `isFinished`
/// is false, calling `next()` again later may return more (follow mode).
package protocol SlogSource: AnyObject {
    /// The path as the user gave it (`-` for standard input).
    var path: String { get }
    /// How messages name the input (`standard input` for `-`).
    var displayName: String { get }
    var format: SlogFormat { get }
    /// The next event, or `nil` when there is nothing more now.
    func next() -> SlogEvent?
    /// The bytes of the record or marker `next()` returned last, valid inside `body` only
    /// (which must not call `next()`: the bytes may move).
    func withRecordBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
    /// Consumes the slog records `next()` would return next, handing each one's bytes (valid
    /// inside the call only) to `body`, up to the first event that is not a `.record` (a
    /// marker, an opaque record, a problem) or until nothing more is there now. That event is
    /// what `next()` returns next, so `forEachRecord` then `next()` yields exactly the events of
    /// `next()` alone, in order.
    ///
    /// For readers that go through millions of records (`slog-tail`'s dump): one call per run
    /// of records instead of an event each. Sources without a faster way return at once.
    func forEachRecord(_ body: (UnsafeRawBufferPointer) -> Void)
    /// Whether no more records can ever arrive: a sealed ring, the end of standard input, an
    /// Agoric file or a slogfile that is not being followed.
    var isFinished: Bool { get }
    /// What the file's header says, for `--info` (read now).
    var status: SlogSourceStatus { get }
}

extension SlogSource {
    package var displayName: String { path == "-" ? "standard input" : path }

    /// No faster way: `next()` delivers every record.
    package func forEachRecord(_ body: (UnsafeRawBufferPointer) -> Void) {}
}

/// What a source's header says, for `--info`. Fields a format does not have are `nil`.
package struct SlogSourceStatus: Equatable, Sendable {
    package var format: SlogFormat
    /// `SlogRing v1`, `Agoric flight-recorder.bin`, `JSON lines`.
    package var formatDescription: String
    package var fileSize: Int?
    /// Bytes that can hold records (ring capacity, Agoric arena size).
    package var capacity: Int?
    /// Bytes between the oldest and the newest record according to the header.
    package var bytesUsed: Int?
    package var sealed: Bool?
    /// Whether a writer holds the file open now (`nil` when the format cannot tell).
    package var writerActive: Bool?
    /// How many times a writer opened the ring (SlogRing).
    package var writerOpens: UInt64?
    /// Format-specific header fields, in display order (for example `circStart`).
    package var details: [(name: String, value: Int)] = []
    /// Format-specific remarks (for example how an ambiguous Agoric header was read).
    package var remarks: [String] = []

    package init(format: SlogFormat, formatDescription: String) {
        self.format = format
        self.formatDescription = formatDescription
    }

    package static func == (a: Self, b: Self) -> Bool {
        a.format == b.format && a.formatDescription == b.formatDescription && a.fileSize == b.fileSize
            && a.capacity == b.capacity && a.bytesUsed == b.bytesUsed && a.sealed == b.sealed
            && a.writerActive == b.writerActive && a.writerOpens == b.writerOpens
            && a.details.elementsEqual(b.details, by: { $0 == $1 }) && a.remarks == b.remarks
    }
}
