import AIMemCore
import ArgumentParser
import MemoryStore
import Vault

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Encrypted, signed snapshots: share memory with teammates, other machines and backups.",
        subcommands: [SnapshotExport.self, SnapshotMerge.self, SnapshotInspect.self, SnapshotVerify.self]
    )
}

extension ConflictPolicy: ExpressibleByArgument {}

/// Opens the store, keys and passphrase sources a snapshot command needs.
struct SnapshotContext {
    let store: MemoryStore
    let vault: SnapshotVault

    init(home: HomeOptions, passphrase: PassphraseOptions) throws {
        store = try home.openStore()
        vault = SnapshotVault(store: store, keys: KeyStore(home: home.resolved), passphrases: passphrase.sources)
    }
}

enum SnapshotText {
    static func trust(_ t: SignerInfo.Trust) -> String {
        switch t {
        case .you: return "you"
        case .trusted: return "trusted"
        case .revoked: return "revoked"
        case .untrusted: return "untrusted"
        case .compromised: return "compromised"
        case .disputed: return "disputed"
        case .signedAfterRotation: return "signed after its rotation"
        }
    }

    static func signerJSON(_ s: SignerInfo) -> JSONValue {
        var o = JSONObject(["name": .string(s.name), "key_id": .string(s.keyID), "trust": .string(trust(s.trust))])
        if let at = s.rotatedAt { o.append("rotated_at", JSONValue.double(at) ?? .null) }
        return .object(o)
    }

    /// "alice (key K)", or "alice (key K, rotated on DATE)" for a rotated key.
    static func signerText(_ s: SignerInfo) -> String {
        let rotated = s.rotatedAt.map { ", \(s.trust == .you ? "your key " : "")rotated on \(DateParsing.format($0))" } ?? ""
        return "\(TerminalText.oneLine(s.name)) (key \(TerminalText.oneLine(s.keyID))\(rotated))"
    }

    static func filtersText(_ f: ObservationFilter) -> String {
        var parts: [String] = []
        if let p = f.project { parts.append("project=\(p)") }
        if let t = f.type { parts.append("type=\(t)") }
        for tag in f.tags { parts.append("tag=\(tag)") }
        if let s = f.since { parts.append("since=\(DateParsing.format(s))") }
        return parts.isEmpty ? "none (everything)" : parts.joined(separator: ", ")
    }

    static func report(_ r: SnapshotReadReport, dryRun: Bool = false) -> JSONValue {
        var o = JSONObject()
        o.append("snapshot_id", .string(r.metadata.snapshotID))
        o.append("signer", signerJSON(r.signer))
        o.append("created_at", JSONValue.double(r.metadata.createdAt) ?? .null)
        o.append("sequence", .number(String(r.metadata.sequence)))
        o.append("records", .int(r.records))
        o.append("added", .int(r.counts.added))
        o.append("unchanged", .int(r.counts.unchanged))
        o.append("conflicts", .int(r.counts.conflicts))
        o.append("replaced", .int(r.counts.replaced))
        o.append("conflict_ids", .array(r.counts.conflictIDs.map(JSONValue.string)))
        o.append("not_the_author", .int(r.counts.notTheAuthor))
        o.append("kept_deleted", .int(r.counts.keptDeleted))
        o.append("not_the_author_ids", .array(r.counts.notTheAuthorIDs.map(JSONValue.string)))
        o.append("payload", .int(r.metadata.payload))
        o.append("tombstones", .int(r.tombstones))
        o.append("deleted", .int(r.counts.deleted))
        o.append("tombstones_recorded", .int(r.counts.tombstonesRecorded))
        o.append("tombstones_unchanged", .int(r.counts.tombstonesUnchanged))
        o.append("unknown_author", .int(r.counts.unknownAuthor))
        o.append("forged_author", .int(r.counts.forgedAuthor))
        o.append("refused_author_ids", .array(r.counts.refusedAuthorIDs.map(JSONValue.string)))
        o.append("foreign_embeddings", .int(r.counts.foreignEmbeddings))
        o.append("without_vectors", .int(r.counts.withoutVectors))
        o.append("already_merged", .bool(r.alreadyMerged))
        o.append("replay", .bool(r.replay))
        o.append("dry_run", .bool(dryRun))
        o.append("committed", .bool(r.committed))
        o.append("signature_valid", r.signatureValid.map(JSONValue.bool) ?? .null)
        o.append("base", r.metadata.base.map { .object(JSONObject(["snapshot_id": .string($0.snapshotID), "sequence": .number(String($0.sequence))])) } ?? .null)
        o.append("missing_base", .bool(r.missingBase != nil))
        return .object(o)
    }
}
