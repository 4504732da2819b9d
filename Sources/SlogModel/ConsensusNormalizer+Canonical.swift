extension ConsensusNormalizer {
    /// What ``canonical(_:into:using:)`` made of a record.
    package enum Canonical: Equatable, Sendable {
        /// Not consensus execution: an excluded type or `"replay": true` (the record is valid).
        case excluded
        /// `output` holds the record's consensus content in canonical form.
        case record
        /// The bytes are not one valid JSON object: damage, not content.
        case notJSON
    }

    /// The record's consensus content in the canonical spelling of ``CanonicalJSON``: the
    /// members ``normalize(_:fields:)`` keeps, each value canonical, members sorted by key.
    ///
    /// Two records with equal JSON values compare equal whatever their formatting (whitespace,
    /// escapes, number spelling, member order); this is what slog-diff digests and compares.
    /// Unlike ``normalize(_:fields:)``, the whole record is validated: a record that is not one
    /// valid JSON object is ``Canonical/notJSON`` even where its top level looks well formed.
    ///
    /// - Parameters:
    ///   - bytes: One record, without its newline.
    ///   - fields: What differs between honest validators, usually ``NondeterministicFields/agoric``.
    ///   - output: Replaced by the canonical content (meaningful only for ``Canonical/record``).
    ///   - canonicalizer: Scratch state, reused from record to record to avoid allocating.
    /// - Complexity: O(n) in the record's length.
    ///   (Without `output`: the content is `canonicalizer.result`, valid until its next use.)
    package static func canonical(_ bytes: UnsafeRawBufferPointer, using canonicalizer: inout Canonicalizer) -> Canonical {
        // Only an object is a slog record.
        var first = 0
        while first < bytes.count, unsafe [0x20, 0x09, 0x0A, 0x0D].contains(bytes[first]) { first += 1 }
        guard first < bytes.count, unsafe bytes[first] == JSONScan.ASCII.openBrace else { return .notJSON }
        canonicalizer.policy.excluded = false
        guard unsafe canonicalizer.json.canonicalize(bytes, policy: &canonicalizer.policy) else { return .notJSON }
        return canonicalizer.policy.excluded ? .excluded : .record
    }

    package static func canonical(
        _ bytes: UnsafeRawBufferPointer, into output: inout [UInt8], using canonicalizer: inout Canonicalizer
    ) -> Canonical {
        output.removeAll(keepingCapacity: true)
        let outcome = unsafe canonical(bytes, using: &canonicalizer)
        if outcome == .record { unsafe output.append(contentsOf: canonicalizer.result) }
        return outcome
    }

    /// The canonical content of one record, allocating (for callers outside hot loops).
    package static func canonical(_ bytes: UnsafeRawBufferPointer, fields: NondeterministicFields) -> (Canonical, [UInt8]) {
        var canonicalizer = Canonicalizer(fields: fields)
        var output: [UInt8] = []
        let outcome = unsafe canonical(bytes, into: &output, using: &canonicalizer)
        return (outcome, output)
    }

    /// The rules and scratch state of ``canonical(_:into:using:)``, made once and reused from
    /// record to record (so nothing is copied or allocated per record).
    package struct Canonicalizer {
        var json = CanonicalJSON()
        fileprivate var policy: ConsensusPolicy
        /// The rules (also in `policy`), for ``ConsensusNormalizer/canonicalMembers(_:using:)``.
        let fields: NondeterministicFields
        /// Scratch of ``ConsensusNormalizer/canonicalMembers(_:using:)``: its check, and
        /// whether the record's members are in ``result`` (the record needed ``CanonicalJSON``)
        /// instead of `topLevel`.
        var check = CanonicalJSON.Check()
        var membersInResult = false
        /// Every top-level member the fast path read (keys and values as in the record; the
        /// consensus ones marked `kept`), and whether they are those of the last record
        /// (``indexedValue(_:in:)``).
        var topLevel: [TopLevelMember] = []
        /// Whether ``indexedValue(_:in:)`` can answer for the record
        /// ``ConsensusNormalizer/canonicalMembers(_:using:)`` last read (it took the fast path).
        /// (Stored: a computed property read on a caller's stored canonicalizer copied it.)
        package internal(set) var indexesTopLevel = false
        /// The keys whose first top-level member the fast path notes (``indexedValue(_:in:)``):
        /// `type`, `crankNum`, then the caller's `indexedKeys`.
        let indexedKeys: [[UInt8]]
        /// For each of `indexedKeys`, the index in `topLevel` of its first member in the last
        /// record (-1: none).
        var indexedMembers: [Int]
        /// The key-rule cache of ``rule(forKey:in:)``: open addressing, a few probes.
        var keyRules = [CachedKeyRule](repeating: .empty, count: CachedKeyRule.tableSize)
        /// For each nested rule's top-level key, what marks a member its rule removes in
        /// canonical text (`"timestamps":`); `nil` if a name would need escaping.
        let nestedMarks: [(key: [UInt8], marks: [[UInt8]]?)]

        /// - Parameter sortsTopLevel: `false` leaves the record's members in their order
        ///   (`CanonicalJSON.sortsTopLevel`), for callers that combine them order-independently.
        /// - Parameter indexedKeys: Top-level keys (needing no escapes in JSON) whose values
        ///   the caller reads in every record: the fast path notes where they are
        ///   (``indexedValue(_:in:)``, slot `2 + i`; slots 0 and 1 are `type` and `crankNum`).
        package init(fields: NondeterministicFields, sortsTopLevel: Bool = true, indexedKeys: [String] = []) {
            self.indexedKeys = (["type", "crankNum"] + indexedKeys).map { Array($0.utf8) }
            indexedMembers = [Int](repeating: -1, count: self.indexedKeys.count)
            policy = ConsensusPolicy(fields: fields)
            self.fields = fields
            json.sortsTopLevel = sortsTopLevel
            nestedMarks = fields.nestedFields.sorted { $0.key < $1.key }.map { entry in
                let names = entry.value.sorted().map { Array($0.utf8) }
                let plain = names.allSatisfy { name in name.allSatisfy { $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C } }
                return (Array(entry.key.utf8), plain ? names.map { [0x22] + $0 + [0x22, 0x3A] } : nil)
            }
        }

        /// The record's members when they are not sorted (see `init`).
        package func forEachMember(_ body: (Range<Int>) -> Void) { json.forEachTopLevelMember(body) }

        /// The canonical content of the last record canonicalized.
        package var result: UnsafeRawBufferPointer { unsafe json.result }
    }

    /// The normalizer's rules as a ``CanonicalJSON/Policy`` for the top-level members.
    fileprivate struct ConsensusPolicy: CanonicalJSON.Policy {
        let fields: NondeterministicFields
        var excluded = false

        mutating func rule(forKey key: UnsafeRawBufferPointer) -> CanonicalJSON.MemberRule {
            if unsafe fields.isNondeterministic(key: key) { return .drop }
            if let names = unsafe fields.nestedNames(forKey: key) { return .dropNested(names) }
            return .keep
        }

        mutating func member(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
            if key.count == 4, unsafe key.elementsEqual(ConsensusNormalizer.typeName), value.count >= 2, unsafe value.first == JSONScan.ASCII.quote,
                unsafe fields.isExcluded(type: UnsafeRawBufferPointer(rebasing: value.dropFirst().dropLast()))
            {
                excluded = true
            }
            if fields.excludesReplay, key.count == 6, value.count == 4, unsafe key.elementsEqual(ConsensusNormalizer.replayName),
                unsafe value.elementsEqual(ConsensusNormalizer.trueText)
            {
                excluded = true
            }
        }
    }

    static let typeName = Array("type".utf8)
    static let replayName = Array("replay".utf8)
    static let trueText = Array("true".utf8)
}
