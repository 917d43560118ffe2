/* Internal header of the stats family: variants callable from the tests. */
#ifndef SK_PSTATS_H
#define SK_PSTATS_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sk_kernels.h"

/* scipy.ndimage 'reflect' index for any i (period 2n): d c b a | a b c d | d c b a. */
static inline long sk_stats_reflect(long i, long n)
{
    assert(n > 0);
    long p = 2 * n;
    long m = i % p;
    if (m < 0)
        m += p;
    return m < n ? m : p - 1 - m;
}

/* Local mean / variance, scalar reference (double accumulators). mask may be
 * NULL; mean or var may be NULL. scratch holds sk_stats_local_scratch_size(w, r)
 * bytes. */
void sk_stats_local_mean_var_scalar(const float *src, size_t ss, const float *mask, size_t ms,
                                    float *mean, size_t mns, float *var, size_t vs, int w, int h,
                                    int r, void *scratch);
/* Capture sums: the sRGB decoding table (SK_CAPTURE_LUT + 2 entries, linear
 * interpolation), the clipping and dark levels, and the two passes over
 * rows (buf: 4 w floats). */
#define SK_CAPTURE_LUT 4096
#define SK_CAPTURE_HI (254.5f / 255.0f)
#define SK_CAPTURE_LO (2.0f / 255.0f)
const float *sk_stats_capture_lut(void);

/* sRGB decoding of v through the table (clamped to 0..1). */
static inline float sk_capture_decode(const float *lut, float v)
{
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    float f = v * SK_CAPTURE_LUT;
    int i = (int)f;
    return lut[i] + (f - (float)i) * (lut[i + 1] - lut[i]);
}

/* Row y's mask as 0/1 weights (every pixel 1 without a mask). */
static inline void sk_capture_weights(const uint8_t *mask, size_t ms, int y, int w, float *wt)
{
    const uint8_t *m = mask ? mask + (size_t)y * ms : NULL;
    for (int x = 0; x < w; x++)
        wt[x] = m ? (m[x] != 0) : 1.0f;
}

/* Pixel i's terms added to one lane of the four row sums (count, luma,
 * clipped, dark). */
static inline void sk_capture_add(const float *R, const float *G, const float *B, const float *Lc,
                                  const float *wt, int i, float *sn, float *sl, float *sc,
                                  float *sd)
{
    const float k = wt[i];
    *sn += k;
    *sl += k * Lc[i];
    *sc += k * (float)((R[i] >= SK_CAPTURE_HI) | (G[i] >= SK_CAPTURE_HI) | (B[i] >= SK_CAPTURE_HI));
    *sd += k * (float)((R[i] <= SK_CAPTURE_LO) & (G[i] <= SK_CAPTURE_LO) & (B[i] <= SK_CAPTURE_LO));
}

/* Pixel i's term of the Laplacian energy (luma rows above, here, below). */
static inline float sk_capture_lap(const float *La, const float *Lc, const float *Lb, int i)
{
    return 4.0f * Lc[i] - Lc[i - 1] - Lc[i + 1] - La[i] - Lb[i];
}
void sk_stats_capture_scalar(const float *r, const float *g, const float *b, size_t s,
                             const uint8_t *mask, size_t ms, int w, int h, float *buf,
                             sk_capture_sums *out);
void sk_stats_capture_avx2(const float *r, const float *g, const float *b, size_t s,
                           const uint8_t *mask, size_t ms, int w, int h, float *buf,
                           sk_capture_sums *out);
/* A float's bits as an unsigned key in the same order (negatives: all bits
 * flipped; others: the sign bit set), and back. -0 sorts before +0. */
static inline uint32_t sk_stats_float_key(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u ^ ((0u - (u >> 31)) | 0x80000000u);
}

static inline float sk_stats_key_float(uint32_t k)
{
    uint32_t u = (k & 0x80000000u) ? (k & 0x7fffffffu) : ~k;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Hoare's selection of the k-th smallest of b[0..n) (n > 0, k < n, no NaN),
 * median-of-3 pivot, partially reordering b; afterwards b[k+1..n) >= b[k]
 * and b[0..k) <= b[k]. Instantiated per element type (float for the radix
 * select's short runs, double for the percentiles' collected values). */
#define SK_STATS_DEFINE_HOARE(name, T)                                                             \
    static T name(T *b, size_t n, size_t k)                                                        \
    {                                                                                              \
        size_t lo = 0, hi = n - 1;                                                                 \
        while (lo < hi) {                                                                          \
            size_t mid = lo + (hi - lo) / 2;                                                       \
            T a = b[lo], m = b[mid], c = b[hi];                                                    \
            T pivot = a < m ? (m < c ? m : (a < c ? c : a)) : (a < c ? a : (m < c ? c : m));       \
            size_t i = lo, j = hi;                                                                 \
            while (i <= j) {                                                                       \
                while (b[i] < pivot)                                                               \
                    i++;                                                                           \
                while (b[j] > pivot)                                                               \
                    j--;                                                                           \
                if (i <= j) {                                                                      \
                    T t = b[i];                                                                    \
                    b[i] = b[j];                                                                   \
                    b[j] = t;                                                                      \
                    i++;                                                                           \
                    if (j == 0)                                                                    \
                        break;                                                                     \
                    j--;                                                                           \
                }                                                                                  \
            }                                                                                      \
            if (k <= j)                                                                            \
                hi = j;                                                                            \
            else if (k >= i)                                                                       \
                lo = i;                                                                            \
            else                                                                                   \
                break;                                                                             \
        }                                                                                          \
        return b[k];                                                                               \
    }

#endif
