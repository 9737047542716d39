internal import CKernels
import Foundation

/// A linear layer (`x · Wᵀ + bias`) with its weights quantised to int8, one scale
/// per output, for the AVX-512 VNNI kernel of `CKernels` (kernels.h gives the
/// arithmetic and the packed layout). Several layers that read the same input —
/// the attention's query, key and value — are packed side by side as one.
final class QuantizedLinear: @unchecked Sendable {
    /// Whether the encoder runs its linear layers in int8: this CPU has AVX-512
    /// VNNI and `AI_MEM_MINILM_FLOAT` is not `1` (which keeps float32 everywhere).
    static let isAvailable: Bool = {
        if let value = ProcessInfo.processInfo.environment["AI_MEM_MINILM_FLOAT"], value == "1" { return false }
        return aimem_int8_available() == 1
    }()

    /// Whether the kernel can run here at all (tests compare it with the reference).
    static var kernelRuns: Bool { aimem_int8_available() == 1 }

    let inputs: Int
    let outputs: Int
    /// The packed int8 weights (outputs·inputs bytes), one scale and one weight
    /// sum per output, and the bias: owned, or in a mapped cache file (`storage`).
    let packed: UnsafePointer<Int8>
    let scales: UnsafePointer<Float>
    let sums: UnsafePointer<Int32>
    let bias: UnsafePointer<Float>
    private let storage: AnyObject?

    /// Whether the arrays are in a mapped cache file rather than packed by this process.
    var isMapped: Bool { storage != nil }

    /// Packs `parts` (each `outputs`×`inputs` row-major weights, a multiple of 32
    /// outputs, with its bias) one after another. `portable` packs with the
    /// portable C (the same bytes; tests compare them).
    init(inputs: Int, parts: [(weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, outputs: Int)], portable: Bool = false) {
        precondition(inputs > 0 && inputs % 4 == 0 && inputs <= Int(Int32.max))
        precondition(parts.allSatisfy { $0.outputs > 0 && $0.outputs % 32 == 0 })
        let outputs = parts.reduce(0) { $0 + $1.outputs }
        self.inputs = inputs
        self.outputs = outputs
        let packed = UnsafeMutablePointer<Int8>.allocate(capacity: outputs * inputs)
        let scales = UnsafeMutablePointer<Float>.allocate(capacity: outputs)
        let sums = UnsafeMutablePointer<Int32>.allocate(capacity: outputs)
        let bias = UnsafeMutablePointer<Float>.allocate(capacity: outputs)
        var offset = 0
        for part in parts {
            (portable ? aimem_int8_pack_weights_portable : aimem_int8_pack_weights)(part.weight, Int32(part.outputs), Int32(inputs), packed + offset * inputs, scales + offset, sums + offset)
            (bias + offset).update(from: part.bias, count: part.outputs)
            offset += part.outputs
        }
        (self.packed, self.scales, self.sums, self.bias) = (UnsafePointer(packed), UnsafePointer(scales), UnsafePointer(sums), UnsafePointer(bias))
        storage = nil
    }

    /// A layer whose arrays are already packed, in memory that `storage` keeps alive
    /// (a mapped cache file): the caller has checked their sizes.
    init(inputs: Int, outputs: Int, packed: UnsafePointer<Int8>, scales: UnsafePointer<Float>, sums: UnsafePointer<Int32>,
         bias: UnsafePointer<Float>, storage: AnyObject) {
        precondition(inputs > 0 && inputs % 4 == 0 && outputs > 0 && outputs % 32 == 0)
        (self.inputs, self.outputs) = (inputs, outputs)
        (self.packed, self.scales, self.sums, self.bias) = (packed, scales, sums, bias)
        self.storage = storage
    }

    deinit {
        guard storage == nil else { return }
        packed.deallocate()
        scales.deallocate()
        sums.deallocate()
        bias.deallocate()
    }

    /// `out[r·stride + o] = input[r] · Wᵀ + bias` for `rows` rows of `inputs`
    /// floats, through `scratch` (room for `rows` quantised rows). Rows and outputs
    /// are split among the workers.
    func apply(_ input: UnsafePointer<Float>, rows: Int, scratch: QuantizedRows, into out: UnsafeMutablePointer<Float>, stride: Int,
               workers: Int) {
        precondition(rows <= scratch.rows && inputs <= scratch.width && stride >= outputs)
        let large = rows * outputs * inputs >= 1 << 20
        let inputs = self.inputs
        Parallel.forEachChunk(of: rows, workers: large && rows >= 16 ? workers : 1) { _, range in
            guard !range.isEmpty else { return }
            aimem_int8_quantize_rows(input + range.lowerBound * inputs, Int32(range.count), Int32(inputs), Int32(inputs),
                                     scratch.bytes + range.lowerBound * inputs, scratch.scales + range.lowerBound,
                                     scratch.zeros + range.lowerBound)
        }
        Parallel.forEachChunk(of: outputs / 32, workers: large ? workers : 1) { _, blocks in
            guard !blocks.isEmpty else { return }
            aimem_int8_linear(scratch.bytes, scratch.scales, scratch.zeros, Int32(rows), Int32(inputs),
                              packed, scales, sums, bias, Int32(blocks.lowerBound * 32), Int32(blocks.upperBound * 32),
                              out, Int32(stride))
        }
    }

    /// Quantises `rows` input rows into `scratch`, as `apply` does (`portable`: in portable C).
    func quantize(_ input: UnsafePointer<Float>, rows: Int, into scratch: QuantizedRows, portable: Bool) {
        (portable ? aimem_int8_quantize_rows_portable : aimem_int8_quantize_rows)(
            input, Int32(rows), Int32(inputs), Int32(inputs), scratch.bytes, scratch.scales, scratch.zeros)
    }

    /// The same product through the portable reference (one product at a time).
    func applyReference(_ input: UnsafePointer<Float>, rows: Int, scratch: QuantizedRows, into out: UnsafeMutablePointer<Float>, stride: Int) {
        aimem_int8_quantize_rows_portable(input, Int32(rows), Int32(inputs), Int32(inputs), scratch.bytes, scratch.scales, scratch.zeros)
        aimem_int8_linear_reference(scratch.bytes, scratch.scales, scratch.zeros, Int32(rows), Int32(inputs),
                                    packed, scales, sums, bias, 0, Int32(outputs), out, Int32(stride))
    }
}

/// Room for `rows` input rows of up to `width` values quantised to uint8, with
/// each row's scale and zero point.
final class QuantizedRows: @unchecked Sendable {
    let rows: Int
    let width: Int
    let bytes: UnsafeMutablePointer<UInt8>
    let scales: UnsafeMutablePointer<Float>
    let zeros: UnsafeMutablePointer<Int32>

    init(rows: Int, width: Int) {
        self.rows = rows
        self.width = width
        bytes = .allocate(capacity: max(1, rows * width))
        scales = .allocate(capacity: max(1, rows))
        zeros = .allocate(capacity: max(1, rows))
    }

    deinit {
        bytes.deallocate()
        scales.deallocate()
        zeros.deallocate()
    }
}
