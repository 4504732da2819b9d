import Foundation
import Glibc
import TestSupport

/// The repository this test file is in (the worktree under test).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// The `node` executable (node ≥ 20), or `nil` when this machine has none: the tests that need
/// it are then reported as skipped, never passed.
let nodeExecutable: String? = {
    let candidates = ["/usr/bin/node", "/usr/local/bin/node"]
        + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/node" }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

/// One block line of the stand-in node: `{"height","records","flushMs","blockDelayMs"}`.
struct StandInBlock: Decodable {
    var height: Int
    var records: Int
    var flushMs: Double
    var blockDelayMs: Double
}

/// `node integrations/agoric/test/stand-in-node.mjs`: a stand-in Agoric node that loads the
/// real `flight-recorder-sender.js` through the aggregator's contract and runs a timed block
/// loop awaiting `forceFlush()` after every block, printing one JSON line per block.
final class StandInNode {
    private let process = Process()
    private let stdoutBytes = LockedBytes()
    private let stderrBytes = LockedBytes()
    private let group = DispatchGroup()

    /// - Parameters:
    ///   - socket: `FLIGHT_RECORDER_SOCKET`.
    ///   - arguments: the stand-in's options (`--blocks`, `--interval-ms`, `--emit`, ...).
    ///   - environment: more variables for the node (`FLIGHT_RECORDER_MAX_BUFFER`).
    init(socket: String, stateDirectory: String, arguments: [String], agent: String = "self", environment more: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: nodeExecutable!)
        process.arguments = [repositoryRoot.appendingPathComponent("integrations/agoric/test/stand-in-node.mjs").path,
                             "--state-dir", stateDirectory, "--agent", agent] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FLIGHT_RECORDER_SOCKET"] = socket
        environment.removeValue(forKey: "NODE_TEST_CONTEXT")
        environment.merge(more) { $1 }
        process.environment = environment
        try runCollectingOutput(process, stdout: stdoutBytes, stderr: stderrBytes, group: group, input: FileHandle.nullDevice)
    }

    var processIdentifier: Int32 { process.processIdentifier }
    var stdout: String { stdoutBytes.text }
    var stderr: String { stderrBytes.text }

    /// The block lines printed so far.
    var blocks: [StandInBlock] {
        stdout.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{\"height\"") else { return nil }
            return try? JSONDecoder().decode(StandInBlock.self, from: Data(line.utf8))
        }
    }

    /// The summary line's `stats` (the sender's counters), once the stand-in finished cleanly.
    var senderStats: [String: Any]? {
        guard let line = stdout.split(separator: "\n").last(where: { $0.hasPrefix("{\"summary\"") }),
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { return nil }
        return object["stats"] as? [String: Any]
    }

    /// Waits (bounded) until at least `count` block lines were printed.
    @discardableResult
    func waitForBlocks(_ count: Int, seconds: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if blocks.count >= count { return true }
            if !process.isRunning { return blocks.count >= count }
            usleep(5_000)
        }
        return false
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Kills the stand-in if it still runs (a test that stopped early must not leave it).
    func killIfRunning() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Waits (at most `seconds`, then SIGKILL) for the stand-in to exit; returns its status.
    @discardableResult
    func finish(seconds: Double = 20) -> Int32 {
        finishProcess(process, collecting: group, seconds: seconds)
    }
}

/// A raw client of `slog-record --listen`, speaking the wire protocol by hand.
final class SocketClient {
    let descriptor: Int32

    init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let error = errno
            _ = Glibc.close(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: error) ?? .EIO)
        }
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let sent = bytes[done...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            done += sent
        }
    }

    /// Reads acknowledgements until one says `count` (bounded wait); returns the last one read.
    func waitForAcknowledgement(_ count: Int, seconds: Double = 10) -> Int? {
        var last: Int?
        var pending: [UInt8] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && last != count {
            var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&waiting, 1, 100) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 256)
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if got <= 0 { break }
            pending += buffer[..<got]
            while let newline = pending.firstIndex(of: 0x0A) {
                last = Int(String(decoding: pending[..<newline], as: UTF8.self))
                pending.removeSubrange(...newline)
            }
        }
        return last
    }

    func close() { _ = Glibc.close(descriptor) }
}

extension RunningTool {
    /// Kills the tool if it still runs (a test that stopped early must not leave it).
    func killIfRunning() {
        if isRunning { signal(SIGKILL) }
        finish(seconds: 5)
    }
}

/// Waits (bounded) until `condition` holds.
@discardableResult
func eventually(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}
