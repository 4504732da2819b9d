import ToolSupport
import SlogModel
import SlogRing
import SlogInput

/// Prints the selected records of one or more sources, oldest first, one JSON line each.
///
/// Steps per record: (1) attribute it to a block (only when a height selection needs it);
/// (2) apply `--since`/`--until` (the record's `time`, or the last one seen for a record without
/// one), `--type` and `--crank`; (3) apply the height range; (4) keep it in the `--blocks`
/// window, or else the `-n` window, or else print it. At the end the windows are printed (blocks
/// first, narrowed by `-n` when both are given). Problems go to stderr as they are met.
///
/// A stream that starts mid-block (a wrapped ring or Agoric file) has records whose block is
/// known only at the first boundary: with a height selection they wait in `opening` (after
/// steps 1-2) until then, at most `openingLimit` bytes (beyond that they count as in no block).
struct Dumper {
    private let typeNames: [[UInt8]]
    private let crank: UInt64?
    private let heights: ClosedRange<UInt64>?
    private let printMarkers: Bool
    private let needsHeight: Bool
    private let needsType: Bool
    private var attribution = BlockAttribution()
    private var blocks: BlockWindow?
    private var tail: LineWindow?
    /// Records before the first block boundary, waiting to learn their block.
    private var opening: [[UInt8]] = []
    private var openingBytes = 0
    private var openingClosed = false
    private static let openingLimit = 64 << 20
    /// Problems that are damage (exit status 1), as opposed to notices.
    private(set) var damage = 0
    private static let crankKey = Array("crankNum".utf8)
    private static let timeKey = Array("time".utf8)
    private let since: Double?
    private let until: Double?
    /// The `time` of the last record that had one: records without (markers, mostly) go with it.
    private var lastTime: Double?

    init(_ options: Options) {
        since = options.since
        until = options.until
        typeNames = options.types.map { Array($0.utf8) }
        crank = options.crank
        heights = options.heights
        printMarkers = options.markers
        needsHeight = options.heights != nil || options.lastBlocks != nil
        needsType = needsHeight || !options.types.isEmpty
        blocks = options.lastBlocks.map { BlockWindow(limit: $0) }
        tail = options.lastRecords.map { LineWindow(limit: $0) }
    }

    /// Reads everything `source` has now.
    mutating func drain(_ source: any SlogSource, to output: inout OutputBuffer) {
        while true {
            // Runs of slog records in one call each (the dump of millions of them); the marker,
            // problem or end that stops a run comes from next().
            source.forEachRecord { consider($0, marker: nil, isMarker: false, output: &output) }
            guard let event = source.next() else { return }
            switch event {
            case .record:
                source.withRecordBytes { consider($0, marker: nil, isMarker: false, output: &output) }
            case .marker(let marker, _):
                source.withRecordBytes { consider($0, marker: marker, isMarker: true, output: &output) }
            case .opaque:
                continue
            case .problem(let problem):
                if problem.isDamage { damage += 1 }
                // Buffered: written after the records printed before it, in chunks (one write
                // per problem made a file of bad lines dump at 2 MB/s, issue 15).
                output.appendError("slog-tail: \(problem)\n")
            }
        }
    }

    /// Prints what the `--blocks` and `-n` windows hold; from now on records print directly.
    mutating func flushWindows(to output: inout OutputBuffer) {
        closeOpening(height: attribution.openingHeight, output: &output)
        if let blocks {
            blocks.forEachLine { line in
                if tail != nil { tail!.append(line, hasNewline: true) } else { output.append(line) }
            }
            self.blocks = nil
        }
        if let tail {
            tail.forEachLine { output.append($0) }
            self.tail = nil
        }
    }

    private mutating func consider(
        _ bytes: UnsafeRawBufferPointer, marker: Marker?, isMarker: Bool, output: inout OutputBuffer
    ) {
        var type: JSONValueSpan?
        if needsType { type = SlogFields.type(in: bytes) }
        var height: UInt64?
        if needsHeight {
            height = isMarker ? attribution.height(ofMarker: marker) : attribution.height(ofRecord: bytes, type: type)
            if !openingClosed && attribution.hasSeenBoundary {
                closeOpening(height: attribution.openingHeight, output: &output)
            }
        }
        if since != nil || until != nil {
            if let time = SlogFields.number(Self.timeKey, in: bytes) { lastTime = time }
            guard let time = lastTime, since.map({ time >= $0 }) ?? true, until.map({ time <= $0 }) ?? true else { return }
        }
        if isMarker && !printMarkers { return }
        if !typeNames.isEmpty {
            guard let type, typeNames.contains(where: { SlogFields.string(type, in: bytes, equals: $0) }) else { return }
        }
        if let crank {
            guard SlogFields.unsigned(Self.crankKey, in: bytes) == crank else { return }
        }
        if needsHeight && !openingClosed {
            opening.append(Array(bytes))
            openingBytes += bytes.count
            if openingBytes > Self.openingLimit { closeOpening(height: nil, output: &output) }
            return
        }
        select(bytes, height: height, output: &output)
    }

    /// Sends the records that waited for the first boundary on, as records of block `height`.
    private mutating func closeOpening(height: UInt64?, output: inout OutputBuffer) {
        guard !openingClosed else { return }
        openingClosed = true
        let waiting = opening
        opening = []
        for line in waiting {
            line.withUnsafeBytes { select($0, height: height, output: &output) }
        }
    }

    /// Steps 3 and 4: the height range, then a window or the output.
    private mutating func select(_ bytes: UnsafeRawBufferPointer, height: UInt64?, output: inout OutputBuffer) {
        if let heights {
            guard let height, heights.contains(height) else { return }
        }
        if blocks != nil {
            guard let height else { return }
            blocks!.append(bytes, height: height)
        } else if tail != nil {
            tail!.append(bytes, hasNewline: false)
        } else {
            output.appendLine(bytes)
        }
    }
}

/// How often `--follow` looks for new records when it has caught up.
let followInterval = 50

extension Dumper {
    /// Prints what `source` holds now and marks it as followed (a slogfile then waits for more
    /// at its end instead of ending).
    mutating func startFollowing(_ source: any SlogSource, to output: inout OutputBuffer) {
        (source as? JSONLinesSource)?.follow = true
        drain(source, to: &output)
        flushWindows(to: &output)
        output.flush()
    }

    /// Prints what was appended to `source` since the last call.
    mutating func drainAndFlush(_ source: any SlogSource, to output: inout OutputBuffer) {
        drain(source, to: &output)
        output.flush()
    }
}

/// Prints `source` and then follows it: new records print as the writer appends them, lapped
/// stretches are reported on stderr, and it stops once the ring is sealed (or standard input
/// ends). Returns when there is nothing more to follow.
func follow(_ source: any SlogSource, with dumper: inout Dumper, to output: inout OutputBuffer) {
    dumper.startFollowing(source, to: &output)
    while true {
        // Sealed before the last drain: everything the writer will ever write was read.
        let finished = source.isFinished
        dumper.drainAndFlush(source, to: &output)
        if finished { return }
        system_sleep(milliseconds: followInterval)
    }
}
