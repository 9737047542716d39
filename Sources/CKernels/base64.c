// Base64 encoding with AVX-512 VBMI (base64.h says what and why).
#include "base64.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define VBMI __attribute__((target("avx512f,avx512bw,avx512vbmi")))
#endif

int aimem_base64_vbmi_available(void) {
#if defined(__x86_64__)
    static int known = -1;  // every thread that finds it unset computes the same value
    int available = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (available < 0) {
        __builtin_cpu_init();
        available = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512vbmi");
        __atomic_store_n(&known, available, __ATOMIC_RELAXED);
    }
    return available;
#else
    return 0;
#endif
}

#if defined(__x86_64__)
static const char alphabet[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

VBMI size_t aimem_base64_encode_vbmi(const uint8_t *in, size_t n, uint8_t *out) {
    // Each 32-bit lane of the output comes from one 3-byte group a, b, c, gathered
    // as the bytes b, a, c, b: read as a little-endian word, the group's four 6-bit
    // values then start at bits 10, 4, 22 and 16, which the multishift's offsets
    // (the same plus 32 for the lane above) copy into the lane's four bytes. The
    // lookup uses each byte's low six bits.
    const __m512i gather = _mm512_set_epi8(
        46, 47, 45, 46, 43, 44, 42, 43, 40, 41, 39, 40, 37, 38, 36, 37,
        34, 35, 33, 34, 31, 32, 30, 31, 28, 29, 27, 28, 25, 26, 24, 25,
        22, 23, 21, 22, 19, 20, 18, 19, 16, 17, 15, 16, 13, 14, 12, 13,
        10, 11, 9, 10, 7, 8, 6, 7, 4, 5, 3, 4, 1, 2, 0, 1);
    const __m512i shifts = _mm512_set1_epi64(0x3036242a1016040aLL);
    const __m512i lookup = _mm512_loadu_si512((const void *)alphabet);
    const __mmask64 first48 = 0x0000FFFFFFFFFFFFULL;
    size_t done = 0;
    while (n - done >= 48) {
        // A masked load: the 16 bytes past the block are neither read nor faulted on.
        __m512i v = _mm512_maskz_loadu_epi8(first48, in + done);
        v = _mm512_permutexvar_epi8(gather, v);
        v = _mm512_multishift_epi64_epi8(shifts, v);
        v = _mm512_permutexvar_epi8(v, lookup);
        _mm512_storeu_si512((void *)(out + done / 3 * 4), v);
        done += 48;
    }
    return done;
}
#else
size_t aimem_base64_encode_vbmi(const uint8_t *in, size_t n, uint8_t *out) {
    (void)in; (void)n; (void)out;
    return 0;
}
#endif
