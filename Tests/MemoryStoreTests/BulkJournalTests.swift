import AIMemCore
import Foundation
import GRDB
import SentenceEmbedding
import Testing
@testable import MemoryStore

/// A write that at least doubles the store goes through SQLite's rollback journal
/// (written once, not to the WAL and again by the checkpoint), when the store is
/// not open elsewhere; the store is in WAL mode before and after.
struct BulkJournalTests {
    static func journalMode(_ store: MemoryStore) throws -> String? {
        try store.database.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
    }

    @Test func theRuleTakesLargeWritesThatAtLeastDoubleTheStore() {
        #expect(BulkJournal.suits(incomingBytes: 16 << 20, storeBytes: 0))
        #expect(BulkJournal.suits(incomingBytes: 64 << 20, storeBytes: 64 << 20))
        #expect(!BulkJournal.suits(incomingBytes: 64 << 20, storeBytes: 65 << 20))
        #expect(!BulkJournal.suits(incomingBytes: (16 << 20) - 1, storeBytes: 0))
        #expect(!BulkJournal.suits(incomingBytes: nil, storeBytes: 0))
    }

    @Test func aLargeWriteIntoAnEmptyStoreUsesTheRollbackJournalThenReturnsToWAL() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        #expect(try Self.journalMode(store) == "wal")
        let during = try store.withBulkJournal(incomingBytes: 32 << 20) {
            try store.write { db in try db.execute(sql: "INSERT INTO vault_state (name, value) VALUES ('bulk', 1)") }
            return try Self.journalMode(store)
        }
        #expect(during == "delete")
        #expect(try Self.journalMode(store) == "wal")
        #expect(!FileManager.default.fileExists(atPath: temp.home.databaseURL.path + "-journal"))
        #expect(try store.database.read { db in try Int.fetchOne(db, sql: "SELECT value FROM vault_state WHERE name = 'bulk'") } == 1)
        // A small write stays in WAL mode.
        #expect(try store.withBulkJournal(incomingBytes: 1 << 20) { try Self.journalMode(store) } == "wal")
    }

    @Test func aStoreOpenElsewhereKeepsTheWAL() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        let other = try temp.store()  // another connection, as an MCP server holds one
        _ = try other.stats()
        let during = try store.withBulkJournal(incomingBytes: 32 << 20) { try Self.journalMode(store) }
        #expect(during == "wal")
        _ = try other.stats()
    }

    @Test func aStoreOpenedDuringABulkWriteWaitsForIt() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        let began = DispatchSemaphore(value: 0)
        let opened = Locked<(seconds: Double, value: Int?, error: String?)?>(nil)
        let hold = 0.6
        let home = temp.home
        try store.withBulkJournal(incomingBytes: 32 << 20) {
            #expect(try Self.journalMode(store) == "delete")
            let opener = Thread {
                began.wait()
                let start = Date()
                do {
                    let late = try MemoryStore(home: home, embedder: LexicalHashEmbedder())
                    let value = try late.database.read { db in try Int.fetchOne(db, sql: "SELECT value FROM vault_state WHERE name = 'bulk'") }
                    opened.withLock { $0 = (Date().timeIntervalSince(start), value, nil) }
                } catch {
                    opened.withLock { $0 = (Date().timeIntervalSince(start), nil, "\(error)") }
                }
            }
            opener.start()
            try store.database.inTransaction(.immediate) { db in
                try db.execute(sql: "INSERT INTO vault_state (name, value) VALUES ('bulk', 7)")
                began.signal()
                Thread.sleep(forTimeInterval: hold)
                return .commit
            }
        }
        var result = opened.withLock { $0 }
        let deadline = Date().addingTimeInterval(10)
        while result == nil && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
            result = opened.withLock { $0 }
        }
        let r = try #require(result)
        // It waited for the write instead of failing with "database is locked", and then saw it.
        #expect(r.error == nil)
        #expect(r.value == 7)
        #expect(r.seconds >= hold * 0.5, "opened after \(r.seconds) s")
        #expect(try Self.journalMode(store) == "wal")
    }
}
