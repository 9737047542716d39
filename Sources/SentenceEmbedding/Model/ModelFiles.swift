import Foundation
import AIMemCore

/// Where the local sentence-embedding model's files are: `$AI_MEM_MODEL_DIR`, else
/// `$XDG_CACHE_HOME/ai-mem/models/all-MiniLM-L6-v2`, else
/// `~/.cache/ai-mem/models/all-MiniLM-L6-v2` (where scripts/fetch-model.sh puts them).
public struct ModelFiles: Sendable, Equatable {
    /// The files the encoder cannot do without.
    public static let required = ["config.json", "vocab.txt", "model.safetensors"]
    static let maxConfigBytes = 1 << 20

    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// The directory the environment names, or the default cache directory.
    public static func located(environment: [String: String] = ProcessInfo.processInfo.environment) -> ModelFiles {
        if let explicit = environment["AI_MEM_MODEL_DIR"], !explicit.isEmpty {
            return ModelFiles(directory: URL(fileURLWithPath: explicit, isDirectory: true))
        }
        let cache: URL
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            cache = URL(fileURLWithPath: xdg, isDirectory: true)
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            cache = URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent(".cache", isDirectory: true)
        }
        return ModelFiles(directory: cache.appendingPathComponent("ai-mem/models/all-MiniLM-L6-v2", isDirectory: true))
    }

    public var path: String { directory.path }

    /// True when every required file is present (whether they load is another matter).
    public var isPresent: Bool {
        Self.required.allSatisfy { FileManager.default.fileExists(atPath: url($0).path) }
    }

    func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// The first required file that is missing, as an error.
    func checkPresent() throws {
        for name in Self.required where !FileManager.default.fileExists(atPath: url(name).path) {
            throw EmbeddingError.modelMissing(directory: path, file: name)
        }
    }

    /// A small JSON object file (a configuration).
    static func jsonObject(_ url: URL) throws -> JSONObject {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw EmbeddingError.invalidModel(reason: "cannot read \(url.path): \(error.localizedDescription)")
        }
        guard data.count <= maxConfigBytes else { throw EmbeddingError.invalidModel(reason: "\(url.path) is larger than 1 MiB") }
        do {
            guard case .object(let object) = try JSONParser.parse([UInt8](data)) else {
                throw EmbeddingError.invalidModel(reason: "\(url.path) is not a JSON object")
            }
            return object
        } catch let error as EmbeddingError {
            throw error
        } catch {
            throw EmbeddingError.invalidModel(reason: "\(url.path) is not JSON (\(error))")
        }
    }
}
