// Eight-bit matrix products for the MiniLM encoder's linear layers.
//
// A linear layer `out = x · Wᵀ + bias` runs as integers: each weight row (one
// output) is quantised once, symmetrically, to int8 with its own scale; each
// input row (one token) is quantised when the layer runs, asymmetrically, to
// uint8 with its own scale and zero point. The products are summed exactly in
// int32 and turned back into floats:
//
//   out[r][o] = xScale[r] · wScale[o] · (Σₖ xq[r][k]·wq[o][k] − zero[r]·Σₖ wq[o][k]) + bias[o]
//
// The fast kernel uses AVX-512 VNNI (`vpdpbusd`: 64 uint8×int8 products per
// instruction), chosen at run time; `aimem_int8_available()` says whether this
// machine has it. Without it the encoder keeps its float32 path (OpenBLAS), so
// these functions are called only when it returns 1 — except the portable
// reference, which tests compare the kernel with.
//
// Weights are packed for the kernel: outputs in blocks of 16, and within a
// block the inputs in groups of 4, so one 64-byte line holds 4 consecutive
// inputs of 16 outputs. Byte offset of weight (o, k):
//   ((o / 16) · (inputs / 4) + k / 4) · 64 + (o % 16) · 4 + k % 4
#ifndef AIMEM_KERNELS_H
#define AIMEM_KERNELS_H

#include <stdint.h>

/// 1 when this CPU (and its OS) run AVX-512 F, BW and VNNI; else 0.
int aimem_int8_available(void);

/// Quantises `outputs` weight rows of `inputs` floats (row-major, row stride
/// `inputs`) into `packed` (outputs·inputs bytes, layout above), with one scale
/// (max|w|/127) and one sum of the quantised values per output.
/// `outputs` must be a multiple of 32 and `inputs` of 4.
void aimem_int8_pack_weights(const float *weights, int outputs, int inputs,
                             int8_t *packed, float *scales, int32_t *sums);

/// Quantises `rows` rows of `inputs` floats (row stride `stride`) into
/// `quantized` (row stride `inputs`): per row, scale = (max − min)/255 over the
/// row with 0 included, zero point = round(−min/scale), q = clamp(round(x/scale) + zero, 0, 255).
/// A row of zeros gets scale 0 and zero point 0. `inputs` must be a multiple of 4.
void aimem_int8_quantize_rows(const float *x, int rows, int inputs, int stride,
                              uint8_t *quantized, float *scales, int32_t *zeros);

/// out[r·outStride + o] = the formula above, for rows 0..<rows and outputs
/// outputBegin..<outputEnd (both multiples of 32). Requires aimem_int8_available().
void aimem_int8_linear(const uint8_t *quantized, const float *rowScales, const int32_t *rowZeros,
                       int rows, int inputs,
                       const int8_t *packed, const float *weightScales, const int32_t *weightSums,
                       const float *bias, int outputBegin, int outputEnd,
                       float *out, int outStride);

/// aimem_int8_pack_weights and aimem_int8_quantize_rows in portable C (the
/// others use AVX-512 where the kernel runs; the results are the same bytes).
void aimem_int8_pack_weights_portable(const float *weights, int outputs, int inputs,
                                      int8_t *packed, float *scales, int32_t *sums);
void aimem_int8_quantize_rows_portable(const float *x, int rows, int inputs, int stride,
                                       uint8_t *quantized, float *scales, int32_t *zeros);

/// The same as aimem_int8_linear in portable C, one product at a time (for tests).
void aimem_int8_linear_reference(const uint8_t *quantized, const float *rowScales, const int32_t *rowZeros,
                                 int rows, int inputs,
                                 const int8_t *packed, const float *weightScales, const int32_t *weightSums,
                                 const float *bias, int outputBegin, int outputEnd,
                                 float *out, int outStride);

/// 1 when aimem_gelu and aimem_softmax_rows run here (AVX-512); where it is 0
/// they do nothing and the encoder uses its Swift versions (VectorMath.swift).
int aimem_vector_math_available(void);

/// BERT's GELU, x · ½ · (1 + erf(x/√2)), in place (erf by Abramowitz and Stegun 7.1.26).
void aimem_gelu(float *x, long count);

/// Softmax of each of `rows` rows of `width` floats in place (the row's maximum subtracted first).
void aimem_softmax_rows(float *x, int rows, int width);

/// One attention head of one sequence, in float32: with Q, K and V the `length`
/// rows of `headSize` floats at `q`, `k` and `v` (each row `stride` floats after
/// the one before), `context[i·contextStride + d] = Σⱼ softmax(scale · Q Kᵀ)[i][j] · V[j][d]`.
/// `scores` has room for length·length floats and `keys` for headSize·length
/// (the keys transposed). `headSize` is a multiple of 16. Requires
/// aimem_vector_math_available() (AVX-512).
void aimem_attention_head(const float *q, const float *k, const float *v, int length, int headSize, int stride, float scale,
                          float *scores, float *keys, float *context, int contextStride);
/// The same in portable C, in the same order of operations but with libm's expf
/// (for tests).
void aimem_attention_head_portable(const float *q, const float *k, const float *v, int length, int headSize, int stride, float scale,
                                   float *scores, float *keys, float *context, int contextStride);

/// For each of `count` rows (`rowBytes` apart, the int8 vector `offset` bytes into
/// each): out[r] = Σᵢ row[i]·query[i] over `dimension` values (the vector index's
/// scan). AVX-512 where available, else portable C.
void aimem_int8_dots(const uint8_t *rows, long count, long rowBytes, long offset, const int8_t *query, int dimension, int32_t *out);
/// The same in portable C (for tests).
void aimem_int8_dots_portable(const uint8_t *rows, long count, long rowBytes, long offset, const int8_t *query, int dimension, int32_t *out);

#endif
