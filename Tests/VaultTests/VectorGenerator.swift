import AIMemCore
import Foundation
import SentenceEmbedding
import MemoryStore
@_spi(TestVectors) import Sodium
@testable import Vault

/// Makes the hostile test vectors of `Tests/Vectors` from fixed seeds: the same
/// bytes on every run (`VectorSuiteTests.regeneratingGivesTheSameBytes` checks it).
/// Run `AI_MEM_WRITE_VECTORS=1 swift test --filter VectorSuiteTests` to write them.
///
/// Every snapshot is read by "bob" (test-only key in `keys/`), whose keyring trusts
/// alice, has rita revoked, and does not know mallory.
enum VectorGenerator {
    struct Vector {
        var file: String
        var kind: String          // snapshot, keyline, keyfile, keyring
        var expect: String        // accept or reject
        var error: String         // the error class for rejects
        var note: String
        var before: [String] = [] // snapshots merged first (replay cases)
        var bytes: [UInt8]
        var counts: [String: Int] = [:] // for accepts: merge counts the reader must report
    }

    // MARK: People

    static func identity(_ name: String) -> SecretIdentity {
        try! SecretIdentity(seeds: SecretBytes(copying: try! BLAKE2b.hash(Array("ai-mem test vector identity \(name)".utf8), outputLength: 64)))
    }

    static let alice = identity("alice"), bob = identity("bob"), carol = identity("carol"), mallory = identity("mallory"), rita = identity("rita")
    static let createdAt = 1_795_000_000.0

    /// Bob's key file (unprotected: test vectors must be readable without a passphrase) and keyring.
    static func readerFiles() throws -> [(String, [UInt8])] {
        var files: [(String, [UInt8])] = []
        for (name, id) in [("alice", alice), ("bob", bob), ("carol", carol), ("mallory", mallory), ("rita", rita)] {
            let keyFile = try SecretKeyFile.seal(id, name: name, createdAt: createdAt, passphrase: nil, limits: .interactive)
            files.append(("keys/TEST-ONLY-\(name).key", keyFile.encoded()))
            files.append(("keys/\(name).pub", Array("# TEST-ONLY key of \(name), key id \(id.publicIdentity.keyID)\n\(id.publicIdentity.keyLine)\n".utf8)))
        }
        var ring = Keyring()
        try ring.add(name: "alice", key: alice.publicIdentity, at: createdAt)
        try ring.add(name: "carol", key: carol.publicIdentity, at: createdAt)
        try ring.add(name: "rita", key: rita.publicIdentity, at: createdAt)
        _ = try ring.revoke("rita", reason: "test vector: revoked signer", at: createdAt + 1)
        files.append(("keys/bob-keyring.txt", Array(KeyringFile.encode(ring).utf8)))
        return files
    }

    // MARK: Building blocks

    static func metadata(signer: SecretIdentity = alice, name: String = "alice", recipients: [PublicIdentity] = [alice.publicIdentity, bob.publicIdentity],
                         count: Int, id: String, sequence: Int64 = 100) -> JSONObject {
        SnapshotMetadata(snapshotID: id, createdAt: createdAt, exporterKeyID: signer.publicIdentity.keyID, exporterName: name,
                         exporterPublicKey: signer.publicIdentity.keyLine, sequence: sequence,
                         recipients: Array(Set(recipients.map(\.keyID))).sorted(), filter: ObservationFilter(), count: count,
                         embeddingModel: "lexical-hash-384-v1", embeddingDimension: 384).json
    }

    static func record(_ id: String, content: String? = nil, updatedAt: Double = createdAt, withEmbedding: Bool = true) -> JSONObject {
        let text = content ?? "test vector record \(id)"
        let o = Observation(id: id, sessionID: "vector-session", project: "/vectors", type: "note", title: "vector \(id)", content: text,
                            summary: ContentPreparation.summary(of: text), createdAt: createdAt, updatedAt: updatedAt, tags: ["vector"],
                            embedding: withEmbedding ? Embedding(model: "lexical-hash-384-v1", vector: try! LexicalHashEmbedder().embed([text])[0]) : nil)
        return ObservationCodec.encode(o, embedding: .full)
    }

    static func line(_ o: JSONObject) -> [UInt8] { Array(JSONWriter.string(.object(o)).utf8) + [0x0A] }

    // MARK: Payload 2

    static func metadata2(signer: SecretIdentity = alice, name: String = "alice", recipients: [PublicIdentity] = [alice.publicIdentity, bob.publicIdentity],
                          count: Int, tombstones: Int = 0, id: String, sequence: Int64 = 100, createdAt: Double = createdAt) -> JSONObject {
        var m = metadata(signer: signer, name: name, recipients: recipients, count: count, id: id, sequence: sequence)
        m["ai_mem_snapshot"] = .int(2)
        m["created_at"] = JSONValue.double(createdAt)!
        m["tombstones"] = .int(tombstones)
        return m
    }

    /// A payload-2 record written by `author` and signed by them (or carrying `signature` instead).
    static func record2(_ id: String, by author: SecretIdentity = alice, content: String? = nil, signature: [UInt8]?? = .none,
                        change: (inout Observation) -> Void = { _ in }) throws -> JSONObject {
        let text = content ?? "test vector record \(id)"
        var o = Observation(id: id, sessionID: "vector-session", project: "/vectors", type: "note", title: "vector \(id)", content: text,
                            summary: ContentPreparation.summary(of: text), createdAt: createdAt, updatedAt: createdAt, tags: ["vector"],
                            embedding: Embedding(model: "lexical-hash-384-v1", vector: try LexicalHashEmbedder().embed([text])[0]))
        change(&o)
        var r = ObservationCodec.encode(o, embedding: .full)
        let sig = try signature ?? AuthorSignature.sign(o, as: author)
        r["author"] = .object(JSONObject(["key_id": .string(author.publicIdentity.keyID), "signature": sig.map { .string(Base64.encode($0)) } ?? .null]))
        return r
    }

    static func tombstone2(_ id: String, by author: SecretIdentity = alice, deletedAt: Double = createdAt, signature: [UInt8]? = nil) throws -> JSONObject {
        let sig = try signature ?? AuthorSignature.signTombstone(id: id, deletedAt: deletedAt, as: author)
        return JSONObject(["tombstone": .object(JSONObject([
            "id": .string(id), "deleted_at": JSONValue.double(deletedAt)!,
            "author": .object(JSONObject(["key_id": .string(author.publicIdentity.keyID), "signature": .string(Base64.encode(sig))])),
        ]))])
    }

    /// Payload-2 vectors (docs/FORMAT.md §4.4–4.7, §6.3).
    static func payload2Vectors(accept: (String, String, [String], [String: Int], [UInt8]) -> Void,
                                reject: (String, String, String, [UInt8]) -> Void) throws {
        let carolToBob = [carol.publicIdentity, bob.publicIdentity]
        func sealed(_ meta: JSONObject, _ lines: [JSONObject], seed: String, signer: SecretIdentity = alice,
                    recipients: [PublicIdentity] = [alice.publicIdentity, bob.publicIdentity]) throws -> [UInt8] {
            try seal(line(meta) + lines.flatMap(line), seed: "p2-" + seed, signer: signer, recipients: recipients)
        }
        func fromCarol(_ name: String, _ note: String, _ counts: [String: Int], _ records: [JSONObject], tombstones: [JSONObject] = []) throws {
            accept("accept-p2-\(name).aimem", note, [], counts,
                   try sealed(metadata2(signer: carol, name: "carol", recipients: carolToBob, count: records.count, tombstones: tombstones.count, id: "vector-p2-\(name)"),
                              records + tombstones, seed: name, signer: carol, recipients: carolToBob))
        }
        let own = try [record2("p2-a1"), record2("p2-a2")]
        accept("accept-p2-own-records.aimem", "payload 2: two records by their signer", [], ["added": 2],
               try sealed(metadata2(count: 2, id: "vector-p2-own"), own, seed: "own"))
        try fromCarol("relay", "carol relays a record alice signed, and one of her own", ["added": 2, "forged_author": 0],
                      [try record2("p2-relayed"), try record2("p2-carol", by: carol)])
        let genuine = try AuthorSignature.sign(Observation(id: "x", project: "/vectors", content: "other content", createdAt: createdAt), as: alice)
        try fromCarol("forged-relay", "carol relays a record claiming alice, whose signature is over other content: not applied",
                      ["added": 1, "forged_author": 1], [try record2("p2-forged", signature: .some(genuine)), try record2("p2-carol-2", by: carol)])
        try fromCarol("altered-relay", "a record alice signed, one field changed after signing: not applied", ["added": 0, "forged_author": 1],
                      [try {
                          var r = try record2("p2-altered")
                          r["importance_score"] = .number("0.9")
                          return r
                      }()])
        try fromCarol("unknown-author", "carol relays a record by mallory, whom bob does not know: not applied", ["added": 0, "unknown_author": 1],
                      [try record2("p2-mallory", by: mallory)])
        try fromCarol("revoked-author", "carol relays a record by rita, revoked in bob's keyring: not applied", ["added": 0, "unknown_author": 1],
                      [try record2("p2-rita", by: rita)])
        try fromCarol("unsigned-relay", "carol relays alice's record without a signature: not applied", ["added": 0, "unknown_author": 1],
                      [try record2("p2-unsigned", signature: .some(nil))])
        accept("accept-p2-unsigned-in-own-backup.aimem", "bob's own snapshot carries alice's record without a signature: accepted", [], ["added": 1],
               try sealed(metadata2(signer: bob, name: "bob", recipients: [bob.publicIdentity], count: 1, id: "vector-p2-backup"),
                          [try record2("p2-backup", signature: .some(nil))], seed: "backup", signer: bob, recipients: [bob.publicIdentity]))
        accept("accept-p2-not-the-author.aimem", "alice's version of bob's own memory: kept bob's", [], ["added": 0, "not_the_author": 1],
               try sealed(metadata2(count: 1, id: "vector-p2-nta"), [try record2("bob-own", content: "alice rewrites bob's memory")], seed: "nta"))
        accept("accept-p2-tombstone-recorded.aimem", "alice deletes a memory bob never had: the tombstone is kept", [], ["tombstones_recorded": 1],
               try sealed(metadata2(count: 0, tombstones: 1, id: "vector-p2-trec"), [try tombstone2("p2-never-seen")], seed: "trec"))
        try fromCarol("tombstone-not-the-author", "carol's tombstone for bob's own memory: refused", ["not_the_author": 1, "deleted": 0], [],
                      tombstones: [try tombstone2("bob-own", by: carol)])
        accept("accept-p2-tombstone-deletes.aimem", "after alice's two records, her tombstone for one deletes it", ["snapshots/accept-p2-own-records.aimem"],
               ["deleted": 1, "added": 1], try sealed(metadata2(count: 1, tombstones: 1, id: "vector-p2-tdel", sequence: 101),
                                                       [try record2("p2-a3"), try tombstone2("p2-a1")], seed: "tdel"))
        accept("accept-p2-kept-deleted.aimem", "the deleted record again, in a later snapshot of alice's: kept deleted",
               ["snapshots/accept-p2-own-records.aimem", "snapshots/accept-p2-tombstone-deletes.aimem"], ["kept_deleted": 1, "added": 0],
               try sealed(metadata2(count: 1, id: "vector-p2-kept", sequence: 102), [try record2("p2-a1")], seed: "kept"))
        accept("accept-p2-relayed-tombstone.aimem", "carol relays alice's tombstone for alice's record: deleted", ["snapshots/accept-p2-own-records.aimem"],
               ["deleted": 1], try sealed(metadata2(signer: carol, name: "carol", recipients: carolToBob, count: 0, tombstones: 1, id: "vector-p2-rtomb"),
                                          [try tombstone2("p2-a2")], seed: "rtomb", signer: carol, recipients: carolToBob))
        accept("accept-p2-time-edges.aimem", "created_at exactly 2000-01-01 and updated_at exactly the snapshot's time plus a day", [], ["added": 1],
               try sealed(metadata2(count: 1, id: "vector-p2-edges"), [try record2("p2-edges") { o in
                   o.createdAt = 946_684_800
                   o.updatedAt = createdAt + 86_400
               }], seed: "edges"))
        accept("accept-p2-noncanonical-record.aimem", "a payload-2 record with members in another order and escapes: the same signature", [], ["added": 1],
               try seal(line(metadata2(count: 1, id: "vector-p2-order")) + {
                   let r = try! record2("p2-order", content: "é and \"quotes\"")
                   let reordered = JSONObject(r.members.reversed())
                   return Array(JSONWriter.string(.object(reordered)).replacingOccurrences(of: "é", with: "\\u00e9").utf8) + [0x0A]
               }(), seed: "p2-order"))

        // Refusals.
        func bad(_ name: String, _ error: String, _ note: String, _ meta: JSONObject, _ lines: [JSONObject]) throws {
            reject("payload2-\(name).aimem", error, note, try sealed(meta, lines, seed: "bad-\(name)"))
        }
        func badRecord(_ name: String, _ note: String, _ change: (inout JSONObject) -> Void) throws {
            var r = try record2("p2-bad-\(name)")
            change(&r)
            try bad(name, "invalid payload", note, metadata2(count: 1, id: "vector-p2-bad-\(name)"), [r])
        }
        func author(_ r: inout JSONObject, _ change: (inout JSONObject) -> Void) {
            guard case .object(var a)? = r["author"] else { return }
            change(&a)
            r["author"] = .object(a)
        }
        try badRecord("missing-author", "a payload-2 record without author") { $0["author"] = nil }
        try badRecord("author-null", "author null") { $0["author"] = .null }
        try badRecord("key-id-uppercase", "an author key id in uppercase hex") { r in author(&r) { $0["key_id"] = .string(alice.publicIdentity.keyID.uppercased()) } }
        try badRecord("key-id-short", "an author key id of 15 characters") { r in author(&r) { $0["key_id"] = .string(String(alice.publicIdentity.keyID.dropLast())) } }
        try badRecord("key-id-not-hex", "an author key id with a character outside 0-9 a-f") { r in author(&r) { $0["key_id"] = .string("g" + String(alice.publicIdentity.keyID.dropFirst())) } }
        try badRecord("signature-short", "a signature of 63 bytes") { r in author(&r) { $0["signature"] = .string(Base64.encode([UInt8](repeating: 1, count: 63))) } }
        try badRecord("signature-noncanonical", "a signature whose base64 has unused bits set") { r in author(&r) { a in
            guard case .string(let t)? = a["signature"] else { return }
            // 64 bytes: 88 characters ending "=="; the last data character carries 4 unused bits.
            var chars = Array(t)
            chars[85] = chars[85] == "B" ? "C" : "B"
            a["signature"] = .string(String(chars))
        } }
        try badRecord("signature-number", "a signature that is a number") { r in author(&r) { $0["signature"] = .int(1) } }
        try badRecord("author-extra-member", "author with an extra member") { r in author(&r) { $0["name"] = .string("alice") } }
        try badRecord("author-missing-signature", "author without signature") { r in author(&r) { $0["signature"] = nil } }
        try badRecord("created-before-2000", "created_at one second before 2000-01-01") { $0["created_at"] = .number("946684799") }
        try badRecord("updated-year-9999", "updated_at in the year 9999") { $0["updated_at"] = .number("253402300799") }
        try badRecord("updated-past-skew", "updated_at one second past the snapshot's created_at plus a day") { $0["updated_at"] = JSONValue.double(createdAt + 86_401)! }
        try badRecord("updated-negative", "a negative updated_at") { $0["updated_at"] = .number("-1") }
        var p1 = record("p2-in-p1")
        p1["author"] = .object(JSONObject(["key_id": .string(alice.publicIdentity.keyID), "signature": .null]))
        reject("payload2-author-in-payload-1.aimem", "invalid payload", "an author member in a payload-1 record",
               try seal(plaintext(metadata(count: 1, id: "vector-p2-in-p1"), [p1]), seed: "p2-in-p1"))
        var p1meta = metadata(count: 0, id: "vector-p2-tomb-in-p1")
        p1meta["tombstones"] = .int(0)
        reject("payload2-tombstones-in-payload-1.aimem", "invalid payload", "a tombstones member in payload-1 metadata", try seal(line(p1meta), seed: "p2-tomb-in-p1"))
        // Incremental snapshots (§4.8): `base`.
        func withBase(_ id: String, _ base: JSONValue, count: Int = 0) -> JSONObject {
            var m = metadata2(count: count, id: id)
            m["base"] = base
            return m
        }
        func baseObject(_ id: String, _ sequence: String) -> JSONValue {
            .object(JSONObject(["snapshot_id": .string(id), "sequence": .number(sequence)]))
        }
        accept("accept-p2-increment.aimem", "an increment whose base bob never merged: applied (a warning names the base)", [], ["added": 1],
               try sealed(withBase("vector-p2-increment", baseObject("vector-p2-never-merged", "99"), count: 1), [try record2("p2-inc")], seed: "increment"))
        accept("accept-p2-base-null.aimem", "base null: a full snapshot", [], ["added": 0],
               try sealed(withBase("vector-p2-base-null", .null), [], seed: "base-null"))
        try bad("base-same-sequence", "invalid payload", "base.sequence equal to the snapshot's sequence", withBase("vector-p2-base-seq", baseObject("b", "100")), [])
        try bad("base-sequence-fraction", "invalid payload", "base.sequence written 1.0", withBase("vector-p2-base-frac", baseObject("b", "1.0")), [])
        try bad("base-sequence-zero", "invalid payload", "base.sequence 0", withBase("vector-p2-base-zero", baseObject("b", "0")), [])
        try bad("base-empty-id", "invalid payload", "base.snapshot_id empty", withBase("vector-p2-base-empty", baseObject("", "5")), [])
        try bad("base-extra-member", "invalid payload", "base with a member besides snapshot_id and sequence",
                withBase("vector-p2-base-extra", .object(JSONObject(["snapshot_id": .string("b"), "sequence": .number("5"), "signer": .string("x")]))), [])
        try bad("base-not-object", "invalid payload", "base a string", withBase("vector-p2-base-string", .string("b")), [])
        var p1base = metadata(count: 0, id: "vector-p2-base-in-p1")
        p1base["base"] = baseObject("b", "5")
        reject("payload2-base-in-payload-1.aimem", "invalid payload", "a base member in payload-1 metadata", try seal(line(p1base), seed: "p2-base-in-p1"))
        var noTombs = metadata2(count: 0, id: "vector-p2-notombs")
        noTombs["tombstones"] = nil
        try bad("missing-tombstones-count", "invalid payload", "payload-2 metadata without tombstones", noTombs, [])
        try bad("metadata-in-2100", "invalid payload", "metadata created_at in 2100, ahead of every reader's clock", metadata2(count: 0, id: "vector-p2-2100", createdAt: 4_102_444_800), [])
        try bad("metadata-before-2000", "invalid payload", "metadata created_at in 1999", metadata2(count: 0, id: "vector-p2-1999", createdAt: 946_684_799), [])
        var nullSig = try tombstone2("p2-t-null")
        if case .object(var t)? = nullSig["tombstone"] {
            t["author"] = .object(JSONObject(["key_id": .string(alice.publicIdentity.keyID), "signature": .null]))
            nullSig["tombstone"] = .object(t)
        }
        try bad("tombstone-null-signature", "invalid payload", "a tombstone without a signature", metadata2(count: 0, tombstones: 1, id: "vector-p2-tnull"), [nullSig])
        var extra = try tombstone2("p2-t-extra")
        if case .object(var t)? = extra["tombstone"] {
            t["reason"] = .string("mistake")
            extra["tombstone"] = .object(t)
        }
        try bad("tombstone-extra-member", "invalid payload", "a tombstone with an extra member", metadata2(count: 0, tombstones: 1, id: "vector-p2-textra"), [extra])
        var outer = try tombstone2("p2-t-outer")
        outer["also"] = .null
        try bad("tombstone-line-extra-member", "invalid payload", "a tombstone line with a second member", metadata2(count: 0, tombstones: 1, id: "vector-p2-touter"), [outer])
        try bad("tombstone-deleted-before-2000", "invalid payload", "a tombstone deleted in 1999", metadata2(count: 0, tombstones: 1, id: "vector-p2-told"),
                [try tombstone2("p2-t-old", deletedAt: 946_684_799)])
        try bad("record-in-tombstone-position", "invalid payload", "a record line where a tombstone is declared", metadata2(count: 0, tombstones: 1, id: "vector-p2-rpos"),
                [try record2("p2-rpos")])
        try bad("tombstone-in-record-position", "invalid payload", "a tombstone line where a record is declared", metadata2(count: 1, id: "vector-p2-tpos"),
                [try tombstone2("p2-tpos")])
        try bad("duplicate-record-and-tombstone", "duplicate id", "a record and a tombstone of the same id", metadata2(count: 1, tombstones: 1, id: "vector-p2-dup"),
                [try record2("p2-dup"), try tombstone2("p2-dup")])
        try bad("duplicate-tombstones", "duplicate id", "the same id tombstoned twice", metadata2(count: 0, tombstones: 2, id: "vector-p2-dup2"),
                [try tombstone2("p2-dup2"), try tombstone2("p2-dup2", deletedAt: createdAt - 1)])
        try bad("tombstone-lines-missing", "count mismatch", "one tombstone declared, none present", metadata2(count: 1, tombstones: 1, id: "vector-p2-tmiss"),
                [try record2("p2-tmiss")])
        try bad("tombstone-line-extra", "count mismatch", "two tombstone lines, one declared", metadata2(count: 0, tombstones: 1, id: "vector-p2-tmore"),
                [try tombstone2("p2-tm1"), try tombstone2("p2-tm2")])
        var huge = metadata2(count: 0, id: "vector-p2-overflow")
        huge["count"] = .number("4611686018427387904")
        huge["tombstones"] = .number("4611686018427387904")
        try bad("count-plus-tombstones-overflow", "invalid payload", "count and tombstones each 2^62: together past 2^63-1", huge, [])
        try bad("duplicate-after-refused-author", "duplicate id", "a record by an unknown author, then the same id by the signer",
                metadata2(count: 2, id: "vector-p2-dupref"), [try record2("p2-dupref", by: mallory), try record2("p2-dupref")])
        try bad("tombstone-id-with-nul", "invalid payload", "a tombstone id holding U+0000", metadata2(count: 0, tombstones: 1, id: "vector-p2-tnul"),
                [try tombstone2("p2\u{0}nul")])
    }

    static func plaintext(_ meta: JSONObject, _ records: [JSONObject]) -> [UInt8] {
        line(meta) + records.flatMap(line)
    }

    /// Encrypts and signs with the real encoder and seeded entropy.
    static func seal(_ plaintext: [UInt8], seed: String, signer: SecretIdentity = alice,
                     recipients: [PublicIdentity] = [alice.publicIdentity, bob.publicIdentity], trailer: [UInt8]? = nil) throws -> [UInt8] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vector-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        try OutputDestination.file(url.path).write { sink in
            let encoder = try SnapshotEncoder(recipients: recipients, sink: sink, entropy: .seeded(Array(seed.utf8)))
            try encoder.add(plaintext)
            if let trailer { try encoder.finish(trailer: trailer) } else { try encoder.finish(signer: signer) }
        }
        return [UInt8](try Data(contentsOf: url))
    }

    /// A stream with hand-chosen chunks and tags (seeded), for the stream rules.
    static func rawStream(seed: String, recipients: [PublicIdentity] = [alice.publicIdentity, bob.publicIdentity],
                          chunks: [([UInt8], SecretStream.Tag)]) throws -> [UInt8] {
        let entropy = SnapshotEntropy.seeded(Array(seed.utf8))
        let key = try entropy.fileKey()
        let pusher = try entropy.pusher(key: key)
        var out = SnapshotFormat.magic + [SnapshotFormat.version, UInt8(recipients.count), 0]
        for (i, r) in try entropy.order(recipients).enumerated() { out += try entropy.seal(key, to: r, index: i) }
        out += pusher.header
        for (plaintext, tag) in chunks {
            let length = UInt32(plaintext.count + SecretStream.overhead)
            out += [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24)]
            try plaintext.withUnsafeBytes { try pusher.push($0, tag: tag, into: &out) }
        }
        return out
    }

    static func headerLength(_ bytes: [UInt8]) -> Int { SnapshotFormat.headerBytes(recipients: Int(bytes[9]) | Int(bytes[10]) << 8) }

    static func chunkRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = headerLength(bytes)
        while start + 4 <= bytes.count {
            let length = (0..<4).reduce(0) { $0 | Int(bytes[start + $1]) << (8 * $1) }
            ranges.append(start..<min(start + 4 + length, bytes.count))
            start += 4 + length
        }
        return ranges
    }

    static func stanzas(_ bytes: [UInt8]) -> [[UInt8]] {
        let n = Int(bytes[9]) | Int(bytes[10]) << 8
        return (0..<n).map { Array(bytes[(11 + $0 * 80)..<(11 + ($0 + 1) * 80)]) }
    }

    static func withStanzas(_ bytes: [UInt8], _ stanzas: [[UInt8]]) -> [UInt8] {
        let n = Int(bytes[9]) | Int(bytes[10]) << 8
        return SnapshotFormat.magic + [SnapshotFormat.version, UInt8(stanzas.count & 0xFF), UInt8(stanzas.count >> 8)]
            + stanzas.flatMap { $0 } + Array(bytes[(11 + n * 80)...])
    }

    static func fileKey(_ bytes: [UInt8], for id: SecretIdentity) -> SecretBytes {
        stanzas(bytes).lazy.compactMap { id.encryption.open(sealed: $0) }.first!
    }

    // MARK: The vectors

    static func all() throws -> [Vector] {
        var v: [Vector] = []
        func snap(_ file: String, _ expect: String, _ error: String, _ note: String, before: [String] = [], _ bytes: [UInt8]) {
            v.append(Vector(file: "snapshots/" + file, kind: "snapshot", expect: expect, error: error, note: note, before: before, bytes: bytes))
        }
        func reject(_ file: String, _ error: String, _ note: String, _ bytes: [UInt8]) { snap(file, "reject", error, note, bytes) }
        func accept(_ file: String, _ note: String, before: [String] = [], _ bytes: [UInt8]) { snap(file, "accept", "", note, before: before, bytes) }

        // A multi-chunk genuine snapshot (4 chunks) for the stream cases, and a small
        // one (1 chunk) for header, recipient and trailing-data cases.
        let big = (0..<25).map { record("big-\($0)", content: "record \($0) " + String(repeating: "payload \($0) ", count: 700)) }
        let genuine = try seal(plaintext(metadata(count: big.count, id: "vector-genuine"), big), seed: "genuine")
        let ranges = chunkRanges(genuine)
        let headerEnd = headerLength(genuine)
        precondition(ranges.count >= 4)
        accept("accept-multi-chunk.aimem", "a genuine snapshot of \(ranges.count) chunks", genuine)
        let small = try seal(plaintext(metadata(count: 3, id: "vector-small"), (0..<3).map { record("small-\($0)") }), seed: "small")
        accept("accept-small.aimem", "a genuine one-chunk snapshot with three records", small)

        // -- Accepted edge cases
        accept("accept-empty-store.aimem", "no records: metadata and signature only", try seal(plaintext(metadata(count: 0, id: "vector-empty"), []), seed: "empty"))
        accept("accept-one-record.aimem", "one record", try seal(plaintext(metadata(count: 1, id: "vector-one"), [record("one")]), seed: "one"))
        let unicodeText = "ZWJ 👩‍👩‍👧‍👦 flags 🇯🇵🇧🇷🏴󠁧󠁢󠁥󠁮󠁧󠁿 CJK 中文日本語한국어 RTL עברית العربية combining é\u{301} tab\t cr\r\n quote \" backslash \\ nul-free"
        var uni = record("ünïcødé-ïd-✓", content: unicodeText)
        uni["tags"] = .array([.string("タグ"), .string("🏷️")])
        uni["metadata"] = .object(JSONObject(["ключ": .string("значение"), "nested": .object(JSONObject(["😀": .array([.number("1e-05"), .null, .bool(true)])]))]))
        uni["project"] = .string("/srv/日本語/проект")
        accept("accept-unicode-everywhere.aimem", "unicode in id, content, tags, metadata keys and project", try seal(plaintext(metadata(count: 1, id: "vector-unicode"), [uni]), seed: "unicode"))
        accept("accept-null-embedding.aimem", "a record without an embedding gets one locally", try seal(plaintext(metadata(count: 1, id: "vector-noemb"), [record("noemb", withEmbedding: false)]), seed: "noemb"))
        var foreign = record("foreign")
        foreign["embedding"] = .object(JSONObject(["model": .string("other-model-2d"), "dim": .int(2), "vector": .string(Data(Embedding(model: "x", vector: [0.6, 0.8]).littleEndianBytes).base64EncodedString())]))
        accept("accept-foreign-embedding-model.aimem", "another model keeps its own dimension, labelled", try seal(plaintext(metadata(count: 1, id: "vector-foreign"), [foreign]), seed: "foreign"))
        accept("accept-self-signed-by-reader.aimem", "bob's own snapshot", try seal(plaintext(metadata(signer: bob, name: "bob", recipients: [bob.publicIdentity], count: 1, id: "vector-self"), [record("self")]), seed: "self", signer: bob, recipients: [bob.publicIdentity]))
        let many = [bob.publicIdentity] + (0..<63).map { identity("filler \($0)").publicIdentity }
        accept("accept-64-recipients.aimem", "the maximum of 64 recipients", try seal(plaintext(metadata(recipients: many, count: 1, id: "vector-64"), [record("r64")]), seed: "64", recipients: many))
        accept("accept-carol-signed.aimem", "signed by another trusted keyring entry", try seal(plaintext(metadata(signer: carol, name: "carol", recipients: [carol.publicIdentity, bob.publicIdentity], count: 1, id: "vector-carol"), [record("carol")]), seed: "carol", signer: carol, recipients: [carol.publicIdentity, bob.publicIdentity]))
        // Plaintext sizes around chunk boundaries.
        for (name, target) in [("exact-one-chunk", SnapshotFormat.chunkBytes), ("one-chunk-minus-64", SnapshotFormat.chunkBytes - 64),
                               ("one-chunk-minus-63", SnapshotFormat.chunkBytes - 63), ("one-chunk-plus-1", SnapshotFormat.chunkBytes + 1),
                               ("exact-two-chunks", 2 * SnapshotFormat.chunkBytes)] {
            accept("accept-\(name).aimem", "plaintext of exactly \(target) bytes (chunk-count boundary)", try seal(sized(target, id: "vector-\(name)"), seed: name))
        }
        accept("accept-metadata-line-at-limit.aimem", "a metadata line of exactly 1 MiB", try seal(metadataAtLimit(extra: 0), seed: "meta-limit"))
        // Replay: an older snapshot after a newer one (sequence 50 < 100).
        let newer = try seal(plaintext(metadata(count: 1, id: "vector-replay-new", sequence: 100), [record("replayed", content: "version 2", updatedAt: createdAt + 100)]), seed: "replay-new")
        let older = try seal(plaintext(metadata(count: 1, id: "vector-replay-old", sequence: 50), [record("replayed", content: "version 1", updatedAt: createdAt + 200)]), seed: "replay-old")
        accept("accept-replay-newer.aimem", "the newer snapshot of a replay pair", newer)
        accept("accept-replay-older-after-newer.aimem", "replay: accepted, but never overwrites the newer row (even though its updated_at is later)", before: ["snapshots/accept-replay-newer.aimem"], older)
        accept("accept-already-merged.aimem", "the same snapshot twice: already merged, nothing changes", before: ["snapshots/accept-already-merged.aimem"],
               try seal(plaintext(metadata(count: 1, id: "vector-twice"), [record("twice")]), seed: "twice"))
        try payload2Vectors(accept: { file, note, before, counts, bytes in
            v.append(Vector(file: "snapshots/" + file, kind: "snapshot", expect: "accept", error: "", note: note, before: before, bytes: bytes, counts: counts))
        }, reject: { file, error, note, bytes in reject(file, error, note, bytes) })

        // -- Header
        let smallHeaderEnd = headerLength(small)
        reject("header-empty-file.aimem", "truncated", "an empty file", [])
        for (i, cut) in [3, 8, 9, 10, 11, 50, 90, smallHeaderEnd - 1].enumerated() {
            reject("header-truncated-\(i + 1)-at-\(cut).aimem", cut < 8 ? "truncated" : "truncated", "the file ends inside the header, at byte \(cut)", Array(small[0..<cut]))
        }
        for i in 0..<8 {
            var b = small; b[i] ^= 0x20
            reject("header-bad-magic-byte-\(i).aimem", "not a snapshot", "magic byte \(i) altered", b)
        }
        reject("header-plain-ndjson.aimem", "not a snapshot", "a plain export, not a snapshot", Array(#"{"snapshot": {"count": 0}}"#.utf8) + [0x0A])
        reject("header-age-file.aimem", "not a snapshot", "another tool's file", Array("age-encryption.org/v1\n-> X25519 abc\n".utf8))
        for version: UInt8 in [0, 2, 3, 0x7F, 0xFF] {
            var b = small; b[8] = version
            reject("header-version-\(version).aimem", "unsupported version", "version byte \(version)", b)
        }
        for count in [0, 65, 256, 0xFFFF] {
            var b = small; b[9] = UInt8(count & 0xFF); b[10] = UInt8(count >> 8)
            reject("header-recipient-count-\(count).aimem", "malformed header", "recipient count \(count) (1 to 64 allowed)", b)
        }
        var three = small; three[9] = 3
        reject("header-count-says-more-stanzas.aimem", "corrupted", "count 3 with 2 stanzas: bob's stanza opens, but the stream header and chunk 1 are read from the wrong place", three)
        for (i, s) in stanzas(small).enumerated() where bob.encryption.open(sealed: s) != nil {
            for offset in [0, 31, 32, 79] {
                var b = small; b[11 + i * 80 + offset] ^= 0x01
                reject("header-bob-stanza-flip-\(offset).aimem", "not a recipient", "byte \(offset) of bob's stanza altered: it no longer opens", b)
            }
        }
        for offset in [0, 12, 23] {
            var b = small; b[smallHeaderEnd - 24 + offset] ^= 0x01
            reject("header-stream-header-flip-\(offset).aimem", "corrupted", "stream header byte \(offset) altered: chunk 1 fails", b)
        }

        // -- Recipients
        let toCarol = try seal(plaintext(metadata(recipients: [alice.publicIdentity, carol.publicIdentity], count: 1, id: "vector-carol-only"), [record("c1")]), seed: "carol-only", recipients: [alice.publicIdentity, carol.publicIdentity])
        reject("recipients-no-stanza-for-reader.aimem", "not a recipient", "encrypted to alice and carol only", toCarol)
        let key = fileKey(small, for: alice)
        let entropy = SnapshotEntropy.seeded(Array("rewrap".utf8))
        let bobStanza = try entropy.seal(key, to: bob.publicIdentity, index: 0)
        let carolStanza = try entropy.seal(key, to: carol.publicIdentity, index: 1)
        let malloryStanza = try entropy.seal(key, to: mallory.publicIdentity, index: 2)
        reject("recipients-added-stanza.aimem", "malformed header", "a third stanza added (for mallory) by someone who knows the key", withStanzas(small, stanzas(small) + [malloryStanza]))
        reject("recipients-stripped-stanza.aimem", "malformed header", "alice's stanza stripped, count fixed", withStanzas(small, stanzas(small).filter { bob.encryption.open(sealed: $0) != nil }))
        reject("recipients-duplicate-stanza.aimem", "malformed header", "bob's stanza twice", withStanzas(small, stanzas(small) + stanzas(small).filter { bob.encryption.open(sealed: $0) != nil }))
        reject("recipients-rewrapped-same-set.aimem", "signature invalid", "both stanzas re-made for the same recipients: the signature covers the header", withStanzas(small, [try entropy.seal(key, to: alice.publicIdentity, index: 3), bobStanza]))
        let forCarolOnly = try seal(plaintext(metadata(recipients: [alice.publicIdentity, carol.publicIdentity], count: 1, id: "vector-forward"), [record("fw")]), seed: "forward", recipients: [alice.publicIdentity, carol.publicIdentity])
        let carolKey = fileKey(forCarolOnly, for: carol)
        let forwarded = withStanzas(forCarolOnly, [try entropy.seal(carolKey, to: alice.publicIdentity, index: 4), try entropy.seal(carolKey, to: bob.publicIdentity, index: 5)])
        reject("recipients-forwarded-to-reader.aimem", "not a recipient", "carol re-wraps a snapshot meant for her to bob: bob is not in the signed list", forwarded)
        reject("recipients-forwarded-single-stanza.aimem", "not a recipient", "the same, with bob's stanza only", withStanzas(forCarolOnly, [try entropy.seal(carolKey, to: bob.publicIdentity, index: 6)]))
        reject("recipients-replaced-stanza.aimem", "not a recipient", "a recipient's stanza swapped for carol's: bob cannot open any", withStanzas(small, [carolStanza, stanzas(small).first { bob.encryption.open(sealed: $0) == nil }!]))
        reject("recipients-listed-but-no-stanza.aimem", "not a recipient", "bob is listed in the metadata but has no stanza", try seal(plaintext(metadata(count: 1, id: "vector-listed"), [record("l1")]), seed: "listed", recipients: [alice.publicIdentity, carol.publicIdentity]))

        // -- Signature
        let onePlain = plaintext(metadata(count: 1, id: "vector-sig"), [record("sig")])
        reject("signature-by-untrusted-signer.aimem", "untrusted signer", "signed by mallory, who is not in bob's keyring", try seal(plaintext(metadata(signer: mallory, name: "mallory", count: 1, id: "vector-mallory"), [record("m1")]), seed: "mallory", signer: mallory))
        reject("signature-untrusted-claims-trusted-name.aimem", "untrusted signer", "mallory's key, calling itself alice", try seal(plaintext(metadata(signer: mallory, name: "alice", count: 1, id: "vector-mallory2"), [record("m2")]), seed: "mallory2", signer: mallory))
        reject("signature-by-revoked-signer.aimem", "revoked signer", "signed by rita, revoked in bob's keyring", try seal(plaintext(metadata(signer: rita, name: "rita", count: 1, id: "vector-rita"), [record("r1")]), seed: "rita", signer: rita))
        reject("signature-wrong-key.aimem", "signature invalid", "claims alice, signed by mallory", try seal(onePlain, seed: "wrong-key", signer: mallory))
        reject("signature-by-carol-claiming-alice.aimem", "signature invalid", "claims alice, signed by carol (also trusted)", try seal(onePlain, seed: "carol-claims", signer: carol))
        reject("signature-zero.aimem", "signature invalid", "64 zero bytes instead of a signature", try seal(onePlain, seed: "zero", trailer: [UInt8](repeating: 0, count: 64)))
        reject("signature-missing.aimem", "invalid payload", "no signature: the final chunk ends with the plaintext, whose last 64 bytes are taken as the signature", try seal(onePlain, seed: "missing", trailer: []))
        let realSignature = try SnapshotSignature()
        let sigHeader = Array(try seal(onePlain, seed: "flip")[0..<SnapshotFormat.headerBytes(recipients: 2)])
        try realSignature.update(sigHeader); try realSignature.update(onePlain)
        var flipped = try realSignature.sign(with: alice.signing)
        flipped[10] ^= 0x01
        reject("signature-bit-flipped.aimem", "signature invalid", "a valid signature with one bit flipped", try seal(onePlain, seed: "flip", trailer: flipped))
        let otherHeader = try SnapshotSignature()
        try otherHeader.update(Array(genuine[0..<headerEnd])); try otherHeader.update(onePlain)
        reject("signature-over-different-header.aimem", "signature invalid", "alice's signature over another snapshot's header", try seal(onePlain, seed: "other-header", trailer: try otherHeader.sign(with: alice.signing)))
        let noDomain = try SnapshotSignature(domain: [])
        try noDomain.update(sigHeader); try noDomain.update(onePlain)
        reject("signature-without-domain.aimem", "signature invalid", "alice's signature without the domain-separation prefix", try seal(onePlain, seed: "flip", trailer: try noDomain.sign(with: alice.signing)))
        let otherText = try SnapshotSignature()
        try otherText.update(sigHeader)
        try otherText.update(plaintext(metadata(count: 1, id: "vector-sig"), [record("sig", content: "what alice really signed")]))
        reject("signature-over-different-plaintext.aimem", "signature invalid", "alice signed other records", try seal(onePlain, seed: "flip", trailer: try otherText.sign(with: alice.signing)))
        // The construction of development builds before this format was fixed: Ed25519ph (SHA-512 prehash).
        let ed25519ph = try Ed25519.prehashedSignature(of: SnapshotFormat.signatureDomain + sigHeader + onePlain, with: alice.signing)
        reject("signature-ed25519ph.aimem", "signature invalid", "alice's Ed25519ph (SHA-512 prehash) signature over the same bytes, not the BLAKE2b-512 construction", try seal(onePlain, seed: "flip", trailer: ed25519ph))

        // -- Stream
        for index in [0, 1, 2, ranges.count - 1] {
            var b = genuine; b[ranges[index].lowerBound + 4 + 100] ^= 0x04
            reject("stream-flip-chunk-\(index + 1).aimem", "corrupted", "ciphertext of chunk \(index + 1) altered", b)
            var tag = genuine; tag[ranges[index].upperBound - 1] ^= 0x80
            reject("stream-bad-tag-chunk-\(index + 1).aimem", "corrupted", "the authentication tag of chunk \(index + 1) altered", tag)
        }
        func reorder(_ order: [Int]) -> [UInt8] { Array(genuine[0..<headerEnd]) + order.flatMap { Array(genuine[ranges[$0]]) } }
        let all = Array(ranges.indices)
        var s12 = all; s12.swapAt(0, 1); reject("stream-swap-1-2.aimem", "corrupted", "chunks 1 and 2 swapped", reorder(s12))
        var s23 = all; s23.swapAt(1, 2); reject("stream-swap-2-3.aimem", "corrupted", "chunks 2 and 3 swapped", reorder(s23))
        var sLast = all; sLast.swapAt(all.count - 2, all.count - 1); reject("stream-swap-last-two.aimem", "corrupted", "the final chunk moved before the previous one", reorder(sLast))
        var d1 = all; d1.insert(0, at: 1); reject("stream-duplicate-chunk-1.aimem", "corrupted", "chunk 1 repeated", reorder(d1))
        var d2 = all; d2.insert(1, at: 2); reject("stream-duplicate-chunk-2.aimem", "corrupted", "chunk 2 repeated", reorder(d2))
        var dF = all; dF.append(all.last!); reject("stream-duplicate-final.aimem", "trailing data", "the final chunk twice", reorder(dF))
        var r1 = all; r1.remove(at: 0); reject("stream-drop-chunk-1.aimem", "corrupted", "chunk 1 removed", reorder(r1))
        var r2 = all; r2.remove(at: 1); reject("stream-drop-chunk-2.aimem", "corrupted", "chunk 2 removed", reorder(r2))
        var r3 = all; r3.remove(at: 2); reject("stream-drop-chunk-3.aimem", "corrupted", "chunk 3 removed", reorder(r3))
        reject("stream-no-final-chunk.aimem", "truncated", "the final chunk removed: ends after a full MESSAGE chunk", reorder(Array(all.dropLast())))
        reject("stream-only-final-chunk.aimem", "corrupted", "all but the final chunk removed", reorder([all.last!]))
        reject("stream-no-chunks.aimem", "truncated", "the header alone", Array(small[0..<headerLength(small)]))
        let smallEnd = headerLength(small)
        for (i, cut) in [smallEnd + 1, smallEnd + 3, smallEnd + 4, smallEnd + 5, smallEnd + 1000, small.count - 64, small.count - 1].enumerated() {
            reject("stream-truncated-small-\(i + 1)-at-\(cut).aimem", "truncated", "cut at byte \(cut) of \(small.count)", Array(small[0..<cut]))
        }
        for (i, cut) in [ranges[1].lowerBound - 1, ranges[1].lowerBound + 2, ranges[2].lowerBound + 40000, ranges.last!.lowerBound + 2,
                         ranges.last!.lowerBound + 50].enumerated() {
            reject("stream-truncated-\(i + 1)-at-\(cut).aimem", "truncated", "cut at byte \(cut) of \(genuine.count)", Array(genuine[0..<cut]))
        }
        for (name, extra) in [("one-byte", [UInt8(0)]), ("newline", [UInt8(0x0A)]), ("zeros-4", [UInt8](repeating: 0, count: 4)),
                              ("zeros-100", [UInt8](repeating: 0, count: 100)), ("header-again", Array(small[0..<headerLength(small)]))] {
            reject("stream-trailing-\(name).aimem", "trailing data", "\(extra.count) byte(s) after the final chunk", small + extra)
        }
        reject("stream-trailing-whole-copy.aimem", "trailing data", "the snapshot twice in one file", small + small)
        let meta0 = line(metadata(count: 0, id: "vector-raw"))
        let sig64 = [UInt8](repeating: 0x5A, count: 64)
        let full = meta0 + [UInt8](repeating: 0x20, count: SnapshotFormat.chunkBytes - meta0.count)
        reject("stream-two-finals.aimem", "trailing data", "a FINAL chunk followed by another FINAL chunk", try rawStream(seed: "two-finals", chunks: [(meta0 + sig64, .final), (sig64, .final)]))
        reject("stream-push-tag.aimem", "corrupted", "TAG_PUSH is never valid", try rawStream(seed: "push", chunks: [(meta0 + sig64, .push)]))
        reject("stream-rekey-tag.aimem", "corrupted", "TAG_REKEY is never valid", try rawStream(seed: "rekey", chunks: [(meta0 + sig64, .rekey)]))
        reject("stream-short-message-chunk-bad-signature.aimem", "signature invalid", "a shorter MESSAGE chunk is well-formed; the made-up signature is not", try rawStream(seed: "short", chunks: [(meta0, .message), (sig64, .final)]))
        reject("stream-empty-message-chunk.aimem", "corrupted", "a MESSAGE chunk of 0 bytes (length 17)", try rawStream(seed: "empty-msg", chunks: [([], .message), (meta0 + sig64, .final)]))
        reject("stream-message-only.aimem", "truncated", "one full MESSAGE chunk and no FINAL", try rawStream(seed: "msg-only", chunks: [(full, .message)]))
        reject("stream-final-too-short.aimem", "corrupted", "a FINAL chunk of 10 bytes (length 27 < 81)", try rawStream(seed: "final-short", chunks: [(full, .message), ([UInt8](repeating: 1, count: 10), .final)]))
        reject("stream-final-empty.aimem", "corrupted", "an empty FINAL chunk (length 17)", try rawStream(seed: "final-empty", chunks: [(full, .message), ([], .final)]))
        reject("stream-oversize-chunk.aimem", "corrupted", "a chunk of 65 537 plaintext bytes", try rawStream(seed: "oversize", chunks: [(full + [0x20] + sig64, .final)]))
        for (name, value) in [("zero", UInt32(0)), ("sixteen", 16), ("huge", 0x7FFF_FFFF), ("max", 0xFFFF_FFFF), ("one-over", UInt32(SnapshotFormat.chunkBytes + 18))] {
            var b = genuine
            for k in 0..<4 { b[ranges[0].lowerBound + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(k))) }
            reject("stream-length-\(name).aimem", "corrupted", "chunk 1's length prefix set to \(value)", b)
        }
        var off = genuine; off[ranges[1].lowerBound + 1] ^= 0x01
        reject("stream-length-off-by-one.aimem", "corrupted", "chunk 2's length one byte off", off)

        // -- Payload (valid crypto, bad content)
        func payload(_ name: String, _ error: String, _ note: String, _ text: [UInt8], count: Int = 1) throws {
            reject("payload-\(name).aimem", error, note, try seal(line(metadata(count: count, id: "vector-\(name)")) + text, seed: name))
        }
        let good = line(record("good"))
        for (name, bytes) in [("utf8-ff", [UInt8(0xFF)]), ("utf8-lone-continuation", [0x80]), ("utf8-overlong-slash", [0xC0, 0xAF]),
                              ("utf8-encoded-surrogate", [0xED, 0xA0, 0x80]), ("utf8-truncated-sequence", [0xE6, 0x97]),
                              ("utf8-above-unicode", [0xF4, 0x90, 0x80, 0x80])] {
            var r = Array(#"{"id": "x"#.utf8) + bytes + Array(#""}"#.utf8)
            r.append(0x0A)
            try payload(name, "invalid payload", "invalid UTF-8 in a record", r)
        }
        for (name, text) in [("json-not-json", "{not json}"), ("json-trailing-comma", #"{"id": "a",}"#), ("json-single-quotes", "{'id': 'a'}"),
                             ("json-unquoted-key", "{id: 1}"), ("json-nan-literal", #"{"n": NaN}"#), ("json-comment", #"{"a": 1} // c"#),
                             ("json-leading-zero", #"{"n": 007}"#), ("json-lone-surrogate", #"{"s": "\ud800"}"#),
                             ("json-duplicate-key", #"{"id": "a", "id": "b"}"#), ("json-control-char", "{\"s\": \"a\u{01}b\"}"),
                             ("json-deep-nesting", String(repeating: "[", count: 70) + String(repeating: "]", count: 70)),
                             ("json-truncated", #"{"id": "a""#), ("json-two-values", #"{"id": "a"} {"id": "b"}"#),
                             ("json-array-record", #"["id", "a"]"#), ("json-bom", "\u{FEFF}{}")] {
            try payload(name, "invalid payload", "not a valid JSON object line", Array(text.utf8) + [0x0A])
        }
        try payload("blank-line", "invalid payload", "an empty line between records", good + [0x0A], count: 2)
        try payload("no-final-newline", "invalid payload", "the last line does not end with a newline", Array(good.dropLast()))
        accept("accept-crlf-line.aimem", "a record line ending in \\r\\n: the CR is JSON whitespace", try seal(line(metadata(count: 1, id: "vector-crlf")) + Array(good.dropLast()) + [0x0D, 0x0A], seed: "crlf"))
        func field(_ name: String, _ note: String, _ change: (inout JSONObject) -> Void) throws {
            var r = record("field-\(name)")
            change(&r)
            try payload("field-\(name)", "invalid payload", note, line(r))
        }
        try field("unknown", "an unknown field (a future required field must not be ignored)") { $0["must_understand"] = .bool(true) }
        try field("missing-tags", "a missing field") { $0["tags"] = nil }
        try field("missing-embedding", "the embedding field absent (null is allowed, absent is not)") { $0["embedding"] = nil }
        try field("id-empty", "an empty id") { $0["id"] = .string("") }
        try field("id-with-nul", "an id holding U+0000 (ids are compared and stored whole)") { $0["id"] = .string("nul\u{0}id") }
        try field("id-number", "a numeric id") { $0["id"] = .number("42") }
        try field("id-too-long", "an id of 201 bytes") { $0["id"] = .string(String(repeating: "i", count: 201)) }
        try field("content-empty", "empty content") { $0["content"] = .string("") }
        try field("content-null", "null content") { $0["content"] = .null }
        try field("type-empty", "an empty type") { $0["type"] = .string("") }
        try field("created-string", "created_at as a string") { $0["created_at"] = .string("2026-01-01") }
        try field("importance-huge", "importance_score of 1e999 (not finite)") { $0["importance_score"] = .number("1e999") }
        try field("tags-not-strings", "tags holding a number") { $0["tags"] = .array([.number("1")]) }
        try field("metadata-array", "metadata as an array") { $0["metadata"] = .array([]) }
        try field("assets-object", "assets as an object") { $0["assets"] = .object(JSONObject()) }
        try field("hash-uppercase", "content_hash in uppercase hex") { $0["content_hash"] = .string(String(repeating: "A", count: 64)) }
        try field("hash-short", "content_hash of 63 digits") { $0["content_hash"] = .string(String(repeating: "a", count: 63)) }
        func embedding(_ name: String, _ note: String, model: String = "lexical-hash-384-v1", dim: JSONValue, vector: [Float]?, raw: String? = nil) throws {
            try field("embedding-\(name)", note) { r in
                r["embedding"] = .object(JSONObject(["model": .string(model), "dim": dim,
                                                     "vector": .string(raw ?? Data(Embedding(model: model, vector: vector ?? []).littleEndianBytes).base64EncodedString())]))
            }
        }
        let ok384 = [Float](repeating: 0.05, count: 384)
        try embedding("short-vector", "383 floats for dim 384", dim: .int(384), vector: Array(ok384.dropLast()))
        try embedding("long-vector", "385 floats for dim 384", dim: .int(384), vector: ok384 + [0.1])
        try embedding("wrong-dim-declared-model", "the snapshot's model with dim 100", dim: .int(100), vector: [Float](repeating: 0.1, count: 100))
        try embedding("dim-zero", "dim 0", model: "m", dim: .int(0), vector: [])
        try embedding("dim-too-large", "dim 5000 (over 4096)", model: "m", dim: .int(5000), vector: [Float](repeating: 0.1, count: 5000))
        try embedding("dim-fraction", "dim 2.5", model: "m", dim: .number("2.5"), vector: [0.1, 0.2])
        var nan = ok384; nan[7] = .nan
        try embedding("nan", "a NaN component", dim: .int(384), vector: nan)
        var inf = ok384; inf[0] = .infinity
        try embedding("infinity", "+infinity", dim: .int(384), vector: inf)
        var ninf = ok384; ninf[383] = -.infinity
        try embedding("minus-infinity", "-infinity", dim: .int(384), vector: ninf)
        try embedding("bad-base64", "a vector that is not base64", dim: .int(384), vector: nil, raw: "!!not base64!!")
        try embedding("odd-bytes", "a vector of 1537 bytes", dim: .int(384), vector: nil, raw: Data([UInt8](repeating: 0, count: 1537)).base64EncodedString())
        try field("embedding-no-model", "an embedding without a model") { $0["embedding"] = .object(JSONObject(["dim": .int(2), "vector": .string("AAAAAAAAAAA=")])) }
        try field("embedding-extra-member", "an embedding object with a member besides model, dim and vector") { r in
            guard case .object(var e)? = r["embedding"] else { return }
            e["norm"] = .int(1)
            r["embedding"] = .object(e)
        }
        let a = line(record("dup")), b = line(record("other"))
        try payload("duplicate-id-adjacent", "duplicate id", "the same id twice in a row", a + a, count: 2)
        try payload("duplicate-id-apart", "duplicate id", "the same id at lines 2 and 4", a + b + a, count: 3)
        try payload("count-more-than-declared", "count mismatch", "3 records, 2 declared", a + b + line(record("third")), count: 2)
        try payload("count-fewer-than-declared", "count mismatch", "2 records, 3 declared", a + b, count: 3)
        try payload("count-none-but-declared", "count mismatch", "no records, 1 declared", [], count: 1)
        try payload("count-declared-zero", "count mismatch", "1 record, 0 declared", a, count: 0)
        func meta(_ name: String, _ note: String, _ change: (inout JSONObject) -> Void) throws {
            var m = metadata(count: 0, id: "vector-meta-\(name)")
            change(&m)
            reject("metadata-\(name).aimem", "invalid payload", note, try seal(line(m), seed: "meta-\(name)"))
        }
        try meta("unknown-field", "an unknown metadata field") { $0["compression"] = .string("zstd") }
        try meta("missing-count", "no count") { $0["count"] = nil }
        try meta("payload-version-3", "ai_mem_snapshot 3") { $0["ai_mem_snapshot"] = .int(3) }
        try meta("negative-count", "count -1") { $0["count"] = .number("-1") }
        try meta("sequence-zero", "sequence 0") { $0["sequence"] = .number("0") }
        try meta("recipients-empty", "an empty recipient list") { $0["recipients"] = .array([]) }
        try meta("recipients-unsorted", "recipients not sorted") { $0["recipients"] = .array([.string(bob.publicIdentity.keyID), .string(alice.publicIdentity.keyID)].sorted { JSONWriter.string($0) > JSONWriter.string($1) }) }
        try meta("recipients-duplicate", "a recipient listed twice") { $0["recipients"] = .array([.string(alice.publicIdentity.keyID), .string(alice.publicIdentity.keyID)]) }
        try meta("exporter-extra-field", "exporter with an extra member") { m in
            guard case .object(var e)? = m["exporter"] else { return }
            e["email"] = .string("a@example.org")
            m["exporter"] = .object(e)
        }
        try meta("exporter-key-id-not-hex", "an exporter key id of 16 characters that are not all 0-9 a-f") { m in
            guard case .object(var e)? = m["exporter"] else { return }
            e["key_id"] = .string(alice.publicIdentity.keyID.uppercased())
            m["exporter"] = .object(e)
        }
        try meta("exporter-key-id-control", "an exporter key id holding an escape sequence") { m in
            guard case .object(var e)? = m["exporter"] else { return }
            e["key_id"] = .string("\u{1B}[8m" + String(alice.publicIdentity.keyID.prefix(12)))
            m["exporter"] = .object(e)
        }
        try meta("recipients-not-hex", "a recipient key id that is not hex") { $0["recipients"] = .array([.string("bob-not-a-key-id"), .string(alice.publicIdentity.keyID)].sorted { JSONWriter.string($0) < JSONWriter.string($1) }) }
        try meta("embedding-dim-zero", "embedding dim 0") { $0["embedding"] = .object(JSONObject(["model": .string("m"), "dim": .int(0)])) }
        try meta("filters-missing-tags", "filters without tags") { $0["filters"] = .object(JSONObject(["project": .null, "type": .null, "since": .null])) }
        try meta("snapshot-id-empty", "an empty snapshot id") { $0["snapshot_id"] = .string("") }
        try meta("exporter-name-too-long", "an exporter name of 201 bytes (at most 200)") { m in
            guard case .object(var e)? = m["exporter"] else { return }
            e["name"] = .string(String(repeating: "a", count: 201))
            m["exporter"] = .object(e)
        }
        try meta("payload-version-one-point-zero", "ai_mem_snapshot written 1.0 (the number written exactly 1 or 2)") { $0["ai_mem_snapshot"] = .number("1.0") }
        try meta("count-zero-point-zero", "count written 0.0 (not an integer)") { $0["count"] = .number("0.0") }
        try meta("sequence-exponent", "sequence written 1e1 (not an integer)") { $0["sequence"] = .number("1e1") }
        reject("metadata-not-object.aimem", "invalid payload", "the first line is an array", try seal(Array("[]\n".utf8), seed: "meta-array"))
        reject("metadata-missing.aimem", "invalid payload", "no plaintext at all", try seal([], seed: "meta-missing"))
        reject("metadata-line-over-limit.aimem", "invalid payload", "a metadata line of 1 MiB + 1 byte", try seal(metadataAtLimit(extra: 1), seed: "meta-over"))

        // -- Keys, key files and keyrings (run through their own parsers)
        let line1 = alice.publicIdentity.keyLine
        v.append(Vector(file: "keylines/accept-alice.txt", kind: "keyline", expect: "accept", error: "", note: "alice's key line", bytes: Array((line1 + "\n").utf8)))
        let body = Array(line1.dropFirst(PublicIdentity.keyLinePrefix.count))
        for position in [0, 1, 20, 45, 80, body.count - 2, body.count - 1] {
            // 'E' and 'I' keep the two unused low bits of the last character clear: still canonical.
            var typo = body
            typo[position] = typo[position] == "E" ? "I" : "E"
            v.append(Vector(file: "keylines/typo-at-\(position).txt", kind: "keyline", expect: "reject", error: "bad checksum",
                            note: "one character changed at position \(position)", bytes: Array((PublicIdentity.keyLinePrefix + String(typo) + "\n").utf8)))
        }
        var nonCanonical = body
        nonCanonical[body.count - 1] = Character(Unicode.Scalar(UInt8(ascii: "A") + 1))
        v.append(Vector(file: "keylines/non-canonical-last-character.txt", kind: "keyline", expect: "reject", error: "non-canonical encoding",
                        note: "unused low bits of the last character set", bytes: Array((PublicIdentity.keyLinePrefix + String(nonCanonical) + "\n").utf8)))
        for (name, text, error) in [("version-2", "ai-mem-pk2:" + String(body), "unsupported version"), ("no-prefix", String(body), "not a key line"),
                                    ("truncated", PublicIdentity.keyLinePrefix + String(body.dropLast(3)), "wrong length"),
                                    ("extended", PublicIdentity.keyLinePrefix + String(body) + "AAAA", "wrong length"),
                                    ("bad-character", PublicIdentity.keyLinePrefix + "+" + String(body.dropFirst()), "invalid character"),
                                    ("padding", PublicIdentity.keyLinePrefix + String(body) + "=", "invalid character"),
                                    ("swapped-neighbours", PublicIdentity.keyLinePrefix + String(body[0..<10]) + String(body[11]) + String(body[10]) + String(body[12...]), "bad checksum"),
                                    ("empty", "", "not a key line")] {
            v.append(Vector(file: "keylines/\(name).txt", kind: "keyline", expect: "reject", error: error, note: name, bytes: Array((text + "\n").utf8)))
        }
        let keyfileManifest = try JSONSerialization.jsonObject(with: Data(contentsOf: Vectors.url("keyfiles/manifest.json"))) as! [String: Any]
        for entry in keyfileManifest["refused"] as! [[String: String]] {
            v.append(Vector(file: "keyfiles/" + entry["file"]!, kind: "keyfile", expect: "reject", error: entry["error"]!, note: "secret key file",
                            bytes: [UInt8](try Data(contentsOf: Vectors.url("keyfiles/" + entry["file"]!)))))
        }
        for file in keyfileManifest["accepted"] as? [String] ?? [] {
            v.append(Vector(file: "keyfiles/" + file, kind: "keyfile", expect: "accept", error: "", note: "secret key file with members a reader ignores",
                            bytes: [UInt8](try Data(contentsOf: Vectors.url("keyfiles/" + file)))))
        }
        let keyringManifest = try JSONSerialization.jsonObject(with: Data(contentsOf: Vectors.url("keyrings/manifest.json"))) as! [String: Any]
        for entry in keyringManifest["malformed"] as! [[String: Any]] {
            let file = entry["file"] as! String
            v.append(Vector(file: "keyrings/" + file, kind: "keyring", expect: "reject", error: "malformed keyring", note: entry["reason"] as! String,
                            bytes: [UInt8](try Data(contentsOf: Vectors.url("keyrings/" + file)))))
        }
        v.append(Vector(file: "keyrings/good.txt", kind: "keyring", expect: "accept", error: "", note: "a valid keyring",
                        bytes: [UInt8](try Data(contentsOf: Vectors.url("keyrings/good.txt")))))
        v.append(Vector(file: "keyrings/history.txt", kind: "keyring", expect: "accept", error: "",
                        note: "key histories: previous keys (one compromised), a confirmed key, a disputed entry with a candidate",
                        bytes: [UInt8](try Data(contentsOf: Vectors.url("keyrings/history.txt")))))
        return v
    }

    /// A plaintext (metadata + one record) of exactly `size` bytes.
    static func sized(_ size: Int, id: String) -> [UInt8] {
        let meta = line(metadata(count: 1, id: id))
        var r = record("sized-" + id, content: "x", withEmbedding: false)
        r["summary"] = .null
        let base = meta.count + line(r).count
        r["content"] = .string(String(repeating: "x", count: size - base + 1))
        return meta + line(r)
    }

    /// A metadata line of 1 MiB + `extra` bytes (the "\n" excluded), padded through the project filter.
    static func metadataAtLimit(extra: Int) -> [UInt8] {
        var m = metadata(count: 0, id: "vector-meta-limit-\(extra)")
        var filters = JSONObject(["project": .string(""), "type": .null, "tags": .array([]), "since": .null])
        m["filters"] = .object(filters)
        let withEmpty = line(m).count - 1
        filters["project"] = .string(String(repeating: "p", count: SnapshotFormat.metadataLineLimit + extra - withEmpty))
        m["filters"] = .object(filters)
        return line(m)
    }
}
