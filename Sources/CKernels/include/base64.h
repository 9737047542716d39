// Base64 (RFC 4648 §4, the standard alphabet) for the export's embedding vectors.
//
// The fast kernel uses AVX-512 VBMI, chosen at run time (after Wojciech Muła and
// Daniel Lemire, "Base64 encoding and decoding at almost the speed of a memory
// copy", 2019): per 48 input bytes, one byte permutation puts each 3-byte group's
// bytes where a multishift can cut its four 6-bit values out, and a second
// permutation looks them up in the 64-character alphabet. It encodes whole
// 48-byte blocks only; the caller encodes the rest (and the padding).
#ifndef AIMEM_BASE64_H
#define AIMEM_BASE64_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU (and its OS) run AVX-512 F, BW and VBMI; else 0.
int aimem_base64_vbmi_available(void);

/// Encodes the first n − n % 48 bytes of `in` into `out` (4 characters per 3
/// bytes, no padding needed) and returns how many bytes it encoded. Reads no
/// byte of `in` past n and writes exactly 4·(returned)/3 bytes. Requires
/// aimem_base64_vbmi_available().
size_t aimem_base64_encode_vbmi(const uint8_t *in, size_t n, uint8_t *out);

#endif
