import Foundation

/// A BERT encoder (post-layer-norm, GELU, absolute positions) reading its weights
/// from a memory-mapped safetensors file, with mean pooling and L2 normalisation
/// on top: the sentence-transformers pipeline of all-MiniLM-L6-v2.
///
/// A batch is packed, not padded: the sequences' tokens are laid one after
/// another, the linear layers run over all of them in one matrix product, and
/// attention runs within each sequence. That is what padding with an attention
/// mask computes, without the padding's work.
///
/// Where the CPU has AVX-512 VNNI the linear layers run in int8
/// (`QuantizedLinear`: weights per output, inputs per token); attention, layer
/// norms, GELU and pooling stay float32, and attention runs in our own AVX-512
/// kernel, so OpenBLAS is not even loaded. Elsewhere everything is float32 over OpenBLAS.
final class BertEncoder: @unchecked Sendable {
    struct Layer {
        /// Query, key and value weights (H×H each) and biases, straight from the file.
        var query: (weight: TensorView, bias: TensorView)
        var key: (weight: TensorView, bias: TensorView)
        var value: (weight: TensorView, bias: TensorView)
        var attentionOutWeight: TensorView, attentionOutBias: TensorView
        var attentionNormWeight: TensorView, attentionNormBias: TensorView
        var intermediateWeight: TensorView, intermediateBias: TensorView
        var outputWeight: TensorView, outputBias: TensorView
        var outputNormWeight: TensorView, outputNormBias: TensorView
    }

    let configuration: BertConfiguration
    let weights: SafeTensors
    let wordEmbeddings: TensorView
    let positionEmbeddings: TensorView
    let tokenTypeEmbeddings: TensorView
    let embeddingNormWeight: TensorView
    let embeddingNormBias: TensorView
    let layers: [Layer]

    /// One layer's linear weights in int8: query, key and value packed as one product.
    struct QuantizedLayer {
        var queryKeyValue: QuantizedLinear
        var attentionOut: QuantizedLinear
        var intermediate: QuantizedLinear
        var output: QuantizedLinear
    }

    /// The int8 weights, or nil on the float32 path.
    let quantizedLayers: [QuantizedLayer]?
    /// Whether attention runs in `aimem_attention_head` (with the int8 layers) rather than OpenBLAS.
    let attentionInKernel: Bool

    /// `cache`: where the packed int8 layers are kept between runs (`QuantizedWeightsCache`).
    init(configuration c: BertConfiguration, weightsPath: String, quantized: Bool = QuantizedLinear.isAvailable,
         cache location: QuantizedWeightsCache.Location = .besideWeights) throws {
        configuration = c
        let quantized = quantized && c.hiddenSize % 32 == 0 && c.intermediateSize % 32 == 0
        // Loading OpenBLAS costs a few milliseconds (a search pays them): only the float32 path needs it.
        attentionInKernel = quantized && c.headSize % 16 == 0 && Attention.kernelRuns
        if !attentionInKernel { try BLAS.load() }
        let w = try SafeTensors(path: weightsPath)
        weights = w
        let h = c.hiddenSize
        wordEmbeddings = try w.floats("embeddings.word_embeddings.weight", shape: [c.vocabularySize, h])
        positionEmbeddings = try w.floats("embeddings.position_embeddings.weight", shape: [c.maxPositions, h])
        tokenTypeEmbeddings = try w.floats("embeddings.token_type_embeddings.weight", shape: [c.typeVocabularySize, h])
        embeddingNormWeight = try w.floats("embeddings.LayerNorm.weight", shape: [h])
        embeddingNormBias = try w.floats("embeddings.LayerNorm.bias", shape: [h])
        layers = try (0..<c.layers).map { i in
            let p = "encoder.layer.\(i)."
            func projection(_ part: String) throws -> (weight: TensorView, bias: TensorView) {
                (try w.floats(p + "attention.self.\(part).weight", shape: [h, h]), try w.floats(p + "attention.self.\(part).bias", shape: [h]))
            }
            return Layer(
                query: try projection("query"), key: try projection("key"), value: try projection("value"),
                attentionOutWeight: try w.floats(p + "attention.output.dense.weight", shape: [h, h]),
                attentionOutBias: try w.floats(p + "attention.output.dense.bias", shape: [h]),
                attentionNormWeight: try w.floats(p + "attention.output.LayerNorm.weight", shape: [h]),
                attentionNormBias: try w.floats(p + "attention.output.LayerNorm.bias", shape: [h]),
                intermediateWeight: try w.floats(p + "intermediate.dense.weight", shape: [c.intermediateSize, h]),
                intermediateBias: try w.floats(p + "intermediate.dense.bias", shape: [c.intermediateSize]),
                outputWeight: try w.floats(p + "output.dense.weight", shape: [h, c.intermediateSize]),
                outputBias: try w.floats(p + "output.dense.bias", shape: [h]),
                outputNormWeight: try w.floats(p + "output.LayerNorm.weight", shape: [h]),
                outputNormBias: try w.floats(p + "output.LayerNorm.bias", shape: [h]))
        }
        guard quantized else {
            quantizedLayers = nil
            return
        }
        let intermediateSize = c.intermediateSize
        let shapes = (0..<layers.count).flatMap { _ in [(h, 3 * h), (h, h), (h, intermediateSize), (intermediateSize, h)] }
        let cache = QuantizedWeightsCache(weightsPath: weightsPath, location: location)
        if let cached = cache?.load(shapes: shapes.map { (inputs: $0.0, outputs: $0.1) }) {
            quantizedLayers = stride(from: 0, to: cached.count, by: 4).map {
                QuantizedLayer(queryKeyValue: cached[$0], attentionOut: cached[$0 + 1], intermediate: cached[$0 + 2], output: cached[$0 + 3])
            }
            return
        }
        // Each layer is quantised on its own worker (about 2 ms a layer).
        let built = UnsafeMutableBufferPointer<QuantizedLayer?>.allocate(capacity: layers.count)
        built.initialize(repeating: nil)
        defer { built.deallocate() }
        let layers = self.layers
        Parallel.forEachChunk(of: layers.count, workers: Parallel.workers) { _, range in
            for i in range {
                let l = layers[i]
                built[i] = QuantizedLayer(
                    queryKeyValue: QuantizedLinear(inputs: h, parts: [l.query, l.key, l.value].map { ($0.weight.pointer, $0.bias.pointer, h) }),
                    attentionOut: QuantizedLinear(inputs: h, parts: [(l.attentionOutWeight.pointer, l.attentionOutBias.pointer, h)]),
                    intermediate: QuantizedLinear(inputs: h, parts: [(l.intermediateWeight.pointer, l.intermediateBias.pointer, intermediateSize)]),
                    output: QuantizedLinear(inputs: intermediateSize, parts: [(l.outputWeight.pointer, l.outputBias.pointer, h)]))
            }
        }
        let packed = built.map { $0! }
        quantizedLayers = packed
        cache?.store(packed.flatMap { [$0.queryKeyValue, $0.attentionOut, $0.intermediate, $0.output] })
    }

    /// One L2-normalised, mean-pooled vector per token sequence. Every id must be
    /// below the vocabulary size and every sequence no longer than `maxPositions`.
    func embed(_ sequences: [[Int32]]) -> [[Float]] {
        let c = configuration
        let h = c.hiddenSize
        let n = sequences.reduce(0) { $0 + $1.count }
        guard n > 0 else { return sequences.map { _ in [Float](repeating: 0, count: h) } }
        var starts: [Int] = []
        var offset = 0
        for s in sequences {
            precondition(s.count <= c.maxPositions)
            starts.append(offset)
            offset += s.count
        }

        let x = FloatBuffer(count: n * h)
        let qkv = FloatBuffer(count: n * 3 * h)
        let context = FloatBuffer(count: n * h)
        let scratch = FloatBuffer(count: n * h)
        let intermediate = FloatBuffer(count: n * c.intermediateSize)
        let longest = sequences.map(\.count).max() ?? 1
        let workers = Parallel.workers
        let scoreBuffers = (0..<workers).map { _ in FloatBuffer(count: longest * longest) }
        let keyBuffers = attentionInKernel ? (0..<workers).map { _ in FloatBuffer(count: longest * c.headSize) } : []
        let attentionInKernel = self.attentionInKernel
        let quantizedRows = quantizedLayers.map { _ in QuantizedRows(rows: n, width: max(h, c.intermediateSize)) }

        // Embeddings: word + position + token type 0, then layer norm.
        for (s, sequence) in sequences.enumerated() {
            for (position, id) in sequence.enumerated() {
                precondition(id >= 0 && Int(id) < c.vocabularySize)
                let row = x.pointer + (starts[s] + position) * h
                let word = wordEmbeddings.pointer + Int(id) * h
                let place = positionEmbeddings.pointer + position * h
                let type = tokenTypeEmbeddings.pointer
                for i in 0..<h { row[i] = word[i] + place[i] + type[i] }
            }
        }
        Self.layerNorm(x.pointer, rows: n, width: h, weight: embeddingNormWeight.pointer, bias: embeddingNormBias.pointer, epsilon: c.layerNormEpsilon)

        let headSize = c.headSize
        let scale = 1 / Float(headSize).squareRoot()
        for (index, layer) in layers.enumerated() {
            let quantized = quantizedLayers?[index]
            // Queries, keys and values side by side in each row of `qkv` (3H wide).
            if let quantized, let quantizedRows {
                quantized.queryKeyValue.apply(x.pointer, rows: n, scratch: quantizedRows, into: qkv.pointer, stride: 3 * h, workers: workers)
            } else {
                for (j, projection) in [layer.query, layer.key, layer.value].enumerated() {
                    linear(x.pointer, rows: n, inputs: h, weight: projection.weight.pointer, bias: projection.bias.pointer, outputs: h,
                           into: qkv.pointer + j * h, stride: 3 * h)
                }
            }
            let pairs = sequences.indices.flatMap { s in (0..<c.heads).map { (s, $0) } }
            Parallel.forEachChunk(of: pairs.count, workers: workers) { worker, range in
                let scores = scoreBuffers[worker].pointer
                for (s, head) in pairs[range] {
                    let length = sequences[s].count
                    guard length > 0 else { continue }
                    let base = qkv.pointer + starts[s] * 3 * h
                    let q = base + head * headSize
                    let k = base + h + head * headSize
                    let v = base + 2 * h + head * headSize
                    if attentionInKernel {
                        Attention.head(q: q, k: k, v: v, length: length, headSize: headSize, stride: 3 * h, scale: scale, scores: scores,
                                       keys: keyBuffers[worker].pointer, context: context.pointer + starts[s] * h + head * headSize, contextStride: h)
                        continue
                    }
                    BLAS.gemm(m: length, n: length, k: headSize, a: q, lda: 3 * h, b: k, ldb: 3 * h, transposeB: true,
                              c: scores, ldc: length, alpha: scale)
                    VectorMath.softmaxRows(scores, rows: length, width: length)
                    BLAS.gemm(m: length, n: headSize, k: length, a: scores, lda: length, b: v, ldb: 3 * h, transposeB: false,
                              c: context.pointer + starts[s] * h + head * headSize, ldc: h)
                }
            }
            if let quantized, let quantizedRows {
                quantized.attentionOut.apply(context.pointer, rows: n, scratch: quantizedRows, into: scratch.pointer, stride: h, workers: workers)
            } else {
                linear(context.pointer, rows: n, inputs: h, weight: layer.attentionOutWeight.pointer, bias: layer.attentionOutBias.pointer, outputs: h, into: scratch.pointer)
            }
            Self.addInPlace(x.pointer, scratch.pointer, count: n * h)
            Self.layerNorm(x.pointer, rows: n, width: h, weight: layer.attentionNormWeight.pointer, bias: layer.attentionNormBias.pointer, epsilon: c.layerNormEpsilon)

            if let quantized, let quantizedRows {
                quantized.intermediate.apply(x.pointer, rows: n, scratch: quantizedRows, into: intermediate.pointer, stride: c.intermediateSize, workers: workers)
            } else {
                linear(x.pointer, rows: n, inputs: h, weight: layer.intermediateWeight.pointer, bias: layer.intermediateBias.pointer, outputs: c.intermediateSize, into: intermediate.pointer)
            }
            Parallel.forEachChunk(of: n, workers: workers) { _, range in
                VectorMath.gelu(intermediate.pointer + range.lowerBound * c.intermediateSize, count: range.count * c.intermediateSize)
            }
            if let quantized, let quantizedRows {
                quantized.output.apply(intermediate.pointer, rows: n, scratch: quantizedRows, into: scratch.pointer, stride: h, workers: workers)
            } else {
                linear(intermediate.pointer, rows: n, inputs: c.intermediateSize, weight: layer.outputWeight.pointer, bias: layer.outputBias.pointer, outputs: h, into: scratch.pointer)
            }
            Self.addInPlace(x.pointer, scratch.pointer, count: n * h)
            Self.layerNorm(x.pointer, rows: n, width: h, weight: layer.outputNormWeight.pointer, bias: layer.outputNormBias.pointer, epsilon: c.layerNormEpsilon)
        }

        // Mean pooling over each sequence's tokens, then L2 normalisation (norm floored at 1e-12).
        return sequences.enumerated().map { s, sequence in
            var pooled = [Double](repeating: 0, count: h)
            for t in 0..<sequence.count {
                let row = x.pointer + (starts[s] + t) * h
                for i in 0..<h { pooled[i] += Double(row[i]) }
            }
            let count = Double(max(sequence.count, 1))
            var norm = 0.0
            for i in 0..<h {
                pooled[i] /= count
                norm += pooled[i] * pooled[i]
            }
            let divisor = max(norm.squareRoot(), 1e-12)
            return pooled.map { Float($0 / divisor) }
        }
    }

    /// `out[rows×outputs] = input[rows×inputs] · weightᵀ + bias` (weight stored outputs×inputs);
    /// output rows are `stride` floats apart (default: `outputs`).
    func linear(_ input: UnsafePointer<Float>, rows: Int, inputs: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                outputs: Int, into out: UnsafeMutablePointer<Float>, stride: Int? = nil) {
        let stride = stride ?? outputs
        // Rows are split among the workers; each product runs on its worker's thread.
        let workers = rows * outputs * inputs >= 1 << 20 ? Parallel.workers : 1
        Parallel.forEachChunk(of: rows, workers: workers) { _, range in
            guard !range.isEmpty else { return }
            for r in range { (out + r * stride).update(from: bias, count: outputs) }
            BLAS.gemm(m: range.count, n: outputs, k: inputs, a: input + range.lowerBound * inputs, lda: inputs, b: weight, ldb: inputs,
                      transposeB: true, c: out + range.lowerBound * stride, ldc: stride, beta: 1)
        }
    }

    static func addInPlace(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { x[i] += y[i] }
    }

    /// Layer norm of each row in place: `(x − mean) / √(variance + ε) · weight + bias`.
    static func layerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, epsilon: Float) {
        for r in 0..<rows {
            let row = x + r * width
            var sum: Float = 0
            for i in 0..<width { sum += row[i] }
            let mean = sum / Float(width)
            var squares: Float = 0
            for i in 0..<width {
                let d = row[i] - mean
                squares += d * d
            }
            let inverse = 1 / (squares / Float(width) + epsilon).squareRoot()
            for i in 0..<width { row[i] = (row[i] - mean) * inverse * weight[i] + bias[i] }
        }
    }

}
