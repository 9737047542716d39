import AIMemCore
import Foundation
import Testing
@testable import MemoryStore

struct StoreTests {
    @Test func addComputesSummaryHashAndEmbedding() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        let o = try store.add(NewObservation(content: "  Use PostgreSQL 16 for orders\n", project: "/p", type: "decision", tags: ["db"]), now: 1000)
        #expect(o.content == "Use PostgreSQL 16 for orders")
        #expect(o.summary == o.content)
        #expect(o.contentHash == SHA256Hex.of("Use PostgreSQL 16 for orders"))
        #expect(o.contentHash.count == 64)
        #expect(o.createdAt == 1000 && o.updatedAt == 1000)
        let e = try #require(o.embedding)
        #expect(e.model == store.embedder.modelID)
        #expect(e.dimension == 384)
        let norm = e.vector.reduce(0) { $0 + $1 * $1 }
        #expect(abs(norm - 1) < 1e-4)
        #expect(try store.observation(o.id) == o)
    }

    @Test func contentHashIsSHA256OfUTF8Content() {
        // Known value: SHA-256 of "abc".
        #expect(ContentHash.of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func privateBlocksAreNeverStored() throws {
        let temp = TemporaryHome()
        let o = try temp.store().add(NewObservation(content: "token is <private>hunter2</private> rotated", project: "/p"))
        #expect(o.content == "token is  rotated")
        #expect(!o.content.contains("hunter2"))
        #expect(throws: MemoryStoreError.emptyContent) {
            try temp.store().add(NewObservation(content: " <private>only secret</private>\n ", project: "/p"))
        }
    }

    @Test func longContentGetsATruncatedSummary() throws {
        let temp = TemporaryHome()
        let text = String(repeating: "é", count: 600)
        let o = try temp.store().add(NewObservation(content: text, project: "/p"))
        #expect(o.summary == String(repeating: "é", count: 500) + "...")
        #expect(o.content == text)
    }

    @Test func listFiltersAndOrdersNewestFirst() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        _ = try store.add(NewObservation(content: "one", project: "/a", type: "note", tags: ["x"]), now: 100)
        _ = try store.add(NewObservation(content: "two", project: "/b", type: "bugfix", tags: ["x", "y"]), now: 200)
        _ = try store.add(NewObservation(content: "three", project: "/a", type: "bugfix", tags: ["y"]), now: 300)
        #expect(try store.list().map(\.content) == ["three", "two", "one"])
        #expect(try store.list(ObservationFilter(project: "/a")).map(\.content) == ["three", "one"])
        #expect(try store.list(ObservationFilter(type: "bugfix")).map(\.content) == ["three", "two"])
        #expect(try store.list(ObservationFilter(tags: ["x"])).map(\.content) == ["two", "one"])
        #expect(try store.list(ObservationFilter(tags: ["x", "y"])).map(\.content) == ["two"])
        #expect(try store.list(ObservationFilter(since: 150)).map(\.content) == ["three", "two"])
        #expect(try store.list(limit: 1).map(\.content) == ["three"])
    }

    @Test func showAndDeleteAcceptUniquePrefixes() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        let a = try store.add(NewObservation(content: "alpha", project: "/p", id: "aaaa1111-0000-4000-8000-000000000001"))
        _ = try store.add(NewObservation(content: "beta", project: "/p", id: "aaaa2222-0000-4000-8000-000000000002"))
        #expect(try store.observation("aaaa1").id == a.id)
        #expect(throws: MemoryStoreError.ambiguousID(prefix: "aaaa", matches: 2)) { try store.observation("aaaa") }
        #expect(throws: MemoryStoreError.notFound(id: "zzzz")) { try store.observation("zzzz") }
        #expect(throws: MemoryStoreError.notFound(id: "a")) { try store.observation("a") }
        #expect(try store.delete("aaaa1", ownKeyIDs: []).id == a.id)
        #expect(throws: MemoryStoreError.notFound(id: a.id)) { try store.observation(a.id) }
        #expect(try store.stats().observations == 1)
        // The FTS entry went with the row.
        #expect(try store.search("alpha", mode: .keyword).isEmpty)
        #expect(try store.search("beta", mode: .keyword).count == 1)
    }

    @Test func statsCountsProjectsTypesAndModels() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        _ = try store.add(NewObservation(content: "one", project: "/a", type: "note"))
        _ = try store.add(NewObservation(content: "two", project: "/b", type: "note"))
        _ = try store.add(NewObservation(content: "three", project: "/b", type: "bugfix"))
        let s = try store.stats()
        #expect(s.observations == 3)
        #expect(s.projects == 2)
        #expect(s.types == [.init(name: "note", count: 2), .init(name: "bugfix", count: 1)])
        #expect(s.embeddingModel == "lexical-hash-384-v1")
        #expect(s.embeddingsByModel == [.init(name: "lexical-hash-384-v1 (384-d)", count: 3)])
    }

    @Test func storeSurvivesReopeningAndUsesWAL() throws {
        let temp = TemporaryHome()
        let id = try temp.store().add(NewObservation(content: "persisted", project: "/p")).id
        let reopened = try temp.store()
        #expect(try reopened.observation(id).content == "persisted")
        let mode = try reopened.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func homeResolutionOrder() {
        #expect(Home(explicit: "/x", environment: ["AI_MEM_HOME": "/y", "HOME": "/h"]).path == "/x")
        #expect(Home(explicit: nil, environment: ["AI_MEM_HOME": "/y", "HOME": "/h"]).path == "/y")
        #expect(Home(explicit: nil, environment: ["HOME": "/h"]).path == "/h/.ai-mem")
    }

    @Test func sinceAcceptsDatesEpochsAndDurations() {
        #expect(DateParsing.since("7d", now: 1_000_000) == 395_200.0)
        #expect(DateParsing.since("30m", now: 10_000) == 8_200.0)
        #expect(DateParsing.since("1795577473.5") == 1795577473.5)
        #expect(DateParsing.since("2026-11-01") == 1793491200)
        #expect(DateParsing.since("2026-11-01T12:00:00Z") == 1_793_534_400.0)
        #expect(DateParsing.since("yesterday") == nil)
        #expect(DateParsing.iso8601("2026-11-01T14:00:00+02:00") == 1_793_534_400.0)
        #expect(DateParsing.iso8601("2026-11-01 12:00:00.5") == 1_793_534_400.5)
        #expect(DateParsing.iso8601("2024-02-29") == 1_709_164_800.0)
        for bad in ["2023-02-29", "2026-13-01", "2026-11-01T25:00:00Z", "2026-11-01T12:00:00Zx", "2026-11-1", "", "2026-11-01T12:00"] {
            #expect(DateParsing.iso8601(bad) == nil, "\(bad)")
        }
        for t in [0.0, 951_782_400, 1_795_577_473.9, -86_401, 4_102_444_800] {
            #expect(DateParsing.iso8601(DateParsing.format(t)) == t.rounded(.down))
        }
        #expect(DateParsing.format(1_793_534_400) == "2026-11-01T12:00:00Z")
    }
}
