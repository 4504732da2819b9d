#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The recorder's lock: a `pthread_mutex_t` around one value, with `Mutex`'s `withLock` shape.
///
/// Why not `Synchronization.Mutex`: on Linux it is an inlined futex that ThreadSanitizer cannot
/// see, so `swift test --sanitize=thread` reports every record from two threads as a data race,
/// and a suppression broad enough to hide that would hide real races in the recorder too. TSan
/// intercepts `pthread_mutex_lock`, so with this lock it checks the recorder for real. Cost:
/// measured in release on this project's 2-core machine (docs/RELIABILITY.md "Sanitizers"),
/// 17–19 ns per lock/unlock pair uncontended (`Mutex`: 37–43 ns), against a few hundred per record.
///
/// `~Copyable`: exactly one owner, which destroys the mutex and the value in `deinit`. The value
/// and the mutex live at fixed heap addresses (a `pthread_mutex_t` must not move).
// Safe: the pointers are allocated in `init`, freed in `deinit`, never escape, and the value is
// reached only with the mutex held.
@safe struct RecorderLock<Value: ~Copyable>: ~Copyable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let value: UnsafeMutablePointer<Value>

    init(_ initial: consuming Value) {
        unsafe mutex = .allocate(capacity: 1)
        unsafe mutex.initialize(to: pthread_mutex_t())
        let status = unsafe pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
        unsafe value = .allocate(capacity: 1)
        unsafe value.initialize(to: initial)
    }

    deinit {
        unsafe pthread_mutex_destroy(mutex)
        unsafe mutex.deallocate()
        unsafe value.deinitialize(count: 1)
        unsafe value.deallocate()
    }

    /// Runs `body` with the value, holding the lock; released however `body` ends.
    func withLock<Result: ~Copyable, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result {
        let locked = unsafe pthread_mutex_lock(mutex)
        precondition(locked == 0, "pthread_mutex_lock failed: \(locked)")
        defer { unsafe pthread_mutex_unlock(mutex) }
        return unsafe try body(&value.pointee)
    }
}

// The value is reached only with the mutex held, which is what makes sharing it safe.
extension RecorderLock: @unchecked Sendable where Value: ~Copyable {}
