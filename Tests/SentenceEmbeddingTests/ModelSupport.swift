import AIMemCore
import Foundation
import MemoryStore
import TestFixtures
import Testing
@testable import SentenceEmbedding

/// The model files for the tests that need them: where `ai-mem` itself finds them
/// (scripts/fetch-model.sh puts them there; the README's set-up runs it). A missing
/// model fails these tests, unless AI_MEM_SKIP_MODEL_TESTS=1 says to skip them.
enum ModelSupport {
    static let files = ModelFiles.located()
    static let skip = ProcessInfo.processInfo.environment["AI_MEM_SKIP_MODEL_TESTS"] == "1"
    static let enabled = Testing.ConditionTrait.enabled(if: !skip, "AI_MEM_SKIP_MODEL_TESTS=1")

    /// One embedder shared by the tests (loading maps the weights once).
    static let shared: Result<MiniLMEmbedder, any Error> = Result { try MiniLMEmbedder(files: files) }

    static func embedder() throws -> MiniLMEmbedder {
        try #require(files.isPresent, "the model is not in \(files.path): run scripts/fetch-model.sh")
        return try shared.get()
    }

    /// The encoder with every layer in float32, whatever the CPU.
    static let sharedFloat32: Result<MiniLMEmbedder, any Error> = Result {
        try MiniLMEmbedder(files: files, modelID: MiniLMEmbedder.defaultModelID, quantized: false)
    }

    static func float32Embedder() throws -> MiniLMEmbedder {
        try #require(files.isPresent, "the model is not in \(files.path): run scripts/fetch-model.sh")
        return try sharedFloat32.get()
    }

    /// The shared embedder behind a memo of single texts: tests that need the same
    /// text's vector (one at a time) share one computation — the encoder runs
    /// unoptimised in `swift test`.
    static func memoized() throws -> MemoizedEmbedder { MemoizedEmbedder(try embedder()) }

    static func fixture(_ name: String) throws -> JSONObject {
        guard case .object(let object) = try JSONParser.parse([UInt8](Fixtures.data("SentenceEmbeddingTests/Fixtures/\(name)"))) else {
            throw EmbeddingError.invalidModel(reason: "\(name) is not a JSON object")
        }
        return object
    }

    static func cosine(_ a: [Float], _ b: [Double]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in 0..<min(a.count, b.count) {
            dot += Double(a[i]) * b[i]
            na += Double(a[i]) * Double(a[i])
            nb += b[i] * b[i]
        }
        return dot / max((na * nb).squareRoot(), 1e-30)
    }
}

/// Embeds each text once per process; batches of several texts go straight to the model.
final class MemoizedEmbedder: Embedder, Sendable {
    private let base: MiniLMEmbedder
    private static let memo = Locked<[String: [Float]]>([:])
    var modelID: String { base.modelID }
    var dimension: Int { base.dimension }

    init(_ base: MiniLMEmbedder) { self.base = base }

    func embed(_ texts: [String]) throws -> [[Float]] {
        guard texts.count == 1 else { return try base.embed(texts) }
        if let known = Self.memo.withLock({ $0[texts[0]] }) { return [known] }
        let vector = try base.embed(texts)[0]
        Self.memo.withLock { $0[texts[0]] = vector }
        return [vector]
    }
}
