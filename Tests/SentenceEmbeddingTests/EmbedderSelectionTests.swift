import Foundation
import MemoryStore
import Testing
@testable import SentenceEmbedding

/// How the settings (environment, then config.json) choose the embedder.
struct EmbedderSelectionTests {
    func home() throws -> Home {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ai-mem-selection-\(UUID().uuidString)")
        let home = Home(explicit: url.path)
        try home.ensureExists()
        return home
    }

    @Test func autoWithoutModelFilesFallsBackToLexicalWithANotice() throws {
        let selection = try EmbedderSelection.make(home: try home(), environment: ["AI_MEM_MODEL_DIR": "/nonexistent/model"])
        #expect(selection.kind == .lexical)
        #expect(selection.embedder.modelID == LexicalHashEmbedder().modelID)
        #expect(selection.notice?.contains("scripts/fetch-model.sh") == true)
    }

    @Test func explicitLexicalSaysNothingAndExplicitMiniLMWithoutFilesIsAnError() throws {
        let h = try home()
        let lexical = try EmbedderSelection.make(home: h, environment: ["AI_MEM_EMBEDDER": "lexical"])
        #expect(lexical.kind == .lexical && lexical.notice == nil)
        let error = #expect(throws: EmbeddingError.self) {
            try EmbedderSelection.make(home: h, environment: ["AI_MEM_EMBEDDER": "minilm", "AI_MEM_MODEL_DIR": "/nonexistent/model"])
        }
        #expect(error == .modelMissing(directory: "/nonexistent/model", file: "config.json"))
    }

    @Test func theConfigFileChoosesAndTheEnvironmentOverrides() throws {
        let h = try home()
        var settings = try SettingsFile(home: h)
        settings["embedder"] = "http"
        settings["embedder.url"] = "http://127.0.0.1:9/v1"
        settings["embedder.model"] = "nomic-embed-text"
        settings["embedder.dimension"] = "768"
        try settings.save()
        let http = try EmbedderSelection.make(home: h, environment: [:])
        #expect(http.kind == .http)
        #expect(http.embedder.modelID == "nomic-embed-text")
        #expect(http.embedder.dimension == 768)
        #expect((http.embedder as? HTTPEmbedder)?.endpoint.description == "http://127.0.0.1:9/v1/embeddings")
        let overridden = try EmbedderSelection.make(home: h, environment: ["AI_MEM_EMBEDDER": "lexical"])
        #expect(overridden.kind == .lexical)
    }

    @Test func incompleteOrInvalidSettingsAreErrorsNamingTheSetting() throws {
        let h = try home()
        let missingURL = #expect(throws: EmbeddingError.self) { try EmbedderSelection.make(home: h, environment: ["AI_MEM_EMBEDDER": "http"]) }
        #expect(missingURL?.hint?.contains("embedder.url") == true)
        let bad = #expect(throws: EmbeddingError.self) { try EmbedderSelection.make(home: h, environment: ["AI_MEM_EMBEDDER": "neural"]) }
        #expect(bad?.message.contains("embedder (from environment (AI_MEM_EMBEDDER))") == true, "\(bad?.message ?? "")")
    }

    @Test(ModelSupport.enabled) func autoWithTheModelPresentIsMiniLMLoadedOnFirstUse() throws {
        _ = try ModelSupport.embedder()
        let selection = try EmbedderSelection.make(home: try home(), environment: ["AI_MEM_MODEL_DIR": ModelSupport.files.path])
        #expect(selection.kind == .minilm && selection.notice == nil)
        #expect(selection.embedder.modelID == "all-MiniLM-L6-v2" && selection.embedder.dimension == 384)
        let v = try selection.embedder.embed(["hello world"])
        #expect(v.count == 1 && v[0].count == 384)
    }
}
