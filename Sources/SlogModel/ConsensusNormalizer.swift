/// Reduces a slog record to its consensus content, so that records from two honest validators
/// compare equal byte for byte.
///
/// 1. Walk the top-level members (``JSONScan/forEachMember(in:_:)``). Bytes that are not a
///    well-formed JSON object are ``Normalized/notJSON``.
/// 2. If the record's `type` is excluded, or it has `"replay": true` (and the rules exclude
///    replays), it is ``Normalized/excluded``.
/// 3. Otherwise drop every member whose key is nondeterministic and join the others, each copied
///    byte for byte from its key's opening quote to the end of its value, with `,` inside `{}`.
///    A member with a nested rule (`dr`) is copied without the nested members it names.
///
/// ```
/// {"type":"deliver","crankNum":7,"kd":["message"],"time":1750000006.3,"monotime":26.9}
///   -> {"type":"deliver","crankNum":7,"kd":["message"]}
/// ```
///
/// Whitespace between members is dropped; whitespace inside a member is kept, so records are
/// expected to come from the same serializer (they do: the node's `JSON.stringify`).
package enum ConsensusNormalizer {
    /// A record reduced to what must match between validators.
    package enum Normalized: Equatable, Sendable {
        /// Not consensus execution: an excluded type (such as `console`) or `"replay": true`.
        case excluded
        /// The record without its nondeterministic top-level members: a valid JSON object if the
        /// input was one.
        case record([UInt8])
        /// The bytes are not a JSON object; callers compare them as they are.
        case notJSON
    }

    /// Normalizes one record.
    ///
    /// - Parameters:
    ///   - bytes: One record, without its newline.
    ///   - fields: What differs between honest validators, usually ``NondeterministicFields/agoric``.
    /// - Complexity: O(n) in the record's length.
    package static func normalize(_ bytes: UnsafeRawBufferPointer, fields: NondeterministicFields) -> Normalized {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        output.append(JSONScan.ASCII.openBrace)
        var excluded = false
        var first = true
        let wellFormed = unsafe JSONScan.forEachMember(in: bytes) { key, value in
            if unsafe JSONScan.keyEquals(key, typeKey, in: bytes), value.isString,
                unsafe isExcludedType(value, in: bytes, fields: fields)
            {
                excluded = true
            }
            if fields.excludesReplay, unsafe JSONScan.keyEquals(key, replayKey, in: bytes), unsafe isTrue(value, in: bytes) {
                excluded = true
            }
            if unsafe isNondeterministicKey(key, in: bytes, fields: fields) { return true }
            if !first { output.append(JSONScan.ASCII.comma) }
            first = false
            // From the key's opening quote to the end of the value (its closing quote, if a string).
            let start = key.range.lowerBound - 1
            let end = value.isString ? value.range.upperBound + 1 : value.range.upperBound
            if !value.isString, !key.hasEscapes,
                let names = unsafe fields.nestedNames(forKey: UnsafeRawBufferPointer(rebasing: bytes[key.range]))
            {
                unsafe output.append(contentsOf: bytes[start..<value.range.lowerBound])
                unsafe appendWithoutNested(UnsafeRawBufferPointer(rebasing: bytes[value.range]), names: names, to: &output)
                return true
            }
            unsafe output.append(contentsOf: bytes[start..<end])
            return true
        }
        guard wellFormed else { return .notJSON }
        if excluded { return .excluded }
        output.append(JSONScan.ASCII.closeBrace)
        return .record(output)
    }

    /// Copies a JSON value, removing members named in `names` from it if it is an object, or
    /// from each object element if it is an array. Anything else is copied as it is.
    private static func appendWithoutNested(_ value: UnsafeRawBufferPointer, names: [[UInt8]], to output: inout [UInt8]) {
        guard let opening = unsafe value.first else { return }
        if opening == JSONScan.ASCII.openBrace {
            unsafe appendObjectWithout(value, names: names, to: &output)
            return
        }
        guard opening == UInt8(ascii: "[") else {
            unsafe output.append(contentsOf: value)
            return
        }
        // An array: copy it element by element, filtering the object elements.
        output.append(UInt8(ascii: "["))
        var i = unsafe JSONScan.skipWhitespace(value, 1)
        var firstElement = true
        while i < value.count, unsafe value[i] != UInt8(ascii: "]") {
            guard let element = unsafe JSONScan.scanValue(value, i) else {
                unsafe output.append(contentsOf: UnsafeRawBufferPointer(rebasing: value[i...]).dropLast())
                break
            }
            let start = element.isString ? element.range.lowerBound - 1 : element.range.lowerBound
            let end = element.isString ? element.range.upperBound + 1 : element.range.upperBound
            if !firstElement { output.append(JSONScan.ASCII.comma) }
            firstElement = false
            let piece = unsafe UnsafeRawBufferPointer(rebasing: value[start..<end])
            if !element.isString, unsafe piece.first == JSONScan.ASCII.openBrace {
                unsafe appendObjectWithout(piece, names: names, to: &output)
            } else {
                unsafe output.append(contentsOf: piece)
            }
            i = unsafe JSONScan.skipWhitespace(value, end)
            if i < value.count, unsafe value[i] == JSONScan.ASCII.comma { i = unsafe JSONScan.skipWhitespace(value, i + 1) }
        }
        output.append(UInt8(ascii: "]"))
    }

    /// Copies a JSON object without the members named in `names` (a malformed one as it is).
    private static func appendObjectWithout(_ object: UnsafeRawBufferPointer, names: [[UInt8]], to output: inout [UInt8]) {
        var kept: [UInt8] = [JSONScan.ASCII.openBrace]
        var first = true
        let wellFormed = unsafe JSONScan.forEachMember(in: object) { key, value in
            let name = unsafe UnsafeRawBufferPointer(rebasing: object[key.range])
            if !key.hasEscapes, names.contains(where: { unsafe $0.elementsEqual(name) }) { return true }
            if !first { kept.append(JSONScan.ASCII.comma) }
            first = false
            let end = value.isString ? value.range.upperBound + 1 : value.range.upperBound
            unsafe kept.append(contentsOf: object[(key.range.lowerBound - 1)..<end])
            return true
        }
        guard wellFormed else {
            unsafe output.append(contentsOf: object)
            return
        }
        kept.append(JSONScan.ASCII.closeBrace)
        output.append(contentsOf: kept)
    }

    private static let typeKey = Array("type".utf8)
    private static let replayKey = Array("replay".utf8)

    private static func isTrue(_ value: JSONValueSpan, in bytes: UnsafeRawBufferPointer) -> Bool {
        unsafe !value.isString && value.range.count == 4 && bytes[value.range.lowerBound] == UInt8(ascii: "t")
    }

    private static func isExcludedType(
        _ value: JSONValueSpan,
        in bytes: UnsafeRawBufferPointer,
        fields: NondeterministicFields
    ) -> Bool {
        if !value.hasEscapes {
            return unsafe fields.isExcluded(type: UnsafeRawBufferPointer(rebasing: bytes[value.range]))
        }
        guard let type = unsafe JSONScan.unescapedString(value, in: bytes) else { return false }
        return unsafe type.withUnsafeBytes { unsafe fields.isExcluded(type: $0) }
    }

    private static func isNondeterministicKey(
        _ key: JSONValueSpan,
        in bytes: UnsafeRawBufferPointer,
        fields: NondeterministicFields
    ) -> Bool {
        if !key.hasEscapes {
            return unsafe fields.isNondeterministic(key: UnsafeRawBufferPointer(rebasing: bytes[key.range]))
        }
        // Rare: a key written with escapes. Unescape it (one allocation) to apply the same rules.
        guard let unescaped = unsafe JSONScan.unescapedString(key, in: bytes) else { return false }
        return unsafe unescaped.withUnsafeBytes { unsafe fields.isNondeterministic(key: $0) }
    }
}
