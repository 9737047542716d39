import AIMemCore
import GRDB

/// Which observations `list`, `export` and searches consider.
public struct ObservationFilter: Sendable, Equatable {
    public var project: String?
    public var type: String?
    /// Observations carrying every one of these tags.
    public var tags: [String]
    /// Only observations created at or after this time (seconds since the epoch).
    public var since: Double?
    /// Only observations written by this author.
    public var author: AuthorSelector?
    /// Only rows written after this write generation (an incremental snapshot,
    /// docs/FORMAT.md §4.8); not part of a snapshot's `filters`.
    public var changedAfter: Int64?

    public init(project: String? = nil, type: String? = nil, tags: [String] = [], since: Double? = nil) {
        self.project = project
        self.type = type
        self.tags = tags
        self.since = since
    }

    /// Whether it selects by creation time at most (a whole store, or `since`): the
    /// index of both times then answers a count on its own.
    var selectsByTimeOnly: Bool {
        project == nil && type == nil && tags.isEmpty && author == nil && changedAfter == nil
    }

    /// The SQL condition (for `observations` aliased as `o`) and its arguments.
    var sqlCondition: (sql: String, arguments: [String: (any DatabaseValueConvertible)?]) {
        var clauses: [String] = []
        var arguments: [String: (any DatabaseValueConvertible)?] = [:]
        if let project {
            clauses.append("o.project = :project")
            arguments["project"] = project
        }
        if let type {
            clauses.append("o.type = :type")
            arguments["type"] = type
        }
        if let changedAfter {
            clauses.append("o.changed_in > :changed_after")
            arguments["changed_after"] = changedAfter
        }
        for (i, tag) in tags.enumerated() {
            clauses.append("EXISTS (SELECT 1 FROM json_each(o.tags) WHERE json_each.value = :tag\(i))")
            arguments["tag\(i)"] = tag
        }
        if let since {
            clauses.append("o.created_at >= :since")
            arguments["since"] = since
        }
        switch author {
        case nil: break
        case .key(let keyID):
            clauses.append(changedAfter == nil ? "o.author_key_id = :author" : "+o.author_key_id = :author")
            arguments["author"] = keyID
        case .keys(let keyIDs):
            let names = keyIDs.indices.map { ":author\($0)" }
            clauses.append(names.isEmpty ? "0" : "\(changedAfter == nil ? "o" : "+o").author_key_id IN (\(names.joined(separator: ", ")))")
            for (i, keyID) in keyIDs.enumerated() { arguments["author\(i)"] = keyID }
        case .storeOwner(let keyIDs):
            let names = keyIDs.indices.map { ":own\($0)" }
            // With changedAfter, `+` keeps SQLite on the changed_in index: the author
            // index would walk every row the owner wrote (100k page reads for a no-op sync).
            let column = changedAfter == nil ? "o.author_key_id" : "+o.author_key_id"
            clauses.append(names.isEmpty ? "\(column) IS NULL" : "(\(column) IS NULL OR \(column) IN (\(names.joined(separator: ", "))))")
            for (i, keyID) in keyIDs.enumerated() { arguments["own\(i)"] = keyID }
        }
        return (clauses.isEmpty ? "1" : clauses.joined(separator: " AND "), arguments)
    }
}

/// Whose observations a filter selects.
public enum AuthorSelector: Sendable, Equatable {
    /// Those written by the identity with this key ID.
    case key(String)
    /// Those written by any of one person's keys (a teammate's current key first, then their previous keys).
    case keys([String])
    /// The store's own user's: written here (no author) or by one of these key IDs of theirs.
    case storeOwner(keyIDs: [String])

    /// Every key ID the selection names (a selection by author carries only those
    /// keys' deletions).
    public var keyIDs: [String] {
        switch self {
        case .key(let keyID): [keyID]
        case .keys(let keyIDs), .storeOwner(let keyIDs): keyIDs
        }
    }

    /// The one author's key ID (nil for the store's own user).
    public var keyID: String? {
        if case .key(let keyID) = self { return keyID }
        if case .keys(let keyIDs) = self { return keyIDs.first }
        return nil
    }
}
