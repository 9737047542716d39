import AIMemCore
import Foundation
import GRDB
import GRDBSQLite

/// How a merge resolves an id present on both sides with different fields.
public enum ConflictPolicy: String, Sendable, CaseIterable {
    /// The later `updated_at` wins; a tie keeps the local row.
    case newer
    case keepLocal = "keep-local"
    case takeTheirs = "take-theirs"
}

/// What merging one record did.
public enum MergeOutcome: Sendable, Equatable {
    case added
    case unchanged
    case conflictKeptLocal
    case conflictReplaced
    /// Another version of a row the snapshot's signer did not write: the local row is kept.
    case notTheAuthor
    /// An id deleted in this store: it stays deleted.
    case keptDeleted
    /// A tombstone deleted the local row.
    case deleted
    /// A tombstone for an id this store does not hold was kept.
    case tombstoneRecorded
    /// A tombstone this store already holds.
    case tombstoneUnchanged
}

/// Counts of a merge, and the conflicting ids (the first 100).
public struct MergeCounts: Sendable, Equatable {
    public var added = 0
    public var unchanged = 0
    public var conflicts = 0
    /// Conflicts where the snapshot's row replaced the local one.
    public var replaced = 0
    /// Rows whose embedding is of another model than the local embedder's.
    public var foreignEmbeddings = 0
    /// Rows stored without an embedding, left to a reindex (the embedder `embedsSlowly`).
    public var withoutVectors = 0
    public var conflictIDs: [String] = []
    /// Rows the snapshot would have changed though its signer is not their author (kept as they were).
    public var notTheAuthor = 0
    public var notTheAuthorIDs: [String] = []
    /// Records of ids deleted in this store (kept deleted).
    public var keptDeleted = 0
    /// Rows deleted by the snapshot's tombstones.
    public var deleted = 0
    /// Tombstones kept for ids this store does not hold.
    public var tombstonesRecorded = 0
    /// Tombstones this store already held.
    public var tombstonesUnchanged = 0
    /// Payload-2 lines whose author the reader does not trust (docs/FORMAT.md §6.3): not applied.
    public var unknownAuthor = 0
    /// Payload-2 lines whose author signature does not verify: not applied.
    public var forgedAuthor = 0
    /// The ids of lines refused for their author (the first 100).
    public var refusedAuthorIDs: [String] = []

    public init() {}

    mutating func countRefusal(forged: Bool, id: String) {
        if forged { forgedAuthor += 1 } else { unknownAuthor += 1 }
        if refusedAuthorIDs.count < 100 { refusedAuthorIDs.append(id) }
    }

    mutating func count(_ outcome: MergeOutcome, id: String) {
        switch outcome {
        case .added: added += 1
        case .unchanged: unchanged += 1
        case .conflictKeptLocal, .conflictReplaced:
            conflicts += 1
            if outcome == .conflictReplaced { replaced += 1 }
            if conflictIDs.count < 100 { conflictIDs.append(id) }
        case .notTheAuthor:
            notTheAuthor += 1
            if notTheAuthorIDs.count < 100 { notTheAuthorIDs.append(id) }
        case .keptDeleted:
            keptDeleted += 1
        case .deleted: deleted += 1
        case .tombstoneRecorded: tombstonesRecorded += 1
        case .tombstoneUnchanged: tombstonesUnchanged += 1
        }
    }
}

/// Whether a snapshot record's id may be applied, and what is there locally.
public enum Admission: Sendable, Equatable {
    /// The id appeared earlier in the same snapshot.
    case duplicate
    /// No local row has this id (or, when not applying, it does not matter).
    case new
    /// The local row with this id.
    case existing(seq: Int64)
    /// No local row, but the store keeps tombstones for the id: whether they hold
    /// depends on the author (docs/FORMAT.md §6.3).
    case tombstoned
}

/// Applies verified-so-far records inside one write transaction. Nothing it does
/// is visible to anyone until the caller decides to commit.
public final class MergeSession {
    let store: MemoryStore
    let db: Database
    public private(set) var counts = MergeCounts()
    private let snapshotID: String
    private let signerKeyID: String
    /// The key IDs of the store's own user (current and retired identities, other
    /// devices): rows with no author are theirs, and they may change each other's rows.
    private let ownKeyIDs: Set<String>
    /// Keys of one person mapped to one key id for them (a teammate's previous and
    /// current keys): a rotated key's rows may be changed by its successor.
    private let personOfKey: [String: String]
    private let now: Double
    private let connection: OpaquePointer
    private let findID: RawStatement
    private let seen: RawStatement
    private let findTombstone: RawStatement
    private let insertTombstone: RawStatement
    private let insertRow: RawStatement
    private let insertFTS: RawStatement
    /// Rows inserted by this session (the write generation is bumped once, at the end).
    private var inserted = 0
    /// Tombstones kept by this session (they too are stamped with the next generation).
    private var keptTombstones = 0
    /// The `changed_in` of what this session writes (docs/FORMAT.md §4.8).
    private let stamp: Int64
    /// Whether a line of an id new to the store was refused (not inserted): from then on
    /// a new id is also looked up among the ids seen, since no row marks it.
    private var refusedNewIDs = false
    private let seenBefore: RawStatement
    /// Whether every line so far took the fast path of a store that held no row and
    /// no tombstone when the session began (a merge into a new store): a record to be
    /// inserted is then new unless its id came earlier in the snapshot, which the
    /// id's UNIQUE constraint finds at the insert (`RepeatedID`) — no lookup per line.
    private var insertsIntoEmptyStore: Bool

    init(store: MemoryStore, db: Database, snapshotID: String, signerKeyID: String, ownKeyIDs: Set<String>, personOfKey: [String: String],
         now: Double) throws {
        self.personOfKey = personOfKey
        self.store = store
        self.db = db
        self.snapshotID = snapshotID
        self.signerKeyID = signerKeyID
        self.ownKeyIDs = ownKeyIDs
        self.now = now
        // Ids seen in this snapshot whose row existed before: constant memory however large the snapshot is.
        try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS merge_seen_ids (id TEXT PRIMARY KEY) WITHOUT ROWID")
        try db.execute(sql: "DELETE FROM merge_seen_ids")
        connection = db.sqliteConnection!
        insertsIntoEmptyStore = try Bool.fetchOne(db, sql: """
            SELECT NOT EXISTS (SELECT 1 FROM observations) AND NOT EXISTS (SELECT 1 FROM tombstones)
            """) ?? false
        // Every row and tombstone of this session is stamped with the generation it commits as (or later).
        stamp = (try Int64.fetchOne(db, sql: "SELECT value FROM vault_state WHERE name = 'observations_generation'") ?? 0) + 1
        findID = try RawStatement(db, "SELECT seq, merged_snapshot_id, merged_signer_key_id FROM observations WHERE id = ?")
        seen = try RawStatement(db, "INSERT OR IGNORE INTO merge_seen_ids (id) VALUES (?)")
        seenBefore = try RawStatement(db, "SELECT 1 FROM merge_seen_ids WHERE id = ?")
        findTombstone = try RawStatement(db, "SELECT author_key_id, local FROM tombstones WHERE id = ?")
        insertTombstone = try RawStatement(db, """
            INSERT INTO tombstones (id, author_key_id, deleted_at, signature, local, merged_snapshot_id, merged_signer_key_id, merged_at, changed_in)
            VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?)
            """)
        let recordColumns = ObservationColumn.recordColumns.map(\.name).joined(separator: ", ")
        insertRow = try RawStatement(db, """
            INSERT INTO observations (\(recordColumns), author_key_id, author_signature, merged_snapshot_id, merged_signer_key_id, merged_at, changed_in)
            VALUES (\(Array(repeating: "?", count: ObservationColumn.recordColumns.count + 6).joined(separator: ", ")))
            """)
        insertFTS = try RawStatement(db, "INSERT INTO observations_fts (title, summary, content, tags, rowid) VALUES (?, ?, ?, ?, ?)")
    }

    /// Marks the store changed if this session inserted rows (call before committing).
    func finish() throws {
        if inserted > 0 || keptTombstones > 0 { try ObservationRow.bumpGeneration(db) }
    }

    /// A record's id that came earlier in the snapshot, found by the insert itself
    /// (a merge into an empty store does not look ids up first).
    public struct RepeatedID: Error {}

    /// Checks that `id` did not appear earlier in this snapshot. When `applying`,
    /// also finds the local row: a new id's row is inserted with this snapshot's
    /// provenance, which is how its duplicate is recognised; other ids go to a
    /// temporary table. `insertsRecord`: the line is a record that will be applied
    /// (not a tombstone, not refused); into an empty store, `apply` may then throw
    /// `RepeatedID` instead of this returning `.duplicate`.
    public func admit(_ id: String, applying: Bool, insertsRecord: Bool = false) throws -> Admission {
        if applying && insertsIntoEmptyStore {
            if insertsRecord { return .new }
            insertsIntoEmptyStore = false  // a tombstone or a refused line: ids are looked up from now on
        }
        if applying {
            findID.bind(1, id)
            let found = try findID.first { row -> (seq: Int64, fromThisSnapshot: Bool) in
                let merged = sqlite3_column_text(row, 1).map { String(cString: $0) }
                let signer = sqlite3_column_text(row, 2).map { String(cString: $0) }
                return (sqlite3_column_int64(row, 0), merged == snapshotID && signer == signerKeyID)
            }
            if let found {
                if found.fromThisSnapshot { return .duplicate }
                return try markSeen(id) ? .existing(seq: found.seq) : .duplicate
            }
            findTombstone.bind(1, id)
            if try findTombstone.step() {
                findTombstone.reset()
                return try markSeen(id) ? .tombstoned : .duplicate
            }
            if refusedNewIDs {
                seenBefore.bind(1, id)
                if try seenBefore.int64() != nil { return .duplicate }
            }
            return .new
        }
        return try markSeen(id) ? .new : .duplicate
    }

    /// A line that is not applied because its author was refused (docs/FORMAT.md
    /// §6.3): counted, and its id still taken for the duplicate rule.
    public func refuse(_ id: String, admission: Admission, forged: Bool) throws {
        if admission == .new {
            _ = try markSeen(id)
            refusedNewIDs = true
        }
        counts.countRefusal(forged: forged, id: id)
    }

    /// Whether the store's tombstones for `id` keep `author`'s record of it deleted:
    /// a local tombstone or one of the store's own user (what you deleted stays
    /// deleted in your store whoever sends it), or one by that author.
    private func tombstonesHold(_ id: String, for author: String) throws -> Bool {
        findTombstone.bind(1, id)
        defer { findTombstone.reset() }
        while try findTombstone.step() {
            if sqlite3_column_int64(findTombstone.handle, 1) != 0 { return true }
            let by = sqlite3_column_text(findTombstone.handle, 0).map { String(cString: $0) }
            if by.map({ sameAuthor($0, author) }) ?? false || isOwn(by) { return true }
        }
        return false
    }

    /// A row author (nil: the store's own user) that is one of the reader's own keys.
    private func isOwn(_ author: String?) -> Bool { author.map(ownKeyIDs.contains) ?? true }

    /// False when this id was already marked.
    private func markSeen(_ id: String) throws -> Bool {
        seen.bind(1, id)
        try seen.run()
        return sqlite3_changes(connection) == 1
    }

    /// Inserts, leaves, or resolves a conflicting record admitted by `admit`.
    /// A record without an embedding gets one from the local embedder.
    @discardableResult
    public func apply(_ incoming: Observation, columns: RecordColumns?, admission: Admission, policy: ConflictPolicy,
                      author: String? = nil, signature: [UInt8]? = nil) throws -> MergeOutcome {
        let author = author ?? signerKeyID
        if case .tombstoned = admission, try tombstonesHold(incoming.id, for: author) {
            counts.count(.keptDeleted, id: incoming.id)
            return .keptDeleted
        }
        var record = incoming
        var columns = columns
        if let e = record.embedding {
            if e.model != store.embedder.modelID || e.dimension != store.embedder.dimension { counts.foreignEmbeddings += 1 }
        } else if store.embedder.embedsSlowly {
            // Stored at once without a vector; a reindex gives it one after the commit.
        } else {
            record.embedding = try store.embed(record)
            columns = nil
        }
        let outcome: MergeOutcome
        switch admission {
        case .duplicate:
            preconditionFailure("a duplicate is refused before it is applied")
        case .new, .tombstoned:
            try insert(columns ?? RecordColumns(record), author: author, signature: signature)
            outcome = .added
        case .existing(let seq):
            let statement = try db.cachedStatement(sql: "SELECT \(Schema.observationColumns) FROM observations WHERE seq = ?")
            let local = try ObservationRow.decode(try Row.fetchOne(statement, arguments: [seq])!)
            if Self.sameFields(local, record) {
                outcome = .unchanged
            } else if !mayChange(authoredBy: local.author, by: author) {
                outcome = .notTheAuthor
            } else {
                let takeTheirs: Bool
                switch policy {
                case .newer: takeTheirs = record.updatedAt > local.updatedAt
                case .keepLocal: takeTheirs = false
                case .takeTheirs: takeTheirs = true
                }
                if takeTheirs {
                    try ObservationRow.delete(id: record.id, in: db)
                    try insert(columns ?? RecordColumns(record), author: author, signature: signature)
                    outcome = .conflictReplaced
                } else {
                    outcome = .conflictKeptLocal
                }
            }
        }
        counts.count(outcome, id: record.id)
        if record.embedding == nil, outcome == .added || outcome == .conflictReplaced { counts.withoutVectors += 1 }
        return outcome
    }

    private static let rowColumns = ObservationColumn.recordColumns
    private static let ftsColumns: [ObservationColumn] = [.title, .summary, .content, .tags]

    /// The row with its author and provenance, and its FTS entry.
    private func insert(_ columns: RecordColumns, author: String, signature: [UInt8]?) throws {
        let next = Int32(Self.rowColumns.count)
        try columns.bind(Self.rowColumns, to: insertRow.handle) {
            insertRow.bind(next + 1, author)
            if let signature { insertRow.bind(next + 2, blob: signature) } else { insertRow.bindNull(next + 2) }
            insertRow.bind(next + 3, snapshotID)
            insertRow.bind(next + 4, signerKeyID)
            insertRow.bind(next + 5, now)
            insertRow.bind(next + 6, stamp)
            do {
                try insertRow.run()
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                // Only `id` is UNIQUE: a repeat within this snapshot (the store held no row before it).
                throw RepeatedID()
            }
        }
        let seq = sqlite3_last_insert_rowid(connection)
        try columns.bind(Self.ftsColumns, to: insertFTS.handle) {
            insertFTS.bind(5, seq)
            try insertFTS.run()
        }
        inserted += 1
    }

    /// Applies a payload-2 tombstone whose author was accepted (docs/FORMAT.md §6.3):
    /// deletes the local row when the tombstone's author may change it, and keeps
    /// the tombstone unless it was refused.
    @discardableResult
    public func applyTombstone(_ tombstone: Tombstone, admission: Admission) throws -> MergeOutcome {
        let outcome: MergeOutcome
        switch admission {
        case .duplicate:
            preconditionFailure("a duplicate is refused before it is applied")
        case .existing(let seq):
            let author = try String.fetchOne(db, sql: "SELECT author_key_id FROM observations WHERE seq = ?", arguments: [seq])
            if mayChange(authoredBy: author, by: tombstone.authorKeyID) {
                _ = try ObservationRow.delete(id: tombstone.id, in: db)
                try keep(tombstone)
                outcome = .deleted
            } else {
                // Someone else's row holds the id: it stays, but the tombstone is kept, so
                // that the tombstone's author's versions stay out if that row ever goes.
                if !(try isKept(tombstone)) { try keep(tombstone) }
                outcome = .notTheAuthor
            }
        case .new, .tombstoned:
            if try isKept(tombstone) {
                outcome = .tombstoneUnchanged
            } else {
                try keep(tombstone)
                outcome = .tombstoneRecorded
            }
            if admission == .new { _ = try markSeen(tombstone.id) }
        }
        counts.count(outcome, id: tombstone.id)
        return outcome
    }

    private func isKept(_ t: Tombstone) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM tombstones WHERE id = ? AND author_key_id = ?", arguments: [t.id, t.authorKeyID]) != nil
    }

    private func keep(_ t: Tombstone) throws {
        insertTombstone.bind(1, t.id)
        insertTombstone.bind(2, t.authorKeyID)
        insertTombstone.bind(3, t.deletedAt)
        insertTombstone.bind(4, blob: t.signature)
        insertTombstone.bind(5, snapshotID)
        insertTombstone.bind(6, signerKeyID)
        insertTombstone.bind(7, now)
        insertTombstone.bind(8, stamp)
        try insertTombstone.run()
        keptTombstones += 1
    }

    /// Records the snapshot in the ledger (call last, before committing).
    public func recordInLedger(signerName: String, sequence: Int64, createdAt: Double, contentDigest: String?) throws {
        try db.execute(sql: """
            INSERT INTO merged_snapshots (snapshot_id, signer_key_id, signer_name, sequence, created_at, merged_at, added, unchanged, conflicts, replaced, content_digest)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [snapshotID, signerKeyID, signerName, sequence, createdAt, now, counts.added, counts.unchanged, counts.conflicts, counts.replaced, contentDigest])
    }

    /// Whether the ledger already records this snapshot of this session's signer.
    public func ledgerContains(snapshotID: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM merged_snapshots WHERE signer_key_id = ? AND snapshot_id = ?",
                          arguments: [signerKeyID, snapshotID]) != nil
    }

    /// Whether the ledger records a snapshot with this id signed by one of `signerKeyIDs`.
    public func ledgerContains(snapshotID: String, signerKeyIDs: [String]) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM merged_snapshots WHERE snapshot_id = ? AND signer_key_id IN (SELECT value FROM json_each(?))",
                          arguments: [snapshotID, JSONWriter.string(.array(signerKeyIDs.map(JSONValue.string)))]) != nil
    }

    /// The content digest the ledger recorded for this snapshot of this session's signer (nil: not merged, or merged before digests were kept).
    public func ledgerDigest(snapshotID: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT content_digest FROM merged_snapshots WHERE signer_key_id = ? AND snapshot_id = ?",
                            arguments: [signerKeyID, snapshotID])
    }

    /// The highest sequence merged so far from a signer.
    public func highestSequence(signerKeyID: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT MAX(sequence) FROM merged_snapshots WHERE signer_key_id = ?", arguments: [signerKeyID])
    }

    /// Equal in every field but the embedding.
    static func sameFields(_ a: Observation, _ b: Observation) -> Bool {
        var x = a, y = b
        x.embedding = nil
        y.embedding = nil
        x.author = nil
        y.author = nil
        return x == y
    }

    /// Only a row's author replaces it: `author` (the incoming version's, judged by
    /// the reader) must have written the local row — or the row is the store's own
    /// user's (no author, or one of their keys) and so is `author` (another key of theirs).
    func mayChange(authoredBy localAuthor: String?, by author: String) -> Bool {
        guard let localAuthor else { return ownKeyIDs.contains(author) }
        return sameAuthor(localAuthor, author) || (ownKeyIDs.contains(localAuthor) && ownKeyIDs.contains(author))
    }

    /// The same key, or two keys of one person (`personOfKey`).
    func sameAuthor(_ a: String, _ b: String) -> Bool {
        a == b || (personOfKey[a].map { $0 == personOfKey[b] } ?? false)
    }
}

extension MemoryStore {
    /// Runs a merge in one write transaction (`BEGIN IMMEDIATE`: a second merge
    /// waits for the first). `body` returns whether to commit; anything else — a
    /// `false` or a thrown error — rolls back and leaves the store as it was.
    /// `incomingBytes`: about how much the merge may write (nil: unknown), which
    /// decides its journal (`BulkJournal`).
    public func merge<T>(snapshotID: String, signerKeyID: String, ownKeyIDs: Set<String> = [], personOfKey: [String: String] = [:],
                         now: Double = Date().timeIntervalSince1970, incomingBytes: Int64? = nil,
                         _ body: (MergeSession) throws -> (result: T, commit: Bool)) throws -> T {
        do {
            var output: T? = nil
            try useWriteCache()
            try withBulkJournal(incomingBytes: incomingBytes) {
                try database.inTransaction(.immediate) { db in
                    let session = try MergeSession(store: self, db: db, snapshotID: snapshotID, signerKeyID: signerKeyID, ownKeyIDs: ownKeyIDs,
                                                   personOfKey: personOfKey, now: now)
                    let (result, commit) = try body(session)
                    try session.finish()
                    output = result
                    try db.execute(sql: "DELETE FROM merge_seen_ids")
                    return commit ? .commit : .rollback
                }
            }
            return output!
        } catch {
            throw storeError(error)
        }
    }

    /// 16 MiB of page cache for a large write (SQLite's default is 2 MiB): the id
    /// index and FTS pages stay in memory instead of being rewritten to the WAL.
    func useWriteCache() throws {
        try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA cache_size = -16384") }
    }

    /// Runs `body` in one read transaction with the number of observations matching
    /// `filter` and a function returning them one by one, oldest first.
    public func withObservations<T>(_ filter: ObservationFilter, _ body: (_ count: Int, _ next: () throws -> Observation?) throws -> T) throws -> T {
        try read { db in
            let condition = filter.sqlCondition
            let arguments = StatementArguments(condition.arguments)
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM observations o WHERE \(condition.sql)", arguments: arguments) ?? 0
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT \(Schema.observationColumns) FROM observations o WHERE \(condition.sql) ORDER BY o.created_at, o.seq
                """, arguments: arguments)
            return try body(count) { try cursor.next().map { try ObservationRow.decode($0) } }
        }
    }
}
