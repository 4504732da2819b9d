/// The JSON string literal for `s`, quotes included.
///
/// Escapes `"` and `\` and every control character below U+0020 (`\b` `\f` `\n` `\r` `\t`, the
/// rest as `\u00XX`); everything else is kept as UTF-8, as JavaScript's `JSON.stringify` does.
package func jsonEscaped(_ s: String) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(s.utf8.count + 2)
    appendJSONString(s, to: &bytes)
    return String(decoding: bytes, as: UTF8.self)
}

/// Appends the JSON string literal for `s`, quotes included, to `output`.
///
/// Escapes as ``jsonEscaped(_:)`` does.
package func appendJSONString(_ s: some StringProtocol, to output: inout [UInt8]) {
    appendJSONStringBytes(s.utf8, to: &output)
}

/// Appends the JSON string literal for the UTF-8 bytes `bytes`, quotes included, to `output`.
///
/// Escapes as ``jsonEscaped(_:)`` does; other bytes are copied as they are (not validated as
/// UTF-8).
package func appendJSONString(_ bytes: [UInt8], to output: inout [UInt8]) {
    appendJSONStringBytes(bytes, to: &output)
}

private func appendJSONStringBytes(_ bytes: some Sequence<UInt8>, to output: inout [UInt8]) {
    let backslash = UInt8(ascii: "\\")
    output.append(UInt8(ascii: "\""))
    for byte in bytes {
        let shortEscape: UInt8
        switch byte {
        case UInt8(ascii: "\""), backslash: shortEscape = byte
        case 0x08: shortEscape = UInt8(ascii: "b")
        case 0x09: shortEscape = UInt8(ascii: "t")
        case 0x0A: shortEscape = UInt8(ascii: "n")
        case 0x0C: shortEscape = UInt8(ascii: "f")
        case 0x0D: shortEscape = UInt8(ascii: "r")
        case 0..<0x20:
            output.append(backslash)
            output.append(UInt8(ascii: "u"))
            output.append(UInt8(ascii: "0"))
            output.append(UInt8(ascii: "0"))
            output.append(hexDigit(byte >> 4))
            output.append(hexDigit(byte & 0x0F))
            continue
        default:
            output.append(byte)
            continue
        }
        output.append(backslash)
        output.append(shortEscape)
    }
    output.append(UInt8(ascii: "\""))
}

/// The lowercase hexadecimal digit for `nibble` (0...15).
private func hexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
}
