import AIMemCore
import Foundation
import GRDB

/// Deleted ids, kept for good (`tombstones`, docs/FORMAT.md §6.3): no merge or
/// import brings a deleted memory back as its author's, whatever snapshot or file
/// still holds it. A memory written again gets a new id, so the same text can be
/// added later.
///
/// A tombstone of the store's own user (a memory of theirs deleted here) is signed
/// at the next export and travels; one that came in a snapshot keeps its author's
/// signature and travels on; a **local** one (someone else's memory deleted here)
/// hides the id whoever sends it and never travels.
enum Tombstones {
    /// Remembers that `id` (written by `author`, nil: the store's own user) was deleted here.
    static func record(id: String, author: String?, local: Bool, at time: Double, in db: Database) throws {
        try db.execute(sql: "DELETE FROM tombstones WHERE id = ? AND author_key_id IS ?", arguments: [id, author])
        try db.execute(sql: "INSERT INTO tombstones (id, author_key_id, deleted_at, local, changed_in) VALUES (?, ?, ?, ?, \(Schema.nextChangeSQL))",
                       arguments: [id, author, time, local])
        try ObservationRow.bumpGeneration(db)
    }

    static func contains(_ id: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(try db.cachedStatement(sql: "SELECT 1 FROM tombstones WHERE id = ?"), arguments: [id]) != nil
    }

    /// The store's own user writes the id again on purpose (`add` with that id).
    static func clear(_ id: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM tombstones WHERE id = ?", arguments: [id])
    }
}

/// One tombstone as a snapshot carries it (docs/FORMAT.md §4.5).
public struct Tombstone: Sendable, Equatable {
    public var id: String
    public var deletedAt: Double
    public var authorKeyID: String
    public var signature: [UInt8]

    public init(id: String, deletedAt: Double, authorKeyID: String, signature: [UInt8]) {
        self.id = id
        self.deletedAt = deletedAt
        self.authorKeyID = authorKeyID
        self.signature = signature
    }
}

extension MemoryStore {
    /// How many deleted ids the store keeps.
    public func tombstoneCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tombstones") ?? 0 }
    }

    /// The ids of every tombstone that travels (not local), sorted, each once.
    public func travellingTombstoneIDs() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT DISTINCT id FROM tombstones WHERE local = 0 ORDER BY id") }
    }

    /// Every tombstone kept for `id`: (author, local).
    public func tombstones(for id: String) throws -> [(author: String?, local: Bool)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT author_key_id, local FROM tombstones WHERE id = ? ORDER BY rowid", arguments: [id])
                .map { ($0[0], $0[1]) }
        }
    }
}
