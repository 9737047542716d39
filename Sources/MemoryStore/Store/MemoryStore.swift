import AIMemCore
import Foundation
import GRDB

/// The local memory store: one SQLite database (WAL mode) in the ai-mem home,
/// with an FTS5 keyword index and one embedding per observation.
public final class MemoryStore: Sendable {
    public let home: Home
    public let embedder: any Embedder
    let database: DatabaseQueue
    /// The vector index's rows in memory (`keepsVectorIndexInMemory`), else nil: read from its file at each search.
    let residentVectors: ResidentVectorRows?
    /// `memoriesWithoutVectors` as last counted, and the store state it was counted at.
    let withoutVectorsCount = Locked<(state: VectorIndex.State, count: Int)?>(nil)

    /// How long a writer waits for another process's write transaction (a long
    /// merge or import) before giving up with `MemoryStoreError.busy`.
    public static let defaultBusyWait: TimeInterval = 600

    /// Opens (creating on first use) the store in `home`, migrating its schema.
    /// A write that finds another process writing waits for it, up to `busyWait`
    /// seconds; `onBusy` is called once, a second into the first such wait (to say so).
    /// `keepsVectorIndexInMemory`: for a process that stays up and searches often (the
    /// MCP server), the vector index is held in memory and re-read only when it changes.
    public init(home: Home, embedder: any Embedder, busyWait: TimeInterval = MemoryStore.defaultBusyWait,
                onBusy: (@Sendable () -> Void)? = nil, keepsVectorIndexInMemory: Bool = false) throws {
        try home.ensureExists()
        residentVectors = keepsVectorIndexInMemory ? ResidentVectorRows() : nil
        self.home = home
        self.embedder = embedder
        var configuration = Configuration()
        // One message however many waits: SQLite's busy handler, and `enterWAL` at open.
        let onBusy = onBusy.map(Self.once)
        configuration.busyMode = .callback(Self.busyHandler(wait: busyWait, onBusy: onBusy))
        configuration.prepareDatabase { db in
            // 16 KiB pages for new stores (a no-op on existing ones): rows of a few KB with
            // their embedding fit a page, and a 100k merge writes a third less.
            try db.execute(sql: "PRAGMA page_size = 16384")
            try Self.enterWAL(db, wait: busyWait, onBusy: onBusy)
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let path = home.databaseURL.path
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            let migrator = Schema.migrator()
            let known = Set(migrator.migrations)
            let applied = try database.read { db in try migrator.appliedIdentifiers(db) }
            if !applied.isSubset(of: known) {
                throw MemoryStoreError.newerSchema(path: path, version: applied.count, supported: known.count)
            }
            // Most runs find the schema current: no write transaction for them.
            if applied != known { try migrator.migrate(database) }
        } catch let error as MemoryStoreError {
            throw error
        } catch {
            throw MemoryStoreError.cannotOpenStore(path: path, reason: "\(error)")
        }
    }

    /// `action`, run the first time the result is called and never again.
    static func once(_ action: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        let done = Locked(false)
        return {
            let first = done.withLock { d -> Bool in
                defer { d = true }
                return !d
            }
            if first { action() }
        }
    }

    /// SQLite's busy handler: sleeps a little longer each time (1 ms up to 50 ms) until
    /// `wait` seconds have passed since the lock was first met, telling `onBusy` once.
    static func busyHandler(wait: TimeInterval, onBusy: (@Sendable () -> Void)?) -> Database.BusyCallback {
        let state = Locked<(start: Date?, told: Bool)>((nil, false))
        return { tries in
            let now = Date()
            let (start, tell) = state.withLock { s -> (Date, Bool) in
                if tries == 0 || s.start == nil { s.start = now }
                let tell = !s.told && now.timeIntervalSince(s.start!) >= 1
                if tell { s.told = true }
                return (s.start!, tell)
            }
            if tell { onBusy?() }
            guard now.timeIntervalSince(start) < wait else { return false }
            usleep(useconds_t(min(50, 1 + Int(tries)) * 1000))
            return true
        }
    }

    /// Runs `body` in one write transaction (rolled back if it throws).
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try database.write(body)
        } catch {
            throw storeError(error)
        }
    }

    /// Runs `body` in one read transaction: a consistent view even while others write.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try database.read(body)
        } catch {
            throw storeError(error)
        }
    }

    /// SQLite's errors as the store's own (busy, or a database error naming the
    /// store); every other error passes through unchanged.
    func storeError(_ error: any Error) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        if error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            return MemoryStoreError.busy(path: home.databaseURL.path)
        }
        return MemoryStoreError.database(path: home.databaseURL.path, reason: error.message ?? "\(error.resultCode)")
    }

    // MARK: Everyday operations

    /// Stores a new observation with a fresh id, its summary, hash and embedding.
    public func add(_ draft: NewObservation, now: Double = Date().timeIntervalSince1970) throws -> Observation {
        let content = ContentPreparation.clean(draft.content)
        guard !content.isEmpty else { throw MemoryStoreError.emptyContent }
        if let id = draft.id, !StrictRecord.isValidID(id) { throw MemoryStoreError.invalidID(id) }
        var observation = Observation(
            id: draft.id ?? UUIDString.random(),
            sessionID: draft.sessionID,
            project: draft.project,
            type: draft.type,
            concept: draft.concept,
            title: draft.title.flatMap { $0.isEmpty ? nil : $0 },
            content: content,
            summary: ContentPreparation.summary(of: content),
            createdAt: now,
            importanceScore: draft.importanceScore,
            tags: draft.tags,
            metadata: draft.metadata
        )
        observation.embedding = try embed(observation)
        try write { db in
            if try ObservationRow.exists(id: observation.id, in: db) {
                throw MemoryStoreError.idExists(observation.id)
            }
            try Tombstones.clear(observation.id, in: db)
            try ObservationRow.insert(observation, in: db)
        }
        return observation
    }

    /// The embedding of an observation by this store's embedder.
    func embed(_ observation: Observation) throws -> Embedding {
        Embedding(model: embedder.modelID, vector: try embedder.embed([observation.searchableText])[0])
    }

    /// The observation whose id is `idOrPrefix`, or the only one whose id starts with it.
    public func observation(_ idOrPrefix: String) throws -> Observation {
        try read { db in try Self.resolve(idOrPrefix, in: db) }
    }

    static func resolve(_ idOrPrefix: String, in db: Database) throws -> Observation {
        let sql = "SELECT \(Schema.observationColumns) FROM observations"
        if let row = try Row.fetchOne(db, sql: sql + " WHERE id = ?", arguments: [idOrPrefix]) {
            return try ObservationRow.decode(row)
        }
        guard idOrPrefix.count >= 4 else { throw MemoryStoreError.notFound(id: idOrPrefix) }
        let escaped = idOrPrefix.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
        let rows = try Row.fetchAll(db, sql: sql + " WHERE id LIKE ? ESCAPE '\\' LIMIT 2", arguments: [escaped + "%"])
        if rows.count > 1 {
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM observations WHERE id LIKE ? ESCAPE '\\'", arguments: [escaped + "%"]) ?? 2
            throw MemoryStoreError.ambiguousID(prefix: idOrPrefix, matches: count)
        }
        guard let row = rows.first else { throw MemoryStoreError.notFound(id: idOrPrefix) }
        return try ObservationRow.decode(row)
    }

    /// Observations matching `filter`, newest first.
    public func list(_ filter: ObservationFilter = ObservationFilter(), limit: Int? = nil) throws -> [Observation] {
        try read { db in
            let condition = filter.sqlCondition
            var sql = "SELECT \(Schema.observationColumns) FROM observations o WHERE \(condition.sql) ORDER BY o.created_at DESC, o.seq DESC"
            if let limit { sql += " LIMIT \(max(0, limit))" }
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(condition.arguments)).map { try ObservationRow.decode($0) }
        }
    }

    /// Deletes one observation (by id or unique prefix) and returns it. A memory of
    /// the store's own user (no author, or one of `ownKeyIDs`) leaves a tombstone that
    /// travels; anyone else's, a local one (docs/FORMAT.md §6.3).
    @discardableResult
    public func delete(_ idOrPrefix: String, ownKeyIDs: Set<String>, now: Double = Date().timeIntervalSince1970) throws -> Observation {
        try write { db in
            let observation = try Self.resolve(idOrPrefix, in: db)
            try ObservationRow.delete(id: observation.id, in: db)
            try Tombstones.record(id: observation.id, author: observation.author, local: !Self.isOwn(observation.author, ownKeyIDs),
                                  at: now, in: db)
            return observation
        }
    }

    /// Whether a row's author is the store's own user.
    static func isOwn(_ author: String?, _ ownKeyIDs: Set<String>) -> Bool {
        author.map(ownKeyIDs.contains) ?? true
    }

    /// Forgets every observation matching `filter` (say, every row one author wrote)
    /// in one transaction; with `dryRun`, only says which. Returns their ids, oldest first.
    public func deleteAll(matching filter: ObservationFilter, ownKeyIDs: Set<String>, dryRun: Bool = false,
                          now: Double = Date().timeIntervalSince1970) throws -> [String] {
        try write { db in
            let condition = filter.sqlCondition
            let rows = try Row.fetchAll(db, sql: "SELECT o.id, o.author_key_id FROM observations o WHERE \(condition.sql) ORDER BY o.created_at, o.seq",
                                        arguments: StatementArguments(condition.arguments))
            if !dryRun {
                for row in rows {
                    _ = try ObservationRow.delete(id: row[0], in: db)
                    let author: String? = row[1]
                    try Tombstones.record(id: row[0], author: author, local: !Self.isOwn(author, ownKeyIDs), at: now, in: db)
                }
            }
            return rows.map { $0[0] }
        }
    }

    /// Counts for `ai-mem stats`.
    public func stats() throws -> StoreStats {
        try read { db in
            let observations = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM observations") ?? 0
            let projects = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT project) FROM observations") ?? 0
            let types = try Row.fetchAll(db, sql: "SELECT type, COUNT(*) FROM observations GROUP BY type ORDER BY COUNT(*) DESC, type")
                .map { StoreStats.Count(name: $0[0], count: $0[1]) }
            let models = try Row.fetchAll(db, sql: """
                SELECT COALESCE(embedding_model || ' (' || embedding_dim || '-d)', 'none'), COUNT(*)
                FROM observations GROUP BY embedding_model, embedding_dim ORDER BY COUNT(*) DESC
                """).map { StoreStats.Count(name: $0[0], count: $0[1]) }
            let oldest = try Double.fetchOne(db, sql: "SELECT MIN(created_at) FROM observations")
            let newest = try Double.fetchOne(db, sql: "SELECT MAX(created_at) FROM observations")
            let size = (try? FileManager.default.attributesOfItem(atPath: home.databaseURL.path)[.size] as? Int) ?? 0
            return StoreStats(
                home: home.path, observations: observations, projects: projects, types: types,
                embeddingModel: embedder.modelID, embeddingDimension: embedder.dimension, embeddingsByModel: models,
                oldest: oldest, newest: newest, databaseBytes: size)
        }
    }
}

/// What `add` needs from the user; everything else is computed.
public struct NewObservation: Sendable {
    public var id: String?
    public var content: String
    public var project: String
    public var type: String
    public var title: String?
    public var concept: String?
    public var sessionID: String?
    public var tags: [String]
    public var metadata: JSONObject
    public var importanceScore: Double

    public init(
        content: String, project: String, type: String = "note", title: String? = nil, concept: String? = nil,
        sessionID: String? = nil, tags: [String] = [], metadata: JSONObject = JSONObject(), importanceScore: Double = 0.5,
        id: String? = nil
    ) {
        self.id = id
        self.content = content
        self.project = project
        self.type = type
        self.title = title
        self.concept = concept
        self.sessionID = sessionID
        self.tags = tags
        self.metadata = metadata
        self.importanceScore = importanceScore
    }
}

/// The figures `ai-mem stats` shows.
public struct StoreStats: Sendable, Equatable {
    public struct Count: Sendable, Equatable {
        public var name: String
        public var count: Int
    }

    public var home: String
    public var observations: Int
    public var projects: Int
    public var types: [Count]
    public var embeddingModel: String
    public var embeddingDimension: Int
    public var embeddingsByModel: [Count]
    public var oldest: Double?
    public var newest: Double?
    public var databaseBytes: Int

    /// Observations whose embedding is of another model or dimension than the
    /// store's embedder (or missing): not searchable by meaning until reindexed.
    public var embeddingsOfOtherModels: Int {
        let current = "\(embeddingModel) (\(embeddingDimension)-d)"
        return embeddingsByModel.filter { $0.name != current }.reduce(0) { $0 + $1.count }
    }
}

extension MemoryStore {
    /// Runs SQLite's `integrity_check` and FTS5's own check; returns the problems found (none: healthy).
    public func checkIntegrity() throws -> [String] {
        // FTS5's check is spelled as an INSERT, so it runs in a write transaction; it changes nothing.
        try write { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            do {
                try db.execute(sql: "INSERT INTO observations_fts(observations_fts, rank) VALUES ('integrity-check', 1)")
            } catch {
                problems.append("keyword index: \(error)")
            }
            return problems
        }
    }
}
