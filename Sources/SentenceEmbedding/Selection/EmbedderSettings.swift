import Foundation
import MemoryStore

/// The settings that choose the embedder: each is read from its environment
/// variable first, then from the home's `config.json` (`ai-mem config set`).
public enum EmbedderSettings {
    public struct Key: Sendable {
        public let name: String
        public let environment: String
        public let summary: String
        /// nil when `value` is acceptable, else what is wrong with it.
        let check: @Sendable (String) -> String?
        public func problem(with value: String) -> String? { check(value) }
    }

    public static let embedder = Key(
        name: "embedder", environment: "AI_MEM_EMBEDDER",
        summary: "auto (MiniLM when its files are present, else lexical), minilm, lexical, or http",
        check: { EmbedderKind(rawValue: $0) == nil ? "must be auto, minilm, lexical or http" : nil })
    public static let url = Key(
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
    public static let model = Key(
        name: "embedder.model", environment: "AI_MEM_EMBED_MODEL",
        summary: "the model the server should use for `http` (stored with every vector as its model id)",
        check: { $0.isEmpty || $0.utf8.count > 200 || $0.unicodeScalars.contains { $0.properties.generalCategory == .control } ? "must be 1 to 200 bytes without control characters" : nil })
    public static let dimension = Key(
        name: "embedder.dimension", environment: "AI_MEM_EMBED_DIMENSION",
        summary: "the vectors' dimension for `http` (asked of the server when unset)",
        check: { Int($0).map { (1...Embedding.maxDimension).contains($0) } == true ? nil : "must be a whole number from 1 to \(Embedding.maxDimension)" })

    public static let all = [embedder, url, model, dimension]

    public static func key(named name: String) -> Key? { all.first { $0.name == name } }

    /// A setting's value and where it came from.
    public struct Value: Sendable, Equatable {
        public var text: String?
        /// "environment (NAME)", "config", or "default".
        public var source: String
    }

    public static func value(_ key: Key, settings: SettingsFile, environment: [String: String]) -> Value {
        if let env = environment[key.environment], !env.isEmpty { return Value(text: env, source: "environment (\(key.environment))") }
        if let text = settings[key.name] { return Value(text: text, source: "config") }
        return Value(text: key.name == embedder.name ? EmbedderKind.auto.rawValue : nil, source: "default")
    }
}

/// Which embedder `EmbedderSettings.embedder` asks for.
public enum EmbedderKind: String, Sendable, CaseIterable {
    case auto, minilm, lexical, http
}
