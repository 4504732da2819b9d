import Foundation

/// Agoric's flight-recorder writer, built from its specification (`../shared/slog-reference.md`
/// §5 and `reference/agoric-slog-schema.md` §3), including the behaviour that breaks real files:
///
/// - header: four big-endian u64 (magic `AG-SLOG!`, arenaSize, circStart, circEnd); arena at 32;
/// - a record is a big-endian u64 length and the data, `"\n"` + JSON; it may split at the arena
///   end, length prefix included;
/// - before writing, the oldest records are evicted (circStart moves by whole records) until the
///   free space (`arenaSize - circEnd + circStart` when `circStart <= circEnd`, else
///   `circStart - circEnd`) holds the record; eviction stops when the overlap is `<= 0`, so a
///   record that exactly fills the space leaves `circStart == circEnd` (a full ring that reads
///   as empty), and it stops when the reader sees "empty";
/// - the record is split at the arena end only when `circStart < circEnd`: with `circStart ==
///   circEnd` near the end it is written past the arena, unsplit, and the file grows;
/// - the record is written first and the header after it, so a crash in between leaves the
///   header pointing at overwritten bytes.
public struct AgoricWriter {
    public private(set) var file: [UInt8]
    public let arenaSize: Int
    public private(set) var circStart = 0
    public private(set) var circEnd = 0
    /// Every JSON record written, in order, and the arena offset where each starts.
    public private(set) var written: [String] = []
    public private(set) var positions: [Int] = []

    /// A new file of `fileSize` bytes (header plus an arena of `fileSize - 32`).
    public init(fileSize: Int) {
        arenaSize = fileSize - 32
        file = [UInt8](repeating: 0, count: fileSize)
        writeHeader()
    }

    public var header: (arenaSize: Int, circStart: Int, circEnd: Int) { (arenaSize, circStart, circEnd) }

    /// Bytes the next record may take without evicting, as the writer computes it.
    public var freeSpace: Int { circStart <= circEnd ? arenaSize - circEnd + circStart : circStart - circEnd }

    /// Writes one record; with `crashBeforeHeader`, the process "dies" after writing the record
    /// but before the header: the file keeps the old header (its eviction was only in memory).
    public mutating func write(_ json: String, crashBeforeHeader: Bool = false) {
        var data = Array(("\n" + json).utf8)
        if 8 + data.count > arenaSize {
            let snippet = String(decoding: data.prefix(20), as: UTF8.self)
            data = Array(#"{"type":"slog-record-too-big","snippet":"\#(snippet.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\"", with: "\\\""))"}"#.utf8)
            if 8 + data.count > arenaSize { return }
        }
        written.append(json)
        positions.append(circEnd)
        let record = bigEndian(UInt64(data.count)) + data
        let savedHeader = (circStart, circEnd)
        var start = circStart
        let end = circEnd
        let capacity = start <= end ? arenaSize - end + start : start - end
        var overlap = record.count - capacity
        while overlap > 0 {
            guard let prefix = readLive(8, start: start, end: end, from: start) else { break }
            // The writer does this in BigInt: a garbage prefix (after the file grew) moves
            // circStart anywhere and ends the loop.
            let length = prefix.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let total = length.addingReportingOverflow(8)
            let arena = UInt64(arenaSize)
            start = Int((UInt64(start) + (total.partialValue % arena) + (total.overflow ? (UInt64.max % arena + 1) : 0)) % arena)
            if total.overflow || total.partialValue >= UInt64(overlap) { break }
            overlap -= Int(total.partialValue)
        }
        var firstWrite = record.count
        if start < end { firstWrite = min(firstWrite, arenaSize - end) }
        put(Array(record[..<firstWrite]), at: 32 + end)
        if firstWrite < record.count { put(Array(record[firstWrite...]), at: 32) }
        circStart = start
        circEnd = (end + record.count) % arenaSize
        if crashBeforeHeader {
            (circStart, circEnd) = savedHeader
        } else {
            writeHeader()
        }
    }

    /// Writes `records` JSON lines shaped like `{"type":"deliver","crankNum":N,...}` with body
    /// sizes from `sizes` (cycled), numbering from `first`.
    public mutating func writeNumbered(_ count: Int, from first: Int = 0, sizes: [Int] = [0]) {
        for index in 0..<count {
            write(numberedRecord(first + index, padding: sizes[index % sizes.count]))
        }
    }

    /// Agoric's readCircBuf: `count` bytes at `from`, or nil if `from` is outside the live range.
    private func readLive(_ count: Int, start: Int, end: Int, from: Int) -> [UInt8]? {
        agoricReadCircBuf(file, arena: arenaSize, start: start, end: end, count: count, at: from)
    }

    private mutating func put(_ bytes: [UInt8], at offset: Int) {
        if offset + bytes.count > file.count { file += [UInt8](repeating: 0, count: offset + bytes.count - file.count) }
        file.replaceSubrange(offset..<offset + bytes.count, with: bytes)
    }

    private mutating func writeHeader() {
        let header = bigEndian(0x4147_2D53_4C4F_4721) + bigEndian(UInt64(arenaSize)) + bigEndian(UInt64(circStart))
            + bigEndian(UInt64(circEnd))
        file.replaceSubrange(0..<32, with: header)
    }
}

/// An Agoric file of `fileSize` bytes at `path` holding `lines`, written one by one through an
/// `AgoricWriter`, which is returned (its `file` is what was written).
@discardableResult
public func writeAgoricFile(_ path: String, fileSize: Int, lines: [String]) throws -> AgoricWriter {
    var writer = AgoricWriter(fileSize: fileSize)
    for line in lines { writer.write(line) }
    try writeFile(path, writer.file)
    return writer
}

/// `value` as 8 big-endian bytes.
public func bigEndian(_ value: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
}

/// A deliver record numbered `number`, with `padding` bytes of body.
public func numberedRecord(_ number: Int, padding: Int = 0) -> String {
    #"{"type":"deliver","crankNum":\#(number),"body":"\#(String(repeating: "x", count: padding))"}"#
}

/// An Agoric file laid out by hand: the header, then `records` back to back from arena offset
/// `at` (each a length prefix and `"\n"` + JSON), wrapping at the arena end.
public func agoricFile(arenaSize: Int, circStart: Int, circEnd: Int, records: [String] = [], at start: Int = 0) -> [UInt8] {
    var file = bigEndian(0x4147_2D53_4C4F_4721) + bigEndian(UInt64(arenaSize)) + bigEndian(UInt64(circStart))
        + bigEndian(UInt64(circEnd)) + [UInt8](repeating: 0, count: arenaSize)
    var position = start
    for json in records {
        let data = Array(("\n" + json).utf8)
        for byte in bigEndian(UInt64(data.count)) + data {
            file[32 + position % arenaSize] = byte
            position += 1
        }
    }
    return file
}

/// Agoric's readCircBuf on a whole file (32-byte header, then an `arena`-byte arena whose live
/// range is `start..<end`, wrapping): `count` bytes at arena offset `from` (taken modulo the
/// arena), or nil if `from` is outside the live range.
func agoricReadCircBuf(_ file: [UInt8], arena: Int, start: Int, end: Int, count: Int, at from: Int) -> [UInt8]? {
    let readStart = from % arena
    var first = count
    if start > end {
        first = min(first, arena - readStart)
        if readStart >= end && readStart < start { return nil }
    } else if readStart < start || readStart >= end {
        return nil
    }
    var out = Array(file[32 + readStart..<32 + readStart + first])
    if first < count { out += file[32..<32 + count - first] }
    return out
}

/// Bytes one record takes in an Agoric arena.
public func agoricSize(_ json: String) -> Int { 8 + 1 + json.utf8.count }

/// What Agoric's own reader (frcat: `readCircBuf` from circStart until it says done) returns
/// from `file`: `nil` when it refuses the file (its size is not the arena's plus 32).
public func agoricReaderRecords(_ file: [UInt8]) -> [String]? {
    func word(_ offset: Int) -> Int { Int(file[offset..<offset + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }) }
    let arena = word(8)
    let start = word(16)
    let end = word(24)
    guard file.count == arena + 32 else { return nil }
    func read(_ count: Int, at offset: Int) -> [UInt8]? {
        agoricReadCircBuf(file, arena: arena, start: start, end: end, count: count, at: start + offset)
    }
    var records: [String] = []
    var offset = 0
    while let prefix = read(8, at: offset) {
        let length = Int(prefix.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        guard offset + 8 + length <= arena, let data = read(length, at: offset + 8) else { break }
        records.append(String(decoding: data.drop { $0 == 0x0A }, as: UTF8.self))
        offset += 8 + length
    }
    return records
}
