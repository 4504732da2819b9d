/// What a crank was compared by.
enum Basis: String {
    /// The crank's `crankhash` (its consensus key-value changes).
    case crankhash
    /// The crank's `activityhash` (the chain of all crank hashes so far).
    case activityhash
    /// The digest of its normalized records (no hashes, or hashes agree but records differ).
    case records
    /// The block the crank belongs to.
    case block
    /// The records of a crank an input did not finish (it ends inside it: a node that died
    /// there), compared with the same records of an input that finished it.
    case unfinished
}

/// Where the inputs first disagree about one crank, and how they split.
struct CrankDivergence {
    var crankNum: UInt64
    var basis: Basis
    /// The crank's block in each input (`nil` where unknown).
    var heights: [UInt64?]
    /// Inputs (indexes) grouped by the value compared, largest group first; ties keep input order.
    var groups: [[Int]]
    /// The last crank all inputs agreed on before this one, and its block.
    var lastAgreeing: (crankNum: UInt64, height: UInt64?)?
    /// Why an `activityhash` differs while every `crankhash` agrees.
    var remark: String?

    /// The group agreeing with the majority, if one group is larger than every other.
    var majority: [Int]? {
        guard groups.count > 1, groups[0].count > groups[1].count else { return nil }
        return groups[0]
    }

    /// The block: the one all inputs that know it agree on, else the first known.
    var height: UInt64? { heights.compactMap { $0 }.first }
}

/// Cranks of the overlap that could not be compared in every input, as ranges.
struct UncomparedRange {
    var first: UInt64
    var last: UInt64
    var reason: String
    /// Whether records are missing there (as opposed to a crank cut by a fragment's edge).
    var lost: Bool
    var count: UInt64 { last - first + 1 }
}

/// The outcome of walking the overlap crank by crank.
struct Comparison {
    var firstCrank: UInt64
    var lastCrank: UInt64
    var firstHeight: UInt64?
    var lastHeight: UInt64?
    /// Cranks compared, by what (up to and including the divergence).
    var comparedBy: [Basis: Int] = [:]
    /// The first crank whose hashes (or block, or records where there are no hashes) differ.
    var divergence: CrankDivergence?
    /// The first crank whose records differ although its hashes agree (read-only syscalls do
    /// not enter the hash), if it comes before `divergence` or there is none.
    var recordsDifferWithEqualHashes: CrankDivergence?
    /// Cranks of the overlap not compared in every input (up to the divergence).
    var uncompared: [UncomparedRange] = []
    /// Damaged or lost stretches inside the overlap, before the divergence, per input.
    var hidingProblems: [(input: Int, note: Fragment.ProblemNote)] = []

    var found: CrankDivergence? { recordsDifferWithEqualHashes ?? divergence }

    /// Whether a divergence earlier than the one reported (or any, if none is) could lie in a
    /// stretch that was not compared.
    var couldBeHidden: Bool { !hidingProblems.isEmpty || uncompared.contains { $0.lost } }

    /// The cranks of the overlap, compared in every input in crank order.
    ///
    /// 1. The overlap is the crank range every input has finished cranks in: from the highest
    ///    first crank to the lowest last crank. `nil` when it is empty.
    /// 2. For each crank number in it (the union over inputs, ascending; a crank executed
    ///    twice counts by its last execution): if some input has no finished execution, it is
    ///    not compared. Otherwise compare, in order: the block (where every input knows it),
    ///    `crankhash` (where every input has one), `activityhash` (likewise); the first that
    ///    differs is the divergence. A hash that is not 64 hex digits where another input's is
    ///    is damage: the crank is not compared (lost). Without hashes, the record digests of
    ///    cranks complete in every input are compared instead.
    /// 3. Where hashes agree, record digests of cranks complete everywhere are compared too;
    ///    the first that differ is kept as `recordsDifferWithEqualHashes`. Where hashes agree but
    ///    an input lost records of the crank, it was not fully compared (a read could differ
    ///    unseen): it is listed as uncompared (lost), so the verdict cannot be "identical".
    /// 4. Problems that may have lost records, whose stretch lies inside the overlap before the
    ///    divergence, are kept as `hidingProblems`.
    static func compare(_ fragments: [Fragment]) -> Comparison? {
        let windows = fragments.map { ($0.firstCrank, $0.lastCrank) }
        guard windows.allSatisfy({ $0.0 != nil }) else { return nil }
        let low = windows.map { $0.0! }.max()!
        let high = windows.map { $0.1! }.min()!
        guard low <= high else { return nil }
        let sorted: [UInt64]
        if fragments.allSatisfy({ $0.latest.isDense }) {
            // Every input's numbers lie in its array, and low...high inside each input's range:
            // no wider than the smallest array.
            sorted = (low...high).filter { number in fragments.contains { $0.latest[number] != nil } }
        } else {
            var numbers = Set<UInt64>()
            for fragment in fragments {
                fragment.latest.forEachNumber { number in if number >= low && number <= high { numbers.insert(number) } }
            }
            sorted = numbers.sorted()
        }
        var result = Comparison(firstCrank: low, lastCrank: high)
        // The overlap's blocks: of its first and last cranks, in whichever input knows them.
        result.firstHeight = sorted.lazy.compactMap { n in fragments.lazy.compactMap { $0.crank(n)?.height }.first }.first
        result.lastHeight = sorted.reversed().lazy.compactMap { n in fragments.lazy.compactMap { $0.crank(n)?.height }.first }.first
        var lastAgreeing: (crankNum: UInt64, height: UInt64?)?
        var uncompared: [UncomparedRange] = []
        func skip(_ number: UInt64, _ reason: String, lost: Bool) {
            if var last = uncompared.last, last.reason == reason, last.last + 1 == number {
                last.last = number
                uncompared[uncompared.count - 1] = last
            } else {
                uncompared.append(UncomparedRange(first: number, last: number, reason: reason, lost: lost))
            }
        }
        func divergence(_ number: UInt64, _ basis: Basis, _ cranks: [CrankSummary], key: (CrankSummary) -> AnyHashable) -> CrankDivergence {
            CrankDivergence(
                crankNum: number, basis: basis, heights: cranks.map(\.height),
                groups: groups(cranks.map(key)), lastAgreeing: lastAgreeing)
        }
        var previous: UInt64?
        // Cranks the fast path found equal by `crankhash` (added to `comparedBy` at the end).
        var agreeingByCrankHash = 0
        var present: [CrankSummary] = []
        present.reserveCapacity(fragments.count)
        for number in sorted {
            defer { previous = number }
            // Crank numbers are consecutive; a number no input has is a stretch all lost.
            if let previous, number > previous + 1 {
                uncompared.append(UncomparedRange(first: previous + 1, last: number - 1, reason: "in no input", lost: true))
            }
            // Fast path, nearly every crank of two honest inputs: every input finished it, with
            // the same block, the same hex hashes, no lost records and the same record digest.
            // What the steps below conclude for such a crank, without their arrays.
            present.removeAll(keepingCapacity: true)
            for fragment in fragments {
                guard let crank = fragment.crank(number) else { break }
                present.append(crank)
            }
            if present.count == fragments.count, agreeFully(present) {
                agreeingByCrankHash += 1
                lastAgreeing = (number, present[0].height)
                continue
            }
            let cranks = fragments.map { $0.crank(number) }
            let missing = cranks.indices.filter { cranks[$0] == nil }
            if !missing.isEmpty {
                skip(number, "not finished in " + missing.map { fragments[$0].label }.joined(separator: ", "), lost: true)
                continue
            }
            let all = cranks.map { $0! }
            let heights = all.map(\.height)
            if heights.allSatisfy({ $0 != nil }), !allEqual(heights) {
                result.comparedBy[.block, default: 0] += 1
                result.divergence = divergence(number, .block, all) { AnyHashable($0.height) }
                break
            }
            let complete = all.allSatisfy(\.isComplete)
            let crankHashes = all.map(\.crankHash)
            let activityHashes = all.map(\.activityHash)
            let haveCrankHash = crankHashes.allSatisfy { $0 != nil }
            let haveActivityHash = activityHashes.allSatisfy { $0 != nil }
            // A hash that is not 64 hex digits where another input has one is damage (slogfiles
            // and Agoric rings have no checksum), not a divergence.
            let someHex = all.contains { $0.crankHash?.isHex == true || $0.activityHash?.isHex == true }
            let damagedHash = !someHex ? [] : all.indices.filter { input in
                all[input].crankHash?.isHex == false || all[input].activityHash?.isHex == false
            }
            if !damagedHash.isEmpty {
                skip(number, "its hashes are not hex (damaged) in " + damagedHash.map { fragments[$0].label }.joined(separator: ", "), lost: true)
                continue
            }
            if haveCrankHash || haveActivityHash {
                let basis: Basis = haveCrankHash ? .crankhash : .activityhash
                result.comparedBy[basis, default: 0] += 1
                if haveCrankHash, !allEqual(crankHashes) {
                    result.divergence = divergence(number, .crankhash, all) { AnyHashable($0.crankHash) }
                    break
                }
                if haveActivityHash, !allEqual(activityHashes) {
                    var found = divergence(number, .activityhash, all) { AnyHashable($0.activityHash) }
                    if haveCrankHash {
                        found.remark = lastAgreeing == nil
                            ? "every crankhash agrees but the activityhash already differs at the first crank compared: the inputs diverged before crank \(number), before the overlap"
                            : "every crankhash agrees but the activityhash differs: a step that writes no slog record (such as installing a bundle) diverged after crank \(lastAgreeing!.crankNum)"
                    }
                    result.divergence = found
                    break
                }
                if complete, result.recordsDifferWithEqualHashes == nil, !allEqual(all.map(\.digest)) {
                    var found = divergence(number, .records, all) { AnyHashable($0.digest) }
                    found.remark = "the \(basis.rawValue)es agree but the records differ (reads and other effects that change no state do not enter the hash)"
                    result.recordsDifferWithEqualHashes = found
                }
                // Records lost inside the crank: its hashes agree, but a record that changes no
                // state (a read) could differ unseen, so the crank was not fully compared.
                let lost = all.indices.filter { all[$0].lostRecords }
                if !lost.isEmpty {
                    skip(number, "records lost in " + lost.map { fragments[$0].label }.joined(separator: ", ") + " (its hashes agree)", lost: true)
                    lastAgreeing = (number, all[0].height)
                    continue
                }
            } else if complete {
                result.comparedBy[.records, default: 0] += 1
                if !allEqual(all.map(\.digest)) {
                    result.divergence = divergence(number, .records, all) { AnyHashable($0.digest) }
                    break
                }
            } else {
                let cut = all.indices.filter { !all[$0].isComplete }
                let lost = cut.contains { all[$0].lostRecords }
                let reason = (lost ? "records lost in " : "starts before the window of ") + cut.map { fragments[$0].label }.joined(separator: ", ")
                skip(number, reason, lost: lost)
                continue
            }
            lastAgreeing = (number, all[0].height)
        }
        if agreeingByCrankHash > 0 { result.comparedBy[.crankhash, default: 0] += agreeingByCrankHash }
        // Unfinished cranks at either end of an input are its edges, not losses.
        let limit = result.divergence?.crankNum ?? high
        result.uncompared = uncompared.filter { $0.first < limit || result.divergence == nil }
        // The cranks a problem may have swallowed lie strictly between the cranks finished
        // before and after it; they matter if some lie in the overlap before the divergence.
        var upper: UInt64? = high
        if let divergence = result.divergence { upper = divergence.crankNum > low ? divergence.crankNum - 1 : nil }
        if let upper {
            for (index, fragment) in fragments.enumerated() {
                for note in fragment.problems where note.hole {
                    let first = note.afterCrank.map { $0 == .max ? nil : $0 + 1 } ?? 0
                    let last = note.beforeCrank.map { $0 == 0 ? nil : $0 - 1 } ?? UInt64.max
                    guard let first, let last, first <= last, first <= upper, last >= low else { continue }
                    result.hidingProblems.append((index, note))
                }
            }
        }
        if let records = result.recordsDifferWithEqualHashes, let hashes = result.divergence,
            records.crankNum > hashes.crankNum
        {
            result.recordsDifferWithEqualHashes = nil
        }
        return result
    }

    /// Whether every crank (one per input) has the first one's block, `crankhash` (present,
    /// hex) and `activityhash` (hex, or absent everywhere), is complete, and has its record
    /// digest: then step 2 finds them equal by `crankhash` and step 3 finds nothing.
    private static func agreeFully(_ cranks: [CrankSummary]) -> Bool {
        let first = cranks[0]
        guard let crankHash = first.crankHash, crankHash.isHex, first.activityHash?.isHex != false, first.isComplete else {
            return false
        }
        for crank in cranks.dropFirst() {
            guard crank.height == first.height, crank.crankHash == crankHash, crank.activityHash == first.activityHash,
                crank.isComplete, crank.digest == first.digest
            else { return false }
        }
        return true
    }

    /// Whether every value equals the first (what `Set(values).count <= 1` says, without
    /// building a set for every crank).
    private static func allEqual<T: Equatable>(_ values: [T]) -> Bool {
        guard let first = values.first else { return true }
        return values.allSatisfy { $0 == first }
    }

    /// Groups input indexes by equal key, largest group first (ties: first member first).
    private static func groups(_ keys: [AnyHashable]) -> [[Int]] {
        var groups: [[Int]] = []
        var index: [AnyHashable: Int] = [:]
        for (input, key) in keys.enumerated() {
            if let group = index[key] {
                groups[group].append(input)
            } else {
                index[key] = groups.count
                groups.append([input])
            }
        }
        return groups.enumerated().sorted { ($0.element.count, -$0.offset) > ($1.element.count, -$1.offset) }.map(\.element)
    }
}
