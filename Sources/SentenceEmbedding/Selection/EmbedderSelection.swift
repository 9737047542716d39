import Foundation
import AIMemCore

/// The embedder the settings choose, ready to give to `MemoryStore`. The local
/// model is loaded on first use, so commands that never embed pay nothing.
public struct EmbedderSelection: Sendable {
    public let embedder: any Embedder
    public let kind: EmbedderKind
    /// Set when `auto` fell back to the lexical embedder: one line saying how to get the model.
    public let notice: String?

    public static let missingModelNotice =
        "semantic search is using the built-in lexical embedder; for real sentence embeddings run scripts/fetch-model.sh (all-MiniLM-L6-v2) or set AI_MEM_MODEL_DIR"

    public init(embedder: any Embedder, kind: EmbedderKind, notice: String?) {
        self.embedder = embedder
        self.kind = kind
        self.notice = notice
    }

    /// Builds the embedder `request` asks for (the local model is loaded on first use).
    public static func make(_ request: EmbedderRequest) throws -> EmbedderSelection {
        switch request {
        case .lexical:
            return EmbedderSelection(embedder: LexicalHashEmbedder(), kind: .lexical, notice: nil)
        case .auto(let files) where !files.isPresent:
            return EmbedderSelection(embedder: LexicalHashEmbedder(), kind: .lexical, notice: missingModelNotice)
        case .auto(let files), .minilm(let files):
            try files.checkPresent()
            let configuration = try BertConfiguration(contentsOf: files.url("config.json"))
            let embedder = DeferredEmbedder(modelID: MiniLMEmbedder.defaultModelID, dimension: configuration.hiddenSize, embedsSlowly: true) {
                try MiniLMEmbedder(files: files)
            }
            return EmbedderSelection(embedder: embedder, kind: .minilm, notice: nil)
        case .http(let endpoint, let model, let dimension, let apiKey):
            let embedder = HTTPEmbedder(endpoint: endpoint, model: model, dimension: dimension, apiKey: apiKey)
            return EmbedderSelection(embedder: embedder, kind: .http, notice: nil)
        }
    }
}

/// Which embedder to build, with what it needs.
public enum EmbedderRequest: Sendable {
    /// MiniLM when its files are present, else the lexical embedder with a notice.
    case auto(ModelFiles)
    /// MiniLM; missing files are an error.
    case minilm(ModelFiles)
    /// The lexical hashing embedder.
    case lexical
    /// An OpenAI-compatible server.
    case http(endpoint: HTTPEndpoint, model: String, dimension: Int?, apiKey: String?)
}

/// Which embedder a user may ask for (the setting `embedder`).
public enum EmbedderKind: String, Sendable, CaseIterable {
    case auto, minilm, lexical, http
}
