/* Global statistics of the masked pixels: summary (count, mean, std, min,
 * max) and a histogram. Two passes for the summary so the standard deviation
 * is a sum of squared deviations from the mean, not E[x^2] - E[x]^2. */
#include <math.h>
#include <string.h>

#include "pstats.h"

static int check_common(const float *src, size_t ss, const float *mask, size_t ms, int w, int h,
                        const char *who)
{
    if (!src)
        return sk_error_set(SK_ERR_ARG, "%s: NULL source", who);
    if (w < 1 || h < 1)
        return sk_error_set(SK_ERR_ARG, "%s: bad size %dx%d", who, w, h);
    if (ss < (size_t)w || (mask && ms < (size_t)w))
        return sk_error_set(SK_ERR_ARG, "%s: stride smaller than width %d", who, w);
    return SK_OK;
}

int sk_stats_masked_summary(const float *src, size_t src_stride, const float *mask,
                            size_t mask_stride, int w, int h, sk_stats_summary *out)
{
    int rc = check_common(src, src_stride, mask, mask_stride, w, h, "masked_summary");
    if (rc)
        return rc;
    if (!out)
        return sk_error_set(SK_ERR_ARG, "masked_summary: NULL output");
    uint64_t n = 0;
    double sum = 0.0, lo = INFINITY, hi = -INFINITY;
    for (int y = 0; y < h; y++) {
        const float *s = src + (size_t)y * src_stride;
        const float *m = mask ? mask + (size_t)y * mask_stride : NULL;
        double rs = 0.0; /* per-row partial sum keeps the running total short */
        for (int x = 0; x < w; x++) {
            float v = s[x];
            if ((m && !(m[x] > 0.5f)) || !isfinite(v))
                continue;
            rs += v;
            n++;
            if (v < lo)
                lo = v;
            if (v > hi)
                hi = v;
        }
        sum += rs;
    }
    memset(out, 0, sizeof *out);
    if (n == 0)
        return SK_OK;
    double mu = sum / (double)n, ss = 0.0;
    for (int y = 0; y < h; y++) {
        const float *s = src + (size_t)y * src_stride;
        const float *m = mask ? mask + (size_t)y * mask_stride : NULL;
        double rs = 0.0;
        for (int x = 0; x < w; x++) {
            float v = s[x];
            if ((m && !(m[x] > 0.5f)) || !isfinite(v))
                continue;
            double d = (double)v - mu;
            rs += d * d;
        }
        ss += rs;
    }
    out->count = n;
    out->mean = mu;
    out->std = sqrt(ss / (double)n);
    out->min = lo;
    out->max = hi;
    return SK_OK;
}

int sk_stats_masked_histogram(const float *src, size_t src_stride, const float *mask,
                              size_t mask_stride, int w, int h, double lo, double hi, int nbins,
                              uint64_t *counts)
{
    int rc = check_common(src, src_stride, mask, mask_stride, w, h, "masked_histogram");
    if (rc)
        return rc;
    if (!counts || nbins < 1 || !(hi > lo) || !isfinite(lo) || !isfinite(hi))
        return sk_error_set(SK_ERR_ARG, "masked_histogram: bad bins (n %d, [%g, %g))", nbins, lo,
                            hi);
    memset(counts, 0, sizeof *counts * (size_t)nbins);
    const double scale = (double)nbins / (hi - lo);
    for (int y = 0; y < h; y++) {
        const float *s = src + (size_t)y * src_stride;
        const float *m = mask ? mask + (size_t)y * mask_stride : NULL;
        for (int x = 0; x < w; x++) {
            float v = s[x];
            if ((m && !(m[x] > 0.5f)) || !isfinite(v))
                continue;
            double t = ((double)v - lo) * scale;
            long b = t < 0.0 ? 0 : (t >= (double)nbins ? nbins - 1 : (long)t);
            counts[b]++;
        }
    }
    return SK_OK;
}
