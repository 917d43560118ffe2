/* Internal header of the texture family: SIMD variants and shared helpers,
 * reachable from tests and benchmarks. */
#ifndef SK_PTEXTURE_H
#define SK_PTEXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "sk_kernels.h"

/* 256-entry table (padded to 260 bytes for 32-bit gathers) from the 8-bit neighbour pattern (bit k = neighbour k
 * >= centre) to the code of `method`. */
const uint8_t *sk_texture_lbp_lut(sk_lbp_method method);

/* LBP variants (arguments already validated; w, h >= 1). Integer outputs:
 * the variants agree bit for bit. */
void sk_texture_lbp_scalar(const float *src, size_t ss, int w, int h, sk_lbp_method method,
                           uint8_t *dst, size_t ds);
void sk_texture_lbp_avx2(const float *src, size_t ss, int w, int h, sk_lbp_method method,
                         uint8_t *dst, size_t ds);

/* Neighbour patterns of row y's interior pixels x = 1 .. w-2 (w >= 3) from
 * rows r0 = y-1, r1 = y, r2 = y+1, into pat[1 .. w-2]. */
void sk_texture_lbp_patterns_scalar(const float *r0, const float *r1, const float *r2, int w,
                                    uint8_t *pat);

/* Bilinear weight of the two axial neighbours of a diagonal sample, and of
 * the diagonal pixel, after dividing the bilinear formula by t = 1/√2:
 * sample - c ∝ LBP_WA * ((h - c) + (v - c)) + LBP_WB * (d - c). */
#define SK_LBP_WA 0.29289321881345248f /* 1 - 1/√2 */
#define SK_LBP_WB 0.70710678118654752f /* 1/√2 */

/* GLCM: count the pairs of one offset into `nparts` interleaved partial
 * histograms parts[k * (levels^2 + 1) + idx] (entry levels^2 collects the
 * pairs that do not count), using idx (w uint32) as a row buffer. The
 * partials are NOT cleared. Returns the number of counted pairs.
 * nparts 1, 2 or 4. */
uint64_t sk_texture_glcm_accumulate(const uint8_t *q, size_t qs, const uint8_t *mask, size_t ms,
                                    int w, int h, int levels, int dx, int dy, uint32_t *parts,
                                    int nparts, uint32_t *idx);

#endif
