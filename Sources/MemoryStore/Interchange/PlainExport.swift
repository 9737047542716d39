import AIMemCore
import Foundation
import GRDB

/// What a plain export wrote.
public struct ExportReport: Sendable, Equatable {
    public var count: Int
    public var bytes: Int
}

extension MemoryStore {
    /// Writes the observations matching `filter` as plain (unencrypted) NDJSON in
    /// ai-mem's snapshot shape: a `{"snapshot": …}` header line, then one
    /// observation per line, oldest first, embeddings included. One read
    /// transaction gives a consistent point-in-time view.
    public func exportPlain(to sink: ByteSink, filter: ObservationFilter = ObservationFilter(), now: Double = Date().timeIntervalSince1970, progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> ExportReport {
        try read { db in
            let lines = try RecordLines(db, filter: filter)
            let count = lines.count, last = lines.lastCreatedAt
            var header = JSONObject()
            header.append("snapshot_id", .string(UUIDString.random()))
            header.append("created_at", JSONValue.double(now) ?? .null)
            header.append("project", filter.project.map(JSONValue.string) ?? .null)
            header.append("session_id", .null)
            header.append("obs_type", filter.type.map(JSONValue.string) ?? .null)
            header.append("since", filter.since.flatMap(JSONValue.double) ?? .null)
            header.append("limit", .null)
            header.append("note", .null)
            header.append("last_observation", last.flatMap(JSONValue.double) ?? .null)
            header.append("count", .int(count))
            header.append("format", .string("ai-mem-swift/plain-1"))
            header.append("tags", .array(filter.tags.map(JSONValue.string)))
            header.append("embedding_model", .string(embedder.modelID))
            header.append("embedding_dim", .int(embedder.dimension))
            var writer = JSONWriter(reservingCapacity: 8192)
            writer.write(.object(JSONObject(["snapshot": .object(header)])))
            writer.append(0x0A)
            try sink.write(writer.bytes)

            // Record lines straight from the rows (the bytes `ObservationCodec` would write).
            let written = try lines.write(progress: progress) { block in try sink.write(block) }
            try sink.flush()
            return ExportReport(count: written, bytes: sink.bytesWritten)
        }
    }
}
