import CBLAS

/// The one Swift layer over CBLAS (OpenBLAS): single-precision matrix products.
enum BLAS {
    /// `c[m×n] = alpha · a[m×k] · op(b) + beta · c`, all row-major with the given
    /// leading dimensions. `op(b)` is `b` (k×n) or, with `transposeB`, the
    /// transpose of `b` stored as n×k — the layout of PyTorch's linear weights.
    static func gemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float = 1, beta: Float = 0
    ) {
        precondition(m > 0 && n > 0 && k > 0 && lda >= k && ldc >= n && ldb >= (transposeB ? k : n))
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
                    beta, c, blasint(ldc))
    }

    /// Makes every product run on the calling thread. The encoder splits its work
    /// across threads itself: OpenBLAS's own threads spent a third of the time
    /// spinning and yielding between the encoder's many small products.
    static let singleThreaded: Void = openblas_set_num_threads(1)
}
