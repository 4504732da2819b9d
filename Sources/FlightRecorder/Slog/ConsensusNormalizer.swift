/// Reduces a slog record to its consensus content, so that records from two honest validators
/// compare equal byte for byte.
///
/// 1. Walk the top-level members (``JSONScan/forEachMember(in:_:)``). Bytes that are not a
///    well-formed JSON object are ``Normalized/notJSON``.
/// 2. If the record's `type` is excluded, or it has `"replay": true` (and the rules exclude
///    replays), it is ``Normalized/excluded``.
/// 3. Otherwise drop every member whose key is nondeterministic and join the others, each copied
///    byte for byte from its key's opening quote to the end of its value, with `,` inside `{}`.
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
        let wellFormed = JSONScan.forEachMember(in: bytes) { key, value in
            if JSONScan.keyEquals(key, typeKey, in: bytes), value.isString,
                isExcludedType(value, in: bytes, fields: fields)
            {
                excluded = true
            }
            if fields.excludesReplay, JSONScan.keyEquals(key, replayKey, in: bytes), isTrue(value, in: bytes) {
                excluded = true
            }
            if isNondeterministicKey(key, in: bytes, fields: fields) { return true }
            if !first { output.append(JSONScan.ASCII.comma) }
            first = false
            // From the key's opening quote to the end of the value (its closing quote, if a string).
            let start = key.range.lowerBound - 1
            let end = value.isString ? value.range.upperBound + 1 : value.range.upperBound
            output.append(contentsOf: bytes[start..<end])
            return true
        }
        guard wellFormed else { return .notJSON }
        if excluded { return .excluded }
        output.append(JSONScan.ASCII.closeBrace)
        return .record(output)
    }

    private static let typeKey = Array("type".utf8)
    private static let replayKey = Array("replay".utf8)

    private static func isTrue(_ value: JSONValueSpan, in bytes: UnsafeRawBufferPointer) -> Bool {
        !value.isString && value.range.count == 4 && bytes[value.range.lowerBound] == UInt8(ascii: "t")
    }

    private static func isExcludedType(
        _ value: JSONValueSpan,
        in bytes: UnsafeRawBufferPointer,
        fields: NondeterministicFields
    ) -> Bool {
        if !value.hasEscapes {
            return fields.isExcluded(type: UnsafeRawBufferPointer(rebasing: bytes[value.range]))
        }
        guard let type = JSONScan.unescapedString(value, in: bytes) else { return false }
        return type.withUnsafeBytes { fields.isExcluded(type: $0) }
    }

    private static func isNondeterministicKey(
        _ key: JSONValueSpan,
        in bytes: UnsafeRawBufferPointer,
        fields: NondeterministicFields
    ) -> Bool {
        if !key.hasEscapes {
            return fields.isNondeterministic(key: UnsafeRawBufferPointer(rebasing: bytes[key.range]))
        }
        // Rare: a key written with escapes. Unescape it (one allocation) to apply the same rules.
        guard let unescaped = JSONScan.unescapedString(key, in: bytes) else { return false }
        return unescaped.withUnsafeBytes { fields.isNondeterministic(key: $0) }
    }
}
