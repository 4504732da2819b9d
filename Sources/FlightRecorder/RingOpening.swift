internal import SlogRing

/// Opening a recorder's ring, never building on evidence: a sealed, damaged, foreign-capacity
/// or newer-format ring is renamed aside and a fresh one created.
enum RingOpening {
    struct Opened: ~Copyable {
        var writer: RingWriter
        /// `created` or `reopened`.
        var event: String
        var notes: [FlightRecorder.OpeningNote]
    }

    static func open(_ configuration: FlightRecorder.Configuration) throws(FlightRecorderError) -> Opened {
        let path = configuration.path
        let existed = RingFile.exists(path)
        var notes: [FlightRecorder.OpeningNote] = []
        do {
            let writer = try RingWriter.openOrCreate(path: path, capacity: configuration.capacity)
            return Opened(writer: writer, event: existed ? "reopened" : "created", notes: notes)
        } catch {
            guard let reason = asideReason(for: error) else { throw FlightRecorderError(error, path: path) }
            let aside = uniquePath(
                in: directory(of: path), base: "\(baseName(of: path)).\(reason.rawValue)-\(system_utcTimestamp())",
                suffix: ".ring")
            do { try RingFile.moveWithoutReplacing(path, to: aside) } catch { throw FlightRecorderError(error, path: path) }
            notes.append(.init(reason: reason, path: path, movedTo: aside, detail: error.description))
        }
        do {
            let writer = try RingWriter.create(path: path, capacity: configuration.capacity)
            return Opened(writer: writer, event: "created", notes: notes)
        } catch {
            throw FlightRecorderError(error, path: path)
        }
    }

    /// Why an existing ring is moved aside instead of opened, or `nil` to throw the error.
    private static func asideReason(for error: SlogRingError) -> FlightRecorder.OpeningNote.Reason? {
        switch error {
        case .sealed: .sealed
        case .corrupt, .headerDamaged, .truncated: .damaged
        case .notARing: .notARing
        case .unsupportedVersion: .newerFormat
        case .capacityMismatch: .otherCapacity
        case .io, .lockedByAnotherWriter, .recordTooLarge, .invalidCapacity: nil
        }
    }

    /// The directory part of `path` (`.` for a bare name).
    static func directory(of path: String) -> String { RingFile.directory(of: path) }

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
}
