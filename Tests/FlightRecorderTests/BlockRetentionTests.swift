import TestSupport
import Foundation
import Testing
@testable import FlightRecorder
import SlogModel
import SlogRing

/// Retention per block, read back with the real `RingReader`: strict retention holds exactly the
/// last K committed blocks after every commit (and, mid-block, the open one); the default keeps
/// every block that fits and protects the open one plus the last K committed.
@Suite struct BlockRetentionTests {
    @Test(arguments: [0, 1, 2, 3])
    func afterEveryCommitTheRingHoldsExactlyTheLastKCommittedBlocks(keep: Int) throws {
        try withTemporaryDirectory { dir in
            var configuration = nodeRingConfiguration(in: dir)
            configuration.retention = .onlyLastCommittedBlocks(keep)
            let recorder = try FlightRecorder(configuration: configuration)
            let node = SimulatedNode()
            for height in UInt64(1)...12 {
                let lines = node.block(height)
                for (index, line) in lines.enumerated() {
                    recorder.record(line)
                    if index == lines.count / 2 {
                        // Mid-block: the retained committed blocks plus the open one.
                        let view = try readRing(configuration.path)
                        let retained = (0..<UInt64(keep)).compactMap { height > $0 + 1 ? height - 1 - $0 : nil }.reversed()
                        #expect(view.begunHeights == Array(retained) + [height], "height \(height) mid-block")
                        #expect(view.issues.isEmpty)
                    }
                }
                let view = try readRing(configuration.path)
                let expected = (0..<UInt64(keep)).compactMap { height >= $0 + 1 ? height - $0 : nil }.reversed()
                #expect(view.begunHeights == Array(expected), "after commit of \(height)")
                #expect(view.committedHeights == Array(expected))
                // Nothing of a released block survives: every slog record belongs to a kept one.
                #expect(view.slog.count == expected.count * lines.count)
                if let first = expected.first {
                    #expect(view.slog.first == node.block(first).first)
                }
                #expect(view.slog.last == (expected.isEmpty ? nil : lines.last))
            }
            let statistics = recorder.statistics
            #expect(statistics.blocksBegun == 12 && statistics.blocksCommitted == 12)
            #expect(statistics.lastCommittedHeight == 12 && statistics.openHeight == nil)
            #expect(statistics.droppedRecords == 0 && statistics.lostRecords == 0)
            try recorder.close()
        }
    }

    /// Records blocks 1...`lastHeight` of a node padding bodies by `bodyPadding` into a 64 KiB
    /// ring with `retention` (nil: the default), so the ring fills and the oldest blocks make room; checks that the
    /// ring reads back clean as the newest suffix of everything recorded, more than
    /// `minimumBlocks` blocks of it, with nothing counted as dropped; returns what it holds.
    private func recordPastAFullRing(
        retention: FlightRecorder.Retention? = nil, bodyPadding: Int, lastHeight: UInt64, minimumBlocks: Int
    ) throws -> RingContents {
        try withTemporaryDirectory { dir in
            var configuration = nodeRingConfiguration(in: dir, capacity: 64 << 10)
            if let retention { configuration.retention = retention }
            let recorder = try FlightRecorder(configuration: configuration)
            let node = SimulatedNode(bodyPadding: bodyPadding)
            var all: [String] = []
            for height in UInt64(1)...lastHeight {
                for line in node.block(height) {
                    recorder.record(line)
                    all.append(line)
                }
            }
            let view = try readRing(configuration.path)
            #expect(view.issues.isEmpty)
            // A suffix of everything recorded, as large as fits, ending with the newest record.
            #expect(view.slog.count > minimumBlocks * node.block(1).count)
            #expect(Array(all.suffix(view.slog.count)) == view.slog)
            #expect(recorder.statistics.droppedRecords == 0)
            try recorder.close()
            return view
        }
    }

    @Test func asMuchAsFitsReleasesNothingAndTheRingKeepsTheNewestBlocks() throws {
        let view = try recordPastAFullRing(retention: .asMuchAsFits, bodyPadding: 200, lastHeight: 40, minimumBlocks: 3)
        #expect(view.begunHeights.last == 40 && view.committedHeights.last == 40)
    }

    /// One uncommitted block larger than the whole ring: its oldest records are overwritten,
    /// a drop marker names exactly which sequences, the counter agrees, nothing stalls.
    @Test func uncommittedBlockLargerThanTheRingDropsItsOldestRecordsAndSaysWhich() throws {
        try withTemporaryDirectory { dir in
            var configuration = nodeRingConfiguration(in: dir, capacity: 64 << 10)
            // Only the open block protected: block 1 is free to go (see the next test for
            // protected committed blocks).
            configuration.retention = .keepingWhatFits(protecting: 0)
            let recorder = try FlightRecorder(configuration: configuration)
            let small = SimulatedNode()
            for line in small.block(1) { recorder.record(line) }
            let huge = SimulatedNode(bodyPadding: 1500, cranksPerBlock: 60)
            let lines = huge.block(2)
            for line in lines { recorder.record(line) }
            let statistics = recorder.statistics
            #expect(statistics.droppedRecords > 0)
            #expect(statistics.records == UInt64(small.block(1).count + lines.count))
            let view = try readRing(configuration.path)
            #expect(view.issues.isEmpty)
            let drops = view.markers.compactMap { marker -> (UInt64?, UInt64, UInt64, UInt64)? in
                if case .dropped(let h, let first, let last, let count) = marker { (h, first, last, count) } else { nil }
            }
            #expect(!drops.isEmpty)
            #expect(drops.map(\.3).reduce(0, +) == statistics.droppedRecords)
            for drop in drops {
                #expect(drop.0 == 2)
                #expect(drop.2 - drop.1 + 1 == drop.3)
                // None of the dropped sequences is still readable.
                #expect(!view.sequences.contains { (drop.1...drop.2).contains($0) })
            }
            // What is left is the newest stretch of block 2, gap-free, ending in its commit.
            #expect(view.slog.last == lines.last)
            #expect(Array(lines.suffix(view.slog.count)) == view.slog)
            #expect(view.committedHeights.last == 2)
            if let first = view.sequences.first {
                #expect(view.sequences == Array(first..<(first + UInt64(view.sequences.count))))
            }
            try recorder.close()
        }
    }

    /// The issue's case: a healthy peer with the default configuration, fed 40 blocks of a few
    /// hundred KB into a 64 MiB ring, still holds all 40 (strict retention would hold 2).
    @Test func theDefaultRingOfAHealthyPeerHoldsEveryBlockThatFits() throws {
        try withTemporaryDirectory { dir in
            var configuration = FlightRecorder.Configuration(path: "\(dir)/peer.ring")
            configuration.capacity = 64 << 20
            #expect(configuration.retention == .keepingWhatFits(protecting: 2))
            let recorder = try FlightRecorder(configuration: configuration)
            let node = SimulatedNode(bodyPadding: 7000, cranksPerBlock: 20)
            var bytes = 0
            for height in UInt64(1)...40 {
                for line in node.block(height) {
                    recorder.record(line)
                    bytes += line.utf8.count
                }
            }
            #expect(bytes / 40 > 250_000 && bytes / 40 < 400_000, "\(bytes / 40) bytes per block")
            let view = try readRing(configuration.path)
            #expect(view.issues.isEmpty)
            #expect(view.begunHeights == Array(1...40))
            #expect(view.committedHeights == Array(1...40))
            #expect(recorder.statistics.droppedRecords == 0)
            try recorder.close()
        }
    }

    /// When the ring is full the oldest blocks make room, one record at a time: what stays is
    /// the newest suffix of everything recorded, many more blocks than K, and nothing is counted
    /// as dropped while only unprotected blocks go.
    @Test func aFullRingOverwritesOnlyBlocksOlderThanTheProtectedOnes() throws {
        let view = try recordPastAFullRing(bodyPadding: 300, lastHeight: 60, minimumBlocks: 5)
        #expect(view.committedHeights.last == 60 && view.committedHeights.count > 5)
    }

    /// Protected committed blocks are not overwritten silently: when the open block and the last
    /// K committed ones do not fit together, the records of the committed ones that had to go
    /// are a counted drop with a drop marker naming the oldest block touched.
    @Test func overwritingAProtectedCommittedBlockIsACountedDrop() throws {
        try withTemporaryDirectory { dir in
            var configuration = nodeRingConfiguration(in: dir, capacity: 64 << 10)
            configuration.retention = .keepingWhatFits(protecting: 2)
            let recorder = try FlightRecorder(configuration: configuration)
            // About 28 KB per block: two fit, the third overwrites protected block 1.
            let node = SimulatedNode(bodyPadding: 3000, cranksPerBlock: 4)
            recorder.record(blocks: 1...2, of: node)
            #expect(recorder.statistics.droppedRecords == 0)
            for line in node.block(3) { recorder.record(line) }
            let statistics = recorder.statistics
            #expect(statistics.droppedRecords > 0)
            #expect(statistics.lastError?.contains("outgrew the ring") == true, "\(statistics.lastError ?? "")")
            let view = try readRing(configuration.path)
            let drops = view.markers.compactMap { marker -> (UInt64?, UInt64, UInt64, UInt64)? in
                if case .dropped(let h, let first, let last, let count) = marker { (h, first, last, count) } else { nil }
            }
            #expect(!drops.isEmpty)
            #expect(drops.first?.0 == 1)
            #expect(drops.map(\.3).reduce(0, +) == statistics.droppedRecords)
            for drop in drops { #expect(!view.sequences.contains { (drop.1...drop.2).contains($0) }) }
            try recorder.close()
        }
    }

    /// A reader that falls behind strict retention is told its records were released, not
    /// overwritten (the writer never wrote a whole ring past them); one the writer really
    /// lapped is told so.
    @Test func aReaderBehindStrictRetentionIsToldReleasedNotOverwritten() throws {
        try withTemporaryDirectory { dir in
            var configuration = nodeRingConfiguration(in: dir)
            configuration.retention = .onlyLastCommittedBlocks(0)
            let recorder = try FlightRecorder(configuration: configuration)
            var reader = try RingReader.open(path: configuration.path)
            let node = SimulatedNode()
            let first = node.block(1)
            recorder.record(first[0])
            #expect(drain(&reader).slog == [first[0]])
            for line in first.dropFirst() { recorder.record(line) }
            recorder.record(blocks: 2...5, of: node)
            let view = drain(&reader)
            #expect(!view.issues.isEmpty)
            #expect(view.issues.allSatisfy { $0.reason == .released }, "\(view.issues)")
            #expect(view.issues.allSatisfy { $0.description.contains("released by the recorder's retention") })
            #expect(view.issues.compactMap(\.lostRecords).reduce(0, +) > 0)
            try recorder.close()
        }
    }
}
