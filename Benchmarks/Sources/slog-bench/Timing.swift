import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Nanoseconds of `CLOCK_MONOTONIC`. With the `tsc` clocksource this is a vDSO call (no system
/// call), about 20 ns on the project's VM; `TimerCalibration` measures it on the machine at hand.
@inline(__always)
func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}

/// What timing one operation costs by itself: two clock reads back to back, nothing between.
///
/// Latency samples are `clock after - clock before - overhead` (the median pair), clamped at 0.
/// The spread of the pair (its p99) is the noise floor of a single sample: an operation that
/// takes 20 ns cannot be resolved better than that, which is why p50 figures under ~10 ns read
/// as 0 while throughput (timed over whole passes, no per-operation clock) stays exact.
struct TimerCalibration: Codable {
    var clock = "CLOCK_MONOTONIC"
    var clocksource: String
    /// Median of a back-to-back pair of clock reads: subtracted from every sample.
    var overheadNanoseconds: Double
    /// 99th percentile of the same pairs: the noise floor of one sample.
    var overheadP99Nanoseconds: Double

    static func measure(pairs: Int) -> TimerCalibration {
        var deltas = [UInt64](repeating: 0, count: pairs)
        for index in 0..<pairs {
            let start = monotonicNanoseconds()
            let end = monotonicNanoseconds()
            deltas[index] = end &- start
        }
        deltas.sort()
        let source =
            (try? String(
                contentsOfFile: "/sys/devices/system/clocksource/clocksource0/current_clocksource", encoding: .utf8))
        return TimerCalibration(
            clocksource: source?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown",
            overheadNanoseconds: Double(percentile(sorted: deltas, 0.50)),
            overheadP99Nanoseconds: Double(percentile(sorted: deltas, 0.99)))
    }
}

/// The calling thread's page faults so far (`getrusage(RUSAGE_THREAD)`): the writer's faults,
/// not those of other threads.
struct PageFaults: Codable, Equatable {
    var minor: Int
    var major: Int

    static func ofThisThread() -> PageFaults {
        var usage = rusage()
        let thread = __rusage_who_t(1)  // RUSAGE_THREAD; Glibc hides it without _GNU_SOURCE
        getrusage(thread, &usage)
        return PageFaults(minor: usage.ru_minflt, major: usage.ru_majflt)
    }

    static func - (after: PageFaults, before: PageFaults) -> PageFaults {
        PageFaults(minor: after.minor - before.minor, major: after.major - before.major)
    }
}

/// The value at `fraction` of a sorted array (nearest rank).
func percentile<T>(sorted values: [T], _ fraction: Double) -> T {
    precondition(!values.isEmpty, "percentile of nothing")
    let rank = Int((fraction * Double(values.count)).rounded(.up)) - 1
    return values[min(max(rank, 0), values.count - 1)]
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
