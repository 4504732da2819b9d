import SlogSamples
import TestSupport

/// One generated Agoric history, as both history tests write them: a file of one of `sizes`,
/// 1-1500 numbered records with random padding (wraps, records split at the arena end, full
/// rings that read as empty, growth past the arena), and, with `tooBigOneIn`, about one record
/// in that many replaced by Agoric's too-big record. Draws from `random` in a fixed order, so a
/// seed gives the same history.
struct AgoricHistory {
    var writer: AgoricWriter
    let size: Int
    let count: Int
    let maximumPadding: Int

    init(sizes: [Int], tooBigOneIn: Int? = nil, random: inout SplitMix64) {
        size = sizes.randomElement(using: &random)!
        writer = AgoricWriter(fileSize: size)
        count = Int.random(in: 1...1500, using: &random)
        maximumPadding = min([0, 20, 120, 400].randomElement(using: &random)!, size / 3)
        for index in 0..<count {
            if let tooBigOneIn, Int.random(in: 0..<tooBigOneIn, using: &random) == 0 {
                writer.write(#"{"type":"slog-record-too-big","n":\#(index)}"#)
            } else {
                writer.write(numberedRecord(index, padding: Int.random(in: 0...maximumPadding, using: &random)))
            }
        }
    }

    /// A writer killed after writing the next record but before its header.
    mutating func crashMidWrite() {
        writer.write(numberedRecord(count, padding: maximumPadding), crashBeforeHeader: true)
    }
}
