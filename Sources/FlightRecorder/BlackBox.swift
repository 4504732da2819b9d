internal import SlogModel

/// What `FlightRecorder.preserveBlackBox` did: where the evidence is and what to tell the
/// operator.
public struct BlackBox: Sendable, Equatable {
    /// What the identifier's hash was computed from.
    public enum Basis: Sendable, Equatable {
        /// The failing block's slog records (`count` of them, normalized: nondeterministic
        /// fields removed, replayed and console records left out). `complete` is false when
        /// the block was partly overwritten or damaged in the ring.
        case blockRecords(count: Int, complete: Bool)
        /// The block was not in the ring: the hash covers the height and reason only.
        case haltDetailsOnly
    }

    /// Whether this call preserved the box, or found it already preserved.
    public enum Disposition: Sendable, Equatable {
        /// This call sealed the ring and wrote the box.
        case preserved
        /// A box for this height existed already (preserved earlier by this recorder, or found
        /// in the black-box directory): it is returned and nothing was written.
        case alreadyPreserved
    }

    /// Something that went wrong while preserving; the evidence is sealed regardless.
    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        /// The sealed ring could not be renamed to `destination`; it stays sealed at `path`.
        case notRenamed(path: String, destination: String, reason: String)
        /// Closing the sealed ring failed.
        case notClosed(reason: String)
        /// No fresh ring could be created at `path`: later records are counted as lost.
        case noFreshRing(path: String, reason: String)
        /// The compact copy could not be written: the whole sealed ring was kept instead.
        case notCompacted(reason: String)

        /// The sentence for the operator.
        public var description: String {
            switch self {
            case .notRenamed(let path, let destination, let reason):
                "could not rename the sealed ring to \(destination) (\(reason)); it stays sealed at \(path)"
            case .notClosed(let reason): "closing the sealed ring: \(reason)"
            case .noFreshRing(let path, let reason): "no fresh ring at \(path): \(reason)"
            case .notCompacted(let reason): "could not write the compact black box (\(reason)); the whole sealed ring was kept"
            }
        }
    }

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
    /// What the identifier's hash covers.
    public var basis: Basis
    /// What went wrong while preserving (empty normally).
    public var problems: [Problem]
    /// Whether this call wrote the box or returned one preserved before.
    public var disposition: Disposition = .preserved
    /// The app hash the network committed (CometBFT's "got"; `appHash` is this node's, its
    /// "Expected"), when the caller passed it. Recorded in the halt marker.
    public var networkAppHash: String?

    /// The message to show the operator: what happened, which file to send, the identifier.
    public var message: String {
        if disposition == .alreadyPreserved {
            return [
                "CONSENSUS FAILURE at block \(height): \(reason)",
                "The black box for block \(height) was already preserved (nothing new written):",
                "    \(path)",
                "Send this file to the chain's developers and quote the identifier \(identifier).",
            ].joined(separator: "\n")
        }
        var lines = [
            "CONSENSUS FAILURE at block \(height): \(reason)" + (appHash.map { " (app hash \($0)" + (networkAppHash.map { ", network's \($0)" } ?? "") + ")" } ?? ""),
            "The flight recorder preserved its black box (sealed, synced to disk):",
            "    \(path)",
            "Send this file to the chain's developers and quote the identifier \(identifier).",
            "A validator that prints the same identifier failed the same way: its report is a duplicate.",
            "The file holds this node's slog of the last blocks, which is privacy-equivalent to the chain's state:",
            "share it only with someone who could already know that state.",
            "Inspect it with: slog-tail --info \(path)",
        ]
        switch basis {
        case .blockRecords(_, complete: false):
            lines.append("Note: block \(height) was not complete in the ring (it outgrew the ring, or the ring was damaged); the identifier covers what was kept.")
        case .haltDetailsOnly:
            lines.append("Note: block \(height)'s records were not in the ring; the identifier is computed from the height and reason only.")
        case .blockRecords:
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

extension BlackBox.Basis {
    init(_ fingerprint: BlockFingerprint) {
        switch fingerprint.basis {
        case .blockRecords: self = .blockRecords(count: fingerprint.recordCount, complete: fingerprint.blockComplete)
        case .haltDetailsOnly: self = .haltDetailsOnly
        }
    }
}
