import AIMemCore
import Foundation
import MemoryStore
import Sodium
import Testing
@testable import Vault

/// Every refusal of docs/FORMAT.md §6, triggered from real bytes; after each, the
/// reader's store (rows, ledger) is exactly as before.
struct SnapshotRefusalTests {
    let alice: Party, bob: Party, mallory: Party, carol: Party
    /// A genuine multi-chunk snapshot from alice to bob (and mallory, for forwarding cases).
    let genuine: [UInt8]
    let before: [String]

    init() throws {
        alice = try Party("alice"); bob = try Party("bob"); mallory = try Party("mallory"); carol = try Party("carol")
        try bob.trust(alice)
        try alice.trust(bob); try alice.trust(mallory)
        _ = try bob.add("bob already knows this", now: 50)
        for i in 0..<50 {
            _ = try alice.add("record \(i) " + String(repeating: "long text \(i) ", count: 400), now: Double(100 + i))
        }
        genuine = try alice.export(to: ["bob", "mallory"])
        before = try bob.state()
    }

    /// Reads `bytes` as bob and returns the refusal class; checks the store is unchanged.
    func refuse(_ bytes: [UInt8], by reader: Party? = nil, mode: SnapshotVault.ReadMode = .merge(policy: .takeTheirs, dryRun: false)) throws -> String {
        let party = reader ?? bob
        let state = try party.state()
        let result = outcome { try party.read(bytes, mode: mode) }
        #expect(try party.state() == state, "the store changed after: \(result)")
        return result
    }

    func message(_ bytes: [UInt8]) -> String {
        do { _ = try bob.read(bytes); return "accepted" } catch let e as UserFacingError { return e.message } catch { return "\(error)" }
    }

    @Test func genuineSnapshotHasSeveralChunksAndIsAccepted() throws {
        #expect(Forge.chunkRanges(genuine).count >= 4)
        #expect(try bob.read(genuine, mode: .verify).signatureValid == true)
    }

    // MARK: Trust and recipients

    @Test func unknownSigner() throws {
        try mallory.trust(bob)
        _ = try mallory.add("from mallory")
        let bytes = try mallory.export(to: ["bob"])
        #expect(try refuse(bytes) == "untrusted signer")
        #expect(message(bytes).contains("untrusted signer \(mallory.key.keyID)"))
    }

    @Test func revokedSigner() throws {
        _ = try bob.keys.updateKeyring { try $0.revoke("alice", reason: "stolen laptop", at: 1) }
        #expect(try refuse(genuine) == "revoked signer")
        #expect(message(genuine).contains("revoked signer alice"))
    }

    @Test func readerWithNoStanza() throws {
        try carol.trust(alice)
        #expect(try refuse(genuine, by: carol) == "not a recipient")
    }

    @Test func forwardedByARecipientToSomeoneElse() throws {
        // Mallory knows the file key and re-wraps it for carol, keeping alice's signed stream.
        try carol.trust(alice)
        let forwarded = Forge.rewrap(genuine, using: mallory.identity, for: [carol.key])
        #expect(try refuse(forwarded, by: carol) == "not a recipient")
        do { _ = try carol.read(forwarded) } catch let e as SnapshotError { #expect(e == .forwarded(keyID: carol.key.keyID)) }
    }

    @Test func addedOrStrippedStanzaBreaksTheHeader() throws {
        let added = Forge.rewrap(genuine, using: mallory.identity, for: [carol.key], keepOriginal: true)
        #expect(try refuse(added) == "malformed header")
        // Strip one stanza (whichever is not bob's) and keep the count consistent.
        let count = Int(genuine[9])
        for i in 0..<count {
            let stanza = Array(genuine[(11 + i * 80)..<(11 + (i + 1) * 80)])
            if bob.identity.encryption.open(sealed: stanza) != nil { continue }
            var stripped = Array(genuine[0..<9]) + [UInt8(count - 1), 0]
            for j in 0..<count where j != i { stripped += genuine[(11 + j * 80)..<(11 + (j + 1) * 80)] }
            stripped += genuine[(11 + count * 80)...]
            #expect(try refuse(stripped) == "malformed header")
        }
    }

    @Test func rewrappedStanzaInvalidatesTheSignature() throws {
        // Same recipients, same count, fresh boxes: only the signature notices.
        let rewrapped = Forge.rewrap(genuine, using: mallory.identity, for: [alice.key, bob.key, mallory.key])
        #expect(try refuse(rewrapped) == "signature invalid")
    }

    // MARK: Signature

    @Test func signatureByAnotherKey() throws {
        let forged = try Forge.snapshot(signer: mallory.identity, recipients: [bob.key], records: [Forge.line(Forge.record("x1"))])
        // The metadata says mallory: untrusted. Claiming alice's key id while signing with mallory's key:
        let meta = Forge.metadata(signer: alice.key, recipients: [bob.key], count: 1)
        let claimed = try Forge.seal(Forge.line(meta.json) + Forge.line(Forge.record("x1")), signer: mallory.identity, recipients: [bob.key])
        #expect(try refuse(forged) == "untrusted signer")
        #expect(try refuse(claimed) == "signature invalid")
    }

    @Test func missingOrZeroSignature() throws {
        let meta = Forge.metadata(signer: alice.key, recipients: [bob.key], count: 1)
        let plaintext = Forge.line(meta.json) + Forge.line(Forge.record("x1"))
        let zero = try Forge.seal(plaintext, signer: alice.identity, recipients: [bob.key], trailer: [UInt8](repeating: 0, count: 64))
        #expect(try refuse(zero) == "signature invalid")
        // A final chunk shorter than a signature.
        let short = try Forge.seal(plaintext, signer: alice.identity, recipients: [bob.key], trailer: [])
        #expect(try refuse(short) != "accepted")
    }

    // MARK: Stream

    @Test func tamperedChunkIsNamed() throws {
        let ranges = Forge.chunkRanges(genuine)
        for (index, range) in ranges.enumerated() where index < 3 || index == ranges.count - 1 {
            var bytes = genuine
            bytes[range.lowerBound + 30] ^= 0x01
            #expect(try refuse(bytes) == "corrupted", "chunk \(index + 1)")
            #expect(message(bytes).contains("corrupted at chunk \(index + 1)"))
        }
        // An altered length prefix misframes the chunk.
        var length = genuine
        length[ranges[1].lowerBound] ^= 0x01
        #expect(try refuse(length) == "corrupted")
        var huge = genuine
        huge[ranges[0].lowerBound + 3] = 0x7F
        #expect(try refuse(huge) == "corrupted")
    }

    @Test func swappedDuplicatedAndDroppedChunks() throws {
        let r = Forge.chunkRanges(genuine)
        let header = Array(genuine[0..<r[0].lowerBound])
        func join(_ order: [Int]) -> [UInt8] { header + order.flatMap { Array(genuine[r[$0]]) } }
        let all = Array(0..<r.count)
        var swapped = all; swapped.swapAt(0, 1)
        #expect(try refuse(join(swapped)) == "corrupted")
        #expect(message(join(swapped)).contains("corrupted at chunk 1"))
        var duplicated = all; duplicated.insert(1, at: 2)
        #expect(message(join(duplicated)).contains("corrupted at chunk 3"))
        var dropped = all; dropped.remove(at: 1)
        #expect(message(join(dropped)).contains("corrupted at chunk 2"))
        var lastTwoSwapped = all; lastTwoSwapped.swapAt(r.count - 1, r.count - 2)
        #expect(try refuse(join(lastTwoSwapped)) != "accepted")
    }

    @Test func truncationAnywhereIsRefused() throws {
        let r = Forge.chunkRanges(genuine)
        for cut in [0, 5, 8, 11, 50, r[0].lowerBound, r[0].lowerBound + 2, r[0].lowerBound + 10, r[1].lowerBound, r[1].lowerBound + 1,
                    r.last!.lowerBound, r.last!.lowerBound + 4, r.last!.lowerBound + 30, genuine.count - 1] {
            #expect(try refuse(Array(genuine[0..<cut])) == "truncated", "cut at \(cut)")
        }
        #expect(try refuse([]) == "truncated")
        #expect(try refuse(Array(genuine[0..<r.last!.lowerBound])) == "truncated")
    }

    @Test func trailingDataIsRefused() throws {
        #expect(try refuse(genuine + [0]) == "trailing data")
        #expect(try refuse(genuine + genuine) == "trailing data")
    }

    @Test func finalRulesForHandBuiltStreams() throws {
        let meta = Forge.line(Forge.metadata(signer: alice.key, recipients: [bob.key], count: 0).json)
        let sig = [UInt8](repeating: 7, count: 64)
        // No final chunk: a full MESSAGE chunk, then the end of the file.
        let fullChunk = meta + [UInt8](repeating: 0x20, count: SnapshotFormat.chunkBytes - meta.count)
        #expect(try refuse(Forge.rawStream(recipients: [bob.key], chunks: [(fullChunk, .message)])) == "truncated")
        // A FINAL chunk too short to hold a signature, and an empty MESSAGE chunk.
        #expect(try refuse(Forge.rawStream(recipients: [bob.key], chunks: [(fullChunk, .message), (Array(sig.prefix(10)), .final)])) == "corrupted")
        #expect(try refuse(Forge.rawStream(recipients: [bob.key], chunks: [([], .message), (meta + sig, .final)])) == "corrupted")
        // Two finals.
        #expect(try refuse(Forge.rawStream(recipients: [bob.key], chunks: [(meta + sig, .final), (sig, .final)])) == "trailing data")
        // PUSH and REKEY tags are never valid.
        #expect(try refuse(Forge.rawStream(recipients: [bob.key], chunks: [(meta + sig, .push)])) == "corrupted")
        #expect(try refuse(Forge.rawStream(recipients: [bob.key], chunks: [(meta + sig, .rekey)])) == "corrupted")
        // A shorter MESSAGE chunk is well-formed; here the made-up signature is what fails.
        #expect(try refuse(Forge.rawStream(recipients: [bob.key], chunks: [(meta, .message), (sig, .final)])) == "signature invalid")
        // No chunks at all.
        #expect(try refuse(Forge.rawStream(recipients: [bob.key], chunks: [])) == "truncated")
    }

    // MARK: Header

    @Test func headerFieldsAreChecked() throws {
        var magic = genuine; magic[0] = UInt8(ascii: "X")
        #expect(try refuse(magic) == "not a snapshot")
        var version = genuine; version[8] = 2
        #expect(try refuse(version) == "unsupported version")
        var zero = genuine; zero[9] = 0; zero[10] = 0
        #expect(try refuse(zero) == "malformed header")
        var many = genuine; many[9] = 65; many[10] = 0
        #expect(try refuse(many) == "malformed header")
        var huge = genuine; huge[9] = 0xFF; huge[10] = 0xFF
        #expect(try refuse(huge) == "malformed header")
        #expect(try refuse(Array("plain text, not a snapshot\n".utf8)) == "not a snapshot")
    }

    // MARK: Payload

    func payload(_ lines: [[UInt8]], count: Int? = nil) throws -> [UInt8] {
        try Forge.snapshot(signer: alice.identity, recipients: [bob.key], records: lines, count: count)
    }

    @Test func payloadContentIsValidated() throws {
        let good = Forge.record("ok-1")
        #expect(try refuse(payload([Forge.line(good), Array("{not json}\n".utf8)])) == "invalid payload")
        #expect(message(try payload([Forge.line(good), Array("{not json}\n".utf8)])).contains("line 3"))
        var utf8 = Array(#"{"id": "bad "#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8) + [0x0A]
        #expect(try refuse(payload([utf8])) == "invalid payload")
        utf8 = Forge.line(good).dropLast() + [0x0A, 0x0A]  // a blank line
        #expect(try refuse(payload([utf8])) == "invalid payload")

        var unknown = good; unknown["mood"] = .string("happy")
        #expect(try refuse(payload([Forge.line(unknown)])) == "invalid payload")
        var missing = good; missing["tags"] = nil
        #expect(try refuse(payload([Forge.line(missing)])) == "invalid payload")
        var wrongType = good; wrongType["created_at"] = .string("yesterday")
        #expect(try refuse(payload([Forge.line(wrongType)])) == "invalid payload")
        var emptyID = good; emptyID["id"] = .string("")
        #expect(try refuse(payload([Forge.line(emptyID)])) == "invalid payload")
        #expect(try refuse(payload([Array("[1, 2]\n".utf8)])) == "invalid payload")
    }

    @Test func embeddingsAreValidated() throws {
        func with(_ vector: [Float], dim: Int, model: String = "lexical-hash-384-v1") throws -> [UInt8] {
            var r = Forge.record("e-\(UUID().uuidString)")
            r["embedding"] = .object(JSONObject(["model": .string(model), "dim": .int(dim),
                                                 "vector": .string(Data(Embedding(model: model, vector: vector).littleEndianBytes).base64EncodedString())]))
            return try payload([Forge.line(r)])
        }
        let ok = [Float](repeating: 0.05, count: 384)
        #expect(try refuse(with(Array(ok.dropLast()), dim: 384)) == "invalid payload")
        #expect(try refuse(with([Float](repeating: 0.1, count: 100), dim: 100)) == "invalid payload")  // declared model, wrong dim
        var nan = ok; nan[3] = .nan
        #expect(try refuse(with(nan, dim: 384)) == "invalid payload")
        var inf = ok; inf[0] = .infinity
        #expect(try refuse(with(inf, dim: 384)) == "invalid payload")
        #expect(try refuse(with([Float](repeating: 0.1, count: 5000), dim: 5000, model: "big")) == "invalid payload")
        // Another model with its own dimension is fine.
        #expect(try bob.read(with([0.6, 0.8], dim: 2, model: "other")).counts.foreignEmbeddings == 1)
    }

    @Test func duplicateIdsAndCountMismatches() throws {
        let a = Forge.line(Forge.record("dup")), b = Forge.line(Forge.record("other"))
        #expect(try refuse(payload([a, b, a])) == "duplicate id")
        #expect(try refuse(payload([a, b], count: 3)) == "count mismatch")
        #expect(try refuse(payload([a, b], count: 1)) == "count mismatch")
        #expect(try refuse(payload([], count: 1)) == "count mismatch")
    }

    @Test func metadataIsValidated() throws {
        var meta = Forge.metadata(signer: alice.key, recipients: [bob.key], count: 0).json
        meta["extra"] = .bool(true)
        #expect(try refuse(Forge.seal(Forge.line(meta), signer: alice.identity, recipients: [bob.key])) == "invalid payload")
        var noRecipients = Forge.metadata(signer: alice.key, recipients: [bob.key], count: 0).json
        noRecipients["recipients"] = .array([])
        #expect(try refuse(Forge.seal(Forge.line(noRecipients), signer: alice.identity, recipients: [bob.key])) == "invalid payload")
        #expect(try refuse(Forge.seal([], signer: alice.identity, recipients: [bob.key])) == "invalid payload")
    }

    @Test func oversizeLinesAreRefused() throws {
        // A metadata line over 1 MiB.
        let bigMeta = Array("{\"pad\": \"".utf8) + [UInt8](repeating: 0x61, count: (1 << 20) + 10) + Array("\"}\n".utf8)
        #expect(try refuse(Forge.seal(bigMeta, signer: alice.identity, recipients: [bob.key])) == "invalid payload")
        // A record line over 16 MiB.
        let bigRecord = Forge.line(Forge.record("big", content: String(repeating: "x", count: (16 << 20) + 1)))
        #expect(try refuse(payload([bigRecord])) == "invalid payload")
    }

    @Test func exactChunkMultipleWithSignatureAloneInTheFinalChunkIsAccepted() throws {
        let meta = Forge.line(Forge.metadata(signer: alice.key, recipients: [bob.key], count: 1).json)
        var record = Forge.record("edge", content: "x")
        record["summary"] = .null
        let base = meta.count + Forge.line(record).count
        record = Forge.record("edge", content: String(repeating: "x", count: SnapshotFormat.chunkBytes - base + 1))
        record["summary"] = .null
        let plaintext = meta + Forge.line(record)
        #expect(plaintext.count == SnapshotFormat.chunkBytes)
        let bytes = try Forge.seal(plaintext, signer: alice.identity, recipients: [bob.key])
        let r = Forge.chunkRanges(bytes)
        #expect(r.count == 2 && r[1].count == 4 + 64 + 17)
        #expect(try bob.read(bytes).counts.added == 1)
    }
}
