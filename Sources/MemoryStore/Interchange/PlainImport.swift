import AIMemCore
import Foundation
import GRDB
import GRDBSQLite

/// What an import did. Every record read is accounted for in exactly one count.
public struct ImportReport: Sendable, Equatable {
    public struct Skipped: Sendable, Equatable {
        /// "line 7" (NDJSON) or "record 3" (JSON document).
        public var location: String
        public var reason: String
    }

    /// Records read (header lines not included).
    public var read = 0
    public var imported = 0
    /// Records whose id the store already had (left as they were).
    public var alreadyPresent = 0
    /// Records of ids deleted in this store (they stay deleted).
    public var deletedHere = 0
    /// Records whose id appeared earlier in the same input.
    public var duplicatesInInput = 0
    /// The first `ImportReport.skippedListed` unusable records (`skippedCount` counts them all).
    public var skipped: [Skipped] = []
    public var skippedCount = 0
    public static let skippedListed = 100
    /// Records imported with an embedding of another model (kept, labelled; not searched together).
    public var foreignEmbeddings = 0
    /// Records whose embedding was unusable and was recomputed (or, with an
    /// embedder that `embedsSlowly`, left to a reindex).
    public var reembedded = 0
    /// Records stored without an embedding, left to a reindex (the embedder `embedsSlowly`).
    public var withoutVectors = 0
    /// The record count announced by a snapshot header, when there was one.
    public var announcedCount: Int?
}

/// Options of `ai-mem import`.
public struct ImportOptions: Sendable {
    /// Puts every imported record in this project.
    public var projectOverride: String?
    /// The project of records that name none.
    public var defaultProject: String
    public var now: Double

    public init(projectOverride: String? = nil, defaultProject: String, now: Double = Date().timeIntervalSince1970) {
        self.projectOverride = projectOverride
        self.defaultProject = defaultProject
        self.now = now
    }
}

extension MemoryStore {
    /// The longest line (or JSON document) an import accepts.
    public static let importLineLimit = 64 << 20

    /// Imports the Python ai-mem's files and our plain exports: a JSON array, a JSON
    /// object with "observations", or NDJSON with or without `{"snapshot": …}` header
    /// lines. Ids are kept; known ids are skipped. One transaction: a syntax error
    /// anywhere rejects the whole input and leaves the store unchanged.
    /// NDJSON lines are parsed and laid out for SQLite on a thread of their own
    /// (`ImportPipeline`), so the thread holding the write transaction does little
    /// but SQLite work, as in a snapshot merge.
    /// `progress` gets the records read and the count the file's header announces (0 when none).
    /// `stored` sees each record imported, with its row's layout, on the writer's thread.
    public func importObservations(from source: InputSource, options: ImportOptions, progress: ((_ done: Int, _ announced: Int) -> Void)? = nil,
                                   stored: ((Observation, RecordColumns) -> Void)? = nil) throws -> ImportReport {
        let reader = try source.openLineReader(maxLineBytes: Self.importLineLimit)
        let name = source.displayName
        let preparer = RecordPreparer(options: options, embedder: embedder)

        try useWriteCache()
        do {
            return try withBulkJournal(incomingBytes: source.sizeHint) {
                try importRecords(reader, name: name, preparer: preparer, progress: progress, stored: stored)
            }
        } catch {
            throw storeError(error)
        }
    }

    private func importRecords(_ reader: LineReader, name: String, preparer: RecordPreparer,
                               progress: ((_ done: Int, _ announced: Int) -> Void)?,
                               stored: ((Observation, RecordColumns) -> Void)?) throws -> ImportReport {
        try write { db in
            var importer = try RecordImporter(db: db, embedder: embedder, progress: progress, stored: stored)
            // Find the first line with content to tell NDJSON from a JSON document.
            var firstLine: ArraySlice<UInt8>? = nil
            while let line = try ImportPipeline.nextLine(reader, name: name) {
                if !ImportPipeline.isBlank(line) { firstLine = line; break }
            }
            guard let firstLine else { return importer.report }
            if firstLine.starts(with: FileMagic.encryptedSnapshot) {
                throw MemoryStoreError.encryptedSnapshotGiven(source: name)
            }
            let firstLineNumber = reader.lineNumber
            if let value = try? Self.parseLine(firstLine, lineNumber: firstLineNumber), case .object = value {
                // NDJSON: one value per line.
                for prepared in try preparer.prepare(value, location: "line \(firstLineNumber)") { try importer.apply(prepared) }
                let pipeline = ImportPipeline(reader: reader, name: name, preparer: preparer)
                while let prepared = try pipeline.next() { try importer.apply(prepared) }
            } else {
                // A JSON document spread over lines: gather it whole (bounded) and parse it.
                var document = [UInt8](repeating: 0x0A, count: firstLineNumber - 1)
                document.append(contentsOf: firstLine)
                while let line = try ImportPipeline.nextLine(reader, name: name) {
                    document.append(0x0A)
                    document.append(contentsOf: line)
                    if document.count > Self.importLineLimit * 4 {
                        throw MemoryStoreError.importRejected(source: name, line: nil, reason: "JSON document larger than \(Self.importLineLimit * 4 >> 20) MiB; export it as NDJSON instead")
                    }
                }
                let value: JSONValue
                do { value = try JSONParser.parse(document) } catch let error as JSONSyntaxError {
                    throw MemoryStoreError.importRejected(source: name, line: error.line, reason: "not valid JSON or NDJSON: \(error.reason) (column \(error.column))")
                }
                let records: [JSONValue]
                switch value {
                case .array(let items):
                    records = items
                case .object(let object):
                    if case .array(let items)? = object["observations"] {
                        if case .object(let header)? = object["snapshot"] { try importer.apply(RecordPreparer.header(header)) }
                        records = items
                    } else if object["content"] != nil || object["summary"] != nil {
                        records = [value]
                    } else {
                        throw MemoryStoreError.importRejected(source: name, line: nil, reason: "a JSON object without an \"observations\" array")
                    }
                default:
                    throw MemoryStoreError.importRejected(source: name, line: nil, reason: "a JSON \(value.kindName), not observations")
                }
                for (index, record) in records.enumerated() {
                    for prepared in try preparer.prepare(record, location: "record \(index + 1)") { try importer.apply(prepared) }
                }
            }
            try importer.finish()
            return importer.report
        }
    }

    static func parseLine(_ line: ArraySlice<UInt8>, lineNumber: Int) throws -> JSONValue {
        try line.withUnsafeBufferPointer { buffer in
            try JSONParser.parse(buffer, firstLine: lineNumber)
        }
    }
}

/// A record of the input made ready for the store, with no database at hand.
enum PreparedRecord: @unchecked Sendable {
    /// A `{"snapshot": …}` header, with the record count it announces.
    case header(announced: Int?)
    /// A record that cannot be used, and why.
    case skipped(location: String, reason: String)
    /// A record to import (when its id is free), laid out for SQLite.
    case record(Observation, RecordColumns, embeddingProblem: Bool)
}

/// The part of importing a record that needs no database: JSON to an observation
/// (`ObservationCodec.decodeLenient`), the time bounds, the project override, and
/// the embedding of a record without one when the embedder is fast. Safe on any thread.
struct RecordPreparer: @unchecked Sendable {
    let options: ImportOptions
    let embedder: any Embedder

    static func header(_ header: JSONObject) -> PreparedRecord {
        if case .number(let n)? = header["count"] { return .header(announced: Int(n)) }
        return .header(announced: nil)
    }

    func prepare(_ value: JSONValue, location: String) throws -> [PreparedRecord] {
        if case .object(let object) = value {
            if object.members.count == 1, case .object(let header)? = object["snapshot"] {
                return [Self.header(header)]
            }
            // A whole export object on one line: {"snapshot": …, "observations": [...]}.
            if case .array(let records)? = object["observations"], object["content"] == nil {
                var out: [PreparedRecord] = []
                if case .object(let header)? = object["snapshot"] { out.append(Self.header(header)) }
                for (index, record) in records.enumerated() {
                    out += try prepare(record, location: "\(location), record \(index + 1)")
                }
                return out
            }
        }
        let decoded: (observation: Observation, embeddingProblem: String?)
        do {
            decoded = try ObservationCodec.decodeLenient(value, defaultProject: options.defaultProject, now: options.now)
        } catch let error as ObservationCodec.Unusable {
            return [.skipped(location: location, reason: error.reason)]
        }
        var observation = decoded.observation
        // The time bounds of docs/FORMAT.md §4.7, against this machine's clock.
        for (member, time) in [("created_at", observation.createdAt), ("updated_at", observation.updatedAt)]
        where !TimeBounds.contains(time, reference: options.now) {
            return [.skipped(location: location, reason: "\(member) \(JSONNumberText.format(time)) is before 2000-01-01 or more than a day ahead of this machine's clock")]
        }
        if let project = options.projectOverride { observation.project = project }
        // A fast embedder embeds here; a slow one's vectors are left to a reindex after the commit.
        if observation.embedding == nil, !embedder.embedsSlowly {
            observation.embedding = Embedding(model: embedder.modelID, vector: try embedder.embed([observation.searchableText])[0])
        }
        return [.record(observation, RecordColumns(observation), embeddingProblem: decoded.embeddingProblem != nil)]
    }
}

/// NDJSON lines read, parsed and prepared on a thread of their own, handed over in
/// batches (at most 4 batches or 4 MiB wait, so memory stays flat). Errors arrive
/// in input order, after every record before them.
final class ImportPipeline {
    private let records: BatchStream<PreparedRecord>

    init(reader: LineReader, name: String, preparer: RecordPreparer) {
        nonisolated(unsafe) let reader = reader
        records = BatchStream(name: "import-parse") { sender in
            while let line = try Self.nextLine(reader, name: name) {
                if Self.isBlank(line) { continue }
                let number = reader.lineNumber
                let value: JSONValue
                do { value = try MemoryStore.parseLine(line, lineNumber: number) } catch let error as JSONSyntaxError {
                    throw MemoryStoreError.importRejected(source: name, line: error.line, reason: "not valid JSON: \(error.reason)")
                }
                guard sender.add(contentsOf: try preparer.prepare(value, location: "line \(number)"), bytes: line.count) else { return }
            }
        }
    }

    /// The next prepared record, or nil after the last.
    func next() throws -> PreparedRecord? { try records.next() }

    static func nextLine(_ reader: LineReader, name: String) throws -> ArraySlice<UInt8>? {
        do { return try reader.nextLine() } catch {
            switch error {
            case .lineTooLong(let line, let limit):
                throw MemoryStoreError.importRejected(source: name, line: line, reason: "line longer than \(limit) bytes")
            case .readFailed(let reason):
                throw reason
            }
        }
    }

    static func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}

/// Applies prepared records inside the import transaction: the duplicate, present
/// and deleted-here rules, then the row and its FTS entry through statements
/// prepared once. Every row is stamped with the generation the import commits as.
private struct RecordImporter {
    let db: Database
    let embedder: any Embedder
    let progress: ((Int, Int) -> Void)?
    let stored: ((Observation, RecordColumns) -> Void)?
    var report = ImportReport()
    /// Whether the store held no row and no tombstone when the import began: ids are
    /// then not looked up, and a repeat within the input is found by the insert (the
    /// id's UNIQUE constraint), which leaves it out as before.
    private let intoEmptyStore: Bool
    private let markSeen: RawStatement
    private let findID: RawStatement
    private let findTombstone: RawStatement
    private let insertRow: RawStatement
    private let insertFTS: RawStatement
    private let stamp: Int64
    private let connection: OpaquePointer

    private static let rowColumns = ObservationColumn.recordColumns + [.authorKeyID]
    private static let ftsColumns: [ObservationColumn] = [.title, .summary, .content, .tags]

    init(db: Database, embedder: any Embedder, progress: ((Int, Int) -> Void)?, stored: ((Observation, RecordColumns) -> Void)?) throws {
        // Ids seen in this input: a temporary table, so memory stays flat however large the input.
        try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS import_seen_ids (id TEXT PRIMARY KEY) WITHOUT ROWID")
        try db.execute(sql: "DELETE FROM import_seen_ids")
        guard let connection = db.sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "closed database") }
        self.connection = connection
        self.db = db
        self.embedder = embedder
        self.progress = progress
        self.stored = stored
        intoEmptyStore = try Bool.fetchOne(db, sql: """
            SELECT NOT EXISTS (SELECT 1 FROM observations) AND NOT EXISTS (SELECT 1 FROM tombstones)
            """) ?? false
        markSeen = try RawStatement(db, "INSERT OR IGNORE INTO import_seen_ids (id) VALUES (?)")
        findID = try RawStatement(db, "SELECT 1 FROM observations WHERE id = ?")
        findTombstone = try RawStatement(db, "SELECT 1 FROM tombstones WHERE id = ?")
        insertRow = try RawStatement(db, """
            INSERT INTO observations (\(Self.rowColumns.map(\.name).joined(separator: ", ")), changed_in)
            VALUES (\(Array(repeating: "?", count: Self.rowColumns.count + 1).joined(separator: ", ")))
            """)
        insertFTS = try RawStatement(db, "INSERT INTO observations_fts (title, summary, content, tags, rowid) VALUES (?, ?, ?, ?, ?)")
        stamp = (try Int64.fetchOne(db, sql: "SELECT value FROM vault_state WHERE name = 'observations_generation'") ?? 0) + 1
    }

    mutating func apply(_ prepared: PreparedRecord) throws {
        switch prepared {
        case .header(let announced):
            if report.announcedCount == nil, let announced { report.announcedCount = announced }
        case .skipped(let location, let reason):
            countRead()
            report.skippedCount += 1
            if report.skipped.count < ImportReport.skippedListed { report.skipped.append(.init(location: location, reason: reason)) }
        case .record(let observation, let columns, let embeddingProblem):
            countRead()
            if !intoEmptyStore {
                markSeen.bind(1, observation.id)
                try markSeen.run()
                guard sqlite3_changes(connection) == 1 else {
                    report.duplicatesInInput += 1
                    return
                }
                findID.bind(1, observation.id)
                if try findID.int64() != nil {
                    report.alreadyPresent += 1
                    return
                }
                findTombstone.bind(1, observation.id)
                if try findTombstone.int64() != nil {
                    report.deletedHere += 1
                    return
                }
            }
            do {
                try columns.bind(Self.rowColumns, to: insertRow.handle) {
                    insertRow.bind(Int32(Self.rowColumns.count + 1), stamp)
                    try insertRow.run()
                }
            } catch let error as DatabaseError where intoEmptyStore && error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                // Only `id` is UNIQUE, and the store held no row: an id seen earlier in this input.
                report.duplicatesInInput += 1
                return
            }
            if embeddingProblem { report.reembedded += 1 }
            if let embedding = observation.embedding {
                if embedding.model != embedder.modelID || embedding.dimension != embedder.dimension { report.foreignEmbeddings += 1 }
            } else {
                report.withoutVectors += 1
            }
            let seq = sqlite3_last_insert_rowid(connection)
            try columns.bind(Self.ftsColumns, to: insertFTS.handle) {
                insertFTS.bind(5, seq)
                try insertFTS.run()
            }
            report.imported += 1
            stored?(observation, columns)
        }
    }

    private mutating func countRead() {
        report.read += 1
        if let progress, report.read % 1000 == 0 { progress(report.read, report.announcedCount ?? 0) }
    }

    /// Marks the store changed (once) and forgets the input's ids.
    func finish() throws {
        if report.imported > 0 { try ObservationRow.bumpGeneration(db) }
        try db.execute(sql: "DELETE FROM import_seen_ids")
    }
}
