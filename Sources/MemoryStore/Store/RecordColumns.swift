import AIMemCore
import GRDBSQLite

/// An observation laid out as the values of its row (`Schema.observationColumns`
/// order): text and blob columns in one byte buffer, bound to SQLite without a
/// copy. Built off the writer's thread, so that the thread holding the write
/// transaction does little but SQLite work.
public struct RecordColumns: Sendable {
    static let count = ObservationColumn.allCases.count
    /// Column bytes, one after the other.
    private var bytes: [UInt8] = []
    /// Start and length of each column in `bytes`; length -1 is NULL. Numeric columns are unused here.
    private var spans = [Int](repeating: -1, count: 2 * RecordColumns.count)
    private var numbers: (created: Double, updated: Double, importance: Double) = (0, 0, 0)
    private var dimension: Int? = nil

    public init(_ o: Observation) {
        bytes.reserveCapacity(o.content.utf8.count * 2 + (o.embedding?.dimension ?? 0) * 4 + 512)
        put(.id, o.id)
        put(.sessionID, o.sessionID)
        put(.project, o.project)
        put(.type, o.type)
        put(.concept, o.concept)
        put(.title, o.title)
        put(.content, o.content)
        put(.summary, o.summary)
        put(.contentHash, o.contentHash)
        numbers = (o.createdAt, o.updatedAt, o.importanceScore)
        put(.tags, StoredJSON.text(.array(o.tags.map { .string($0) })))
        put(.metadata, StoredJSON.text(.object(o.metadata)))
        put(.diff, o.diff)
        put(.authorKeyID, o.author)
        put(.assets, StoredJSON.text(.array(o.assets)))
        if let e = o.embedding {
            put(.embeddingModel, e.model)
            dimension = e.dimension
            let start = bytes.count
            bytes += e.littleEndianBytes
            spans[2 * ObservationColumn.embedding.index] = start
            spans[2 * ObservationColumn.embedding.index + 1] = bytes.count - start
        }
    }

    private mutating func put(_ column: ObservationColumn, _ text: String?) {
        guard let text else { return }
        let start = bytes.count
        bytes.append(contentsOf: text.utf8)
        spans[2 * column.index] = start
        spans[2 * column.index + 1] = bytes.count - start
    }

    /// How many bytes its text and blob columns hold.
    public var byteCount: Int { bytes.count }

    /// The bytes and where each column lies in them, valid during `withLayout`.
    struct Layout {
        let buffer: UnsafeBufferPointer<UInt8>
        let spans: [Int]

        /// A text or blob column's bytes (empty when NULL).
        func bytes(_ column: ObservationColumn) -> UnsafeRawBufferPointer {
            let start = spans[2 * column.index], length = spans[2 * column.index + 1]
            guard length > 0, let base = buffer.baseAddress else { return UnsafeRawBufferPointer(start: nil, count: 0) }
            return UnsafeRawBufferPointer(start: base + start, count: length)
        }
    }

    func withLayout<T>(_ body: (Layout) throws -> T) rethrows -> T {
        try bytes.withUnsafeBufferPointer { buffer in try body(Layout(buffer: buffer, spans: spans)) }
    }

    /// Binds `columns` to parameters 1, 2, … of `statement` and runs `body` while
    /// the bound bytes are valid.
    func bind<T>(_ columns: [ObservationColumn], to statement: OpaquePointer, _ body: () throws -> T) rethrows -> T {
        try bytes.withUnsafeBufferPointer { buffer in
            for (i, column) in columns.enumerated() {
                let parameter = Int32(i + 1)
                switch column {
                case .createdAt: sqlite3_bind_double(statement, parameter, numbers.created)
                case .updatedAt: sqlite3_bind_double(statement, parameter, numbers.updated)
                case .importanceScore: sqlite3_bind_double(statement, parameter, numbers.importance)
                case .embeddingDimension:
                    if let dimension { sqlite3_bind_int64(statement, parameter, Int64(dimension)) } else { sqlite3_bind_null(statement, parameter) }
                default:
                    let start = spans[2 * column.index], length = spans[2 * column.index + 1]
                    if length < 0 {
                        sqlite3_bind_null(statement, parameter)
                    } else {
                        // SQLITE_STATIC (nil): SQLite reads the bytes in place until the statement is reset.
                        let pointer = UnsafeRawPointer(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!) + start
                        if column == .embedding {
                            sqlite3_bind_blob(statement, parameter, pointer, Int32(length), nil)
                        } else {
                            sqlite3_bind_text(statement, parameter, pointer.assumingMemoryBound(to: CChar.self), Int32(length), nil)
                        }
                    }
                }
            }
            return try body()
        }
    }
}
