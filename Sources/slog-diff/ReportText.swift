import SlogModel
import SlogInput

/// The report for a person: each input's window, the overlap, the divergence with its hashes
/// and the first differing record side by side, then a one-line verdict.
///
/// Colour (ANSI) only when asked for: standard output is a terminal and `NO_COLOR` is unset.
struct TextReport {
    let report: Report
    let color: Bool
    /// Longest record text shown; longer ones are cut with their size noted.
    static let recordWidth = 400
    /// Problems listed per input.
    static let problemsShown = 5

    func render() -> String {
        var lines: [String] = []
        let labelWidth = report.fragments.map(\.displayName.count).max() ?? 0
        let formatWidth = report.fragments.map(\.format.displayName.count).max() ?? 0
        for fragment in report.fragments {
            lines.append(window(fragment, width: labelWidth, formatWidth: formatWidth))
            let damage = fragment.problems.filter { $0.problem.isDamage || $0.hole }
            for note in damage.prefix(Self.problemsShown) {
                lines.append("   " + paint("problem: ", .yellow) + problemText(note))
            }
            let shown = damage.prefix(Self.problemsShown).reduce(0) { $0 + 1 + $1.folded }
            if fragment.problemCount > shown {
                lines.append("   ... \(fragment.problemCount - shown) more problems (slog-tail --verify lists them)")
            }
        }
        guard let comparison = report.comparison else {
            lines.append(report.verdictSentence(paint: paint))
            return lines.joined(separator: "\n") + "\n"
        }
        lines.append(overlapLine(comparison))
        for range in comparison.uncompared.prefix(Self.problemsShown) {
            let cranks = range.first == range.last ? "crank \(range.first)" : "cranks \(range.first)-\(range.last)"
            lines.append("   not compared: \(cranks): \(range.reason)")
        }
        if comparison.uncompared.count > Self.problemsShown {
            lines.append("   ... \(comparison.uncompared.count - Self.problemsShown) more stretches not compared")
        }
        for detail in report.details {
            lines.append("")
            lines += section(detail, comparison: comparison)
        }
        for note in report.unfinishedNotes { lines.append("   " + note) }
        lines.append("")
        lines.append(report.verdictSentence(paint: paint))
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Pieces

    private func window(_ fragment: Fragment, width: Int, formatWidth: Int) -> String {
        var text = paint(fragment.label, .bold) + "  " + fragment.displayName.padded(to: width) + "  "
            + fragment.format.displayName.padded(to: formatWidth) + "  "
        text += "blocks " + range(fragment.firstHeight, fragment.lastHeight)
        text += ", cranks " + range(fragment.firstCrank, fragment.lastCrank) + " (\(fragment.latest.count) finished)"
        if fragment.restarts > 0 || fragment.reexecutedCranks > 0 {
            text += ", \(fragment.restarts) restart\(fragment.restarts == 1 ? "" : "s")"
            if fragment.reexecutedCranks > 0 { text += " (\(fragment.reexecutedCranks) cranks executed again: the later execution counts)" }
        }
        return text
    }

    private func overlapLine(_ comparison: Comparison) -> String {
        var text = paint("overlap:", .bold) + " blocks " + range(comparison.firstHeight, comparison.lastHeight)
            + ", cranks \(comparison.firstCrank)-\(comparison.lastCrank)"
        let compared = [Basis.crankhash, .activityhash, .records, .block].compactMap { basis -> String? in
            guard let count = comparison.comparedBy[basis], count > 0 else { return nil }
            return "\(count) by \(basis == .records ? "records (no hashes)" : basis.rawValue)"
        }
        text += compared.isEmpty ? "; no crank could be compared" : "; cranks compared: " + compared.joined(separator: ", ")
        return text
    }

    private func section(_ detail: Detail, comparison: Comparison) -> [String] {
        let divergence = detail.divergence
        let fragments = report.fragments
        var lines: [String] = []
        let place = (divergence.height.map { "block \($0), " } ?? "") + "crank \(divergence.crankNum)"
        switch divergence.basis {
        case .records where divergence.remark != nil:
            lines.append(paint("RECORDS DIFFER", .red) + " at \(place), although the hashes agree")
        case .records:
            lines.append(paint("DIVERGENCE", .red) + " at \(place): its records differ (the inputs have no crank hashes)")
        case .block:
            lines.append(paint("DIVERGENCE", .red) + " at crank \(divergence.crankNum): it belongs to different blocks")
        case .unfinished:
            lines.append(paint("DIVERGENCE", .red) + " at \(place): the records of a crank not every input finished differ")
        case .crankhash, .activityhash:
            lines.append(paint("DIVERGENCE", .red) + " at \(place): the \(divergence.basis.rawValue) differs")
        }
        if let remark = divergence.remark, divergence.basis != .records { lines.append("  " + remark) }
        if let last = divergence.lastAgreeing {
            lines.append("  last agreeing crank: \(last.crankNum)" + (last.height.map { " (block \($0))" } ?? ""))
        } else {
            lines.append("  last agreeing crank: none in the overlap (this is the first crank compared)")
        }
        for (index, fragment) in fragments.enumerated() {
            guard let crank = fragment.crank(divergence.crankNum) else { continue }
            var text = "  " + paint(fragment.label, .bold) + "  "
            if divergence.basis == .block { text += "block " + (crank.height.map(String.init) ?? "unknown") + "  " }
            text += "vat " + (fragment.name(crank.vat) ?? "-") + "  " + (fragment.name(crank.kind) ?? "-")
            if let type = fragment.name(crank.crankType) { text += " (\(type))" }
            text += "  crankhash " + short(crank.crankHash) + "  activityhash " + short(crank.activityHash)
            if fragments.count > 2, let majority = divergence.majority, !majority.contains(index) {
                text += "  " + paint("<- odd one out", .red)
            }
            lines.append(text)
        }
        if fragments.count > 2 { lines.append("  split: " + split(divergence)) }
        if let note = detail.note { lines.append("  " + note) }

        let a = fragments[detail.reference].label
        let b = fragments[detail.other].label
        switch detail.outcome {
        case .unavailable(let why):
            lines.append("  " + why)
        case .same(let count):
            lines.append("  the \(count) compared records of crank \(divergence.crankNum) are the same in \(a) and \(b): what differs is state the slog does not show")
        case .difference(let difference, let recordsA, let recordsB):
            if !detail.context.isEmpty {
                lines.append("  \(detail.context.count) record\(detail.context.count == 1 ? "" : "s") of \(a) before the first difference:")
                for record in detail.context { lines.append("     " + paint(clip(record.text), .dim)) }
            }
            switch difference {
            case .changed(let i, let j, let fields):
                let type = typeName(recordsA[i])
                lines.append("  first differing record: record \(i + 1) of crank \(divergence.crankNum)\(type.map { " (\($0))" } ?? "") in \(a) and \(b)")
                lines.append("  " + paint(a, .bold) + "  offset \(recordsA[i].offset): " + clip(recordsA[i].text))
                lines.append("  " + paint(b, .bold) + "  offset \(recordsB[j].offset): " + clip(recordsB[j].text))
                if let fields {
                    lines.append("  fields that differ (nondeterministic fields ignored):")
                    let width = min(40, fields.map(\.path.count).max() ?? 0)
                    for field in fields {
                        lines.append("    " + field.path.padded(to: width) + "  \(a) " + paint(clip(field.a ?? "(absent)", 160), .red))
                        lines.append("    " + "".padded(to: width) + "  \(b) " + paint(clip(field.b ?? "(absent)", 160), .green))
                    }
                } else {
                    lines.append("  (the fields of these records could not be listed)")
                }
            case .extra(let side, let at, let count, let otherAt):
                let (has, lacks) = side == 0 ? (a, b) : (b, a)
                let records = side == 0 ? recordsA : recordsB
                let others = side == 0 ? recordsB : recordsA
                let extra = records[at]
                lines.append("  first difference: \(paint("\(count) extra record\(count == 1 ? "" : "s")", .red)) in \(has) that \(lacks) does not have, from record \(at + 1) of crank \(divergence.crankNum)\(typeName(extra).map { " (\($0))" } ?? "")")
                for record in records[at..<min(at + count, at + 3)] {
                    lines.append("  " + paint(has, .bold) + "  offset \(record.offset): " + clip(record.text))
                }
                if count > 3 { lines.append("     ... \(count - 3) more") }
                if otherAt < others.count {
                    lines.append("  " + paint(lacks, .bold) + "  goes on with offset \(others[otherAt].offset): " + clip(others[otherAt].text))
                } else {
                    lines.append("  " + paint(lacks, .bold) + "  has no more records in this crank")
                }
            }
        }
        return lines
    }

    private func problemText(_ note: Fragment.ProblemNote) -> String {
        note.problem.description + note.between
            + (note.folded > 0 ? " (and \(note.folded) more problem\(note.folded == 1 ? "" : "s") there)" : "")
    }

    private func split(_ divergence: CrankDivergence) -> String {
        let names = divergence.groups.map { $0.map { report.fragments[$0].label }.joined(separator: ", ") }
        if let majority = divergence.majority {
            let odd = divergence.groups.filter { $0 != majority }.flatMap { $0 }.sorted().map { report.fragments[$0].label }
            return "\(names[0]) agree (the majority); \(odd.joined(separator: ", ")) \(odd.count == 1 ? "is the odd one out" : "disagree with it")"
        }
        return names.joined(separator: " | ") + " (no majority)"
    }

    // MARK: - Formatting

    private func range<T>(_ first: T?, _ last: T?) -> String {
        guard let first, let last else { return "unknown" }
        return "\(first)-\(last)"
    }

    private func short(_ hash: HashID?) -> String {
        guard let hash else { return "-" }
        return hash.isHex ? String(hash.text.prefix(16)) + "…" : hash.text
    }

    private func typeName(_ record: CapturedRecord) -> String? {
        record.bytes.withUnsafeBytes { bytes in
            SlogFieldsText.type(of: bytes)
        }
    }

    private func clip(_ text: String, _ width: Int = TextReport.recordWidth) -> String {
        guard text.count > width else { return text }
        return String(text.prefix(width)) + "… (\(text.utf8.count) bytes)"
    }

    enum Style: String {
        case bold = "1", dim = "2", red = "31", green = "32", yellow = "33"
    }

    func paint(_ text: String, _ style: Style) -> String {
        color ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }
}

extension String {
    /// The string padded with spaces to at least `width` characters.
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
