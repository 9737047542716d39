import AIMemCore
import Foundation
import GRDB

/// What `edit` changes; nil leaves a field as it is.
public struct ObservationEdit: Sendable {
    public var content: String?
    public var title: String?
    public var type: String?
    /// Replaces every tag.
    public var tags: [String]?
    /// Replaces the metadata object.
    public var metadata: JSONObject?

    public init(content: String? = nil, title: String? = nil, type: String? = nil, tags: [String]? = nil, metadata: JSONObject? = nil) {
        self.content = content
        self.title = title
        self.type = type
        self.tags = tags
        self.metadata = metadata
    }

    public var isEmpty: Bool { content == nil && title == nil && type == nil && tags == nil && metadata == nil }
}

extension MemoryStore {
    /// Changes one of the store's own user's memories (no author, or one of
    /// `ownKeyIDs`): the id and creation time stay, `updated_at` moves to `now` (or
    /// just past the old one), the embedding and the keyword and vector indexes follow.
    /// Someone else's memory is refused: only its author changes it.
    public func edit(_ idOrPrefix: String, _ change: ObservationEdit, ownKeyIDs: Set<String>,
                     now: Double = Date().timeIntervalSince1970) throws -> Observation {
        try revise(idOrPrefix, ownKeyIDs: ownKeyIDs, now: now) { edited in
            if let content = change.content {
                let cleaned = ContentPreparation.clean(content)
                guard !cleaned.isEmpty else { throw MemoryStoreError.emptyContent }
                edited.content = cleaned
            }
            if let title = change.title { edited.title = title.isEmpty ? nil : title }
            if let type = change.type { edited.type = type }
            if let tags = change.tags { edited.tags = tags }
            if let metadata = change.metadata { edited.metadata = metadata }
        }
    }

    /// An edit by a function: `change` alters a copy of the memory (any field but
    /// the id, times and author), which is then stored as its new version, as
    /// `edit` does. When the content changes, its summary and hash follow it.
    public func revise(_ idOrPrefix: String, ownKeyIDs: Set<String>, now: Double = Date().timeIntervalSince1970,
                       _ change: (inout Observation) throws -> Void) throws -> Observation {
        let current = try observation(idOrPrefix)
        if let author = current.author, !ownKeyIDs.contains(author) { throw MemoryStoreError.notYourMemory(id: current.id, author: author) }
        var edited = current
        try change(&edited)
        edited.id = current.id
        edited.createdAt = current.createdAt
        if edited.content != current.content {
            edited.summary = ContentPreparation.summary(of: edited.content)
            edited.contentHash = ContentHash.of(edited.content)
        }
        // A later version than the one it replaces, so that `newer` carries it everywhere.
        // (A version dated more than a day ahead — from an old snapshot or import — is replaced by one dated now.)
        edited.updatedAt = current.updatedAt > now + TimeBounds.allowedSkew ? now : max(now, current.updatedAt.nextUp)
        edited.author = nil
        edited.embedding = try embed(edited)
        try write { db in
            // The row read above must still be the one replaced (no other writer changed it meanwhile).
            guard let row = try Row.fetchOne(db, sql: "SELECT \(Schema.observationColumns) FROM observations WHERE id = ?", arguments: [current.id]),
                  try ObservationRow.decode(row) == current else {
                throw MemoryStoreError.busy(path: home.databaseURL.path)
            }
            _ = try ObservationRow.delete(id: current.id, in: db)
            try ObservationRow.insert(edited, in: db)
        }
        return edited
    }
}
