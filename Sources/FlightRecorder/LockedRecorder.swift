/// The recorder while one caller holds its lock (`FlightRecorder.withLockedRecorder`): the
/// recorder's own operations, without taking the lock for each.
///
/// `~Copyable` and only ever lent (`borrowing`), so it cannot be copied, stored or kept past
/// the call that holds the lock: exactly as long as the state pointer it carries is valid.
// Safe: the pointer comes from `withUnsafeMutablePointer` inside the locked call that lends
// this value, and this value cannot outlive that call (see above).
@safe package struct LockedRecorder: ~Copyable {
    private let state: UnsafeMutablePointer<RecorderState>

    /// Only `FlightRecorder.withLockedRecorder` makes one, around its locked state.
    init(state: UnsafeMutablePointer<RecorderState>) {
        unsafe self.state = state
    }

    /// `FlightRecorder.record(_:)`.
    package func record(_ bytes: UnsafeRawBufferPointer) {
        unsafe state.pointee.record(bytes)
    }

    /// `FlightRecorder.recordTooLarge(size:prefix:)`.
    package func recordTooLarge(size: Int, prefix: UnsafeRawBufferPointer) {
        unsafe state.pointee.recordTooLarge(size: size, prefix: prefix)
    }

    /// `FlightRecorder.recordSenderLost(count:firstHeight:lastHeight:reason:)`.
    package func recordSenderLost(count: UInt64, firstHeight: UInt64?, lastHeight: UInt64?, reason: String) {
        unsafe state.pointee.recordSenderLost(count: count, firstHeight: firstHeight, lastHeight: lastHeight, reason: reason)
    }

    /// `FlightRecorder.preserveBlackBoxForCurrentBlock(reason:)`.
    package func preserveBlackBoxForCurrentBlock(reason: String) throws(FlightRecorderError) -> BlackBox {
        try unsafe state.pointee.preserveBlackBoxForCurrentBlock(reason: reason)
    }
}
