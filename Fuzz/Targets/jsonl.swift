// Fuzz target: SlogInput's JSON-lines reader (slogfiles), forced format.
import SlogInput

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONLines(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    writeFuzzFile(data, size)
    drainSource(format: .jsonLines)
    return 0
}
