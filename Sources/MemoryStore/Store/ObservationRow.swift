import AIMemCore
import Foundation
import GRDB

/// Mapping between `Observation` and its row, and the writes that keep the
/// FTS index in step.
enum ObservationRow {
    /// Reads an observation selected with `Schema.observationColumns` (starting at `offset`).
    static func decode(_ row: Row, offset: Int = 0) throws -> Observation {
        let tagsText: String = row[offset + ObservationColumn.tags.index]
        let metadataText: String = row[offset + ObservationColumn.metadata.index]
        let assetsText: String = row[offset + ObservationColumn.assets.index]
        var embedding: Embedding? = nil
        if let model: String = row[offset + ObservationColumn.embeddingModel.index], let blob: Data = row[offset + ObservationColumn.embedding.index],
           let vector = Embedding.vector(fromLittleEndian: blob) {
            embedding = Embedding(model: model, vector: vector)
        }
        return Observation(
            id: row[offset + ObservationColumn.id.index],
            sessionID: row[offset + ObservationColumn.sessionID.index],
            project: row[offset + ObservationColumn.project.index],
            type: row[offset + ObservationColumn.type.index],
            concept: row[offset + ObservationColumn.concept.index],
            title: row[offset + ObservationColumn.title.index],
            content: row[offset + ObservationColumn.content.index],
            summary: row[offset + ObservationColumn.summary.index],
            contentHash: row[offset + ObservationColumn.contentHash.index],
            createdAt: row[offset + ObservationColumn.createdAt.index],
            updatedAt: row[offset + ObservationColumn.updatedAt.index],
            importanceScore: row[offset + ObservationColumn.importanceScore.index],
            tags: try StoredJSON.stringArray(tagsText),
            metadata: try StoredJSON.object(metadataText),
            diff: row[offset + ObservationColumn.diff.index],
            assets: try StoredJSON.array(assetsText),
            embedding: embedding,
            author: row[offset + ObservationColumn.authorKeyID.index]
        )
    }

    /// Inserts a new row and its FTS entry. The caller has checked that the id is free.
    static func insert(_ o: Observation, in db: Database) throws {
        let tags = StoredJSON.text(.array(o.tags.map { .string($0) }))
        let statement = try db.cachedStatement(sql: """
            INSERT INTO observations (\(ObservationColumn.insertList), changed_in)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \(Schema.nextChangeSQL))
            """)
        let blob = o.embedding.map { Data($0.littleEndianBytes) }
        try statement.execute(arguments: [
            o.id, o.sessionID, o.project, o.type, o.concept, o.title, o.content, o.summary, o.contentHash,
            o.createdAt, o.updatedAt, o.importanceScore, tags, StoredJSON.text(.object(o.metadata)), o.diff,
            StoredJSON.text(.array(o.assets)), o.embedding?.model, o.embedding?.dimension, blob, o.author,
        ])
        let seq = db.lastInsertedRowID
        let fts = try db.cachedStatement(sql: "INSERT INTO observations_fts (rowid, title, summary, content, tags) VALUES (?, ?, ?, ?, ?)")
        try fts.execute(arguments: [seq, o.title, o.summary, o.content, tags])
        try bumpGeneration(db)
    }

    /// Marks the observations as changed (see `Schema`'s write generation).
    static func bumpGeneration(_ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE vault_state SET value = value + 1 WHERE name = 'observations_generation'").execute()
    }

    /// Marks that rows were removed or changed in place, so that caches rebuild
    /// rather than append (see `Schema`'s deletion counter).
    static func bumpDeletions(_ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE vault_state SET value = value + 1 WHERE name = 'observations_deletions'").execute()
    }

    /// Deletes the row with this exact id and its FTS entry; false when there was none.
    @discardableResult
    static func delete(id: String, in db: Database) throws -> Bool {
        guard let row = try Row.fetchOne(db, sql: "SELECT seq, title, summary, content, tags FROM observations WHERE id = ?", arguments: [id]) else {
            return false
        }
        let seq: Int64 = row[0]
        try db.execute(
            sql: "INSERT INTO observations_fts (observations_fts, rowid, title, summary, content, tags) VALUES ('delete', ?, ?, ?, ?, ?)",
            arguments: [seq, row[1] as String?, row[2] as String?, row[3] as String, row[4] as String])
        try db.execute(sql: "DELETE FROM observations WHERE seq = ?", arguments: [seq])
        try bumpGeneration(db)
        try bumpDeletions(db)
        return true
    }

    static func exists(id: String, in db: Database) throws -> Bool {
        let statement = try db.cachedStatement(sql: "SELECT 1 FROM observations WHERE id = ?")
        return try Bool.fetchOne(statement, arguments: [id]) != nil
    }
}

/// JSON columns (tags, metadata, assets) as stored: compact JSON text.
enum StoredJSON {
    static func text(_ value: JSONValue) -> String { JSONWriter.string(value) }

    static func parse(_ text: String) throws -> JSONValue {
        do { return try JSONParser.parse(text) } catch {
            throw MemoryStoreError.corruptRow(reason: "a JSON column does not parse (\(error))")
        }
    }

    static func object(_ text: String) throws -> JSONObject {
        guard case .object(let o) = try parse(text) else { return JSONObject() }
        return o
    }

    static func array(_ text: String) throws -> [JSONValue] {
        guard case .array(let a) = try parse(text) else { return [] }
        return a
    }

    static func stringArray(_ text: String) throws -> [String] {
        try array(text).compactMap(\.stringValue)
    }
}
