import TestSupport
import Foundation
import Glibc
import Testing
@testable import SlogRing

/// `Prefaulting.aheadOfWriter`: the pages ahead of the writer are prefaulted by a thread that
/// follows the write position, ends after one lap, and is joined by `close`.
@Suite struct RingPrefaultTests {
    static let capacity = 48 << 20

    /// Polls `condition` for up to `seconds`.
    private func eventually(_ seconds: Double = 10, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(2000)
        }
        return condition()
    }

    @Test func aheadOfWriterPrefaultsTheFirstPagesThenFollowsTheWriterToTheEndOfTheRing() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var writer = try RingWriter.create(path: path, capacity: Self.capacity, prefaulting: .aheadOfWriter)
            let prefaultedAtOpen = writer.testOnly_prefaultedBytes
            let start = try #require(prefaultedAtOpen)
            #expect(start >= Prefaulter.initialBytes && start < Self.capacity)
            // Nothing written: the thread stops one lookahead past the write position.
            #expect(eventually { writer.testOnly_prefaultedBytes == Prefaulter.lookaheadBytes })
            usleep(100_000)
            let idle = writer.testOnly_prefaultedBytes
            #expect(idle == Prefaulter.lookaheadBytes)
            // Writing moves the prefaulted end along, then past the end of the ring: done.
            let record = [UInt8](repeating: UInt8(ascii: "r"), count: 1000)
            var sequence: UInt64 = 0
            while writer.write.rawValue < UInt64(Self.capacity / 2) { sequence = try writer.append(record) }
            #expect(eventually { (writer.testOnly_prefaultedBytes ?? 0) >= Self.capacity / 2 + Prefaulter.lookaheadBytes })
            while writer.write.rawValue < UInt64(Self.capacity) + 4096 { sequence = try writer.append(record) }
            #expect(eventually { writer.testOnly_prefaultedBytes == Self.capacity })
            try writer.close()
            let contents = try readRing(path)
            #expect(contents.issues.isEmpty)
            #expect(contents.sequences.last == sequence)
            #expect(contents.records.allSatisfy { $0.bytes == record })
        }
    }

    /// The thread waits up to a second between looks at an idle writer; `close` must not.
    @Test func closeStopsTheThreadAtOnceWhileItWaits() throws {
        try withTemporaryDirectory { dir in
            let writer = try RingWriter.create(path: "\(dir)/a.ring", capacity: Self.capacity, prefaulting: .aheadOfWriter)
            #expect(eventually { writer.testOnly_prefaultedBytes == Prefaulter.lookaheadBytes })
            usleep(1_500_000)  // its wait has grown toward a second
            let before = Date()
            try writer.close()
            #expect(Date().timeIntervalSince(before) < 0.5)
        }
    }

    /// Reopened, the writer prefaults from where it goes on writing, and appends continue.
    @Test func aReopenedWriterPrefaultsFromItsWritePositionAndContinues() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var first = try RingWriter.create(path: path, capacity: Self.capacity, prefaulting: .wholeRingAtOpen)
            for i in 0..<100 { _ = try first.append("before \(i)") }
            try first.close()
            var writer = try RingWriter.open(path: path, prefaulting: .aheadOfWriter)
            #expect(eventually { writer.testOnly_prefaultedBytes == Prefaulter.lookaheadBytes })
            for i in 0..<100 { _ = try writer.append("after \(i)") }
            try writer.close()
            let contents = try readRing(path)
            #expect(contents.issues.isEmpty)
            #expect(contents.strings == (0..<100).map { "before \($0)" } + (0..<100).map { "after \($0)" })
        }
    }

    @Test func noThreadForTheWholeRingPolicyNorForARingPrefaultedAtOpenAnyway() throws {
        try withTemporaryDirectory { dir in
            let whole = try RingWriter.create(path: "\(dir)/a.ring", capacity: Self.capacity, prefaulting: .wholeRingAtOpen)
            let wholeThread = whole.testOnly_prefaultedBytes
            #expect(wholeThread == nil)
            try whole.close()
            let small = try RingWriter.create(path: "\(dir)/b.ring", capacity: 1 << 20, prefaulting: .aheadOfWriter)
            let smallThread = small.testOnly_prefaultedBytes
            #expect(smallThread == nil)
            try small.close()
            #expect(try readRing("\(dir)/b.ring").issues.isEmpty)
        }
    }

    /// The process-wide default is the whole ring at open (what FlightRecorder's hook gets).
    @Test func theDefaultIsTheWholeRingAtOpen() {
        #expect(RingWriter.prefaulting == .wholeRingAtOpen)
    }
}
