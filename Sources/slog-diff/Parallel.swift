import Dispatch
import Synchronization

/// Runs `body(0)`, ..., `body(count - 1)` at the same time on up to as many threads as there
/// are cores (`DispatchQueue.concurrentPerform`), and returns when all have finished.
///
/// Each call works on its own input: what they share is read-only, and their results go
/// through a `ParallelResults`.
func inParallel(_ count: Int, _ body: @Sendable (Int) -> Void) {
    guard count > 1 else {
        if count == 1 { body(0) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: count, execute: body)
}

/// One slot per parallel call of `inParallel`: each call puts or takes its own slot only.
///
/// A lock guards the slots (taken once per input, so it costs nothing measurable); the values
/// move between threads only through it, one owner at a time.
final class ParallelResults<Value>: @unchecked Sendable {
    // @unchecked: every access to `slots` holds `lock`; a value put by one thread is taken by
    // another only after `inParallel` returned, or by the thread that owns the slot.
    private let lock = Mutex(())
    private var slots: [Value?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    init(_ values: [Value]) { slots = values.map { $0 } }

    func put(_ value: Value, at index: Int) {
        lock.withLock { _ in slots[index] = value }
    }

    /// The value in slot `index`, leaving it empty.
    ///
    /// - Precondition: The slot holds a value.
    func take(_ index: Int) -> Value {
        lock.withLock { _ in
            guard let value = slots[index] else { preconditionFailure("ParallelResults: slot \(index) is empty") }
            slots[index] = nil
            return value
        }
    }
}
