import Foundation

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
