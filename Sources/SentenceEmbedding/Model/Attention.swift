internal import CKernels

/// Scaled dot-product attention of one head of one sequence, in our own C kernel
/// (`aimem_attention_head`): the int8 encoder's attention, so that it needs no OpenBLAS.
enum Attention {
    /// Whether the AVX-512 kernel runs here (where it does not, the encoder's attention uses OpenBLAS).
    static var kernelRuns: Bool { aimem_vector_math_available() == 1 }

    /// `context[i·contextStride + d] = Σⱼ softmax(scale · Q Kᵀ)[i][j] · V[j][d]` for the `length`
    /// rows of Q, K and V (`stride` floats apart). `scores` holds length², `keys` headSize·length
    /// floats. `portable`: the portable C (tests compare them).
    static func head(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, length: Int, headSize: Int, stride: Int,
                     scale: Float, scores: UnsafeMutablePointer<Float>, keys: UnsafeMutablePointer<Float>,
                     context: UnsafeMutablePointer<Float>, contextStride: Int, portable: Bool = false) {
        precondition(length > 0 && headSize > 0 && headSize % 16 == 0 && stride >= headSize && contextStride >= headSize)
        precondition(max(length, stride, contextStride) <= Int(Int32.max))
        (portable ? aimem_attention_head_portable : aimem_attention_head)(
            q, k, v, Int32(length), Int32(headSize), Int32(stride), scale, scores, keys, context, Int32(contextStride))
    }
}
