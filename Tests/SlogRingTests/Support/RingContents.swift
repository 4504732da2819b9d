import SlogRing

/// Everything a reader returned from one pass over a ring.
struct RingContents {
    var records: [(info: RecordInfo, bytes: [UInt8])] = []
    var issues: [ReadIssue] = []
    var sequences: [UInt64] { records.map(\.info.sequence) }
    var strings: [String] { records.map { String(decoding: $0.bytes, as: UTF8.self) } }
}

/// Opens `path` with the real `RingReader` and reads until it is caught up.
func readRing(_ path: String) throws -> RingContents {
    var reader = try RingReader.open(path: path)
    return drain(&reader)
}

/// Reads `reader` until it is caught up.
func drain(_ reader: inout RingReader) -> RingContents {
    var contents = RingContents()
    while let event = reader.next() {
        switch event {
        case .record(let info): contents.records.append((info, reader.recordBytes))
        case .skipped(let issue): contents.issues.append(issue)
        }
    }
    return contents
}

/// A deterministic payload for `sequence`, `length` bytes long, so any returned record can be
/// checked against what was written without keeping a copy.
func payload(for sequence: UInt64, length: Int) -> [UInt8] {
    var state = sequence &* 0x9E37_79B9_7F4A_7C15 &+ 1
    return (0..<length).map { _ in
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}

/// The error `body` throws, or `nil` if it returns (its result is discarded: closed by deinit).
func caughtError<T: ~Copyable>(_ body: () throws(SlogRingError) -> T) -> SlogRingError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}
