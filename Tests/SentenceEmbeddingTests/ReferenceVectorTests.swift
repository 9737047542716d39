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

    /// The float32 path (the int8 one is held to 0.99: `QuantizedEncoderTests`).
    @Test func eachVectorIsWithinCosine0999OfTheReference() throws {
        let embedder = try ModelSupport.float32Embedder()
        let cases = try Self.cases()
        #expect(cases.count >= 20)
        var lowest = 1.0
        defer { print(String(format: "reference vectors: %d sentences, lowest cosine to the reference %.7f", cases.count, lowest)) }
        for c in cases {
            #expect(embedder.tokenizer.encode(c.text) == c.ids, "tokens of \(c.text.prefix(40))")
            let vector = try embedder.embed([c.text])[0]
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

/// The int8 encoder (where the CPU runs it) against the float32 one and the reference.
@Suite(ModelSupport.enabled)
struct QuantizedEncoderTests {
    @Test(.enabled(if: QuantizedLinear.isAvailable, "the int8 path is off here (no AVX-512 VNNI, or AI_MEM_MINILM_FLOAT=1)"))
    func int8VectorsStayWithinCosine099OfFloat32AndTheReference() throws {
        let quantized = try ModelSupport.embedder()
        #expect(quantized.isQuantized)
        let float = try ModelSupport.float32Embedder()
        #expect(!float.isQuantized)
        let cases = try ReferenceVectorTests.cases()
        let texts = cases.map(\.text)
        let q = try quantized.embed(texts), f = try float.embed(texts)
        var lowestToFloat = 1.0, lowestToReference = 1.0
        for (i, c) in cases.enumerated() {
            lowestToFloat = min(lowestToFloat, ModelSupport.cosine(q[i], f[i].map(Double.init)))
            lowestToReference = min(lowestToReference, ModelSupport.cosine(q[i], c.vector))
            #expect(ModelSupport.cosine(f[i], c.vector) >= 0.999, "float32: \(c.text.prefix(40))")
        }
        print(String(format: "int8 encoder: lowest cosine %.5f to float32, %.5f to the reference (%d sentences)", lowestToFloat, lowestToReference, cases.count))
        #expect(lowestToFloat >= 0.99)
        #expect(lowestToReference >= 0.99)
    }
}
