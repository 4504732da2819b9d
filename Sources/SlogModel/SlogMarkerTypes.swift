/// The slog record types (and their fields) that mark blocks and cranks, for automatic markers.
///
/// The defaults are Agoric's (`../shared/slog-reference.md`); another chain sets its own names.
package struct SlogMarkerTypes: Sendable, Equatable {
    /// A block begins: `cosmic-swingset-begin-block`.
    package var blockBegin = "cosmic-swingset-begin-block"
    /// A crank finished, with its hashes: `crank-finish`.
    package var crankFinish = "crank-finish"
    /// A block is committed: `cosmic-swingset-commit-block-finish`.
    package var blockCommit = "cosmic-swingset-commit-block-finish"
    /// The block height field of begin and commit records: `blockHeight`.
    package var blockHeightField = "blockHeight"
    /// The consensus block time field of begin records: `blockTime`.
    package var blockTimeField = "blockTime"
    /// The crank number field of crank-finish records: `crankNum`.
    package var crankNumberField = "crankNum"
    /// The crank hash field: `crankhash`.
    package var crankHashField = "crankhash"
    /// The activity hash field: `activityhash`.
    package var activityHashField = "activityhash"

    /// Agoric's names.
    package static let agoric = SlogMarkerTypes()

    /// Agoric's names (the same as `.agoric`).
    package init() {}
}
