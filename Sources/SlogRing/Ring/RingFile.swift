/// File-level operations on ring files that are not reading or writing them.
public enum RingFile {
    /// Renames the ring at `path` to `newPath` without ever replacing an existing file, then
    /// makes the rename durable (the directory is synced).
    ///
    /// Used to preserve a black box under its `HEIGHT-HASH` name and to move a sealed or
    /// damaged ring aside. A writer holding the ring keeps its lock and mapping across the
    /// rename.
    /// - Throws: `.io` (for example `EEXIST` when `newPath` exists, `EXDEV` across file systems).
    public static func moveWithoutReplacing(_ path: String, to newPath: String) throws(SlogRingError) {
        do { try system_renameNoReplace(path, newPath) } catch {
            throw .io(operation: "rename to \(newPath)", path: path, error)
        }
        let directory = Self.directory(of: newPath)
        do { try system_syncDirectory(directory) } catch {
            throw .io(operation: "sync the directory \(directory)", path: newPath, error)
        }
    }

    /// The directory part of `path` (`.` for a bare name, `/` for a file in the root).
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    /// Whether a file exists at `path` (any type). The corresponding C function is `access`.
    public static func exists(_ path: String) -> Bool {
        system_exists(path)
    }

    /// Installs, once per process, the `SIGBUS` handler that keeps ring readers, and writers
    /// opened afterwards, alive when their file is truncated underneath them (see
    /// `TruncationGuard` in RingReader+TruncationGuard.swift). Returns whether it is installed.
    ///
    /// Never called by the libraries themselves: changing a process's signal handling is the
    /// host's decision. The tools call it at start; a node that links FlightRecorder may call
    /// it before opening the recorder. Faults outside ring mappings still go to the handler
    /// that was installed before (or kill the process as before).
    @discardableResult
    public static func installTruncationGuard() -> Bool {
        TruncationGuard.install()
    }

    /// Whether anything at all has the name `path`, a dangling symbolic link included (which
    /// `exists` reports as absent, since it follows links). The corresponding C function is
    /// `lstat`.
    public static func nameIsTaken(_ path: String) -> Bool {
        (try? system_fileKind(atPath: path)) != Optional<FileKind?>.some(nil)
    }
}
