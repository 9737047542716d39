import AIMemCore
import Foundation
import GRDB

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
    /// Records whose embedding was unusable and was recomputed.
    public var reembedded = 0
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
    /// `progress` gets the records read and the count the file's header announces (0 when none).
    public func importObservations(from source: InputSource, options: ImportOptions, progress: ((_ done: Int, _ announced: Int) -> Void)? = nil) throws -> ImportReport {
        let reader = try source.openLineReader(maxLineBytes: Self.importLineLimit)
        let name = source.displayName
        func nextLine() throws -> ArraySlice<UInt8>? {
            do { return try reader.nextLine() } catch {
                switch error {
                case .lineTooLong(let line, let limit):
                    throw MemoryStoreError.importRejected(source: name, line: line, reason: "line longer than \(limit) bytes")
                case .readFailed(let reason):
                    throw reason
                }
            }
        }
        func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
            line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
        }

        try useWriteCache()
        return try write { db in
            var importer = try RecordImporter(store: self, db: db, options: options, progress: progress)
            // Find the first line with content to tell NDJSON from a JSON document.
            var firstLine: ArraySlice<UInt8>? = nil
            while let line = try nextLine() {
                if !isBlank(line) { firstLine = line; break }
            }
            guard let firstLine else { return importer.report }
            if firstLine.starts(with: FileMagic.encryptedSnapshot) {
                throw MemoryStoreError.encryptedSnapshotGiven(source: name)
            }
            let firstLineNumber = reader.lineNumber
            if let value = try? Self.parseLine(firstLine, lineNumber: firstLineNumber), case .object = value {
                // NDJSON: one value per line.
                try importer.take(value, location: "line \(firstLineNumber)")
                while let line = try nextLine() {
                    if isBlank(line) { continue }
                    let value: JSONValue
                    do { value = try Self.parseLine(line, lineNumber: reader.lineNumber) } catch let error as JSONSyntaxError {
                        throw MemoryStoreError.importRejected(source: name, line: error.line, reason: "not valid JSON: \(error.reason)")
                    }
                    try importer.take(value, location: "line \(reader.lineNumber)")
                }
            } else {
                // A JSON document spread over lines: gather it whole (bounded) and parse it.
                var document = [UInt8](repeating: 0x0A, count: firstLineNumber - 1)
                document.append(contentsOf: firstLine)
                while let line = try nextLine() {
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
                        if case .object(let header)? = object["snapshot"] { importer.noteHeader(header) }
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
                    try importer.take(record, location: "record \(index + 1)")
                }
            }
            try db.execute(sql: "DELETE FROM import_seen_ids")
            return importer.report
        }
    }

    static func parseLine(_ line: ArraySlice<UInt8>, lineNumber: Int) throws -> JSONValue {
        try line.withUnsafeBufferPointer { buffer in
            try JSONParser.parse(buffer, firstLine: lineNumber)
        }
    }
}

/// Applies records one by one inside the import transaction.
private struct RecordImporter {
    let store: MemoryStore
    let db: Database
    let options: ImportOptions
    let progress: ((Int, Int) -> Void)?
    var report = ImportReport()

    init(store: MemoryStore, db: Database, options: ImportOptions, progress: ((Int, Int) -> Void)?) throws {
        // Ids seen in this input: a temporary table, so memory stays flat however large the input.
        try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS import_seen_ids (id TEXT PRIMARY KEY) WITHOUT ROWID")
        try db.execute(sql: "DELETE FROM import_seen_ids")
        self.store = store
        self.db = db
        self.options = options
        self.progress = progress
    }

    mutating func noteHeader(_ header: JSONObject) {
        if report.announcedCount == nil, case .number(let n)? = header["count"] { report.announcedCount = Int(n) }
    }

    mutating func take(_ value: JSONValue, location: String) throws {
        if case .object(let object) = value {
            if object.members.count == 1, case .object(let header)? = object["snapshot"] {
                noteHeader(header)
                return
            }
            // A whole export object on one line: {"snapshot": …, "observations": [...]}.
            if case .array(let records)? = object["observations"], object["content"] == nil {
                if case .object(let header)? = object["snapshot"] { noteHeader(header) }
                for (index, record) in records.enumerated() {
                    try take(record, location: "\(location), record \(index + 1)")
                }
                return
            }
        }
        report.read += 1
        if let progress, report.read % 1000 == 0 { progress(report.read, report.announcedCount ?? 0) }
        var decoded: (observation: Observation, embeddingProblem: String?)
        do {
            decoded = try ObservationCodec.decodeLenient(value, defaultProject: options.defaultProject, now: options.now)
        } catch let error as ObservationCodec.Unusable {
            report.skippedCount += 1
            if report.skipped.count < ImportReport.skippedListed { report.skipped.append(.init(location: location, reason: error.reason)) }
            return
        }
        var observation = decoded.observation
        // The time bounds of docs/FORMAT.md §4.7, against this machine's clock.
        for (member, time) in [("created_at", observation.createdAt), ("updated_at", observation.updatedAt)]
        where !TimeBounds.contains(time, reference: options.now) {
            report.skippedCount += 1
            if report.skipped.count < ImportReport.skippedListed {
                report.skipped.append(.init(location: location, reason: "\(member) \(JSONNumberText.format(time)) is before 2000-01-01 or more than a day ahead of this machine's clock"))
            }
            return
        }
        if let project = options.projectOverride { observation.project = project }
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO import_seen_ids (id) VALUES (?)").execute(arguments: [observation.id])
        guard db.changesCount == 1 else {
            report.duplicatesInInput += 1
            return
        }
        if try ObservationRow.exists(id: observation.id, in: db) {
            report.alreadyPresent += 1
            return
        }
        if try Tombstones.contains(observation.id, in: db) {
            report.deletedHere += 1
            return
        }
        if decoded.embeddingProblem != nil { report.reembedded += 1 }
        if let embedding = observation.embedding {
            if embedding.model != store.embedder.modelID || embedding.dimension != store.embedder.dimension {
                report.foreignEmbeddings += 1
            }
        } else {
            observation.embedding = try store.embed(observation)
            // Embedding with a model takes milliseconds per record: report progress more often.
            if let progress, report.read % 1000 != 0 { progress(report.read, report.announcedCount ?? 0) }
        }
        try ObservationRow.insert(observation, in: db)
        report.imported += 1
    }
}
