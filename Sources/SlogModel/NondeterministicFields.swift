/// What differs between honest validators: the one place that says which parts of a slog
/// record are left out when two validators' records are compared.
///
/// Everything not listed here is consensus data and must match byte for byte: every other
/// field of crank, delivery and syscall records, including `dr` compute meters,
/// `kd`/`vd`/`ksc`/`vsc`/`ksr`/`vsr`, and `blockTime` (see `shared/slog-reference.md` §3).
/// Rules apply to **top-level** members, plus the nested members named in `nestedFields`.
///
/// Four kinds of rule:
/// 1. **Fields** (`fields`): top-level members removed by exact name.
/// 2. **Suffixes** (`suffixes`, less `suffixExceptions`): every top-level member whose name ends
///    in one of them is removed, except the names listed as exceptions.
/// 3. **Whole records**: records whose `type` is in `excludedTypes`, and, if `excludesReplay`,
///    records with `"replay": true`, are not compared at all.
/// 4. **Nested fields** (`nestedFields`): inside the value of a top-level member (an object, or
///    an array of values some of which are objects), members with these names are removed:
///    `dr` → `timestamps` drops the xsnap meter's wall-clock timestamps from `deliver-result`.
///
/// To extend it, add data, not code: `NondeterministicFields.agoric.adding(fields: ["foo"])`
/// (what a future `--ignore-field foo` option does).
package struct NondeterministicFields: Sendable, Equatable {
    /// Top-level field names that are always nondeterministic.
    package private(set) var fields: Set<String>
    /// Name endings that mark a top-level field as nondeterministic (`"Seconds"`, `"Time"`).
    package private(set) var suffixes: [String]
    /// Names that end in one of `suffixes` but are consensus data (`"blockTime"`).
    package private(set) var suffixExceptions: Set<String>
    /// Record types left out entirely (`"console"`).
    package private(set) var excludedTypes: Set<String>
    /// Whether records with a top-level `"replay": true` are left out entirely.
    package private(set) var excludesReplay: Bool
    /// For a top-level member name, the names of members removed inside its value (one level
    /// into an object, or into each object element of an array).
    package private(set) var nestedFields: [String: Set<String>]

    // The same lists as UTF-8, for matching raw record bytes without allocating.
    private var fieldBytes: [[UInt8]]
    private var suffixBytes: [[UInt8]]
    private var exceptionBytes: [[UInt8]]
    private var excludedTypeBytes: [[UInt8]]
    private var nestedBytes: [NestedRule]
    /// Bit n set when some field name is n bytes long (n < 64): most keys are rejected by it
    /// without comparing bytes.
    private var fieldLengths: UInt64

    /// A nested rule as UTF-8: the top-level member and the names removed inside it.
    private struct NestedRule: Sendable, Equatable {
        var key: [UInt8]
        var names: [[UInt8]]
    }

    /// Creates a rule set from explicit lists.
    package init(
        fields: Set<String>,
        suffixes: [String],
        suffixExceptions: Set<String>,
        excludedTypes: Set<String>,
        excludesReplay: Bool,
        nestedFields: [String: Set<String>] = [:]
    ) {
        self.nestedFields = nestedFields
        self.nestedBytes = nestedFields.sorted { $0.key < $1.key }.map {
            NestedRule(key: Array($0.key.utf8), names: $0.value.sorted().map { Array($0.utf8) })
        }
        self.fields = fields
        self.suffixes = suffixes
        self.suffixExceptions = suffixExceptions
        self.excludedTypes = excludedTypes
        self.excludesReplay = excludesReplay
        self.fieldBytes = fields.sorted().map { Array($0.utf8) }
        self.fieldLengths = fields.reduce(0) { mask, field in
            field.utf8.count < 64 ? mask | 1 << UInt64(field.utf8.count) : UInt64.max
        }
        self.suffixBytes = suffixes.map { Array($0.utf8) }
        self.exceptionBytes = suffixExceptions.sorted().map { Array($0.utf8) }
        self.excludedTypeBytes = excludedTypes.sorted().map { Array($0.utf8) }
    }

    /// The rules for Agoric's slog (agoric-sdk `slogger.js`, `controller.js`, `launch-chain.js`,
    /// `chain-main.js`).
    ///
    /// Fields:
    /// - `time`: wall-clock Unix seconds the controller appends to every record.
    /// - `monotime`: seconds since the node process started, appended to every record.
    /// - `seconds`: the elapsed time the controller appends to the end record of a duration pair.
    /// - `heapStats`: V8 heap statistics in `cosmic-swingset-after-commit-stats`; per-process.
    /// - `memoryUsage`: Node's `process.memoryUsage()` in the same record; per-process.
    /// - `heapSnapshot`: the file name of a heap snapshot the node chose to write (contains its
    ///   pid and wall clock), same record.
    /// - `inboundQueueStats`: lengths of the node's local inbound queues in
    ///   `cosmic-swingset-begin-block`; they depend on mempool timing.
    /// - `interBlockSeconds`, `blockLagSeconds`, `afterCommitHangoverSeconds`: begin-block
    ///   timings measured by the local clock (also covered by the `Seconds` suffix; listed so
    ///   the intent survives a change of suffix rules).
    ///
    /// Suffixes: every `*Seconds` and `*Time` top-level field is a local duration or timestamp
    /// (`runSeconds`, `cosmosCommitSeconds`, `chainTime`, `saveTime`, `fullSaveTime`,
    /// `statsTime`, ...), **except `blockTime`**, which is the block's consensus timestamp and
    /// must match.
    ///
    /// Nested: `dr` → `timestamps`: the xsnap worker's meter in `deliver-result`
    /// (`dr[2].timestamps`) lists wall-clock times of the delivery's steps (real slogs of 2022
    /// and 2025 carry it); the rest of the meter (`compute`, `allocate`, ...) is consensus data.
    ///
    /// Whole records:
    /// - `console`: vat and kernel console output may include node-local text.
    /// - `"replay": true`: a restarted validator replays vat transcripts and logs those
    ///   deliveries again; they are not consensus execution and appear on that validator only.
    /// - Restart-only records (class P of `shared/reference/agoric-slog-schema.md` §1): a node
    ///   writes them when it loads a vat into *this process*, which a restarted node does lazily,
    ///   inside whatever crank first needs the vat (between its `crank-start` and `deliver`):
    ///   `create-vat` (written the first time a vat is loaded in a process, not only at
    ///   creation), `vat-startup-start`/`vat-startup-finish`, `start-replay`/`finish-replay`
    ///   (around the replayed deliveries) and `heap-snapshot-load`. A validator that did not
    ///   restart has none of them in that crank. (`heap-snapshot-save` is consensus: every
    ///   validator saves at the same transcript position.) The kernel start-up records
    ///   (`kernel-init-*`, `import-kernel-*`, `cosmic-swingset-init`) are also restart-only but
    ///   lie between cranks; they stay, because readers recognise a restart by them.
    package static let agoric = NondeterministicFields(
        fields: [
            "time", "monotime", "seconds",
            "heapStats", "memoryUsage", "heapSnapshot",
            "inboundQueueStats", "interBlockSeconds", "blockLagSeconds", "afterCommitHangoverSeconds",
        ],
        suffixes: ["Seconds", "Time"],
        suffixExceptions: ["blockTime"],
        excludedTypes: [
            "console",
            "create-vat", "vat-startup-start", "vat-startup-finish", "start-replay", "finish-replay", "heap-snapshot-load",
        ],
        excludesReplay: true,
        nestedFields: ["dr": ["timestamps"]]
    )

    /// These rules plus more top-level field names treated as nondeterministic.
    ///
    /// - Parameter fields: Exact top-level field names, e.g. from `--ignore-field`.
    package func adding(fields extra: [String]) -> Self {
        NondeterministicFields(
            fields: fields.union(extra),
            suffixes: suffixes,
            suffixExceptions: suffixExceptions,
            excludedTypes: excludedTypes,
            excludesReplay: excludesReplay,
            nestedFields: nestedFields
        )
    }

    /// The names removed inside the value of the top-level member `key`, or `nil`.
    package func nestedNames(forKey key: UnsafeRawBufferPointer) -> [[UInt8]]? {
        for entry in nestedBytes where unsafe Self.equals(key, entry.key) { return entry.names }
        return nil
    }

    /// Whether the top-level field named `key` (unescaped UTF-8) is left out of comparisons.
    package func isNondeterministic(key: [UInt8]) -> Bool {
        unsafe key.withUnsafeBytes { unsafe isNondeterministic(key: $0) }
    }

    /// Whether the top-level field named `key` (unescaped UTF-8) is left out of comparisons,
    /// without allocating.
    package func isNondeterministic(key: UnsafeRawBufferPointer) -> Bool {
        if key.count >= 64 || fieldLengths >> UInt64(key.count) & 1 == 1 {
            for field in fieldBytes where unsafe Self.equals(key, field) { return true }
        }
        for suffix in suffixBytes where unsafe Self.hasSuffix(key, suffix) {
            for exception in exceptionBytes where unsafe Self.equals(key, exception) { return false }
            return true
        }
        return false
    }

    /// Whether records of this `type` (unescaped UTF-8) are left out of comparisons.
    package func isExcluded(type: UnsafeRawBufferPointer) -> Bool {
        for excluded in excludedTypeBytes where unsafe Self.equals(type, excluded) { return true }
        return false
    }

    private static func equals(_ bytes: UnsafeRawBufferPointer, _ other: [UInt8]) -> Bool {
        guard bytes.count == other.count else { return false }
        for i in other.indices where unsafe bytes[i] != other[i] { return false }
        return true
    }

    private static func hasSuffix(_ bytes: UnsafeRawBufferPointer, _ suffix: [UInt8]) -> Bool {
        guard bytes.count >= suffix.count else { return false }
        let offset = bytes.count - suffix.count
        for i in suffix.indices where unsafe bytes[offset + i] != suffix[i] { return false }
        return true
    }
}
