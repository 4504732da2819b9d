// Fuzz target: frame-level fuzzing with valid checksums (issue 15). The input is a ring image;
// before reading, its header checksum and the checksum (and ~length word) of every frame along
// its chain are recomputed (`RingImage.reseal`), so the mutations libFuzzer makes to sequences,
// kinds, lengths, positions and marker JSON are *believed* by the reader instead of being
// rejected as damage. Then: RingReader, RingSource, and the problem counting every tool does.
import SlogRing
import SlogInput

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var bytes = Array(UnsafeBufferPointer(start: data, count: size))
    RingImage.reseal(&bytes)
    bytes.withUnsafeBufferPointer { writeFuzzFile($0.baseAddress ?? data, $0.count) }
    if var reader = try? RingReader.open(path: fuzzFilePath) {
        var events = 0
        while events < eventLimit, let event = reader.next() {
            events += 1
            if case .record(let info) = event {
                reader.withRecordBytes { precondition($0.count == info.length) }
            }
        }
        _ = reader.status
    }
    if let source = try? SlogSources.open(fuzzFilePath, format: .ring) {
        var problems = ProblemLog(limit: 16)
        var events = 0
        while events < eventLimit, let event = source.next() {
            events += 1
            if case .problem(let problem) = event { problems.add(problem); _ = "\(problem)" }
        }
        _ = problems.omissionSummary
        _ = source.status
    }
    return 0
}
