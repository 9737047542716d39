import AIMemCore
import Foundation
import SentenceEmbedding
import MemoryStore
import Sodium
import Testing
@testable import Vault

/// The hostile test-vector suite of `Tests/Vectors`: reproducible from fixed seeds,
/// and every vector run through the real code path with its exact outcome checked.
struct VectorSuiteTests {
    static let manifestURL = Vectors.root.appendingPathComponent("manifest.json")

    struct Entry {
        var file: String, kind: String, expect: String, error: String, note: String, before: [String]
        /// For accepts: merge counts the reader must report.
        var counts: [String: Int] = [:]
    }

    static func manifest() throws -> [Entry] {
        let array = try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as! [[String: Any]]
        return array.map {
            Entry(file: $0["file"] as! String, kind: $0["kind"] as! String, expect: $0["expect"] as! String,
                  error: $0["error"] as! String, note: $0["note"] as! String, before: $0["before"] as? [String] ?? [],
                  counts: $0["counts"] as? [String: Int] ?? [:])
        }
    }

    /// Writes every vector, the reader's keys and the manifest (only with AI_MEM_WRITE_VECTORS=1).
    static func writeAll() throws {
        let fm = FileManager.default
        for (path, bytes) in try VectorGenerator.readerFiles() {
            let url = Vectors.root.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
        var entries: [[String: Any]] = []
        for v in try VectorGenerator.all() {
            let url = Vectors.root.appendingPathComponent(v.file)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if v.kind == "snapshot" || v.kind == "keyline" { try Data(v.bytes).write(to: url) }
            var e: [String: Any] = ["file": v.file, "kind": v.kind, "expect": v.expect, "error": v.error, "note": v.note]
            if !v.before.isEmpty { e["before"] = v.before }
            if !v.counts.isEmpty { e["counts"] = v.counts }
            entries.append(e)
        }
        let data = try JSONSerialization.data(withJSONObject: entries, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try (data + Data("\n".utf8)).write(to: manifestURL)
    }

    @Test func regeneratingGivesTheSameBytes() throws {
        if ProcessInfo.processInfo.environment["AI_MEM_WRITE_VECTORS"] == "1" { try Self.writeAll() }
        for (path, bytes) in try VectorGenerator.readerFiles() {
            #expect([UInt8](try Data(contentsOf: Vectors.root.appendingPathComponent(path))) == bytes, "\(path)")
        }
        let generated = try VectorGenerator.all()
        let manifest = try Self.manifest()
        #expect(manifest.map(\.file) == generated.map(\.file))
        #expect(manifest.map(\.counts) == generated.map(\.counts))
        for v in generated where v.kind == "snapshot" || v.kind == "keyline" {
            let onDisk = [UInt8](try Data(contentsOf: Vectors.root.appendingPathComponent(v.file)))
            #expect(onDisk == v.bytes, "\(v.file) differs from its regeneration")
        }
    }

    @Test func thereAreAtLeast200VectorsInEveryCategory() throws {
        let manifest = try Self.manifest()
        #expect(manifest.count >= 200)
        for prefix in ["snapshots/header-", "snapshots/recipients-", "snapshots/signature-", "snapshots/stream-", "snapshots/payload-",
                       "snapshots/metadata-", "snapshots/accept-", "keylines/", "keyfiles/", "keyrings/"] {
            #expect(manifest.contains { $0.file.hasPrefix(prefix) }, "\(prefix)")
        }
    }

    /// A fresh home for bob: his test-only key, his keyring, and one memory of his own.
    func readerHome() throws -> (TempHome, SnapshotVault, MemoryStore) {
        let t = TempHome()
        let keyData = try Data(contentsOf: Vectors.root.appendingPathComponent("keys/TEST-ONLY-bob.key"))
        try keyData.write(to: URL(fileURLWithPath: t.keys.identityPath))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: t.keys.identityPath)
        try Data(contentsOf: Vectors.root.appendingPathComponent("keys/bob-keyring.txt")).write(to: URL(fileURLWithPath: t.keys.keyringPath))
        let store = try MemoryStore(home: t.home, embedder: LexicalHashEmbedder())
        _ = try store.add(NewObservation(content: "bob's own memory", project: "/bob", id: "bob-own"), now: 1)
        return (t, SnapshotVault(store: store, keys: t.keys, passphrases: PassphraseSources(file: nil, environment: [:], prompt: nil)), store)
    }

    func state(_ store: MemoryStore) throws -> [String] {
        try store.list(limit: nil).map { JSONWriter.string(.object(ObservationCodec.encode($0, embedding: .full))) }
            + ["--"] + store.ledger().map(\.snapshotID)
    }

    /// The merge counts a manifest may name.
    static func counts(_ c: MergeCounts) -> [String: Int] {
        ["added": c.added, "unchanged": c.unchanged, "conflicts": c.conflicts, "not_the_author": c.notTheAuthor, "kept_deleted": c.keptDeleted,
         "deleted": c.deleted, "tombstones_recorded": c.tombstonesRecorded, "tombstones_unchanged": c.tombstonesUnchanged,
         "unknown_author": c.unknownAuthor, "forged_author": c.forgedAuthor]
    }

    func outcome(of entry: Entry) throws -> (String, Bool) {
        let url = Vectors.root.appendingPathComponent(entry.file)
        switch entry.kind {
        case "snapshot":
            let (home, vault, store) = try readerHome()
            defer { _ = home }
            for earlier in entry.before {
                _ = try vault.read(.file(Vectors.root.appendingPathComponent(earlier).path), mode: .merge(policy: .newer, dryRun: false))
            }
            let before = try state(store)
            do {
                let report = try vault.read(.file(url.path), mode: .merge(policy: .newer, dryRun: false))
                let counts = Self.counts(report.counts)
                for (key, expected) in entry.counts where counts[key] != expected {
                    return ("accept with \(key) \(counts[key].map(String.init) ?? "?") (expected \(expected))", false)
                }
                return ("accept", report.committed || report.alreadyMerged)
            } catch let error as SnapshotError {
                return (error.errorClass, try state(store) == before)
            }
        case "keyline":
            do {
                _ = try PublicIdentity(keyLine: String(decoding: try Data(contentsOf: url), as: UTF8.self))
                return ("accept", true)
            } catch {
                guard case .invalidKeyLine(let problem)? = error as? VaultError else { return ("\(error)", false) }
                switch problem {
                case .notAKeyLine: return ("not a key line", true)
                case .unsupportedVersion: return ("unsupported version", true)
                case .invalidCharacter: return ("invalid character", true)
                case .nonCanonicalEncoding: return ("non-canonical encoding", true)
                case .wrongLength: return ("wrong length", true)
                case .badChecksum: return ("bad checksum", true)
                case .unusableKey: return ("unusable key", true)
                }
            }
        case "keyfile":
            do {
                let file = try SecretKeyFile.decode([UInt8](try Data(contentsOf: url)), path: entry.file)
                _ = try file.open(passphrase: SecretBytes(utf8: "correct horse battery staple"))
                return ("accept", true)
            } catch let error as VaultError {
                switch error {
                case .workFactorTooHigh: return ("workFactorTooHigh", true)
                case .malformedKeyFile: return ("malformedKeyFile", true)
                case .wrongPassphrase: return ("wrongPassphrase", true)
                default: return ("\(error)", true)
                }
            }
        case "keyring":
            do {
                _ = try KeyringFile.decode(String(decoding: try Data(contentsOf: url), as: UTF8.self), path: entry.file)
                return ("accept", true)
            } catch {
                if case .malformedKeyring? = error as? VaultError { return ("malformed keyring", true) }
                return ("\(error)", true)
            }
        default:
            return ("unknown kind \(entry.kind)", false)
        }
    }

    @Test func everyVectorBehavesAsTheManifestSays() throws {
        let manifest = try Self.manifest()
        var failures: [String] = []
        for entry in manifest {
            let (result, clean) = try outcome(of: entry)
            let expected = entry.expect == "accept" ? "accept" : entry.error
            if result != expected { failures.append("\(entry.file): expected \(expected), got \(result)") }
            if !clean { failures.append("\(entry.file): the store changed (or an accepted snapshot was not committed)") }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}
