import ToolSupport
import FlightRecorder
import SlogModel

#if canImport(Glibc)
import Glibc
#endif

/// One run of `slog-record`: open the recorder and the input, record until the end, summarize.
struct Session {
    let options: Options
    let recorder: FlightRecorder
    var recorded: UInt64 = 0
    var notJSON: UInt64 = 0
    var blackBoxes = 0
    private let haltTypes: [[UInt8]]
    private let typeKey = Array("type".utf8)
    private let heightKey = Array("blockHeight".utf8)

    static func run(_ options: Options) -> Int32 {
        var configuration = FlightRecorder.Configuration(path: options.ring!)
        configuration.capacity = options.capacity
        configuration.retention = options.retention
        configuration.automaticMarkers = options.automaticMarkers
        let recorder: FlightRecorder
        do { recorder = try FlightRecorder(configuration: configuration) } catch {
            writeError("slog-record: \(error)\n")
            return 2
        }
        for note in recorder.openingNotes { writeError("slog-record: \(note)\n") }
        var session = Session(options: options, recorder: recorder)
        let status = session.recordInput()
        do { try recorder.close() } catch {
            writeError("slog-record: \(error)\n")
        }
        session.summarize(status.reason)
        return status.code
    }

    init(options: Options, recorder: FlightRecorder) {
        self.options = options
        self.recorder = recorder
        self.haltTypes = options.haltOnTypes.map { Array($0.utf8) }
    }

    /// Reads and records until end of input, a stop signal or a read error.
    mutating func recordInput() -> (code: Int32, reason: String) {
        let name = options.input ?? "standard input"
        while true {
            var descriptor = STDIN_FILENO
            if let path = options.input {
                // Opening a FIFO waits for its writer; a stop signal interrupts the wait.
                descriptor = open(path, O_RDONLY | O_CLOEXEC)
                if descriptor < 0 {
                    let error = errno
                    if error == EINTR, Signals.take() & Signals.stop != 0 { return (0, "stopped by signal") }
                    if error == EINTR { continue }
                    writeError("slog-record: \(path): cannot open: \(String(cString: strerror(error)))\n")
                    return (2, "input could not be opened")
                }
            }
            var reader = LineReader(descriptor: descriptor, maximumLine: recorder.maximumRecordLength)
            defer {
                reader.deallocate()
                if descriptor != STDIN_FILENO { close(descriptor) }
            }
            while true {
                let status = reader.readChunk { line in handle(line) }
                let signals = Signals.take()
                if signals & Signals.blackBox != 0 {
                    let statistics = recorder.statistics
                    preserve(height: statistics.lastCommittedHeight ?? statistics.openHeight ?? 0,
                             reason: "operator signal (SIGUSR1)")
                }
                if signals & Signals.stop != 0 { return (0, "stopped by signal") }
                switch status {
                case .more, .interrupted:
                    continue
                case .failed(let error):
                    writeError("slog-record: \(name): read failed: \(String(cString: strerror(error)))\n")
                    return (1, "read error")
                case .endOfFile:
                    break
                }
                break
            }
            guard options.reopenOnEOF, options.input != nil else { return (0, "end of input") }
        }
    }

    /// Records one line (and acts on --halt-on and --ack).
    private mutating func handle(_ line: LineReader.Line) {
        switch line {
        case .tooLong(let size, let prefix):
            prefix.withUnsafeBytes { recorder.recordTooLarge(size: size, prefix: $0) }
        case .line(let bytes):
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }  // blank line
            if !JSONScan.forEachMember(in: bytes, { _, _ in true }) { notJSON += 1 }
            recorder.record(bytes)
            if !haltTypes.isEmpty, let type = JSONScan.value(forKey: typeKey, in: bytes), type.isString,
                let name = JSONScan.unescapedString(type, in: bytes), haltTypes.contains(name)
            {
                let height = JSONScan.value(forKey: heightKey, in: bytes).flatMap { JSONScan.uint64($0, in: bytes) }
                let statistics = recorder.statistics
                preserve(height: height ?? statistics.lastCommittedHeight ?? statistics.openHeight ?? 0,
                         reason: "slog record of type \(String(decoding: name, as: UTF8.self))")
            }
        }
        recorded += 1
        if options.acknowledge { writeOutput("\(recorded)\n") }
    }

    private mutating func preserve(height: UInt64, reason: String) {
        do {
            let box = try recorder.preserveBlackBox(height: height, reason: reason)
            blackBoxes += 1
            writeError(box.message + "\n")
        } catch {
            writeError("slog-record: could not preserve the black box: \(error)\n")
        }
    }

    /// The one-line summary on standard error.
    func summarize(_ reason: String) {
        let s = recorder.statistics
        var text = "slog-record: \(reason): \(recorded) lines, \(s.records) records, \(s.bytes) bytes, "
        text += "\(s.blocksCommitted) blocks committed, \(s.droppedRecords) dropped, \(s.oversizedRecords) too large, "
        text += "\(notJSON) not JSON, \(s.lostRecords) lost"
        if blackBoxes > 0 { text += ", \(blackBoxes) black box\(blackBoxes == 1 ? "" : "es") preserved" }
        text += "; ring \(options.ring!)\n"
        writeError(text)
        if let error = s.lastError { writeError("slog-record: last problem: \(error)\n") }
    }
}
