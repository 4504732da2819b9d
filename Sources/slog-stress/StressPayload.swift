/// The records slog-stress writes: self-describing, so a reader can verify any one of them.
///
/// `{"type":"stress","seq":SEQ,"pad":"xxxx..."}` padded with the letter `a + seq % 26` to
/// exactly `length` bytes (or just the prefix, cut, when `length` is shorter than it).
enum StressPayload {
    static func make(sequence: UInt64, length: Int) -> [UInt8] {
        var bytes = Array(#"{"type":"stress","seq":\#(sequence),"pad":""#.utf8)
        let letter = UInt8(ascii: "a") + UInt8(sequence % 26)
        if bytes.count + 2 <= length {
            bytes += [UInt8](repeating: letter, count: length - bytes.count - 2)
            bytes += Array(#""}"#.utf8)
        } else {
            bytes = Array(bytes.prefix(length))
        }
        return bytes
    }

    /// Whether `bytes` is exactly what `make(sequence:length: bytes.count)` produces.
    static func isValid(_ bytes: [UInt8], sequence: UInt64) -> Bool {
        bytes == make(sequence: sequence, length: bytes.count)
    }
}
