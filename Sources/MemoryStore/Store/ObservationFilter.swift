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

    public init(project: String? = nil, type: String? = nil, tags: [String] = [], since: Double? = nil) {
        self.project = project
        self.type = type
        self.tags = tags
        self.since = since
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
        for (i, tag) in tags.enumerated() {
            clauses.append("EXISTS (SELECT 1 FROM json_each(o.tags) WHERE json_each.value = :tag\(i))")
            arguments["tag\(i)"] = tag
        }
        if let since {
            clauses.append("o.created_at >= :since")
            arguments["since"] = since
        }
        return (clauses.isEmpty ? "1" : clauses.joined(separator: " AND "), arguments)
    }
}
