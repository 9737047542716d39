import Foundation

/// Strict reading of snapshot records (docs/FORMAT.md §4.2): every member
/// present with its exact type, no unknown members, bounded sizes, finite numbers.
public enum StrictRecord {
    public static let maxIDBytes = 200

    /// A record id: 1 to 200 bytes, without U+0000 (docs/FORMAT.md §4.2).
    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= maxIDBytes && !id.utf8.contains(0)
    }
    static let members: Set<String> = [
        "id", "session_id", "project", "type", "concept", "title", "content", "summary", "content_hash",
        "created_at", "updated_at", "importance_score", "tags", "metadata", "diff", "assets", "embedding",
    ]

    /// Why a record was refused.
    public struct Invalid: Error, Equatable, Sendable {
        public var reason: String
        public init(reason: String) { self.reason = reason }
    }

    /// The observation in `value`; `expected` is the snapshot's declared embedding
    /// (records of that model must have its dimension).
    public static func decode(_ value: JSONValue, expected: (model: String, dim: Int)?) throws -> Observation {
        guard case .object(let r) = value else { throw Invalid(reason: "a record must be a JSON object") }
        for key in r.keys where !members.contains(key) { throw Invalid(reason: "unknown field \"\(key)\"") }
        for key in members where r[key] == nil { throw Invalid(reason: "missing field \"\(key)\"") }
        func string(_ key: String) throws -> String {
            guard case .string(let s)? = r[key] else { throw Invalid(reason: "\"\(key)\" must be a string") }
            return s
        }
        func optionalString(_ key: String) throws -> String? {
            switch r[key] {
            case .null?: return nil
            case .string(let s)?: return s
            default: throw Invalid(reason: "\"\(key)\" must be a string or null")
            }
        }
        func number(_ key: String) throws -> Double {
            guard case .number(let text)? = r[key], let d = Double(text), d.isFinite else {
                throw Invalid(reason: "\"\(key)\" must be a finite number")
            }
            return d
        }
        let id = try string("id")
        guard isValidID(id) else { throw Invalid(reason: "\"id\" must be 1 to \(maxIDBytes) bytes, without U+0000") }
        let type = try string("type")
        guard !type.isEmpty else { throw Invalid(reason: "\"type\" must not be empty") }
        let content = try string("content")
        guard !content.isEmpty else { throw Invalid(reason: "\"content\" must not be empty") }
        let hash = try string("content_hash")
        guard ContentHash.isWellFormed(hash) else { throw Invalid(reason: "\"content_hash\" must be 64 lowercase hex digits") }
        guard case .array(let tagValues)? = r["tags"] else { throw Invalid(reason: "\"tags\" must be an array") }
        var tags: [String] = []
        for t in tagValues {
            guard case .string(let s) = t else { throw Invalid(reason: "\"tags\" must hold strings only") }
            tags.append(s)
        }
        guard case .object(let metadata)? = r["metadata"] else { throw Invalid(reason: "\"metadata\" must be an object") }
        guard case .array(let assets)? = r["assets"] else { throw Invalid(reason: "\"assets\" must be an array") }
        var embedding: Embedding? = nil
        if let e = r["embedding"], !e.isNull {
            do {
                embedding = try ObservationCodec.decodeEmbedding(e, exactMembers: true)
            } catch let error as ObservationCodec.Unusable {
                throw Invalid(reason: error.reason)
            }
            if let expected, embedding!.model == expected.model, embedding!.dimension != expected.dim {
                throw Invalid(reason: "embedding of \(expected.model) has dimension \(embedding!.dimension), the snapshot declares \(expected.dim)")
            }
        }
        return Observation(
            id: id, sessionID: try optionalString("session_id"), project: try string("project"), type: type,
            concept: try optionalString("concept"), title: try optionalString("title"), content: content,
            summary: try optionalString("summary"), contentHash: hash, createdAt: try number("created_at"),
            updatedAt: try number("updated_at"), importanceScore: try number("importance_score"), tags: tags,
            metadata: metadata, diff: try optionalString("diff"), assets: assets, embedding: embedding)
    }
}
