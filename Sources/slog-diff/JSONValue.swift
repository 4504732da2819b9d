import SlogModel

/// A parsed JSON value, for explaining *which fields* of two differing records differ.
///
/// Only ever used on the two records shown as the first difference, never on the streaming
/// path (that uses `JSONScan` and `ConsensusNormalizer`). Numbers and literals are kept as their
/// text: the node's `JSON.stringify` writes each value one way, so equal text means equal value.
///
/// Depth is bounded (`maximumDepth`): a value nested deeper is kept as its raw text
/// (`.unparsed`) and compared as bytes, so hostile nesting costs no stack.
indirect enum JSONValue: Equatable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    /// A number, `true`, `false` or `null`, as written.
    case literal(String)
    /// A value nested deeper than the parser goes, as written.
    case unparsed(String)

    static let maximumDepth = 64

    static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let x), .array(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.literal(let x), .literal(let y)): x == y
        case (.unparsed(let x), .unparsed(let y)): x == y
        default: false
        }
    }

    /// Parses one JSON value filling all of `bytes` (whitespace around it allowed); `nil` if
    /// the bytes are not valid JSON.
    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        var parser = Parser(bytes: bytes)
        guard let value = parser.value(depth: 0) else { return nil }
        parser.skipWhitespace()
        return parser.index == bytes.count ? value : nil
    }

    /// The value as compact JSON text (strings re-escaped minimally).
    var text: String {
        switch self {
        case .object(let members):
            "{" + members.map { jsonEscaped($0.key) + ":" + $0.value.text }.joined(separator: ",") + "}"
        case .array(let elements): "[" + elements.map(\.text).joined(separator: ",") + "]"
        case .string(let s): jsonEscaped(s)
        case .literal(let s), .unparsed(let s): s
        }
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value(depth: Int) -> JSONValue? {
            skipWhitespace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth >= JSONValue.maximumDepth { return skipNested() }
                return bytes[index] == UInt8(ascii: "{") ? object(depth: depth) : array(depth: depth)
            case UInt8(ascii: "\""):
                return string().map(JSONValue.string)
            default:
                return literal()
            }
        }

        mutating func object(depth: Int) -> JSONValue? {
            index += 1
            var members: [(key: String, value: JSONValue)] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), let key = string() else { return nil }
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let member = value(depth: depth + 1) else { return nil }
                members.append((key, member))
                skipWhitespace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return .object(members)
                } else {
                    return nil
                }
            }
        }

        mutating func array(depth: Int) -> JSONValue? {
            index += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            }
            while true {
                guard let element = value(depth: depth + 1) else { return nil }
                elements.append(element)
                skipWhitespace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return .array(elements)
                } else {
                    return nil
                }
            }
        }

        /// A string starting at the opening quote; decodes escapes.
        mutating func string() -> String? {
            index += 1
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flushRaw() {
                if !raw.isEmpty {
                    scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                    raw.removeAll()
                }
            }
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    flushRaw()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""): raw.append(0x22)
                    case UInt8(ascii: "\\"): raw.append(0x5C)
                    case UInt8(ascii: "/"): raw.append(0x2F)
                    case UInt8(ascii: "b"): raw.append(0x08)
                    case UInt8(ascii: "f"): raw.append(0x0C)
                    case UInt8(ascii: "n"): raw.append(0x0A)
                    case UInt8(ascii: "r"): raw.append(0x0D)
                    case UInt8(ascii: "t"): raw.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let unit = hex4() else { return nil }
                        flushRaw()
                        if (0xD800..<0xDC00).contains(unit), index + 6 <= bytes.count,
                            bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                        {
                            let saved = index
                            index += 2
                            if let low = hex4(), (0xDC00..<0xE000).contains(low) {
                                let value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                                scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                                continue
                            }
                            index = saved
                        }
                        scalars.append(Unicode.Scalar(unit) ?? "\u{FFFD}")
                    default:
                        return nil
                    }
                default:
                    guard byte >= 0x20 else { return nil }
                    raw.append(byte)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard let value: UInt32 = bytes.withUnsafeBytes({ Hex.value($0, at: index, count: 4) }) else { return nil }
            index += 4
            return value
        }

        mutating func literal() -> JSONValue? {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                let isLiteralByte =
                    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
                    || byte == UInt8(ascii: "E")
                guard isLiteralByte else { break }
                index += 1
            }
            guard index > start else { return nil }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            guard text == "true" || text == "false" || text == "null" || Double(text) != nil else { return nil }
            return .literal(text)
        }

        /// Steps over a nested value too deep to parse, keeping its text (no recursion).
        mutating func skipNested() -> JSONValue? {
            let start = index
            var depth = 0
            var inString = false
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                if inString {
                    if byte == UInt8(ascii: "\\") {
                        index += 1
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        return .unparsed(String(decoding: bytes[start..<index], as: UTF8.self))
                    }
                default: break
                }
            }
            return nil
        }
    }
}

/// One field that differs between two records: its JSON path and its value on each side
/// (`nil` where the field is absent).
struct FieldDifference: Equatable {
    var path: String
    var a: String?
    var b: String?
}

extension JSONValue {
    /// The paths where `self` (side A) and `other` (side B) differ, in document order, at most
    /// `limit` of them. Objects are compared member by member by key, arrays element by
    /// element; a path ends where the two values stop being the same kind of container.
    func differences(from other: JSONValue, limit: Int = 32) -> [FieldDifference] {
        var out: [FieldDifference] = []
        JSONValue.collect(self, other, path: "", into: &out, limit: limit)
        return out
    }

    private static func collect(_ a: JSONValue?, _ b: JSONValue?, path: String, into out: inout [FieldDifference], limit: Int) {
        guard out.count < limit else { return }
        switch (a, b) {
        case (.object(let x)?, .object(let y)?):
            // By key (the first occurrence of a repeated key), in A's order, then B's extra keys.
            var inY: [String: Int] = [:]
            for (index, member) in y.enumerated() where inY[member.key] == nil { inY[member.key] = index }
            var seen = Set<String>()
            for member in x where seen.insert(member.key).inserted {
                let match = inY[member.key].map { y[$0].value }
                collect(member.value, match, path: memberPath(path, member.key), into: &out, limit: limit)
                if out.count >= limit { return }
            }
            for member in y where !seen.contains(member.key) {
                seen.insert(member.key)
                collect(nil, member.value, path: memberPath(path, member.key), into: &out, limit: limit)
                if out.count >= limit { return }
            }
        case (.array(let x)?, .array(let y)?):
            for index in 0..<max(x.count, y.count) {
                collect(index < x.count ? x[index] : nil, index < y.count ? y[index] : nil,
                        path: path + "[\(index)]", into: &out, limit: limit)
                if out.count >= limit { return }
            }
        default:
            if a == b { return }
            out.append(FieldDifference(path: path.isEmpty ? "(record)" : path, a: a?.text, b: b?.text))
        }
    }

    /// `path.key`, or `path["key"]` when the key is not a plain identifier.
    private static func memberPath(_ path: String, _ key: String) -> String {
        let plain = !key.isEmpty && key.unicodeScalars.allSatisfy {
            ($0.properties.isAlphabetic && $0.isASCII) || ("0"..."9").contains($0) || $0 == "_" || $0 == "$" || $0 == "-"
        }
        if plain { return path.isEmpty ? key : path + "." + key }
        return path + "[" + jsonEscaped(key) + "]"
    }
}
