import AIMemCore
import ArgumentParser
import Foundation
import MemoryStore
import Vault
import SentenceEmbedding

extension SearchMode: ExpressibleByArgument {}

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find observations by keyword, by meaning, or both (hybrid, the default)."
    )

    @OptionGroup var homeOptions: HomeOptions

    @Argument(help: "What to look for (free text; search syntax characters are taken literally).")
    var query: String

    @Option(help: "keyword, semantic or hybrid.")
    var mode: SearchMode = .hybrid

    @Option(help: "At most this many results.")
    var limit: Int = 10

    @Option(help: "Only this project.")
    var project: String?

    @Flag(help: "Print a JSON array of {score, observation} results.")
    var json = false

    func validate() throws {
        guard limit > 0 else { throw CommandError("--limit must be at least 1") }
    }

    func run() throws {
        let store = try homeOptions.openStore(announcing: mode != .keyword)
        let filter = ObservationFilter(project: project)
        let hits: [SearchHit]
        do {
            hits = try store.search(query, mode: mode, limit: limit, filter: filter)
        } catch let error as EmbeddingError where mode == .hybrid {
            // Hybrid search (the default) still answers when the embedder cannot: by keyword.
            Terminal.warning("\(error.message); showing keyword results only")
            hits = try store.search(query, mode: .keyword, limit: limit, filter: filter)
        }
        if mode != .keyword { try Self.noteWaitingVectors(store: store, home: homeOptions.resolved) }
        if json {
            let authors = Authors(home: homeOptions.resolved)
            Terminal.json(.array(hits.map { hit in
                .object(JSONObject([
                    "score": JSONValue.double(hit.score) ?? .null,
                    "keyword_rank": hit.keywordRank.map(JSONValue.int) ?? .null,
                    "semantic_rank": hit.semanticRank.map(JSONValue.int) ?? .null,
                    "observation": ObservationText.json(hit.observation, authors: authors),
                ]))
            }))
        } else if hits.isEmpty {
            Terminal.err("no matches")
            if mode != .keyword {
                let stats = try store.stats()
                let other = stats.embeddingsOfOtherModels
                if other > 0 {
                    Terminal.err("ai-mem: hint: \(other) observation(s) have embeddings of another model than \(stats.embeddingModel); run `ai-mem reindex` to search them by meaning")
                }
            }
        } else {
            for hit in hits {
                Terminal.out(String(format: "%7.4f  ", hit.score) + ObservationText.line(hit.observation))
            }
        }
    }

    /// Says on stderr how many memories semantic search cannot find yet because an
    /// import or merge left their vectors to a reindex, and how far that is.
    static func noteWaitingVectors(store: MemoryStore, home: Home) throws {
        let waiting = try store.memoriesWithoutEmbedding()
        guard waiting > 0 else { return }
        let what = "\(waiting) memor\(waiting == 1 ? "y has" : "ies have") no vector yet and \(waiting == 1 ? "is" : "are") not among the semantic results"
        if let status = ReindexJob.status(home), status.state == .running {
            Terminal.notice("\(what) (a background reindex is computing them: \(status.progressText))")
        } else {
            Terminal.notice("\(what)")
            Terminal.hint("run `ai-mem reindex --missing` (or `ai-mem reindex --background`)")
        }
    }
}
