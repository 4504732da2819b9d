/// The problems one reading met: every one counted, only the first `limit` kept.
///
/// A damaged or hostile input can yield a problem every few bytes (6 MB of `x\n` lines are three
/// million of them), so keeping them all made memory grow with the damage, not the output
/// (issue 15). Counts saturate instead of trapping: a CRC-valid frame can claim that 2^64-1
/// records were lost.
package struct ProblemLog: Sendable {
    /// How many problems `--info`, `--verify` and slog-diff keep to print by default.
    package static let defaultLimit = 1000

    package let limit: Int
    /// The first `limit` problems, in the order met.
    package private(set) var kept: [SlogProblem] = []
    /// Problems that are damage (tools exit 1), all of them, kept or not.
    package private(set) var damage = 0
    /// Problems that are notices (a lap, a recovery note), all of them.
    package private(set) var notes = 0
    /// Records the damage is known to have lost, saturating at `UInt64.max`.
    package private(set) var lostRecords: UInt64 = 0

    package init(limit: Int = ProblemLog.defaultLimit) {
        self.limit = max(0, limit)
    }

    /// All problems met.
    package var count: Int { damage + notes }
    /// Problems counted but not kept.
    package var omitted: Int { count - kept.count }

    package mutating func add(_ problem: SlogProblem) {
        if problem.isDamage {
            damage += 1
            lostRecords = lostRecords.addingSaturating(problem.lostRecords ?? 0)
        } else {
            notes += 1
        }
        if kept.count < limit { kept.append(problem) }
    }

    /// `N more problems not shown (the first LIMIT are)`, when some were not kept.
    package var omissionSummary: String? {
        guard omitted > 0 else { return nil }
        return "\(omitted) more problem\(omitted == 1 ? "" : "s") not shown (only the first \(kept.count) are kept)"
    }
}

extension UInt64 {
    /// `self + other`, or `UInt64.max` where that overflows.
    package func addingSaturating(_ other: UInt64) -> UInt64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
