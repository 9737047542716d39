import AIMemCore
import Foundation
import GRDB
import Testing
@testable import MemoryStore
@testable import SentenceEmbedding

/// A store made by an earlier version opens under the current schema with its data.
struct MigrationTests {
    @Test func aLedgerKeyedBySnapshotIDAloneMovesToSignerAndID() throws {
        let temp = TemporaryHome()
        try temp.home.ensureExists()
        // The schema as it was before v4: the ledger's key was the snapshot id.
        do {
            let queue = try DatabaseQueue(path: temp.home.databaseURL.path)
            try Schema.migrator().migrate(queue, upTo: "v3-write-generation")
            try queue.write { db in
                try db.execute(sql: """
                    INSERT INTO merged_snapshots (snapshot_id, signer_key_id, signer_name, sequence, created_at, merged_at,
                                                  added, unchanged, conflicts, replaced, content_digest)
                    VALUES ('snap-1', 'aaaaaaaaaaaaaaaa', 'alice', 7, 100, 200, 3, 0, 0, 0, 'digest')
                    """)
            }
        }
        let store = try MemoryStore(home: temp.home, embedder: LexicalHashEmbedder())
        let ledger = try store.ledger()
        #expect(ledger.count == 1)
        #expect(ledger.first?.snapshotID == "snap-1" && ledger.first?.signerKeyID == "aaaaaaaaaaaaaaaa" && ledger.first?.sequence == 7)
        // Another signer may now use the same id.
        let other = try store.merge(snapshotID: "snap-1", signerKeyID: "bbbbbbbbbbbbbbbb") { session in
            let known = try session.ledgerContains(snapshotID: "snap-1")
            try session.recordInLedger(signerName: "carol", sequence: 1, createdAt: 300, contentDigest: nil)
            return (known, true)
        }
        #expect(!other)
        #expect(Set(try store.ledger().map(\.signerKeyID)) == ["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"])
        let again = try store.merge(snapshotID: "snap-1", signerKeyID: "aaaaaaaaaaaaaaaa") { session in
            (try session.ledgerContains(snapshotID: "snap-1"), false)
        }
        #expect(again)
    }
}
