import TestSupport
import Foundation
import Glibc
import Testing

/// slog-record prefaults its ring ahead of the writer (`Prefaulting.aheadOfWriter`): its
/// resident memory grows with what it recorded, and a kill -9 still keeps every record.
@Suite struct SlogRecordPrefaultTests {
    @Test func killedWhileThePrefaultThreadRunsTheRingHoldsEverythingAcknowledged() throws {
        try withTemporaryDirectory { dir in
            let ring = "\(dir)/node.ring"
            let recorder = try RecorderProcess(arguments: ["--ring", ring, "--capacity", "64M", "--ack"], useStandardInput: true)
            let node = SimulatedNode()
            var sent: [String] = []
            for height in UInt64(1)...200 { sent += node.block(height) }
            var text = Data()
            for line in sent { text.append(Data((line + "\n").utf8)) }
            recorder.input?.fileHandleForWriting.write(text)
            #expect(recorder.waitForAcknowledgements(sent.count))
            // 64 MiB of ring, a few MB recorded: far less than the ring is resident.
            let status = try String(contentsOfFile: "/proc/\(recorder.processIdentifier)/status", encoding: .utf8)
            let rssLine = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
            let residentKiB = rssLine.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
            #expect(residentKiB > 0 && residentKiB < 56 * 1024, "\(rssLine ?? "no VmRSS")")
            recorder.signal(SIGKILL)
            let result = recorder.finish()
            #expect(result.reason == .uncaughtSignal)
            let view = try readRing(ring)
            #expect(view.issues.isEmpty)
            #expect(view.slog == sent)
        }
    }
}
