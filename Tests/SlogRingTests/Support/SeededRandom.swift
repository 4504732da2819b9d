import Foundation
@testable import slog_stress

/// slog-stress's SplitMix64 generator as a `RandomNumberGenerator`, so tests draw their random
/// choices (`Int.random(in:using:)`) from a seed they can print and rerun.
extension SplitMix: RandomNumberGenerator {}

/// The seed in environment variable `name` if it holds a number, otherwise a random one; print
/// it with failures so that `name=SEED swift test --filter ...` reruns the same choices.
func testSeed(fromEnvironment name: String) -> UInt64 {
    environmentInteger(name).map { UInt64($0) } ?? UInt64.random(in: 0...UInt64(Int.max))
}

/// The non-negative integer in environment variable `name`, or `nil`.
func environmentInteger(_ name: String) -> Int? {
    guard let text = ProcessInfo.processInfo.environment[name], let value = Int(text), value >= 0 else { return nil }
    return value
}
