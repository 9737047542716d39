import AIMemCore
import MemoryStore

/// The parsing stage of a snapshot read: a worker takes the decryptor's lines
/// (themselves decrypted by another worker), validates each record strictly and
/// lays it out for SQLite, and hands batches to the caller, whose thread holds
/// the write transaction and does only database work. Errors arrive in stream
/// order, after every record before them.
final class RecordPipeline {
    struct Parsed {
        var line: Int
        var record: Observation
        /// Prepared for insertion (nil when not applying).
        var columns: RecordColumns?
    }

    private enum Item: @unchecked Sendable {
        case records([Parsed])
        case end
        case failure(Error)
    }

    private let items = Handoff<Item>(capacity: 4)
    private var batch: [Parsed] = []
    private var index = 0
    private var ended = false
    static let batchSize = 64

    init(decryptor: SnapshotDecryptor, declaredCount: Int, expected: (model: String, dim: Int)?, prepareColumns: Bool) {
        let items = self.items
        _ = WorkerThread(name: "snapshot-parse") {
            var batch: [Parsed] = []
            batch.reserveCapacity(Self.batchSize)
            var records = 0
            do {
                while let line = try decryptor.nextLine() {
                    let number = decryptor.lineNumber
                    records += 1
                    guard !line.isEmpty else { throw SnapshotError.invalidPayload(line: number, reason: "blank line") }
                    guard records <= declaredCount else { throw SnapshotError.countMismatch(declared: declaredCount, actual: records) }
                    let record = try Self.decode(line, number: number, expected: expected)
                    batch.append(Parsed(line: number, record: record, columns: prepareColumns ? RecordColumns(record) : nil))
                    if batch.count == Self.batchSize {
                        guard items.put(.records(batch)) else { return }
                        batch = []
                        batch.reserveCapacity(Self.batchSize)
                    }
                }
                if !batch.isEmpty { guard items.put(.records(batch)) else { return } }
                items.put(.end)
            } catch {
                if !batch.isEmpty { guard items.put(.records(batch)) else { return } }
                items.put(.failure(error))
            }
            items.finish()
        }
    }

    deinit { items.cancel() }

    /// The next record, or nil after the last.
    func next() throws -> Parsed? {
        while index >= batch.count {
            if ended { return nil }
            guard let item = items.take() else { throw SnapshotError.truncated }
            switch item {
            case .records(let next):
                batch = next
                index = 0
            case .end:
                ended = true
            case .failure(let error):
                ended = true
                batch = []
                index = 0
                throw error
            }
        }
        let parsed = batch[index]
        index += 1
        return parsed
    }

    /// A record line: canonical lines (all that ai-mem writes) take the fast path;
    /// anything else is decided, with its exact reason, by the full parser.
    static func decode(_ line: ArraySlice<UInt8>, number: Int, expected: (model: String, dim: Int)?) throws -> Observation {
        if let record = line.withUnsafeBytes({ CanonicalRecordReader.read($0, expected: expected) }) { return record }
        do {
            return try StrictRecord.decode(SnapshotVault.parse(line, line: number), expected: expected)
        } catch let error as StrictRecord.Invalid {
            throw SnapshotError.invalidPayload(line: number, reason: error.reason)
        }
    }
}
