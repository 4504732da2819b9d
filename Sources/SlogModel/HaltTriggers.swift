/// CometBFT's consensus-failure log line, recognised in every spelling a validator's log has.
///
/// An app-hash divergence is detected by CometBFT, not by the JS kernel, and only logged; the
/// process keeps running and nothing reaches the slog (`../shared/reference/agoric-node-integration.md`).
/// The line, in the spellings this parser accepts (the hashes abbreviated):
///
/// ```text
/// E[2019-06-13|01:07:33.678] CONSENSUS FAILURE!!!  module=consensus err="Panicked on a Consensus Failure: +2/3 committed an invalid block: Wrong Block.Header.AppHash.  Expected 4A93…, got 0113…"
/// 3:04PM ERR CONSENSUS FAILURE!!! err="+2/3 committed an invalid block: wrong Block.Header.AppHash.  Expected 4A93…, got 0113…" module=consensus stack=…
/// {"level":"error","module":"consensus","err":"+2/3 committed an invalid block: wrong Block.Header.AppHash.  Expected 4A93…, got 0113…","stack":"…","message":"CONSENSUS FAILURE!!!"}
/// ```
///
/// with or without a journald or syslog prefix. "Expected" is this node's app hash, "got" the
/// one the network committed; the divergent block is the last one this node committed.
package struct ConsensusFailureLine: Equatable, Sendable {
    /// The marker every spelling contains.
    package static let marker = "CONSENSUS FAILURE!!!"
    /// The most of a line kept as the reason (a JSON line carries a whole goroutine stack).
    package static let reasonLimit = 1000

    /// The error text (`err`), unquoted and unescaped, if the line has one.
    package var error: String?
    /// This node's app hash (after "Expected"), if the error names one.
    package var expectedAppHash: String?
    /// The network's app hash (after "got"), if the error names one.
    package var gotAppHash: String?
    /// The reason to record: `CONSENSUS FAILURE!!! ` and the error, or the line without its
    /// stack trace; at most `reasonLimit` characters.
    package var reason: String

    /// Parses `line`; `nil` unless it contains `CONSENSUS FAILURE!!!`.
    package init?(_ line: some StringProtocol) {
        let text = String(line)
        guard text.contains(Self.marker) else { return nil }
        let error = Self.errorText(in: text)
        self.error = error
        let source = error ?? text
        expectedAppHash = Self.hash(after: "Expected ", in: source)
        gotAppHash = Self.hash(after: "got ", in: source, startingAfter: "Expected ")
        var reason: String
        if let error {
            reason = "\(Self.marker) \(error)"
        } else {
            reason = text.trimmingWhitespace()
            if let stack = reason.firstRange(of: " stack=") { reason = String(reason[..<stack.lowerBound]) }
        }
        if reason.count > Self.reasonLimit { reason = String(reason.prefix(Self.reasonLimit)) + "…" }
        self.reason = reason
    }

    /// The value of `err`: a JSON member (`"err":"…"`) or a logfmt pair (`err="…"` or `err=word`).
    static func errorText(in text: String) -> String? {
        if let brace = text.firstIndex(of: "{"), text.contains("\"err\"") {
            // A JSON log line, perhaps after a journald or syslog prefix.
            let bytes = Array(text[brace...].utf8)
            if let value = unsafe bytes.withUnsafeBytes({ raw -> [UInt8]? in
                guard let span = unsafe JSONScan.value(forKey: Array("err".utf8), in: raw), span.isString else { return nil }
                return unsafe JSONScan.unescapedString(span, in: raw)
            }) {
                return String(decoding: value, as: UTF8.self)
            }
        }
        guard let start = text.firstRange(of: " err=") ?? text.firstRange(of: "\terr=") else { return nil }
        var index = start.upperBound
        guard index < text.endIndex else { return nil }
        if text[index] == "\"" {
            // A quoted logfmt value: up to the closing quote, with \" and \\ unescaped.
            var value = ""
            index = text.index(after: index)
            while index < text.endIndex {
                let character = text[index]
                if character == "\\" {
                    let next = text.index(after: index)
                    guard next < text.endIndex else { break }
                    value.append(text[next])
                    index = text.index(after: next)
                    continue
                }
                if character == "\"" { return value }
                value.append(character)
                index = text.index(after: index)
            }
            return value
        }
        let end = text[index...].firstIndex(where: { $0 == " " || $0 == "\t" }) ?? text.endIndex
        return String(text[index..<end])
    }

    /// The hash after `label` (up to a comma, quote, backslash or whitespace; a final period
    /// dropped), searching after `anchor` when given.
    static func hash(after label: String, in text: String, startingAfter anchor: String? = nil) -> String? {
        var rest = Substring(text)
        if let anchor {
            guard let found = rest.firstRange(of: anchor) else { return nil }
            rest = rest[found.upperBound...]
        }
        guard let found = rest.firstRange(of: label) else { return nil }
        rest = rest[found.upperBound...]
        let end = rest.firstIndex(where: { ",\"\\ \t".contains($0) }) ?? rest.endIndex
        let value = String(rest[..<end]).trimmingCharacters(in: ".")
        return value.isEmpty ? nil : value
    }
}

/// A `--halt-on` trigger: a slog record type, optionally with a field whose text must contain a
/// value: `TYPE` or `TYPE:FIELD=TEXT`.
///
/// `console:args=KERNEL PANIC` fires on `{"type":"console",…,"args":["##### KERNEL PANIC: …"]}`
/// and on no other console record. A string field matches when its (unescaped) text contains
/// TEXT; an array or object field when its JSON text contains TEXT (as written or JSON-escaped);
/// a number or literal when its JSON text equals TEXT. Types that every block has many of
/// (`console`, `deliver`, `syscall`, …) are refused without a field condition: matching the
/// type alone preserved 12 black boxes in 2 blocks of ordinary console errors.
package struct HaltTrigger: Equatable, Sendable, CustomStringConvertible {
    package var type: String
    package var field: String?
    package var value: String?

    /// SwingSet's kernel panic, which reaches the slog only as a console record.
    package static let kernelPanic = HaltTrigger(type: "console", field: "args", value: "##### KERNEL PANIC")

    /// Types too frequent to be a trigger on their own.
    package static let frequentTypes: Set<String> = [
        "console", "deliver", "deliver-result", "syscall", "syscall-result", "crank-start", "crank-finish",
        "clist", "vat-startup-start", "vat-startup-finish", "heap-snapshot-save", "cosmic-swingset-begin-block",
        "cosmic-swingset-end-block-start", "cosmic-swingset-end-block-finish", "cosmic-swingset-commit-block-start",
        "cosmic-swingset-commit-block-finish", "cosmic-swingset-after-commit-stats", "cosmic-swingset-run-start",
        "cosmic-swingset-run-finish", "cosmic-swingset-bridge-inbound", "cosmic-swingset-deliver-inbound",
    ]

    package init(type: String, field: String? = nil, value: String? = nil) {
        self.type = type
        self.field = field
        self.value = value
        typeBytes = Array(type.utf8)
        fieldBytes = field.map { Array($0.utf8) } ?? []
        valueBytes = value.map { Array($0.utf8) } ?? []
        var escaped: [UInt8] = []
        if let value { appendJSONString(value, to: &escaped) }
        escapedValueBytes = Array(escaped.dropFirst().dropLast())
    }

    // The same as bytes, made once: `matches` runs on every record and allocates nothing for
    // records of other types.
    private let typeBytes: [UInt8]
    private let fieldBytes: [UInt8]
    private let valueBytes: [UInt8]
    private let escapedValueBytes: [UInt8]

    package static func == (a: HaltTrigger, b: HaltTrigger) -> Bool {
        a.type == b.type && a.field == b.field && a.value == b.value
    }

    /// Why a `--halt-on` specification was refused.
    package struct SpecificationError: Error, Equatable, Sendable, CustomStringConvertible {
        package var description: String
    }

    /// Parses `TYPE` or `TYPE:FIELD=TEXT`.
    package static func parse(_ specification: String) throws(SpecificationError) -> HaltTrigger {
        guard let colon = specification.firstIndex(of: ":") else {
            let type = specification.trimmingWhitespace()
            guard !type.isEmpty else { throw SpecificationError(description: "--halt-on needs a record type") }
            guard !frequentTypes.contains(type) else {
                throw SpecificationError(description: "--halt-on '\(type)' would fire on ordinary records (every block has many of type \(type)); add a field condition such as '\(type):FIELD=TEXT' (for a kernel panic: 'console:args=KERNEL PANIC')")
            }
            return HaltTrigger(type: type)
        }
        let type = String(specification[..<colon])
        let condition = specification[specification.index(after: colon)...]
        guard !type.isEmpty, let equals = condition.firstIndex(of: "="), equals != condition.startIndex,
            condition.index(after: equals) < condition.endIndex
        else {
            throw SpecificationError(description: "--halt-on '\(specification)' is not TYPE or TYPE:FIELD=TEXT")
        }
        return HaltTrigger(
            type: type, field: String(condition[..<equals]), value: String(condition[condition.index(after: equals)...]))
    }

    /// `TYPE` or `TYPE:FIELD=TEXT`.
    package var description: String {
        guard let field, let value else { return type }
        return "\(type):\(field)=\(value)"
    }

    /// Whether `record` (one slog record's JSON) fires this trigger. Costs one scan of `type`
    /// (the first member in slog records) for records of other types.
    package func matches(_ record: UnsafeRawBufferPointer) -> Bool {
        unsafe matchesRecord(record)
    }

    private func matchesRecord(_ record: UnsafeRawBufferPointer) -> Bool {
        guard let span = unsafe JSONScan.value(forKey: Self.typeKey, in: record), span.isString else { return false }
        if span.hasEscapes {
            guard unsafe JSONScan.unescapedString(span, in: record) == typeBytes else { return false }
        } else {
            guard span.range.count == typeBytes.count,
                unsafe typeBytes.withUnsafeBytes({ unsafe $0.elementsEqual(UnsafeRawBufferPointer(rebasing: record[span.range])) })
            else { return false }
        }
        guard field != nil, value != nil else { return true }
        guard let fieldSpan = unsafe JSONScan.value(forKey: fieldBytes, in: record) else { return false }
        if fieldSpan.isString {
            guard let text = unsafe JSONScan.unescapedString(fieldSpan, in: record) else { return false }
            return text.contains(valueBytes)
        }
        let raw = unsafe Array(UnsafeRawBufferPointer(rebasing: record[fieldSpan.range]))
        if raw.first == UInt8(ascii: "[") || raw.first == UInt8(ascii: "{") {
            return raw.contains(valueBytes) || raw.contains(escapedValueBytes)
        }
        return raw == valueBytes
    }

    /// Whether `record` fires this trigger (a string's UTF-8).
    package func matches(_ record: String) -> Bool {
        var record = record
        return record.withUTF8 { unsafe matches(UnsafeRawBufferPointer($0)) }
    }

    /// The reason recorded when this trigger fires.
    package var reason: String {
        guard let field, let value else { return "slog record of type \(type)" }
        return "slog record of type \(type) with \(field) containing '\(value)'"
    }

    private static let typeKey = Array("type".utf8)
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }

    fileprivate func trimmingCharacters(in set: String) -> String {
        var view = Substring(self)
        while let last = view.last, set.contains(last) { view.removeLast() }
        return String(view)
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in the bytes (naive search: records and needles are short).
    fileprivate func contains(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard needle.count <= count else { return false }
        let first = needle[0]
        var index = 0
        while index <= count - needle.count {
            if self[index] == first && self[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
