import AIMemCore
import Foundation
import Testing
@testable import MemoryStore
@testable import SentenceEmbedding

/// `reindex`: only other models' vectors are recomputed, in committed batches,
/// so a failure keeps the finished batches and leaves the rest untouched.
struct ReindexTests {
    /// A test embedder: the lexical vectors under another model id, failing from its `failAfter`-th call on.
    final class FlakyEmbedder: Embedder, @unchecked Sendable {
        let modelID = "flaky-model"
        let dimension = 384
        let failAfter: Int
        private(set) var calls = 0
        init(failAfter: Int = .max) { self.failAfter = failAfter }

        func embed(_ texts: [String]) throws -> [[Float]] {
            calls += 1
            if calls > failAfter { throw MemoryStoreError.embedderMisbehaved(model: modelID, reason: "fails (a test embedder)") }
            return try LexicalHashEmbedder().embed(texts).map { $0.reversed() }
        }
    }

    func models(_ store: MemoryStore) throws -> [String: Int] {
        Dictionary(uniqueKeysWithValues: try store.stats().embeddingsByModel.map { ($0.name, $0.count) })
    }

    @Test func aFailureKeepsFinishedBatchesAndTheNextRunGoesOn() throws {
        let temp = TemporaryHome()
        let lexical = try temp.store()
        for i in 0..<40 { _ = try lexical.add(NewObservation(content: "note \(i) about caching and retries", project: "p")) }
        let before = try snapshotOfRows(lexical)

        let failing = try MemoryStore(home: temp.home, embedder: FlakyEmbedder(failAfter: 1))
        #expect(throws: MemoryStoreError.embedderMisbehaved(model: "flaky-model", reason: "fails (a test embedder)")) { try failing.reindex() }
        #expect(try models(failing) == ["flaky-model (384-d)": 32, "lexical-hash-384-v1 (384-d)": 8])
        // Only embeddings changed: every other field of every row is as before.
        func withoutEmbeddings(_ rows: [String]) throws -> [String] {
            try rows.map { line in
                guard case .object(var o) = try JSONParser.parse(line) else { return line }
                o["embedding"] = nil
                return JSONWriter.string(.object(o))
            }
        }
        #expect(try withoutEmbeddings(snapshotOfRows(failing)) == withoutEmbeddings(before))

        let working = try MemoryStore(home: temp.home, embedder: FlakyEmbedder())
        var progress: [Int] = []
        let report = try working.reindex { done, total in progress.append(done); #expect(total == 8) }
        #expect(report.reembedded == 8 && report.alreadyCurrent == 32)
        #expect(report.previousModels == ["lexical-hash-384-v1": 8])
        #expect(progress == [0, 8])
        #expect(try models(working) == ["flaky-model (384-d)": 40])
        #expect(try working.reindex().reembedded == 0)
        #expect(try working.reindex(all: true).reembedded == 40)
    }

    @Test func semanticSearchUsesTheNewVectorsAfterReindex() throws {
        let temp = TemporaryHome()
        let lexical = try temp.store()
        let target = try lexical.add(NewObservation(content: "PostgreSQL runs the orders service", project: "p"))
        _ = try lexical.add(NewObservation(content: "The login test waits for the cookie", project: "p"))
        let other = try MemoryStore(home: temp.home, embedder: FlakyEmbedder())
        #expect(try other.search("PostgreSQL orders", mode: .semantic).isEmpty)  // builds the index for flaky-model: empty
        _ = try other.reindex()
        #expect(try other.search("PostgreSQL orders", mode: .semantic).first?.observation.id == target.id)
    }
}
