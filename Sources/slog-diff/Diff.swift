import SlogModel
import SlogInput

#if canImport(Glibc)
import Glibc
#endif

/// One input as given on the command line.
struct Input {
    /// `A`, `B`, ...
    var label: String
    /// What messages call it (`standard input` for `-`).
    var displayName: String
    /// What to open: the path, or a spooled copy of standard input.
    var openPath: String
}

/// Why the diff could not be done (exit status 2).
struct Trouble: Error {
    var message: String
}

/// The record-level explanation of one divergent crank.
struct Detail {
    var divergence: CrankDivergence
    /// The inputs compared record by record: a member of the majority (or the first group),
    /// and the first input of another group.
    var reference: Int
    var other: Int
    var outcome: Outcome
    /// Up to `--context` records of the reference input just before the first difference.
    var context: [CapturedRecord] = []
    /// What the record comparison could not cover (a fragment that starts inside the crank).
    var note: String?

    enum Outcome {
        /// The first difference, with the compared records of each side.
        case difference(RecordDifference, a: [CapturedRecord], b: [CapturedRecord])
        /// Every compared record is the same: the difference is in state the slog does not show.
        case same(records: Int)
        /// The records cannot be compared; the reason.
        case unavailable(String)
    }
}

/// Everything the report shows.
struct Report {
    var fragments: [Fragment]
    var comparison: Comparison?
    var details: [Detail] = []
    var rules: NondeterministicFields
    /// What was found about cranks an input ends inside, where their records agree.
    var unfinishedNotes: [String] = []
    /// Whether `details` already explains a divergence found in an unfinished crank.
    var unfinishedDetail = false

    /// Why there is no overlap (when `comparison` is `nil`); the windows show which input holds
    /// which cranks (`0 finished` for one that holds none).
    var noOverlapReason: String { "the inputs hold no crank range in common, so there is nothing to compare" }

    /// The verdict contract (`Verdict.swift`): 1 a divergence the inputs show (hashes, intact
    /// records, or the records of a crank an input did not finish); 2 no overlap, or damage or
    /// lost records could hide one and none was shown; 0 every crank of the overlap compared and
    /// equal.
    var exitStatus: Int32 {
        guard let comparison else { return 2 }
        if comparison.found != nil { return 1 }
        return comparison.couldBeHidden ? 2 : 0
    }
}

/// Runs the whole diff: pass 1 over every input, the comparison, pass 2 where needed.
struct Diff {
    let options: Options
    let rules: NondeterministicFields
    let inputs: [Input]

    init(options: Options, inputs: [Input]) {
        self.options = options
        self.inputs = inputs
        var rules = NondeterministicFields.agoric.adding(fields: options.ignoredFields)
        if !options.ignoredTypes.isEmpty {
            rules = NondeterministicFields(
                fields: rules.fields, suffixes: rules.suffixes, suffixExceptions: rules.suffixExceptions,
                excludedTypes: rules.excludedTypes.union(options.ignoredTypes), excludesReplay: rules.excludesReplay)
        }
        self.rules = rules
    }

    func open(_ input: Input) throws(Trouble) -> any SlogSource {
        do {
            return try SlogSources.open(input.openPath, format: options.format)
        } catch {
            var message = error.description
            if input.openPath != input.displayName {
                message = message.replacing(input.openPath, with: input.displayName)
            }
            throw Trouble(message: message)
        }
    }

    /// `input` again, for pass 2: a slogfile from the line at `offset` (no need to read what
    /// comes before: its offsets stay those of the whole file), anything else from its start.
    func open(_ input: Input, from offset: Int, format: SlogFormat) throws(Trouble) -> any SlogSource {
        guard offset > 0, offset != .max, format == .jsonLines,
            let file = try? InputFile.open(path: input.openPath), file.isRegularFile, (try? file.seek(to: offset)) != nil
        else { return try open(input) }
        return ShiftedSource(JSONLinesSource(file: file), base: offset)
    }

    func run() throws(Trouble) -> Report {
        // Open everything first, so a bad path is reported before any long read; close each
        // input once read (a ring's mapping counts in the resident size while it is open).
        // Pass 1 reads the inputs at the same time, each on its own thread (they are independent
        // until compared): on two cores, two inputs take the wall time of one.
        let sources = ParallelResults<any SlogSource>(try inputs.map { input throws(Trouble) in try open(input) })
        let read = ParallelResults<Fragment>(count: inputs.count)
        inParallel(inputs.count) { index in
            let input = inputs[index]
            let source = sources.take(index)
            var builder = FragmentBuilder(
                fragment: Fragment(label: input.label, displayName: input.displayName, format: source.format),
                progress: options.json || options.brief
                    ? nil : Progress("slog-diff: reading \(input.label) (\(index + 1)/\(inputs.count)) \(input.displayName)"),
                context: options.context)
            var scanner = CrankScanner(rules: rules, digests: true)
            scanner.scan(source, into: &builder)
            builder.progress?.finish()
            read.put(builder.fragment, at: index)
        }
        let fragments = (0..<inputs.count).map { read.take($0) }
        var report = Report(fragments: fragments, comparison: Comparison.compare(fragments), rules: rules)
        guard report.comparison != nil else { return report }
        // An input that ends inside the crank after the overlap (a node that died in it): the
        // records it holds are compared with another input's, which may find the divergence.
        if report.comparison!.found == nil { try compareUnfinished(fragments, &report) }
        guard let comparison = report.comparison, !options.brief, !report.unfinishedDetail else { return report }

        // Pass 2: the records of each divergent crank, on the two inputs compared.
        var details: [Detail] = []
        var targets: [[(crankNum: UInt64, startOffset: Int)]] = Array(repeating: [], count: inputs.count)
        var readFrom = [Int](repeating: .max, count: inputs.count)
        for divergence in [comparison.recordsDifferWithEqualHashes, comparison.divergence].compactMap({ $0 }) {
            let reference = divergence.majority?.first ?? divergence.groups[0][0]
            let other = divergence.groups.first { !$0.contains(reference) }![0]
            details.append(Detail(divergence: divergence, reference: reference, other: other, outcome: .same(records: 0)))
            for input in [reference, other] {
                let crank = fragments[input].crank(divergence.crankNum)!
                targets[input].append((divergence.crankNum, crank.startOffset))
                readFrom[input] = min(readFrom[input], crank.contextOffset)
            }
        }
        // The inputs read again (in parallel too), each for its own cranks.
        let wantedInputs = targets.indices.filter { !targets[$0].isEmpty }
        let wantedCranks = targets
        let startOffsets = readFrom
        let capturedByInput = ParallelResults<Result<[CapturedCrank], Trouble>>(count: inputs.count)
        inParallel(wantedInputs.count) { n in
            let index = wantedInputs[n]
            let wanted = wantedCranks[index]
            // The hashes themselves were reported already; the records are explained by what
            // else differs, so the comparison of the crank's records leaves them out.
            let explaining = rules.adding(fields: ["crankhash", "activityhash"])
            var capture = CrankCapture(cranks: wanted, context: options.context, rules: explaining)
            capture.progress = options.json
                ? nil : Progress("slog-diff: reading \(inputs[index].label) again for the records of crank \(wanted[0].crankNum)")
            var scanner = CrankScanner(
                rules: rules, digests: false, damagedOffsets: fragments[index].damagedRecordOffsets, resumeAt: capture.resumeOffsets)
            do throws(Trouble) {
                try scanner.scan(open(inputs[index], from: startOffsets[index], format: fragments[index].format), into: &capture)
            } catch {
                capturedByInput.put(.failure(error), at: index)
                return
            }
            capture.progress?.finish()
            capturedByInput.put(.success(capture.cranks), at: index)
        }
        var captured: [[CapturedCrank]] = Array(repeating: [], count: inputs.count)
        for index in wantedInputs { captured[index] = try capturedByInput.take(index).get() }
        for index in details.indices {
            let detail = details[index]
            let number = detail.divergence.crankNum
            func crank(_ input: Int) -> CapturedCrank? {
                captured[input].first { $0.crankNum == number && $0.found }
            }
            let lost = [detail.reference, detail.other].filter { fragments[$0].crank(number)!.lostRecords }
            if !lost.isEmpty {
                details[index].outcome = .unavailable(
                    "the records of crank \(number) cannot be compared: records of it were lost or damaged in "
                        + lost.map { fragments[$0].label }.joined(separator: ", "))
                continue
            }
            guard let a = crank(detail.reference), let b = crank(detail.other) else {
                details[index].outcome = .unavailable("crank \(number) was not found again: did an input change while it was read?")
                continue
            }
            var comparedA = a.records.filter { $0.comparedBytes != nil }
            var comparedB = b.records.filter { $0.comparedBytes != nil }
            // A fragment that starts inside the crank: compare what it holds with the same
            // records of the other (from the first record they share).
            let cut = [detail.reference, detail.other].filter { !fragments[$0].crank(number)!.hasStart }
            if !cut.isEmpty {
                (comparedA, comparedB) = Self.alignStarts(comparedA, comparedB)
                details[index].note = "crank \(number) starts before the window of " + cut.map { fragments[$0].label }.joined(separator: ", ")
                    + ": only its records from there on were compared"
            }
            guard let difference = RecordAlignment.firstDifference(comparedA.map { $0.comparedBytes! }, comparedB.map { $0.comparedBytes! }) else {
                details[index].outcome = .same(records: comparedA.count)
                continue
            }
            details[index].outcome = .difference(difference, a: comparedA, b: comparedB)
            // Context: the reference input's records just before the first difference.
            let position: Int
            switch difference {
            case .changed(let at, _, _): position = at
            case .extra(let side, let at, _, let otherAt): position = side == 0 ? at : otherAt
            }
            var before = a.before
            if position < comparedA.count, let raw = a.records.firstIndex(where: { $0.offset == comparedA[position].offset }) {
                before += a.records[..<raw]
            } else {
                before += a.records
            }
            details[index].context = Array(before.suffix(options.context))
        }
        report.details = details
        return report
    }
}

extension Diff {
    /// Compares the records of the crank an input ends inside with the same crank of an input
    /// that finished it intact; a difference becomes the divergence (basis `unfinished`),
    /// agreement a note.
    func compareUnfinished(_ fragments: [Fragment], _ report: inout Report) throws(Trouble) {
        guard let comparison = report.comparison else { return }
        for (index, fragment) in fragments.enumerated() {
            guard let tail = fragment.unfinishedAtEnd, tail.crankNum > comparison.lastCrank,
                tail.crankNum == (fragment.lastCrank ?? 0) + 1 || fragment.lastCrank == nil,
                let reference = fragments.indices.first(where: { fragments[$0].crank(tail.crankNum)?.isComplete == true })
            else { continue }
            let number = tail.crankNum
            let explaining = rules.adding(fields: ["crankhash", "activityhash"])
            func capture(_ input: Int, at offset: Int) throws(Trouble) -> CapturedCrank? {
                var capture = CrankCapture(cranks: [(number, offset)], context: options.context, rules: explaining)
                var scanner = CrankScanner(
                    rules: rules, digests: false, damagedOffsets: fragments[input].damagedRecordOffsets, resumeAt: capture.resumeOffsets)
                try scanner.scan(open(inputs[input]), into: &capture)
                return capture.cranks.first { $0.found }
            }
            guard let full = try capture(reference, at: fragments[reference].crank(number)!.startOffset),
                let partial = try capture(index, at: tail.startOffset)
            else { continue }
            let b = partial.records.filter { $0.comparedBytes != nil }
            let a = Array(full.records.filter { $0.comparedBytes != nil }.prefix(b.count))
            let labels = (fragment.label, fragments[reference].label)
            guard let difference = RecordAlignment.firstDifference(a.map { $0.comparedBytes! }, b.map { $0.comparedBytes! }) else {
                report.unfinishedNotes.append(
                    "crank \(number) is unfinished in \(labels.0) (its input ends inside it): its \(b.count) compared records agree with \(labels.1)")
                continue
            }
            let holders = fragments.indices.filter { fragments[$0].crank(number) != nil }
            var divergence = CrankDivergence(
                crankNum: number, basis: .unfinished, heights: fragments.map { $0.crank(number)?.height },
                groups: [holders, [index]].sorted { $0.count > $1.count || ($0.count == $1.count && $0[0] < $1[0]) },
                lastAgreeing: (comparison.lastCrank, fragments[reference].crank(comparison.lastCrank)?.height))
            divergence.remark = "\(labels.0) did not finish crank \(number) (its input ends inside it); the records it holds differ from \(labels.1)'s"
            report.comparison!.divergence = divergence
            var detail = Detail(divergence: divergence, reference: reference, other: index, outcome: .difference(difference, a: a, b: b))
            detail.context = Array(full.before.suffix(options.context))
            report.details = [detail]
            report.unfinishedDetail = true
            return
        }
    }

    /// Two record lists of which one or both lack their beginning: both from the first record
    /// of the shorter-headed one that the other has too (else the same number from the end).
    static func alignStarts(_ a: [CapturedRecord], _ b: [CapturedRecord]) -> ([CapturedRecord], [CapturedRecord]) {
        guard let firstA = a.first?.comparedBytes, let firstB = b.first?.comparedBytes else { return (a, b) }
        if let j = b.firstIndex(where: { $0.comparedBytes == firstA }) { return (a, Array(b[j...])) }
        if let i = a.firstIndex(where: { $0.comparedBytes == firstB }) { return (Array(a[i...]), b) }
        let count = min(a.count, b.count)
        return (Array(a.suffix(count)), Array(b.suffix(count)))
    }
}

/// Copies standard input to an unlinked temporary file, so it can be read twice; returns a
/// path that opens it (`/proc/self/fd/N`, Linux).
func spoolStandardInput() throws(Trouble) -> String {
    let directory = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    var template = Array("\(directory)/slog-diff-stdin-XXXXXX".utf8CString)
    let fd = mkstemp(&template)
    guard fd >= 0 else {
        throw Trouble(message: "standard input: cannot create a temporary copy: \(String(cString: strerror(errno)))")
    }
    template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let got = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if got < 0 {
            if errno == EINTR { continue }
            throw Trouble(message: "standard input: read failed: \(String(cString: strerror(errno)))")
        }
        if got == 0 { break }
        var offset = 0
        while offset < got {
            let written = buffer.withUnsafeBytes { write(fd, $0.baseAddress! + offset, got - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Trouble(message: "standard input: cannot write its temporary copy: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }
    return "/proc/self/fd/\(fd)"
}
