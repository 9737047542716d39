/// The columns of an observation row, in the order every observation query selects
/// them (`Schema.observationColumns`): the one place that numbers them, for
/// `ObservationRow` (GRDB rows), `RecordColumns` (binding for the merge) and
/// `RecordLineEncoder` (the export hot path).
enum ObservationColumn: Int, CaseIterable, Sendable {
    case id, sessionID, project, type, concept, title, content, summary, contentHash
    case createdAt, updatedAt, importanceScore, tags, metadata, diff, assets
    case embeddingModel, embeddingDimension, embedding
    /// Who wrote the row (NULL: the store's own user); not part of a record line.
    case authorKeyID
    /// The author's signature over this version (docs/FORMAT.md §4.6), once there is one.
    case authorSignature

    /// The SQL name.
    var name: String {
        switch self {
        case .id: return "id"
        case .sessionID: return "session_id"
        case .project: return "project"
        case .type: return "type"
        case .concept: return "concept"
        case .title: return "title"
        case .content: return "content"
        case .summary: return "summary"
        case .contentHash: return "content_hash"
        case .createdAt: return "created_at"
        case .updatedAt: return "updated_at"
        case .importanceScore: return "importance_score"
        case .tags: return "tags"
        case .metadata: return "metadata"
        case .diff: return "diff"
        case .assets: return "assets"
        case .embeddingModel: return "embedding_model"
        case .embeddingDimension: return "embedding_dim"
        case .embedding: return "embedding"
        case .authorKeyID: return "author_key_id"
        case .authorSignature: return "author_signature"
        }
    }

    /// The 0-based index in a result row (GRDB).
    var index: Int { rawValue }
    /// The 0-based index for SQLite's `sqlite3_column_*`.
    var sqliteIndex: Int32 { Int32(rawValue) }

    /// `id, session_id, …, author_key_id`: the select list.
    static let selectList = allCases.map(\.name).joined(separator: ", ")

    /// The select list with NULL for the embedding: what signing needs (embeddings are not signed).
    static let selectListWithoutEmbedding = allCases.map {
        [.embeddingModel, .embeddingDimension, .embedding].contains($0) ? "NULL AS \($0.name)" : "o.\($0.name)"
    }.joined(separator: ", ")

    /// The columns a record line carries as record members (all but the author's).
    static let recordColumns = allCases.filter { $0 != .authorKeyID && $0 != .authorSignature }

    /// The columns `ObservationRow.insert` writes (a new version has no signature yet).
    static let insertList = allCases.filter { $0 != .authorSignature }.map(\.name).joined(separator: ", ")
}
