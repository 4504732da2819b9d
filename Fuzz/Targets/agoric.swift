// Fuzz target: SlogInput's reader for Agoric's flight-recorder.bin (forced format, so inputs
// without the magic exercise the refusal too).
import SlogInput

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAgoric(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    writeFuzzFile(data, size)
    drainSource(format: .agoric)
    return 0
}
