import ToolSupport
import FlightRecorder
import SlogModel
import SlogRing

#if canImport(Glibc)
import Glibc
#endif

/// Where the lines come from, checked and opened before the ring is created.
enum InputPlan {
    case standardInput
    /// A regular file or a named pipe, opened without waiting for a writer.
    case file(path: String, descriptor: Int32, isFIFO: Bool)
    case listen(Listener)

    /// Checks and opens the input `options` name; a message for the operator on failure.
    static func prepare(_ options: Options) -> Result<InputPlan, Listener.Failure> {
        if let path = options.listen {
            let group = options.socketGroup
            return Result { () throws(Listener.Failure) in .listen(try Listener.open(path: path, mode: options.socketMode, group: group)) }
        }
        guard let path = options.input else { return .success(.standardInput) }
        let kind: PathKind
        do { kind = try system_pathKind(path) } catch {
            return .failure(.init(message: "\(path): cannot open: \(error)"))
        }
        switch kind {
        case .missing:
            return .failure(.init(message: "\(path): cannot open: \(Errno.noSuchFileOrDirectory)"))
        case .directory:
            return .failure(.init(message: "\(path): cannot open: is a directory, not a slog file or named pipe"))
        case .socket:
            return .failure(.init(message: "\(path): is a socket; to accept a slog sender there use --listen \(path)"))
        default:
            break
        }
        let descriptor: Int32
        do { descriptor = try system_openNonblocking(path) } catch {
            return .failure(.init(message: "\(path): cannot open: \(error)"))
        }
        let isFIFO = (try? system_descriptorIsFIFO(descriptor)) ?? false
        if options.reopenOnEOF && !isFIFO {
            system_closeQuietly(descriptor)
            return .failure(.init(message: "\(path): --reopen needs a named pipe (FIFO), and this is not one; --reopen would read a regular file again and again (remove it and create the pipe with mkfifo)"))
        }
        return .success(.file(path: path, descriptor: descriptor, isFIFO: isFIFO))
    }
}

/// One descriptor being read: standard input, a file, a named pipe or a sender's connection.
struct InputStream {
    enum Kind: Equatable { case standardInput, file, fifo, connection }

    let kind: Kind
    var lines: LineReader
    /// Complete lines read so far (a connection acknowledges this count).
    var linesRead: UInt64 = 0
    /// The unsent tail of an acknowledgement a full socket buffer cut short.
    var ackRemainder: [UInt8] = []

    var descriptor: Int32 { lines.descriptor }

    init(descriptor: Int32, kind: Kind, maximumLine: Int) {
        self.kind = kind
        // A pipe's 64 KiB made one poll, one read and one wake-up of the writer per ~270
        // lines; 1 MiB (the unprivileged limit) lets both sides work in larger steps.
        if kind == .standardInput || kind == .fifo { system_growPipe(descriptor, to: 1 << 20) }
        lines = LineReader(descriptor: descriptor, maximumLine: maximumLine, completesLastLine: kind != .connection)
    }

    /// Frees the read buffer and closes the descriptor (not standard input).
    func close() {
        lines.deallocate()
        if kind != .standardInput { system_closeQuietly(descriptor) }
    }

    /// Sends the line count to the sender (PROTOCOL.md), never waiting: with the socket buffer
    /// full the acknowledgement is dropped (the next one carries a larger count), and a
    /// partly written one is completed before the next.
    /// - Returns: false when the write failed (`EPIPE`, `ECONNRESET`): the connection's end.
    mutating func acknowledge() -> Bool {
        let fresh = Array("\(linesRead)\n".utf8)
        let bytes = ackRemainder + fresh
        guard let sent = try? system_sendNow(descriptor, bytes) else { return false }
        if sent == 0 { return true }
        ackRemainder = sent < ackRemainder.count ? Array(ackRemainder[sent...]) : Array(bytes[sent...])
        return true
    }
}

/// One run of `slog-record`: open the recorder and the input, record until the end, summarize.
struct Session {
    let options: Options
    let recorder: FlightRecorder
    var recorded: UInt64 = 0
    /// Lines not shaped like a JSON object (`LineShape.other`), recorded all the same.
    var notJSON: UInt64 = 0
    var blackBoxes = 0
    /// --listen: connections accepted, and records the sender reported lost.
    var connections = 0
    var senderLost: UInt64 = 0
    /// Set by a hello of another protocol version: the connection is closed.
    private var refusedProtocol = false
    private let typeKey = Array("type".utf8)
    /// `options.haltTriggers`, checked on every line.
    private let triggers: TriggerFilter

    static func run(_ options: Options) -> Int32 {
        // The input first: a wrong path must not cost a 256 MiB ring.
        let plan: InputPlan
        switch InputPlan.prepare(options) {
        case .success(let prepared): plan = prepared
        case .failure(let failure):
            writeNote(failure.message)
            return 2
        }
        var configuration = FlightRecorder.Configuration(path: options.ring!)
        configuration.capacity = options.capacity
        configuration.retention = options.retention
        configuration.automaticMarkers = options.automaticMarkers
        configuration.maximumBlackBoxes = options.maximumBlackBoxes
        let recorder: FlightRecorder
        do { recorder = try FlightRecorder(configuration: configuration) } catch {
            writeNote("\(error)")
            plan.close()
            return 2
        }
        for note in recorder.openingNotes { writeNote("\(note)") }
        var session = Session(options: options, recorder: recorder)
        let status = session.record(plan)
        plan.close()
        do { try recorder.close() } catch {
            writeNote("\(error)")
        }
        session.summarize(status.reason)
        return status.code
    }

    init(options: Options, recorder: FlightRecorder) {
        self.options = options
        self.recorder = recorder
        triggers = TriggerFilter(options.haltTriggers)
    }

    /// Reads and records until end of input (not with --listen or --reopen), a stop signal or
    /// a read error. One `poll` waits for the signal pipe, the listening socket and the input,
    /// so every signal is acted on at once whatever the recorder is waiting for.
    mutating func record(_ plan: InputPlan) -> (code: Int32, reason: String) {
        let maximumLine = recorder.maximumRecordLength
        var listener: Listener?
        var current: InputStream?
        switch plan {
        case .standardInput:
            current = InputStream(descriptor: STDIN_FILENO, kind: .standardInput, maximumLine: maximumLine)
        case .file(_, let descriptor, let isFIFO):
            current = InputStream(descriptor: descriptor, kind: isFIFO ? .fifo : .file, maximumLine: maximumLine)
        case .listen(let socket):
            listener = socket
            writeNote("listening on \(socket.path) for the node's slog sender")
        }
        defer { current?.close() }
        // agd's log, for its consensus-failure line: a file followed by name (polled), or a
        // command's output (read when poll says so).
        var haltLog = LogFollower(path: options.haltLog ?? "")
        if let path = options.haltLog { writeNote("following agd's log \(path) for consensus failures") }
        let haltCommand = options.haltLogCommand.map { HaltLogCommand(command: $0) }
        defer { haltCommand?.stop() }
        let name = options.input ?? "standard input"
        while true {
            if let note = haltCommand?.startIfNeeded(now: monotonicSeconds()) { writeNote(note) }
            var waiting = [pollfd(fd: Signals.wakeReader, events: Int16(POLLIN), revents: 0)]
            if let listener { waiting.append(pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0)) }
            let commandSlot = waiting.count
            if let haltCommand, haltCommand.descriptor >= 0 {
                waiting.append(pollfd(fd: haltCommand.descriptor, events: Int16(POLLIN), revents: 0))
            }
            let inputSlot = waiting.count
            if let current { waiting.append(pollfd(fd: current.descriptor, events: Int16(POLLIN), revents: 0)) }
            // Without a signal pipe (pipe2 failed), wake every second to look at signals; a
            // followed log file is polled 5 times a second (a box within a second of the line);
            // a command waiting to be restarted, every 250 ms.
            var timeout: Int32 = Signals.wakeReader < 0 ? 1000 : -1
            if options.haltLog != nil { timeout = 200 }
            if let haltCommand, haltCommand.descriptor < 0 { timeout = timeout < 0 ? 250 : min(timeout, 250) }
            do {
                _ = try system_poll(&waiting, timeout: timeout)
            } catch {
                writeNote("waiting for input failed: \(error)")
                return (1, "read error")
            }
            let signals = Signals.take(drainingPipe: waiting[0].revents != 0)
            if signals & Signals.blackBox != 0 {
                let statistics = recorder.statistics
                preserve(height: statistics.lastCommittedHeight ?? statistics.openHeight ?? 0, reason: "operator signal (SIGUSR1)")
            }
            if signals & Signals.stop != 0 { return (0, "stopped by signal") }

            if options.haltLog != nil {
                for line in haltLog.poll() { checkHaltLog(line) }
                for notice in haltLog.takeNotices() { writeNote(notice) }
            }
            if let haltCommand, waiting.count > commandSlot, waiting[commandSlot].fd == haltCommand.descriptor,
                waiting[commandSlot].revents != 0
            {
                if let note = haltCommand.read({ checkHaltLog($0) }) { writeNote(note) }
            }

            if var stream = current, waiting.count > inputSlot, waiting[inputSlot].revents != 0 {
                let status = read(&stream)
                current = stream
                switch status {
                case .more, .nothing:
                    break
                case .failed(let error) where stream.kind != .connection:
                    writeNote("\(name): read failed: \(error)")
                    return (1, "read error")
                case .failed, .endOfFile:
                    switch stream.kind {
                    case .connection:
                        endConnection(stream, why: "closed")
                        current = nil
                    case .fifo where options.reopenOnEOF:
                        // The writer closed: wait for the next one on a fresh open (a FIFO
                        // opened non-blocking reports the end of its writer only once).
                        stream.close()
                        current = nil
                        let path = options.input!
                        do {
                            current = InputStream(descriptor: try system_openNonblocking(path), kind: .fifo, maximumLine: maximumLine)
                        } catch {
                            writeNote("\(path): cannot open: \(error)")
                            return (2, "input could not be opened")
                        }
                    default:
                        return (0, "end of input")
                    }
                }
            }

            if let listener, waiting[1].revents != 0 {
                while true {
                    let accepted: Int32?
                    do { accepted = try system_accept(listener.descriptor) } catch {
                        writeNote("cannot accept a connection: \(error)")
                        break
                    }
                    guard let descriptor = accepted else { break }
                    if var old = current {
                        // Keep what the old connection delivered whole; its unfinished line is
                        // dropped, never joined to the new connection's first line.
                        drain(&old)
                        endConnection(old, why: "replaced by a new connection")
                    }
                    connections += 1
                    current = InputStream(descriptor: descriptor, kind: .connection, maximumLine: maximumLine)
                }
            }
        }
    }

    /// Reads one chunk from `stream` and records its complete lines; acknowledges a connection's.
    /// A connection whose acknowledgement cannot be written, or whose sender speaks another
    /// protocol, ends (`.failed`).
    private mutating func read(_ stream: inout InputStream) -> LineReader.Status {
        var count: UInt64 = 0
        let isConnection = stream.kind == .connection
        refusedProtocol = false
        // One lock for the lines of one read, not one per line (this loop is the recorder's
        // only user in this process: nothing else waits for it).
        let recorder = self.recorder
        let status = recorder.withLockedRecorder { locked in
            stream.lines.readChunk { line in
                guard !refusedProtocol else { return }
                count += 1
                if isConnection { handleSenderLine(line, locked) } else { handle(line, locked) }
            }
        }
        stream.linesRead += count
        if refusedProtocol { return .failed(Errno(rawValue: EPROTO)) }
        if isConnection && count > 0 && !stream.acknowledge() { return .failed(Errno(rawValue: EPIPE)) }
        return status
    }

    /// Reads what an old connection still holds (bounded), before it is closed.
    private mutating func drain(_ stream: inout InputStream) {
        for _ in 0..<64 {
            guard case .more = read(&stream) else { return }
        }
    }

    private func endConnection(_ stream: InputStream, why: String) {
        var text = "sender connection \(why) after \(stream.linesRead) lines"
        let unfinished = stream.lines.unfinishedBytes
        if unfinished > 0 { text += "; its unfinished last line (\(unfinished) bytes) was discarded" }
        writeNote(text)
        stream.close()
    }

    private static let senderTypePrefix = Array(#"{"type":"flight-recorder-sender-"#.utf8)

    /// A line of a sender's connection: its hello and loss reports are protocol, not slog.
    private mutating func handleSenderLine(_ line: LineReader.Line, _ recorder: borrowing LockedRecorder) {
        if case .line(let bytes) = line, bytes.starts(with: Self.senderTypePrefix),
            let type = JSONScan.value(forKey: typeKey, in: bytes), let name = JSONScan.unescapedString(type, in: bytes)
        {
            let keys = ["protocol", "pid", "sender", "version", "count", "firstHeight", "lastHeight", "reason"]
            let spans = JSONScan.values(forKeys: keys.map { Array($0.utf8) }, in: bytes)
            func number(_ key: String) -> UInt64? { spans[keys.firstIndex(of: key)!].flatMap { JSONScan.uint64($0, in: bytes) } }
            func text(_ key: String) -> String {
                guard let span = spans[keys.firstIndex(of: key)!], let raw = JSONScan.unescapedString(span, in: bytes) else { return "?" }
                return String(decoding: raw, as: UTF8.self)
            }
            switch String(decoding: name, as: UTF8.self) {
            case "flight-recorder-sender-hello":
                let version = number("protocol")
                writeNote("sender connected: \(text("sender")) \(text("version")), pid \(number("pid").map(String.init) ?? "?"), protocol \(version.map(String.init) ?? "?")")
                if version != 1 {
                    // PROTOCOL.md: a recorder that does not support the version closes the connection.
                    writeNote("the sender speaks protocol \(version.map(String.init) ?? "?") and this slog-record speaks 1; closing its connection")
                    refusedProtocol = true
                }
                return
            case "flight-recorder-sender-lost":
                let count = number("count") ?? 0
                let first = number("firstHeight")
                let last = number("lastHeight")
                let reason = text("reason")
                recorder.recordSenderLost(count: count, firstHeight: first, lastHeight: last, reason: reason)
                senderLost += count
                let heights = first.map { "blocks \($0) to \(last.map(String.init) ?? "?")" } ?? "no block height known"
                writeNote("the sender lost \(count) records (\(heights)): \(reason)")
                return
            default:
                break
            }
        }
        handle(line, recorder)
    }

    /// Records one line (and acts on --halt-on and --ack).
    private mutating func handle(_ line: LineReader.Line, _ recorder: borrowing LockedRecorder) {
        switch line {
        case .tooLong(let size, let prefix):
            prefix.withUnsafeBytes { recorder.recordTooLarge(size: size, prefix: $0) }
        case .line(let bytes):
            switch LineShape(bytes) {
            case .blank: return
            case .objectShaped: break
            case .other: notJSON += 1
            }
            recorder.record(bytes)
            if let trigger = triggers.firstMatch(in: bytes) {
                report { () throws(FlightRecorderError) in try recorder.preserveBlackBoxForCurrentBlock(reason: trigger.reason) }
            }
        }
        recorded += 1
        if options.acknowledge { writeOutput("\(recorded)\n") }
    }

    private mutating func preserve(height: UInt64, reason: String) {
        let recorder = self.recorder
        report { () throws(FlightRecorderError) in try recorder.preserveBlackBox(height: height, reason: reason) }
    }

    /// A line of agd's log: on CometBFT's consensus-failure line, the black box of the last
    /// block this node committed, with the line as the reason and the app hashes it names.
    private mutating func checkHaltLog(_ line: String) {
        guard ConsensusFailureLine(line) != nil else { return }
        let recorder = self.recorder
        report { () throws(FlightRecorderError) in try recorder.preserveBlackBox(ifConsensusFailure: line) }
    }

    /// Preserves a black box with `preserve` and tells the operator what happened: the box's
    /// message, that this height's box exists already, or why none was preserved.
    private mutating func report(_ preserve: () throws(FlightRecorderError) -> BlackBox?) {
        do {
            guard let box = try preserve() else { return }
            switch box.disposition {
            case .preserved:
                blackBoxes += 1
                writeError(box.message + "\n")
            case .alreadyPreserved:
                writeNote("the black box of block \(box.height) was preserved already: \(box.path) (not preserved again)")
            }
        } catch {
            writeNote("could not preserve the black box: \(error)")
        }
    }

    /// The one-line summary on standard error.
    func summarize(_ reason: String) {
        let s = recorder.statistics
        var text = "slog-record: \(reason): \(recorded) lines, \(s.records) records, \(s.bytes) bytes, "
        text += "\(s.blocksCommitted) blocks committed, \(s.droppedRecords) dropped, \(s.oversizedRecords) too large, "
        text += "\(notJSON) not JSON, \(s.lostRecords) lost"
        if options.listen != nil { text += ", \(connections) sender connections, \(senderLost) lost by the sender" }
        if blackBoxes > 0 { text += ", \(blackBoxes) black box\(blackBoxes == 1 ? "" : "es") preserved" }
        text += "; ring \(options.ring!)\n"
        writeError(text)
        if let error = s.lastError { writeNote("last problem: \(error)") }
    }
}

extension InputPlan {
    /// Closes what `prepare` opened (the listening socket is removed).
    func close() {
        switch self {
        case .standardInput: break
        case .file: break  // closed by the stream reading it
        case .listen(let listener): listener.close()
        }
    }
}
