/* skintrack kernels: stats family. Included through sk_kernels.h.
 *
 * Local (windowed) statistics and small global statistics over masked planes.
 * Formulas, boundary rule and precision notes: docs/kernels/stats.md. */
#ifndef SK_STATS_H
#define SK_STATS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------- local statistics */

/* Scratch bytes needed by sk_stats_local_mean_var{,_masked} for a plane of
 * width w and radius r (O(w + r) doubles; small). */
size_t sk_stats_local_scratch_size(int w, int r);

/* Local mean and (population) variance over the (2r+1) x (2r+1) box centred
 * on every pixel, r >= 0 any size; cost does not depend on r. Samples outside
 * the plane are mirror-reflected with the edge sample repeated (scipy.ndimage
 * mode 'reflect': d c b a | a b c d | d c b a), repeatedly if r exceeds the
 * plane size. Sums are kept in double precision about a global offset so the
 * variance does not suffer cancellation on large-offset data (stats.md).
 *
 * mean and/or var may be NULL (not both). scratch: a caller buffer of
 * sk_stats_local_scratch_size(w, r) bytes, or NULL to let the call allocate
 * it (once per call). src, mean and var must not overlap.
 * Returns 0, SK_ERR_ARG on bad arguments, SK_ERR_NOMEM. */
int sk_stats_local_mean_var(const float *src, size_t src_stride, float *mean, size_t mean_stride,
                            float *var, size_t var_stride, int w, int h, int r, void *scratch);

/* Masked variant: weights m(x, y) = mask value (use 0/1 for a binary mask;
 * mask >= 0 required, NaN not allowed). In each window,
 *     mean = sum(m x) / sum(m),  var = sum(m x^2) / sum(m) - mean^2.
 * Where the window holds no weight (sum(m) <= 1e-12) both outputs are 0.
 * Same boundary rule, scratch and returns as sk_stats_local_mean_var. */
int sk_stats_local_mean_var_masked(const float *src, size_t src_stride, const float *mask,
                                   size_t mask_stride, float *mean, size_t mean_stride, float *var,
                                   size_t var_stride, int w, int h, int r, void *scratch);

/* Tolerant square erosion of a 0/1 plane: out = 1 where the (2r+1)^2 box
 * centred on the pixel lies inside the plane (r <= x < w - r and
 * r <= y < h - r) and the share of its samples that are set (> 0.5),
 * (float)(count / (2r+1)^2), is above min_share; 0 elsewhere. A min_share
 * just under 1 tolerates a few unset samples in a large box. Counts are
 * integers (column counts carried down the plane, a sliding sum along each
 * row), so the cost does not depend on r. scratch: w ints, or NULL to let
 * the call allocate it. mask and out must not overlap. Returns the number
 * of 1s written, or a negative status. */
long sk_stats_box_erode(const float *mask, size_t mask_stride, int w, int h, int r,
                        float min_share, float *out, size_t out_stride, void *scratch);

/* ------------------------------------------------------ global statistics */

/* For every function below: mask may be NULL (every pixel counts); otherwise a
 * pixel counts when its mask value is > 0.5. Non-finite samples (NaN, +-Inf)
 * are skipped. */

typedef struct sk_stats_summary {
    uint64_t count; /* pixels that counted */
    double mean;
    double std;     /* population standard deviation (divide by count) */
    double min;
    double max;
} sk_stats_summary;

/* Count, mean, std, min, max of the masked pixels (two passes, double
 * accumulators). With count == 0 the other fields are 0 and the call returns
 * 0. Returns 0 or SK_ERR_ARG. */
int sk_stats_masked_summary(const float *src, size_t src_stride, const float *mask,
                            size_t mask_stride, int w, int h, sk_stats_summary *out);

/* Histogram of the masked pixels over nbins equal bins spanning [lo, hi):
 * bin = floor((x - lo) / (hi - lo) * nbins); values below lo go to bin 0 and
 * values >= hi to bin nbins-1 (clamped, not dropped). counts[nbins] is
 * overwritten. Returns 0 or SK_ERR_ARG (nbins < 1, hi <= lo ...). */
int sk_stats_masked_histogram(const float *src, size_t src_stride, const float *mask,
                              size_t mask_stride, int w, int h, double lo, double hi, int nbins,
                              uint64_t *counts);

/* Exact percentiles of the masked pixels, p[i] in [0, 100], with linear
 * interpolation between order statistics (numpy.percentile's default:
 * position (n-1) p / 100). Radix selection on the value bits: usually two
 * passes over the plane per distinct percentile, with a small internal
 * buffer (no copy of the plane). out[np] is written.
 * Returns 0, SK_ERR_ARG (bad p, np < 1), SK_ERR_QUALITY when no pixel
 * counts, SK_ERR_NOMEM. */
int sk_stats_masked_percentiles(const float *src, size_t src_stride, const float *mask,
                                size_t mask_stride, int w, int h, const double *p, int np,
                                double *out);

/* Robust location and spread: the median and the median absolute deviation
 * MAD = median(|x - median|), deviations in double (unscaled; multiply by
 * 1.4826 for a Gaussian sigma estimate). Usually two passes over the plane in
 * all. Either output may be NULL. Returns as sk_stats_masked_percentiles. */
int sk_stats_masked_median_mad(const float *src, size_t src_stride, const float *mask,
                               size_t mask_stride, int w, int h, double *median, double *mad);

/* The k-th smallest (0-based) of v[0..n), n > 0, k < n, no NaN; v is
 * reordered and stays a permutation of its input. Radix selection on the
 * float bits (three histogram levels, Hoare's selection for short runs);
 * O(n), exact: docs/kernels/stats.md. */
float sk_stats_select_kth(float *v, size_t n, size_t k);

/* ------------------------------------------------------- capture quality */

/* The sums behind a photo's capture-quality figures, over the pixels with
 * mask != 0 (every pixel when mask is NULL) of sRGB planes r, g, b (0..1):
 *   n        pixels counted;
 *   luma     sum of Rec. 709 luma Y = 0.2126 R + 0.7152 G + 0.0722 B (encoded);
 *   clipped  pixels with any channel >= 254.5/255;
 *   dark     pixels with every channel <= 2/255;
 *   lap2     sum of (4 Y - the four neighbours' Y)^2 over counted pixels
 *            not on the border, nlap their number;
 *   lin_*    sums of the linear (decoded) channels over the counted pixels
 *            of every second column of every second row (x, y even).
 * Row sums are float in eight lanes, totals double: docs/kernels/stats.md. */
typedef struct sk_capture_sums {
    double n, luma, clipped, dark, lap2, nlap, lin_r, lin_g, lin_b;
} sk_capture_sums;

int sk_stats_capture(const float *r, const float *g, const float *b, size_t stride,
                     const uint8_t *mask, size_t mask_stride, int w, int h, sk_capture_sums *out);

#ifdef __cplusplus
}
#endif

#endif /* SK_STATS_H */
