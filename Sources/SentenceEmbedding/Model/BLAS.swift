import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one Swift layer over CBLAS: OpenBLAS's single-precision matrix product,
/// loaded with `dlopen` the first time the encoder needs it. Linking OpenBLAS
/// instead made every `ai-mem` command 6 to 8 ms slower to start (its loader
/// sets up a thread pool), embedding or not; now only the local model pays.
enum BLAS {
    /// The library names tried, in order (Debian: libopenblas0-pthread, pulled in by libopenblas-dev).
    static let libraryNames = ["libopenblas.so.0", "libopenblas.so"]

    private typealias SGEMM = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
        UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    private typealias SetThreads = @convention(c) (Int32) -> Void

    // CBLAS's enumeration values (cblas.h).
    private static let rowMajor: Int32 = 101
    private static let noTranspose: Int32 = 111
    private static let transpose: Int32 = 112

    private struct Library: @unchecked Sendable {
        let sgemm: SGEMM
    }

    private static let library: Result<Library, EmbeddingError> = {
        var errors: [String] = []
        // Without this OpenBLAS starts a pool of threads when it is loaded, which
        // spin for milliseconds; it reads the variable only then.
        let previous = getenv("OPENBLAS_NUM_THREADS").map { String(cString: $0) }
        setenv("OPENBLAS_NUM_THREADS", "1", 1)
        defer {
            if let previous { setenv("OPENBLAS_NUM_THREADS", previous, 1) } else { unsetenv("OPENBLAS_NUM_THREADS") }
        }
        for name in libraryNames {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                errors.append(dlerror().map { String(cString: $0) } ?? name)
                continue
            }
            guard let sgemm = dlsym(handle, "cblas_sgemm"), let setThreads = dlsym(handle, "openblas_set_num_threads") else {
                errors.append("\(name) lacks cblas_sgemm or openblas_set_num_threads")
                continue
            }
            // Every product runs on the calling thread: the encoder splits its work
            // across threads itself (OpenBLAS's own threads spent a third of the
            // time spinning and yielding between the encoder's many small products).
            unsafeBitCast(setThreads, to: SetThreads.self)(1)
            return .success(Library(sgemm: unsafeBitCast(sgemm, to: SGEMM.self)))
        }
        return .failure(.library("cannot load OpenBLAS (\(errors.joined(separator: "; ")))"))
    }()

    /// Loads OpenBLAS, or says why it cannot.
    static func load() throws {
        _ = try library.get()
    }

    /// `c[m×n] = alpha · a[m×k] · op(b) + beta · c`, all row-major with the given
    /// leading dimensions. `op(b)` is `b` (k×n) or, with `transposeB`, the
    /// transpose of `b` stored as n×k — the layout of PyTorch's linear weights.
    /// `load()` must have succeeded.
    static func gemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, ldc: Int,
        alpha: Float = 1, beta: Float = 0
    ) {
        precondition(m > 0 && n > 0 && k > 0 && lda >= k && ldc >= n && ldb >= (transposeB ? k : n))
        precondition(max(m, n, k, lda, ldb, ldc) <= Int(Int32.max))
        guard case .success(let blas) = library else { preconditionFailure("BLAS.gemm before BLAS.load()") }
        blas.sgemm(rowMajor, noTranspose, transposeB ? transpose : noTranspose,
                   Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
