internal import SlogRing

/// What `FlightRecorder.preserveBlackBox` did: where the evidence is and what to tell the
/// operator.
public struct BlackBox: Sendable, Equatable {
    /// `HEIGHT-HASH`: the same on every validator that failed the same way at this height.
    public var identifier: String
    /// The block the node failed at.
    public var height: UInt64
    /// The sealed ring holding the black box (normally `blackbox-HEIGHT-HASH.ring`).
    public var path: String
    /// The app hash the node passed, if any.
    public var appHash: String?
    /// The reason the node passed.
    public var reason: String
    /// What the hash was computed from.
    public var fingerprint: BlockFingerprint
    /// What went wrong while preserving (empty normally); the evidence is sealed regardless.
    public var problems: [String]

    /// The message to show the operator: what happened, which file to send, the identifier.
    public var message: String {
        var lines = [
            "CONSENSUS FAILURE at block \(height): \(reason)" + (appHash.map { " (app hash \($0))" } ?? ""),
            "The flight recorder preserved its black box (sealed, synced to disk):",
            "    \(path)",
            "Send this file to the chain's developers and quote the identifier \(identifier).",
            "A validator that prints the same identifier failed the same way: its report is a duplicate.",
            "The file holds this node's slog of the last blocks, which is privacy-equivalent to the chain's state:",
            "share it only with someone who could already know that state.",
            "Inspect it with: slog-tail --info \(path)",
        ]
        switch fingerprint.basis {
        case .blockRecords where !fingerprint.blockComplete:
            lines.append("Note: block \(height) was not complete in the ring (it outgrew the ring, or the ring was damaged); the identifier covers what was kept.")
        case .haltDetailsOnly:
            lines.append("Note: block \(height)'s records were not in the ring; the identifier is computed from the height and reason only.")
        default:
            break
        }
        lines += problems.map { "Problem: \($0)" }
        return lines.joined(separator: "\n")
    }

    /// `HEIGHT-HASH`, with `HASH` the first 16 hex digits of the fingerprint's SHA-256.
    static func identifier(height: UInt64, fingerprint: BlockFingerprint) -> String {
        "\(height)-\(fingerprint.digest.prefix(16))"
    }
}

/// A digest of one block's consensus-relevant slog, equal across validators that computed the
/// block the same way.
public struct BlockFingerprint: Sendable, Equatable {
    /// What the digest was computed from.
    public enum Basis: Sendable, Equatable {
        /// SHA-256 over the block's slog records, each normalized (nondeterministic fields
        /// removed, replayed and console records left out) and followed by a newline.
        case blockRecords
        /// The block was not in the ring: SHA-256 of `"HEIGHT\nREASON"` only.
        case haltDetailsOnly
    }

    /// What the digest covers.
    public var basis: Basis
    /// Hex SHA-256.
    public var digest: String
    /// Records that went into the digest.
    public var recordCount: Int
    /// False when the block's records were partly overwritten (a drop marker) or the reader
    /// skipped damage inside it.
    public var blockComplete: Bool

    /// Reads the ring at `ringPath` and fingerprints block `height` (its last execution, if it
    /// appears more than once after a restart): the slog records between its begin marker and
    /// its commit marker, or the end of the ring.
    static func compute(ringPath: String, height: UInt64, fields: NondeterministicFields, reason: String = "") -> BlockFingerprint {
        var found: (digest: SHA256, count: Int, complete: Bool)?
        var collecting = false
        if var reader = try? RingReader.open(path: ringPath) {
            while let event = reader.next() {
                switch event {
                case .skipped:
                    if collecting { found?.complete = false }
                case .record(let info):
                    reader.withRecordBytes { bytes in
                        if info.kind.isMarker {
                            switch Marker.decode(kind: info.kind, bytes: bytes) {
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
                        switch ConsensusNormalizer.normalize(bytes, fields: fields) {
                        case .excluded:
                            return
                        case .record(let normalized):
                            found?.digest.update(normalized)
                        case .notJSON:
                            found?.digest.update(bytes)
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
