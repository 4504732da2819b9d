internal import SlogRing

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Opening a recorder's ring, never building on evidence: a sealed, damaged, foreign-capacity
/// or newer-format ring is renamed aside and a fresh one created.
enum RingOpening {
    struct Opened: ~Copyable {
        var writer: RingWriter
        /// `created` or `reopened`.
        var event: String
        var notes: [String]
    }

    static func open(_ configuration: FlightRecorder.Configuration) throws(FlightRecorderError) -> Opened {
        let path = configuration.path
        let existed = RingFile.exists(path)
        var notes: [String] = []
        do {
            let writer = try RingWriter.openOrCreate(path: path, capacity: configuration.capacity)
            return Opened(writer: writer, event: existed ? "reopened" : "created", notes: notes)
        } catch {
            guard let label = asideLabel(for: error) else { throw .ring(error) }
            let aside = uniquePath(
                in: directory(of: path), base: "\(baseName(of: path)).\(label)-\(timestamp())", suffix: ".ring")
            do { try RingFile.moveWithoutReplacing(path, to: aside) } catch { throw .ring(error) }
            notes.append("\(path) was not written: \(error); moved aside to \(aside)")
        }
        do {
            let writer = try RingWriter.create(path: path, capacity: configuration.capacity)
            return Opened(writer: writer, event: "created", notes: notes)
        } catch {
            throw .ring(error)
        }
    }

    /// Why an existing ring is moved aside instead of opened, or `nil` to throw the error.
    private static func asideLabel(for error: SlogRingError) -> String? {
        switch error {
        case .sealed: "sealed"
        case .corrupt, .headerDamaged, .truncated: "damaged"
        case .notARing: "not-a-ring"
        case .unsupportedVersion: "newer-format"
        case .capacityMismatch: "other-capacity"
        case .io, .lockedByAnotherWriter, .recordTooLarge, .invalidCapacity: nil
        }
    }

    /// The directory part of `path` (`.` for a bare name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    /// The file name of `path` without a trailing `.ring`.
    static func baseName(of path: String) -> String {
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        return name.hasSuffix(".ring") ? String(name.dropLast(5)) : name
    }

    /// `directory/base + suffix`, or `directory/base-2 + suffix` (and so on) if that exists.
    static func uniquePath(in directory: String, base: String, suffix: String) -> String {
        var candidate = "\(directory)/\(base)\(suffix)"
        var counter = 2
        while RingFile.exists(candidate) {
            candidate = "\(directory)/\(base)-\(counter)\(suffix)"
            counter += 1
        }
        return candidate
    }

    /// UTC wall time as `20261124T013000Z`, for file names.
    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }
}
