import AIMemCore
import Foundation
import SentenceEmbedding

/// The settings that choose the embedder: each is read from its environment
/// variable first, then from the home's `config.json` (`ai-mem config set`).
enum EmbedderSettings {
    struct Key: Sendable {
        let name: String
        let environment: String
        let summary: String
        /// nil when `value` is acceptable, else what is wrong with it.
        let check: @Sendable (String) -> String?
        func problem(with value: String) -> String? { check(value) }
    }

    static let embedder = Key(
        name: "embedder", environment: "AI_MEM_EMBEDDER",
        summary: "auto (MiniLM when its files are present, else lexical), minilm, lexical, or http",
        check: { EmbedderKind(rawValue: $0) == nil ? "must be auto, minilm, lexical or http" : nil })
    static let url = Key(
        name: "embedder.url", environment: "AI_MEM_EMBED_URL",
        summary: "the OpenAI-compatible server for `http`, e.g. http://127.0.0.1:11434 (POST /v1/embeddings)",
        check: { text in
            do {
                _ = try HTTPEndpoint(parsing: text)
                return nil
            } catch let error as EmbeddingError {
                return "is not usable: \(error.message)"
            } catch {
                return "must be an http:// URL such as http://127.0.0.1:11434"
            }
        })
    static let model = Key(
        name: "embedder.model", environment: "AI_MEM_EMBED_MODEL",
        summary: "the model the server should use for `http` (stored with every vector as its model id)",
        check: { $0.isEmpty || $0.utf8.count > 200 || $0.unicodeScalars.contains { $0.properties.generalCategory == .control } ? "must be 1 to 200 bytes without control characters" : nil })
    static let dimension = Key(
        name: "embedder.dimension", environment: "AI_MEM_EMBED_DIMENSION",
        summary: "the vectors' dimension for `http` (asked of the server when unset)",
        check: { Int($0).map { (1...Embedding.maxDimension).contains($0) } == true ? nil : "must be a whole number from 1 to \(Embedding.maxDimension)" })

    static let all = [embedder, url, model, dimension]

    static func key(named name: String) -> Key? { all.first { $0.name == name } }

    /// A setting's value and where it came from.
    struct Value: Sendable, Equatable {
        var text: String?
        /// "environment (NAME)", "config", or "default".
        var source: String
    }

    static func value(_ key: Key, settings: SettingsFile, environment: [String: String]) -> Value {
        if let env = environment[key.environment], !env.isEmpty { return Value(text: env, source: "environment (\(key.environment))") }
        if let text = settings[key.name] { return Value(text: text, source: "config") }
        return Value(text: key.name == embedder.name ? EmbedderKind.auto.rawValue : nil, source: "default")
    }
}

extension EmbedderSettings {
    /// Resolves the settings (environment first, then the home's config.json) into
    /// the embedder they ask for; an unusable value is an error naming the setting
    /// and where it came from.
    static func request(home: Home, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> EmbedderRequest {
        let settings = try SettingsFile(home: home)
        func text(_ key: Key) throws -> String? {
            let v = value(key, settings: settings, environment: environment)
            guard let text = v.text else { return nil }
            if let problem = key.problem(with: text) {
                throw EmbeddingError.configuration("\(key.name) (from \(v.source)) \(problem)",
                                                   hint: "fix it with `ai-mem config set \(key.name) VALUE` or in \(key.environment)")
            }
            return text
        }
        let kind = EmbedderKind(rawValue: try text(embedder) ?? "auto") ?? .auto
        let files = ModelFiles.located(environment: environment)
        switch kind {
        case .auto: return .auto(files)
        case .minilm: return .minilm(files)
        case .lexical: return .lexical
        case .http:
            guard let address = try text(url) else {
                throw EmbeddingError.configuration("the http embedder needs a server URL",
                                                   hint: "ai-mem config set embedder.url http://127.0.0.1:11434 (or set AI_MEM_EMBED_URL)")
            }
            guard let name = try text(model) else {
                throw EmbeddingError.configuration("the http embedder needs a model name",
                                                   hint: "ai-mem config set embedder.model NAME (or set AI_MEM_EMBED_MODEL)")
            }
            let apiKey = environment["AI_MEM_EMBED_API_KEY"].flatMap { $0.isEmpty ? nil : $0 }
            let caFile = environment["AI_MEM_EMBED_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            return .http(endpoint: try HTTPEndpoint(parsing: address, caFile: caFile), model: name,
                         dimension: try text(dimension).flatMap { Int($0) }, apiKey: apiKey)
        }
    }
}
