import AIMemCore
import Foundation
import Testing
@testable import SentenceEmbedding

/// What each embedder request builds. (How the settings — environment, then
/// config.json — become a request is the command line's part: EndToEndTests.)
struct EmbedderSelectionTests {
    static let missing = ModelFiles(directory: URL(fileURLWithPath: "/nonexistent/model"))

    @Test func autoWithoutModelFilesFallsBackToLexicalWithANotice() throws {
        let selection = try EmbedderSelection.make(.auto(Self.missing))
        #expect(selection.kind == .lexical)
        #expect(selection.embedder.modelID == LexicalHashEmbedder().modelID)
        #expect(selection.notice?.contains("scripts/fetch-model.sh") == true)
    }

    @Test func explicitLexicalSaysNothingAndExplicitMiniLMWithoutFilesIsAnError() throws {
        let lexical = try EmbedderSelection.make(.lexical)
        #expect(lexical.kind == .lexical && lexical.notice == nil)
        let error = #expect(throws: EmbeddingError.self) { try EmbedderSelection.make(.minilm(Self.missing)) }
        #expect(error == .modelMissing(directory: "/nonexistent/model", file: "config.json"))
    }

    @Test func httpRequestsBuildTheHTTPEmbedderWithTheGivenDimension() throws {
        let endpoint = try HTTPEndpoint(parsing: "http://127.0.0.1:9/v1")
        let http = try EmbedderSelection.make(.http(endpoint: endpoint, model: "nomic-embed-text", dimension: 768, apiKey: nil))
        #expect(http.kind == .http)
        #expect(http.embedder.modelID == "nomic-embed-text")
        #expect(http.embedder.dimension == 768)
        #expect((http.embedder as? HTTPEmbedder)?.endpoint.description == "http://127.0.0.1:9/v1/embeddings")
    }

    @Test(ModelSupport.enabled) func autoWithTheModelPresentIsMiniLMLoadedOnFirstUse() throws {
        _ = try ModelSupport.embedder()
        let selection = try EmbedderSelection.make(.auto(ModelSupport.files))
        #expect(selection.kind == .minilm && selection.notice == nil)
        #expect(selection.embedder.modelID == "all-MiniLM-L6-v2" && selection.embedder.dimension == 384)
        let v = try selection.embedder.embed(["hello world"])
        #expect(v.count == 1 && v[0].count == 384)
    }
}
