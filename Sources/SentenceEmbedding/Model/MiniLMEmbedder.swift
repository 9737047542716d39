import Foundation
import AIMemCore

/// all-MiniLM-L6-v2 (sentence-transformers), run locally: 384-d sentence
/// embeddings with no Python and no network. Texts are tokenized, sorted by
/// length and packed into batches of at most `tokensPerBatch` tokens.
public final class MiniLMEmbedder: Embedder, @unchecked Sendable {
    /// The model id stored with every vector this embedder makes.
    public static let defaultModelID = "all-MiniLM-L6-v2"
    /// sentence-transformers' `max_seq_length` when `sentence_bert_config.json` is absent.
    public static let defaultMaxSequenceLength = 256

    public let modelID: String
    public let dimension: Int
    public let tokenizer: WordPieceTokenizer
    public let files: ModelFiles
    /// Tokens per encoder pass; larger batches amortise the matrix products.
    public let tokensPerBatch = 2048
    let encoder: BertEncoder

    /// A 256-token note takes about 12 ms on two cores: imports leave the vectors to a reindex.
    public var embedsSlowly: Bool { true }

    /// Whether the linear layers run in int8 (`QuantizedLinear.isAvailable`) or float32.
    public var isQuantized: Bool { encoder.quantizedLayers != nil }

    public convenience init(files: ModelFiles = .located(), modelID: String = MiniLMEmbedder.defaultModelID) throws {
        try self.init(files: files, modelID: modelID, quantized: QuantizedLinear.isAvailable)
    }

    /// `quantized: false` keeps every layer float32 (the tests compare both paths).
    init(files: ModelFiles, modelID: String, quantized: Bool) throws {
        try files.checkPresent()
        self.files = files
        self.modelID = modelID
        let configuration = try BertConfiguration(contentsOf: files.url("config.json"))
        let vocabulary = try Vocabulary(contentsOf: files.url("vocab.txt"))
        guard vocabulary.count == configuration.vocabularySize else {
            throw EmbeddingError.invalidModel(reason: "vocab.txt has \(vocabulary.count) tokens, config.json says \(configuration.vocabularySize)")
        }
        var maxLength = Self.defaultMaxSequenceLength
        let sentenceConfig = files.url("sentence_bert_config.json")
        if FileManager.default.fileExists(atPath: sentenceConfig.path),
           let value = try ModelFiles.jsonObject(sentenceConfig)["max_seq_length"]?.doubleValue {
            maxLength = Int(exactly: value) ?? maxLength
        }
        let pooling = files.url("1_Pooling/config.json")
        if FileManager.default.fileExists(atPath: pooling.path),
           case .bool(let mean)? = try ModelFiles.jsonObject(pooling)["pooling_mode_mean_tokens"], !mean {
            throw EmbeddingError.invalidModel(reason: "1_Pooling/config.json asks for a pooling other than the mean")
        }
        guard (2...configuration.maxPositions).contains(maxLength) else {
            throw EmbeddingError.invalidModel(reason: "max_seq_length \(maxLength) is outside 2…\(configuration.maxPositions)")
        }
        tokenizer = try WordPieceTokenizer(vocabulary: vocabulary, maxLength: maxLength)
        encoder = try BertEncoder(configuration: configuration, weightsPath: files.url("model.safetensors").path, quantized: quantized)
        dimension = configuration.hiddenSize
    }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        let sequences = texts.map { tokenizer.encode($0) }
        var result = [[Float]](repeating: [], count: texts.count)
        let order = sequences.indices.sorted { sequences[$0].count < sequences[$1].count }
        var batch: [Int] = []
        var tokens = 0
        func flush() {
            guard !batch.isEmpty else { return }
            let vectors = encoder.embed(batch.map { sequences[$0] })
            for (i, index) in batch.enumerated() { result[index] = vectors[i] }
            batch.removeAll(keepingCapacity: true)
            tokens = 0
        }
        for index in order {
            if tokens + sequences[index].count > tokensPerBatch { flush() }
            batch.append(index)
            tokens += sequences[index].count
        }
        flush()
        return result
    }
}
