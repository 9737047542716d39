import AIMemCore
/// How `search` ranks observations.
public enum SearchMode: String, Sendable, CaseIterable {
    /// FTS5 with BM25 over title, summary, content and tags.
    case keyword
    /// Cosine similarity between the query's and the observations' embeddings (same model only).
    case semantic
    /// Both rankings fused by reciprocal rank fusion.
    case hybrid
}

/// One search result: the observation, its score (higher is better; the scale
/// depends on the mode) and its rank in each underlying ranking.
public struct SearchHit: Sendable, Equatable {
    public var observation: Observation
    public var score: Double
    public var keywordRank: Int?
    public var semanticRank: Int?
}
