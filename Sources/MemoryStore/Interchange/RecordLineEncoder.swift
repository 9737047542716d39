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
    static func append(_ stmt: SQLiteStatement, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"id":"#.utf8)
        text(stmt, 0, &out)
        out.append(contentsOf: #","session_id":"#.utf8)
        text(stmt, 1, &out)
        out.append(contentsOf: #","project":"#.utf8)
        text(stmt, 2, &out)
        out.append(contentsOf: #","type":"#.utf8)
        text(stmt, 3, &out)
        out.append(contentsOf: #","concept":"#.utf8)
        text(stmt, 4, &out)
        out.append(contentsOf: #","title":"#.utf8)
        text(stmt, 5, &out)
        out.append(contentsOf: #","content":"#.utf8)
        text(stmt, 6, &out)
        out.append(contentsOf: #","summary":"#.utf8)
        text(stmt, 7, &out)
        out.append(contentsOf: #","content_hash":"#.utf8)
        text(stmt, 8, &out)
        out.append(contentsOf: #","created_at":"#.utf8)
        number(stmt, 9, &out)
        out.append(contentsOf: #","updated_at":"#.utf8)
        number(stmt, 10, &out)
        out.append(contentsOf: #","importance_score":"#.utf8)
        number(stmt, 11, &out)
        out.append(contentsOf: #","tags":"#.utf8)
        raw(stmt, 12, &out)
        out.append(contentsOf: #","metadata":"#.utf8)
        raw(stmt, 13, &out)
        out.append(contentsOf: #","diff":"#.utf8)
        text(stmt, 14, &out)
        out.append(contentsOf: #","assets":"#.utf8)
        raw(stmt, 15, &out)
        out.append(contentsOf: #","embedding":"#.utf8)
        // As `ObservationRow.decode`: an embedding needs a model and a whole number of floats.
        let blob = sqlite3_column_blob(stmt, 18)
        let blobBytes = Int(sqlite3_column_bytes(stmt, 18))
        if sqlite3_column_type(stmt, 16) == SQLITE_NULL || sqlite3_column_type(stmt, 18) == SQLITE_NULL || blobBytes % 4 != 0 {
            out.append(contentsOf: "null".utf8)
        } else {
            out.append(contentsOf: #"{"model":"#.utf8)
            text(stmt, 16, &out)
            out.append(contentsOf: #","dim":"#.utf8)
            out.append(contentsOf: String(blobBytes / 4).utf8)
            out.append(contentsOf: #","vector":""#.utf8)
            Base64.encode(UnsafeRawBufferPointer(start: blob, count: blob == nil ? 0 : blobBytes), into: &out)
            out.append(contentsOf: #""}"#.utf8)
        }
        out.append(contentsOf: "}\n".utf8)
    }

    /// A text column as a JSON string, or null.
    private static func text(_ stmt: SQLiteStatement, _ index: Int32, _ out: inout [UInt8]) {
        guard sqlite3_column_type(stmt, index) != SQLITE_NULL, let p = sqlite3_column_text(stmt, index) else {
            out.append(contentsOf: "null".utf8)
            return
        }
        writeString(UnsafeRawBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, index))), &out)
    }

    /// A JSON column, stored compact, as it is.
    private static func raw(_ stmt: SQLiteStatement, _ index: Int32, _ out: inout [UInt8]) {
        let count = Int(sqlite3_column_bytes(stmt, index))
        guard let p = sqlite3_column_text(stmt, index), count > 0 else {
            out.append(contentsOf: "null".utf8)
            return
        }
        out.append(contentsOf: UnsafeRawBufferPointer(start: p, count: count))
    }

    private static func number(_ stmt: SQLiteStatement, _ index: Int32, _ out: inout [UInt8]) {
        let value = sqlite3_column_double(stmt, index)
        if value.isFinite { out.append(contentsOf: JSONNumberText.format(value).utf8) } else { out.append(contentsOf: "null".utf8) }
    }

    static func writeString(_ utf8: UnsafeRawBufferPointer, _ out: inout [UInt8]) {
        JSONWriter.appendString(utf8, to: &out)
    }
}

extension MemoryStore {
    /// Runs `body` in one read transaction with the number of observations matching
    /// `filter` and a function that appends the next one's NDJSON record line to a
    /// buffer (false at the end), oldest first.
    public func withRecordLines<T>(_ filter: ObservationFilter, _ body: (_ count: Int, _ next: (inout [UInt8]) throws -> Bool) throws -> T) throws -> T {
        try read { db in
            let condition = filter.sqlCondition
            let arguments = StatementArguments(condition.arguments)
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM observations o WHERE \(condition.sql)", arguments: arguments) ?? 0
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT \(Schema.observationColumns) FROM observations o WHERE \(condition.sql) ORDER BY o.created_at, o.seq
                """, arguments: arguments)
            return try body(count) { out in
                guard try cursor.next() != nil else { return false }
                RecordLineEncoder.append(cursor._statement.sqliteStatement, to: &out)
                return true
            }
        }
    }
}
