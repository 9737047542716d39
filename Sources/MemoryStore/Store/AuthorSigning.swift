import AIMemCore
import Foundation
import GRDB

/// Signing the store's own user's record versions and tombstones once, when they
/// are first exported (docs/FORMAT.md §4.6). The store holds no keys: the caller
/// signs, the store keeps each signature with its row, and the row's author becomes
/// the signing key.
extension MemoryStore {
    /// How many rows of the store's own user (no author, or one of `ownKeyIDs`)
    /// matching `filter` have no signature yet.
    public func unsignedOwnCount(_ filter: ObservationFilter, ownKeyIDs: Set<String>) throws -> Int {
        try read { db in try Self.unsignedOwnCount(filter, ownKeyIDs: ownKeyIDs, in: db) }
    }

    static func unsignedOwnCount(_ filter: ObservationFilter, ownKeyIDs: Set<String>, in db: Database) throws -> Int {
        let (sql, arguments) = unsignedCondition(filter, ownKeyIDs)
        return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM observations o WHERE \(sql)", arguments: arguments) ?? 0
    }

    /// Signs every unsigned row of the store's own user matching `filter`, a batch
    /// per write transaction, the signing split across the cores. `sign` returns the
    /// signature of a version as `keyID`, which becomes the row's author. Returns how many.
    @discardableResult
    public func signOwnRows(_ filter: ObservationFilter, ownKeyIDs: Set<String>, as keyID: String, batch: Int = 512,
                            progress: ((_ done: Int, _ total: Int) -> Void)? = nil,
                            sign: @Sendable (Observation) throws -> [UInt8]) throws -> Int {
        var signed = 0
        let total = progress == nil ? 0 : try unsignedOwnCount(filter, ownKeyIDs: ownKeyIDs)
        let (condition, baseArguments) = Self.unsignedCondition(filter, ownKeyIDs)
        while true {
            let done = try write { db -> Int in
                let rows: [(seq: Int64, version: Observation)] = try Row.fetchAll(db, sql: """
                    SELECT o.seq, \(ObservationColumn.selectListWithoutEmbedding) FROM observations o WHERE \(condition) LIMIT \(batch)
                    """, arguments: baseArguments).map { row in
                    var version = try ObservationRow.decode(row, offset: 1)
                    version.author = keyID
                    return (row[0], version)
                }
                guard !rows.isEmpty else { return 0 }
                let signatures = try Self.inParallel(rows.map(\.version), sign)
                let update = try db.cachedStatement(sql: "UPDATE observations SET author_key_id = ?, author_signature = ? WHERE seq = ?")
                for (row, signature) in zip(rows, signatures) {
                    try update.execute(arguments: [keyID, Data(signature), row.seq])
                }
                return rows.count
            }
            signed += done
            if let progress, total > 0 { progress(min(signed, total), total) }
            if done < batch { return signed }
        }
    }

    /// `work` over every element, split across the cores; results in order.
    static func inParallel<T: Sendable, R: Sendable>(_ items: [T], _ work: @Sendable (T) throws -> R) throws -> [R] {
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, items.count / 32))
        let results = Locked<[[R]]>(Array(repeating: [], count: parts))
        let failure = Locked<Error?>(nil)
        let size = (items.count + parts - 1) / parts
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let range = (part * size)..<min(items.count, (part + 1) * size)
            do {
                let out = try items[range].map(work)
                results.withLock { $0[part] = out }
            } catch {
                failure.withLock { $0 = error }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        return results.withLock { $0.flatMap { $0 } }
    }

    private static func unsignedCondition(_ filter: ObservationFilter, _ ownKeyIDs: Set<String>) -> (String, StatementArguments) {
        let condition = filter.sqlCondition
        var arguments = condition.arguments
        arguments["own_keys"] = JSONWriter.string(.array(ownKeyIDs.sorted().map(JSONValue.string)))
        let sql = """
            (\(condition.sql)) AND o.author_signature IS NULL
            AND (+o.author_key_id IS NULL OR +o.author_key_id IN (SELECT value FROM json_each(:own_keys)))
            """
        return (sql, StatementArguments(arguments))
    }

    /// Drops the author signatures of rows and travelling tombstones written by
    /// `keyIDs` (your keys retired as compromised), so that the next export signs them
    /// again with your current key: a stolen key's signature no longer vouches for
    /// them anywhere. Returns how many rows and tombstones.
    @discardableResult
    public func forgetSignatures(ofKeys keyIDs: Set<String>) throws -> Int {
        guard !keyIDs.isEmpty else { return 0 }
        let keys = JSONWriter.string(.array(keyIDs.sorted().map(JSONValue.string)))
        return try write { db in
            try db.execute(sql: """
                UPDATE observations SET author_signature = NULL, changed_in = \(Schema.nextChangeSQL)
                WHERE author_signature IS NOT NULL AND author_key_id IN (SELECT value FROM json_each(?))
                """, arguments: [keys])
            var changed = db.changesCount
            try db.execute(sql: """
                UPDATE tombstones SET signature = NULL, changed_in = \(Schema.nextChangeSQL)
                WHERE local = 0 AND signature IS NOT NULL AND author_key_id IN (SELECT value FROM json_each(?))
                """, arguments: [keys])
            changed += db.changesCount
            if changed > 0 { try ObservationRow.bumpGeneration(db) }
            return changed
        }
    }

    /// Signs every tombstone of the store's own user that travels and has no
    /// signature yet; `sign` returns the signature of (id, deleted_at) as `keyID`.
    @discardableResult
    public func signOwnTombstones(as keyID: String, sign: (_ id: String, _ deletedAt: Double) throws -> [UInt8]) throws -> Int {
        try write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT rowid, id, deleted_at FROM tombstones WHERE local = 0 AND signature IS NULL")
            for row in rows {
                try db.execute(sql: "UPDATE tombstones SET author_key_id = ?, signature = ? WHERE rowid = ?",
                               arguments: [keyID, Data(try sign(row[1], row[2])), row[0] as Int64])
            }
            return rows.count
        }
    }
}

/// The tombstones a snapshot carries: every one that travels and is signed, one per
/// id (the first kept), and none whose id is a row of the store (a record line
/// carries that id).
struct TravellingTombstones {
    static let condition = """
        t.local = 0 AND t.signature IS NOT NULL AND t.author_key_id IS NOT NULL
        AND t.rowid = (SELECT MIN(u.rowid) FROM tombstones u WHERE u.id = t.id AND u.local = 0 AND u.signature IS NOT NULL AND u.author_key_id IS NOT NULL)
        AND NOT EXISTS (SELECT 1 FROM observations o WHERE o.id = t.id)
        """

    /// The key IDs whose tombstones travel with rows of `author` (nil: everyone's).
    static func authorKeyIDs(_ author: AuthorSelector?) -> [String]? { author?.keyIDs }

    /// `(? IS NULL OR t.author_key_id IN …)`, with its argument (a JSON array of key IDs, or NULL).
    static func authorCondition(_ keyIDs: [String]?) -> (sql: String, argument: String?) {
        ("(? IS NULL OR t.author_key_id IN (SELECT value FROM json_each(?)))",
         keyIDs.map { JSONWriter.string(.array($0.map(JSONValue.string))) })
    }

    /// With `changedAfter`, only tombstones written after that generation (an
    /// increment); with `authors`, only those key IDs' deletions.
    static func count(_ db: Database, timeBounds: ClosedRange<Double>, changedAfter: Int64? = nil, authors: [String]? = nil) throws -> Int {
        let byAuthor = authorCondition(authors)
        return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tombstones t WHERE \(condition) AND t.deleted_at BETWEEN ? AND ? AND t.changed_in > ? AND \(byAuthor.sql)",
                                arguments: [timeBounds.lowerBound, timeBounds.upperBound, changedAfter ?? -1, byAuthor.argument, byAuthor.argument]) ?? 0
    }

    static func all(_ db: Database, timeBounds: ClosedRange<Double>, changedAfter: Int64? = nil, authors: [String]? = nil) throws -> RowCursor {
        let byAuthor = authorCondition(authors)
        return try Row.fetchCursor(db, sql: """
            SELECT t.id, t.deleted_at, t.author_key_id, t.signature FROM tombstones t
            WHERE \(condition) AND t.deleted_at BETWEEN ? AND ? AND t.changed_in > ? AND \(byAuthor.sql) ORDER BY t.rowid
            """, arguments: [timeBounds.lowerBound, timeBounds.upperBound, changedAfter ?? -1, byAuthor.argument, byAuthor.argument])
    }
}
