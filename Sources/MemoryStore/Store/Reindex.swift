import AIMemCore
import Foundation
import GRDB

/// What `reindex` did.
public struct ReindexReport: Sendable, Equatable {
    public var model: String
    public var dimension: Int
    /// Observations re-embedded with the current embedder.
    public var reembedded = 0
    /// Observations whose embedding already was the current model's (or, for
    /// `.missing`, that had an embedding of any model).
    public var alreadyCurrent = 0
    /// The models the re-embedded observations had before ("none": no embedding), with counts.
    public var previousModels: [String: Int] = [:]
    /// Observations edited or deleted while their vector was being computed (left to
    /// their new version, which got its own vector).
    public var changedMeanwhile = 0
}

/// Which observations `reindex` embeds.
public enum ReindexScope: String, Sendable, Equatable {
    /// Those without an embedding (what an import or merge left for later).
    case missing
    /// Those without an embedding of the current model: none, or another model's or dimension.
    case stale
    /// Every observation.
    case all
}

extension MemoryStore {
    /// Observations per batch: each batch is read, embedded with no lock held, then
    /// written in one short transaction, so an interrupted reindex keeps what it
    /// finished, the next run goes on from there, and other writers wait at most
    /// for one batch's write (not its embedding).
    public static let reindexBatch = 32

    /// How often, at most, a long reindex makes vector indexes rebuild (they cannot
    /// append rows whose vector changed in place): new vectors reach semantic search
    /// within this many seconds without a rebuild per batch.
    public static let reindexIndexRefresh: TimeInterval = 10

    /// Re-embeds every observation whose embedding is not of this store's embedder
    /// (another model or dimension, or none); with `all`, every observation.
    /// `progress(done, total)` is called after each batch.
    public func reindex(all: Bool = false, progress: (Int, Int) -> Void = { _, _ in }) throws -> ReindexReport {
        try reindex(all ? .all : .stale, progress: progress)
    }

    /// Embeds the observations of `scope`, oldest row first, including those added
    /// while it runs. `progress(done, total)` is called after each batch (`total`
    /// grows when rows arrive meanwhile).
    public func reindex(_ scope: ReindexScope, progress: (Int, Int) -> Void = { _, _ in }) throws -> ReindexReport {
        let model = embedder.modelID
        let dimension = embedder.dimension
        guard dimension > 0 else {
            // An HTTP embedder that could not reach its server: embedding one text reports why.
            _ = try embedder.embed(["reindex"])
            throw MemoryStoreError.embedderMisbehaved(model: model, reason: "has no dimension")
        }
        var report = ReindexReport(model: model, dimension: dimension)
        let condition: String
        switch scope {
        case .missing: condition = "embedding IS NULL"
        case .stale: condition = "(embedding IS NULL OR embedding_model IS NOT :model OR embedding_dim IS NOT :dim)"
        case .all: condition = "1"
        }
        let arguments: StatementArguments = ["model": model, "dim": dimension]
        var total = try read { db -> Int in
            let all = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM observations") ?? 0
            let selected = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM observations WHERE \(condition)", arguments: arguments) ?? 0
            report.alreadyCurrent = all - selected
            return selected
        }
        var lastSeq: Int64 = 0
        var done = 0
        var lastRefresh = Date()
        var refreshPending = false
        progress(0, total)
        while true {
            let rows = try read { db in
                try Row.fetchAll(db, sql: """
                    SELECT seq, embedding_model, \(Schema.observationColumns) FROM observations
                    WHERE seq > :after AND \(condition) ORDER BY seq LIMIT \(Self.reindexBatch)
                    """, arguments: arguments + ["after": lastSeq])
            }
            guard let last = rows.last else { break }
            lastSeq = last[0]
            let observations = try rows.map { try ObservationRow.decode($0, offset: 2) }
            let vectors = try embedder.embed(observations.map(\.searchableText))
            guard vectors.count == rows.count, vectors.allSatisfy({ $0.count == dimension && $0.allSatisfy(\.isFinite) }) else {
                throw MemoryStoreError.embedderMisbehaved(model: model, reason: "returned vectors of the wrong size or with non-finite values")
            }
            let refresh = Date().timeIntervalSince(lastRefresh) >= Self.reindexIndexRefresh
            try write { db in
                // A row edited (a new version), redacted or deleted since it was read is left alone.
                let update = try db.cachedStatement(sql: """
                    UPDATE observations SET embedding_model = :model, embedding_dim = :dim, embedding = :embedding
                    WHERE seq = :seq AND content_hash = :hash AND \(condition)
                    """)
                var written = 0
                for (i, vector) in vectors.enumerated() {
                    let blob = Data(Embedding(model: model, vector: vector).littleEndianBytes)
                    try update.execute(arguments: arguments + ["embedding": blob, "seq": rows[i][0] as Int64, "hash": observations[i].contentHash])
                    if db.changesCount == 1 {
                        written += 1
                        report.previousModels[(rows[i][1] as String?) ?? "none", default: 0] += 1
                    } else {
                        report.changedMeanwhile += 1
                    }
                }
                guard written > 0 else { return }
                try ObservationRow.bumpGeneration(db)
                refreshPending = true
                // Rows changed in place: vector indexes must rebuild, not append (at most every few seconds).
                if refresh {
                    try ObservationRow.bumpDeletions(db)
                    refreshPending = false
                }
                report.reembedded += written
            }
            if refresh { lastRefresh = Date() }
            done += rows.count
            total = max(total, done)
            progress(done, total)
        }
        if refreshPending { try write { db in try ObservationRow.bumpDeletions(db) } }
        return report
    }
}
