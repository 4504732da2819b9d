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
            let aside: String
            do {
                aside = try moveAside(
                    path, in: RingFile.directory(of: path), base: "\(baseName(of: path)).\(reason.rawValue)-\(system_utcTimestamp())",
                    suffix: ".ring")
            } catch { throw FlightRecorderError(error, path: path) }
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
        // Only a regular file that is a ring (it has the magic, so every case below) is ever
        // moved: a device, FIFO, directory, symbolic link or any other file named by mistake
        // (`--ring /etc/hosts`) is refused and left untouched (issue 15).
        case .sealed: .sealed
        case .corrupt, .headerDamaged, .truncated: .damaged
        case .unsupportedVersion: .newerFormat
        case .capacityMismatch: .otherCapacity
        case .notARing, .notARegularFile, .io, .lockedByAnotherWriter, .recordTooLarge, .invalidCapacity: nil
        }
    }


    /// The file name of `path` without a trailing `.ring`.
    static func baseName(of path: String) -> String {
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        return name.hasSuffix(".ring") ? String(name.dropLast(5)) : name
    }

    /// `directory/base + suffix`, or `directory/base-2 + suffix` (and so on) if that name is
    /// taken by anything, a dangling symbolic link included (`lstat`, not `access`).
    static func uniquePath(in directory: String, base: String, suffix: String) -> String {
        freeName(in: directory, base: base, suffix: suffix, from: 1).path
    }

    /// The first free name from `counter` on, and its counter.
    private static func freeName(in directory: String, base: String, suffix: String, from counter: Int) -> (path: String, counter: Int) {
        var counter = counter
        while true {
            let candidate = "\(directory)/\(base)\(counter == 1 ? "" : "-\(counter)")\(suffix)"
            if !RingFile.nameIsTaken(candidate) { return (candidate, counter) }
            counter += 1
        }
    }

    /// Renames `path` to a free name made by `uniquePath`, never replacing anything: a name
    /// taken between the check and the rename (`EEXIST`) moves on to the next one. Returns the
    /// new path.
    static func moveAside(_ path: String, in directory: String, base: String, suffix: String) throws(SlogRingError) -> String {
        var counter = 1
        while true {
            let candidate = freeName(in: directory, base: base, suffix: suffix, from: counter)
            do {
                try RingFile.moveWithoutReplacing(path, to: candidate.path)
                return candidate.path
            } catch {
                guard case .io(_, _, .fileExists) = error, candidate.counter < 1000 else { throw error }
                counter = candidate.counter + 1
            }
        }
    }
}
