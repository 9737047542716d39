import AIMemCore
import Foundation
import MemoryStore
import Testing
@testable import SentenceEmbedding

/// Recall@5 on a labelled retrieval set (Fixtures/retrieval-set.json): 36
/// memories and 22 questions phrased with other words than their answers.
@Suite(ModelSupport.enabled)
struct RetrievalTests {
    struct Query {
        var text: String
        var relevant: Set<String>
    }

    static func load() throws -> (memories: [(id: String, text: String)], queries: [Query], exact: [Query]) {
        let set = try ModelSupport.fixture("retrieval-set.json")
        let memories = try #require(set["memories"]?.arrayValue).map { value in
            let o = try #require(value.objectValue)
            return (id: try #require(o["id"]?.stringValue), text: try #require(o["text"]?.stringValue))
        }
        func queries(_ key: String) throws -> [Query] {
            try #require(set[key]?.arrayValue).map { value in
                let o = try #require(value.objectValue)
                return Query(text: try #require(o["query"]?.stringValue), relevant: Set(try #require(o["relevant"]?.arrayValue).compactMap(\.stringValue)))
            }
        }
        return (memories, try queries("queries"), try queries("exact_queries"))
    }

    /// The share of queries with a relevant memory among the first five results.
    static func recallAt5(_ store: MemoryStore, _ queries: [Query], mode: SearchMode) throws -> Double {
        var found = 0
        for q in queries {
            let ids = try store.search(q.text, mode: mode, limit: 5).map(\.observation.id)
            if ids.contains(where: q.relevant.contains) { found += 1 }
        }
        return Double(found) / Double(queries.count)
    }

    static func store(_ embedder: any Embedder, memories: [(id: String, text: String)]) throws -> MemoryStore {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ai-mem-retrieval-\(UUID().uuidString)")
        let store = try MemoryStore(home: Home(explicit: url.path), embedder: embedder)
        for m in memories { _ = try store.add(NewObservation(content: m.text, project: "retrieval", id: m.id)) }
        return store
    }

    @Test func semanticAndHybridSearchBeatKeywordSearch() throws {
        let (memories, queries, exact) = try Self.load()
        #expect(memories.count >= 30 && queries.count >= 15)
        let store = try Self.store(try ModelSupport.memoized(), memories: memories)
        defer { try? FileManager.default.removeItem(at: store.home.url) }
        let keyword = try Self.recallAt5(store, queries, mode: .keyword)
        let semantic = try Self.recallAt5(store, queries, mode: .semantic)
        let hybrid = try Self.recallAt5(store, queries, mode: .hybrid)
        let lexicalStore = try Self.store(LexicalHashEmbedder(), memories: memories)
        defer { try? FileManager.default.removeItem(at: lexicalStore.home.url) }
        let lexical = try Self.recallAt5(lexicalStore, queries, mode: .semantic)
        print(String(format: "recall@5 over %d queries: keyword %.2f, semantic %.2f, hybrid %.2f (MiniLM); lexical embedder as semantic %.2f",
                     queries.count, keyword, semantic, hybrid, lexical))
        #expect(semantic > keyword)
        #expect(hybrid > keyword)
        #expect(semantic >= 0.8, "semantic recall@5 \(semantic)")

        // Queries in the answer's own words: hybrid keeps what keyword search finds.
        let exactKeyword = try Self.recallAt5(store, exact, mode: .keyword)
        let exactSemantic = try Self.recallAt5(store, exact, mode: .semantic)
        let exactHybrid = try Self.recallAt5(store, exact, mode: .hybrid)
        print(String(format: "recall@5 over %d queries in the answers' own words: keyword %.2f, semantic %.2f, hybrid %.2f",
                     exact.count, exactKeyword, exactSemantic, exactHybrid))
        #expect(exactHybrid >= exactKeyword)
    }
}
