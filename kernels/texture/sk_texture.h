/* skintrack kernels: texture family (grey-level quantisation, co-occurrence
 * matrices and Haralick properties, uniform local binary patterns).
 * Included through sk_kernels.h. Definitions: docs/kernels/texture.md. */
#ifndef SK_TEXTURE_H
#define SK_TEXTURE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* q = clamp(floor((v - lo) / (hi - lo) * levels), 0, levels - 1), levels
 * 2..256, into a uint8 plane; pixels outside the mask (may be NULL) get 0
 * and are ignored by the GLCM through its own mask argument. */
int sk_texture_quantise(const float *src, size_t ss, int w, int h, double lo, double hi,
                        int levels, uint8_t *dst, size_t ds);

/* Co-occurrence counts for one offset (dx, dy): glcm[i * levels + j] += 1
 * for every pair (p, p + (dx, dy)) with both pixels inside the image and,
 * when mask is given, both on. symmetric: also count (j, i). The matrix is
 * cleared first; *pairs (may be NULL) gets the number of pairs counted. */
int sk_texture_glcm(const uint8_t *q, size_t qs, const uint8_t *mask, size_t ms, int w, int h,
                    int levels, int dx, int dy, int symmetric, uint64_t *glcm, uint64_t *pairs);

/* Haralick properties of a co-occurrence matrix (normalised internally):
 * contrast = sum P(i,j)(i-j)^2, dissimilarity = sum P|i-j|,
 * homogeneity = sum P / (1 + (i-j)^2), ASM = sum P^2, energy = sqrt(ASM),
 * correlation = sum (i - mu_i)(j - mu_j) P / (sigma_i sigma_j) (1 when a
 * sigma is 0, as scikit-image), entropy = -sum P log2 P. */
typedef struct sk_haralick {
    double contrast, dissimilarity, homogeneity, asm_, energy, correlation, entropy;
} sk_haralick_t;
int sk_texture_haralick(const uint64_t *glcm, int levels, sk_haralick_t *out);

/* Local binary patterns with P = 8 neighbours on a circle of radius 1
 * (diagonals bilinearly interpolated at (±1/√2, ±1/√2)), thresholded at
 * >= the centre. Rotation-invariant uniform code (scikit-image "uniform"):
 * the number of 1s when the circular pattern has at most 2 transitions,
 * else P + 1, so codes 0..9. Border pixels (outside the 1-pixel margin)
 * get code 255. */
int sk_texture_lbp_uniform(const float *src, size_t ss, int w, int h, uint8_t *dst, size_t ds);

/* Histogram of LBP codes 0..9 over mask pixels (mask may be NULL), border
 * codes skipped. */
int sk_texture_lbp_histogram(const uint8_t *codes, size_t cs, const uint8_t *mask, size_t ms,
                             int w, int h, uint64_t hist[10]);

#ifdef __cplusplus
}
#endif

#endif /* SK_TEXTURE_H */
