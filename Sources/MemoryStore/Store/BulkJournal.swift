import Foundation
import GRDB

/// How the store journals a write that at least doubles it (a merge or an import
/// into a new or small store).
///
/// The store runs in WAL mode: every page a transaction writes goes to the WAL
/// first and is copied into the database by the checkpoint that follows the
/// commit, so a bulk load writes everything twice. SQLite's rollback journal keeps
/// the original content of the pages a transaction changes; pages added beyond the
/// end of the database have none, so a bulk load writes them once, straight into
/// the database file (a 100k merge pays about a second less). The transaction is as
/// atomic as in WAL mode: a crash leaves a hot journal, which the next connection
/// rolls back before it reads.
///
/// Leaving WAL mode needs the store to itself: when another connection has it open
/// (an MCP server, a search), SQLite refuses at once and the write runs in WAL
/// mode as usual. A process that opens the store during a bulk write waits for it
/// (`MemoryStore.enterWAL`), as a second writer always did. Afterwards the store
/// returns to WAL mode; if it cannot at that moment, the next connection to open
/// it does.
enum BulkJournal {
    /// The smallest write worth switching journals for.
    static let minimumBytes: Int64 = 16 << 20

    /// Whether `incomingBytes` should go through the rollback journal, for a store
    /// of `storeBytes`: large, and at least the store's size (most pages written are new).
    static func suits(incomingBytes: Int64?, storeBytes: Int64) -> Bool {
        guard let incomingBytes else { return false }
        return incomingBytes >= minimumBytes && incomingBytes >= storeBytes
    }
}

extension MemoryStore {
    /// Runs `body`, a write transaction of about `incomingBytes` (nil: unknown),
    /// with the rollback journal when `BulkJournal.suits` it and no other connection
    /// has the store open; else in WAL mode. Returns to WAL mode afterwards.
    func withBulkJournal<T>(incomingBytes: Int64?, _ body: () throws -> T) throws -> T {
        guard incomingBytes.map({ $0 >= BulkJournal.minimumBytes }) ?? false else { return try body() }
        let switched = try database.writeWithoutTransaction { db -> Bool in
            let storeBytes = try Int64.fetchOne(db, sql: "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()") ?? 0
            guard BulkJournal.suits(incomingBytes: incomingBytes, storeBytes: storeBytes) else { return false }
            do {
                guard try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE") == "delete" else { return false }
            } catch let error as DatabaseError where Self.isLockedOut(error) {
                return false  // another connection has the store open
            }
            do {
                // Every sync of the rollback journal (NORMAL skips one that a power cut can need).
                try db.execute(sql: "PRAGMA synchronous = FULL")
            } catch {
                _ = try? Self.enterWAL(db, wait: 5, onBusy: nil)
                throw error
            }
            return true
        }
        guard switched else { return try body() }
        defer { returnToWAL() }
        return try body()
    }

    /// Back to WAL mode after a bulk write, waiting a little for a process that is
    /// opening the store meanwhile; if that fails, the next connection to open the
    /// store switches it (every connection does, `enterWAL`).
    private func returnToWAL() {
        try? database.writeWithoutTransaction { db in
            // NORMAL is for WAL mode: a connection left in rollback mode keeps FULL.
            if (try? Self.enterWAL(db, wait: 5, onBusy: nil)) == true { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        }
    }

    /// Puts the store in WAL mode (a no-op when it is); whether it is in WAL mode
    /// afterwards (not, say, on a file system without shared memory). A bulk write
    /// elsewhere (`withBulkJournal`) makes SQLite refuse the switch at once, without
    /// its busy handler: this tries again for `wait` seconds, telling `onBusy` after
    /// a second. (Each try may itself wait in the connection's busy handler, while
    /// the bulk writer holds the file's exclusive lock.)
    @discardableResult
    static func enterWAL(_ db: Database, wait: TimeInterval, onBusy: (@Sendable () -> Void)?) throws -> Bool {
        let start = Date()
        var told = false
        var pause: useconds_t = 1000
        while true {
            do {
                return try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") == "wal"
            } catch let error as DatabaseError where isLockedOut(error) {
                let waited = Date().timeIntervalSince(start)
                guard waited < wait else { throw error }
                if !told && waited >= 1 {
                    told = true
                    onBusy?()
                }
                usleep(pause)
                pause = min(50_000, pause * 2)
            }
        }
    }

    static func isLockedOut(_ error: DatabaseError) -> Bool {
        error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
    }
}
