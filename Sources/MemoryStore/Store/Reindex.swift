import AIMemCore
import Foundation
import GRDB

/// What `reindex` did.
public struct ReindexReport: Sendable, Equatable {
    public var model: String
    public var dimension: Int
    /// Observations re-embedded with the current embedder.
    public var reembedded = 0
    /// Observations whose embedding already was the current model's.
    public var alreadyCurrent = 0
    /// The models the re-embedded observations had before ("none": no embedding), with counts.
    public var previousModels: [String: Int] = [:]
}

extension MemoryStore {
    /// Observations per transaction: each batch is embedded and written in one
    /// transaction, so an interrupted reindex keeps what it finished and the next
    /// run goes on from there.
    public static let reindexBatch = 32

    /// Re-embeds every observation whose embedding is not of this store's embedder
    /// (another model or dimension, or none); with `all`, every observation.
    /// `progress(done, total)` is called after each batch.
    public func reindex(all: Bool = false, progress: (Int, Int) -> Void = { _, _ in }) throws -> ReindexReport {
        let model = embedder.modelID
        let dimension = embedder.dimension
        guard dimension > 0 else {
            // An HTTP embedder that could not reach its server: embedding one text reports why.
            _ = try embedder.embed(["reindex"])
            throw MemoryStoreError.embedderMisbehaved(model: model, reason: "has no dimension")
        }
        var report = ReindexReport(model: model, dimension: dimension)
        let stale = "embedding IS NULL OR embedding_model IS NOT :model OR embedding_dim IS NOT :dim"
        let (total, current) = try read { db -> (Int, Int) in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM observations") ?? 0
            let stale = all ? total : try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM observations WHERE \(stale)",
                                                      arguments: ["model": model, "dim": dimension]) ?? 0
            return (stale, total - stale)
        }
        report.alreadyCurrent = current
        var lastSeq: Int64 = 0
        var done = 0
        progress(0, total)
        while true {
            let finished = try write { db -> Bool in
                let rows = try Row.fetchAll(db, sql: """
                    SELECT seq, embedding_model, \(Schema.observationColumns) FROM observations
                    WHERE seq > :after \(all ? "" : "AND (\(stale))") ORDER BY seq LIMIT \(Self.reindexBatch)
                    """, arguments: ["after": lastSeq, "model": model, "dim": dimension])
                guard !rows.isEmpty else { return true }
                let observations = try rows.map { try ObservationRow.decode($0, offset: 2) }
                let vectors = try embedder.embed(observations.map(\.searchableText))
                guard vectors.count == rows.count, vectors.allSatisfy({ $0.count == dimension && $0.allSatisfy(\.isFinite) }) else {
                    throw MemoryStoreError.embedderMisbehaved(model: model, reason: "returned vectors of the wrong size or with non-finite values")
                }
                let update = try db.cachedStatement(sql: "UPDATE observations SET embedding_model = ?, embedding_dim = ?, embedding = ? WHERE seq = ?")
                for (row, vector) in zip(rows, vectors) {
                    let seq: Int64 = row[0]
                    let previous: String? = row[1]
                    report.previousModels[previous ?? "none", default: 0] += 1
                    try update.execute(arguments: [model, dimension, Data(Embedding(model: model, vector: vector).littleEndianBytes), seq])
                    lastSeq = seq
                }
                // Rows changed in place: the vector index must rebuild, not append.
                try ObservationRow.bumpGeneration(db)
                try ObservationRow.bumpDeletions(db)
                done += rows.count
                return false
            }
            if finished { break }
            progress(done, total)
        }
        report.reembedded = done
        return report
    }
}
