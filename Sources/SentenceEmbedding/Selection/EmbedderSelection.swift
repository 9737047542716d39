import Foundation
import MemoryStore

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

    /// Reads the settings (environment, then the home's config.json) and builds the embedder.
    public static func make(home: Home, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> EmbedderSelection {
        let settings = try SettingsFile(home: home)
        func value(_ key: EmbedderSettings.Key) throws -> String? {
            let v = EmbedderSettings.value(key, settings: settings, environment: environment)
            guard let text = v.text else { return nil }
            if let problem = key.problem(with: text) {
                throw EmbeddingError.configuration("\(key.name) (from \(v.source)) \(problem)",
                                                   hint: "fix it with `ai-mem config set \(key.name) VALUE` or in \(key.environment)")
            }
            return text
        }
        let kind = EmbedderKind(rawValue: try value(EmbedderSettings.embedder) ?? "auto") ?? .auto
        let files = ModelFiles.located(environment: environment)
        switch kind {
        case .lexical:
            return EmbedderSelection(embedder: LexicalHashEmbedder(), kind: .lexical, notice: nil)
        case .auto where !files.isPresent:
            return EmbedderSelection(embedder: LexicalHashEmbedder(), kind: .lexical, notice: missingModelNotice)
        case .auto, .minilm:
            try files.checkPresent()
            let configuration = try BertConfiguration(contentsOf: files.url("config.json"))
            let embedder = DeferredEmbedder(modelID: MiniLMEmbedder.defaultModelID, dimension: configuration.hiddenSize) {
                try MiniLMEmbedder(files: files)
            }
            return EmbedderSelection(embedder: embedder, kind: .minilm, notice: nil)
        case .http:
            guard let url = try value(EmbedderSettings.url) else {
                throw EmbeddingError.configuration("the http embedder needs a server URL",
                                                   hint: "ai-mem config set embedder.url http://127.0.0.1:11434 (or set AI_MEM_EMBED_URL)")
            }
            guard let model = try value(EmbedderSettings.model) else {
                throw EmbeddingError.configuration("the http embedder needs a model name",
                                                   hint: "ai-mem config set embedder.model NAME (or set AI_MEM_EMBED_MODEL)")
            }
            let dimension = try value(EmbedderSettings.dimension).flatMap { Int($0) }
            let apiKey = environment["AI_MEM_EMBED_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
            let embedder = HTTPEmbedder(endpoint: try HTTPEndpoint(parsing: url), model: model, dimension: dimension, apiKey: apiKey)
            return EmbedderSelection(embedder: embedder, kind: .http, notice: nil)
        }
    }
}
