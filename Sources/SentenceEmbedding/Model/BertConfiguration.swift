import Foundation
import AIMemCore

/// The parts of a BERT `config.json` the encoder needs, each checked against a cap.
struct BertConfiguration: Equatable {
    var hiddenSize: Int
    var layers: Int
    var heads: Int
    var intermediateSize: Int
    var vocabularySize: Int
    var maxPositions: Int
    var typeVocabularySize: Int
    var layerNormEpsilon: Float

    var headSize: Int { hiddenSize / heads }

    init(hiddenSize: Int, layers: Int, heads: Int, intermediateSize: Int, vocabularySize: Int,
         maxPositions: Int, typeVocabularySize: Int, layerNormEpsilon: Float) throws {
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.heads = heads
        self.intermediateSize = intermediateSize
        self.vocabularySize = vocabularySize
        self.maxPositions = maxPositions
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEpsilon = layerNormEpsilon
        guard (1...4096).contains(hiddenSize), (1...64).contains(layers), (1...256).contains(heads), hiddenSize % heads == 0,
              (1...65536).contains(intermediateSize), (1...Vocabulary.maxTokens).contains(vocabularySize),
              (2...8192).contains(maxPositions), (1...16).contains(typeVocabularySize),
              layerNormEpsilon > 0, layerNormEpsilon < 1 else {
            throw EmbeddingError.invalidModel(reason: "config.json describes a model outside the supported sizes")
        }
    }

    /// Reads `config.json`; only `model_type` "bert" with `hidden_act` "gelu" is accepted.
    init(contentsOf url: URL) throws {
        let object = try ModelFiles.jsonObject(url)
        func int(_ key: String) throws -> Int {
            guard let d = object[key]?.doubleValue, d == d.rounded(), abs(d) < 1e9 else {
                throw EmbeddingError.invalidModel(reason: "\(url.lastPathComponent): \(key) is missing or not an integer")
            }
            return Int(d)
        }
        guard object["model_type"]?.stringValue == "bert" else {
            throw EmbeddingError.invalidModel(reason: "\(url.lastPathComponent): model_type is not bert")
        }
        guard object["hidden_act"]?.stringValue == "gelu" else {
            throw EmbeddingError.invalidModel(reason: "\(url.lastPathComponent): hidden_act is not gelu")
        }
        if let kind = object["position_embedding_type"]?.stringValue, kind != "absolute" {
            throw EmbeddingError.invalidModel(reason: "\(url.lastPathComponent): position_embedding_type \(kind) is not supported")
        }
        try self.init(
            hiddenSize: try int("hidden_size"), layers: try int("num_hidden_layers"), heads: try int("num_attention_heads"),
            intermediateSize: try int("intermediate_size"), vocabularySize: try int("vocab_size"),
            maxPositions: try int("max_position_embeddings"), typeVocabularySize: try int("type_vocab_size"),
            layerNormEpsilon: Float(object["layer_norm_eps"]?.doubleValue ?? 1e-12))
    }
}
