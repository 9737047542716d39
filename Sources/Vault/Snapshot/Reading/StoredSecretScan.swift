import AIMemCore
import MemoryStore
import SecretScan

/// The secrets in what a merge stores, found on a thread of their own while the
/// merge goes on: the writer hands over each batch of records once it has applied
/// it, with the ones it stored (added, or replacing a row), and the scan reads
/// exactly the bytes their rows hold (`RecordColumns.withText`, as `ai-mem scan`
/// reads a stored row). Nothing is read back after the commit. At most a few
/// batches wait (bounded bytes), so memory does not grow with the snapshot.
final class StoredSecretScan {
    /// A stored record, its author, and its row's layout when the merge made it.
    struct Stored {
        var record: Observation
        var author: String
        var columns: RecordColumns?
    }

    struct Result {
        /// The first `SnapshotReadReport.secretsListed` findings.
        var findings: [MemorySecretFinding] = []
        /// Every finding.
        var count = 0
    }

    private let items = Handoff<[Stored]>(capacity: 4, byteBudget: 8 << 20)
    private let worker: WorkerThread<Result>

    init(scanner: SecretScanner = .standard) {
        let items = self.items
        worker = WorkerThread(name: "secret-scan") {
            var result = Result()
            while let batch = items.take() {
                for stored in batch {
                    let columns = stored.columns ?? RecordColumns(stored.record)
                    let found = columns.withText(id: stored.record.id, author: stored.author) { SecretGate.findings(in: $0, scanner: scanner) }
                    result.count += found.count
                    for f in found where result.findings.count < SnapshotReadReport.secretsListed { result.findings.append(f) }
                }
            }
            return result
        }
    }

    deinit { items.cancel() }

    /// Hands over records just stored (weighing about `bytes`); waits while the scan is behind.
    func submit(_ batch: [Stored], bytes: Int) {
        guard !batch.isEmpty else { return }
        items.put(batch, bytes: bytes)
    }

    /// Waits for the scan of everything submitted.
    func finish() throws -> Result {
        items.finish()
        return try worker.join()
    }
}
