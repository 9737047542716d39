import AIMemCore
import Foundation
import GRDB

/// One snapshot in the merge ledger.
public struct LedgerEntry: Sendable, Equatable {
    public var snapshotID: String
    public var signerKeyID: String
    public var signerName: String
    public var sequence: Int64
    public var createdAt: Double
    public var mergedAt: Double
    public var counts: MergeCounts
}

/// Where a merged row came from.
public struct Provenance: Sendable, Equatable {
    public var snapshotID: String
    public var signerKeyID: String
    /// When it was merged (seconds since the epoch).
    public var mergedAt: Double
}

/// The ledger of merged snapshots (`merged_snapshots`), where each merged row came
/// from, and this store's export sequence (`vault_state`): what the vault keeps between runs.
extension MemoryStore {
    /// Every merged snapshot, oldest first.
    public func ledger() throws -> [LedgerEntry] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM merged_snapshots ORDER BY merged_at, rowid").map(Self.ledgerEntry) }
    }

    static func ledgerEntry(_ row: Row) -> LedgerEntry {
        var counts = MergeCounts()
        counts.added = row["added"]
        counts.unchanged = row["unchanged"]
        counts.conflicts = row["conflicts"]
        counts.replaced = row["replaced"]
        return LedgerEntry(snapshotID: row["snapshot_id"], signerKeyID: row["signer_key_id"], signerName: row["signer_name"],
                           sequence: row["sequence"], createdAt: row["created_at"], mergedAt: row["merged_at"], counts: counts)
    }

    /// Where a merged row came from: snapshot id and signer key id.
    public func provenance(of id: String) throws -> Provenance? {
        try read { db in
            try Row.fetchOne(db, sql: """
                SELECT merged_snapshot_id, merged_signer_key_id, merged_at FROM observations WHERE id = ? AND merged_snapshot_id IS NOT NULL
                """, arguments: [id])
                .map { Provenance(snapshotID: $0[0], signerKeyID: $0[1], mergedAt: $0[2]) }
        }
    }

    /// The next export sequence of this store: `max(previous + 1, now in milliseconds)`.
    public func nextExportSequence(now: Double = Date().timeIntervalSince1970) throws -> Int64 {
        try write { db in
            let previous = try Int64.fetchOne(db, sql: "SELECT value FROM vault_state WHERE name = 'export_sequence'") ?? 0
            let next = max(previous + 1, Int64(now * 1000))
            try db.execute(sql: "INSERT OR REPLACE INTO vault_state (name, value) VALUES ('export_sequence', ?)", arguments: [next])
            return next
        }
    }
}
