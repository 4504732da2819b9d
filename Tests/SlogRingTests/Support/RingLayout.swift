/// An independent model of a ring's data region, built from the FORMAT rules alone (never from
/// `RingWriter`'s code), used as the oracle for wrap-around and salvage tests.
///
/// Rules it encodes:
/// - A frame takes `24 + payload rounded up to 8` bytes.
/// - A frame that does not fit before the end of the region starts at offset 0 of the next lap;
///   the rest of the region is a padding frame (only its 24-byte header is written) when at
///   least 24 bytes remain, or an implicit 8/16-byte gap (nothing written) otherwise.
/// - `write - oldest <= capacity`, the oldest position is always a boundary (the start of a
///   frame, a padding frame, an implicit gap, or the write position), and the writer evicts as
///   little as possible: after an append the oldest position is the first boundary at or after
///   `write - capacity` (or stays where it was when that is further on).
/// - Only the frame header and the payload are written; the alignment bytes after a payload
///   and the body of a padding frame keep whatever an earlier lap left there. A frame
///   validates on its own as long as none of its written bytes has been overwritten since.
struct RingLayout {
    /// One frame the model wrote: a record or a padding frame.
    struct Frame: Equatable {
        var isPadding: Bool
        /// The record's sequence number (unused for padding).
        var sequence: UInt64
        var position: UInt64
        /// Payload bytes (for padding: the bytes after the header up to the region end).
        var payloadLength: Int
        /// Bytes the frame occupies.
        var frameSize: Int
        /// Bytes actually written at `position`: header plus payload (header only for padding).
        var writtenBytes: Int { isPadding ? RingLayout.frameHeaderSize : RingLayout.frameHeaderSize + payloadLength }
    }

    static let frameHeaderSize = 24
    static let headerSize = 4096

    let capacity: Int
    let startPosition: UInt64
    private(set) var write: UInt64
    private(set) var oldest: UInt64
    private(set) var nextSequence: UInt64
    /// Every frame written, in write order (records and padding frames).
    private(set) var frames: [Frame] = []
    /// Starts of every frame, padding frame and implicit gap, in increasing order.
    private var boundaries: [UInt64] = []
    /// For each byte of the data region, the index in `frames` of the frame that wrote it last
    /// (-1: never written, still zero from creation).
    private var owner: [Int]

    init(capacity: Int, startPosition: UInt64 = 0, firstSequence: UInt64 = 0) {
        self.capacity = capacity
        self.startPosition = startPosition
        self.write = startPosition
        self.oldest = startPosition
        self.nextSequence = firstSequence
        self.owner = Array(repeating: -1, count: capacity)
    }

    static func frameSize(payloadLength: Int) -> Int { frameHeaderSize + (payloadLength + 7) / 8 * 8 }

    var maximumPayloadLength: Int { capacity - Self.frameHeaderSize }
    /// Bytes not used by readable frames.
    var freeSpace: Int { capacity - Int(write - oldest) }
    /// Bytes from the write position to the end of the region.
    var roomBeforeRegionEnd: Int { capacity - Int(write % UInt64(capacity)) }

    /// Every record appended, oldest first (including evicted ones).
    var appendedRecords: [Frame] { frames.filter { !$0.isPadding } }
    /// The records a reader must return: every record at or after the oldest position.
    var liveRecords: [Frame] { appendedRecords.filter { $0.position >= oldest } }

    func fileOffset(of position: UInt64) -> Int { Self.headerSize + Int(position % UInt64(capacity)) }

    /// Appends a record; returns its sequence number.
    @discardableResult
    mutating func append(payloadLength: Int) -> UInt64 {
        let size = Self.frameSize(payloadLength: payloadLength)
        precondition(size <= capacity, "the model only takes records that fit")
        var start = write
        let room = roomBeforeRegionEnd
        if size > room {
            boundaries.append(write)
            if room >= Self.frameHeaderSize {
                record(Frame(isPadding: true, sequence: 0, position: write, payloadLength: room - Self.frameHeaderSize, frameSize: room))
            }
            start = write + UInt64(room)
        }
        let sequence = nextSequence
        nextSequence += 1
        boundaries.append(start)
        record(Frame(isPadding: false, sequence: sequence, position: start, payloadLength: payloadLength, frameSize: size))
        write = start + UInt64(size)
        if write >= UInt64(capacity), write - UInt64(capacity) > oldest {
            let target = write - UInt64(capacity)
            oldest = boundaries.first { $0 >= target } ?? write
        }
        return sequence
    }

    private mutating func record(_ frame: Frame) {
        let index = frames.count
        frames.append(frame)
        let offset = Int(frame.position % UInt64(capacity))
        for byte in offset..<(offset + frame.writtenBytes) { owner[byte] = index }
    }

    /// Whether every byte `frames[index]` wrote is still as it wrote it.
    private func isIntact(_ index: Int) -> Bool {
        let frame = frames[index]
        let offset = Int(frame.position % UInt64(capacity))
        return owner[offset..<(offset + frame.writtenBytes)].allSatisfy { $0 == index }
    }

    /// What a salvage scan of the whole region must find: walking offsets from 0, a frame
    /// that is intact is taken (records are collected) and skipped whole; anything else
    /// advances 8 bytes. The result is sorted by sequence, stale records from earlier laps
    /// included.
    func salvageExpectation() -> [Frame] {
        var found: [Frame] = []
        var offset = 0
        while offset + Self.frameHeaderSize <= capacity {
            let index = owner[offset]
            if index >= 0, Int(frames[index].position % UInt64(capacity)) == offset, isIntact(index) {
                if !frames[index].isPadding { found.append(frames[index]) }
                offset += frames[index].frameSize
            } else {
                offset += 8
            }
        }
        return found.sorted { $0.sequence < $1.sequence }
    }

    /// The payload length `choice` stands for in the current state, or `nil` where it does not
    /// apply (for example "leave 24 bytes" when fewer than 48 remain).
    func payloadLength(for choice: PayloadChoice) -> Int? {
        func payload(forFrame size: Int, shortenBy slack: Int) -> Int? {
            guard size >= Self.frameHeaderSize else { return nil }
            let exact = size - Self.frameHeaderSize
            // Shortening by less than 8 keeps the frame size: exercises the alignment padding.
            return exact >= 8 ? exact - slack : exact
        }
        switch choice {
        case .empty: return 0
        case .leaving0: return payload(forFrame: roomBeforeRegionEnd, shortenBy: 0)
        case .leaving8: return payload(forFrame: roomBeforeRegionEnd - 8, shortenBy: 3)
        case .leaving16: return payload(forFrame: roomBeforeRegionEnd - 16, shortenBy: 0)
        case .leaving24: return payload(forFrame: roomBeforeRegionEnd - 24, shortenBy: 7)
        case .fillingFreeSpace: return payload(forFrame: freeSpace, shortenBy: 1)
        case .maximum: return maximumPayloadLength
        }
    }
}

/// A payload size described by the layout it produces rather than by a number.
enum PayloadChoice: String, CaseIterable, CustomStringConvertible {
    /// A zero-byte payload (a bare 24-byte frame).
    case empty
    /// A frame that ends exactly at the end of the data region.
    case leaving0
    /// A frame that leaves 8 bytes before the region end (the next frame skips an implicit gap).
    case leaving8
    /// A frame that leaves 16 bytes (implicit gap).
    case leaving16
    /// A frame that leaves 24 bytes (room for exactly a padding frame header).
    case leaving24
    /// A frame exactly as large as the free space (`capacity - (write - oldest)`).
    case fillingFreeSpace
    /// `capacity - 24`: a frame that fills the whole region.
    case maximum

    var description: String { rawValue }
}

/// One layout for `withEveryRingLayout`: a ring of `capacity` bytes whose positions start at
/// `startPosition`, and the payload lengths to append in order.
struct RingLayoutCase: CustomStringConvertible {
    var capacity: Int
    var startPosition: UInt64
    var firstSequence: UInt64
    var payloadLengths: [Int]
    var choices: [PayloadChoice]
    /// A running number, unique within one `withEveryRingLayout` call.
    var index: Int

    /// The model after appending `payloadLengths.prefix(count)`.
    func model(afterAppending count: Int) -> RingLayout {
        var model = RingLayout(capacity: capacity, startPosition: startPosition, firstSequence: firstSequence)
        for length in payloadLengths.prefix(count) { model.append(payloadLength: length) }
        return model
    }

    var description: String {
        "capacity \(capacity), start \(startPosition), payloads \(payloadLengths) (\(choices.map(\.rawValue).joined(separator: ", ")))"
    }
}

/// Calls `body` for every ring layout reachable on tiny rings: every capacity, every start
/// position `0, 8, ..., 2 * capacity - 8` (first and second lap), and every sequence of
/// `sequenceLength` payload lengths drawn from `choices`, where the choices are resolved
/// against the model state before each append and duplicates (two choices naming the same
/// length) are dropped.
///
/// Only sequences of exactly `sequenceLength` are passed: a body that checks after every
/// append covers each shorter sequence as a prefix. The first sequence number varies with the
/// start position so that nothing depends on sequences starting at 0.
func withEveryRingLayout(
    capacities: [Int], sequenceLength: Int = 4, choices: [PayloadChoice] = PayloadChoice.allCases,
    _ body: (RingLayoutCase) throws -> Void
) rethrows {
    var index = 0
    for capacity in capacities {
        for start in stride(from: 0, to: 2 * capacity, by: 8) {
            let first = UInt64(start) * 1_000
            var pending: [(model: RingLayout, lengths: [Int], choices: [PayloadChoice])] = [
                (RingLayout(capacity: capacity, startPosition: UInt64(start), firstSequence: first), [], [])
            ]
            while let (model, lengths, taken) = pending.popLast() {
                if lengths.count == sequenceLength {
                    try body(RingLayoutCase(
                        capacity: capacity, startPosition: UInt64(start), firstSequence: first,
                        payloadLengths: lengths, choices: taken, index: index))
                    index += 1
                    continue
                }
                var seen: Set<Int> = []
                for choice in choices.reversed() {
                    guard let length = model.payloadLength(for: choice), seen.insert(length).inserted else { continue }
                    var next = model
                    next.append(payloadLength: length)
                    pending.append((next, lengths + [length], taken + [choice]))
                }
            }
        }
    }
}
