import Foundation
import AIMemCore

/// An embedder whose model and dimension are known up front and whose
/// implementation is built the first time it embeds.
final class DeferredEmbedder: Embedder, @unchecked Sendable {
    let modelID: String
    let dimension: Int
    /// Known without loading the model.
    let embedsSlowly: Bool
    private let load: () throws -> any Embedder
    private let loaded = Locked<Result<any Embedder, any Error>?>(nil)

    init(modelID: String, dimension: Int, embedsSlowly: Bool, load: @escaping () throws -> any Embedder) {
        self.modelID = modelID
        self.dimension = dimension
        self.embedsSlowly = embedsSlowly
        self.load = load
    }

    func embed(_ texts: [String]) throws -> [[Float]] {
        let embedder = try loaded.withLock { loaded in
            if loaded == nil { loaded = Result { try load() } }
            return try loaded!.get()
        }
        return try embedder.embed(texts)
    }
}
