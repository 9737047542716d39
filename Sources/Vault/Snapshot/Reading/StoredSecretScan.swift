import AIMemCore
import MemoryStore
import SecretScan

/// The secrets in what a merge or an import stores, found on a thread of their own
/// while it runs: the writer adds each record it stored (added, or replacing a
/// row) and goes on; the scan reads exactly the bytes the row holds
/// (`RecordColumns.withText`, as `ai-mem scan` reads a stored row). Nothing is read
/// back after the commit. Records travel in batches of at most 64 or 1 MiB and at
/// most a few batches wait (bounded bytes), so memory does not grow with the input.
public final class StoredSecretScan {
    /// What the scan found.
    public struct Result: Sendable {
        /// The first `SnapshotReadReport.secretsListed` findings.
        public var findings: [MemorySecretFinding] = []
        /// Every finding.
        public var count = 0
    }

    private struct Stored {
        var record: Observation
        var author: String?
        var columns: RecordColumns?
    }

    private let items = Handoff<[Stored]>(capacity: 4, byteBudget: 8 << 20)
    private let worker: WorkerThread<Result>
    private var batch: [Stored] = []
    private var batchBytes = 0
    private static let batchSize = 64
    private static let batchLimit = 1 << 20

    public init() {
        let items = self.items
        worker = WorkerThread(name: "secret-scan") {
            var result = Result()
            while let batch = items.take() {
                for stored in batch {
                    let columns = stored.columns ?? RecordColumns(stored.record)
                    let found = columns.withText(id: stored.record.id, author: stored.author) { SecretGate.findings(in: $0) }
                    result.count += found.count
                    for f in found where result.findings.count < SnapshotReadReport.secretsListed { result.findings.append(f) }
                }
            }
            return result
        }
    }

    deinit { items.cancel() }

    /// A record just stored, by `author` (nil: the store's own user), with its row's
    /// layout when the writer has it. Waits while the scan is behind.
    public func add(_ record: Observation, author: String?, columns: RecordColumns?) {
        batch.append(Stored(record: record, author: author, columns: columns))
        batchBytes += columns?.byteCount ?? record.content.utf8.count
        if batch.count == Self.batchSize || batchBytes >= Self.batchLimit { flush() }
    }

    private func flush() {
        guard !batch.isEmpty else { return }
        items.put(batch, bytes: batchBytes)
        batch = []
        batchBytes = 0
    }

    /// Waits for the scan of everything added.
    public func finish() throws -> Result {
        flush()
        items.finish()
        return try worker.join()
    }
}
