import AIMemCore
import Foundation
import GRDB

/// A snapshot this store exported, as an incremental export's base (docs/FORMAT.md §4.8).
public struct ExportRecord: Sendable, Equatable {
    public var snapshotID: String
    public var sequence: Int64
    public var createdAt: Double
    /// The recipients and filters the snapshot was made for: its chain.
    public var chain: String
    /// The write generation the export saw: the next increment carries what came after.
    public var changeMark: Int64
    /// nil: a full snapshot.
    public var baseSnapshotID: String?
    public var records: Int
    public var tombstones: Int

    public init(snapshotID: String, sequence: Int64, createdAt: Double, chain: String, changeMark: Int64, baseSnapshotID: String?,
                records: Int, tombstones: Int) {
        self.snapshotID = snapshotID
        self.sequence = sequence
        self.createdAt = createdAt
        self.chain = chain
        self.changeMark = changeMark
        self.baseSnapshotID = baseSnapshotID
        self.records = records
        self.tombstones = tombstones
    }
}

extension MemoryStore {
    /// Remembers a snapshot once it was written completely.
    public func recordExport(_ e: ExportRecord) throws {
        try write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO exports (snapshot_id, sequence, created_at, chain, change_mark, base_snapshot_id, records, tombstones)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [e.snapshotID, e.sequence, e.createdAt, e.chain, e.changeMark, e.baseSnapshotID, e.records, e.tombstones])
        }
    }

    /// The latest snapshot exported on `chain`, if any.
    public func lastExport(chain: String) throws -> ExportRecord? {
        try read { db in try Row.fetchOne(db, sql: "SELECT * FROM exports WHERE chain = ? ORDER BY sequence DESC LIMIT 1", arguments: [chain]).map(Self.export) }
    }

    /// Whether any row of `filter`, or any tombstone that would travel with them
    /// (of the filter's author, or an own deletion not signed yet), was written after generation `mark`.
    public func hasChanges(after mark: Int64, filter: ObservationFilter = ObservationFilter()) throws -> Bool {
        var changed = filter
        changed.changedAfter = mark
        let condition = changed.sqlCondition
        let authors = TravellingTombstones.authorCondition(TravellingTombstones.authorKeyIDs(filter.author))
        return try read { db in
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM observations o WHERE \(condition.sql))",
                                 arguments: StatementArguments(condition.arguments)) == true { return true }
            return try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM tombstones t WHERE t.changed_in > ? AND t.local = 0 AND (t.author_key_id IS NULL OR \(authors.sql)))
                """, arguments: [mark, authors.argument, authors.argument]) ?? false
        }
    }

    /// For each (signer key ID, snapshot id) of a folder listing: whether the ledger
    /// holds it and whether this store exported it, in one read transaction (a sync
    /// with nothing new looks up thousands of files).
    public func known(_ files: [(signerKeyID: String, snapshotID: String)]) throws -> [(merged: Bool, exported: Bool)] {
        try read { db in
            let merged = try db.cachedStatement(sql: "SELECT 1 FROM merged_snapshots WHERE signer_key_id = ? AND snapshot_id = ?")
            let exported = try db.cachedStatement(sql: "SELECT 1 FROM exports WHERE snapshot_id = ?")
            return try files.map { file in
                (try Bool.fetchOne(merged, arguments: [file.signerKeyID, file.snapshotID]) != nil,
                 try Bool.fetchOne(exported, arguments: [file.snapshotID]) != nil)
            }
        }
    }

    /// The exported snapshot with this id (or unique id prefix), if any.
    public func export(snapshotID: String) throws -> ExportRecord? {
        try read { db in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM exports WHERE snapshot_id = ?", arguments: [snapshotID]) { return Self.export(row) }
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM exports WHERE snapshot_id LIKE ? ESCAPE '\\' LIMIT 2",
                                        arguments: [snapshotID.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                                            .replacingOccurrences(of: "_", with: "\\_") + "%"])
            return rows.count == 1 ? Self.export(rows[0]) : nil
        }
    }

    static func export(_ row: Row) -> ExportRecord {
        ExportRecord(snapshotID: row["snapshot_id"], sequence: row["sequence"], createdAt: row["created_at"], chain: row["chain"],
                     changeMark: row["change_mark"], baseSnapshotID: row["base_snapshot_id"], records: row["records"], tombstones: row["tombstones"])
    }
}
