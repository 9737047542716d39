/// Turns texts into fixed-size vectors. Every vector is stored with the embedder's
/// `modelID` and `dimension`; search compares only vectors of the same model.
public protocol Embedder: Sendable {
    /// A stable identifier of the model and its version, e.g. "lexical-hash-384-v1".
    var modelID: String { get }
    var dimension: Int { get }
    /// One L2-normalised vector of `dimension` floats per text, in order.
    func embed(_ texts: [String]) throws -> [[Float]]
    /// Whether embedding many texts takes a long time (a model run here, a server):
    /// imports and merges then commit their records at once and leave the vectors
    /// of those that came without one to a reindex afterwards.
    var embedsSlowly: Bool { get }
}

extension Embedder {
    public var embedsSlowly: Bool { false }
}
