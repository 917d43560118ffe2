/* skintrack kernels: texture family (grey-level quantisation, co-occurrence
 * matrices and Haralick properties, uniform local binary patterns).
 * Included through sk_kernels.h. Definitions: docs/kernels/texture.md.
 *
 * Quantised planes and LBP code planes are uint8_t; masks are uint8_t planes
 * with 0 = off and any nonzero value = on (kernels that write masks write
 * 0/1). Strides of uint8_t planes count bytes (== elements); strides of float
 * planes count floats. Every function returns 0 or a negative sk_status. */
#ifndef SK_TEXTURE_H
#define SK_TEXTURE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ quantisation */

/* q = clamp(floor((v - lo) / (hi - lo) * levels), 0, levels - 1) into a
 * uint8 plane; levels 2..256 (the GLCM is meant for 8..64); NaN -> 0.
 * lo/hi are fixed bounds or percentiles the caller computed (see
 * sk_texture_percentiles). */
int sk_texture_quantise(const float *src, size_t ss, int w, int h, double lo, double hi,
                        int levels, uint8_t *dst, size_t ds);

/* The same, but pixels where `mask` (may be NULL) is off are written 0; the
 * GLCM ignores them through its own mask argument. */
int sk_texture_quantise_masked(const float *src, size_t ss, const uint8_t *mask, size_t ms, int w,
                               int h, double lo, double hi, int levels, uint8_t *dst, size_t ds);

/* Percentiles p_lo, p_hi (in [0, 100]) of the finite values of `src` over
 * the mask (may be NULL), by a 4096-bin histogram between the minimum and the
 * maximum followed by linear interpolation inside the bin: the result is
 * within (max - min) / 4096 of the exact order statistic. Returns
 * SK_ERR_ARG when no pixel counts. */
int sk_texture_percentiles(const float *src, size_t ss, const uint8_t *mask, size_t ms, int w,
                           int h, double p_lo, double p_hi, double *lo, double *hi);

/* ------------------------------------------------------------------- GLCM */

/* Co-occurrence counts for one offset (dx, dy): glcm[i * levels + j] += 1
 * for every pair (p, p + (dx, dy)) with both pixels inside the image and,
 * when mask is given, both on; values >= levels are skipped. symmetric: the
 * matrix plus its transpose (as scikit-image). The matrix (levels^2
 * entries, caller-owned) is overwritten; *pairs (may be NULL) gets the
 * number of pixel pairs counted (before symmetrisation). levels 2..256.
 * Allocates its partial histograms per call; sk_texture_glcm_multi takes
 * caller scratch instead. */
int sk_texture_glcm(const uint8_t *q, size_t qs, const uint8_t *mask, size_t ms, int w, int h,
                    int levels, int dx, int dy, int symmetric, uint64_t *glcm, uint64_t *pairs);

/* One GLCM offset: pixel (x, y) pairs with (x + dx, y + dy). */
typedef struct sk_glcm_offset {
    int dx, dy;
} sk_glcm_offset_t;

/* Bytes of scratch sk_texture_glcm_multi needs for this level count and
 * image width. */
size_t sk_texture_glcm_scratch_size(int levels, int w);

/* Co-occurrence counts for n_off offsets at once into `glcm`: n_off
 * consecutive levels x levels uint32 matrices (caller-owned, overwritten),
 * matrix k for offs[k]. pairs (may be NULL): n_off counts. scratch:
 * sk_texture_glcm_scratch_size(levels, w) bytes, or NULL to allocate per
 * call. The image must have fewer than 2^31 pixels (uint32 counts). */
int sk_texture_glcm_multi(const uint8_t *q, size_t qs, const uint8_t *mask, size_t ms, int w,
                          int h, int levels, const sk_glcm_offset_t *offs, int n_off,
                          int symmetric, uint32_t *glcm, uint64_t *pairs, void *scratch);

/* Normalise counts to probabilities: p = counts / sum (levels^2 entries).
 * Returns SK_ERR_ARG for an all-zero matrix (p is then left as zeros). */
int sk_texture_glcm_normalise(const uint32_t *counts, int levels, double *p);
int sk_texture_glcm_normalise_u64(const uint64_t *counts, int levels, double *p);

/* Haralick properties of a co-occurrence matrix P (normalised to sum 1):
 * contrast = sum P(i,j)(i-j)^2, dissimilarity = sum P|i-j|,
 * homogeneity = sum P / (1 + (i-j)^2) (scikit-image's definition),
 * ASM = sum P^2, energy = sqrt(ASM),
 * correlation = sum (i - mu_i)(j - mu_j) P / (sigma_i sigma_j), defined as 1
 * when sigma_i or sigma_j is below 1e-15 (a constant image; scikit-image's
 * convention), entropy = -sum P log2 P (0 log 0 = 0). */
typedef struct sk_haralick {
    double contrast, dissimilarity, homogeneity, asm_, energy, correlation, entropy;
} sk_haralick_t;

/* From counts (normalised internally). SK_ERR_ARG for an empty matrix. */
int sk_texture_haralick(const uint64_t *glcm, int levels, sk_haralick_t *out);

/* From a normalised matrix p (levels^2 doubles summing to 1; not checked
 * beyond a positive sum, which is divided out). */
int sk_texture_haralick_p(const double *p, int levels, sk_haralick_t *out);

/* -------------------------------------------------------------------- LBP */

/* Local binary patterns with P = 8 neighbours on a circle of radius 1,
 * neighbour k at angle 2 pi k / 8 counter-clockwise from +x (east, then
 * north-east, north ... as scikit-image). The axial neighbours are pixels;
 * the diagonal ones are bilinear samples at (±1/√2, ±1/√2) from the centre.
 * Bit k = (sample_k >= centre), decided on the exact expression
 * (1-t)((h-c) + (v-c)) + t(d-c) >= 0, t = 1/√2, so a flat patch gives all
 * ones. Pixels in the 1-pixel image border (whose circle leaves the image)
 * get code 255 and are skipped by the histograms.
 *
 * SK_LBP_UNIFORM: rotation-invariant uniform code (scikit-image "uniform"):
 *   the number of ones when the circular pattern has at most 2 transitions,
 *   else 9: codes 0..9.
 * SK_LBP_NRI_UNIFORM: non-rotation-invariant uniform code (scikit-image
 *   "nri_uniform"): 0 for no ones, 57 for all ones, 1 + (n-1)*8 + rotation
 *   for the other uniform patterns, 58 for non-uniform: codes 0..58. */
typedef enum sk_lbp_method { SK_LBP_UNIFORM = 0, SK_LBP_NRI_UNIFORM = 1 } sk_lbp_method;

int sk_texture_lbp(const float *src, size_t ss, int w, int h, sk_lbp_method method, uint8_t *dst,
                   size_t ds);

/* sk_texture_lbp(..., SK_LBP_UNIFORM, ...). */
int sk_texture_lbp_uniform(const float *src, size_t ss, int w, int h, uint8_t *dst, size_t ds);

/* Histogram of LBP codes 0..9 over mask pixels (mask may be NULL); codes
 * >= 10 (the border's 255) are skipped. hist is overwritten. */
int sk_texture_lbp_histogram(const uint8_t *codes, size_t cs, const uint8_t *mask, size_t ms,
                             int w, int h, uint64_t hist[10]);

/* Histogram of codes 0..nbins-1 (nbins 1..255) over mask pixels; other codes
 * skipped (10 bins for SK_LBP_UNIFORM, 59 for SK_LBP_NRI_UNIFORM). */
int sk_texture_lbp_histogram_n(const uint8_t *codes, size_t cs, const uint8_t *mask, size_t ms,
                               int w, int h, int nbins, uint64_t *hist);

#ifdef __cplusplus
}
#endif

#endif /* SK_TEXTURE_H */
