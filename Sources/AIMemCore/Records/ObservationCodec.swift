import Foundation

/// The JSON form of an observation, shared by `--json` output, plain export and
/// import. Keys follow ai-mem's snapshot records; the embedding, when present, is
/// `{"model": …, "dim": …, "vector": base64 of little-endian float32}`.
public enum ObservationCodec {
    public enum EmbeddingForm: Sendable {
        /// No "embedding" key.
        case omitted
        /// Model and dimension only (for `list --json`, `show --json`).
        case described
        /// Model, dimension and the vector as base64.
        case full
    }

    public static func encode(_ o: Observation, embedding form: EmbeddingForm) -> JSONObject {
        var object = JSONObject()
        object.append("id", .string(o.id))
        object.append("session_id", o.sessionID.map(JSONValue.string) ?? .null)
        object.append("project", .string(o.project))
        object.append("type", .string(o.type))
        object.append("concept", o.concept.map(JSONValue.string) ?? .null)
        object.append("title", o.title.map(JSONValue.string) ?? .null)
        object.append("content", .string(o.content))
        object.append("summary", o.summary.map(JSONValue.string) ?? .null)
        object.append("content_hash", .string(o.contentHash))
        object.append("created_at", JSONValue.double(o.createdAt) ?? .null)
        object.append("updated_at", JSONValue.double(o.updatedAt) ?? .null)
        object.append("importance_score", JSONValue.double(o.importanceScore) ?? .null)
        object.append("tags", .array(o.tags.map(JSONValue.string)))
        object.append("metadata", .object(o.metadata))
        object.append("diff", o.diff.map(JSONValue.string) ?? .null)
        object.append("assets", .array(o.assets))
        switch form {
        case .omitted:
            break
        case .described:
            object.append("embedding", o.embedding.map { e in
                .object(JSONObject(["model": .string(e.model), "dim": .int(e.dimension)]))
            } ?? .null)
        case .full:
            object.append("embedding", o.embedding.map { e in
                .object(JSONObject([
                    "model": .string(e.model), "dim": .int(e.dimension),
                    "vector": .string(Base64.encode(e.littleEndianBytes)),
                ]))
            } ?? .null)
        }
        return object
    }

    /// Why a record could not be used.
    public struct Unusable: Error, Equatable, Sendable {
        public var reason: String
    }

    /// Reads a record leniently, as the importer of ai-mem files must: missing fields
    /// get defaults, a few alternative shapes are accepted. Fails only when nothing
    /// usable is there (not an object, no text, an id that is not a string).
    public static func decodeLenient(_ value: JSONValue, defaultProject: String, now: Double) throws -> (observation: Observation, embeddingProblem: String?) {
        guard case .object(let r) = value else { throw Unusable(reason: "not a JSON object but a \(value.kindName)") }
        func string(_ key: String) throws -> String? {
            switch r[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            case .number(let n)?: return n
            case .bool(let b)?: return b ? "true" : "false"
            case let other?: throw Unusable(reason: "\"\(key)\" is a \(other.kindName), not a string")
            }
        }
        let content = try string("content") ?? (try string("text")) ?? (try string("summary"))
        guard let content, !content.isEmpty else { throw Unusable(reason: "no content (neither \"content\" nor \"summary\")") }
        let id: String
        switch r["id"] {
        case .string(let s)? where StrictRecord.isValidID(s):
            id = s
        case .number(let n)?:
            id = n
        case nil, .null?:
            id = derivedID(r)
        case let other?:
            throw Unusable(reason: "\"id\" must be a non-empty string of at most 200 bytes without U+0000, not \(other.kindName == "string" ? "that one" : "a " + other.kindName)")
        }
        let createdAt = timestamp(r["created_at"]) ?? timestamp(r["timestamp"]) ?? now
        let updatedAt = timestamp(r["updated_at"]) ?? createdAt
        let givenHash = try string("content_hash")
        var observation = Observation(
            id: id,
            sessionID: try string("session_id"),
            project: try string("project") ?? defaultProject,
            type: try string("type") ?? (try string("obs_type")) ?? "note",
            concept: try string("concept"),
            title: try string("title"),
            content: content,
            summary: try string("summary") ?? ContentPreparation.summary(of: content),
            contentHash: givenHash.flatMap { ContentHash.isWellFormed($0) ? $0 : nil },
            createdAt: createdAt,
            updatedAt: updatedAt,
            importanceScore: r["importance_score"]?.doubleValue.flatMap { $0.isFinite ? $0 : nil } ?? 0.5,
            tags: tags(r["tags"]),
            metadata: metadata(r["metadata"]),
            diff: try string("diff"),
            assets: r["assets"]?.arrayValue ?? []
        )
        var embeddingProblem: String? = nil
        if let e = r["embedding"], !e.isNull {
            do {
                observation.embedding = try decodeEmbedding(e)
            } catch let error as Unusable {
                embeddingProblem = error.reason
            }
        }
        return (observation, embeddingProblem)
    }

    /// Reads `{"model": …, "dim": …, "vector": base64}`: the vector in canonical
    /// base64; with `exactMembers` (snapshot records), no other member either.
    public static func decodeEmbedding(_ value: JSONValue, exactMembers: Bool = false) throws -> Embedding {
        guard case .object(let e) = value else { throw Unusable(reason: "embedding is not an object") }
        if exactMembers, let extra = e.keys.first(where: { !["model", "dim", "vector"].contains($0) }) {
            throw Unusable(reason: "unknown field \"\(extra)\" in embedding")
        }
        guard case .string(let model)? = e["model"], !model.isEmpty, model.utf8.count <= 200 else {
            throw Unusable(reason: "embedding has no model id")
        }
        guard case .number(let dimText)? = e["dim"], let dim = Int(dimText), dim > 0, dim <= Embedding.maxDimension else {
            throw Unusable(reason: "embedding dimension missing or out of range (1…\(Embedding.maxDimension))")
        }
        guard case .string(let base64)? = e["vector"], let raw = Base64.decode(base64) else {
            throw Unusable(reason: "embedding vector is not canonical base64")
        }
        guard raw.count == dim * 4, let vector = raw.withUnsafeBytes({ Embedding.vector(fromLittleEndian: $0) }) else {
            throw Unusable(reason: "embedding vector has \(raw.count) bytes, expected \(dim * 4) for dimension \(dim)")
        }
        let embedding = Embedding(model: model, vector: vector)
        guard embedding.isFinite else { throw Unusable(reason: "embedding vector holds NaN or infinity") }
        return embedding
    }

    /// Epoch seconds from a number, a numeric string, or an ISO 8601 date.
    static func timestamp(_ value: JSONValue?) -> Double? {
        switch value {
        case .number(let text)?:
            return Double(text).flatMap { $0.isFinite ? $0 : nil }
        case .string(let text)?:
            if let d = Double(text), d.isFinite { return d }
            return DateParsing.iso8601(text)
        default:
            return nil
        }
    }

    static func tags(_ value: JSONValue?) -> [String] {
        switch value {
        case .array(let items)?:
            return items.compactMap { item in
                if case .string(let s) = item, !s.isEmpty { return s }
                if case .number(let n) = item { return n }
                return nil
            }
        case .string(let s)?:
            return s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        default:
            return []
        }
    }

    static func metadata(_ value: JSONValue?) -> JSONObject {
        switch value {
        case .object(let o)?:
            return o
        case .string(let s)?:
            // Some versions stored metadata as a JSON string.
            if case .object(let o)? = try? JSONParser.parse(s) { return o }
            return s.isEmpty ? JSONObject() : JSONObject(["value": .string(s)])
        default:
            return JSONObject()
        }
    }

    /// A stable id for a record that has none, so importing the same file twice
    /// does not duplicate it: a UUID-shaped SHA-256 of project, time and content.
    static func derivedID(_ r: JSONObject) -> String {
        var w = JSONWriter()
        w.write(.array([r["project"] ?? .null, r["created_at"] ?? .null, r["content"] ?? r["summary"] ?? .null]))
        let hex = Array(ContentHash.of(String(decoding: w.bytes, as: UTF8.self)))
        return String(hex[0..<8]) + "-" + String(hex[8..<12]) + "-5" + String(hex[13..<16]) + "-a" + String(hex[17..<20]) + "-" + String(hex[20..<32])
    }
}
