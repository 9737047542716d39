import AIMemCore
import ArgumentParser
import MemoryStore

struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Counts of observations, projects, types and embeddings."
    )

    @OptionGroup var homeOptions: HomeOptions

    @Flag(help: "Print the figures as JSON.")
    var json = false

    func run() throws {
        let store = try homeOptions.openStore()
        let s = try store.stats()
        let waiting = try store.memoriesWithoutEmbedding()
        let job = ReindexJob.status(homeOptions.resolved)
        if json {
            func counts(_ list: [StoreStats.Count]) -> JSONValue {
                .object(JSONObject(list.map { JSONObject.Member(key: $0.name, value: .int($0.count)) }))
            }
            Terminal.json(.object(JSONObject([
                "home": .string(s.home),
                "observations": .int(s.observations),
                "projects": .int(s.projects),
                "types": counts(s.types),
                "embedding_model": .string(s.embeddingModel),
                "embedding_dim": .int(s.embeddingDimension),
                "embeddings": counts(s.embeddingsByModel),
                "without_vectors": .int(waiting),
                "reindex": job?.json ?? .null,
                "oldest": s.oldest.flatMap(JSONValue.double) ?? .null,
                "newest": s.newest.flatMap(JSONValue.double) ?? .null,
                "database_bytes": .int(s.databaseBytes),
            ])))
            return
        }
        Terminal.out("home:            \(s.home)")
        Terminal.out("observations:    \(s.observations)")
        Terminal.out("projects:        \(s.projects)")
        if !s.types.isEmpty {
            Terminal.out("types:           " + s.types.map { "\($0.name) \($0.count)" }.joined(separator: ", "))
        }
        Terminal.out("embedding model: \(s.embeddingModel) (\(s.embeddingDimension)-d)")
        if !s.embeddingsByModel.isEmpty {
            Terminal.out("embeddings:      " + s.embeddingsByModel.map { "\($0.name) \($0.count)" }.joined(separator: ", "))
        }
        if waiting > 0 {
            let how = job?.state == .running ? "a background reindex is computing them: \(job!.progressText)" : "run `ai-mem reindex --missing`"
            Terminal.out("                 \(waiting) without a vector yet (\(how))")
        }
        let stale = s.embeddingsOfOtherModels
        if stale > 0 {
            Terminal.out("                 \(stale) not searchable by meaning with \(s.embeddingModel): run `ai-mem reindex`")
        }
        if let oldest = s.oldest, let newest = s.newest {
            Terminal.out("span:            \(DateParsing.format(oldest)) … \(DateParsing.format(newest))")
        }
        Terminal.out("database:        \(s.databaseBytes) bytes")
    }
}
