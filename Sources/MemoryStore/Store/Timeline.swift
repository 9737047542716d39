import AIMemCore
import Foundation
import GRDB

extension MemoryStore {
    /// The memories written just before and just after `id` (by creation time, in
    /// `filter`), each side in time order: what happened around a memory.
    public func timeline(around idOrPrefix: String, before: Int, after: Int, filter: ObservationFilter = ObservationFilter())
        throws -> (anchor: Observation, before: [Observation], after: [Observation]) {
        try read { db in
            let anchor = try Self.resolve(idOrPrefix, in: db)
            guard let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM observations WHERE id = ?", arguments: [anchor.id]) else {
                throw MemoryStoreError.notFound(id: idOrPrefix)
            }
            let condition = filter.sqlCondition
            func side(_ comparison: String, _ order: String, _ limit: Int) throws -> [Observation] {
                guard limit > 0 else { return [] }
                var arguments = condition.arguments
                arguments["anchor_time"] = anchor.createdAt
                arguments["anchor_seq"] = seq
                let sql = """
                    SELECT \(Schema.observationColumns) FROM observations o
                    WHERE (o.created_at, o.seq) \(comparison) (:anchor_time, :anchor_seq) AND \(condition.sql)
                    ORDER BY o.created_at \(order), o.seq \(order) LIMIT \(limit)
                    """
                return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { try ObservationRow.decode($0) }
            }
            return (anchor, try side("<", "DESC", before).reversed(), try side(">", "ASC", after))
        }
    }

    /// How many memories have no vector of this store's embedder yet (semantic
    /// search cannot find them until `ai-mem reindex`).
    public func memoriesWithoutVectors() throws -> Int {
        try read { db in
            // Counted again only when the store changed (every write moves its
            // generation or deletion counter): the count walks the whole index.
            let state = try VectorIndex.state(db)
            if let known = withoutVectorsCount.withLock({ $0 }), known.state == state { return known.count }
            // The (model, dimension) index alone answers: no row (and no vector) is read.
            let count = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM observations INDEXED BY observations_by_model WHERE embedding_model IS NOT ? OR embedding_dim IS NOT ?
                """, arguments: [embedder.modelID, embedder.dimension]) ?? 0
            withoutVectorsCount.withLock { $0 = (state, count) }
            return count
        }
    }
}

extension MemoryStore {
    /// How many memories have no embedding of any model (what an import or merge
    /// with a slow embedder left for a reindex).
    public func memoriesWithoutEmbedding() throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM observations INDEXED BY observations_by_model WHERE embedding_model IS NULL") ?? 0
        }
    }
}
