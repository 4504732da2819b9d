import TestSupport
import Foundation
import Testing

@testable import SlogModel
import SlogRing

@Suite struct JSONStringTests {
    @Test func escapesQuotesBackslashesAndControlCharacters() {
        #expect(jsonEscaped("plain") == #""plain""#)
        #expect(jsonEscaped("a\"b\\c") == #""a\"b\\c""#)
        #expect(jsonEscaped("\u{8}\u{C}\n\r\t\u{0}\u{1F}") == #""\b\f\n\r\t\u0000\u001f""#)
        #expect(jsonEscaped("é€😀/") == "\"é€😀/\"")
    }

    @Test func roundTripsThroughJSONSerializationAndJSONScan() throws {
        let samples = ["", "type", "a\"b\\c\n", "\u{0}\u{1}\u{7F}", "é€😀", String(repeating: "x\"", count: 100)]
        for sample in samples {
            var record: [UInt8] = Array(#"{"k":"#.utf8)
            appendJSONString(sample, to: &record)
            record.append(UInt8(ascii: "}"))
            let object = try JSONSerialization.jsonObject(with: Data(record)) as? [String: String]
            #expect(object?["k"] == sample)
            record.withUnsafeBytes { raw in
                let span = JSONScan.value(forKey: Array("k".utf8), in: raw)
                #expect(span.flatMap { JSONScan.unescapedString($0, in: raw) } == Array(sample.utf8))
            }
        }
    }

    @Test func appendsRawBytesUnchangedExceptEscapes() {
        var output: [UInt8] = []
        appendJSONString([0x41, 0x22, 0xFF, 0x0A], to: &output)
        #expect(output == [0x22, 0x41, 0x5C, 0x22, 0xFF, 0x5C, 0x6E, 0x22])
        var substring: [UInt8] = []
        appendJSONString("xa\"bx".dropFirst().dropLast(), to: &substring)
        #expect(substring == Array(#""a\"b""#.utf8))
    }
}
