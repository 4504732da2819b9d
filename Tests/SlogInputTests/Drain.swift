import SlogInput

/// What reading a source to its end (or a limit) found: its records as `fold` kept them, its
/// problems, and how many events it yielded in all.
struct Drained<Records> {
    var records: Records
    var problems: [SlogProblem] = []
    var events = 0
}

/// Reads up to `limit` events of `source`, folding the bytes of each record (marker, opaque)
/// into `records` with `fold` and keeping every problem.
func drainEvents<Records>(
    _ source: any SlogSource, limit: Int, into records: Records, _ fold: (inout Records, UnsafeRawBufferPointer) -> Void
) -> Drained<Records> {
    var drained = Drained(records: records)
    while drained.events < limit, let event = source.next() {
        drained.events += 1
        switch event {
        case .record, .marker, .opaque: source.withRecordBytes { fold(&drained.records, $0) }
        case .problem(let problem): drained.problems.append(problem)
        }
    }
    return drained
}
