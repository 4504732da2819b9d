internal import SlogModel
internal import SlogRing

/// The black boxes already in a directory: `blackbox-HEIGHT-HASH[-N].ring` files. Read on each
/// preserve (rare), so the limit and "one box per height" hold across restarts of the node.
enum BlackBoxDirectory {
    /// The names of the black-box files in `directory` (empty if it cannot be read). Only
    /// regular files count: a symbolic link (even a dangling one) or anything else that merely
    /// carries a box's name is never taken for a preserved box, so it cannot suppress one.
    static func boxNames(in directory: String) -> [String] {
        let names = (try? system_directoryEntries(directory)) ?? []
        return names.filter { name in
            name.hasPrefix("blackbox-") && name.hasSuffix(".ring")
                && (try? system_fileKind(atPath: "\(directory)/\(name)")) == .regular
        }.sorted()
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
