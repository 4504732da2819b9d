import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The records every write benchmark consumes: Agoric-shaped slog JSON, each record brought to
/// one size class, in the order a node emits them. Every benchmark of a size class writes the
/// same records in the same order (the slow baselines a prefix of them), so the comparison is
/// on the same bytes.
///
/// A block is what a busy SwingSet block looks like in `../shared/slog-reference.md` §1 and in
/// the real sample (`Tests/Fixtures/real-slog/sample.slog…`: crank-start/finish 8% each, syscall and
/// syscall-result 31% each): begin-block, then 6 cranks of crank-start, deliver,
/// 4 × (syscall, syscall-result), clist, deliver-result, crank-finish, then commit-block-start
/// and commit-block-finish. 81 records, 8 of which (10%) make FlightRecorder write an automatic
/// marker (begin-block, crank-finish, commit-block-finish).
///
/// Fitting a record to a size: its fields are rendered in the node's order; if the record is
/// too long, optional fields are dropped (least useful first, never `type` or the fields a
/// marker needs); if it is too short, a string the record naturally carries grows (a message
/// body, a vatstore value), or, for records without one (block records, clist, crank-finish,
/// deliver-result), a `"pad"` member is appended after the record's own members. Block records
/// cannot be made 64 bytes (their type and height alone take 61–70), so the 64 B class is
/// 64 B on average (`meanLength`), not exactly.
final class RecordPool {
    /// The nominal size class (64, 256, 1024 or 16384 bytes).
    let sizeClass: Int
    /// The allocation holding the records; they start half a page into it.
    private let allocation: UnsafeMutableRawPointer
    /// All records, back to back, in a buffer that outlives every benchmark.
    private let storage: UnsafeMutableRawBufferPointer
    /// One view per record into `storage`, in order.
    let records: UnsafeMutableBufferPointer<UnsafeRawBufferPointer>
    /// Records in one block (the pool holds whole blocks).
    let recordsPerBlock: Int

    var count: Int { records.count }
    var totalBytes: Int { storage.count }
    var meanLength: Double { Double(totalBytes) / Double(count) }
    /// How many records have exactly `sizeClass` bytes.
    var exactCount: Int { records.reduce(0) { $0 + ($1.count == sizeClass ? 1 : 0) } }

    /// Builds whole blocks until the pool holds about `targetBytes` (at least one block). A
    /// pool that fits in the L2 cache keeps the source of every copy hot, as in a node that
    /// serialized the record just before calling the hook.
    init(sizeClass: Int, targetBytes: Int = 256 << 10) throws(WorkloadError) {
        let generator = SlogGenerator()
        var lines: [[UInt8]] = []
        if sizeClass == realSizeClass {
            lines = try Self.realBlocks(generator)
        } else {
            let blocks = max(1, targetBytes / (sizeClass * generator.recordsPerBlock))
            for block in 0..<blocks {
                for record in generator.block(height: 17_000_000 + UInt64(block)) {
                    lines.append(record.fitted(to: sizeClass))
                }
            }
        }
        for line in lines { try Self.check(line) }
        let total = lines.reduce(0) { $0 + $1.count }
        // Half a page off the page grid: the ring's data region is page-aligned, so records
        // copied back to back from page-aligned sources would sit at the same page offsets as
        // their destinations, and the copy would stall on 4K aliasing (loads that look like
        // they depend on earlier stores). Measured: the limit's 1 KiB and 16 KiB copies are
        // 10-30% slower that way, which no real serializer's buffer would reproduce.
        allocation = .allocate(byteCount: total + 4096, alignment: 4096)
        storage = UnsafeMutableRawBufferPointer(start: allocation + 2048, count: total)
        records = .allocate(capacity: lines.count)
        var offset = 0
        for (index, line) in lines.enumerated() {
            let destination = UnsafeMutableRawBufferPointer(rebasing: storage[offset..<(offset + line.count)])
            destination.copyBytes(from: line)
            records[index] = UnsafeRawBufferPointer(destination)
            offset += line.count
        }
        self.sizeClass = sizeClass
        self.recordsPerBlock = sizeClass == realSizeClass ? Self.realRecordsPerBlock : generator.recordsPerBlock
    }

    deinit {
        allocation.deallocate()
        records.deallocate()
    }

    /// The real sample slog (`Tests/Fixtures/real-slog/sample.slog…`, 951 records of a 2022
    /// mainnet node, crank-finish 8%) at its own record lengths, cut into blocks of 78 records,
    /// each between a begin-block and commit-block-start/-finish rendered at their natural
    /// length (the sample predates cosmic-swingset block records), so the recorder's markers
    /// and retention run as on a node: 13 blocks, ~245 KiB.
    static func realBlocks(_ generator: SlogGenerator) throws(WorkloadError) -> [[UInt8]] {
        // Benchmarks/Sources/slog-bench/Workload.swift → the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("Tests/Fixtures/real-slog/\(realSampleName)").path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WorkloadError(line: "the real sample slog is not at \(path)")
        }
        let sample = data.split(separator: UInt8(ascii: "\n")).map(Array.init).filter { !$0.isEmpty }
        var lines: [[UInt8]] = []
        var height: UInt64 = 17_000_000
        for start in stride(from: 0, to: sample.count, by: realRecordsPerBlock - 3) {
            let templates = generator.block(height: height)
            lines.append(templates[0].natural())
            lines += sample[start..<min(start + realRecordsPerBlock - 3, sample.count)]
            lines += templates.suffix(2).map { $0.natural() }
            height += 1
        }
        return lines
    }

    static let realSampleName = "sample.slog_agoric-sdk_cec5887e4d_2022-06.jsonl"
    static let realRecordsPerBlock = 81

    /// Every record must be one JSON object with `type` as its first member, as a node writes.
    private static func check(_ line: [UInt8]) throws(WorkloadError) {
        guard line.starts(with: Array(#"{"type":""#.utf8)),
            (try? JSONSerialization.jsonObject(with: Data(line))) is [String: Any]
        else { throw WorkloadError(line: String(decoding: line, as: UTF8.self)) }
    }
}

struct WorkloadError: Error, CustomStringConvertible {
    var line: String
    var description: String { "generated record is not a slog JSON object: \(line)" }
}

/// One slog record before fitting: its members in the order the node writes them.
struct SlogRecordTemplate {
    struct Member {
        var key: String
        /// The JSON value. For a growable string, the text before the growth point.
        var value: String
        /// For a growable string: the text after the growth point (the growth goes between).
        var growableSuffix: String?
        /// 0: never dropped (type-defining or needed by a marker). Higher: dropped earlier.
        var dropRank: Int
    }

    var type: String
    var members: [Member]

    /// The record as JSON with exactly `size` bytes when that is possible (see `RecordPool`).
    func fitted(to size: Int) -> [UInt8] {
        var kept = Array(members.indices)
        // Drop the highest rank first; among equal ranks, the later member first.
        let dropOrder = members.indices.filter { members[$0].dropRank > 0 }
            .sorted { (members[$0].dropRank, $0) > (members[$1].dropRank, $1) }
        var dropping = dropOrder.makeIterator()
        while rendered(kept, growth: 0, pad: nil).count > size, let next = dropping.next() {
            kept.removeAll { $0 == next }
        }
        let padOverhead = #","pad":"""#.utf8.count
        var shortfall = size - rendered(kept, growth: 0, pad: nil).count
        if shortfall > 0, kept.contains(where: { members[$0].growableSuffix != nil }) {
            return rendered(kept, growth: shortfall, pad: nil)
        }
        // Too little room for a pad member: drop one more member to make room for one.
        while shortfall > 0 && shortfall < padOverhead, let next = dropping.next() {
            kept.removeAll { $0 == next }
            shortfall = size - rendered(kept, growth: 0, pad: nil).count
        }
        guard shortfall >= padOverhead else { return rendered(kept, growth: 0, pad: nil) }
        return rendered(kept, growth: 0, pad: shortfall - padOverhead)
    }

    /// The record with all its members and nothing grown or padded.
    func natural() -> [UInt8] { rendered(Array(members.indices), growth: 0, pad: nil) }

    private func rendered(_ kept: [Int], growth: Int, pad: Int?) -> [UInt8] {
        var text = #"{"type":"\#(type)""#
        var grown = false
        for index in kept {
            let member = members[index]
            text += #","\#(member.key)":"# + member.value
            if let suffix = member.growableSuffix {
                if !grown {
                    text += filler(growth)
                    grown = true
                }
                text += suffix
            }
        }
        if let pad { text += #","pad":"\#(filler(pad))""# }
        text += "}"
        return Array(text.utf8)
    }

    /// Printable bytes that need no escaping in a JSON string (and none inside a JSON string
    /// nested in one), like the base64 and identifiers of real message bodies.
    private func filler(_ count: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789+/ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        var state = UInt64(count) &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: type.utf8.count)
        return String(
            (0..<count).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return alphabet[Int(state >> 58)]
            })
    }
}

/// Agoric-shaped slog blocks, deterministic, with the keys and value shapes of real records.
struct SlogGenerator {
    let cranksPerBlock = 6
    let syscallsPerCrank = 4
    /// begin-block, commit-block-start and -finish, and per crank: crank-start, deliver, the
    /// syscall pairs, clist, deliver-result, crank-finish.
    var recordsPerBlock: Int { 3 + cranksPerBlock * (5 + 2 * syscallsPerCrank) }

    typealias Member = SlogRecordTemplate.Member

    func block(height: UInt64) -> [SlogRecordTemplate] {
        var step = 0
        func time() -> [Member] {
            step += 1
            let time = 1_750_000_000.0 + Double(height % 1000) * 6 + Double(step) * 0.000_731
            return [
                Member(key: "time", value: String(format: "%.6f", time), dropRank: 1),
                Member(key: "monotime", value: String(format: "%.9f", time - 1_749_739_565.432), dropRank: 5),
            ]
        }
        func seconds(_ value: Double) -> Member {
            Member(key: "seconds", value: String(format: "%.9f", value), dropRank: 6)
        }
        let blockTime = "\(1_750_000_000 + (height % 1000) * 6)"
        // Every block record opens with the height and the block's time.
        let block = [
            Member(key: "blockHeight", value: "\(height)", dropRank: 0),
            Member(key: "blockTime", value: blockTime, dropRank: 2),
        ]
        var records: [SlogRecordTemplate] = []
        records.append(
            SlogRecordTemplate(
                type: "cosmic-swingset-begin-block",
                members: block + [
                    Member(key: "interBlockSeconds", value: "6.841", dropRank: 4),
                    Member(key: "afterCommitHangoverSeconds", value: "0", dropRank: 4),
                    Member(key: "blockLagSeconds", value: "0.445", dropRank: 4),
                    Member(
                        key: "inboundQueueStats",
                        value:
                            #"{"cosmic_swingset_inbound_queue_length_forced":0,"cosmic_swingset_inbound_queue_length_priority":0,"cosmic_swingset_inbound_queue_length_inbound":0,"cosmic_swingset_inbound_queue_length":0}"#,
                        dropRank: 7),
                ] + time()))
        for crank in 0..<cranksPerBlock {
            let crankNum = 123_456_000 + height % 1000 * 100 + UInt64(crank)
            let vat = "v\(crank % 9 + 1)"
            let delivery = 50_871 + crank
            let common = [
                Member(key: "crankNum", value: "\(crankNum)", dropRank: 0),
                Member(key: "vatID", value: #""\#(vat)""#, dropRank: 3),
                Member(key: "deliveryNum", value: "\(delivery)", dropRank: 3),
            ]
            // deliver and deliver-result: a message delivered live.
            let message = [
                Member(key: "replay", value: "false", dropRank: 4),
                Member(key: "dispatch", value: #""message""#, dropRank: 4),
            ]
            records.append(
                SlogRecordTemplate(
                    type: "crank-start",
                    members: [
                        Member(key: "crankType", value: #""delivery""#, dropRank: 3),
                        Member(key: "crankNum", value: "\(crankNum)", dropRank: 0),
                        Member(key: "messageType", value: #""send""#, dropRank: 3),
                        Member(
                            key: "message",
                            value:
                                ##"{"type":"send","target":"ko160","msg":{"methargs":{"body":"#[\"wake\",[\"+1750000000\"]]"##,
                            growableSuffix: #"","slots":[]},"result":null}}"#, dropRank: 2),
                    ] + time()))
            records.append(
                SlogRecordTemplate(
                    type: "deliver",
                    members: common + message + [
                        Member(
                            key: "kd",
                            value: ##"["message","ko160",{"methargs":{"body":"#[\"wake\",[\"+1750000000\"]]"##,
                            growableSuffix: #"","slots":[]},"result":null}]"#, dropRank: 2),
                        Member(
                            key: "vd",
                            value:
                                ##"["message","o+d57/3",{"methargs":{"body":"#[\"wake\",[\"+1750000000\"]]","slots":[]},"result":null}]"##,
                            dropRank: 6),
                    ] + time()))
            for syscall in 0..<syscallsPerCrank {
                let key = "vom.o+d31/\(2988 + syscall)"
                records.append(
                    SlogRecordTemplate(
                        type: "syscall",
                        members: common + [
                            Member(key: "syscallNum", value: "\(syscall)", dropRank: 3),
                            Member(key: "replay", value: "false", dropRank: 4),
                            Member(key: "syscall", value: #""vatstoreSet""#, dropRank: 3),
                            Member(
                                key: "ksc", value: ##"["vatstoreSet","\##(vat)","\##(key)","{\"state\":{\"v\":\"#"##,
                                growableSuffix: #"\"}}"]"#, dropRank: 2),
                            Member(key: "vsc", value: #"["vatstoreSet","\#(key)","{\"state\":{}}"]"#, dropRank: 6),
                        ] + time()))
                records.append(
                    SlogRecordTemplate(
                        type: "syscall-result",
                        members: common + [
                            Member(key: "syscallNum", value: "\(syscall)", dropRank: 3),
                            Member(key: "replay", value: "false", dropRank: 4),
                            Member(key: "ksr", value: #"["ok",""#, growableSuffix: #""]"#, dropRank: 2),
                            Member(key: "vsr", value: #"["ok",null]"#, dropRank: 6),
                        ] + time()))
            }
            records.append(
                SlogRecordTemplate(
                    type: "clist",
                    members: [
                        Member(key: "crankNum", value: "\(crankNum)", dropRank: 0),
                        Member(key: "mode", value: #""export""#, dropRank: 3),
                        Member(key: "vatID", value: #""\#(vat)""#, dropRank: 3),
                        Member(key: "kobj", value: #""ko\#(53_942 + crank)""#, dropRank: 3),
                        Member(key: "vobj", value: #""o+10/\#(12_786 + crank)""#, dropRank: 3),
                    ] + time()))
            records.append(
                SlogRecordTemplate(
                    type: "deliver-result",
                    members: common + message + [
                        Member(key: "dr", value: #"["ok",null,{"compute":\#(1_464_614 + crank)}]"#, dropRank: 3),
                    ] + time() + [seconds(0.002_208_233)]))
            let hash = String(repeating: String(format: "%016llx", crankNum &* 0x9E37_79B9_7F4A_7C15), count: 4)
            let activity = String(repeating: String(format: "%016llx", crankNum &* 0xBF58_476D_1CE4_E5B9), count: 4)
            records.append(
                SlogRecordTemplate(
                    type: "crank-finish",
                    members: [
                        Member(key: "crankType", value: #""delivery""#, dropRank: 3),
                        Member(key: "messageType", value: #""send""#, dropRank: 3),
                        Member(key: "crankNum", value: "\(crankNum)", dropRank: 0),
                        Member(key: "crankhash", value: #""\#(hash)""#, dropRank: 2),
                        Member(key: "activityhash", value: #""\#(activity)""#, dropRank: 2),
                    ] + time() + [seconds(0.000_627_279)]))
        }
        records.append(
            SlogRecordTemplate(
                type: "cosmic-swingset-commit-block-start",
                members: block + time()))
        records.append(
            SlogRecordTemplate(
                type: "cosmic-swingset-commit-block-finish",
                members: block + [
                    Member(key: "runSeconds", value: "0.165372", dropRank: 4),
                    Member(key: "chainTime", value: "0.011724", dropRank: 4),
                    Member(key: "saveTime", value: "0.025004", dropRank: 4),
                    Member(key: "cosmosCommitSeconds", value: "0.450846", dropRank: 4),
                    Member(key: "fullSaveTime", value: "0.48585", dropRank: 4),
                ] + time() + [seconds(0.475_849_867)]))
        precondition(records.count == recordsPerBlock)
        return records
    }
}
