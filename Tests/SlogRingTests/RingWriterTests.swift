import Foundation
import Glibc
import Testing
@testable import SlogRing

@Suite struct RingWriterTests {
    @Test func roundTripReturnsRecordsInOrder() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var writer = try RingWriter.create(path: path, capacity: 4096)
            for i in 0..<10 { #expect(try writer.append("record \(i)") == UInt64(i)) }
            let contents = try readRing(path)
            #expect(contents.strings == (0..<10).map { "record \($0)" })
            #expect(contents.sequences == Array(0..<10))
            #expect(contents.issues.isEmpty)
            try writer.close()
        }
    }

    @Test func reopenAfterCleanCloseContinuesSequence() throws {
        try withTemporaryDirectory { dir in
            let path = "\(dir)/a.ring"
            var writer = try RingWriter.create(path: path, capacity: 1024)
            for i in 0..<50 { _ = try writer.append("first \(i)") }
            try writer.close()
            var again = try RingWriter.open(path: path)
            #expect(again.nextRecordSequence == 50)
            #expect(try again.append("second") == 50)
            #expect(again.testOnly_invariantViolation() == nil)
            try again.close()
            let contents = try readRing(path)
            #expect(contents.issues.isEmpty)
            #expect(contents.sequences.last == 50)
            #expect(contents.strings.last == "second")
            // Gap-free from the oldest surviving record.
            let seqs = contents.sequences
            #expect(seqs == Array(seqs.first!...50))
        }
    }
}
