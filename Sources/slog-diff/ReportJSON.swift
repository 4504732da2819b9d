import ToolSupport
import SlogModel
import SlogInput

/// The report for scripts (`--json`): one JSON object on one line.
///
/// ```
/// {"verdict":"divergent","verdictText":"verdict: divergent at block 5, crank 22 (crankhash): …","exitStatus":1,
///  "inputs":[{"label":"A","file":"a.ring","format":"ring","firstCrank":12,...,"problems":[...]}],
///  "overlap":{"firstCrank":12,"lastCrank":43,"firstHeight":3,"lastHeight":10,"compared":{"crankhash":11}},
///  "firstDifference":{…the object of divergence or recordsDifferWithEqualHashes, whichever comes first…},
///  "divergence":{"crankNum":22,"blockHeight":5,"basis":"crankhash","lastAgreeing":{"crankNum":21,"blockHeight":5},
///                "inputs":[{"label":"A","blockHeight":5,"crankhash":"…","activityhash":"…","vatID":"v3",...}],
///                "split":{"groups":[["A"],["B"]],"majority":null,"odd":[]},"odd":["A","B"],"who":"A and B differ",
///                "records":{"compared":["A","B"],"result":"changed","index":4,"a":{...},"b":{...},"fields":[...]},
///                "context":["{…}"]},
///  "recordsDifferWithEqualHashes":null,"uncompared":[],"couldBeHidden":false,"hidingProblems":[],"ignored":{...}}
/// ```
///
/// `verdict` is `divergent` (exit 1), `identical` (0), `incomplete` (2: no divergence found
/// but part of the overlap could not be compared) or `no-overlap` (2); `verdictText` is the
/// text report's verdict line. `firstDifference` is the first divergence whatever its basis
/// (hashes, or records under equal hashes): scripts read it, not the two keys it comes from.
/// `odd` lists every input outside the majority (all of them when there is none). Records are
/// given as JSON strings holding the record's exact text.
struct JSONReport {
    let report: Report

    func render() -> String {
        var fields: [String] = []
        let verdict: String
        if let comparison = report.comparison {
            verdict = comparison.found != nil ? "divergent" : comparison.couldBeHidden ? "incomplete" : "identical"
        } else {
            verdict = "no-overlap"
        }
        fields.append(member("verdict", jsonEscaped(verdict)))
        fields.append(member("verdictText", jsonEscaped(report.verdictSentence())))
        fields.append(member("exitStatus", "\(report.exitStatus)"))
        fields.append(member("inputs", array(report.fragments.map(input))))
        guard let comparison = report.comparison else {
            fields.append(member("reason", jsonEscaped(report.noOverlapReason)))
            fields.append(member("overlap", "null"))
            fields.append(member("firstDifference", "null"))
            fields.append(member("divergence", "null"))
            fields.append(member("recordsDifferWithEqualHashes", "null"))
            fields.append(member("ignored", ignored()))
            return object(fields) + "\n"
        }
        let compared = [Basis.crankhash, .activityhash, .records, .block].compactMap { basis in
            comparison.comparedBy[basis].map { member(basis.rawValue, "\($0)") }
        }
        fields.append(member("overlap", object([
            member("firstCrank", "\(comparison.firstCrank)"), member("lastCrank", "\(comparison.lastCrank)"),
            member("firstHeight", number(comparison.firstHeight)), member("lastHeight", number(comparison.lastHeight)),
            member("compared", object(compared)),
        ])))
        func detail(for divergence: CrankDivergence?) -> String {
            guard let divergence, let detail = report.details.first(where: { $0.divergence.crankNum == divergence.crankNum && $0.divergence.basis == divergence.basis }) else {
                return divergence.map { self.divergence($0, detail: nil) } ?? "null"
            }
            return self.divergence(divergence, detail: detail)
        }
        fields.append(member("firstDifference", detail(for: comparison.found)))
        fields.append(member("divergence", detail(for: comparison.divergence)))
        fields.append(member("recordsDifferWithEqualHashes", detail(for: comparison.recordsDifferWithEqualHashes)))
        fields.append(member("uncompared", array(comparison.uncompared.map { range in
            object([
                member("firstCrank", "\(range.first)"), member("lastCrank", "\(range.last)"),
                member("reason", jsonEscaped(range.reason)), member("lost", "\(range.lost)"),
            ])
        })))
        fields.append(member("couldBeHidden", "\(comparison.couldBeHidden)"))
        fields.append(member("unfinished", array(report.unfinishedNotes.map(jsonEscaped))))
        fields.append(member("hidingProblems", array(comparison.hidingProblems.map { input, note in
            problem(note, label: report.fragments[input].label)
        })))
        fields.append(member("ignored", ignored()))
        return object(fields) + "\n"
    }

    private func input(_ fragment: Fragment) -> String {
        object([
            member("label", jsonEscaped(fragment.label)), member("file", jsonEscaped(fragment.displayName)),
            member("format", jsonEscaped(fragment.format.rawValue)),
            member("records", "\(fragment.records)"), member("bytes", "\(fragment.bytes)"),
            member("cranks", "\(fragment.latest.count)"),
            member("firstCrank", number(fragment.firstCrank)), member("lastCrank", number(fragment.lastCrank)),
            member("firstHeight", number(fragment.firstHeight)), member("lastHeight", number(fragment.lastHeight)),
            member("restarts", "\(fragment.restarts)"), member("reexecutedCranks", "\(fragment.reexecutedCranks)"),
            member("unfinishedCranks", "\(fragment.unfinishedCranks)"),
            member("damage", "\(fragment.damage)"),
            member("problems", array(fragment.problems.prefix(100).map { problem($0, label: nil) })),
        ])
    }

    private func problem(_ note: Fragment.ProblemNote, label: String?) -> String {
        var fields: [String] = []
        if let label { fields.append(member("input", jsonEscaped(label))) }
        fields += [
            member("offset", number(note.problem.fileOffset)), member("description", jsonEscaped(note.problem.description)),
            member("damage", "\(note.problem.isDamage)"), member("recordsMayBeMissing", "\(note.hole)"),
            member("afterCrank", number(note.afterCrank)), member("beforeCrank", number(note.beforeCrank)),
        ]
        return object(fields)
    }

    private func divergence(_ divergence: CrankDivergence, detail: Detail?) -> String {
        let fragments = report.fragments
        var fields = [
            member("crankNum", "\(divergence.crankNum)"), member("blockHeight", number(divergence.height)),
            member("basis", jsonEscaped(divergence.basis.rawValue)),
            member("remark", divergence.remark.map(jsonEscaped) ?? "null"),
            member("lastAgreeing", divergence.lastAgreeing.map {
                object([member("crankNum", "\($0.crankNum)"), member("blockHeight", number($0.height))])
            } ?? "null"),
        ]
        var inputs: [String] = []
        for (index, fragment) in fragments.enumerated() {
            guard let crank = fragment.crank(divergence.crankNum) else { continue }
            let group = divergence.groups.firstIndex { $0.contains(index) } ?? 0
            inputs.append(object([
                member("label", jsonEscaped(fragment.label)), member("blockHeight", number(crank.height)),
                member("crankhash", crank.crankHash.map { jsonEscaped($0.text) } ?? "null"),
                member("activityhash", crank.activityHash.map { jsonEscaped($0.text) } ?? "null"),
                member("vatID", fragment.name(crank.vat).map(jsonEscaped) ?? "null"),
                member("deliveryKind", fragment.name(crank.kind).map(jsonEscaped) ?? "null"),
                member("crankType", fragment.name(crank.crankType).map(jsonEscaped) ?? "null"),
                member("group", "\(group)"),
            ]))
        }
        fields.append(member("inputs", array(inputs)))
        let labels = { (group: [Int]) in array(group.map { jsonEscaped(fragments[$0].label) }) }
        let odd = divergence.majority.map { majority in divergence.groups.filter { $0 != majority }.flatMap { $0 }.sorted() } ?? []
        fields.append(member("split", object([
            member("groups", array(divergence.groups.map(labels))),
            member("majority", divergence.majority.map(labels) ?? "null"),
            member("odd", labels(odd)),
        ])))
        fields.append(member("odd", labels(report.oddInputs(divergence))))
        fields.append(member("who", jsonEscaped(report.who(divergence))))
        guard let detail else {
            fields.append(member("note", "null"))
            fields.append(member("records", "null"))
            fields.append(member("context", "[]"))
            return object(fields)
        }
        fields.append(member("note", detail.note.map(jsonEscaped) ?? "null"))
        var records = [member("compared", array([detail.reference, detail.other].map { jsonEscaped(fragments[$0].label) }))]
        func record(_ record: CapturedRecord?) -> String {
            guard let record else { return "null" }
            return object([member("offset", "\(record.offset)"), member("record", jsonEscaped(record.text))])
        }
        switch detail.outcome {
        case .unavailable(let why):
            records += [member("result", jsonEscaped("unavailable")), member("reason", jsonEscaped(why))]
        case .same(let count):
            records += [member("result", jsonEscaped("same")), member("count", "\(count)")]
        case .difference(.changed(let i, let j, let differences), let a, let b):
            records += [
                member("result", jsonEscaped("changed")), member("index", "\(i + 1)"),
                member("type", a[i].bytes.withUnsafeBytes { SlogFieldsText.type(of: $0) }.map(jsonEscaped) ?? "null"),
                member("a", record(a[i])), member("b", record(b[j])),
                member("fields", differences.map { list in
                    array(list.map { field in
                        object([
                            member("path", jsonEscaped(field.path)),
                            member("a", field.a.map(jsonEscaped) ?? "null"), member("b", field.b.map(jsonEscaped) ?? "null"),
                        ])
                    })
                } ?? "null"),
            ]
        case .difference(.extra(let side, let at, let count, let otherAt), let a, let b):
            let (mine, others) = side == 0 ? (a, b) : (b, a)
            let extra = mine[at]
            let continuing = otherAt < others.count ? others[otherAt] : nil
            records += [
                member("result", jsonEscaped("extra")),
                member("extraIn", jsonEscaped(fragments[side == 0 ? detail.reference : detail.other].label)),
                member("index", "\(at + 1)"), member("count", "\(count)"),
                member("type", extra.bytes.withUnsafeBytes { SlogFieldsText.type(of: $0) }.map(jsonEscaped) ?? "null"),
                member("a", record(side == 0 ? extra : continuing)), member("b", record(side == 0 ? continuing : extra)),
                member("extraRecords", array(mine[at..<(at + count)].prefix(20).map { record($0) })),
            ]
        }
        fields.append(member("records", object(records)))
        fields.append(member("context", array(detail.context.map { jsonEscaped($0.text) })))
        return object(fields)
    }

    private func ignored() -> String {
        let rules = report.rules
        return object([
            member("fields", array(rules.fields.sorted().map(jsonEscaped))),
            member("suffixes", array(rules.suffixes.map(jsonEscaped))),
            member("suffixExceptions", array(rules.suffixExceptions.sorted().map(jsonEscaped))),
            member("types", array(rules.excludedTypes.sorted().map(jsonEscaped))),
            member("replay", "\(rules.excludesReplay)"),
        ])
    }

    private func member(_ key: String, _ value: String) -> String { jsonEscaped(key) + ":" + value }
    private func object(_ members: [String]) -> String { "{" + members.joined(separator: ",") + "}" }
    private func array(_ elements: [String]) -> String { "[" + elements.joined(separator: ",") + "]" }
    private func number<T: BinaryInteger>(_ value: T?) -> String { value.map { "\($0)" } ?? "null" }
}
