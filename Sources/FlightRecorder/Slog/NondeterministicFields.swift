/// What differs between honest validators: the one place that says which parts of a slog
/// record are left out when two validators' records are compared.
///
/// Everything not listed here is consensus data and must match byte for byte: every other
/// field of crank, delivery and syscall records, including `dr` compute meters,
/// `kd`/`vd`/`ksc`/`vsc`/`ksr`/`vsr`, and `blockTime` (see `shared/slog-reference.md` §3).
/// Only **top-level** members are considered; nested values are compared as they are. Known
/// limit: 2022-era `deliver-result` records carry xsnap meter `timestamps` inside `dr`, which
/// differ between validators; those need a nested rule, which this type does not have yet.
///
/// Three kinds of rule:
/// 1. **Fields** (`fields`): top-level members removed by exact name.
/// 2. **Suffixes** (`suffixes`, less `suffixExceptions`): every top-level member whose name ends
///    in one of them is removed, except the names listed as exceptions.
/// 3. **Whole records**: records whose `type` is in `excludedTypes`, and, if `excludesReplay`,
///    records with `"replay": true`, are not compared at all.
///
/// To extend it, add data, not code: `NondeterministicFields.agoric.adding(fields: ["foo"])`
/// (what a future `--ignore-field foo` option does).
public struct NondeterministicFields: Sendable, Equatable {
    /// Top-level field names that are always nondeterministic.
    public private(set) var fields: Set<String>
    /// Name endings that mark a top-level field as nondeterministic (`"Seconds"`, `"Time"`).
    public private(set) var suffixes: [String]
    /// Names that end in one of `suffixes` but are consensus data (`"blockTime"`).
    public private(set) var suffixExceptions: Set<String>
    /// Record types left out entirely (`"console"`).
    public private(set) var excludedTypes: Set<String>
    /// Whether records with a top-level `"replay": true` are left out entirely.
    public private(set) var excludesReplay: Bool

    // The same lists as UTF-8, for matching raw record bytes without allocating.
    private var fieldBytes: [[UInt8]]
    private var suffixBytes: [[UInt8]]
    private var exceptionBytes: [[UInt8]]
    private var excludedTypeBytes: [[UInt8]]

    /// Creates a rule set from explicit lists.
    public init(
        fields: Set<String>,
        suffixes: [String],
        suffixExceptions: Set<String>,
        excludedTypes: Set<String>,
        excludesReplay: Bool
    ) {
        self.fields = fields
        self.suffixes = suffixes
        self.suffixExceptions = suffixExceptions
        self.excludedTypes = excludedTypes
        self.excludesReplay = excludesReplay
        self.fieldBytes = fields.sorted().map { Array($0.utf8) }
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
    /// Whole records:
    /// - `console`: vat and kernel console output may include node-local text.
    /// - `"replay": true`: a restarted validator replays vat transcripts and logs those
    ///   deliveries again; they are not consensus execution and appear on that validator only.
    public static let agoric = NondeterministicFields(
        fields: [
            "time", "monotime", "seconds",
            "heapStats", "memoryUsage", "heapSnapshot",
            "inboundQueueStats", "interBlockSeconds", "blockLagSeconds", "afterCommitHangoverSeconds",
        ],
        suffixes: ["Seconds", "Time"],
        suffixExceptions: ["blockTime"],
        excludedTypes: ["console"],
        excludesReplay: true
    )

    /// These rules plus more top-level field names treated as nondeterministic.
    ///
    /// - Parameter fields: Exact top-level field names, e.g. from `--ignore-field`.
    public func adding(fields extra: [String]) -> Self {
        NondeterministicFields(
            fields: fields.union(extra),
            suffixes: suffixes,
            suffixExceptions: suffixExceptions,
            excludedTypes: excludedTypes,
            excludesReplay: excludesReplay
        )
    }

    /// Whether the top-level field named `key` (unescaped UTF-8) is left out of comparisons.
    public func isNondeterministic(key: [UInt8]) -> Bool {
        key.withUnsafeBytes { isNondeterministic(key: $0) }
    }

    /// Whether the top-level field named `key` (unescaped UTF-8) is left out of comparisons,
    /// without allocating.
    package func isNondeterministic(key: UnsafeRawBufferPointer) -> Bool {
        for field in fieldBytes where Self.equals(key, field) { return true }
        for suffix in suffixBytes where Self.hasSuffix(key, suffix) {
            for exception in exceptionBytes where Self.equals(key, exception) { return false }
            return true
        }
        return false
    }

    /// Whether records of this `type` (unescaped UTF-8) are left out of comparisons.
    package func isExcluded(type: UnsafeRawBufferPointer) -> Bool {
        for excluded in excludedTypeBytes where Self.equals(type, excluded) { return true }
        return false
    }

    private static func equals(_ bytes: UnsafeRawBufferPointer, _ other: [UInt8]) -> Bool {
        guard bytes.count == other.count else { return false }
        for i in other.indices where bytes[i] != other[i] { return false }
        return true
    }

    private static func hasSuffix(_ bytes: UnsafeRawBufferPointer, _ suffix: [UInt8]) -> Bool {
        guard bytes.count >= suffix.count else { return false }
        let offset = bytes.count - suffix.count
        for i in suffix.indices where bytes[offset + i] != suffix[i] { return false }
        return true
    }
}
