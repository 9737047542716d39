import Foundation
import Testing
@testable import SentenceEmbedding

/// The int8 linear layers (`QuantizedLinear` over CKernels): the AVX-512 VNNI
/// kernel against the portable reference, and the quantisation against float32.
struct QuantizedLinearTests {
    /// A reproducible generator (SplitMix64), so a failure can be replayed.
    struct Numbers {
        var state: UInt64
        mutating func next() -> Float {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Float(z >> 40) / Float(1 << 24) * 2 - 1
        }
    }

    static func layer(outputs: Int, inputs: Int, seed: UInt64) -> (QuantizedLinear, weights: [Float], bias: [Float]) {
        var numbers = Numbers(state: seed)
        let weights = (0..<(outputs * inputs)).map { _ in numbers.next() * 0.1 }
        let bias = (0..<outputs).map { _ in numbers.next() }
        let layer = weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                // Two parts, as query/key/value are packed: the second starts at output 32.
                QuantizedLinear(inputs: inputs, parts: [(w.baseAddress!, b.baseAddress!, 32),
                                                        (w.baseAddress! + 32 * inputs, b.baseAddress! + 32, outputs - 32)])
            }
        }
        return (layer, weights, bias)
    }

    @Test(.enabled(if: QuantizedLinear.kernelRuns, "this CPU lacks AVX-512 VNNI"),
          arguments: [1, 3, 8, 9, 17, 64])
    func theKernelEqualsThePortableReference(rows: Int) {
        let outputs = 96, inputs = 388  // 388: a group of 4 past a multiple of 16 (the masked tail)
        let (layer, _, _) = Self.layer(outputs: outputs, inputs: inputs, seed: UInt64(rows))
        var numbers = Numbers(state: 99)
        // Rows of mixed signs, one all positive, one all zero.
        var input = (0..<(rows * inputs)).map { _ in numbers.next() * 3 }
        if rows > 1 { for k in 0..<inputs { input[inputs + k] = abs(input[inputs + k]) } }
        if rows > 2 { for k in 0..<inputs { input[2 * inputs + k] = 0 } }
        let scratch = QuantizedRows(rows: rows, width: inputs)
        var fast = [Float](repeating: .nan, count: rows * (outputs + 5))
        var reference = fast
        input.withUnsafeBufferPointer { x in
            fast.withUnsafeMutableBufferPointer { layer.apply(x.baseAddress!, rows: rows, scratch: scratch, into: $0.baseAddress!, stride: outputs + 5, workers: 2) }
            reference.withUnsafeMutableBufferPointer { layer.applyReference(x.baseAddress!, rows: rows, scratch: scratch, into: $0.baseAddress!, stride: outputs + 5) }
        }
        for r in 0..<rows {
            for o in 0..<outputs {
                #expect(fast[r * (outputs + 5) + o] == reference[r * (outputs + 5) + o], "row \(r), output \(o)")
            }
            // The stride's padding is left alone.
            for o in outputs..<(outputs + 5) { #expect(fast[r * (outputs + 5) + o].isNaN) }
        }
    }

    @Test(.enabled(if: QuantizedLinear.kernelRuns, "this CPU lacks AVX-512 VNNI"))
    func theVectorQuantisersWriteThePortableBytes() {
        let outputs = 64, inputs = 388, rows = 7
        var numbers = Numbers(state: 11)
        var weights = (0..<(outputs * inputs)).map { _ in numbers.next() * 0.2 }
        for k in 0..<inputs { weights[5 * inputs + k] = 0 }  // an output whose weights are all zero
        weights[9 * inputs + 3] = 4  // an outlier
        let bias = [Float](repeating: 0.5, count: outputs)
        let (vector, portable) = weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                (QuantizedLinear(inputs: inputs, parts: [(w.baseAddress!, b.baseAddress!, outputs)]),
                 QuantizedLinear(inputs: inputs, parts: [(w.baseAddress!, b.baseAddress!, outputs)], portable: true))
            }
        }
        #expect(Array(UnsafeBufferPointer(start: vector.packed, count: outputs * inputs)) == Array(UnsafeBufferPointer(start: portable.packed, count: outputs * inputs)))
        #expect(Array(UnsafeBufferPointer(start: vector.scales, count: outputs)) == Array(UnsafeBufferPointer(start: portable.scales, count: outputs)))
        #expect(Array(UnsafeBufferPointer(start: vector.sums, count: outputs)) == Array(UnsafeBufferPointer(start: portable.sums, count: outputs)))
        #expect(portable.scales[5] == 0 && portable.sums[5] == 0)

        var input = (0..<(rows * inputs)).map { _ in numbers.next() * 5 }
        for k in 0..<inputs { input[k] = 0 }  // a row of zeros
        for k in 0..<inputs { input[inputs + k] = abs(input[inputs + k]) + 1 }  // all positive: zero point 0
        let a = QuantizedRows(rows: rows, width: inputs), b = QuantizedRows(rows: rows, width: inputs)
        input.withUnsafeBufferPointer { x in
            vector.quantize(x.baseAddress!, rows: rows, into: a, portable: false)
            vector.quantize(x.baseAddress!, rows: rows, into: b, portable: true)
        }
        #expect(Array(UnsafeBufferPointer(start: a.bytes, count: rows * inputs)) == Array(UnsafeBufferPointer(start: b.bytes, count: rows * inputs)))
        #expect(Array(UnsafeBufferPointer(start: a.scales, count: rows)) == Array(UnsafeBufferPointer(start: b.scales, count: rows)))
        #expect(Array(UnsafeBufferPointer(start: a.zeros, count: rows)) == Array(UnsafeBufferPointer(start: b.zeros, count: rows)))
        #expect(b.scales[0] == 0 && b.zeros[0] == 0)
        #expect(b.zeros[1] == 0 && b.scales[1] > 0)
    }

    @Test func quantisedProductsAreCloseToFloat() {
        let outputs = 64, inputs = 384, rows = 5
        let (layer, weights, bias) = Self.layer(outputs: outputs, inputs: inputs, seed: 7)
        var numbers = Numbers(state: 3)
        let input = (0..<(rows * inputs)).map { _ in numbers.next() }
        let scratch = QuantizedRows(rows: rows, width: inputs)
        var out = [Float](repeating: 0, count: rows * outputs)
        input.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { layer.applyReference(x.baseAddress!, rows: rows, scratch: scratch, into: $0.baseAddress!, stride: outputs) }
        }
        var worst = 0.0
        for r in 0..<rows {
            var dot = 0.0, na = 0.0, nb = 0.0
            for o in 0..<outputs {
                var exact = Double(bias[o])
                for k in 0..<inputs { exact += Double(input[r * inputs + k]) * Double(weights[o * inputs + k]) }
                let q = Double(out[r * outputs + o]) - Double(bias[o]), e = exact - Double(bias[o])
                dot += q * e
                na += q * q
                nb += e * e
                worst = max(worst, abs(Double(out[r * outputs + o]) - exact))
            }
            #expect(dot / (na * nb).squareRoot() > 0.999, "row \(r)")
        }
        #expect(worst < 0.05)
    }

    @Test(.enabled(if: VectorMath.usesKernels, "this CPU lacks AVX-512"), arguments: [1, 7, 16, 196, 257])
    func theVectorGELUAndSoftmaxMatchTheSwiftOnes(width: Int) {
        var numbers = Numbers(state: UInt64(width))
        let values = (0..<(3 * width)).map { _ in numbers.next() * 12 } + [-90, 95, 0, -0.0]
        var fast = values, portable = values
        fast.withUnsafeMutableBufferPointer { VectorMath.gelu($0.baseAddress!, count: $0.count) }
        portable.withUnsafeMutableBufferPointer { VectorMath.gelu($0.baseAddress!, count: $0.count, portable: true) }
        for i in values.indices { #expect(abs(fast[i] - portable[i]) <= 2e-6 * max(1, abs(portable[i])), "gelu(\(values[i]))") }

        var scores = Array(values.prefix(3 * width)), reference = scores
        scores.withUnsafeMutableBufferPointer { VectorMath.softmaxRows($0.baseAddress!, rows: 3, width: width) }
        reference.withUnsafeMutableBufferPointer { VectorMath.softmaxRows($0.baseAddress!, rows: 3, width: width, portable: true) }
        for r in 0..<3 {
            let row = scores[(r * width)..<((r + 1) * width)]
            #expect(abs(row.reduce(0, +) - 1) < 1e-5)
            for i in row.indices { #expect(abs(scores[i] - reference[i]) <= 1e-6, "row \(r), \(i)") }
        }
    }

    @Test(.enabled(if: Attention.kernelRuns, "this CPU lacks AVX-512"), arguments: [(1, 32), (5, 32), (16, 16), (17, 48), (196, 32)])
    func theAttentionKernelMatchesADoublePrecisionReference(length: Int, headSize: Int) {
        var numbers = Numbers(state: UInt64(length * 1000 + headSize))
        let stride = 3 * headSize + 5, contextStride = headSize + 3, scale = 1 / Float(headSize).squareRoot()
        let rows = (0..<(length * stride)).map { _ in numbers.next() * 3 }
        var reference = [Double](repeating: 0, count: length * headSize)
        for i in 0..<length {
            let logits = (0..<length).map { j in
                (0..<headSize).reduce(0.0) { $0 + Double(rows[i * stride + $1]) * Double(rows[j * stride + headSize + $1]) } * Double(scale)
            }
            let top = logits.max()!
            let e = logits.map { Foundation.exp($0 - top) }, total = e.reduce(0, +)
            for d in 0..<headSize {
                reference[i * headSize + d] = (0..<length).reduce(0.0) { $0 + e[$1] / total * Double(rows[$1 * stride + 2 * headSize + d]) }
            }
        }
        for portable in [false, true] {
            var scores = [Float](repeating: .nan, count: length * length), keys = [Float](repeating: .nan, count: length * headSize)
            var context = [Float](repeating: -7, count: length * contextStride)
            rows.withUnsafeBufferPointer { r in
                Attention.head(q: r.baseAddress!, k: r.baseAddress! + headSize, v: r.baseAddress! + 2 * headSize, length: length, headSize: headSize,
                               stride: stride, scale: scale, scores: &scores, keys: &keys, context: &context, contextStride: contextStride,
                               portable: portable)
            }
            for i in 0..<length {
                for d in 0..<headSize {
                    #expect(abs(Double(context[i * contextStride + d]) - reference[i * headSize + d]) < 1e-5, "portable \(portable), \(i), \(d)")
                }
                // The gap between rows is left alone.
                for d in headSize..<contextStride { #expect(context[i * contextStride + d] == -7) }
            }
        }
    }
}
