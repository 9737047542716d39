import AIMemCore
import ArgumentParser
import MemoryStore

struct ReindexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Re-embed the observations whose embedding is not of the current embedder.",
        discussion: """
            Semantic search compares only vectors of the current embedder's model (see \
            `ai-mem stats` and `ai-mem config`). After the model changes, or after merging \
            or importing observations embedded by another model, reindex computes their \
            vectors again. Work is committed every \(MemoryStore.reindexBatch) observations: \
            an interrupted reindex keeps what it finished, and running it again goes on.
            """
    )

    @OptionGroup var homeOptions: HomeOptions

    @Flag(help: "Re-embed every observation, even those already of the current model.")
    var all = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let store = try homeOptions.openStore(announcing: true)
        let progress = ProgressLine("re-embedding")
        defer { progress.finish() }
        let report = try store.reindex(all: all) { done, total in progress.update(done, total: total) }
        progress.finish()
        if json {
            Terminal.json(.object(JSONObject([
                "model": .string(report.model),
                "dimension": .int(report.dimension),
                "reembedded": .int(report.reembedded),
                "already_current": .int(report.alreadyCurrent),
                "previous_models": .object(JSONObject(report.previousModels.keys.sorted().map {
                    JSONObject.Member(key: $0, value: .int(report.previousModels[$0]!))
                })),
            ])))
        } else if report.reembedded == 0 {
            Terminal.out("all \(report.alreadyCurrent) observations already have \(report.model) embeddings")
        } else {
            let from = report.previousModels.keys.sorted().map { "\($0) \(report.previousModels[$0]!)" }.joined(separator: ", ")
            Terminal.out("re-embedded \(report.reembedded) observations with \(report.model) (\(report.dimension)-d; they had: \(from)); \(report.alreadyCurrent) were already current")
        }
    }
}
