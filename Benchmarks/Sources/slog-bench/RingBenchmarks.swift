import FlightRecorder
import SlogRing

#if canImport(Glibc)
    import Glibc
#endif

/// (1) `RingWriter.append` into a fresh, prefaulted ring: the library's own hot path.
struct AppendBenchmark: WriteBenchmark, ~Copyable {
    var writer: RingWriter
    let path: String

    init(path: String, capacity: Int) throws {
        writer = try RingWriter.create(path: path, capacity: capacity)
        self.path = path
    }

    @inline(__always)
    mutating func write(_ record: UnsafeRawBufferPointer) {
        do { _ = try writer.append(record) } catch { fatalError("append failed: \(error)") }
    }

    consuming func finish() throws -> FinishNotes {
        let path = self.path
        defer { unlink(path) }
        try writer.close()
        return FinishNotes(check: try readBack(path))
    }
}

/// `RingWriter.append` inside a `pthread_mutex_t` lock/unlock pair, the lock FlightRecorder's
/// `RecorderLock` holds its writer in: the price of the recorder's real lock, to split the
/// hook's cost into its parts. (Before issue #17 this row used `Synchronization.Mutex`, which
/// the recorder no longer uses.)
struct LockedAppendBenchmark: WriteBenchmark, ~Copyable {
    var writer: RingWriter
    let mutex: UnsafeMutablePointer<pthread_mutex_t>
    let path: String

    init(path: String, capacity: Int) throws {
        writer = try RingWriter.create(path: path, capacity: capacity)
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        self.path = path
    }

    @inline(__always)
    mutating func write(_ record: UnsafeRawBufferPointer) {
        // As RecorderLock.withLock: lock, check, body, unlock.
        let locked = pthread_mutex_lock(mutex)
        precondition(locked == 0, "pthread_mutex_lock failed: \(locked)")
        defer { pthread_mutex_unlock(mutex) }
        do { _ = try writer.append(record) } catch { fatalError("append failed: \(error)") }
    }

    consuming func finish() throws -> FinishNotes {
        let path = self.path
        defer { unlink(path) }
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        try writer.close()
        return FinishNotes(check: try readBack(path))
    }
}

/// (2) `FlightRecorder.record`, the write-slog hook, with its defaults: automatic markers on
/// (begin-block, crank-finish and commit records write a marker; a commit applies retention),
/// retention of the last 2 committed blocks. Every call takes the recorder's lock. With
/// `automaticMarkers: false` (the `recorder-nomarkers` row), the same without markers.
struct RecorderBenchmark: WriteBenchmark {
    let recorder: FlightRecorder
    let path: String

    init(path: String, capacity: Int, automaticMarkers: Bool = true) throws {
        var configuration = FlightRecorder.Configuration(path: path)
        configuration.capacity = capacity
        configuration.automaticMarkers = automaticMarkers
        recorder = try FlightRecorder(configuration: configuration)
        self.path = path
    }

    @inline(__always)
    mutating func write(_ record: UnsafeRawBufferPointer) {
        recorder.record(record)
    }

    consuming func finish() throws -> FinishNotes {
        let statistics = recorder.statistics
        try recorder.close()
        defer { unlink(path) }
        guard statistics.lostRecords == 0, statistics.oversizedRecords == 0 else {
            throw BenchError("recorder lost records: \(statistics)")
        }
        var check = try readBack(path)
        if statistics.droppedRecords > 0 {
            check += "; \(statistics.droppedRecords) records of blocks larger than the ring dropped"
        }
        return FinishNotes(markers: Int(statistics.markers), check: check)
    }
}

/// Reads the ring back with the real reader: a benchmark that wrote garbage fails loudly.
func readBack(_ path: String) throws -> String {
    var reader = try RingReader.open(path: path)
    var records = 0
    var issues: [String] = []
    while let event = reader.next() {
        switch event {
        case .record: records += 1
        case .skipped(let issue): issues.append(issue.description)
        }
    }
    guard issues.isEmpty, records > 0 else {
        throw BenchError("\(path) does not read back: \(records) records, issues: \(issues.prefix(3))")
    }
    return "reads back: \(records) records, no issues"
}
