// Fuzz target: the top-level JSON scanner and the consensus normalizer on one record's bytes,
// in memory (no file). Checks what must hold for any input: spans lie inside the record.
import SlogModel

let keys: [[UInt8]] = ["type", "blockHeight", "time", "crankNum", "monotime", "vatID", "", "\u{0}"].map { Array($0.utf8) }
let fields = NondeterministicFields.agoric

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    for key in keys {
        if let span = JSONScan.value(forKey: key, in: bytes) {
            precondition(span.range.lowerBound >= 0 && span.range.upperBound <= size, "span outside the record")
            _ = JSONScan.unescapedString(span, in: bytes)
            _ = JSONScan.uint64(span, in: bytes)
            _ = JSONScan.int64(span, in: bytes)
        }
    }
    let all = JSONScan.values(forKeys: keys, in: bytes)
    for span in all { if let span { precondition(span.range.upperBound <= size) } }
    var members = 0
    _ = JSONScan.forEachMember(in: bytes) { _, _ in members += 1; return members < 10_000 }
    switch ConsensusNormalizer.normalize(bytes, fields: fields) {
    case .record(let normalized):
        // Normalizing is idempotent.
        let again = normalized.withUnsafeBytes { ConsensusNormalizer.normalize($0, fields: fields) }
        precondition(again == .record(normalized), "normalizing twice changed the record")
    case .excluded, .notJSON: break
    }
    return 0
}
