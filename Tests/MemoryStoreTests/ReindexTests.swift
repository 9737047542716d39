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

    /// A slow embedder (as the local model or a server): the lexical vectors under
    /// its own id, with a hook run inside each call.
    final class SlowEmbedder: Embedder, @unchecked Sendable {
        let modelID = "slow-model"
        let dimension = 384
        var embedsSlowly: Bool { true }
        var onEmbed: (Int) throws -> Void = { _ in }
        private(set) var texts = 0
        func embed(_ texts: [String]) throws -> [[Float]] {
            self.texts += texts.count
            try onEmbed(self.texts)
            return try LexicalHashEmbedder().embed(texts)
        }
    }

    static func records(_ count: Int, embedded: Int = 0) -> String {
        (0..<count).map { i in
            let embedding = i < embedded
                ? #","embedding":{"model":"other-model","dim":2,"vector":"AACAPwAAAAA="}"#
                : ""
            return #"{"id":"rec-\#(i)","project":"p","type":"note","content":"note \#(i) about the orders database","created_at":1780000000,"updated_at":1780000000\#(embedding)}"#
        }.joined(separator: "\n") + "\n"
    }

    @Test func aSlowEmbedderLeavesImportedRecordsToAReindexOfTheMissingOnes() throws {
        let temp = TemporaryHome()
        let slow = SlowEmbedder()
        let store = try MemoryStore(home: temp.home, embedder: slow)
        let file = try temp.file("in.ndjson", contents: Self.records(50, embedded: 5))
        let report = try store.importObservations(from: .file(file), options: ImportOptions(defaultProject: "p"))
        #expect(report.imported == 50 && report.withoutVectors == 45 && report.foreignEmbeddings == 5)
        #expect(slow.texts == 0)  // nothing embedded during the import
        #expect(try store.memoriesWithoutEmbedding() == 45 && store.memoriesWithoutVectors() == 50)
        #expect(try store.search("orders database", mode: .keyword).count == 10)
        #expect(try store.search("orders database", mode: .semantic).isEmpty)

        let queries = slow.texts  // the semantic search embedded its query
        var progress: [(Int, Int)] = []
        let done = try store.reindex(.missing) { progress.append(($0, $1)) }
        #expect(done.reembedded == 45 && done.alreadyCurrent == 5 && done.previousModels == ["none": 45])
        #expect(progress.map(\.0) == [0, 32, 45] && progress.allSatisfy { $0.1 == 45 })
        #expect(slow.texts - queries == 45)
        // The other model's vectors stay until a reindex of the stale ones.
        #expect(try store.memoriesWithoutEmbedding() == 0 && store.memoriesWithoutVectors() == 5)
        #expect(try store.search("orders database", mode: .semantic).count == 10)
        #expect(try store.reindex(.stale).reembedded == 5)
        #expect(try store.memoriesWithoutVectors() == 0)
    }

    @Test func aRowEditedWhileItsVectorIsComputedKeepsItsNewVersion() throws {
        let temp = TemporaryHome()
        let slow = SlowEmbedder()
        let store = try MemoryStore(home: temp.home, embedder: slow)
        let file = try temp.file("in.ndjson", contents: Self.records(40))
        _ = try store.importObservations(from: .file(file), options: ImportOptions(defaultProject: "p"))
        let editor = try temp.store()  // another process, on the lexical embedder
        slow.onEmbed = { texts in
            // While the first batch is being embedded (no lock held), rec-3 is edited and rec-4 deleted.
            if texts == 32 {
                _ = try editor.edit("rec-3", ObservationEdit(content: "rewritten while embedding"), ownKeyIDs: [])
                _ = try editor.delete("rec-4", ownKeyIDs: [])
            }
        }
        let report = try store.reindex(.missing)
        #expect(report.changedMeanwhile == 2 && report.reembedded == 38)
        let edited = try store.observation("rec-3")
        #expect(edited.content == "rewritten while embedding" && edited.embedding?.model == "lexical-hash-384-v1")
        #expect(try store.memoriesWithoutEmbedding() == 0)
    }

    @Test func theBackgroundStatusFileIsReadAsHostileInput() throws {
        let temp = TemporaryHome()
        _ = try temp.store()
        let status = ReindexJob.Status(state: .finished, pid: 42, scope: .missing, model: "m", startedAt: 1, updatedAt: 2, done: 3, total: 3, rate: 1.5)
        try ReindexJob.write(status, to: temp.home)
        #expect(ReindexJob.status(temp.home) == status)
        let path = temp.url.appendingPathComponent(ReindexJob.statusFileName).path
        for bad in [#"{"state":"finished"}"#, "not json", #"{"state":"done","pid":1,"scope":"missing","model":"m","started_at":1,"updated_at":1,"done":0,"total":0,"rate":0}"#,
                    #"{"state":"finished","pid":-1,"scope":"missing","model":"m","started_at":1,"updated_at":1,"done":0,"total":0,"rate":0}"#,
                    #"{"state":"finished","pid":1,"scope":"missing","model":"m","started_at":1,"updated_at":1,"done":0.5,"total":0,"rate":0}"#,
                    #"{"state":"finished","pid":1,"scope":"missing","model":"m","started_at":1,"updated_at":1,"done":0,"total":0,"rate":0,"error":7}"#,
                    String(repeating: " ", count: 70_000)] {
            try Data(bad.utf8).write(to: URL(fileURLWithPath: path))
            #expect(ReindexJob.status(temp.home) == nil, "\(bad.prefix(60))")
        }
        // Writable by others: not trusted.
        try ReindexJob.write(status, to: temp.home)
        chmod(path, 0o666)
        #expect(ReindexJob.status(temp.home) == nil)
        // "running" with nobody holding the lock: it stopped without saying so.
        var running = status
        running.state = .running
        try ReindexJob.write(running, to: temp.home)
        let seen = try #require(ReindexJob.status(temp.home))
        #expect(seen.state == .failed && seen.error?.contains("stopped before finishing") == true)
        // While the lock is held, it is running, and only one holder at a time.
        let lock = try #require(try ReindexJob.acquire(temp.home))
        #expect(ReindexJob.isRunning(temp.home) && ReindexJob.status(temp.home)?.state == .running)
        #expect(try ReindexJob.acquire(temp.home) == nil)
        lock.release()
        #expect(!ReindexJob.isRunning(temp.home))
    }
}
