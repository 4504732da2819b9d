#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif
internal import SlogModel
internal import SlogRing

/// The black boxes already in a directory: `blackbox-HEIGHT-HASH[-N].ring` files. Read on each
/// preserve (rare), so the limit and "one box per height" hold across restarts of the node.
enum BlackBoxDirectory {
    /// The names of the black-box files in `directory` (empty if it cannot be read).
    static func boxNames(in directory: String) -> [String] {
        guard let stream = unsafe opendir(directory) else { return [] }
        defer { unsafe closedir(stream) }
        var names: [String] = []
        while let entry = unsafe readdir(stream) {
            // Safe: `d_name` is a NUL-terminated array inside the entry, valid until the next
            // readdir; it is copied into a String here.
            let name = unsafe withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                unsafe String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix("blackbox-") && name.hasSuffix(".ring") { names.append(name) }
        }
        return names.sorted()
    }

    /// The name of the box for block `height` among `names`, if there is one.
    static func box(forHeight height: UInt64, in names: [String]) -> String? {
        names.first { $0.hasPrefix("blackbox-\(height)-") }
    }

    /// A box preserved earlier, described from its file: the identifier from its name, the
    /// reason and hashes from its halt marker (if it can be read).
    static func existingBox(path: String, name: String, height: UInt64, reason: String) -> BlackBox {
        let parts = name.dropFirst("blackbox-".count).dropLast(".ring".count).split(separator: "-")
        var box = BlackBox(
            identifier: parts.prefix(2).joined(separator: "-"), height: height, path: path, appHash: nil,
            reason: reason, basis: .haltDetailsOnly, problems: [], disposition: .alreadyPreserved)
        if var reader = try? RingReader.open(path: path) {
            while let event = reader.next() {
                guard case .record(let info) = event, info.kind == .haltMarker else { continue }
                if case .halt(_, let appHash, let haltReason, let identifier, let networkAppHash, _)? =
                    unsafe reader.withRecordBytes({ unsafe Marker.decode(kind: info.kind, bytes: $0) })
                {
                    box.appHash = appHash
                    box.networkAppHash = networkAppHash
                    box.reason = haltReason
                    if !identifier.isEmpty { box.identifier = identifier }
                }
            }
        }
        return box
    }
}
