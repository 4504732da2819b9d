import Foundation

/// Runs `body` on a new thread of its own and returns its result without blocking a thread of
/// Swift's cooperative pool.
///
/// For work that blocks (reading a child's pipe, spinning on a ring) or must own a
/// non-`Sendable` value such as a `RingWriter` from start to end: create that value inside
/// `body`. On a 2-core machine the cooperative pool has 2 threads, so blocking one of them
/// for seconds would starve the tests running beside this one.
func onDedicatedThread<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.name = name
        thread.start()
    }
}
