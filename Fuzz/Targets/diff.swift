// Fuzz target: slog-diff's record comparison. The input is two records separated by the first
// 0xFF byte (never in UTF-8 JSON), or split in the middle: both are parsed with JSONValue, and
// when both parse, their field differences are computed. Checks what must hold for any input:
// a record never differs from itself, parsing its own text gives it back, and differences are
// capped by the limit. Built together with slog-diff's sources (all but main.swift).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDiff(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let cut = bytes.firstIndex(of: 0xFF) ?? size / 2
    let left = Array(bytes[..<cut])
    let right = Array(bytes[min(size, cut + (cut < size && bytes[cut] == 0xFF ? 1 : 0))...])
    let a = JSONValue.parse(left)
    let b = JSONValue.parse(right)
    if let a {
        precondition(a.differences(from: a).isEmpty, "a record differs from itself")
        precondition(JSONValue.parse(Array(a.text.utf8)) != nil, "a parsed record's own text does not parse")
    }
    if let a, let b {
        let differences = a.differences(from: b, limit: 8)
        precondition(differences.count <= 8, "more differences than the limit")
        precondition((a == b) == differences.isEmpty || a.text != b.text, "equal records with differences")
    }
    return 0
}
