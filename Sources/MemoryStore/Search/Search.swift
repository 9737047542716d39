import AIMemCore
import Foundation
import GRDB

extension MemoryStore {
    /// The constant of reciprocal rank fusion (Cormack et al. use 60).
    static let fusionK = 60.0

    /// Searches the store. Keyword search falls back from all-words to any-word
    /// matching when no observation has every word.
    public func search(_ query: String, mode: SearchMode = .hybrid, limit: Int = 10, filter: ObservationFilter = ObservationFilter()) throws -> [SearchHit] {
        let limit = max(0, limit)
        guard limit > 0 else { return [] }
        switch mode {
        case .keyword:
            let ranked = try keywordRanking(query, limit: limit, filter: filter).ranked
            return try hits(ranked.enumerated().map { ($0.element.seq, $0.element.score, $0.offset + 1, nil) })
        case .semantic:
            let ranked = try semanticRanking(query, limit: limit, filter: filter)
            return try hits(ranked.enumerated().map { ($0.element.seq, $0.element.score, nil, $0.offset + 1) })
        case .hybrid:
            let depth = max(limit * 5, 50)
            let keyword: (ranked: [(seq: Int64, score: Double)], everyWord: Bool)
            let semantic: [(seq: Int64, score: Double)]
            if filter == ObservationFilter() {
                // SQLite answers the keyword query on another thread while this one
                // embeds the query (a model may take milliseconds) and scans the vector index.
                let keywordWork = WorkerThread(name: "keyword-search") { try self.keywordRanking(query, limit: depth, filter: filter, everyWordOnly: true) }
                do {
                    let index = VectorIndex(home: home, model: embedder.modelID, dimension: embedder.dimension)
                    if let q = try queryVector(query), let state = try read({ db in try index.prepare(db) }) {
                        let candidates = max(depth * VectorIndex.candidatesPerResult, VectorIndex.minimumCandidates)
                        let found = index.scan(query: q, state: state, candidates: candidates, resident: residentVectors)
                        semantic = try indexedSemanticRanking(q, limit: depth, scanned: (state, found)) ?? semanticRanking(query, limit: depth, filter: filter)
                    } else {
                        semantic = try semanticRanking(query, limit: depth, filter: filter)
                    }
                } catch {
                    _ = try? keywordWork.join()
                    throw error
                }
                keyword = try keywordWork.join()
            } else {
                keyword = try keywordRanking(query, limit: depth, filter: filter, everyWordOnly: true)
                semantic = try semanticRanking(query, limit: depth, filter: filter)
            }
            var fused: [Int64: (score: Double, keyword: Int?, semantic: Int?)] = [:]
            // Keyword ranks count when they match every word of the query. Matches of
            // only some words (keyword search's fallback) are left out: for a question
            // asked in other words than its answer they rank memories that merely share
            // its common words, and fused in they lowered recall@5 on the labelled
            // retrieval set from 1.00 (semantic alone) to 0.68.
            for (i, entry) in (keyword.everyWord ? keyword.ranked : []).enumerated() {
                fused[entry.seq, default: (0, nil, nil)].score += 1 / (Self.fusionK + Double(i + 1))
                fused[entry.seq]!.keyword = i + 1
            }
            for (i, entry) in semantic.enumerated() {
                fused[entry.seq, default: (0, nil, nil)].score += 1 / (Self.fusionK + Double(i + 1))
                fused[entry.seq]!.semantic = i + 1
            }
            let top = fused.sorted { a, b in
                a.value.score != b.value.score ? a.value.score > b.value.score : a.key > b.key
            }.prefix(limit)
            return try hits(top.map { ($0.key, $0.value.score, $0.value.keyword, $0.value.semantic) })
        }
    }

    /// Row numbers and BM25 scores (negated: higher is better), best first, and
    /// whether they match every word of the query (else: any word).
    /// `everyWordOnly`: no fallback to any-word matches (hybrid search leaves them
    /// out, and ranking every memory holding a common word costs tens of milliseconds).
    func keywordRanking(_ query: String, limit: Int, filter: ObservationFilter, everyWordOnly: Bool = false) throws -> (ranked: [(seq: Int64, score: Double)], everyWord: Bool) {
        let words = KeywordQuery.words(query)
        guard !words.isEmpty else { return ([], true) }
        return try read { db in
            let condition = filter.sqlCondition
            // Weights: title, summary, content, tags.
            // Without a filter, the FTS table alone answers (no lookup per match).
            let sql = filter == ObservationFilter() ? """
                SELECT rowid, bm25(observations_fts, 4.0, 1.0, 1.0, 2.0) AS rank
                FROM observations_fts WHERE observations_fts MATCH :match
                ORDER BY rank LIMIT \(limit)
                """ : """
                SELECT f.rowid, bm25(observations_fts, 4.0, 1.0, 1.0, 2.0) AS rank
                FROM observations_fts f JOIN observations o ON o.seq = f.rowid
                WHERE observations_fts MATCH :match AND \(condition.sql)
                ORDER BY rank LIMIT \(limit)
                """
            for (match, everyWord) in [(KeywordQuery.all(words), true), (KeywordQuery.any(words), false)] {
                var arguments = condition.arguments
                arguments["match"] = match
                let rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
                if !rows.isEmpty || words.count == 1 || everyWordOnly {
                    return (rows.map { (seq: $0[0], score: -($0[1] as Double)) }, everyWord)
                }
            }
            return ([], false)
        }
    }

    /// Row numbers and cosine similarities to the query, best first, among
    /// observations embedded by this store's embedder (same model and dimension).
    func semanticRanking(_ query: String, limit: Int, filter: ObservationFilter) throws -> [(seq: Int64, score: Double)] {
        guard let q = try queryVector(query) else { return [] }
        if filter == ObservationFilter(), let ranked = try indexedSemanticRanking(q, limit: limit) { return ranked }
        return try read { db in
            let condition = filter.sqlCondition
            var arguments = condition.arguments
            arguments["model"] = embedder.modelID
            arguments["dim"] = embedder.dimension
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT o.seq, o.embedding FROM observations o
                WHERE o.embedding_model = :model AND o.embedding_dim = :dim AND \(condition.sql)
                """, arguments: StatementArguments(arguments))
            return try Self.exactRanking(cursor, query: q, limit: limit)
        }
    }

    /// Semantic ranking through the vector index (built or rebuilt here when stale):
    /// int8 candidates, re-ranked with the exact float32 vectors. nil when the
    /// index cannot be used (say, the home is read-only): the caller scans SQLite.
    /// `scanned`: a scan already made, and the index state it was made for.
    func indexedSemanticRanking(_ q: [Float], limit: Int,
                                scanned: (state: VectorIndex.State, found: [(seq: Int64, approximate: Float)]?)? = nil) throws -> [(seq: Int64, score: Double)]? {
        let index = VectorIndex(home: home, model: embedder.modelID, dimension: embedder.dimension)
        let candidates = max(limit * VectorIndex.candidatesPerResult, VectorIndex.minimumCandidates)
        return try read { db -> [(seq: Int64, score: Double)]? in
            guard let state = try index.prepare(db) else { return nil }
            var found = scanned?.state == state ? scanned?.found : nil
            if found == nil { found = index.scan(query: q, state: state, candidates: candidates, resident: residentVectors) }
            guard let found else { return nil }
            guard !found.isEmpty else { return [] }
            let placeholders = Array(repeating: "?", count: found.count).joined(separator: ",")
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, embedding FROM observations WHERE seq IN (\(placeholders))",
                                           arguments: StatementArguments(found.map(\.seq)))
            return try Self.exactRanking(rows, query: q, limit: limit)
        }
    }

    /// The `limit` best of `(seq, embedding)` rows by exact float32 dot product with
    /// `q` (only positive, finite scores; vectors of another size are skipped).
    static func exactRanking(_ rows: RowCursor, query q: [Float], limit: Int) throws -> [(seq: Int64, score: Double)] {
        var best = TopK(capacity: limit)
        while let row = try rows.next() {
            let seq: Int64 = row[0]
            let score: Float? = try row.withUnsafeData(atIndex: 1) { data -> Float? in
                guard let data, data.count == q.count * 4 else { return nil }
                return data.withUnsafeBytes { raw in VectorMath.dotLittleEndian(q, raw) }
            }
            if let score, score.isFinite, score > 0 { best.insert(seq: seq, score: Double(score)) }
        }
        return best.sorted()
    }

    /// The query's embedding, or nil for an empty query or a vector of the wrong size.
    func queryVector(_ query: String) throws -> [Float]? {
        let trimmed = query.trimmingWhitespace()
        guard !trimmed.isEmpty else { return nil }
        let q = try embedder.embed([trimmed])[0]
        return q.count == embedder.dimension ? q : nil
    }

    /// Loads the observations of a ranking, in ranking order.
    private func hits(_ ranking: [(Int64, Double, Int?, Int?)]) throws -> [SearchHit] {
        guard !ranking.isEmpty else { return [] }
        return try read { db in
            let placeholders = Array(repeating: "?", count: ranking.count).joined(separator: ",")
            let rows = try Row.fetchAll(db, sql: "SELECT seq, \(Schema.observationColumns) FROM observations WHERE seq IN (\(placeholders))",
                                        arguments: StatementArguments(ranking.map(\.0)))
            var bySeq: [Int64: Observation] = [:]
            for row in rows { bySeq[row[0]] = try ObservationRow.decode(row, offset: 1) }
            return ranking.compactMap { entry in
                bySeq[entry.0].map { SearchHit(observation: $0, score: entry.1, keywordRank: entry.2, semanticRank: entry.3) }
            }
        }
    }
}

/// Keeps the `capacity` best-scoring entries seen: a binary min-heap, so an entry
/// better than the worst kept costs O(log capacity) (a scan of 100 000 vectors
/// for 500 candidates replaces thousands of them).
struct TopK {
    let capacity: Int
    private var entries: [(seq: Int64, score: Double)] = []

    init(capacity: Int) {
        self.capacity = max(0, capacity)
        entries.reserveCapacity(min(self.capacity, 1 << 16))
    }

    /// Whether `a` ranks below `b`: a lower score, or the same score and a lower row number.
    @inline(__always)
    private static func below(_ a: (seq: Int64, score: Double), _ b: (seq: Int64, score: Double)) -> Bool {
        a.score != b.score ? a.score < b.score : a.seq < b.seq
    }

    mutating func insert(seq: Int64, score: Double) {
        guard capacity > 0 else { return }
        let entry = (seq: seq, score: score)
        if entries.count < capacity {
            entries.append(entry)
            var child = entries.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard Self.below(entries[child], entries[parent]) else { break }
                entries.swapAt(child, parent)
                child = parent
            }
        } else if Self.below(entries[0], entry) {
            entries[0] = entry
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < entries.count, Self.below(entries[left], entries[smallest]) { smallest = left }
                if right < entries.count, Self.below(entries[right], entries[smallest]) { smallest = right }
                guard smallest != parent else { break }
                entries.swapAt(parent, smallest)
                parent = smallest
            }
        }
    }

    func sorted() -> [(seq: Int64, score: Double)] {
        entries.sorted { $0.score != $1.score ? $0.score > $1.score : $0.seq > $1.seq }
    }
}

enum VectorMath {
    /// Dot product of `a` with little-endian float32 bytes of the same length.
    static func dotLittleEndian(_ a: [Float], _ raw: UnsafeRawBufferPointer) -> Float {
        var sum: Float = 0
        a.withUnsafeBufferPointer { av in
            for i in 0..<av.count {
                let bits = raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
                sum += av[i] * Float(bitPattern: UInt32(littleEndian: bits))
            }
        }
        return sum
    }
}
