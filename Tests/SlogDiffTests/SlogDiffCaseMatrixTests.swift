import TestSupport
import Foundation
import Synchronization
import Testing

/// A generated matrix of cases, each with the exact verdict it must get: exit status, first
/// divergent crank and the odd validators. The generator is deterministic (no randomness):
/// kinds of case (identical, divergence early/middle/late, record-level divergence under equal
/// hashes, formatting-only differences, restarts, partial windows, fragments starting mid-block
/// or mid-crank, damage of every format's kind) crossed with formats (SlogRing rings, Agoric
/// flight-recorder.bin, JSON-lines slogfiles, standard input) and 2, 3 and 5 validators.
///
/// The contract checked: exit 1 only for a divergence the inputs really show, at the right
/// crank, naming every odd validator; exit 2 whenever damage could hide or fake one and none
/// is shown; exit 0 only when everything agrees.
@Suite struct SlogDiffCaseMatrixTests {
    enum Format: String, CaseIterable {
        case jsonl, ring, agoric, stdin
    }

    /// How one input is damaged: a record of crank `crank` (the second syscall) is made
    /// unreadable the way its format allows.
    enum Damage {
        case none
        /// Slogfiles and standard input: the record is no longer valid JSON (braces intact).
        /// Rings: a byte of its frame flipped (checksum). Agoric: its length prefix broken.
        case record(crank: UInt64)
        /// The crank-finish of `crank` is no longer valid JSON (its hashes unreadable).
        case crankFinish(crank: UInt64)
    }

    struct InputSpec {
        var lines: [String]
        var format: Format
        var damage: Damage = .none
    }

    struct Case: CustomStringConvertible {
        var name: String
        var inputs: [InputSpec]
        var status: Int32
        var crank: Int?
        var odd: [String]?

        var description: String {
            "\(name) [\(inputs.map { $0.format.rawValue }.joined(separator: ","))]"
        }
    }

    // MARK: - The generator

    static let labels = ["A", "B", "C", "D", "E"]

    /// Formats for `count` inputs, rotating by `seed`; standard input at most once.
    static func formats(_ count: Int, _ seed: Int) -> [Format] {
        let rotation: [Format] = [.jsonl, .ring, .agoric, .stdin, .ring, .agoric, .jsonl]
        var out: [Format] = []
        var usedStdin = false
        for index in 0..<count {
            var format = rotation[(seed + index * 3) % rotation.count]
            if format == .stdin {
                if usedStdin { format = .jsonl }
                usedStdin = true
            }
            out.append(format)
        }
        return out
    }

    /// The same values spelled differently: whitespace, `\/`, `\u0076`, `1077.0`, other member
    /// order. Only in strings and values the readers do not key on (`crankNum` stays).
    static func reformatted(_ line: String) -> String {
        var text = line.replacingOccurrences(of: "/", with: #"\/"#)
        text = text.replacingOccurrences(of: #""vatID":"v"#, with: #""vatID":"\u0076"#)
        text = text.replacingOccurrences(of: #""replay":false,"#, with: #""replay" : false , "#)
        text = text.replacing(/"compute":(\d+)/) { "\"compute\":\($0.1).0" }
        let moved = #""crankType":"delivery","messageType":"send","#
        if text.contains(#""type":"crank-finish""#), text.contains(moved), text.hasSuffix("}") {
            text = text.replacingOccurrences(of: moved, with: "")
            text = String(text.dropLast()) + #", "messageType":"send", "crankType":"delivery"}"#
        }
        return "{ " + text.dropFirst()
    }

    /// Records a validator writes when it loads vat v2 lazily inside a crank after a restart.
    static let lazyVatLoad: [String] = [
        #"{"type":"vat-startup-start","vatID":"v2","time":1750000100.1,"monotime":1.1}"#,
        #"{"type":"create-vat","vatID":"v2","dynamic":false,"name":"v2","managerType":"xsnap","vatSourceBundle":{},"time":1750000100.2,"monotime":1.2}"#,
        #"{"type":"start-replay","vatID":"v2","deliveries":1,"time":1750000100.3,"monotime":1.3}"#,
        ##"{"type":"deliver","vatID":"v2","deliveryNum":0,"replay":true,"dispatch":"startVat","vd":["startVat",{"body":"#null","slots":[]}],"time":1750000100.4,"monotime":1.4}"##,
        #"{"type":"syscall","vatID":"v2","deliveryNum":0,"syscallNum":0,"replay":true,"syscall":"vatstoreGet","vsc":["vatstoreGet","k"],"time":1750000100.5,"monotime":1.5}"#,
        #"{"type":"deliver-result","vatID":"v2","deliveryNum":0,"replay":true,"dispatch":"startVat","dr":["ok",null,null],"time":1750000100.6,"monotime":1.6}"#,
        #"{"type":"finish-replay","vatID":"v2","time":1750000100.7,"monotime":1.7}"#,
        #"{"type":"heap-snapshot-load","vatID":"v2","snapPos":5,"hash":"ab12","time":1750000100.8,"monotime":1.8}"#,
        #"{"type":"vat-startup-finish","vatID":"v2","time":1750000100.9,"monotime":1.9}"#,
    ]

    /// `lines` with the lazy vat load inside crank `crank`, between its crank-start and deliver.
    static func withLazyLoad(_ lines: [String], crank: UInt64) -> [String] {
        var out = lines
        let start = out.firstIndex { $0.contains(#""type":"crank-start""#) && $0.contains(#""crankNum":\#(crank),"#) }!
        out.insert(contentsOf: lazyVatLoad, at: start + 1)
        return out
    }

    /// A node that died inside crank `crank` and ran its block again after a restart.
    static func withReexecution(_ validator: Validator, _ heights: ClosedRange<UInt64>, crank: UInt64) -> [String] {
        let lines = validator.blocks(heights)
        let died = lines.firstIndex { $0.contains(#""type":"syscall","crankNum":\#(crank),"#) }!
        let height = crank / UInt64(validator.cranksPerBlock)
        let blockStart = lines.firstIndex { $0.contains(#""type":"cosmic-swingset-begin-block","blockHeight":\#(height),"#) }!
        return Array(lines[...died]) + validator.restartRecords() + Array(lines[blockStart...])
    }

    static func index(_ lines: [String], _ type: String, crank: UInt64) -> Int {
        lines.firstIndex { $0.contains(#""type":"\#(type)","#) && $0.contains(#""crankNum":\#(crank),"#) }!
    }

    /// Every case. `seed` rotates the formats, so each kind meets several format mixes.
    static func cases() -> [Case] {
        var cases: [Case] = []
        var seed = 0
        func add(_ name: String, _ lines: [[String]], damage: [Damage]? = nil, status: Int32, crank: Int? = nil, odd: [String]? = nil) {
            let formats = Self.formats(lines.count, seed)
            seed += 1
            let inputs = lines.indices.map { InputSpec(lines: lines[$0], format: formats[$0], damage: damage?[$0] ?? .none) }
            cases.append(Case(name: name, inputs: inputs, status: status, crank: crank, odd: odd))
        }
        let heights: ClosedRange<UInt64> = 1...8  // cranks 4-35
        // Generated once per distinct validator (hashing every crank is the slow part).
        var made: [String: [String]] = [:]
        func blocks(_ validator: Validator, _ range: ClosedRange<UInt64>) -> [String] {
            let key = "\(validator.clockOffset) \(validator.faults) \(range)"
            if let lines = made[key] { return lines }
            let lines = validator.blocks(range)
            made[key] = lines
            return lines
        }
        func honest(_ offset: Double) -> [String] { blocks(Validator(clockOffset: offset), heights) }
        func faulty(_ offset: Double, _ fault: Validator.Fault, _ range: ClosedRange<UInt64> = 1...8) -> [String] {
            blocks(Validator(clockOffset: offset, faults: [fault]), range)
        }

        for round in 0..<3 {
            // Identical: 2, 3 and 5 validators, clocks apart.
            for count in [2, 3, 5] {
                add("identical \(count)-way", (0..<count).map { honest(Double($0) * 0.7 + Double(round)) }, status: 0)
            }
            // A divergence early, in the middle and late (the last crank), 2-, 3- and 5-way.
            for crank in [5, 18, 35] as [UInt64] {
                add("divergence at \(crank), 2-way", [honest(0), faulty(1, .syscallArgument(crank: crank))],
                    status: 1, crank: Int(crank), odd: ["A", "B"])
                add("divergence at \(crank), 3-way", [honest(0), honest(0.3), faulty(1, .syscallArgument(crank: crank))],
                    status: 1, crank: Int(crank), odd: ["C"])
                if round == 0 {
                    add("divergence at \(crank), 5-way, two odd", [
                        honest(0), faulty(1, .syscallArgument(crank: crank)), honest(0.2), honest(0.4), faulty(2, .extraSyscall(crank: crank)),
                    ], status: 1, crank: Int(crank), odd: ["B", "E"])
                }
            }
            // Records differ under equal hashes (a read-only syscall).
            add("extra read under equal hashes", [honest(0), faulty(0.5, .extraReadOnlySyscall(crank: 14 + UInt64(round)))],
                status: 1, crank: 14 + round, odd: ["A", "B"])
            // Formatting only, and formatting with a real divergence.
            add("formatting only", [honest(0), honest(0.5).map(reformatted)], status: 0)
            add("formatting only, 3-way", [honest(0).map(reformatted), honest(0.5), honest(0.9).map(reformatted)], status: 0)
            add("formatting and divergence", [honest(0).map(reformatted), faulty(0.5, .computeMeter(crank: 21))],
                status: 1, crank: 21, odd: ["A", "B"])
            // Restarts: a vat loaded lazily inside a crank; a block executed again.
            add("lazy vat load", [honest(0), withLazyLoad(honest(0.5), crank: 13 + UInt64(round))], status: 0)
            add("lazy vat load then divergence", [withLazyLoad(faulty(0.5, .syscallArgument(crank: 30)), crank: 13), honest(0), honest(1)],
                status: 1, crank: 30, odd: ["A"])
            add("block executed again after a restart", [honest(0), withReexecution(Validator(clockOffset: 0.5), heights, crank: 17)], status: 0)
            // Partial windows.
            add("partial windows", [honest(0), faulty(0.5, .syscallArgument(crank: 22), 3...8)], status: 1, crank: 22, odd: ["A", "B"])
            add("disjoint windows", [Validator().blocks(1...3), Validator(clockOffset: 1).blocks(5...8)], status: 2)
            // Fragments starting mid-block and mid-crank.
            let late = honest(0.5)
            let midBlock = index(late, "crank-start", crank: 13)
            add("fragment starts mid-block", [honest(0), Array(late[midBlock...])], status: 0)
            let divergent = faulty(0.5, .syscallArgument(crank: 20))
            let midCrank = index(divergent, "deliver", crank: 20) + 1
            add("fragment starts inside the divergent crank", [honest(0), Array(divergent[midCrank...])],
                status: 1, crank: 20, odd: ["A", "B"])
            add("fragment starts mid-crank, agrees", [honest(0), Array(late[(index(late, "deliver", crank: 20) + 1)...])], status: 0)
            // A node that died inside a crank: the records it holds are compared.
            func died(_ lines: [String], in crank: UInt64) -> [String] {
                let last = lines.firstIndex { $0.contains(#""type":"syscall-result","crankNum":\#(crank),"#) && $0.contains(#""syscallNum":1,"#) }!
                return Array(lines[...last])
            }
            add("node died inside the divergent crank", [honest(0), died(faulty(0.5, .syscallArgument(crank: 26)), in: 26)],
                status: 1, crank: 26, odd: ["A", "B"])
            add("node died inside the divergent crank, 3-way", [honest(0), honest(0.3), died(faulty(0.5, .syscallArgument(crank: 26)), in: 26)],
                status: 1, crank: 26, odd: ["C"])
            add("node died inside a crank, agrees", [honest(0), died(honest(0.5), in: 26)], status: 0)
            // Damage (every format's kind): no divergence shown is not "all agree".
            add("damaged record, no divergence", [honest(0), honest(0.5)], damage: [.none, .record(crank: 17)], status: 2)
            add("damaged record, divergence after it", [honest(0), faulty(0.5, .syscallArgument(crank: 25))],
                damage: [.none, .record(crank: 17)], status: 1, crank: 25, odd: ["A", "B"])
            add("damaged record, divergence before it", [honest(0), faulty(0.5, .syscallArgument(crank: 10))],
                damage: [.record(crank: 17), .none], status: 1, crank: 10, odd: ["A", "B"])
            add("damaged record, 3-way", [honest(0), honest(0.5), honest(0.9)], damage: [.none, .none, .record(crank: 29)], status: 2)
            add("garbled crank-finish before the divergence", [honest(0), faulty(0.5, .syscallArgument(crank: 25))],
                damage: [.none, .crankFinish(crank: 17)], status: 1, crank: 25, odd: ["A", "B"])
        }
        return cases
    }

    // MARK: - Writing the inputs

    /// Writes `spec` as its format; returns the path to give slog-diff and any standard input.
    static func write(_ spec: InputSpec, to path: String) throws -> (path: String, stdin: [UInt8]?) {
        var lines = spec.lines
        var target: String?
        switch spec.damage {
        case .none:
            break
        case .record(let crank):
            let index = lines.firstIndex { $0.contains(#""type":"syscall","crankNum":\#(crank),"#) && $0.contains(#""syscallNum":1,"#) }!
            target = lines[index]
            if spec.format == .jsonl || spec.format == .stdin {
                lines[index] = lines[index].replacingOccurrences(of: #""syscallNum":1,"#, with: #""syscallNum":1,,"#)
            }
        case .crankFinish(let crank):
            let index = Self.index(lines, "crank-finish", crank: crank)
            lines[index] = lines[index].replacingOccurrences(of: #""crankhash":""#, with: #""crankhash":"#)
        }
        switch spec.format {
        case .jsonl:
            try writeLines(path, lines)
            return (path, nil)
        case .stdin:
            return ("-", Array(slogText(lines).utf8))
        case .ring:
            try recordRing(path, capacity: 1 << 20, lines)
            if let target {
                var bytes = try readFile(path)
                let needle = Array(target.utf8)
                let at = try #require(firstIndex(of: needle, in: bytes))
                bytes[at + needle.count / 2] ^= 0x20  // the frame's checksum no longer matches
                try writeFile(path, bytes)
            }
            return (path, nil)
        case .agoric:
            var writer = AgoricWriter(fileSize: 512 << 10)
            for line in lines { writer.write(line) }
            var file = writer.file
            if let target {
                let record = try #require(writer.written.firstIndex(of: target))
                let prefix = 32 + writer.positions[record]
                for k in 0..<8 { file[prefix + k] = 0x7F }  // a length no record has
            }
            try writeFile(path, file)
            return (path, nil)
        }
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<start + needle.count].elementsEqual(needle) { return start }
        }
        return nil
    }

    // MARK: - The test

    @Test func everyGeneratedCaseGetsTheExactVerdict() throws {
        let cases = Self.cases()
        #expect(cases.count >= 60)
        print("slog-diff case matrix: \(cases.count) cases, \(cases.filter { $0.status == 1 }.count) divergent")
        let formats = Set(cases.flatMap { $0.inputs.map(\.format) })
        #expect(formats == Set(Format.allCases))
        let failures = Mutex<[String]>([])
        try withTemporaryDirectory { dir in
            // Two at a time: each run is a separate slog-diff process.
            DispatchQueue.concurrentPerform(iterations: cases.count) { number in
                let testCase = cases[number]
                do {
                    var paths: [String] = []
                    var stdin: [UInt8]?
                    for (index, spec) in testCase.inputs.enumerated() {
                        let written = try Self.write(spec, to: "\(dir)/case\(number)-\(Self.labels[index])")
                        paths.append(written.path)
                        if let bytes = written.stdin { stdin = bytes }
                    }
                    let run = try runTool("slog-diff", ["--json"] + paths, stdin: stdin)
                    let json = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
                    let first = json["firstDifference"] as? [String: Any]
                    var problems: [String] = []
                    if run.status != testCase.status { problems.append("exit \(run.status), expected \(testCase.status)") }
                    if let crank = first?["crankNum"] as? Int, crank != testCase.crank || testCase.status != 1 {
                        problems.append("crank \(crank), expected \(testCase.crank.map(String.init) ?? "none")")
                    } else if first == nil, testCase.crank != nil {
                        problems.append("no divergence, expected crank \(testCase.crank!)")
                    }
                    if let odd = testCase.odd, first?["odd"] as? [String] != odd {
                        problems.append("odd \(first?["odd"] as? [String] ?? []), expected \(odd)")
                    }
                    if testCase.status == 2, json["verdict"] as? String != "no-overlap" {
                        // Damage is named in the JSON and the verdict sentence.
                        let damaged = (json["inputs"] as? [[String: Any]] ?? []).contains { ($0["damage"] as? Int ?? 0) > 0 }
                        if !damaged || (json["verdictText"] as? String)?.contains("Damaged input") != true {
                            problems.append("damage not named: \(json["verdictText"] ?? "-")")
                        }
                    }
                    if !problems.isEmpty {
                        failures.withLock { $0.append("\(testCase): " + problems.joined(separator: "; ") + "\n  " + (json["verdictText"] as? String ?? run.stderr)) }
                    }
                } catch {
                    failures.withLock { $0.append("\(testCase): \(error)") }
                }
            }
        }
        let failed = failures.withLock { $0 }
        #expect(failed.isEmpty, "\(failed.count) of \(cases.count) cases wrong:\n\(failed.sorted().joined(separator: "\n"))")
    }
}
