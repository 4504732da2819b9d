/// slog-stress: a real writer process for crash tests and soak runs, and a quick measurement.
///
/// Usage:
///   slog-stress append --ring PATH [--capacity BYTES] [--min-size N] [--max-size N]
///                      [--count N] [--ack] [--seed N]
///       Opens (or creates) the ring and appends records until --count is reached (default:
///       forever). Each record is `StressPayload.make(sequence:length:)`, so a reader can check
///       any record it returns. With --ack, writes "SEQ\n" to stdout after each append returns,
///       with one write(2) per record, so a parent that kills this process knows what was
///       acknowledged.
///   slog-stress bench [--size N] [--count N] [--capacity BYTES] [--runs N]
///       Appends --count records of --size bytes into a fresh ring in a temporary directory and
///       reports ns per record for SlogRing append and for a plain memcpy into a prefaulted
///       shared mapping of the same size (the physical limit), median of --runs.
///   slog-stress --help
///
/// Exit status: 0 success, 1 failure, 2 usage error.
import Foundation
import SlogRing
#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String, status: Int32) -> Never {
    let text = "slog-stress: \(message)\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    exit(status)
}

func usage() -> Never {
    print("""
        usage: slog-stress append --ring PATH [--capacity BYTES] [--min-size N] [--max-size N] [--count N] [--ack] [--seed N]
               slog-stress bench [--size N] [--count N] [--capacity BYTES] [--runs N]
        """)
    exit(0)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else { fail("missing command (append or bench); see --help", status: 2) }
if command == "--help" || command == "-h" { usage() }
arguments.removeFirst()

var options: [String: String] = [:]
var flags: Set<String> = []
var index = 0
while index < arguments.count {
    let argument = arguments[index]
    if argument == "--ack" || argument == "--help" {
        flags.insert(argument)
    } else if argument.hasPrefix("--"), index + 1 < arguments.count {
        options[argument] = arguments[index + 1]
        index += 1
    } else {
        fail("unexpected argument '\(argument)'; see --help", status: 2)
    }
    index += 1
}
if flags.contains("--help") { usage() }

@MainActor func integer(_ name: String, default value: Int) -> Int {
    guard let text = options[name] else { return value }
    guard let number = Int(text), number >= 0 else { fail("\(name) needs a non-negative integer, got '\(text)'", status: 2) }
    return number
}

switch command {
case "append":
    guard let path = options["--ring"] else { fail("append needs --ring PATH", status: 2) }
    let capacity = integer("--capacity", default: 64 * 1024)
    let minSize = integer("--min-size", default: 16)
    let maxSize = max(minSize, integer("--max-size", default: 600))
    let count = integer("--count", default: Int.max)
    var generator = SplitMix(seed: UInt64(integer("--seed", default: Int(getpid()))))
    var writer: RingWriter
    do { writer = try RingWriter.openOrCreate(path: path, capacity: capacity) } catch {
        fail("\(error)", status: 1)
    }
    let ack = flags.contains("--ack")
    var written = 0
    while written < count {
        let length = minSize + Int(generator.next() % UInt64(maxSize - minSize + 1))
        let sequence = writer.nextRecordSequence
        let bytes = StressPayload.make(sequence: sequence, length: length)
        do { _ = try writer.append(bytes) } catch { fail("\(error)", status: 1) }
        if ack {
            var line = Array("\(sequence)\n".utf8)
            let result = line.withUnsafeMutableBytes { write(1, $0.baseAddress, $0.count) }
            if result < 0 { fail("cannot write acknowledgement: \(String(cString: strerror(errno)))", status: 1) }
        }
        written += 1
    }
    do { try writer.close() } catch { fail("\(error)", status: 1) }

case "bench":
    let size = integer("--size", default: 256)
    let count = max(1, integer("--count", default: 2_000_000))
    let capacity = integer("--capacity", default: 64 << 20)
    let runs = max(1, integer("--runs", default: 5))
    #if DEBUG
    print("WARNING: debug build; measure with `swift run -c release slog-stress bench`")
    #endif
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("slog-stress-\(getpid())").path
    try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let record = StressPayload.make(sequence: 0, length: size)
    var ringSamples: [Double] = []
    var limitSamples: [Double] = []
    for run in 0..<runs {
        let path = "\(directory)/bench-\(run).ring"
        do {
            var writer = try RingWriter.create(path: path, capacity: capacity)
            let clock = ContinuousClock()
            let elapsed = try clock.measure {
                try record.withUnsafeBytes { bytes in
                    for _ in 0..<count { _ = try writer.append(bytes) }
                }
            }
            try writer.close()
            ringSamples.append(nanoseconds(elapsed) / Double(count))
        } catch { fail("\(error)", status: 1) }
        unlink(path)
        limitSamples.append(memcpyLimit(directory: directory, size: size, count: count, capacity: capacity))
    }
    let ring = median(ringSamples)
    let limit = median(limitSamples)
    print("record size \(size) B, \(count) records x \(runs) runs, capacity \(capacity) B, CRC32C hardware: \(CRC32C.isHardwareAccelerated)")
    print(String(format: "SlogRing append   median %.1f ns/record (runs: %@)", ring, ringSamples.map { String(format: "%.1f", $0) }.joined(separator: ", ")))
    print(String(format: "memcpy into mmap  median %.1f ns/record (runs: %@)", limit, limitSamples.map { String(format: "%.1f", $0) }.joined(separator: ", ")))
    print(String(format: "ratio             SlogRing reaches %.0f%% of the memcpy limit's records/s", 100 * limit / ring))

default:
    fail("unknown command '\(command)'; see --help", status: 2)
}

func nanoseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Copies the same bytes into a prefaulted shared file mapping with no framing: the physical
/// limit an append cannot beat. Returns ns per record.
func memcpyLimit(directory: String, size: Int, count: Int, capacity: Int) -> Double {
    let path = "\(directory)/limit.bin"
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0, posix_fallocate(fd, 0, off_t(capacity)) == 0 else { fail("cannot create \(path)", status: 1) }
    defer { close(fd); unlink(path) }
    guard let base = mmap(nil, capacity, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), base != MAP_FAILED else {
        fail("cannot map \(path)", status: 1)
    }
    defer { munmap(base, capacity) }
    _ = madvise(base, capacity, 23)  // MADV_POPULATE_WRITE
    let source = [UInt8](repeating: 0x41, count: size)
    let stride = (size + 7) & ~7
    let clock = ContinuousClock()
    var offset = 0
    let elapsed = clock.measure {
        source.withUnsafeBytes { bytes in
            for _ in 0..<count {
                if offset + stride > capacity { offset = 0 }
                (base + offset).copyMemory(from: bytes.baseAddress!, byteCount: size)
                offset += stride
            }
        }
    }
    return nanoseconds(elapsed) / Double(count)
}

/// A small, fast pseudo-random generator (SplitMix64) so runs are reproducible with --seed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
