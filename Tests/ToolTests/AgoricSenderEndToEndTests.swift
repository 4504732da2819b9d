import TestSupport
import Foundation
import Glibc
import Testing
import SlogModel
import SlogRing

/// The Agoric integration end to end, with real processes, sockets and signals: the real
/// `slog-record --listen`, and a stand-in node (`integrations/agoric/test/stand-in-node.mjs`)
/// loading the real `flight-recorder-sender.js` through Agoric's aggregator contract and running
/// a timed block loop that awaits `forceFlush()` after every block, as cosmic-swingset does.
///
/// Serialized: the liveness tests measure the node's flush and block delays, which tests
/// running beside them on a 2-core machine would disturb.
@Suite(.serialized) struct AgoricSenderEndToEndTests {
    /// Runs `body` with a fresh directory and a `slog-record --listen` on `dir/slog.sock`,
    /// killed afterwards whatever happens.
    static func withRecorder(_ body: (String, RunningTool) throws -> Void) throws {
        try withTemporaryDirectory { dir in
            let recorder = try startRecorder(dir)
            defer { recorder.killIfRunning() }
            try body(dir, recorder)
        }
    }

    /// Once the restarted recorder has the sender's loss report and five more blocks arrived:
    /// stops the node, then the recorder (cleanly), and returns the node's final stats.
    static func finishAfterTheLossReport(node: StandInNode, recorder: RunningTool) throws -> [String: Any] {
        #expect(recorder.wait(seconds: 5) { _, err in err.contains("the sender lost") }, "\(recorder.stderr)")
        #expect(node.waitForBlocks(node.blocks.count + 5))
        node.signal(SIGTERM)
        let stats = try #require(finishNode(node))
        recorder.signal(SIGTERM)
        #expect(recorder.finish() == 0)
        return stats
    }

    static func startRecorder(_ dir: String, extra: [String] = []) throws -> RunningTool {
        let recorder = try RunningTool(
            "slog-record", ["--ring", "\(dir)/node.ring", "--capacity", "64M", "--retain-all", "--listen", "\(dir)/slog.sock"] + extra)
        #expect(recorder.wait(seconds: 10) { _, err in err.contains("listening on") }, "\(recorder.stderr)")
        return recorder
    }

    /// The worst forceFlush and block delay of the blocks the stand-in ran, printed (the
    /// numbers this integration reports).
    @discardableResult
    static func reportLiveness(_ node: StandInNode, _ what: String) -> (flushMs: Double, blockDelayMs: Double) {
        let blocks = node.blocks
        let worst = (blocks.map(\.flushMs).max() ?? 0, blocks.map(\.blockDelayMs).max() ?? 0)
        print("\(what): \(blocks.count) blocks, worst forceFlush \(worst.0) ms, worst block delay \(worst.1) ms")
        return worst
    }

    /// Waits for the stand-in node to finish after its last block (or SIGTERM) and checks it
    /// shut its sender down and printed its summary; returns the sender's final counters.
    @discardableResult
    static func finishNode(_ node: StandInNode) -> [String: Any]? {
        let status = node.finish()
        #expect(status == 0, "the stand-in node exited with \(status): \(node.stderr)")
        return node.senderStats
    }

    /// The records a stand-in node with these options sends, produced by a second run of the
    /// (deterministic) stand-in with a sender that only keeps them, and no block interval.
    static func expectedRecords(_ dir: String, blocks: Int, recordsPerBlock: Int, startHeight: Int = 1000) throws -> [String] {
        let keeper = "\(dir)/keeping-sender.mjs"
        try writeLines(keeper, ["export const makeSlogSender = async () => Object.assign(() => {}, { forceFlush: async () => {}, shutdown: async () => {} });"])
        let run = try runTool(nodeExecutable!, [
            repositoryRoot.appendingPathComponent("integrations/agoric/test/stand-in-node.mjs").path, "--sender", keeper,
            "--blocks", "\(blocks)", "--records-per-block", "\(recordsPerBlock)", "--start-height", "\(startHeight)",
            "--interval-ms", "0", "--emit", "\(dir)/expected.slog",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        return try String(contentsOfFile: "\(dir)/expected.slog", encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// A counter of the sender's final stats.
    static func count(_ stats: [String: Any], _ name: String, reason: String? = nil) -> UInt64 {
        let value = reason.map { (stats[name] as? [String: Any])?[$0] } ?? stats[name]
        return UInt64(value as? Int ?? -1)
    }

    /// Checks the protocol's exactness in the ring: walking it in order, every slog record is the
    /// next record the node sent, and every sender-lost marker skips exactly its `count` of them
    /// (so a gap is named where it is, with its size); what is left is what the sender still held
    /// when the node shut down (`droppedAtShutdown`).
    static func expectExactAccounting(_ view: RingContents, sent: [String], droppedAtShutdown: UInt64 = 0) {
        var next = 0
        for record in view.records {
            if record.info.kind == .slog {
                let text = String(decoding: record.bytes, as: UTF8.self)
                guard next < sent.count, sent[next] == text else {
                    Issue.record("ring record \(record.info.sequence) is not sent record \(next): \(text.prefix(120))")
                    return
                }
                next += 1
            } else if case .senderLost(let count, _, _, _)? = record.bytes.withUnsafeBytes({ Marker.decode(kind: record.info.kind, bytes: $0) }) {
                next += Int(count)
            }
        }
        #expect(UInt64(next) + droppedAtShutdown == UInt64(sent.count), "accounted for \(next) + \(droppedAtShutdown) of \(sent.count) records")
    }

    /// The sender-lost markers' counts, in order.
    static func lostCounts(_ view: RingContents) -> [UInt64] {
        view.markers.compactMap { if case .senderLost(let count, _, _, _) = $0 { count } else { nil } }
    }

    @Test(.enabled(if: nodeExecutable != nil, "node is not installed: skipped"), arguments: ["self", "process"])
    func everyRecordArrivesInOrder(agent: String) throws {
        try Self.withRecorder { dir, recorder in
            let node = try StandInNode(
                socket: "\(dir)/slog.sock", stateDirectory: dir,
                arguments: ["--blocks", "20", "--interval-ms", "40", "--records-per-block", "100"], agent: agent)
            defer { node.killIfRunning() }
            let stats = try #require(Self.finishNode(node))
            recorder.signal(SIGTERM)
            #expect(recorder.finish() == 0)
            let sent = try Self.expectedRecords(dir, blocks: 20, recordsPerBlock: 100)
            #expect(sent.count == 2000)
            let view = try readRing("\(dir)/node.ring")
            #expect(view.slog == sent)
            #expect(Self.lostCounts(view).isEmpty)
            #expect(view.committedHeights == Array(1000...1019))
            #expect(Self.count(stats, "acked") == 2000 && Self.count(stats, "dropped") == 0, "\(stats)")
            #expect(recorder.stderr.contains("sender connected: agoric-js"), "\(recorder.stderr)")
            #expect(recorder.stderr.contains("2000 records"), "\(recorder.stderr)")
            Self.reportLiveness(node, "recorder healthy (\(agent))")
        }
    }

    @Test(.enabled(if: nodeExecutable != nil, "node is not installed: skipped"))
    func recorderStoppedFiveSecondsNeverDelaysTheNode() throws {
        try Self.withRecorder { dir, recorder in
            // The recorder at a lower priority than the node, as docs/slog-record.service runs
            // it (Nice=10): catching up after SIGCONT must not starve the node of CPU.
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(recorder.processIdentifier), 10)
            // 2,000 records a second, and a 1 MiB cap on the sender's memory (4 MiB by default):
            // the 5 s stop is more than the cap and the socket hold, so records are also dropped
            // (buffer-full) and reported, without a backlog that takes long to record.
            let node = try StandInNode(
                socket: "\(dir)/slog.sock", stateDirectory: dir,
                arguments: ["--blocks", "160", "--interval-ms", "50", "--records-per-block", "100"],
                environment: ["FLIGHT_RECORDER_MAX_BUFFER": "1048576"])
            defer { node.killIfRunning() }
            // What is measured is what the sender (inside the node) does to the node's blocks,
            // not what a parallel test suite on a shared 2-core machine does to them: the node
            // gets a higher CPU priority where that is permitted (root), which changes nothing
            // about the sender's own cost, measured inside the same process.
            let raised = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(node.processIdentifier), -10) == 0
            print("recorder stopped 5 s: node priority \(raised ? "raised (nice -10)" : "not raised (not permitted)")")
            #expect(node.waitForBlocks(10))
            recorder.signal(SIGSTOP)
            let stoppedAt = node.blocks.count
            usleep(5_000_000)
            recorder.signal(SIGCONT)
            let during = node.blocks.count - stoppedAt
            let resumedAt = node.blocks.count
            let stats = try #require(Self.finishNode(node))
            recorder.signal(SIGTERM)
            #expect(recorder.finish() == 0)
            // 5 s at 50 ms a block: the node went on while the recorder was stopped.
            #expect(during >= 80, "only \(during) blocks ran during the 5 s stop")
            // The node-side liveness claims of the issue (#13), the behaviour under test: every
            // forceFlush() within 50 ms and no block started more than 100 ms late while the
            // recorder was stopped (the chain awaits forceFlush() after every commit). The
            // sender's own wait is 20 ms; the rest is room for a loaded 2-core machine.
            let worst = Self.reportLiveness(node, "recorder stopped 5 s")
            let slowest = node.blocks.enumerated().sorted { $0.element.blockDelayMs > $1.element.blockDelayMs }.prefix(3)
            print("recorder stopped 5 s: stopped at block \(stoppedAt), resumed at \(resumedAt); latest starts: "
                  + slowest.map { "block \($0.offset): \($0.element.blockDelayMs) ms" }.joined(separator: ", "))
            #expect(worst.flushMs <= 50, "a forceFlush took \(worst.flushMs) ms")
            #expect(worst.blockDelayMs <= 100, "a block started \(worst.blockDelayMs) ms late")
            // Everything is recorded in order, or counted in sender-lost markers, exactly
            // (records still queued when the node shut down are the sender's own count).
            let sent = try Self.expectedRecords(dir, blocks: 160, recordsPerBlock: 100)
            let view = try readRing("\(dir)/node.ring")
            let lost = Self.lostCounts(view).reduce(0, +)
            Self.expectExactAccounting(view, sent: sent, droppedAtShutdown: Self.count(stats, "droppedByReason", reason: "shutdown"))
            #expect(lost == Self.count(stats, "dropped") - Self.count(stats, "droppedByReason", reason: "shutdown"), "\(stats)")
            print("recorder stopped 5 s: \(view.slog.count) recorded, \(Self.lostCounts(view)) reported lost")
            #expect(Self.count(stats, "droppedByReason", reason: "buffer-full") > 0, "\(stats)")
        }
    }

    @Test(.enabled(if: nodeExecutable != nil, "node is not installed: skipped"))
    func recorderKilledAndRestartedResumesAndNamesTheLostCount() throws {
        try withTemporaryDirectory { dir in
            var recorder = try Self.startRecorder(dir)
            defer { recorder.killIfRunning() }
            let node = try StandInNode(
                socket: "\(dir)/slog.sock", stateDirectory: dir,
                arguments: ["--blocks", "forever", "--interval-ms", "100", "--records-per-block", "100"])
            defer { node.killIfRunning() }
            #expect(node.waitForBlocks(5))
            // Between blocks (a block's line is printed after its flush; the next starts 100 ms
            // later), so every record the recorder read was also acknowledged.
            #expect(node.waitForBlocks(node.blocks.count + 1))
            usleep(30_000)
            recorder.signal(SIGKILL)
            recorder.finish()
            usleep(1_500_000)
            recorder = try Self.startRecorder(dir)
            let stats = try Self.finishAfterTheLossReport(node: node, recorder: recorder)
            #expect(recorder.stderr.contains("removed the stale socket"), "\(recorder.stderr)")
            Self.reportLiveness(node, "recorder killed and restarted")

            let sent = try Self.expectedRecords(dir, blocks: node.blocks.count, recordsPerBlock: 100)
            let view = try readRing("\(dir)/node.ring")
            let lost = Self.lostCounts(view)
            #expect(!lost.isEmpty && !lost.contains(0), "\(lost)")
            Self.expectExactAccounting(view, sent: sent, droppedAtShutdown: Self.count(stats, "droppedByReason", reason: "shutdown"))
            #expect(view.slog.last == sent.last)  // recording resumed without restarting the node
            // The sender's own count agrees.
            #expect(Self.count(stats, "dropped") == lost.reduce(0, +) + Self.count(stats, "droppedByReason", reason: "shutdown"), "\(stats)")
            #expect(Self.count(stats, "reconnects") == 1)
            print("recorder killed and restarted: \(lost) records reported lost, \(view.slog.count) recorded")
            // The marker sits at the gap (exact accounting above: every record before it is the
            // next one sent, and it skips exactly its count), after the restarted recorder's
            // opened marker. Between the two there can only be slog records the sender still
            // held unwritten when the recorder died (a kill that lands inside a block on a loaded
            // machine): they were sent before the gap, so they come first.
            let kinds = view.withMarkers.map { $0.hasPrefix(#"{"type":"flight-recorder-"#) ? String($0.prefix(40)) : "slog" }
            let opened = kinds.indices.filter { kinds[$0].contains("flight-recorder-opened") }
            #expect(opened.count == 2)
            let reopened = try #require(opened.last)
            let firstLoss = try #require(
                kinds[reopened...].firstIndex { $0.contains("flight-recorder-sender-lost") }, "\(kinds[reopened...].prefix(3))")
            #expect(kinds[(reopened + 1)..<firstLoss].allSatisfy { $0 == "slog" }, "\(kinds[reopened...firstLoss])")
            let info = try runTool("slog-tail", ["--info", "\(dir)/node.ring"])
            #expect(info.stdout.contains("sender lost:     \(lost.reduce(0, +)) records never reached the recorder (\(lost.count) sender-lost markers)"), "\(info.stdout)")
        }
    }

    @Test(.enabled(if: nodeExecutable != nil, "node is not installed: skipped"))
    func nodeStartedBeforeTheRecorderIsRecordedFromTheRecordersStartWithTheGapNamed() throws {
        try withTemporaryDirectory { dir in
            let node = try StandInNode(
                socket: "\(dir)/slog.sock", stateDirectory: dir,
                arguments: ["--blocks", "forever", "--interval-ms", "50", "--records-per-block", "100"])
            defer { node.killIfRunning() }
            #expect(node.waitForBlocks(10))
            // The sender created nothing at the socket path (SLOGFILE would have made a file).
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/slog.sock"))
            let recorder = try Self.startRecorder(dir)
            defer { recorder.killIfRunning() }
            let stats = try Self.finishAfterTheLossReport(node: node, recorder: recorder)
            let sent = try Self.expectedRecords(dir, blocks: node.blocks.count, recordsPerBlock: 100)
            let view = try readRing("\(dir)/node.ring")
            let lost = Self.lostCounts(view)
            // The ring starts with the recorder's opened marker and the gap (records the sender
            // still held from a failed connection attempt may follow, then more gaps).
            guard case .senderLost(let count, let first, _, let reason)? = view.markers.dropFirst().first else {
                Issue.record("no sender-lost marker first: \(view.markers.prefix(3))")
                return
            }
            #expect(count > 0 && first == 1000 && reason == "recorder-unreachable", "\(view.markers.prefix(2))")
            Self.expectExactAccounting(view, sent: sent, droppedAtShutdown: Self.count(stats, "droppedByReason", reason: "shutdown"))
            #expect(Self.count(stats, "dropped") == lost.reduce(0, +) + Self.count(stats, "droppedByReason", reason: "shutdown"))
            Self.reportLiveness(node, "node started before the recorder")
        }
    }

    @Test(.enabled(if: nodeExecutable != nil, "node is not installed: skipped"))
    func nodeKilledAndRestartedTheRecorderGoesOn() throws {
        try Self.withRecorder { dir, recorder in
            let first = try StandInNode(
                socket: "\(dir)/slog.sock", stateDirectory: dir,
                arguments: ["--blocks", "forever", "--interval-ms", "20", "--records-per-block", "300", "--burst"])
            defer { first.killIfRunning() }
            #expect(first.waitForBlocks(5))
            first.signal(SIGKILL)
            first.finish()
            #expect(recorder.wait(seconds: 5) { _, err in err.contains("sender connection closed") }, "\(recorder.stderr)")
            let second = try StandInNode(
                socket: "\(dir)/slog.sock", stateDirectory: dir,
                arguments: ["--blocks", "5", "--interval-ms", "20", "--start-height", "5000", "--records-per-block", "100"])
            defer { second.killIfRunning() }
            Self.finishNode(second)
            #expect(recorder.isRunning)
            recorder.signal(SIGTERM)
            #expect(recorder.finish() == 0)
            let sent = try Self.expectedRecords(dir, blocks: 5, recordsPerBlock: 100, startHeight: 5000)
            let view = try readRing("\(dir)/node.ring")
            #expect(Array(view.slog.suffix(sent.count)) == sent)
            #expect(view.committedHeights.suffix(5) == [5000, 5001, 5002, 5003, 5004])
            // Every record is a whole JSON object: no line joins the two nodes' connections.
            for line in view.slog {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                #expect(object?["type"] is String, "not a whole record: \(line.prefix(200))")
            }
            #expect(recorder.stderr.contains("2 sender connections"), "\(recorder.stderr)")
        }
    }

    static let hello = #"{"type":"flight-recorder-sender-hello","protocol":1,"pid":1,"sender":"test","version":"0"}"# + "\n"

    @Test func linesOfTwoConnectionsAreNeverJoinedAndEachIsAcknowledged() throws {
        try Self.withRecorder { dir, recorder in
            // A connection dies mid-line; the next connection's first line stands alone.
            let first = try SocketClient(path: "\(dir)/slog.sock")
            first.send(Self.hello + #"{"type":"one"}"# + "\n" + #"{"type":"cut","body":"#)
            #expect(first.waitForAcknowledgement(2) == 2)
            first.close()
            #expect(recorder.wait(seconds: 5) { _, err in err.contains("unfinished last line (\(#"{"type":"cut","body":"#.utf8.count) bytes) was discarded") }, "\(recorder.stderr)")
            // A connection replaced by a newer one while it is still open, also mid-line.
            let second = try SocketClient(path: "\(dir)/slog.sock")
            second.send(Self.hello + #"{"type":"two"}"# + "\n" + #"{"type":"cut-again","#)
            #expect(second.waitForAcknowledgement(2) == 2)
            let third = try SocketClient(path: "\(dir)/slog.sock")
            third.send(Self.hello + #""x":1}"# + "\n" + #"{"type":"flight-recorder-sender-lost","count":3,"firstHeight":7,"lastHeight":9,"reason":"connection-lost"}"# + "\n" + #"{"type":"three"}"# + "\n")
            #expect(third.waitForAcknowledgement(4) == 4)
            #expect(recorder.wait(seconds: 5) { _, err in err.contains("replaced by a new connection after 2 lines") }, "\(recorder.stderr)")
            second.close()
            third.close()
            recorder.signal(SIGTERM)
            #expect(recorder.finish() == 0)
            let view = try readRing("\(dir)/node.ring")
            #expect(view.slog == [#"{"type":"one"}"#, #"{"type":"two"}"#, #""x":1}"#, #"{"type":"three"}"#])
            #expect(view.markers.contains(.senderLost(count: 3, firstHeight: 7, lastHeight: 9, reason: "connection-lost")))
            let markers = try runTool("slog-tail", ["--markers", "\(dir)/node.ring"])
            #expect(markers.stdout.contains(#"{"type":"flight-recorder-sender-lost","count":3,"firstHeight":7,"lastHeight":9,"reason":"connection-lost"}"#))
        }
    }

    @Test func aSenderOfAnotherProtocolVersionIsClosedAndNothingOfItRecorded() throws {
        try Self.withRecorder { dir, recorder in
            let client = try SocketClient(path: "\(dir)/slog.sock")
            client.send(#"{"type":"flight-recorder-sender-hello","protocol":2,"pid":1,"sender":"future","version":"9"}"# + "\n" + #"{"type":"x"}"# + "\n")
            #expect(client.waitForAcknowledgement(-1, seconds: 3) == nil)  // closed without an ack
            client.close()
            // The message may reach the captured stderr after the connection closed: wait for it.
            #expect(recorder.wait(seconds: 5) { _, err in err.contains("the sender speaks protocol 2 and this slog-record speaks 1; closing its connection") }, "\(recorder.stderr)")
            recorder.signal(SIGTERM)
            #expect(recorder.finish() == 0)
            #expect(try readRing("\(dir)/node.ring").slog.isEmpty)
        }
    }

    @Test func listeningSocketHasTheAskedModeAndGroupAndReplacesOnlyAStaleSocket() throws {
        try withTemporaryDirectory { dir in
            let socket = "\(dir)/slog.sock"
            let recorder = try Self.startRecorder(dir, extra: ["--socket-mode", "0640", "--socket-group", "\(getegid())"])
            defer { recorder.killIfRunning() }
            var info = stat()
            #expect(lstat(socket, &info) == 0)
            #expect(info.st_mode & S_IFMT == S_IFSOCK)
            #expect(info.st_mode & 0o777 == 0o640)
            #expect(info.st_gid == getegid())
            // A second recorder on a live socket is refused, before it creates its ring.
            let second = try runTool("slog-record", ["--ring", "\(dir)/other.ring", "--listen", socket])
            #expect(second.status == 2)
            #expect(second.stderr.contains("another process is listening on this socket"), "\(second.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/other.ring"))
            // Killed, the recorder leaves its socket; the next one replaces it.
            recorder.signal(SIGKILL)
            recorder.finish()
            #expect(FileManager.default.fileExists(atPath: socket))
            let again = try Self.startRecorder(dir)
            defer { again.killIfRunning() }
            #expect(again.stderr.contains("removed the stale socket of an earlier run"))
            #expect(lstat(socket, &info) == 0 && info.st_mode & 0o777 == 0o660)  // the default mode
            again.signal(SIGTERM)
            #expect(again.finish() == 0)
            #expect(!FileManager.default.fileExists(atPath: socket))  // removed on a clean exit
        }
    }

    @Test func aPathThatIsNotASocketOrNotAPipeIsRefusedBeforeTheRingIsCreated() throws {
        try withTemporaryDirectory { dir in
            // What Agoric's SLOGFILE sender leaves when the node starts first: a regular file.
            try writeLines("\(dir)/slog", [#"{"type":"a"}"#, #"{"type":"b"}"#])
            let listen = try runTool("slog-record", ["--ring", "\(dir)/node.ring", "--listen", "\(dir)/slog"])
            #expect(listen.status == 2)
            #expect(listen.stderr.contains("\(dir)/slog exists and is not a socket; slog-record does not replace it"), "\(listen.stderr)")
            let reopen = try runTool("slog-record", ["--ring", "\(dir)/node.ring", "--reopen", "\(dir)/slog"])
            #expect(reopen.status == 2)
            #expect(reopen.stderr.contains("--reopen needs a named pipe (FIFO), and this is not one"), "\(reopen.stderr)")
            let missing = try runTool("slog-record", ["--ring", "\(dir)/node.ring", "\(dir)/absent.fifo"])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("\(dir)/absent.fifo: cannot open: No such file or directory"), "\(missing.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/node.ring"))
            #expect(try readFile("\(dir)/slog") == Array("{\"type\":\"a\"}\n{\"type\":\"b\"}\n".utf8))
            // Without --reopen a regular file is still read once, as before.
            let once = try runTool("slog-record", ["--ring", "\(dir)/node.ring", "--capacity", "1M", "\(dir)/slog"])
            #expect(once.status == 0)
            #expect(try readRing("\(dir)/node.ring").slog == [#"{"type":"a"}"#, #"{"type":"b"}"#])
        }
    }

    @Test func signalsAreActedOnWhileWaitingForAPipesWriter() throws {
        try withTemporaryDirectory { dir in
            let fifo = "\(dir)/slog.fifo"
            try makeFIFO(fifo)
            let recorder = try RunningTool("slog-record", ["--ring", "\(dir)/node.ring", "--capacity", "1M", "--reopen", fifo])
            defer { recorder.killIfRunning() }
            let writer = try #require(FileHandle(forWritingAtPath: fifo))
            let node = SimulatedNode()
            for line in node.block(1) + node.block(2) { writer.write(Data((line + "\n").utf8)) }
            try writer.close()
            // The writer is gone: the recorder waits for the next one. SIGUSR1 now preserves a box.
            #expect(eventually { (try? readRing("\(dir)/node.ring"))?.committedHeights == [1, 2] })
            usleep(100_000)
            recorder.signal(SIGUSR1)
            func boxes() -> [String] {
                ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("blackbox-2-") }
            }
            #expect(eventually(seconds: 5) { boxes().count == 1 }, "\(recorder.stderr)")
            #expect(recorder.isRunning)
            // And SIGTERM ends it at once, still without a writer.
            recorder.signal(SIGTERM)
            #expect(recorder.wait(seconds: 5) { _, err in err.contains("stopped by signal") }, "\(recorder.stderr)")
            #expect(recorder.finish() == 0)
            #expect(recorder.stderr.contains("1 black box preserved"))
            #expect(try readRing("\(dir)/\(boxes()[0])").sealed)
        }
    }

    @Test func signalsSentWhileTheRingIsBeingCreatedAreActedOn() throws {
        try withTemporaryDirectory { dir in
            // The socket is created (signal handlers installed) before the 256 MiB ring, whose
            // creation reserves and prefaults every byte: signal as soon as the socket exists.
            let recorder = try RunningTool("slog-record", ["--ring", "\(dir)/node.ring", "--listen", "\(dir)/slog.sock"])
            defer { recorder.killIfRunning() }
            #expect(eventually(seconds: 10) { FileManager.default.fileExists(atPath: "\(dir)/slog.sock") })
            recorder.signal(SIGUSR1)
            recorder.signal(SIGTERM)
            #expect(recorder.finish(seconds: 60) == 0, "\(recorder.stderr)")
            #expect(recorder.stderr.contains("stopped by signal"), "\(recorder.stderr)")
            #expect(recorder.stderr.contains("1 black box preserved"), "\(recorder.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "\(dir)/slog.sock"))
        }
    }

    @Test func everyToolPrintsItsVersion() throws {
        for tool in ["slog-record", "slog-tail", "slog-diff", "slog-demo"] {
            let run = try runTool(tool, ["--version"])
            #expect(run.status == 0)
            #expect(run.stdout == "\(tool) \(flightRecorderVersion)\n")
        }
    }
}
