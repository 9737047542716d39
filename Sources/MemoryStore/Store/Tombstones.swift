import AIMemCore
import Foundation
import GRDB

/// Deleted ids, kept for good (`tombstones`): no merge or import brings a deleted
/// memory back, whatever snapshot or file still holds it. A memory written again
/// gets a new id, so the same text can be added later.
///
/// For now tombstones are local: a deletion holds in the store where it was made and
/// does not travel in snapshots (that needs a new payload format:
/// docs/design/format-2.md).
enum Tombstones {
    /// Remembers that `id` (written by `author`, nil: the store's own user) was deleted.
    static func record(id: String, author: String?, at time: Double, in db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO tombstones (id, author_key_id, deleted_at) VALUES (?, ?, ?)",
                       arguments: [id, author, time])
    }

    static func contains(_ id: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(try db.cachedStatement(sql: "SELECT 1 FROM tombstones WHERE id = ?"), arguments: [id]) != nil
    }

    /// The store's own user writes the id again on purpose (`add` with that id).
    static func clear(_ id: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM tombstones WHERE id = ?", arguments: [id])
    }
}

extension MemoryStore {
    /// How many deleted ids the store keeps.
    public func tombstoneCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tombstones") ?? 0 }
    }
}
