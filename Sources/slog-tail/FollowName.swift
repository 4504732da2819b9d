import ToolSupport
import SlogInput
import SlogRing

#if canImport(Glibc)
import Glibc
#endif

/// The file at a path now: device and inode, or `nil` if there is none.
func fileIdentity(_ path: String) -> [UInt64]? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return [UInt64(info.st_dev), UInt64(info.st_ino)]
}

/// Opens `path` and returns the source with the identity of the file it opened (stat before
/// and after agree, so a file replaced meanwhile is not mistaken for the one read).
func openIdentified(_ path: String, format: SlogFormat?) -> (any SlogSource, [UInt64])? {
    for _ in 0..<5 {
        guard let before = fileIdentity(path), let source = try? SlogSources.open(path, format: format) else { return nil }
        if fileIdentity(path) == before { return (source, before) }
    }
    return nil
}

/// `-F`: follows the *path*, like `tail -F`. Prints what the file holds and what its writer
/// appends; when the ring is sealed (a black box was preserved and renamed away) or the file is
/// replaced, it says so on stderr and goes on with the new file at the same path from its
/// beginning, waiting while there is none. Ends only when stopped (or at the end of standard
/// input).
func followName(path: String, format: SlogFormat?, with dumper: inout Dumper, to output: inout OutputBuffer) -> Int32 {
    guard path != "-" else {
        guard let source = try? SlogSources.open(path, format: format) else { return 2 }
        follow(source, with: &dumper, to: &output)
        return 0
    }
    var said = false
    var opened: (any SlogSource, [UInt64])?
    while opened == nil {
        opened = openIdentified(path, format: format)
        if opened == nil {
            if !said { writeError("slog-tail: \(path): no file yet; waiting for it\n") }
            said = true
            system_sleep(milliseconds: followInterval)
        }
    }
    var (source, identity) = opened!
    dumper.startFollowing(source, to: &output)
    while true {
        let finished = source.isFinished
        dumper.drainAndFlush(source, to: &output)
        if let current = fileIdentity(path), current != identity, let next = openIdentified(path, format: format) {
            guard next.0.format != .agoric else {
                writeError("slog-tail: \(path): --follow works with SlogRing files and JSON lines, not Agoric files (they have no positions to tell a lapped reader)\n")
                return 2
            }
            let what = finished && source.format == .ring ? "sealed (a black box was preserved)" : "replaced"
            writeError("slog-tail: \(path): \(what); following the new file at the same path\n")
            (source, identity) = next
            (source as? JSONLinesSource)?.follow = true
            continue
        }
        system_sleep(milliseconds: followInterval)
    }
}
