/* Internal header of the morph family: variants and shared helpers,
 * reachable from tests and benchmarks. */
#ifndef SK_PMORPH_H
#define SK_PMORPH_H

#include <stddef.h>
#include <stdint.h>

#include "sk_kernels.h"

/* Runs of nonzero bytes of one row: runs[2k] = first column, runs[2k+1] =
 * one past the last; returns the number of runs (at most (w + 1) / 2). */
int sk_morph_row_runs(const uint8_t *m, int w, int32_t *runs);

/* Bit packing of one mask row: bit b of word i is pixel 64 i + b, set when
 * the byte is nonzero (zero when invert); the bits past w in the last word
 * are 0. (w + 63) / 64 words. Unpacking writes 0/1 bytes (1 - bit when
 * invert). The variants agree bit for bit. */
void sk_morph_pack_scalar(const uint8_t *src, int w, int invert, uint64_t *dst);
void sk_morph_unpack_scalar(const uint64_t *src, int w, int invert, uint8_t *dst);
void sk_morph_pack_avx2(const uint8_t *src, int w, int invert, uint64_t *dst);
void sk_morph_unpack_avx2(const uint64_t *src, int w, int invert, uint8_t *dst);

/* Dilation (erode = 0) or erosion (erode = 1) with the packing of a given
 * path (SK_SIMD_SCALAR or SK_SIMD_AVX2); arguments validated by the caller,
 * scratch at least sk_morph_scratch_size_r(w, h, r) bytes. */
void sk_morph_apply(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                    sk_se se, void *scratch, int erode, sk_simd path);

#endif
