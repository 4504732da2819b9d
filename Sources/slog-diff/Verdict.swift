import SlogInput

/// The one-line verdict, shared by the text report (its last line) and `--json` (`verdictText`).
///
/// The contract it states (the exit status says the same):
/// - divergent (exit 1) only for a difference in consensus content the inputs really show:
///   a hash or the canonical records of a crank every input holds intact;
/// - incomplete (exit 2) when damage or lost records could hide a divergence (or fake one:
///   damaged records are never compared as content) and none was shown;
/// - identical (exit 0) only when every crank of the overlap was compared and agrees.
extension Report {
    /// The verdict sentence; `paint` colours its key words (the text report on a terminal).
    func verdictSentence(paint: (String, TextReport.Style) -> String = { text, _ in text }) -> String {
        var text = paint("verdict:", .bold) + " "
        guard let comparison else {
            return text + paint("no overlap", .yellow) + ": " + noOverlapReason + damageNote()
        }
        if let found = comparison.found {
            let place = (found.height.map { "block \($0), " } ?? "") + "crank \(found.crankNum)"
            text += paint("divergent", .red) + " at \(place) (\(found.basis.rawValue)): " + who(found)
            if let later = comparison.divergence, later.crankNum != found.crankNum {
                text += "; hashes first differ at crank \(later.crankNum)"
            }
            if comparison.couldBeHidden {
                text += ". " + paint("An earlier divergence could be hidden", .yellow) + " in what was not compared before it: " + hiding(comparison)
            } else {
                text += ". Everything before it in the overlap was compared"
            }
        } else if comparison.couldBeHidden {
            text += "no divergence in the cranks compared, " + paint("but not all of the overlap could be compared", .yellow)
                + ": " + hiding(comparison) + "; a divergence there would not be seen"
        } else {
            let count = comparison.comparedBy.values.reduce(0, +)
            text += paint("no divergence", .green) + ": \(count) crank\(count == 1 ? "" : "s") compared, all agree"
        }
        return text + damageNote()
    }

    /// Who differs: every odd validator, against the majority if there is one.
    func who(_ divergence: CrankDivergence) -> String {
        let labels = { (group: [Int]) in group.map { fragments[$0].label }.joined(separator: ", ") }
        if let majority = divergence.majority {
            let odd = oddInputs(divergence)
            return labels(odd) + (odd.count == 1 ? " differs" : " differ") + " from the majority " + labels(majority)
        }
        if divergence.groups.count == 2 && divergence.groups.allSatisfy({ $0.count == 1 }) {
            return labels(divergence.groups[0]) + " and " + labels(divergence.groups[1]) + " differ"
        }
        return divergence.groups.map(labels).joined(separator: " | ") + " differ (no majority)"
    }

    /// The inputs outside the majority (every input, if there is no majority).
    func oddInputs(_ divergence: CrankDivergence) -> [Int] {
        guard let majority = divergence.majority else { return divergence.groups.flatMap { $0 }.sorted() }
        return divergence.groups.filter { $0 != majority }.flatMap { $0 }.sorted()
    }

    /// What was not compared and could hide a divergence, briefly.
    func hiding(_ comparison: Comparison) -> String {
        var parts: [String] = []
        for range in comparison.uncompared where range.lost {
            parts.append((range.first == range.last ? "crank \(range.first)" : "cranks \(range.first)-\(range.last)") + " (\(range.reason))")
        }
        for (input, note) in comparison.hidingProblems {
            parts.append("\(fragments[input].label) offset \(note.problem.fileOffset.map(String.init) ?? "?")" + note.between)
        }
        if parts.count > 4 { parts = Array(parts.prefix(4)) + ["..."] }
        return parts.joined(separator: "; ")
    }

    /// Damage each input has, named even where it could hide nothing (a truncated file).
    func damageNote() -> String {
        var parts: [String] = []
        for fragment in fragments {
            let damage = fragment.problems.filter { $0.problem.isDamage }
            guard let first = damage.first else { continue }
            let truncated = damage.contains {
                switch $0.problem.cause {
                case .beyondEndOfFile, .incompleteLastLine: true
                default: false
                }
            }
            var part = truncated ? "\(fragment.label) is truncated" : "\(fragment.label) is damaged"
            part += " (\(damage.count) problem\(damage.count == 1 ? "" : "s"), first at offset \(first.problem.fileOffset.map(String.init) ?? "?"))"
            parts.append(part)
        }
        guard !parts.isEmpty else { return "" }
        return ". Damaged input: " + parts.joined(separator: "; ")
    }
}

extension Fragment.ProblemNote {
    /// Where the problem lies among the cranks: ` (between cranks 16 and 18)`.
    var between: String {
        switch (afterCrank, beforeCrank) {
        case (let after?, let before?): " (between cranks \(after) and \(before))"
        case (let after?, nil): " (after crank \(after))"
        case (nil, let before?): " (before crank \(before))"
        case (nil, nil): ""
        }
    }
}
