import SlogInput

/// Opens the fuzz file through SlogSources as `format` and reads every event and record.
func drainSource(format: SlogFormat) {
    guard let source = try? SlogSources.open(fuzzFilePath, format: format) else { return }
    var events = 0
    var total = 0
    while events < eventLimit, let event = source.next() {
        events += 1
        switch event {
        case .record, .marker, .opaque:
            source.withRecordBytes { bytes in total &+= bytes.count }
        case .problem(let problem):
            _ = "\(problem)"
        }
    }
    _ = source.status
    _ = total
}
