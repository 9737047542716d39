import AIMemCore
import Foundation
import MemoryStore
import SentenceEmbedding
import TestFixtures
import Sodium
@testable import Vault

/// A person with a home: a store, an identity (unprotected, for speed) and a keyring.
final class Party {
    let temp = TempHome()
    let name: String
    let store: MemoryStore
    let identity: SecretIdentity
    var keys: KeyStore { temp.keys }
    var key: PublicIdentity { identity.publicIdentity }
    var vault: SnapshotVault { SnapshotVault(store: store, keys: keys, passphrases: PassphraseSources(file: nil, environment: [:], prompt: nil)) }

    init(_ name: String) throws {
        self.name = name
        store = try MemoryStore(home: temp.home, embedder: LexicalHashEmbedder())
        let file = try temp.keys.generate(name: name, passphrase: nil, limits: .interactive)
        identity = try file.open(passphrase: nil)
    }

    static let epoch = 1_700_000_000.0

    func trust(_ other: Party) throws { _ = try keys.trust(other.key, name: other.name) }

    func add(_ text: String, project: String = "/p", now: Double = 1000, id: String? = nil) throws -> Observation {
        // Times are offsets from 2023-11 (payload 2 refuses record times before 2000).
        try store.add(NewObservation(content: text, project: project, tags: ["t"], id: id), now: Self.epoch + now)
    }

    /// Deletes a memory as this party (their key is their own).
    @discardableResult
    func delete(_ id: String) throws -> Observation { try store.delete(id, ownKeyIDs: [key.keyID]) }

    /// Exports to a file in this party's home and returns its bytes.
    func export(to recipients: [String], includeSelf: Bool = true, filter: ObservationFilter = ObservationFilter()) throws -> [UInt8] {
        let path = temp.url.appendingPathComponent("out-\(UUID().uuidString).aimem").path
        _ = try vault.export(to: .file(path), recipients: recipients, includeSelf: includeSelf, filter: filter)
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Writes `bytes` to a file and reads it with `mode`.
    func read(_ bytes: [UInt8], mode: SnapshotVault.ReadMode = .merge(policy: .newer, dryRun: false)) throws -> SnapshotReadReport {
        let path = temp.url.appendingPathComponent("in-\(UUID().uuidString).aimem").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return try vault.read(.file(path), mode: mode)
    }

    /// Every row, the ledger and provenance, as text: equal values mean an unchanged store.
    func state() throws -> [String] {
        let rows = try store.list(limit: nil).sorted { $0.id < $1.id }
            .map { JSONWriter.string(.object(ObservationCodec.encode($0, embedding: .full))) }
        let ledger = try store.ledger().map { "\($0.snapshotID) \($0.signerKeyID) \($0.sequence)" }
        return rows + ["--"] + ledger
    }
}

/// Builds snapshots from arbitrary plaintext with the real encoder, for hostile cases.
enum Forge {
    static func metadata(signer: PublicIdentity, name: String = "alice", recipients: [PublicIdentity], count: Int,
                         sequence: Int64 = 10, id: String = UUID().uuidString, model: String = "lexical-hash-384-v1", dim: Int = 384) -> SnapshotMetadata {
        SnapshotMetadata(snapshotID: id, createdAt: 1_700_000_000, exporterKeyID: signer.keyID, exporterName: name,
                         exporterPublicKey: signer.keyLine, sequence: sequence, recipients: Array(Set(recipients.map(\.keyID))).sorted(),
                         filter: ObservationFilter(), count: count, embeddingModel: model, embeddingDimension: dim)
    }

    static func line(_ object: JSONObject) -> [UInt8] { Array(JSONWriter.string(.object(object)).utf8) + [0x0A] }

    static func record(_ id: String, content: String = "forged content", updatedAt: Double = 2000) -> JSONObject {
        let o = Observation(id: id, project: "/f", content: content, summary: content, createdAt: 1000, updatedAt: updatedAt,
                            embedding: Embedding(model: "lexical-hash-384-v1", vector: try! LexicalHashEmbedder().embed([content])[0]))
        return ObservationCodec.encode(o, embedding: .full)
    }

    /// Encrypts `plaintext` to `recipients` and signs it with `signer` (or ends with `trailer`).
    static func seal(_ plaintext: [UInt8], signer: SecretIdentity, recipients: [PublicIdentity], trailer: [UInt8]? = nil) throws -> [UInt8] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("forge-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        try OutputDestination.file(url.path).write { sink in
            let encoder = try SnapshotEncoder(recipients: recipients, sink: sink)
            try encoder.add(plaintext)
            if let trailer { try encoder.finish(trailer: trailer) } else { try encoder.finish(signer: signer) }
        }
        return [UInt8](try Data(contentsOf: url))
    }

    /// A complete snapshot with the given records (already encoded lines).
    static func snapshot(signer: SecretIdentity, recipients: [PublicIdentity], records: [[UInt8]], count: Int? = nil,
                         sequence: Int64 = 10, id: String = UUID().uuidString) throws -> [UInt8] {
        let meta = metadata(signer: signer.publicIdentity, recipients: recipients, count: count ?? records.count, sequence: sequence, id: id)
        return try seal(line(meta.json) + records.flatMap { $0 }, signer: signer, recipients: recipients)
    }

    static func headerLength(_ bytes: [UInt8]) -> Int { VectorGenerator.headerLength(bytes) }

    /// The byte ranges of each chunk (its 4-byte length and its ciphertext).
    static func chunkRanges(_ bytes: [UInt8]) -> [Range<Int>] { VectorGenerator.chunkRanges(bytes) }
}

/// The error class of a refusal, or "accepted".
func outcome(_ body: () throws -> SnapshotReadReport) -> String {
    do {
        _ = try body()
        return "accepted"
    } catch let error as SnapshotError {
        return error.errorClass
    } catch let error as VaultError {
        return "vault: \(error.message)"
    } catch {
        return "other: \(error)"
    }
}

extension Forge {
    /// A stream built chunk by chunk with any tags (no signature logic), for stream-rule cases.
    static func rawStream(recipients: [PublicIdentity], chunks: [([UInt8], SecretStream.Tag)]) throws -> [UInt8] {
        try VectorGenerator.rawStream(seed: UUID().uuidString, recipients: recipients, chunks: chunks)
    }

    /// Opens the stanza meant for `identity` and returns the file key.
    static func fileKey(of bytes: [UInt8], for identity: SecretIdentity) -> SecretBytes? {
        let count = Int(bytes[9]) | Int(bytes[10]) << 8
        for i in 0..<count {
            let stanza = Array(bytes[(11 + i * 80)..<(11 + (i + 1) * 80)])
            if let key = identity.encryption.open(sealed: stanza) { return key }
        }
        return nil
    }

    /// Replaces the stanzas with boxes of the same file key for `recipients` (what a recipient who knows the key can do).
    static func rewrap(_ bytes: [UInt8], using identity: SecretIdentity, for recipients: [PublicIdentity], keepOriginal: Bool = false) -> [UInt8] {
        let key = fileKey(of: bytes, for: identity)!
        let count = Int(bytes[9]) | Int(bytes[10]) << 8
        var stanzas: [[UInt8]] = keepOriginal ? (0..<count).map { Array(bytes[(11 + $0 * 80)..<(11 + ($0 + 1) * 80)]) } : []
        stanzas += recipients.map { try! X25519.seal(key, to: $0.encryptionKey) }
        var out = SnapshotFormat.magic + [SnapshotFormat.version, UInt8(stanzas.count), 0]
        out += stanzas.flatMap { $0 }
        out += bytes[(11 + count * 80)...]
        return out
    }
}
