import AIMemCore
import Foundation
import MemoryStore
import Testing
@testable import SentenceEmbedding

/// The Swift embedder against the independent reference implementation
/// (Reference/minilm_reference.py, numpy in float64): Fixtures/reference-embeddings.json.
@Suite(ModelSupport.enabled)
struct ReferenceVectorTests {
    struct Case {
        var text: String
        var ids: [Int32]
        var vector: [Double]
    }

    static func cases() throws -> [Case] {
        let reference = try ModelSupport.fixture("reference-embeddings.json")
        return try #require(reference["cases"]?.arrayValue).map { value in
            let entry = try #require(value.objectValue)
            return Case(
                text: try #require(entry["text"]?.stringValue),
                ids: try #require(entry["ids"]?.arrayValue).compactMap { $0.doubleValue.map { Int32($0) } },
                vector: try #require(entry["vector"]?.arrayValue).compactMap(\.doubleValue))
        }
    }

    @Test func eachVectorIsWithinCosine0999OfTheReference() throws {
        let embedder = try ModelSupport.embedder()
        let memoized = try ModelSupport.memoized()
        let cases = try Self.cases()
        #expect(cases.count >= 20)
        var lowest = 1.0
        defer { print(String(format: "reference vectors: %d sentences, lowest cosine to the reference %.7f", cases.count, lowest)) }
        for c in cases {
            #expect(embedder.tokenizer.encode(c.text) == c.ids, "tokens of \(c.text.prefix(40))")
            let vector = try memoized.embed([c.text])[0]
            #expect(vector.count == 384)
            let cosine = ModelSupport.cosine(vector, c.vector)
            lowest = min(lowest, cosine)
            #expect(cosine >= 0.999, "cosine \(cosine) for \(c.text.prefix(40))")
        }
    }

    @Test func batchedEmbeddingsEqualSingleOnes() throws {
        let embedder = try ModelSupport.embedder()
        let memoized = try ModelSupport.memoized()
        let texts = try Self.cases().map(\.text)
        let batched = try embedder.embed(texts)
        for (i, text) in texts.enumerated() {
            let single = try memoized.embed([text])[0]
            #expect(ModelSupport.cosine(batched[i], single.map(Double.init)) > 0.99999, "\(text.prefix(40))")
        }
    }

    @Test func vectorsAreUnitLengthAndMeaningCloserThanWords() throws {
        let embedder = try ModelSupport.embedder()
        let v = try embedder.embed(["The cat sat on the mat.", "A feline rested upon the rug.", "Quarterly tax filing deadline for the company."])
        for x in v {
            let norm = x.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-4)
        }
        #expect(ModelSupport.cosine(v[0], v[1].map(Double.init)) > ModelSupport.cosine(v[0], v[2].map(Double.init)) + 0.2)
    }
}
