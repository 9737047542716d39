// Eight-bit matrix products for the MiniLM encoder (kernels.h says what and why).
#include "kernels.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))
#endif

int aimem_int8_available(void) {
#if defined(__x86_64__)
    static int known = -1;  // every thread that finds it unset computes the same value
    int available = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (available < 0) {
        __builtin_cpu_init();
        available = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
        __atomic_store_n(&known, available, __ATOMIC_RELAXED);
    }
    return available;
#else
    return 0;
#endif
}

static size_t packed_offset(int o, int k, int inputs) {
    return ((size_t)(o / 16) * (size_t)(inputs / 4) + (size_t)(k / 4)) * 64 + (size_t)(o % 16) * 4 + (size_t)(k % 4);
}

void aimem_int8_pack_weights_portable(const float *weights, int outputs, int inputs,
                                  int8_t *packed, float *scales, int32_t *sums) {
    for (int o = 0; o < outputs; o++) {
        const float *row = weights + (size_t)o * (size_t)inputs;
        float top = 0;
        for (int k = 0; k < inputs; k++) top = fmaxf(top, fabsf(row[k]));
        const float inverse = top > 0 ? 127.0f / top : 0.0f;
        int32_t sum = 0;
        for (int k = 0; k < inputs; k++) {
            float v = nearbyintf(row[k] * inverse);
            if (v > 127) v = 127;
            if (v < -127) v = -127;
            const int8_t q = (int8_t)v;
            packed[packed_offset(o, k, inputs)] = q;
            sum += q;
        }
        scales[o] = top / 127.0f;
        sums[o] = sum;
    }
}

#if defined(__x86_64__)
// The same values as aimem_int8_pack_weights_portable, 16 inputs at a time.
VNNI static void pack_weights_avx512(const float *weights, int outputs, int inputs,
                                     int8_t *packed, float *scales, int32_t *sums) {
    for (int o = 0; o < outputs; o++) {
        const float *row = weights + (size_t)o * (size_t)inputs;
        __m512 top = _mm512_setzero_ps();
        for (int k = 0; k < inputs; k += 16) {
            const int left = inputs - k;
            const __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            top = _mm512_max_ps(top, _mm512_abs_ps(_mm512_maskz_loadu_ps(mask, row + k)));
        }
        const float largest = _mm512_reduce_max_ps(top);
        const __m512 factor = _mm512_set1_ps(largest > 0 ? 127.0f / largest : 0.0f);
        const __m512i low = _mm512_set1_epi32(-127), high = _mm512_set1_epi32(127);
        __m512i sum = _mm512_setzero_si512();
        int8_t *lane = packed + (size_t)(o / 16) * (size_t)(inputs / 4) * 64 + (size_t)(o % 16) * 4;
        for (int k = 0; k < inputs; k += 16) {
            const int left = inputs - k;
            const __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(mask, row + k), factor));
            q = _mm512_min_epi32(_mm512_max_epi32(q, low), high);
            sum = _mm512_add_epi32(sum, q);
            int8_t bytes[16];
            _mm_storeu_si128((__m128i *)bytes, _mm512_cvtepi32_epi8(q));
            // Every 4 inputs go to the next 64-byte line of this output's block.
            for (int g = 0; g < 4 && k + 4 * g < inputs; g++) memcpy(lane + (size_t)(k / 4 + g) * 64, bytes + 4 * g, 4);
        }
        scales[o] = largest / 127.0f;
        sums[o] = _mm512_reduce_add_epi32(sum);
    }
}
#endif

void aimem_int8_pack_weights(const float *weights, int outputs, int inputs,
                             int8_t *packed, float *scales, int32_t *sums) {
#if defined(__x86_64__)
    if (aimem_int8_available()) { pack_weights_avx512(weights, outputs, inputs, packed, scales, sums); return; }
#endif
    aimem_int8_pack_weights_portable(weights, outputs, inputs, packed, scales, sums);
}

// The scale and zero point of one row, from its minimum and maximum (0 included).
static void row_parameters(float low, float high, float *scale, float *inverse, int32_t *zero) {
    if (low > 0) low = 0;
    if (high < 0) high = 0;
    const float s = (high - low) / 255.0f;
    if (!(s > 0)) { *scale = 0; *inverse = 0; *zero = 0; return; }
    float z = nearbyintf(-low / s);
    if (z < 0) z = 0;
    if (z > 255) z = 255;
    *scale = s;
    *inverse = 1.0f / s;
    *zero = (int32_t)z;
}

void aimem_int8_quantize_rows_portable(const float *x, int rows, int inputs, int stride,
                                   uint8_t *quantized, float *scales, int32_t *zeros) {
    for (int r = 0; r < rows; r++) {
        const float *row = x + (size_t)r * (size_t)stride;
        uint8_t *q = quantized + (size_t)r * (size_t)inputs;
        float low = 0, high = 0;
        for (int k = 0; k < inputs; k++) { low = fminf(low, row[k]); high = fmaxf(high, row[k]); }
        float scale, inverse;
        int32_t zero;
        row_parameters(low, high, &scale, &inverse, &zero);
        for (int k = 0; k < inputs; k++) {
            float v = nearbyintf(row[k] * inverse) + (float)zero;
            if (v < 0) v = 0;
            if (v > 255) v = 255;
            q[k] = (uint8_t)v;
        }
        scales[r] = scale;
        zeros[r] = zero;
    }
}

#if defined(__x86_64__)
VNNI static void quantize_rows_avx512(const float *x, int rows, int inputs, int stride,
                                      uint8_t *quantized, float *scales, int32_t *zeros) {
    for (int r = 0; r < rows; r++) {
        const float *row = x + (size_t)r * (size_t)stride;
        uint8_t *q = quantized + (size_t)r * (size_t)inputs;
        __m512 low = _mm512_setzero_ps(), high = _mm512_setzero_ps();
        for (int k = 0; k < inputs; k += 16) {
            const int left = inputs - k;
            const __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            const __m512 v = _mm512_maskz_loadu_ps(mask, row + k);
            low = _mm512_min_ps(low, v);
            high = _mm512_max_ps(high, v);
        }
        float scale, inverse;
        int32_t zero;
        row_parameters(_mm512_reduce_min_ps(low), _mm512_reduce_max_ps(high), &scale, &inverse, &zero);
        const __m512 factor = _mm512_set1_ps(inverse);
        const __m512i offset = _mm512_set1_epi32(zero);
        const __m512i floor = _mm512_setzero_si512(), ceiling = _mm512_set1_epi32(255);
        for (int k = 0; k < inputs; k += 16) {
            const int left = inputs - k;
            const __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            const __m512 v = _mm512_maskz_loadu_ps(mask, row + k);
            // cvtps rounds to nearest even, as nearbyintf does in the default mode.
            __m512i i = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(v, factor)), offset);
            i = _mm512_min_epi32(_mm512_max_epi32(i, floor), ceiling);
            _mm512_mask_cvtepi32_storeu_epi8(q + k, mask, i);
        }
        scales[r] = scale;
        zeros[r] = zero;
    }
}
#endif

void aimem_int8_quantize_rows(const float *x, int rows, int inputs, int stride,
                              uint8_t *quantized, float *scales, int32_t *zeros) {
#if defined(__x86_64__)
    if (aimem_int8_available()) { quantize_rows_avx512(x, rows, inputs, stride, quantized, scales, zeros); return; }
#endif
    aimem_int8_quantize_rows_portable(x, rows, inputs, stride, quantized, scales, zeros);
}

#if defined(__x86_64__)
// R rows (R ≤ 8, a constant once inlined) × 32 outputs from o on.
VNNI static inline __attribute__((always_inline)) void
rows_by_32(const int R, const uint8_t *quantized, const float *rowScales, const int32_t *rowZeros, int inputs,
           const int8_t *packed, const float *weightScales, const int32_t *weightSums, const float *bias,
           int o, float *out, int outStride) {
    const int groups = inputs / 4;
    const int8_t *w0 = packed + (size_t)(o / 16) * (size_t)groups * 64;
    const int8_t *w1 = w0 + (size_t)groups * 64;
    __m512i acc[8][2];
    for (int r = 0; r < R; r++) { acc[r][0] = _mm512_setzero_si512(); acc[r][1] = _mm512_setzero_si512(); }
    for (int g = 0; g < groups; g++) {
        const __m512i b0 = _mm512_loadu_si512((const void *)(w0 + (size_t)g * 64));
        const __m512i b1 = _mm512_loadu_si512((const void *)(w1 + (size_t)g * 64));
        for (int r = 0; r < R; r++) {
            int32_t four;
            memcpy(&four, quantized + (size_t)r * (size_t)inputs + (size_t)g * 4, 4);
            const __m512i a = _mm512_set1_epi32(four);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], a, b0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], a, b1);
        }
    }
    const __m512i sum0 = _mm512_loadu_si512((const void *)(weightSums + o));
    const __m512i sum1 = _mm512_loadu_si512((const void *)(weightSums + o + 16));
    const __m512 scale0 = _mm512_loadu_ps(weightScales + o), scale1 = _mm512_loadu_ps(weightScales + o + 16);
    const __m512 bias0 = _mm512_loadu_ps(bias + o), bias1 = _mm512_loadu_ps(bias + o + 16);
    for (int r = 0; r < R; r++) {
        const __m512i zero = _mm512_set1_epi32(rowZeros[r]);
        const __m512 rowScale = _mm512_set1_ps(rowScales[r]);
        const __m512 f0 = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][0], _mm512_mullo_epi32(zero, sum0)));
        const __m512 f1 = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][1], _mm512_mullo_epi32(zero, sum1)));
        float *target = out + (size_t)r * (size_t)outStride + o;
        _mm512_storeu_ps(target, _mm512_fmadd_ps(f0, _mm512_mul_ps(rowScale, scale0), bias0));
        _mm512_storeu_ps(target + 16, _mm512_fmadd_ps(f1, _mm512_mul_ps(rowScale, scale1), bias1));
    }
}

#define ROWS_CASE(n) case n: rows_by_32(n, q, rowScales + r0, rowZeros + r0, inputs, packed, weightScales, weightSums, bias, o, target, outStride); break;

VNNI void aimem_int8_linear(const uint8_t *quantized, const float *rowScales, const int32_t *rowZeros,
                            int rows, int inputs,
                            const int8_t *packed, const float *weightScales, const int32_t *weightSums,
                            const float *bias, int outputBegin, int outputEnd,
                            float *out, int outStride) {
    for (int r0 = 0; r0 < rows; r0 += 8) {
        const int R = rows - r0 < 8 ? rows - r0 : 8;
        const uint8_t *q = quantized + (size_t)r0 * (size_t)inputs;
        float *target = out + (size_t)r0 * (size_t)outStride;
        for (int o = outputBegin; o < outputEnd; o += 32) {
            switch (R) {
                ROWS_CASE(8) ROWS_CASE(7) ROWS_CASE(6) ROWS_CASE(5)
                ROWS_CASE(4) ROWS_CASE(3) ROWS_CASE(2) ROWS_CASE(1)
            }
        }
    }
}
#else
void aimem_int8_linear(const uint8_t *quantized, const float *rowScales, const int32_t *rowZeros,
                       int rows, int inputs,
                       const int8_t *packed, const float *weightScales, const int32_t *weightSums,
                       const float *bias, int outputBegin, int outputEnd,
                       float *out, int outStride) {
    aimem_int8_linear_reference(quantized, rowScales, rowZeros, rows, inputs, packed, weightScales, weightSums,
                                bias, outputBegin, outputEnd, out, outStride);
}
#endif

void aimem_int8_linear_reference(const uint8_t *quantized, const float *rowScales, const int32_t *rowZeros,
                                 int rows, int inputs,
                                 const int8_t *packed, const float *weightScales, const int32_t *weightSums,
                                 const float *bias, int outputBegin, int outputEnd,
                                 float *out, int outStride) {
    for (int r = 0; r < rows; r++) {
        for (int o = outputBegin; o < outputEnd; o++) {
            int32_t acc = 0;
            for (int k = 0; k < inputs; k++)
                acc += (int32_t)quantized[(size_t)r * (size_t)inputs + (size_t)k] * (int32_t)packed[packed_offset(o, k, inputs)];
            const float f = (float)(acc - rowZeros[r] * weightSums[o]);
            out[(size_t)r * (size_t)outStride + (size_t)o] = fmaf(f, rowScales[r] * weightScales[o], bias[o]);
        }
    }
}

// ---- Element-wise functions: the polynomials of VectorMath.swift, 16 lanes at a time.

int aimem_vector_math_available(void) {
#if defined(__x86_64__)
    return aimem_int8_available();
#else
    return 0;
#endif
}

#if defined(__x86_64__)
// eˣ: Cephes' expf polynomial, inputs clamped to [−87, 88].
VNNI static inline __attribute__((always_inline)) __m512 exp16(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.0f)), _mm512_set1_ps(88.0f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
    const __m512 z = _mm512_mul_ps(r, r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_add_ps(_mm512_fmadd_ps(p, z, r), _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

// erf(x): Abramowitz and Stegun 7.1.26.
VNNI static inline __attribute__((always_inline)) __m512 erf16(__m512 x) {
    const __m512 a = _mm512_abs_ps(x);
    const __m512 t = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_fmadd_ps(a, _mm512_set1_ps(0.3275911f), _mm512_set1_ps(1.0f)));
    __m512 p = _mm512_set1_ps(1.061405429f);
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
    p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
    const __m512 e = exp16(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(a, a)));
    const __m512 y = _mm512_fnmadd_ps(_mm512_mul_ps(p, t), e, _mm512_set1_ps(1.0f));
    // erf is odd: give y the sign of x.
    const __mmask16 negative = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    return _mm512_mask_sub_ps(y, negative, _mm512_setzero_ps(), y);
}

VNNI static void gelu_avx512(float *x, long count) {
    const __m512 half = _mm512_set1_ps(0.5f), root = _mm512_set1_ps(0.70710678118654752f), one = _mm512_set1_ps(1.0f);
    for (long i = 0; i < count; i += 16) {
        const long left = count - i;
        const __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        const __m512 v = _mm512_maskz_loadu_ps(mask, x + i);
        const __m512 g = _mm512_mul_ps(_mm512_mul_ps(half, v), _mm512_add_ps(one, erf16(_mm512_mul_ps(v, root))));
        _mm512_mask_storeu_ps(x + i, mask, g);
    }
}

VNNI static void softmax_rows_avx512(float *x, int rows, int width) {
    for (int r = 0; r < rows; r++) {
        float *row = x + (size_t)r * (size_t)width;
        __m512 top = _mm512_set1_ps(-INFINITY);
        for (int i = 0; i < width; i += 16) {
            const int left = width - i;
            const __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            top = _mm512_mask_max_ps(top, mask, top, _mm512_maskz_loadu_ps(mask, row + i));
        }
        const __m512 largest = _mm512_set1_ps(_mm512_reduce_max_ps(top));
        __m512 sums = _mm512_setzero_ps();
        for (int i = 0; i < width; i += 16) {
            const int left = width - i;
            const __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            const __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, row + i), largest));
            _mm512_mask_storeu_ps(row + i, mask, e);
            sums = _mm512_mask_add_ps(sums, mask, sums, e);
        }
        const __m512 inverse = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sums));
        for (int i = 0; i < width; i += 16) {
            const int left = width - i;
            const __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            _mm512_mask_storeu_ps(row + i, mask, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, row + i), inverse));
        }
    }
}
#endif

void aimem_gelu(float *x, long count) {
#if defined(__x86_64__)
    if (aimem_vector_math_available()) gelu_avx512(x, count);
#endif
}

void aimem_softmax_rows(float *x, int rows, int width) {
#if defined(__x86_64__)
    if (aimem_vector_math_available()) softmax_rows_avx512(x, rows, width);
#endif
}

// ---- Attention of one head: scores by blocks of 16 keys against the transposed
// keys, softmax, then the context as a sum of value rows.

#if defined(__x86_64__)
VNNI static void attention_head_avx512(const float *q, const float *k, const float *v, int length, int headSize, int stride, float scale,
                                       float *scores, float *keys, float *context, int contextStride) {
    const size_t n = (size_t)length;
    for (size_t j = 0; j < n; j++) {
        for (int d = 0; d < headSize; d++) keys[(size_t)d * n + j] = k[j * (size_t)stride + (size_t)d];
    }
    const __m512 scale16 = _mm512_set1_ps(scale);
    for (size_t i = 0; i < n; i++) {
        const float *qi = q + i * (size_t)stride;
        float *row = scores + i * n;
        for (size_t j = 0; j < n; j += 16) {
            const size_t left = n - j;
            const __mmask16 mask = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            __m512 sum = _mm512_setzero_ps();
            for (int d = 0; d < headSize; d++) {
                sum = _mm512_fmadd_ps(_mm512_set1_ps(qi[d]), _mm512_maskz_loadu_ps(mask, keys + (size_t)d * n + j), sum);
            }
            _mm512_mask_storeu_ps(row + j, mask, _mm512_mul_ps(sum, scale16));
        }
    }
    softmax_rows_avx512(scores, length, length);
    for (size_t i = 0; i < n; i++) {
        const float *row = scores + i * n;
        float *out = context + i * (size_t)contextStride;
        for (int d = 0; d < headSize; d += 32) {
            const int pair = headSize - d >= 32;
            __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
            for (size_t j = 0; j < n; j++) {
                const __m512 p = _mm512_set1_ps(row[j]);
                const float *vj = v + j * (size_t)stride + d;
                a0 = _mm512_fmadd_ps(p, _mm512_loadu_ps(vj), a0);
                if (pair) a1 = _mm512_fmadd_ps(p, _mm512_loadu_ps(vj + 16), a1);
            }
            _mm512_storeu_ps(out + d, a0);
            if (pair) _mm512_storeu_ps(out + d + 16, a1);
        }
    }
}
#endif

void aimem_attention_head(const float *q, const float *k, const float *v, int length, int headSize, int stride, float scale,
                          float *scores, float *keys, float *context, int contextStride) {
#if defined(__x86_64__)
    if (aimem_vector_math_available()) {
        attention_head_avx512(q, k, v, length, headSize, stride, scale, scores, keys, context, contextStride);
        return;
    }
#endif
    aimem_attention_head_portable(q, k, v, length, headSize, stride, scale, scores, keys, context, contextStride);
}

void aimem_attention_head_portable(const float *q, const float *k, const float *v, int length, int headSize, int stride, float scale,
                                   float *scores, float *keys, float *context, int contextStride) {
    const size_t n = (size_t)length;
    for (size_t j = 0; j < n; j++) {
        for (int d = 0; d < headSize; d++) keys[(size_t)d * n + j] = k[j * (size_t)stride + (size_t)d];
    }
    for (size_t i = 0; i < n; i++) {
        const float *qi = q + i * (size_t)stride;
        float *row = scores + i * n;
        float largest = -INFINITY;
        for (size_t j = 0; j < n; j++) {
            float sum = 0;
            for (int d = 0; d < headSize; d++) sum = fmaf(qi[d], keys[(size_t)d * n + j], sum);
            row[j] = sum * scale;
            if (row[j] > largest) largest = row[j];
        }
        float total = 0;
        for (size_t j = 0; j < n; j++) {
            row[j] = expf(row[j] - largest);
            total += row[j];
        }
        const float inverse = 1.0f / total;
        for (size_t j = 0; j < n; j++) row[j] *= inverse;
    }
    for (size_t i = 0; i < n; i++) {
        const float *row = scores + i * n;
        float *out = context + i * (size_t)contextStride;
        for (int d = 0; d < headSize; d++) {
            float sum = 0;
            for (size_t j = 0; j < n; j++) sum = fmaf(row[j], v[j * (size_t)stride + (size_t)d], sum);
            out[d] = sum;
        }
    }
}

// ---- Vector index: int8 rows against an int8 query.

static void int8_dots_portable(const uint8_t *rows, long count, long rowBytes, long offset, const int8_t *query, int dimension, int32_t *out) {
    for (long r = 0; r < count; r++) {
        const int8_t *v = (const int8_t *)(rows + r * rowBytes + offset);
        int32_t sum = 0;
        for (int i = 0; i < dimension; i++) sum += (int32_t)v[i] * (int32_t)query[i];
        out[r] = sum;
    }
}

#if defined(__x86_64__)
VNNI static void int8_dots_avx512(const uint8_t *rows, long count, long rowBytes, long offset, const int8_t *query, int dimension, int32_t *out) {
    // The query widened to int16 once; each row 32 values at a time: widen, multiply pairs, add.
    enum { maxChunks = 128 };  // up to 4096 dimensions
    __m512i q[maxChunks];
    const int chunks = dimension / 32;
    for (int c = 0; c < chunks; c++) q[c] = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(query + 32 * c)));
    for (long r = 0; r < count; r++) {
        const int8_t *v = (const int8_t *)(rows + r * rowBytes + offset);
        __m512i acc = _mm512_setzero_si512();
        for (int c = 0; c < chunks; c++) {
            const __m512i x = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(v + 32 * c)));
            acc = _mm512_add_epi32(acc, _mm512_madd_epi16(x, q[c]));
        }
        int32_t sum = _mm512_reduce_add_epi32(acc);
        for (int i = chunks * 32; i < dimension; i++) sum += (int32_t)v[i] * (int32_t)query[i];
        out[r] = sum;
    }
}
#endif

void aimem_int8_dots(const uint8_t *rows, long count, long rowBytes, long offset, const int8_t *query, int dimension, int32_t *out) {
#if defined(__x86_64__)
    if (aimem_int8_available() && dimension <= 4096) { int8_dots_avx512(rows, count, rowBytes, offset, query, dimension, out); return; }
#endif
    int8_dots_portable(rows, count, rowBytes, offset, query, dimension, out);
}

void aimem_int8_dots_portable(const uint8_t *rows, long count, long rowBytes, long offset, const int8_t *query, int dimension, int32_t *out) {
    int8_dots_portable(rows, count, rowBytes, offset, query, dimension, out);
}
