/// One memory: a fact, decision, fix or note that an assistant learned, with the
/// fields of the Python ai-mem's model and an optional embedding.
public struct Observation: Sendable, Equatable {
    /// A UUID for new observations; kept exactly as given on import.
    public var id: String
    public var sessionID: String?
    /// Where the memory belongs; by default the working directory's path.
    public var project: String
    /// note, decision, bugfix, discovery, …
    public var type: String
    public var concept: String?
    public var title: String?
    public var content: String
    public var summary: String?
    /// SHA-256 (lowercase hex) of the UTF-8 content.
    public var contentHash: String
    /// Seconds since the Unix epoch.
    public var createdAt: Double
    public var updatedAt: Double
    public var importanceScore: Double
    public var tags: [String]
    /// Always a JSON object.
    public var metadata: JSONObject
    public var diff: String?
    /// A JSON array (attachments, as ai-mem writes them).
    public var assets: [JSONValue]
    public var embedding: Embedding?
    /// Who wrote this version: the key ID of their identity, or nil for the store's
    /// own user (what was added, imported or edited here). Not part of a record line:
    /// a store knows it from where the row came from.
    public var author: String?

    public init(
        id: String, sessionID: String? = nil, project: String, type: String = "note", concept: String? = nil,
        title: String? = nil, content: String, summary: String? = nil, contentHash: String? = nil,
        createdAt: Double, updatedAt: Double? = nil, importanceScore: Double = 0.5, tags: [String] = [],
        metadata: JSONObject = JSONObject(), diff: String? = nil, assets: [JSONValue] = [], embedding: Embedding? = nil,
        author: String? = nil
    ) {
        self.id = id
        self.sessionID = sessionID
        self.project = project
        self.type = type
        self.concept = concept
        self.title = title
        self.content = content
        self.summary = summary
        self.contentHash = contentHash ?? ContentHash.of(content)
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.importanceScore = importanceScore
        self.tags = tags
        self.metadata = metadata
        self.diff = diff
        self.assets = assets
        self.embedding = embedding
        self.author = author
    }

    /// The text that embedders and keyword search see for this observation.
    public var searchableText: String {
        var parts: [String] = []
        if let title, !title.isEmpty { parts.append(title) }
        parts.append(content)
        if !tags.isEmpty { parts.append(tags.joined(separator: " ")) }
        return parts.joined(separator: "\n")
    }
}
