import SlogModel
import SlogRing

/// Reads Agoric's `flight-recorder.bin`, recovering every record whose place in the record
/// chain can be proven, from the broken states real files get into (`docs/FORMAT-agoric.md`).
///
/// Positions below are *linear*: position 0 is the header's `circEnd` and the arena is walked
/// forward from there, wrapping at its end, so the whole arena is one stretch `0..<arenaSize`:
///
/// ```
///  linear 0 (circEnd)        gapLength (circStart)                  arenaSize (circEnd again)
///  | gap: not in the header's range | live: oldest record ... newest record |
/// ```
///
/// Steps:
/// 1. The live stretch is walked record by record from `circStart`. A record is valid when its
///    length fits before `circEnd` and its data is a newline followed by one JSON object with no
///    other newline (JSON text never holds a raw newline), or Agoric's own
///    `{"type":"slog-record-too-big",...}` replacement.
/// 2. At a record that is not valid (a garbage length after a crash mid-write, zeros, a file
///    cut short), the reader looks for the earliest later record from which a chain of valid
///    records ends *exactly* at `circEnd`, reports the bytes in between as one damaged region,
///    and goes on from there.
/// 3. Before that, the gap is searched the same way for a chain ending exactly at `circStart`:
///    records left from before a "full ring read as empty" reset, which are older than the
///    live ones and which Agoric's own reader no longer shows. They are returned first, after
///    a notice.
/// 4. `circStart == circEnd` is read as a full arena (Agoric's reader says empty) unless the
///    length prefix at `circStart` is zero (a file never written).
/// 5. A record crossing the arena's end in a file longer than `arenaSize + 32` may have been
///    written past the end, unsplit; it is read from there when the split reading is not a
///    valid record (or not well-formed JSON) and the unsplit one is.
///
/// Bounds: every length is checked against the bytes left in its stretch and in the file before
/// anything is allocated, so memory stays below the file's size; search work is limited to
/// eight times the arena plus 1 MiB (`scanBudgetExhausted` past that), so hostile files end.
package final class AgoricSource: SlogSource {
    package let path: String
    package var format: SlogFormat { .agoric }
    /// The header as read.
    package let header: AgoricHeader
    package let fileSize: Int
    /// The arena size records are read with: the header's, or the file's when the header's is
    /// impossible.
    package let arenaSize: Int
    /// Bytes of the live stretch (`circStart` to `circEnd`; for `circStart == circEnd`, as the
    /// ambiguity was resolved once reading began).
    package private(set) var liveLength: Int
    /// Whether `circStart == circEnd` was read as a full arena (known once reading began).
    package private(set) var readFullWhenStartEqualsEnd: Bool
    /// Whether there is a record at `circStart == circEnd` (full, or a writer that died).
    private var recordAtStartEqualsEnd = false
    /// Whether the header's positions are unusable, so records are salvaged in arena order.
    package let isSalvaging: Bool
    /// Records recovered from before `circStart` (known once reading got past them).
    package private(set) var recoveredBeforeStart = 0

    private var bytes: CachedFileBytes
    /// Physical arena offset of linear position 0.
    private let origin: Int
    /// Arena bytes present in the file (a truncated file has fewer than `arenaSize`).
    private let availableArena: Int
    private var record: [UInt8] = []
    private var current: Range<Int> = 0..<0
    private var pending: [SlogEvent] = []
    private var planned = false
    private var segments: [Segment] = []
    private var cursor = 0
    private var budget: Int

    private struct Segment {
        var start: Int
        var end: Int
        /// What the end is called in messages (`circEnd`, `circStart`, `the arena end`).
        var endName: String
        /// Salvage: records are taken wherever one validates, without proof of their order.
        var salvage = false
    }

    private enum Check {
        case valid(length: Int, payload: Range<Int>, unsplit: Bool)
        case invalid(String)
        case missing(String)
    }

    /// Reads the Agoric file `file` (whose first 8 bytes were already seen to be `AG-SLOG!`).
    /// - Throws: `.tooShort` (no complete header), `.cannotOpen` (the header cannot be read).
    package init(file: InputFile) throws(SlogInputError) {
        path = file.path
        let size: Int
        let headerBytes: [UInt8]
        do {
            size = try file.size()
            headerBytes = try file.bytes(at: 0, count: AgoricHeader.size)
        } catch {
            throw .cannotOpen(path: file.path, error)
        }
        guard let header = AgoricHeader.decode(headerBytes) else {
            if headerBytes.count < AgoricHeader.size {
                throw .tooShort(path: file.path, format: .agoric, size: size, needed: AgoricHeader.size)
            }
            throw .notAgoric(path: file.path, found: SlogSources.hexText(headerBytes))
        }
        self.header = header
        fileSize = size
        var reader = CachedFileBytes(file: file, fileSize: size)
        var problems: [SlogProblem] = []
        let name = file.path == "-" ? "standard input" : file.path
        // An arena must hold at least one record (8-byte length, "\n{}"); more than 2^48 bytes
        // is not a flight recorder but garbage.
        let headerArena = header.arenaSize
        let arena: Int
        if headerArena < 11 || headerArena > 1 << 48 {
            arena = max(0, size - AgoricHeader.size)
            isSalvaging = true
            problems.append(SlogProblem(
                file: name, fileOffset: 8,
                cause: .headerDamaged("arenaSize \(headerArena) is impossible; records salvaged in file order from the file's \(arena) arena bytes")))
        } else if header.circStart >= headerArena || header.circEnd >= headerArena {
            arena = Int(headerArena)
            isSalvaging = true
            problems.append(SlogProblem(
                file: name, fileOffset: 16,
                cause: .headerDamaged("circStart \(header.circStart) or circEnd \(header.circEnd) is outside the \(headerArena)-byte arena; records salvaged in arena order, which may differ from write order where the ring wrapped")))
        } else {
            arena = Int(headerArena)
            isSalvaging = false
        }
        arenaSize = arena
        availableArena = min(arena, max(0, size - AgoricHeader.size))
        budget = 8 * arena + (1 << 20)
        if !isSalvaging && size > AgoricHeader.size + arena {
            problems.append(SlogProblem(
                file: name, fileOffset: AgoricHeader.size + arena, byteCount: size - AgoricHeader.size - arena,
                cause: .beyondArena(arenaEnd: AgoricHeader.size + arena, fileSize: size)))
        }
        if isSalvaging {
            origin = 0
            liveLength = 0
            readFullWhenStartEqualsEnd = false
        } else {
            let start = Int(header.circStart)
            let end = Int(header.circEnd)
            origin = end
            if start == end {
                // Full or empty: Agoric's writer never writes a zero length, so a non-zero
                // prefix at circStart means records fill the arena.
                var prefix = [UInt8](repeating: 0, count: 8)
                let present = unsafe prefix.withUnsafeMutableBytes {
                    unsafe Self.readWrapped(&reader, physical: start, count: 8, arenaSize: arena, into: $0.baseAddress!)
                }
                // Decided in plan(): full only if the records from there fill the arena exactly.
                recordAtStartEqualsEnd = present && prefix.contains { $0 != 0 }
                readFullWhenStartEqualsEnd = false
                liveLength = 0
            } else {
                readFullWhenStartEqualsEnd = false
                liveLength = (end - start + arena) % arena
            }
        }
        bytes = reader
        pending = problems.map { .problem($0) }
    }

    // MARK: SlogSource

    package var isFinished: Bool { true }

    package var status: SlogSourceStatus {
        var status = SlogSourceStatus(format: .agoric, formatDescription: SlogFormat.agoric.displayName)
        status.fileSize = fileSize
        status.capacity = arenaSize
        status.bytesUsed = isSalvaging ? nil : liveLength
        status.details = [
            ("arenaSize", Int(clamping: header.arenaSize)), ("circStart", Int(clamping: header.circStart)),
            ("circEnd", Int(clamping: header.circEnd)),
        ]
        if !isSalvaging && header.circStart == header.circEnd {
            if !planned { plan() }
            status.bytesUsed = liveLength
            status.remarks.append(
                readFullWhenStartEqualsEnd
                    ? "circStart == circEnd and the records there fill the arena: read as full (Agoric's reader shows it as empty)"
                    : recordAtStartEqualsEnd
                        ? "circStart == circEnd, but the records there do not fill the arena: read as empty, plus what could be proven"
                        : "circStart == circEnd and no record there: empty")
        }
        if fileSize > AgoricHeader.size + arenaSize {
            status.remarks.append("file is \(fileSize - AgoricHeader.size - arenaSize) bytes longer than its arena (Agoric's reader refuses it)")
        } else if fileSize < AgoricHeader.size + arenaSize {
            status.remarks.append("file is \(AgoricHeader.size + arenaSize - fileSize) bytes shorter than its arena (truncated)")
        }
        return status
    }

    package func withRecordBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        unsafe try record.withUnsafeBytes { unsafe try body(UnsafeRawBufferPointer(rebasing: $0[current])) }
    }

    package func next() -> SlogEvent? {
        if !planned { plan() }
        while true {
            if !pending.isEmpty { return pending.removeFirst() }
            guard let segment = segments.first else { return nil }
            if cursor >= segment.end {
                segments.removeFirst()
                cursor = segments.first?.start ?? cursor
                continue
            }
            let start = cursor
            switch check(at: start, limit: segment.end, endName: segment.endName) {
            case .valid(let length, let payload, let unsplit):
                cursor += AgoricHeader.lengthPrefixSize + length
                current = payload
                let event = SlogEvent.record(SlogRecord(fileOffset: fileOffset(start), length: payload.count))
                guard unsplit else { return event }
                pending.append(event)
                return .problem(SlogProblem(
                    file: displayName, fileOffset: fileOffset(start),
                    cause: .recovered("record written past the arena end, unsplit, by the writer (after a full ring read as empty); read from there")))
            case .invalid(let why):
                if let event = skipDamage(at: start, in: segment, cause: .damaged(why)) { return event }
            case .missing:
                let cause = bytes.readError.map { SlogProblem.Cause.readFailed($0) } ?? .beyondEndOfFile(fileSize: fileSize)
                if let event = skipDamage(at: start, in: segment, cause: cause) { return event }
            }
        }
    }

    /// Hands the valid records from the cursor to `body` straight from the read cache, as long
    /// as each lies whole in one stretch of cached arena bytes and is an ordinary record
    /// (newline, one JSON object, no other newline). Anything else (a record crossing the arena
    /// end or a cache boundary it cannot be moved past, Agoric's too-big replacement, damage,
    /// the end of a segment, pending events) is left to `next()`, which then decides exactly as
    /// it does for every record: a record taken here is one `check` would find valid with the
    /// same bytes (it does not cross the arena end, so it has no unsplit reading), and it is
    /// charged to the search budget the same.
    package func forEachRecord(_ body: (UnsafeRawBufferPointer) -> Void) {
        if !planned { plan() }
        let prefixSize = AgoricHeader.lengthPrefixSize
        while pending.isEmpty, let segment = segments.first, cursor < segment.end {
            let physical = self.physical(cursor)
            // Contiguous cached bytes from the cursor: not past the segment, the arena's end,
            // the file, or one cache load.
            let span = min(
                segment.end - cursor, arenaSize - physical, availableArena - physical, CachedFileBytes.chunkSize)
            guard span >= prefixSize + 3 else { return }
            var consumed = 0
            var spent = 0
            let read: Void? = unsafe bytes.withBytes(at: AgoricHeader.size + physical, count: span) { chunk in
                guard let base = chunk.baseAddress else { return }
                var at = 0
                while chunk.count - at >= prefixSize + 3 {
                    let length = unsafe UInt64(bigEndian: base.loadUnaligned(fromByteOffset: at, as: UInt64.self))
                    guard length >= 3, length <= UInt64(chunk.count - at - prefixSize) else { break }
                    let count = Int(length)
                    let data = unsafe base + at + prefixSize
                    guard unsafe data.load(as: UInt8.self) == 0x0A, unsafe data.load(fromByteOffset: 1, as: UInt8.self) == 0x7B,
                        unsafe data.load(fromByteOffset: count - 1, as: UInt8.self) == 0x7D
                    else { break }
                    let payload = unsafe UnsafeRawBufferPointer(start: data + 1, count: count - 1)
                    guard unsafe system_findByte(0x0A, in: payload) == nil else { break }
                    unsafe body(payload)
                    spent += 3 + count
                    at += prefixSize + count
                }
                consumed = at
            }
            budget -= spent
            cursor += consumed
            // Nothing taken: the record at the cursor is for next() (or the bytes could not be read).
            if read == nil || consumed == 0 { return }
        }
    }

    /// Moves past the invalid record at `start` to the next record that can be proven (or, when
    /// salvaging, the next valid one) and describes what was skipped (`nil`: nothing to say).
    private func skipDamage(at start: Int, in segment: Segment, cause: SlogProblem.Cause) -> SlogEvent? {
        if segment.salvage {
            // The header gives no order to prove anything against: skipped bytes are not damage.
            cursor = nextValidRecord(after: start, limit: segment.end) ?? segment.end
            return budget <= 0 ? budgetProblem(at: cursor, end: segment.end) : nil
        }
        let resume = findChainStart(from: start + 1, target: segment.end)
        cursor = resume?.start ?? segment.end
        if budget <= 0 && resume == nil { pending.append(budgetProblem(at: cursor, end: segment.end)) }
        return .problem(SlogProblem(file: displayName, fileOffset: fileOffset(start), byteCount: cursor - start, cause: cause))
    }

    // MARK: Planning

    /// Decides what to read: the gap chain ending at circStart (if any), then the live stretch.
    private func plan() {
        planned = true
        if isSalvaging {
            segments = [Segment(start: 0, end: arenaSize, endName: "the arena end", salvage: true)]
            cursor = 0
            return
        }
        if recordAtStartEqualsEnd {
            if chainReaches(from: 0, target: arenaSize) {
                readFullWhenStartEqualsEnd = true
                liveLength = arenaSize
            }
        }
        let gapLength = arenaSize - liveLength
        // The search starts after circEnd: a record starting exactly there may be one the
        // writer wrote but never published (it died before rewriting the header); it is
        // newer than everything else and must not be taken for the oldest.
        if gapLength > 0, let found = findChainStart(from: 1, target: gapLength) {
            if recordAtStartEqualsEnd && !readFullWhenStartEqualsEnd {
                pending.append(.problem(SlogProblem(
                    file: displayName, fileOffset: fileOffset(0), byteCount: found.start,
                    cause: .damaged("circStart == circEnd, but the records there do not fill the arena (the writer died mid-write after a full ring read as empty, or damage)"))))
            }
            recoveredBeforeStart = found.count
            segments.append(Segment(start: found.start, end: gapLength, endName: "circStart"))
            pending.append(.problem(SlogProblem(
                file: displayName, fileOffset: fileOffset(found.start),
                cause: .recovered("\(found.count) older record\(found.count == 1 ? "" : "s") before circStart, outside the header's range (left when a full ring read as empty), recovered: their chain ends exactly at circStart"))))
        } else if budget <= 0 {
            pending.append(budgetProblem(at: gapLength, end: gapLength))
        } else if recordAtStartEqualsEnd && !readFullWhenStartEqualsEnd {
            pending.append(.problem(SlogProblem(
                file: displayName, fileOffset: fileOffset(0), byteCount: arenaSize,
                cause: .damaged("circStart == circEnd, but the records there do not fill the arena and no chain of records ends at circStart"))))
        }
        if liveLength > 0 {
            segments.append(Segment(start: gapLength, end: arenaSize, endName: "circEnd"))
        }
        cursor = segments.first?.start ?? 0
    }

    private func budgetProblem(at position: Int, end: Int) -> SlogEvent {
        .problem(SlogProblem(
            file: displayName, fileOffset: fileOffset(position), byteCount: max(0, end - position), cause: .scanBudgetExhausted))
    }

    // MARK: Recovery scans

    /// The earliest position in `from..<target` where a chain of valid records starts that ends
    /// exactly at `target`, and how many records it has; `nil` if there is none (or the search
    /// budget ran out).
    ///
    /// Candidates are the positions 8 bytes before a newline (a record's data starts with one,
    /// and none occurs inside valid data). When the chain from a candidate breaks at position
    /// `f`, every candidate before `f` lies on that chain or inside a length prefix of it, so
    /// the search goes on after `f`: each byte is examined a bounded number of times.
    private func findChainStart(from: Int, target: Int) -> (start: Int, count: Int)? {
        var search = from
        while search < target, budget > 0,
            let newline = nextNewline(from: search + AgoricHeader.lengthPrefixSize, before: target)
        {
            let candidate = newline - AgoricHeader.lengthPrefixSize
            var position = candidate
            var count = 0
            while position < target, budget > 0,
                case .valid(let length, _, _) = check(at: position, limit: target, endName: "")
            {
                position += AgoricHeader.lengthPrefixSize + length
                count += 1
            }
            if position == target { return (candidate, count) }
            search = position + 1
        }
        return nil
    }

    /// The next position after `position` where a valid record starts (salvage).
    private func nextValidRecord(after position: Int, limit: Int) -> Int? {
        var search = position + 1
        while search < limit, budget > 0,
            let newline = nextNewline(from: search + AgoricHeader.lengthPrefixSize, before: limit)
        {
            let candidate = newline - AgoricHeader.lengthPrefixSize
            if case .valid = check(at: candidate, limit: limit, endName: "") { return candidate }
            search = candidate + 1
        }
        return nil
    }

    /// The linear position of the first newline byte in `from..<end`, skipping bytes the file
    /// does not have.
    private func nextNewline(from: Int, before end: Int) -> Int? {
        var position = from
        var nextHoleCheck = position
        while position < end {
            let physical = self.physical(position)
            var piece = min(end - position, arenaSize - physical)
            if physical >= availableArena {
                position += piece
                continue
            }
            if position >= nextHoleCheck {
                // Holes hold no newline: jump over them, as ring readers do (a sparse file whose
                // header claims a 256 GB arena was read zero by zero for a minute, issue 15).
                let offset = AgoricHeader.size + physical
                let data = bytes.file.nextData(from: offset) ?? (AgoricHeader.size + availableArena)
                let hole = min(max(0, data - offset), piece)
                nextHoleCheck = position + hole + CachedFileBytes.chunkSize
                if hole > 0 {
                    position += hole
                    continue
                }
            }
            piece = min(piece, availableArena - physical, CachedFileBytes.chunkSize)
            budget -= piece / 8
            let found = unsafe bytes.withBytes(at: AgoricHeader.size + physical, count: piece) { unsafe system_findByte(0x0A, in: $0) }
            guard let found else { return nil }  // a read error: nothing more can be found
            if let index = found { return position + index }
            position += piece
        }
        return nil
    }

    // MARK: Records

    /// Whether a valid record starts at linear `position` and ends at or before `limit`.
    ///
    /// A valid record is left in `record` (its payload range is returned). In a file longer than
    /// its arena, a record crossing the arena end has two readings: split (the format) and
    /// unsplit (what the writer does after a full ring read as empty). When both are valid
    /// records, the one whose chain goes on to end exactly at `limit` wins; the split one if
    /// both or neither do.
    private func check(at position: Int, limit: Int, endName: String, disambiguate: Bool = true) -> Check {
        let room = limit - position
        let minimum = AgoricHeader.lengthPrefixSize + 3  // "\n{}"
        guard room >= minimum else {
            return .invalid("\(room) byte\(room == 1 ? "" : "s") left before \(endName) cannot hold a record")
        }
        let physical = self.physical(position)
        guard fileSize > AgoricHeader.size + arenaSize, !isSalvaging else {
            return attempt(physical: physical, room: room, unsplit: false, endName: endName)
        }
        // The file grew past its arena: a record crossing the arena end may sit past it, unsplit.
        // Only such a record has two readings (the length prefix is shared unless it crosses).
        let prefixSize = AgoricHeader.lengthPrefixSize
        var crosses = physical + prefixSize > arenaSize
        if !crosses {
            var prefix: UInt64 = 0
            let present = unsafe withUnsafeMutableBytes(of: &prefix) {
                unsafe read(physical: physical, count: prefixSize, unsplit: false, into: $0.baseAddress!)
            }
            crosses = present && UInt64(bigEndian: prefix) > UInt64(arenaSize - physical - prefixSize)
        }
        guard crosses else { return attempt(physical: physical, room: room, unsplit: false, endName: endName) }
        let unsplit = attempt(physical: physical, room: room, unsplit: true, endName: endName)
        let usual = attempt(physical: physical, room: room, unsplit: false, endName: endName)
        guard case .valid(let unsplitLength, _, _) = unsplit, physical + prefixSize + unsplitLength > arenaSize
        else { return usual }  // the record at hand (if any) is the split one
        guard case .valid(let usualLength, _, _) = usual else {
            return attempt(physical: physical, room: room, unsplit: true, endName: endName)
        }
        if disambiguate {
            if chainReaches(from: position + prefixSize + unsplitLength, target: limit)
                && !chainReaches(from: position + prefixSize + usualLength, target: limit)
            {
                return attempt(physical: physical, room: room, unsplit: true, endName: endName)
            }
            return attempt(physical: physical, room: room, unsplit: false, endName: endName)
        }
        return usual
    }

    /// Whether the chain of valid records from `position` ends exactly at `target`.
    private func chainReaches(from position: Int, target: Int) -> Bool {
        var position = position
        while position < target, budget > 0,
            case .valid(let length, _, _) = check(at: position, limit: target, endName: "", disambiguate: false)
        {
            position += AgoricHeader.lengthPrefixSize + length
        }
        return position == target
    }

    /// Reads and validates the record at `physical`, wrapping at the arena end (`unsplit`
    /// false) or reading straight on into the bytes past the arena (`unsplit` true).
    private func attempt(physical: Int, room: Int, unsplit: Bool, endName: String) -> Check {
        let prefixSize = AgoricHeader.lengthPrefixSize
        var prefix: UInt64 = 0
        let prefixPresent = unsafe withUnsafeMutableBytes(of: &prefix) { buffer in
            unsafe read(physical: physical, count: prefixSize, unsplit: unsplit, into: buffer.baseAddress!)
        }
        guard prefixPresent else {
            return .missing("length prefix lies beyond the end of the file (\(fileSize) bytes)")
        }
        let length = UInt64(bigEndian: prefix)
        if length == 0 { return .invalid("length prefix is 0 (bytes never written)") }
        guard length >= 3, length <= UInt64(room - prefixSize) else {
            return .invalid("length prefix \(length) does not fit in the \(room - prefixSize) bytes left before \(endName)")
        }
        let count = Int(length)
        let dataStart = physical + prefixSize
        guard present(physical: dataStart, count: count, unsplit: unsplit) else {
            return .missing("record of \(count) bytes extends beyond the end of the file (\(fileSize) bytes)")
        }
        budget -= 3
        // Cheap checks first: the first two bytes and the last one.
        var head: (UInt8, UInt8) = (0, 0)
        var last: UInt8 = 0
        _ = unsafe withUnsafeMutableBytes(of: &head) { unsafe read(physical: dataStart, count: 2, unsplit: unsplit, into: $0.baseAddress!) }
        _ = unsafe withUnsafeMutableBytes(of: &last) { unsafe read(physical: dataStart + count - 1, count: 1, unsplit: unsplit, into: $0.baseAddress!) }
        let newlineFirst = head.0 == 0x0A
        guard newlineFirst ? head.1 == 0x7B : head.0 == 0x7B else {
            return .invalid("record data does not start with a newline and '{'")
        }
        guard last == 0x7D else { return .invalid("record data does not end with '}'") }
        // The whole data: one JSON object, no newline but the first byte.
        budget -= count
        if record.count < count { record = [UInt8](repeating: 0, count: max(count, min(2 * record.count, arenaSize))) }
        let complete = unsafe record.withUnsafeMutableBytes {
            unsafe read(physical: dataStart, count: count, unsplit: unsplit, into: $0.baseAddress!)
        }
        guard complete else {
            return .missing("record of \(count) bytes could not be read (\(bytes.readError.map { "\($0)" } ?? "short read"))")
        }
        let payload = newlineFirst ? 1..<count : 0..<count
        let newline = unsafe record.withUnsafeBytes { unsafe system_findByte(0x0A, in: UnsafeRawBufferPointer(rebasing: $0[..<count]), from: payload.lowerBound) }
        if let newline {
            return .invalid("record data holds a newline at byte \(newline) of \(count) (records are one line of JSON)")
        }
        if !newlineFirst {
            // Only Agoric's replacement for a too-large record has no leading newline.
            let marker = Array(#"{"type":"slog-record-too-big""#.utf8)
            guard count >= marker.count, record[0..<marker.count].elementsEqual(marker) else {
                return .invalid("record data does not start with a newline")
            }
        }
        return .valid(length: count, payload: payload, unsplit: unsplit)
    }

    /// Whether `count` bytes from `physical` are all in the file.
    private func present(physical: Int, count: Int, unsplit: Bool) -> Bool {
        if unsplit { return AgoricHeader.size + physical + count <= fileSize }
        let start = physical % arenaSize
        let first = min(count, arenaSize - start)
        guard start + first <= availableArena else { return false }
        return count - first <= availableArena
    }

    /// Copies `count` bytes from arena offset `physical` (wrapping, or straight on if
    /// `unsplit`) into `destination`; false if any is missing.
    private func read(physical: Int, count: Int, unsplit: Bool, into destination: UnsafeMutableRawPointer) -> Bool {
        if unsplit { return unsafe bytes.copy(at: AgoricHeader.size + physical, count: count, into: destination) }
        guard present(physical: physical, count: count, unsplit: false) else { return false }
        return unsafe Self.readWrapped(&bytes, physical: physical, count: count, arenaSize: arenaSize, into: destination)
    }

    private static func readWrapped(
        _ bytes: inout CachedFileBytes, physical: Int, count: Int, arenaSize: Int, into destination: UnsafeMutableRawPointer
    ) -> Bool {
        let start = physical % arenaSize
        let first = min(count, arenaSize - start)
        guard unsafe bytes.copy(at: AgoricHeader.size + start, count: first, into: destination) else { return false }
        return unsafe first == count || bytes.copy(at: AgoricHeader.size, count: count - first, into: destination + first)
    }

    private func physical(_ position: Int) -> Int {
        (origin + position) % max(1, arenaSize)
    }

    /// File offset of linear `position`.
    private func fileOffset(_ position: Int) -> Int {
        AgoricHeader.size + physical(position)
    }
}
