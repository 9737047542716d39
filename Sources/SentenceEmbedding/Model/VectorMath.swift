internal import CKernels

/// Element-wise exp, softmax and GELU over float buffers, eight lanes at a time.
/// libm's `expf` and `erff` took a quarter of the encoder's time one call per value.
/// Where the CPU has AVX-512, `gelu` and `softmaxRows` run the same polynomials
/// in C, sixteen lanes at a time (`CKernels`: Swift's SIMD types compile to SSE2 here).
enum VectorMath {
    static let usesKernels = aimem_vector_math_available() == 1

    typealias Lanes = SIMD8<Float>

    /// eˣ with Cephes' `expf` polynomial (relative error about 2·10⁻⁷); inputs
    /// are clamped to [−87, 88], so very negative inputs give about 10⁻³⁸, not 0.
    @inline(__always)
    static func exp(_ input: Lanes) -> Lanes {
        var x = input.replacing(with: -87, where: input .< -87)
        x.replace(with: 88, where: x .> 88)
        // Round to the nearest integer by adding 1.5·2²³: the float's low mantissa
        // bits then hold the integer (generic SIMD float-to-int conversion is slow).
        let magic: Float = 12_582_912
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        var r = x - n * 0.693_359_375
        r = r + n * 2.121_944_40e-4
        let z = r * r
        var p = Lanes(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * z + r + 1
        let exponent = (integer &+ 127) &<< 23
        return p * unsafeBitCast(exponent, to: Lanes.self)
    }

    /// erf(x) by Abramowitz and Stegun 7.1.26 (absolute error below 1.5·10⁻⁷).
    @inline(__always)
    static func erf(_ x: Lanes) -> Lanes {
        let a = x.replacing(with: -x, where: x .< 0)
        let t = 1 / (1 + 0.327_591_1 * a)
        var p = Lanes(repeating: 1.061_405_429)
        p = p * t - 1.453_152_027
        p = p * t + 1.421_413_741
        p = p * t - 0.284_496_736
        p = p * t + 0.254_829_592
        let y = 1 - p * t * exp(-(a * a))
        return y.replacing(with: -y, where: x .< 0)
    }

    /// BERT's GELU, `x · ½ · (1 + erf(x / √2))`, in place.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int, portable: Bool = false) {
        if usesKernels && !portable { return aimem_gelu(x, count) }
        let inverseRoot2: Float = 0.707_106_781_186_547_52
        var i = 0
        while i + 8 <= count {
            let v = load(x + i)
            store(0.5 * v * (1 + erf(v * inverseRoot2)), x + i)
            i += 8
        }
        while i < count {
            var lanes = Lanes(repeating: 0)
            lanes[0] = x[i]
            let v = lanes
            x[i] = (0.5 * v * (1 + erf(v * inverseRoot2)))[0]
            i += 1
        }
    }

    /// Softmax of each row in place (the row's maximum subtracted first).
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, portable: Bool = false) {
        if usesKernels && !portable { return aimem_softmax_rows(x, Int32(rows), Int32(width)) }
        for r in 0..<rows {
            let row = x + r * width
            var top = -Float.infinity
            for i in 0..<width { top = max(top, row[i]) }
            var sums = Lanes(repeating: 0)
            var i = 0
            while i + 8 <= width {
                let e = exp(load(row + i) - top)
                store(e, row + i)
                sums += e
                i += 8
            }
            var sum = sums.sum()
            while i < width {
                var lanes = Lanes(repeating: 0)
                lanes[0] = row[i] - top
                let e = exp(lanes)[0]
                row[i] = e
                sum += e
                i += 1
            }
            let inverse = 1 / sum
            for j in 0..<width { row[j] *= inverse }
        }
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>) -> Lanes {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }

    @inline(__always)
    static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
    }
}
