import AIMemCore
import GRDB
import GRDBSQLite

/// The fields of a memory a secret can hide in, in the order they are scanned.
public enum MemoryTextField: Int, CaseIterable, Sendable {
    case title, content, summary, diff, tags, metadata, assets

    public var name: String {
        switch self {
        case .title: return "title"
        case .content: return "content"
        case .summary: return "summary"
        case .diff: return "diff"
        case .tags: return "tags"
        case .metadata: return "metadata"
        case .assets: return "assets"
        }
    }

    fileprivate var column: ObservationColumn {
        switch self {
        case .title: return .title
        case .content: return .content
        case .summary: return .summary
        case .diff: return .diff
        case .tags: return .tags
        case .metadata: return .metadata
        case .assets: return .assets
        }
    }
}

/// One memory's text as SQLite holds it, for the secret scanner: no `String` per
/// field. `tags`, `metadata` and `assets` are their stored compact JSON. Read from
/// a stored row, or from a record laid out to be stored (`RecordColumns.withText`):
/// the same bytes either way. Valid only during the visit that receives it.
public struct MemoryText {
    fileprivate enum Source {
        case row(OpaquePointer)
        case columns(RecordColumns.Layout, id: String, author: String?)
    }

    fileprivate let source: Source

    /// The memory's id.
    public var id: String {
        switch source {
        case .row: return String(decoding: bytes(.id), as: UTF8.self)
        case .columns(_, let id, _): return id
        }
    }

    /// Its author's key ID; nil for a memory written here by the store's own user.
    public var authorKeyID: String? {
        switch source {
        case .row(let statement):
            return sqlite3_column_type(statement, ObservationColumn.authorKeyID.sqliteIndex) == SQLITE_NULL
                ? nil : String(decoding: bytes(.authorKeyID), as: UTF8.self)
        case .columns(_, _, let author): return author
        }
    }

    /// The field's UTF-8 bytes (empty when NULL).
    public func field(_ field: MemoryTextField) -> UnsafeRawBufferPointer { bytes(field.column) }

    private func bytes(_ column: ObservationColumn) -> UnsafeRawBufferPointer {
        switch source {
        case .row(let statement):
            let index = column.sqliteIndex
            guard let p = sqlite3_column_text(statement, index) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
            return UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(statement, index)))
        case .columns(let layout, _, _):
            return layout.bytes(column)
        }
    }
}

extension RecordColumns {
    /// Visits the text this record's row will hold, as `MemoryText` (what a scan of
    /// the stored row would see), for the memory `id` by `author`.
    public func withText<T>(id: String, author: String?, _ body: (MemoryText) throws -> T) rethrows -> T {
        try withLayout { layout in try body(MemoryText(source: .columns(layout, id: id, author: author))) }
    }
}

enum MemoryTexts {
    /// Visits the text of every row `filter` selects within `timeBounds`: oldest
    /// first, or, for what changed after a generation, in the order of the changes
    /// (through the changed_in index, as an increment reads its few rows).
    static func visit(_ db: Database, _ filter: ObservationFilter, timeBounds: ClosedRange<Double>? = nil,
                      _ visit: (MemoryText) throws -> Void) throws {
        let condition = RecordLines.condition(filter, timeBounds: timeBounds)
        let order = filter.changedAfter == nil ? "ORDER BY o.created_at, o.seq" : "ORDER BY o.changed_in, o.seq"
        let statement = try RawStatement(db, """
            SELECT \(ObservationColumn.selectListWithoutEmbedding) FROM observations o WHERE \(condition.sql) \(order)
            """)
        try statement.bind(condition.arguments)
        while try statement.step() { try visit(MemoryText(source: .row(statement.handle))) }
    }
}

extension MemoryStore {
    /// Visits the text of every memory matching `filter`, oldest first, in one read transaction.
    public func forEachText(_ filter: ObservationFilter, _ visit: (MemoryText) throws -> Void) throws {
        try read { db in try MemoryTexts.visit(db, filter, visit) }
    }
}

extension MemoryStore {
    /// The store's write generation now: rows written after this call carry a
    /// larger `changed_in` (`ObservationFilter.changedAfter` selects them).
    public func writeGeneration() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT value FROM vault_state WHERE name = 'observations_generation'") ?? 0 }
    }
}
