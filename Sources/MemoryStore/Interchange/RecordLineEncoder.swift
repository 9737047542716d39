import AIMemCore
import Foundation
import GRDB
import GRDBSQLite

/// Writes observation rows straight from SQLite into NDJSON record lines — the
/// bytes `ObservationCodec.encode(_, embedding: .full)` would give, without
/// building an `Observation` or a JSON tree (the export hot path). The JSON
/// columns (tags, metadata, assets) are stored compact by `JSONWriter` and are
/// copied as they are.
struct RecordLineEncoder {

    /// Appends the record of the statement's current row (selected with
    /// `Schema.observationColumns`) and "\n". Reads the columns through the SQLite
    /// C API: no `Data` or `String` per column.
    static func append(_ stmt: SQLiteStatement, withAuthor: Bool = false, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"id":"#.utf8)
        text(stmt, .id, &out)
        out.append(contentsOf: #","session_id":"#.utf8)
        text(stmt, .sessionID, &out)
        out.append(contentsOf: #","project":"#.utf8)
        text(stmt, .project, &out)
        out.append(contentsOf: #","type":"#.utf8)
        text(stmt, .type, &out)
        out.append(contentsOf: #","concept":"#.utf8)
        text(stmt, .concept, &out)
        out.append(contentsOf: #","title":"#.utf8)
        text(stmt, .title, &out)
        out.append(contentsOf: #","content":"#.utf8)
        text(stmt, .content, &out)
        out.append(contentsOf: #","summary":"#.utf8)
        text(stmt, .summary, &out)
        out.append(contentsOf: #","content_hash":"#.utf8)
        text(stmt, .contentHash, &out)
        out.append(contentsOf: #","created_at":"#.utf8)
        number(stmt, .createdAt, &out)
        out.append(contentsOf: #","updated_at":"#.utf8)
        number(stmt, .updatedAt, &out)
        out.append(contentsOf: #","importance_score":"#.utf8)
        number(stmt, .importanceScore, &out)
        out.append(contentsOf: #","tags":"#.utf8)
        raw(stmt, .tags, &out)
        out.append(contentsOf: #","metadata":"#.utf8)
        raw(stmt, .metadata, &out)
        out.append(contentsOf: #","diff":"#.utf8)
        text(stmt, .diff, &out)
        out.append(contentsOf: #","assets":"#.utf8)
        raw(stmt, .assets, &out)
        out.append(contentsOf: #","embedding":"#.utf8)
        // As `ObservationRow.decode`: an embedding needs a model and a whole number of floats.
        let vector = ObservationColumn.embedding.sqliteIndex, model = ObservationColumn.embeddingModel.sqliteIndex
        let blob = sqlite3_column_blob(stmt, vector)
        let blobBytes = Int(sqlite3_column_bytes(stmt, vector))
        if sqlite3_column_type(stmt, model) == SQLITE_NULL || sqlite3_column_type(stmt, vector) == SQLITE_NULL || blobBytes % 4 != 0 {
            out.append(contentsOf: "null".utf8)
        } else {
            out.append(contentsOf: #"{"model":"#.utf8)
            text(stmt, .embeddingModel, &out)
            out.append(contentsOf: #","dim":"#.utf8)
            out.append(contentsOf: String(blobBytes / 4).utf8)
            out.append(contentsOf: #","vector":""#.utf8)
            VectorBase64.encode(UnsafeRawBufferPointer(start: blob, count: blob == nil ? 0 : blobBytes), into: &out)
            out.append(contentsOf: #""}"#.utf8)
        }
        if withAuthor { author(stmt, &out) }
        out.append(contentsOf: "}\n".utf8)
    }

    /// Payload 2's `author` member (docs/FORMAT.md §4.2): the row's author and its
    /// signature, null when the row has none (it came in a payload-1 snapshot).
    private static func author(_ stmt: SQLiteStatement, _ out: inout [UInt8]) {
        out.append(contentsOf: #","author":{"key_id":"#.utf8)
        text(stmt, .authorKeyID, &out)
        out.append(contentsOf: #","signature":"#.utf8)
        let index = ObservationColumn.authorSignature.sqliteIndex
        let bytes = Int(sqlite3_column_bytes(stmt, index))
        if sqlite3_column_type(stmt, index) == SQLITE_NULL || bytes != 64 {
            out.append(contentsOf: "null".utf8)
        } else {
            out.append(0x22)
            Base64.encode(UnsafeRawBufferPointer(start: sqlite3_column_blob(stmt, index), count: bytes), into: &out)
            out.append(0x22)
        }
        out.append(0x7D)
    }

    /// A tombstone line (docs/FORMAT.md §4.5).
    static func tombstone(_ t: Tombstone, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"tombstone":{"id":"#.utf8)
        t.id.utf8CString.withUnsafeBytes { writeString(UnsafeRawBufferPointer(rebasing: $0.dropLast()), &out) }
        out.append(contentsOf: #","deleted_at":"#.utf8)
        out.append(contentsOf: JSONNumberText.format(t.deletedAt).utf8)
        out.append(contentsOf: #","author":{"key_id":"#.utf8)
        t.authorKeyID.utf8CString.withUnsafeBytes { writeString(UnsafeRawBufferPointer(rebasing: $0.dropLast()), &out) }
        out.append(contentsOf: #","signature":""#.utf8)
        t.signature.withUnsafeBytes { Base64.encode($0, into: &out) }
        out.append(contentsOf: "\"}}}\n".utf8)
    }

    /// A text column as a JSON string, or null.
    private static func text(_ stmt: SQLiteStatement, _ column: ObservationColumn, _ out: inout [UInt8]) {
        let index = column.sqliteIndex
        guard sqlite3_column_type(stmt, index) != SQLITE_NULL, let p = sqlite3_column_text(stmt, index) else {
            out.append(contentsOf: "null".utf8)
            return
        }
        writeString(UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, index))), &out)
    }

    /// A JSON column, stored compact, as it is.
    private static func raw(_ stmt: SQLiteStatement, _ column: ObservationColumn, _ out: inout [UInt8]) {
        let index = column.sqliteIndex
        let count = Int(sqlite3_column_bytes(stmt, index))
        guard let p = sqlite3_column_text(stmt, index), count > 0 else {
            out.append(contentsOf: "null".utf8)
            return
        }
        out.append(contentsOf: UnsafeRawBufferPointer(start: p, count: count))
    }

    private static func number(_ stmt: SQLiteStatement, _ column: ObservationColumn, _ out: inout [UInt8]) {
        let value = sqlite3_column_double(stmt, column.sqliteIndex)
        if value.isFinite { out.append(contentsOf: JSONNumberText.format(value).utf8) } else { out.append(contentsOf: "null".utf8) }
    }

    static func writeString(_ utf8: UnsafeRawBufferPointer, _ out: inout [UInt8]) {
        JSONWriter.appendString(utf8, to: &out)
    }
}

/// The observations matching a filter, oldest first, as NDJSON record lines read
/// straight from SQLite: the one export cursor, for plain and snapshot export.
public struct RecordLines {
    /// How many rows match.
    public let count: Int
    /// The latest `created_at` among them.
    public let lastCreatedAt: Double?
    private let statement: RawStatement
    /// Payload 2: each line carries its `author` member.
    private let withAuthor: Bool

    /// Runs inside a read transaction on `db`, which must outlive it. With
    /// `timeBounds`, only rows whose times lie within them (docs/FORMAT.md §4.7).
    init(_ db: Database, filter: ObservationFilter, withAuthor: Bool = false, timeBounds: ClosedRange<Double>? = nil) throws {
        self.withAuthor = withAuthor
        let condition = Self.condition(filter, timeBounds: timeBounds)
        // An increment (docs/FORMAT.md §4.8) reads its few rows through the changed_in index.
        let order = filter.changedAfter == nil ? "ORDER BY o.created_at, o.seq" : "ORDER BY o.changed_in, o.seq"
        let counting = Self.countCondition(filter, timeBounds: timeBounds)
        let summary = try Row.fetchOne(db, sql: "SELECT COUNT(*), MAX(o.created_at) FROM observations o WHERE \(counting.sql)",
                                       arguments: StatementArguments(counting.arguments))!
        count = summary[0]
        lastCreatedAt = summary[1]
        statement = try RawStatement(db, """
            SELECT \(Schema.observationColumns) FROM observations o WHERE \(condition.sql) \(order)
            """)
        try statement.bind(condition.arguments)
    }

    /// The rows `filter` selects within `timeBounds`, as a condition on `o`.
    /// The condition of the count that comes first: a filter by time alone is counted
    /// from the index of both times; any other keeps to the rows (an increment to
    /// the changed_in index, which finds its few rows at once).
    static func countCondition(_ filter: ObservationFilter, timeBounds: ClosedRange<Double>?) -> (sql: String, arguments: [String: (any DatabaseValueConvertible)?]) {
        condition(filter, timeBounds: timeBounds, indexed: filter.selectsByTimeOnly)
    }

    /// `indexed`: the bounds may be looked up in an index (a count, which the index
    /// of both times answers without the table).
    static func condition(_ filter: ObservationFilter, timeBounds: ClosedRange<Double>?,
                          indexed: Bool = false) -> (sql: String, arguments: [String: (any DatabaseValueConvertible)?]) {
        var condition = filter.sqlCondition
        if let timeBounds {
            // `+` keeps SQLite from scanning the whole created_at index for bounds that
            // hold almost every row, when it reads the rows themselves anyway.
            let plus = indexed ? "" : "+"
            condition.sql = "(\(condition.sql)) AND \(plus)o.created_at BETWEEN :earliest AND :latest AND \(plus)o.updated_at BETWEEN :earliest AND :latest"
            condition.arguments["earliest"] = timeBounds.lowerBound
            condition.arguments["latest"] = timeBounds.upperBound
        }
        return condition
    }

    /// Appends the next observation's record line to `out` (or, with `edits`, its
    /// replacement; an omitted row is passed over); false after the last.
    public func next(into out: inout [UInt8], edits: RecordEdits = RecordEdits()) throws -> Bool {
        while try statement.step() {
            if !edits.isEmpty {
                let index = ObservationColumn.id.sqliteIndex
                let id = String(decoding: UnsafeRawBufferPointer(start: sqlite3_column_text(statement.handle, index),
                                                                  count: Int(sqlite3_column_bytes(statement.handle, index))), as: UTF8.self)
                if edits.omitted.contains(id) { continue }
                if let line = edits.replacements[id] {
                    out.append(contentsOf: line)
                    return true
                }
            }
            RecordLineEncoder.append(statement.handle, withAuthor: withAuthor, to: &out)
            return true
        }
        return false
    }

    /// Hands every record line to `write`, in blocks of whole lines of at least
    /// `blockBytes` (the last block may be shorter, or empty); `progress` gets the
    /// lines so far and `count` every 1000 lines. Returns how many lines there were.
    /// With `edits`, the lines of some rows are replaced (a whole line, with its
    /// "\n") and others left out.
    public func write(inBlocksOf blockBytes: Int = 1 << 16, edits: RecordEdits = RecordEdits(), progress: ((_ done: Int, _ total: Int) -> Void)? = nil,
                      to write: ([UInt8]) throws -> Void) throws -> Int {
        var written = 0
        var buffer: [UInt8] = []
        buffer.reserveCapacity(2 * blockBytes)
        while try next(into: &buffer, edits: edits) {
            written += 1
            if buffer.count >= blockBytes {
                try write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
            if let progress, written % 1000 == 0 { progress(written, count) }
        }
        try write(buffer)
        return written
    }
}

/// Record lines to write instead of some rows' own (by id), and rows to leave out.
public struct RecordEdits: Sendable {
    public var replacements: [String: [UInt8]] = [:]
    public var omitted: Set<String> = []
    public var isEmpty: Bool { replacements.isEmpty && omitted.isEmpty }
    public init() {}
}

/// What a payload-2 snapshot carries, read in one transaction: the record lines
/// (with authors) and the tombstones that travel.
public struct SnapshotLines {
    public let records: RecordLines
    public let tombstoneCount: Int
    /// Rows of the filter left out because their times lie outside the bounds of
    /// docs/FORMAT.md §4.7 (every reader would refuse the snapshot).
    public let outOfBounds: Int
    /// The write generation this read sees: an increment based on this snapshot
    /// carries what is written after it (docs/FORMAT.md §4.8).
    public let changeMark: Int64
    let db: Database
    let timeBounds: ClosedRange<Double>
    let changedAfter: Int64?
    let tombstoneAuthors: [String]?
    let filter: ObservationFilter

    /// Visits the text of every record this snapshot carries, in the same transaction
    /// (the secret gate looks before a byte is written).
    public func forEachText(_ visit: (MemoryText) throws -> Void) throws {
        try MemoryTexts.visit(db, filter, timeBounds: timeBounds, visit)
    }

    /// A carried record by id, as the store holds it (in the same transaction).
    public func observation(id: String) throws -> Observation? {
        guard let row = try Row.fetchOne(db, sql: "SELECT \(Schema.observationColumns) FROM observations WHERE id = ?", arguments: [id]) else { return nil }
        return try ObservationRow.decode(row)
    }

    /// Hands every tombstone line to `write` (in one block); returns how many.
    public func writeTombstones(to write: ([UInt8]) throws -> Void) throws -> Int {
        var buffer: [UInt8] = []
        var written = 0
        let cursor = try TravellingTombstones.all(db, timeBounds: timeBounds, changedAfter: changedAfter, authors: tombstoneAuthors)
        while let row = try cursor.next() {
            let signature: Data = row[3]
            RecordLineEncoder.tombstone(Tombstone(id: row[0], deletedAt: row[1], authorKeyID: row[2], signature: [UInt8](signature)), to: &buffer)
            written += 1
            if buffer.count >= 1 << 16 {
                try write(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        try write(buffer)
        return written
    }
}

extension MemoryStore {
    /// Runs `body` in one read transaction with what a payload-2 snapshot of
    /// `filter` carries — or returns nil without calling it when a row of the store's
    /// own user in `filter`, or one of their tombstones, is not signed yet (another
    /// process wrote it after the caller signed: sign again, then retry).
    /// Rows and tombstones are carried only when their times lie within `timeBounds`.
    public func withSnapshotLines<T>(_ filter: ObservationFilter, ownKeyIDs: Set<String>, timeBounds: ClosedRange<Double>,
                                     _ body: (SnapshotLines) throws -> T) throws -> T? {
        try read { db in
            guard try Self.unsignedOwnCount(filter, ownKeyIDs: ownKeyIDs, in: db) == 0,
                  try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tombstones WHERE local = 0 AND signature IS NULL") == 0 else { return nil }
            let records = try RecordLines(db, filter: filter, withAuthor: true, timeBounds: timeBounds)
            let condition = filter.sqlCondition
            let all = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM observations o WHERE \(condition.sql)",
                                       arguments: StatementArguments(condition.arguments)) ?? 0
            let mark = try Int64.fetchOne(db, sql: "SELECT value FROM vault_state WHERE name = 'observations_generation'") ?? 0
            let tombstoneAuthors = TravellingTombstones.authorKeyIDs(filter.author)
            return try body(SnapshotLines(records: records,
                                          tombstoneCount: try TravellingTombstones.count(db, timeBounds: timeBounds, changedAfter: filter.changedAfter,
                                                                                         authors: tombstoneAuthors),
                                          outOfBounds: all - records.count, changeMark: mark, db: db, timeBounds: timeBounds,
                                          changedAfter: filter.changedAfter, tombstoneAuthors: tombstoneAuthors, filter: filter))
        }
    }

    /// Runs `body` in one read transaction with the record lines of the
    /// observations matching `filter`, oldest first: a consistent point-in-time view.
    public func withRecordLines<T>(_ filter: ObservationFilter, _ body: (RecordLines) throws -> T) throws -> T {
        try read { db in try body(try RecordLines(db, filter: filter)) }
    }
}
