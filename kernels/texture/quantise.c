/* Grey-level quantisation of a float plane, and percentiles to choose its
 * bounds. */
#include <math.h>
#include <string.h>

#include "sk_kernels.h"

/* One row; the clamps are written as comparisons that also send NaN to 0 so
 * the loop vectorises (max/min with the NaN-safe operand order). */
static inline void quantise_row(const float *restrict s, const uint8_t *restrict m,
                                uint8_t *restrict d, int w, float l0, float k, float top)
{
    for (int x = 0; x < w; x++) {
        float v = (s[x] - l0) * k;
        v = v > 0.0f ? v : 0.0f;
        v = v < top ? v : top;
        uint8_t q = (uint8_t)(int)v; /* v >= 0: truncation is floor */
        d[x] = m && !m[x] ? 0 : q;
    }
}

int sk_texture_quantise_masked(const float *src, size_t ss, const uint8_t *mask, size_t ms, int w,
                               int h, double lo, double hi, int levels, uint8_t *dst, size_t ds)
{
    if (!src || !dst || w < 1 || h < 1 || levels < 2 || levels > 256 || !(hi > lo) ||
        !isfinite(lo) || !isfinite(hi) || ss < (size_t)w || ds < (size_t)w ||
        (mask && ms < (size_t)w))
        return sk_error_set(SK_ERR_ARG, "quantise: bad argument (w %d, h %d, levels %d, lo %g, "
                                        "hi %g)", w, h, levels, lo, hi);
    const float k = (float)(levels / (hi - lo)), l0 = (float)lo, top = (float)(levels - 1);
    for (int y = 0; y < h; y++) {
        const uint8_t *m = mask ? mask + (size_t)y * ms : NULL;
        if (m)
            quantise_row(src + (size_t)y * ss, m, dst + (size_t)y * ds, w, l0, k, top);
        else
            quantise_row(src + (size_t)y * ss, NULL, dst + (size_t)y * ds, w, l0, k, top);
    }
    return SK_OK;
}

int sk_texture_quantise(const float *src, size_t ss, int w, int h, double lo, double hi,
                        int levels, uint8_t *dst, size_t ds)
{
    return sk_texture_quantise_masked(src, ss, NULL, 0, w, h, lo, hi, levels, dst, ds);
}

#define NBINS 4096

/* value at fractional rank r (0 .. n-1) from the histogram, interpolating
 * linearly inside the bin that holds it */
static double rank_value(const uint32_t *hist, uint64_t n, double r, double mn, double bw)
{
    uint64_t below = 0;
    for (int b = 0; b < NBINS; b++) {
        if (hist[b] && (double)(below + hist[b]) > r) {
            double f = (r - (double)below + 0.5) / (double)hist[b];
            return mn + bw * (b + (f > 1 ? 1 : f));
        }
        below += hist[b];
    }
    (void)n;
    return mn + bw * NBINS;
}

int sk_texture_percentiles(const float *src, size_t ss, const uint8_t *mask, size_t ms, int w,
                           int h, double p_lo, double p_hi, double *lo, double *hi)
{
    if (!src || !lo || !hi || w < 1 || h < 1 || ss < (size_t)w || (mask && ms < (size_t)w) ||
        !(p_lo >= 0 && p_lo <= 100) || !(p_hi >= 0 && p_hi <= 100))
        return sk_error_set(SK_ERR_ARG, "percentiles: bad argument");
    float mn = INFINITY, mx = -INFINITY;
    uint64_t n = 0;
    for (int y = 0; y < h; y++) {
        const float *s = src + (size_t)y * ss;
        const uint8_t *m = mask ? mask + (size_t)y * ms : NULL;
        for (int x = 0; x < w; x++) {
            if ((m && !m[x]) || !isfinite(s[x]))
                continue;
            mn = s[x] < mn ? s[x] : mn;
            mx = s[x] > mx ? s[x] : mx;
            n++;
        }
    }
    if (!n)
        return sk_error_set(SK_ERR_ARG, "percentiles: no finite value inside the mask");
    if (mx == mn) {
        *lo = *hi = mn;
        return SK_OK;
    }
    uint32_t hist[NBINS];
    memset(hist, 0, sizeof hist);
    const double bw = ((double)mx - mn) / NBINS, inv = 1.0 / bw;
    for (int y = 0; y < h; y++) {
        const float *s = src + (size_t)y * ss;
        const uint8_t *m = mask ? mask + (size_t)y * ms : NULL;
        for (int x = 0; x < w; x++) {
            if ((m && !m[x]) || !isfinite(s[x]))
                continue;
            int b = (int)(((double)s[x] - mn) * inv);
            hist[b < NBINS ? b : NBINS - 1]++;
        }
    }
    *lo = rank_value(hist, n, p_lo / 100.0 * (double)(n - 1), mn, bw);
    *hi = rank_value(hist, n, p_hi / 100.0 * (double)(n - 1), mn, bw);
    return SK_OK;
}
