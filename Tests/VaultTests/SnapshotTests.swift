import AIMemCore
import Foundation
import SentenceEmbedding
import MemoryStore
import Sodium
import Testing
@testable import Vault

struct SnapshotRoundTripTests {
    @Test func goldenRoundTripMakesEqualStoresWithBitExactEmbeddings() throws {
        let alice = try Party("alice"), bob = try Party("bob")
        try alice.trust(bob); try bob.trust(alice)
        for i in 0..<40 {
            _ = try alice.add("memory \(i): 👩‍💻 日本語 שלום \t\"q\" \\ \r\n end", project: "/p\(i % 3)", now: Double(1000 + i))
        }
        let bytes = try alice.export(to: ["bob"])
        let report = try bob.read(bytes)
        #expect(report.counts.added == 40 && report.committed && report.signatureValid == true)
        #expect(report.signer.trust == .trusted && report.signer.name == "alice")
        let a = try alice.store.list(limit: nil).sorted { $0.id < $1.id }
        let b = try bob.store.list(limit: nil).sorted { $0.id < $1.id }
        #expect(a == b)
        #expect(a.map { $0.embedding!.vector.map(\.bitPattern) } == b.map { $0.embedding!.vector.map(\.bitPattern) })
        // Provenance and ledger.
        #expect(try bob.store.provenance(of: a[0].id)?.signerKeyID == alice.key.keyID)
        #expect(try bob.store.ledger().map(\.snapshotID) == [report.metadata.snapshotID])
        // Search works on the merged rows.
        #expect(try bob.store.search("memory 7", mode: .keyword).isEmpty == false)
    }

    @Test func mergingTheSameSnapshotTwiceChangesNothing() throws {
        let alice = try Party("alice"), bob = try Party("bob")
        try alice.trust(bob); try bob.trust(alice)
        _ = try alice.add("one")
        let bytes = try alice.export(to: ["bob"])
        _ = try bob.read(bytes)
        let before = try bob.state()
        let again = try bob.read(bytes)
        #expect(again.alreadyMerged && !again.committed)
        #expect(try bob.state() == before)
    }

    /// The ledger knows a snapshot by its signer and id together: a co-recipient who
    /// signs a snapshot of her own under Alice's id neither blocks nor masks Alice's.
    @Test func anotherSignerReusingASnapshotIDBlocksNothing() throws {
        let alice = try Party("alice"), bob = try Party("bob"), carol = try Party("carol")
        try bob.trust(alice)
        try bob.trust(carol)
        let id = UUID().uuidString
        let genuine = try Forge.snapshot(signer: alice.identity, recipients: [bob.key, carol.key],
                                         records: [Forge.line(Forge.record("alice-1", content: "alice's real memory"))], id: id)
        let squatter = try Forge.snapshot(signer: carol.identity, recipients: [bob.key], records: [], id: id)
        let carolsMerge = try bob.read(squatter)
        #expect(carolsMerge.committed && carolsMerge.records == 0)
        let verified = try bob.read(genuine, mode: .verify)
        #expect(!verified.alreadyMerged && verified.signatureValid == true)
        let merged = try bob.read(genuine)
        #expect(merged.committed && !merged.alreadyMerged && merged.counts.added == 1)
        #expect(try bob.store.observation("alice-1").content == "alice's real memory")
        #expect(Set(try bob.store.ledger().map { "\($0.signerKeyID)/\($0.snapshotID)" })
                == ["\(carol.key.keyID)/\(id)", "\(alice.key.keyID)/\(id)"])
        // Each signer's snapshot is still recognised as merged, on its own.
        #expect(try bob.read(genuine).alreadyMerged && bob.read(squatter).alreadyMerged)
    }

    /// A merged snapshot's id on other content (same trusted signer) is refused, and
    /// the re-merge of the genuine bytes is still recognised.
    @Test func otherContentUnderAMergedSnapshotIDIsRefused() throws {
        let alice = try Party("alice"), bob = try Party("bob")
        try bob.trust(alice)
        let id = UUID().uuidString
        let first = try Forge.snapshot(signer: alice.identity, recipients: [bob.key],
                                       records: [Forge.line(Forge.record("r1", content: "the first content"))], id: id)
        #expect(try bob.read(first).committed)
        let before = try bob.state()
        let other = try Forge.snapshot(signer: alice.identity, recipients: [bob.key],
                                       records: [Forge.line(Forge.record("r1", content: "other content under the same id"))], id: id)
        #expect(outcome { try bob.read(other) } == "reused snapshot id")
        // verify says of it what merge would: never "already merged".
        #expect(outcome { try bob.read(other, mode: .verify) } == "reused snapshot id")
        #expect(try bob.read(first, mode: .verify).alreadyMerged)
        #expect(try bob.state() == before)
        // A tampered copy of the merged snapshot is still refused as tampered, not as merged.
        var tampered = first
        tampered[tampered.count - 30] ^= 0x01
        #expect(outcome { try bob.read(tampered) } == "corrupted")
        let again = try bob.read(first)
        #expect(again.alreadyMerged && again.signatureValid == true && !again.committed && again.records == 1)
        #expect(try bob.state() == before)
    }

    /// A duplicate id is refused in a fresh merge (the first copy was inserted) and
    /// when the id already existed locally.
    @Test func duplicateIDsAreRefusedWhetherTheRowIsNewOrKnown() throws {
        let alice = try Party("alice"), bob = try Party("bob")
        try bob.trust(alice)
        _ = try bob.add("bob's own", id: "known")
        let before = try bob.state()
        for id in ["fresh", "known"] {
            let bytes = try Forge.snapshot(signer: alice.identity, recipients: [bob.key], records: [
                Forge.line(Forge.record(id, content: "first")), Forge.line(Forge.record("other")), Forge.line(Forge.record(id, content: "second")),
            ])
            #expect(outcome { try bob.read(bytes, mode: .merge(policy: .takeTheirs, dryRun: false)) } == "duplicate id")
            #expect(try bob.state() == before)
        }
    }

    @Test func emptyStoreSnapshot() throws {
        let alice = try Party("alice"), bob = try Party("bob")
        try bob.trust(alice)
        let bytes = try alice.export(to: [alice.key.keyLine, bob.key.keyLine], includeSelf: false)
        let r = try bob.read(bytes)
        #expect(r.metadata.count == 0 && r.records == 0 && r.committed)
        #expect(bytes.count == Forge.headerLength(bytes) + 17 + bytes.count - Forge.headerLength(bytes) - 17)
    }

    @Test func ownSnapshotMergesAcrossMachinesWithoutAKeyring() throws {
        let laptop = try Party("me")
        _ = try laptop.add("laptop memory")
        let bytes = try laptop.export(to: [])
        // The same identity on a second machine: a copy of the home's key file.
        let desktop = TempHome()
        try FileManager.default.copyItem(atPath: laptop.keys.identityPath, toPath: desktop.keys.identityPath)
        let store = try MemoryStore(home: desktop.home, embedder: LexicalHashEmbedder())
        let vault = SnapshotVault(store: store, keys: desktop.keys, passphrases: PassphraseSources(file: nil, environment: [:], prompt: nil))
        let path = desktop.url.appendingPathComponent("s").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = try vault.read(.file(path), mode: .merge(policy: .newer, dryRun: false))
        #expect(r.signer.trust == .you && r.counts.added == 1)
    }

    @Test func filtersSelectWhatIsExported() throws {
        let alice = try Party("alice"), bob = try Party("bob")
        try bob.trust(alice)
        _ = try alice.add("in a", project: "/a", now: 100)
        _ = try alice.add("in b", project: "/b", now: 200)
        _ = try alice.add("in a later", project: "/a", now: 300)
        let bytes = try alice.export(to: [bob.key.keyLine], filter: ObservationFilter(project: "/a", since: 150))
        let r = try bob.read(bytes)
        #expect(r.metadata.filter.project == "/a" && r.metadata.filter.since == 150)
        #expect(try bob.store.list(limit: nil).map(\.content) == ["in a later"])
    }

    @Test func largeSnapshotOfTenThousandObservations() throws {
        let alice = try Party("alice"), bob = try Party("bob")
        try bob.trust(alice)
        // Bulk-load alice's store through the importer (fast path).
        let path = alice.temp.url.appendingPathComponent("bulk.ndjson").path
        var text = ""
        for i in 0..<10_000 {
            text += #"{"id": "bulk-\#(i)", "content": "observation number \#(i) about topic \#(i % 97) with some text to search", "project": "/bulk", "created_at": \#(1000 + i)}"# + "\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try alice.store.importObservations(from: .file(path), options: ImportOptions(defaultProject: "/d")).imported == 10_000)
        let bytes = try alice.export(to: [bob.key.keyLine])
        #expect(Forge.chunkRanges(bytes).count > 20)
        let r = try bob.read(bytes)
        #expect(r.counts.added == 10_000 && r.records == 10_000)
        #expect(try bob.store.stats().observations == 10_000)
        #expect(try bob.state() != [])
        #expect(try alice.store.observation("bulk-9999") == bob.store.observation("bulk-9999"))
    }

    @Test func dryRunAndVerifyChangeNothing() throws {
        let alice = try Party("alice"), bob = try Party("bob")
        try bob.trust(alice)
        _ = try alice.add("one")
        let bytes = try alice.export(to: [bob.key.keyLine])
        let before = try bob.state()
        let dry = try bob.read(bytes, mode: .merge(policy: .newer, dryRun: true))
        #expect(dry.counts.added == 1 && !dry.committed)
        let verified = try bob.read(bytes, mode: .verify)
        #expect(verified.signatureValid == true && !verified.committed)
        #expect(try bob.state() == before)
        let inspected = try bob.read(bytes, mode: .inspect)
        #expect(inspected.signatureValid == true && inspected.records == 1)
    }
}

struct SnapshotConflictTests {
    /// Alice and Bob both hold id "shared"; Alice's copy is edited (updated_at `theirs`).
    func setUp(local: Double, theirs: Double) throws -> (Party, Party, [UInt8]) {
        let alice = try Party("alice"), bob = try Party("bob")
        try bob.trust(alice)
        let id = "11111111-2222-4333-8444-555555555555"
        _ = try bob.add("bob's version", now: local, id: id)
        _ = try alice.add("alice's version", now: theirs, id: id)
        _ = try alice.add("only alice has this", now: 5)
        return (alice, bob, try alice.export(to: [bob.key.keyLine]))
    }

    @Test func newerWinsByDefault() throws {
        let (_, bob, bytes) = try setUp(local: 100, theirs: 200)
        let r = try bob.read(bytes)
        #expect(r.counts.added == 1 && r.counts.conflicts == 1 && r.counts.replaced == 1)
        #expect(try bob.store.observation("11111111").content == "alice's version")
        let (_, bob2, bytes2) = try setUp(local: 300, theirs: 200)
        let r2 = try bob2.read(bytes2)
        #expect(r2.counts.conflicts == 1 && r2.counts.replaced == 0)
        #expect(try bob2.store.observation("11111111").content == "bob's version")
    }

    @Test func keepLocalAndTakeTheirs() throws {
        let (_, bob, bytes) = try setUp(local: 100, theirs: 200)
        let kept = try bob.read(bytes, mode: .merge(policy: .keepLocal, dryRun: false))
        #expect(kept.counts.conflicts == 1 && kept.counts.replaced == 0)
        #expect(try bob.store.observation("11111111").content == "bob's version")
        let (_, bob2, bytes2) = try setUp(local: 300, theirs: 200)
        let taken = try bob2.read(bytes2, mode: .merge(policy: .takeTheirs, dryRun: false))
        #expect(taken.counts.replaced == 1)
        let row = try bob2.store.observation("11111111")
        #expect(row.content == "alice's version")
        #expect(try bob2.store.search("alice's", mode: .keyword).map(\.observation.id) == [row.id])
        #expect(try bob2.store.search("bob", mode: .keyword).isEmpty)
    }

    @Test func replayOfAnOlderSnapshotNeverOverwritesNewerRows() throws {
        let alice = try Party("alice"), bob = try Party("bob")
        try bob.trust(alice)
        let id = "aaaaaaaa-2222-4333-8444-555555555555"
        _ = try alice.add("version 1", now: 100, id: id)
        let old = try alice.export(to: [bob.key.keyLine])
        // Alice edits (a newer row, same id) and exports again.
        _ = try alice.store.delete(id)
        _ = try alice.add("version 2", now: 200, id: id)
        _ = try alice.add("another", now: 300)
        let new = try alice.export(to: [bob.key.keyLine])
        #expect(try bob.read(new).counts.added == 2)
        // The old snapshot arrives late, with take-theirs: still never overwrites.
        let late = try bob.read(old, mode: .merge(policy: .takeTheirs, dryRun: false))
        #expect(late.replay)
        #expect(late.counts.conflicts == 1 && late.counts.replaced == 0)
        #expect(try bob.store.observation(id).content == "version 2")
    }

    @Test func foreignEmbeddingsAreKeptAndCounted() throws {
        let alice = try Party("alice"), bob = try Party("bob")
        try bob.trust(alice)
        var record = Forge.record("foreign-1")
        record["embedding"] = .object(JSONObject(["model": .string("other-model"), "dim": .int(2),
                                                  "vector": .string(Data(Embedding(model: "m", vector: [0.6, 0.8]).littleEndianBytes).base64EncodedString())]))
        let bytes = try Forge.snapshot(signer: alice.identity, recipients: [bob.key], records: [Forge.line(record)])
        let r = try bob.read(bytes)
        #expect(r.counts.foreignEmbeddings == 1)
        #expect(try bob.store.observation("foreign-1").embedding?.model == "other-model")
        #expect(try bob.store.search("forged content", mode: .semantic).isEmpty)
    }
}
