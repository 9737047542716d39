/// Turns texts into fixed-size vectors. Every vector is stored with the embedder's
/// `modelID` and `dimension`; search compares only vectors of the same model.
public protocol Embedder: Sendable {
    /// A stable identifier of the model and its version, e.g. "lexical-hash-384-v1".
    var modelID: String { get }
    var dimension: Int { get }
    /// One L2-normalised vector of `dimension` floats per text, in order.
    func embed(_ texts: [String]) throws -> [[Float]]
}
