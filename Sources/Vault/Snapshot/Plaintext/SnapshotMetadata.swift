import AIMemCore
import MemoryStore

/// Line 1 of a snapshot's plaintext (docs/FORMAT.md §4.1).
public struct SnapshotMetadata: Sendable, Equatable {
    public var snapshotID: String
    public var createdAt: Double
    public var exporterKeyID: String
    public var exporterName: String
    public var exporterPublicKey: String
    public var sequence: Int64
    /// Key ids, sorted and unique.
    public var recipients: [String]
    public var filter: ObservationFilter
    public var count: Int
    public var embeddingModel: String
    public var embeddingDimension: Int
    /// The payload version (docs/FORMAT.md §4.4): 2 is written; 1 is still read.
    public var payload: Int
    /// Payload 2: how many tombstone lines follow the records.
    public var tombstones: Int
    /// Payload 2, an incremental snapshot: the previous snapshot of its chain (docs/FORMAT.md §4.8).
    public var base: Base?

    /// The snapshot an increment follows.
    public struct Base: Sendable, Equatable {
        public var snapshotID: String
        public var sequence: Int64

        public init(snapshotID: String, sequence: Int64) {
            self.snapshotID = snapshotID
            self.sequence = sequence
        }
    }

    /// The chain a snapshot belongs to, as its writer keeps it: its recipients and filters.
    public var chain: String { Self.chain(recipients: recipients, filter: filter) }

    /// The chain of snapshots to these recipients (key ids) with these filters.
    public static func chain(recipients: [String], filter: ObservationFilter) -> String {
        var o = JSONObject()
        o.append("recipients", .array(Array(Set(recipients)).sorted().map(JSONValue.string)))
        o.append("filters", filtersJSON(filter))
        // A selection by author (what `sync` publishes) is a chain of its own; it is
        // not part of the metadata's `filters`.
        if let authors = filter.author?.keyIDs { o.append("authors", .array(authors.sorted().map(JSONValue.string))) }
        return JSONWriter.string(.object(o))
    }

    static func filtersJSON(_ filter: ObservationFilter) -> JSONValue {
        var filters = JSONObject()
        filters.append("project", filter.project.map(JSONValue.string) ?? .null)
        filters.append("type", filter.type.map(JSONValue.string) ?? .null)
        filters.append("tags", .array(filter.tags.map(JSONValue.string)))
        filters.append("since", filter.since.flatMap(JSONValue.double) ?? .null)
        return .object(filters)
    }

    public init(snapshotID: String, createdAt: Double, exporterKeyID: String, exporterName: String, exporterPublicKey: String,
                sequence: Int64, recipients: [String], filter: ObservationFilter, count: Int, embeddingModel: String, embeddingDimension: Int,
                payload: Int = 1, tombstones: Int = 0) {
        self.payload = payload
        self.tombstones = tombstones
        self.snapshotID = snapshotID
        self.createdAt = createdAt
        self.exporterKeyID = exporterKeyID
        self.exporterName = exporterName
        self.exporterPublicKey = exporterPublicKey
        self.sequence = sequence
        self.recipients = recipients
        self.filter = filter
        self.count = count
        self.embeddingModel = embeddingModel
        self.embeddingDimension = embeddingDimension
    }

    public var json: JSONObject {
        var o = JSONObject()
        o.append("ai_mem_snapshot", .int(payload))
        o.append("snapshot_id", .string(snapshotID))
        o.append("created_at", JSONValue.double(createdAt) ?? .null)
        o.append("exporter", .object(JSONObject([
            "key_id": .string(exporterKeyID), "name": .string(exporterName), "public_key": .string(exporterPublicKey),
        ])))
        o.append("sequence", .number(String(sequence)))
        o.append("recipients", .array(recipients.map(JSONValue.string)))
        o.append("filters", Self.filtersJSON(filter))
        o.append("count", .int(count))
        o.append("embedding", .object(JSONObject(["model": .string(embeddingModel), "dim": .int(embeddingDimension)])))
        if payload >= 2 { o.append("tombstones", .int(tombstones)) }
        if let base {
            o.append("base", .object(JSONObject(["snapshot_id": .string(base.snapshotID), "sequence": .number(String(base.sequence))])))
        }
        return o
    }

    /// The earliest time payload 2 accepts: 2000-01-01T00:00:00Z (docs/FORMAT.md §4.7).
    public static let earliestTime = TimeBounds.earliest
    /// Clock skew allowed past a snapshot's `created_at` (or, for it, the reader's clock).
    public static let allowedSkew = TimeBounds.allowedSkew

    /// Strict reading: every member present with its type, nothing else. `now` is
    /// the reader's clock (payload 2 bounds `created_at` by it).
    public static func decode(_ value: JSONValue, now: Double) throws(SnapshotError) -> SnapshotMetadata {
        func bad(_ reason: String) -> SnapshotError { .invalidPayload(line: 1, reason: "metadata: \(reason)") }
        guard case .object(let o) = value else { throw bad("not a JSON object") }
        let payload: Int
        switch o["ai_mem_snapshot"] {
        case .number("1")?: payload = 1
        case .number("2")?: payload = 2
        case nil: throw bad("missing field \"ai_mem_snapshot\"")
        default: throw bad("unsupported payload version")
        }
        var expected: Set<String> = ["ai_mem_snapshot", "snapshot_id", "created_at", "exporter", "sequence", "recipients", "filters", "count", "embedding"]
        if payload >= 2 { expected.insert("tombstones") }
        for key in o.keys where !expected.contains(key) && !(payload >= 2 && key == "base") { throw bad("unknown field \"\(key)\"") }
        for key in expected where o[key] == nil { throw bad("missing field \"\(key)\"") }
        guard case .string(let id)? = o["snapshot_id"], !id.isEmpty, id.utf8.count <= 200 else { throw bad("snapshot_id must be 1 to 200 bytes") }
        guard let created = o["created_at"]?.doubleValue, created.isFinite else { throw bad("created_at must be a number") }
        if payload >= 2, !TimeBounds.contains(created, reference: now) {
            throw bad("created_at \(JSONNumberText.format(created)) is before 2000 or more than a day ahead of this machine's clock")
        }
        guard case .object(let exporter)? = o["exporter"], exporter.members.count == 3,
              case .string(let keyID)? = exporter["key_id"], AuthorClaim.isKeyID(keyID),
              case .string(let name)? = exporter["name"], name.utf8.count <= 200,
              case .string(let publicKey)? = exporter["public_key"], publicKey.utf8.count <= 200 else {
            throw bad("exporter must be {key_id: 16 characters 0-9 a-f, name: at most 200 bytes, public_key: at most 200 bytes}")
        }
        guard case .number(let seqText)? = o["sequence"], let sequence = Int64(seqText), sequence >= 1 else {
            throw bad("sequence must be a whole number of at least 1")
        }
        guard case .array(let recipientValues)? = o["recipients"], (1...SnapshotFormat.maxRecipients).contains(recipientValues.count) else {
            throw bad("recipients must list 1 to \(SnapshotFormat.maxRecipients) key ids")
        }
        var recipients: [String] = []
        for r in recipientValues {
            guard case .string(let s) = r, AuthorClaim.isKeyID(s) else { throw bad("recipients must be key ids of 16 characters 0-9 a-f") }
            recipients.append(s)
        }
        guard recipients == Array(Set(recipients)).sorted() else { throw bad("recipients must be sorted and unique") }
        guard case .object(let filters)? = o["filters"], filters.members.count == 4 else { throw bad("filters must be {project, type, tags, since}") }
        var filter = ObservationFilter()
        switch filters["project"] { case .string(let s)?: filter.project = s; case .null?: break; default: throw bad("filters.project") }
        switch filters["type"] { case .string(let s)?: filter.type = s; case .null?: break; default: throw bad("filters.type") }
        guard case .array(let tags)? = filters["tags"] else { throw bad("filters.tags") }
        for t in tags {
            guard case .string(let s) = t else { throw bad("filters.tags") }
            filter.tags.append(s)
        }
        switch filters["since"] {
        case .number(let n)?: filter.since = Double(n)
        case .null?: break
        default: throw bad("filters.since")
        }
        guard case .number(let countText)? = o["count"], let count = Int(countText), count >= 0 else { throw bad("count must be a whole number") }
        guard case .object(let embedding)? = o["embedding"], embedding.members.count == 2,
              case .string(let model)? = embedding["model"], !model.isEmpty, model.utf8.count <= 200,
              case .number(let dimText)? = embedding["dim"], let dim = Int(dimText), (1...Embedding.maxDimension).contains(dim) else {
            throw bad("embedding must be {model, dim} with dim 1 to \(Embedding.maxDimension)")
        }
        var tombstones = 0
        if payload >= 2 {
            guard case .number(let text)? = o["tombstones"], let n = Int(text), n >= 0 else { throw bad("tombstones must be a whole number") }
            guard !count.addingReportingOverflow(n).overflow else { throw bad("count and tombstones add up to more than 2^63-1 lines") }
            tombstones = n
        }
        var base: Base? = nil
        switch o["base"] {
        case nil, .null?: break
        case .object(let b)? where b.members.count == 2:
            guard case .string(let baseID)? = b["snapshot_id"], !baseID.isEmpty, baseID.utf8.count <= 200,
                  case .number(let baseSeqText)? = b["sequence"], let baseSequence = Int64(baseSeqText), baseSequence >= 1, baseSequence < sequence else {
                throw bad("base must be {snapshot_id: 1 to 200 bytes, sequence: a whole number from 1 to this snapshot's sequence - 1}")
            }
            base = Base(snapshotID: baseID, sequence: baseSequence)
        default:
            throw bad("base must be null or {snapshot_id, sequence}")
        }
        var metadata = SnapshotMetadata(snapshotID: id, createdAt: created, exporterKeyID: keyID, exporterName: name, exporterPublicKey: publicKey,
                                        sequence: sequence, recipients: recipients, filter: filter, count: count, embeddingModel: model,
                                        embeddingDimension: dim, payload: payload, tombstones: tombstones)
        metadata.base = base
        return metadata
    }
}
