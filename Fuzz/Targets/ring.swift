// Fuzz target: SlogRing's reader (RingReader) over a file whose bytes are the fuzz input, read
// to the end, record bytes touched; then the same file through SlogInput's RingSource.
import SlogRing
import SlogInput

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRing(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    writeFuzzFile(data, size)
    if var reader = try? RingReader.open(path: fuzzFilePath) {
        var checksum = 0
        var events = 0
        while events < eventLimit, let event = reader.next() {
            events += 1
            if case .record(let info) = event {
                reader.withRecordBytes { bytes in
                    precondition(bytes.count == info.length)
                    for byte in bytes { checksum &+= Int(byte) }
                }
            }
            _ = event
        }
        _ = reader.status
        _ = checksum
    }
    drainSource(format: .ring)
    return 0
}
