import SlogInput
import SlogModel

/// A slogfile read from a line in its middle (pass 2 seeks to the records it wants): the
/// events of a `JSONLinesSource` opened there, with every offset moved by `base`, so they are
/// offsets in the whole file, as pass 1 saw them.
final class ShiftedSource: SlogSource {
    private let inner: JSONLinesSource
    private let base: Int

    init(_ inner: JSONLinesSource, base: Int) {
        self.inner = inner
        self.base = base
    }

    var path: String { inner.path }
    var format: SlogFormat { inner.format }
    var isFinished: Bool { inner.isFinished }
    var status: SlogSourceStatus { inner.status }

    func withRecordBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try inner.withRecordBytes(body)
    }

    func next() -> SlogEvent? {
        guard let event = inner.next() else { return nil }
        switch event {
        case .record(var record):
            record.fileOffset += base
            return .record(record)
        case .marker(let marker, var record):
            record.fileOffset += base
            return .marker(marker, record)
        case .opaque(var record):
            record.fileOffset += base
            return .opaque(record)
        case .problem(var problem):
            problem.fileOffset = problem.fileOffset.map { $0 + base }
            return .problem(problem)
        }
    }
}
