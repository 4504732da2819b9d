internal import SlogRing

/// A digest of one block's consensus-relevant slog, equal across validators that computed the
/// block the same way.
package struct BlockFingerprint: Sendable, Equatable {
    /// What the digest was computed from.
    package enum Basis: Sendable, Equatable {
        /// SHA-256 over the block's slog records, each normalized (nondeterministic fields
        /// removed, replayed and console records left out) and followed by a newline.
        case blockRecords
        /// The block was not in the ring: SHA-256 of `"HEIGHT\nREASON"` only.
        case haltDetailsOnly
    }

    /// What the digest covers.
    package var basis: Basis
    /// Hex SHA-256.
    package var digest: String
    /// Records that went into the digest.
    package var recordCount: Int
    /// False when the block's records were partly overwritten (a drop marker) or the reader
    /// skipped damage inside it.
    package var blockComplete: Bool

    /// Reads the ring at `ringPath` and fingerprints block `height` (its last execution, if it
    /// appears more than once after a restart): the slog records between its begin marker and
    /// its commit marker, or the end of the ring.
    package static func compute(ringPath: String, height: UInt64, fields: NondeterministicFields, reason: String = "") -> BlockFingerprint {
        var found: (digest: SHA256, count: Int, complete: Bool)?
        var collecting = false
        if var reader = try? RingReader.open(path: ringPath) {
            while let event = reader.next() {
                switch event {
                case .skipped:
                    if collecting { found?.complete = false }
                case .record(let info):
                    unsafe reader.withRecordBytes { bytes in
                        if info.kind.isMarker {
                            switch unsafe Marker.decode(kind: info.kind, bytes: bytes) {
                            case .blockBegin(let h, _):
                                collecting = h == height
                                if collecting { found = (SHA256(), 0, true) }
                            case .blockCommit(let h) where h == height:
                                collecting = false
                            case .dropped(let h, _, _, _) where h == height && collecting:
                                found?.complete = false
                            default:
                                break
                            }
                            return
                        }
                        guard collecting, info.kind == .slog else { return }
                        switch unsafe ConsensusNormalizer.normalize(bytes, fields: fields) {
                        case .excluded:
                            return
                        case .record(let normalized):
                            found?.digest.update(normalized)
                        case .notJSON:
                            unsafe found?.digest.update(bytes)
                        }
                        found?.digest.update([0x0A])
                        found?.count += 1
                    }
                }
            }
        }
        if let found {
            let digest = found.digest
            return BlockFingerprint(
                basis: .blockRecords, digest: hexString(digest.finalize()), recordCount: found.count,
                blockComplete: found.complete)
        }
        return BlockFingerprint(
            basis: .haltDetailsOnly, digest: hexString(SHA256.hash(Array("\(height)\n\(reason)".utf8))),
            recordCount: 0, blockComplete: false)
    }
}
