import AIMemCore
import Testing
@testable import MemoryStore
@testable import SentenceEmbedding

struct SearchTests {
    static func seeded() throws -> (TemporaryHome, MemoryStore) {
        let temp = TemporaryHome()
        let store = try temp.store()
        let texts = [
            ("Use PostgreSQL 16 for the orders service", "/api", ["db"]),
            ("Fixed off-by-one in pagination: page=0 returned the second page", "/api", ["pagination"]),
            ("The rate limiter counts OPTIONS preflight requests", "/api", ["cors"]),
            ("Docs build uses mdBook; no Sphinx", "/docs", ["docs"]),
            ("Release checklist: bump the version, tag, publish", "/docs", ["release"]),
        ]
        for (i, t) in texts.enumerated() {
            _ = try store.add(NewObservation(content: t.0, project: t.1, tags: t.2), now: Double(1000 + i))
        }
        return (temp, store)
    }

    @Test func keywordSearchRanksMatches() throws {
        let (_, store) = try Self.seeded()
        let hits = try store.search("pagination page", mode: .keyword)
        #expect(hits.first?.observation.content.contains("pagination") == true)
        #expect(hits.first?.keywordRank == 1)
        // Any-word fallback when no observation has every word.
        let fallback = try store.search("postgresql sphinx", mode: .keyword)
        #expect(Set(fallback.map { $0.observation.project }) == ["/api", "/docs"])
    }

    @Test func tagsAreSearchable() throws {
        let (_, store) = try Self.seeded()
        #expect(try store.search("cors", mode: .keyword).first?.observation.content.contains("preflight") == true)
    }

    @Test(arguments: [
        "\"unbalanced", "page=0 -pagination", "off-by-one*", "col:umn", "(paren", "a AND OR NOT", "NEAR(x y)", "^caret",
        "***", "\"\"", "'single'", "back\\slash", "-", "",
    ])
    func fts5SyntaxNeverErrors(_ query: String) throws {
        let (_, store) = try Self.seeded()
        for mode in SearchMode.allCases {
            _ = try store.search(query, mode: mode)
        }
    }

    @Test func syntaxCharactersAreTakenAsText() throws {
        let (_, store) = try Self.seeded()
        #expect(try store.search("off-by-one", mode: .keyword).first?.observation.content.contains("off-by-one") == true)
        #expect(try store.search("page=0", mode: .keyword).count == 1)
    }

    @Test func semanticSearchFindsWordFragments() throws {
        let (_, store) = try Self.seeded()
        let hits = try store.search("paginated pages", mode: .semantic, limit: 3)
        #expect(hits.first?.observation.content.contains("pagination") == true)
        #expect(hits.allSatisfy { $0.semanticRank != nil && $0.score > 0 })
    }

    @Test func hybridFusesBothRankings() throws {
        let (_, store) = try Self.seeded()
        let hits = try store.search("orders postgresql", mode: .hybrid, limit: 3)
        let top = try #require(hits.first)
        #expect(top.observation.content.contains("PostgreSQL"))
        #expect(top.keywordRank == 1 && top.semanticRank == 1)
        #expect(abs(top.score - 2.0 / 61.0) < 1e-12)
        #expect(hits.map(\.score) == hits.map(\.score).sorted(by: >))
    }

    @Test(arguments: [0, 1, 7, 500])
    func topKKeepsExactlyTheBestEntries(_ capacity: Int) {
        var state: UInt64 = 0x7077_4B + UInt64(capacity)
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        // Scores with many ties (a few hundred distinct values), row numbers unique.
        let entries = (0..<20_000).map { i in (seq: Int64(i) * 7 % 20_011, score: Double(next() % 300) / 10) }
        var best = TopK(capacity: capacity)
        for e in entries { best.insert(seq: e.seq, score: e.score) }
        let expected = entries.sorted { $0.score != $1.score ? $0.score > $1.score : $0.seq > $1.seq }.prefix(capacity)
        #expect(best.sorted().map(\.seq) == expected.map(\.seq))
        #expect(best.sorted().map(\.score) == expected.map(\.score))
    }

    @Test(arguments: [ObservationFilter(), ObservationFilter(project: "/api")])
    func hybridLeavesOutAnyWordMatches(_ filter: ObservationFilter) throws {
        let (_, store) = try Self.seeded()
        // No memory holds both words: keyword search falls back to any word, hybrid does not.
        #expect(try !store.search("postgresql limiter", mode: .keyword, filter: filter).isEmpty)
        let hits = try store.search("postgresql limiter", mode: .hybrid, filter: filter)
        #expect(!hits.isEmpty && hits.allSatisfy { $0.keywordRank == nil && $0.semanticRank != nil })
    }

    @Test func searchRespectsProjectAndLimit() throws {
        let (_, store) = try Self.seeded()
        let hits = try store.search("the", mode: .hybrid, limit: 10, filter: ObservationFilter(project: "/docs"))
        #expect(hits.allSatisfy { $0.observation.project == "/docs" })
        #expect(try store.search("the", limit: 1).count == 1)
    }

    @Test func semanticSearchNeverMixesModels() throws {
        let temp = TemporaryHome()
        let store = try temp.store()
        _ = try store.add(NewObservation(content: "vector of the local model", project: "/p"))
        // A store with another embedder (another dimension) sees no comparable vectors.
        let other = try MemoryStore(home: temp.home, embedder: LexicalHashEmbedder(dimension: 64))
        #expect(try other.search("vector model", mode: .semantic).isEmpty)
        #expect(try other.search("vector model", mode: .keyword).count == 1)
        #expect(try store.search("vector model", mode: .semantic).count == 1)
    }

    @Test func lexicalEmbedderIsDeterministicAndNormalised() throws {
        let e = LexicalHashEmbedder()
        let a = try e.embed(["Pagination bug 日本語"])[0]
        let b = try e.embed(["Pagination bug 日本語"])[0]
        #expect(a == b)
        #expect(abs(a.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        #expect(try e.embed([""])[0].allSatisfy { $0 == 0 })
        #expect(LexicalTokenizer.words("Hello, 日本語 world_2!") == ["hello", "日", "本", "語", "world_2"])
    }
}
