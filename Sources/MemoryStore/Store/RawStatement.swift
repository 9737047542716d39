import AIMemCore
import GRDB
import GRDBSQLite

/// A statement prepared directly with SQLite, for the merge's per-row hot path
/// (GRDB's argument boxing costs more than the insert itself there). Used only
/// inside a GRDB transaction, on the connection that owns it.
final class RawStatement {
    let handle: OpaquePointer
    private let connection: OpaquePointer

    init(_ db: Database, _ sql: String) throws {
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "closed database") }
        self.connection = connection
        var statement: OpaquePointer? = nil
        let rc = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(connection)), sql: sql)
        }
        handle = statement
    }

    deinit { sqlite3_finalize(handle) }

    /// Runs the statement to completion with what is bound, then resets it.
    func run() throws {
        defer { reset() }
        var rc = sqlite3_step(handle)
        while rc == SQLITE_ROW { rc = sqlite3_step(handle) }
        guard rc == SQLITE_DONE else { throw failure(rc) }
    }

    /// The first column of the first row as an integer (nil: no row), then resets.
    func int64() throws -> Int64? {
        defer { reset() }
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return sqlite3_column_int64(handle, 0) }
        guard rc == SQLITE_DONE else { throw failure(rc) }
        return nil
    }

    /// `read` applied to the first row (nil: no row), then resets.
    func first<T>(_ read: (OpaquePointer) -> T) throws -> T? {
        defer { reset() }
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return read(handle) }
        guard rc == SQLITE_DONE else { throw failure(rc) }
        return nil
    }

    /// The first column of the first row as text (nil: no row or NULL), then resets.
    func text() throws -> String? {
        defer { reset() }
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW {
            guard let p = sqlite3_column_text(handle, 0) else { return nil }
            return String(cString: p)
        }
        guard rc == SQLITE_DONE else { throw failure(rc) }
        return nil
    }

    /// Binds named parameters (`:name`) to text, real or integer values (nil: NULL).
    func bind(_ arguments: [String: (any DatabaseValueConvertible)?]) throws {
        for (name, value) in arguments {
            let index = sqlite3_bind_parameter_index(handle, ":" + name)
            guard index > 0 else { throw DatabaseError(resultCode: .SQLITE_RANGE, message: "no parameter :\(name)") }
            switch value {
            case nil: sqlite3_bind_null(handle, index)
            case let text as String: bind(index, text)
            case let number as Double: bind(index, number)
            case let number as Int64: bind(index, number)
            case let number as Int: bind(index, Int64(number))
            default: throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "cannot bind :\(name)")
            }
        }
    }

    /// Steps to the next result row: true while there is one (read it through
    /// `handle`). At the end, the statement is reset.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        reset()
        guard rc == SQLITE_DONE else { throw failure(rc) }
        return false
    }

    /// Binds the whole UTF-8 of `text` (its byte length given: an embedded U+0000 does not cut it).
    func bind(_ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            _ = sqlite3_bind_text(handle, index, UnsafeRawPointer(utf8.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self),
                                  Int32(utf8.count), unsafeBitCast(-1, to: sqlite3_destructor_type.self))  // SQLITE_TRANSIENT
        }
    }

    func bind(_ index: Int32, _ value: Double) { sqlite3_bind_double(handle, index, value) }
    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }

    func bind(_ index: Int32, blob: [UInt8]) {
        blob.withUnsafeBytes { b in
            _ = sqlite3_bind_blob(handle, index, b.baseAddress, Int32(b.count), unsafeBitCast(-1, to: sqlite3_destructor_type.self))
        }
    }

    func bindNull(_ index: Int32) { sqlite3_bind_null(handle, index) }

    /// Makes the statement ready to run again, with nothing bound.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    private func failure(_ rc: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(connection)))
    }
}
