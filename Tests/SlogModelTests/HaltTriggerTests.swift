import Testing
import SlogModel

/// The halt triggers on real-shaped lines (`../shared/reference/agoric-node-integration.md`).
@Suite struct ConsensusFailureLineTests {
    static let expected = "4A93B1F08E7C6D5A4B3C2D1E0F9A8B7C6D5E4F3A2B1C0D9E8F7A6B5C4D3E2DAE"
    static let got = "0113C2D3E4F5A6B7C8D9E0F1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C6D7E8F9A490"

    /// Old Tendermint, logfmt with the `E[date|time]` prefix.
    static let tendermint = "E[2019-06-13|01:07:33.678] CONSENSUS FAILURE!!!                       module=consensus err=\"Panicked on a Consensus Failure: +2/3 committed an invalid block: Wrong Block.Header.AppHash.  Expected \(expected), got \(got)\""
    /// CometBFT's console/logfmt writer.
    static let cometLogfmt = "7:07PM ERR CONSENSUS FAILURE!!! err=\"+2/3 committed an invalid block: wrong Block.Header.AppHash.  Expected \(expected), got \(got)\" module=consensus stack=\"goroutine 110 [running]:\\nruntime/debug.Stack()\\n\\t/usr/local/go/src/runtime/debug/stack.go:24 +0x5e\""
    /// CometBFT with JSON logging (`--log_format json`).
    static let cometJSON = #"{"level":"error","module":"consensus","err":"+2/3 committed an invalid block: wrong Block.Header.AppHash.  Expected \#(expected), got \#(got)","stack":"goroutine 110 [running]:\nruntime/debug.Stack()\n\t/usr/local/go/src/runtime/debug/stack.go:24 +0x5e\n","time":"2026-12-03T13:00:00Z","message":"CONSENSUS FAILURE!!!"}"#
    /// What `journalctl -u agd` (without `-o cat`) prints: a syslog prefix.
    static let journald = "Dec 03 13:00:00 validator agd[4242]: " + cometLogfmt
    static let journaldJSON = "Dec 03 13:00:00 validator agd[4242]: " + cometJSON

    @Test(arguments: [tendermint, cometLogfmt, cometJSON, journald, journaldJSON])
    func everySpellingGivesBothAppHashesAndTheError(line: String) throws {
        let failure = try #require(ConsensusFailureLine(line))
        #expect(failure.expectedAppHash == Self.expected)
        #expect(failure.gotAppHash == Self.got)
        #expect(failure.error?.contains("committed an invalid block") == true)
        #expect(failure.reason.hasPrefix("CONSENSUS FAILURE!!! "))
        #expect(failure.reason.hasSuffix("got \(Self.got)"))
        #expect(!failure.reason.contains("goroutine"))
    }

    @Test func otherLinesAreNotFailures() {
        for line in [
            "I[2019-06-13|01:07:30.000] Committed state module=state height=17000000 txs=0 appHash=4A93B1F0",
            "7:07PM INF finalizing commit of block hash=ABCD height=17000001 module=consensus",
            #"{"level":"error","module":"consensus","message":"failed to sign vote"}"#,
            "",
        ] {
            #expect(ConsensusFailureLine(line) == nil, "\(line)")
        }
    }

    @Test func aFailureWithoutAppHashesStillFiresWithTheLineAsReason() throws {
        let failure = try #require(ConsensusFailureLine("ERR CONSENSUS FAILURE!!! err=\"panic: runtime error\" module=consensus stack=\"goroutine 1\""))
        #expect(failure.expectedAppHash == nil && failure.gotAppHash == nil)
        #expect(failure.reason == "CONSENSUS FAILURE!!! panic: runtime error")
        let bare = try #require(ConsensusFailureLine("CONSENSUS FAILURE!!! module=consensus stack=goroutine"))
        #expect(bare.reason == "CONSENSUS FAILURE!!! module=consensus")
    }

    @Test func aHugeLineGivesABoundedReason() throws {
        let failure = try #require(ConsensusFailureLine("CONSENSUS FAILURE!!! err=\"" + String(repeating: "x", count: 50_000) + "\""))
        #expect(failure.reason.count <= ConsensusFailureLine.reasonLimit + 1)
    }
}

@Suite struct HaltTriggerTests {
    static let panic = ######"{"type":"console","source":"kernel","level":"error","args":["##### KERNEL PANIC: kp40.policy panic: critical vat v9 failed #####"],"time":1750000000.5,"monotime":12.5}"######
    static let ordinaryError = #"{"type":"console","source":"vat","level":"error","args":["Error: bad request","at foo"],"time":1750000000.6}"#

    @Test func theKernelPanicTriggerFiresOnlyOnTheKernelPanic() {
        #expect(HaltTrigger.kernelPanic.matches(Self.panic))
        #expect(!HaltTrigger.kernelPanic.matches(Self.ordinaryError))
        #expect(!HaltTrigger.kernelPanic.matches(######"{"type":"deliver","args":["##### KERNEL PANIC"]}"######))
    }

    @Test func parsesTypeAndFieldConditions() throws {
        let trigger = try HaltTrigger.parse("console:args=KERNEL PANIC")
        #expect(trigger == HaltTrigger(type: "console", field: "args", value: "KERNEL PANIC"))
        #expect(trigger.description == "console:args=KERNEL PANIC")
        #expect(trigger.matches(Self.panic) && !trigger.matches(Self.ordinaryError))
        // A value may itself hold ':' and '='.
        #expect(try HaltTrigger.parse("console:args=a:b=c").value == "a:b=c")
        // A string field matches by containment, a number by its JSON text.
        #expect(try HaltTrigger.parse("console:level=err").matches(Self.ordinaryError))
        #expect(try HaltTrigger.parse("cosmic-swingset-begin-block:blockHeight=17").matches(#"{"type":"cosmic-swingset-begin-block","blockHeight":17}"#))
        #expect(!(try HaltTrigger.parse("cosmic-swingset-begin-block:blockHeight=17").matches(#"{"type":"cosmic-swingset-begin-block","blockHeight":170}"#)))
        // A bare rare type is fine.
        let bare = try HaltTrigger.parse("consensus-failure")
        #expect(bare.matches(#"{"type":"consensus-failure","blockHeight":3}"#))
        #expect(bare.reason == "slog record of type consensus-failure")
        #expect(trigger.reason == "slog record of type console with args containing 'KERNEL PANIC'")
    }

    @Test func refusesFrequentTypesAloneAndMalformedSpecifications() {
        #expect(throws: HaltTrigger.SpecificationError.self) { try HaltTrigger.parse("console") }
        #expect(throws: HaltTrigger.SpecificationError.self) { try HaltTrigger.parse("deliver") }
        for bad in ["", "console:", "console:args", "console:=x", ":args=x", "console:args="] {
            #expect(throws: HaltTrigger.SpecificationError.self, "\(bad)") { try HaltTrigger.parse(bad) }
        }
    }

    @Test func escapedTextInsideArraysStillMatches() throws {
        let trigger = try HaltTrigger.parse(#"console:args=say "hi""#)
        #expect(trigger.matches(#"{"type":"console","args":["they say \"hi\" here"]}"#))
    }
}
