import Testing
import SlogModel
import SlogRing

/// The sender-lost marker (kind 0x0108, docs/FORMAT.md): what slog-record --listen writes for a
/// slog sender's loss report.
@Suite struct SenderLostMarkerTests {
    @Test(arguments: [
        (Marker.senderLost(count: 90, firstHeight: 51, lastHeight: 53, reason: "recorder-unreachable"),
         #"{"type":"flight-recorder-sender-lost","count":90,"firstHeight":51,"lastHeight":53,"reason":"recorder-unreachable"}"#),
        (Marker.senderLost(count: 43, firstHeight: nil, lastHeight: 1, reason: "buffer-full"),
         #"{"type":"flight-recorder-sender-lost","count":43,"lastHeight":1,"reason":"buffer-full"}"#),
    ])
    func encodesAsDocumentedAndDecodesBack(marker: Marker, json: String) {
        #expect(marker.kind.rawValue == 0x0108)
        #expect(marker.kind.isMarker)
        #expect(String(decoding: marker.encoded(), as: UTF8.self) == json)
        #expect(marker.encoded().withUnsafeBytes { Marker.decode(kind: .senderLostMarker, bytes: $0) } == marker)
    }

    /// The sender's own loss report line (PROTOCOL.md) decodes as the marker too, nulls and all.
    @Test func theSendersReportLineDecodes() {
        let line = #"{"type":"flight-recorder-sender-lost","count":7,"firstHeight":null,"lastHeight":null,"reason":"connection-lost"}"#
        let marker = Array(line.utf8).withUnsafeBytes { Marker.decode(kind: .senderLostMarker, bytes: $0) }
        #expect(marker == .senderLost(count: 7, firstHeight: nil, lastHeight: nil, reason: "connection-lost"))
    }
}
