/* Local mean and variance over a (2r+1)^2 box, optionally weighted by a mask.
 *
 * Column sums are carried down the plane (add the row entering the window,
 * subtract the row leaving it), then each row's horizontal box sums come from
 * a prefix sum of those column sums, so the cost per pixel does not depend on
 * r. Everything is accumulated in double about a global offset c (a sampled
 * mean of the plane): the variance is then (S2 - S1^2/n)/n of x - c, which
 * keeps data like 1000 + small noise free of cancellation (stats.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pstats.h"

size_t sk_stats_local_scratch_size(int w, int r)
{
    if (w < 1 || r < 0)
        return 0;
    /* 3 column-sum rows and 3 prefix rows of w + 2r + 1. */
    return sizeof(double) * (3 * (size_t)w + 3 * ((size_t)w + 2 * (size_t)r + 1));
}

/* Mean of a sparse grid of samples: any value inside the data range removes
 * the large common offset; it need not be exact. NaNs are skipped. */
static double sample_offset(const float *src, size_t ss, const float *mask, size_t ms, int w,
                            int h)
{
    int sy = h > 32 ? h / 32 : 1, sx = w > 32 ? w / 32 : 1;
    double sum = 0.0;
    long n = 0;
    for (int y = 0; y < h; y += sy)
        for (int x = 0; x < w; x += sx) {
            float v = src[(size_t)y * ss + x];
            if (mask && !(mask[(size_t)y * ms + x] > 0.0f))
                continue;
            if (isfinite(v)) {
                sum += v;
                n++;
            }
        }
    return n ? sum / (double)n : 0.0;
}

/* Add sign * row (shifted by c, weighted by mask) to the column sums. */
static void column_update(double *restrict c1, double *restrict c2, double *restrict cm,
                          const float *restrict row, const float *restrict mrow, int w, double c,
                          double sign)
{
    if (mrow) {
        for (int x = 0; x < w; x++) {
            double m = (double)mrow[x];
            double z = (double)row[x] - c;
            double mz = m * z;
            c1[x] += sign * mz;
            c2[x] += sign * mz * z;
            cm[x] += sign * m;
        }
    } else {
        for (int x = 0; x < w; x++) {
            double z = (double)row[x] - c;
            c1[x] += sign * z;
            c2[x] += sign * z * z;
        }
    }
}

/* Prefix sums of the horizontally reflected column sums: P[i+1] = P[i] + cs[refl(i - r)]. */
static void prefix_reflect(double *restrict p, const double *restrict cs, int w, int r)
{
    long n = (long)w + 2L * r;
    double acc = 0.0;
    p[0] = 0.0;
    long i = 0;
    for (; i < r && i < n; i++) {
        acc += cs[sk_stats_reflect(i - r, w)];
        p[i + 1] = acc;
    }
    for (; i < (long)r + w; i++) {
        acc += cs[i - r];
        p[i + 1] = acc;
    }
    for (; i < n; i++) {
        acc += cs[sk_stats_reflect(i - r, w)];
        p[i + 1] = acc;
    }
}

void sk_stats_local_mean_var_scalar(const float *src, size_t ss, const float *mask, size_t ms,
                                    float *mean, size_t mns, float *var, size_t vs, int w, int h,
                                    int r, void *scratch)
{
    assert(src && w > 0 && h > 0 && r >= 0 && scratch && (mean || var));
    size_t np = (size_t)w + 2 * (size_t)r + 1;
    double *c1 = scratch, *c2 = c1 + w, *cm = c2 + w;
    double *p1 = cm + w, *p2 = p1 + np, *pm = p2 + np;
    const double c = sample_offset(src, ss, mask, ms, w, h);
    const double inv_n = 1.0 / ((double)(2 * r + 1) * (double)(2 * r + 1));

    for (int x = 0; x < w; x++)
        c1[x] = c2[x] = cm[x] = 0.0;
    for (long dy = -r; dy <= r; dy++) {
        long yy = sk_stats_reflect(dy, h);
        column_update(c1, c2, cm, src + (size_t)yy * ss, mask ? mask + (size_t)yy * ms : NULL, w,
                      c, 1.0);
    }
    for (int y = 0; y < h; y++) {
        if (y > 0) {
            long yin = sk_stats_reflect((long)y + r, h), yout = sk_stats_reflect((long)y - r - 1, h);
            if (yin != yout) {
                column_update(c1, c2, cm, src + (size_t)yin * ss,
                              mask ? mask + (size_t)yin * ms : NULL, w, c, 1.0);
                column_update(c1, c2, cm, src + (size_t)yout * ss,
                              mask ? mask + (size_t)yout * ms : NULL, w, c, -1.0);
            }
        }
        prefix_reflect(p1, c1, w, r);
        prefix_reflect(p2, c2, w, r);
        float *mrow = mean ? mean + (size_t)y * mns : NULL;
        float *vrow = var ? var + (size_t)y * vs : NULL;
        const int d = 2 * r + 1;
        if (mask) {
            prefix_reflect(pm, cm, w, r);
            for (int x = 0; x < w; x++) {
                double sm = pm[x + d] - pm[x];
                double s1 = p1[x + d] - p1[x], s2 = p2[x + d] - p2[x];
                double mu = 0.0, v = 0.0;
                if (sm > 1e-12) {
                    double mz = s1 / sm;
                    v = s2 / sm - mz * mz;
                    mu = c + mz;
                    if (v < 0.0)
                        v = 0.0;
                }
                if (mrow)
                    mrow[x] = (float)mu;
                if (vrow)
                    vrow[x] = (float)v;
            }
        } else {
            for (int x = 0; x < w; x++) {
                double s1 = p1[x + d] - p1[x], s2 = p2[x + d] - p2[x];
                double mz = s1 * inv_n;
                double v = s2 * inv_n - mz * mz;
                if (mrow)
                    mrow[x] = (float)(c + mz);
                if (vrow)
                    vrow[x] = (float)(v > 0.0 ? v : 0.0);
            }
        }
    }
}

static int local_dispatch(const float *src, size_t ss, const float *mask, size_t ms, float *mean,
                          size_t mns, float *var, size_t vs, int w, int h, int r, void *scratch)
{
    if (!src || (!mean && !var))
        return sk_error_set(SK_ERR_ARG, "local_mean_var: NULL source or no output");
    if (w < 1 || h < 1 || r < 0)
        return sk_error_set(SK_ERR_ARG, "local_mean_var: bad size %dx%d or radius %d", w, h, r);
    if (ss < (size_t)w || (mean && mns < (size_t)w) || (var && vs < (size_t)w) ||
        (mask && ms < (size_t)w))
        return sk_error_set(SK_ERR_ARG, "local_mean_var: stride smaller than width %d", w);
    if (r > (1 << 24))
        return sk_error_set(SK_ERR_ARG, "local_mean_var: radius %d too large", r);
    void *own = NULL;
    if (!scratch) {
        own = malloc(sk_stats_local_scratch_size(w, r));
        if (!own)
            return sk_error_set(SK_ERR_NOMEM, "local_mean_var: scratch");
        scratch = own;
    }
    /* One path: the column updates vectorise in plain C; the prefix sums are
     * a serial chain (measured rate in stats.md). */
    sk_stats_local_mean_var_scalar(src, ss, mask, ms, mean, mns, var, vs, w, h, r, scratch);
    free(own);
    return SK_OK;
}

int sk_stats_local_mean_var(const float *src, size_t src_stride, float *mean, size_t mean_stride,
                            float *var, size_t var_stride, int w, int h, int r, void *scratch)
{
    return local_dispatch(src, src_stride, NULL, 0, mean, mean_stride, var, var_stride, w, h, r,
                          scratch);
}

int sk_stats_local_mean_var_masked(const float *src, size_t src_stride, const float *mask,
                                   size_t mask_stride, float *mean, size_t mean_stride, float *var,
                                   size_t var_stride, int w, int h, int r, void *scratch)
{
    if (!mask)
        return sk_error_set(SK_ERR_ARG, "local_mean_var_masked: NULL mask");
    return local_dispatch(src, src_stride, mask, mask_stride, mean, mean_stride, var, var_stride,
                          w, h, r, scratch);
}

long sk_stats_box_erode(const float *mask, size_t ms, int w, int h, int r, float min_share,
                        float *out, size_t os, void *scratch)
{
    if (!mask || !out || w < 1 || h < 1 || r < 0 || ms < (size_t)w || os < (size_t)w)
        return sk_error_set(SK_ERR_ARG, "box_erode: bad argument (w %d, h %d, r %d)", w, h, r);
    for (int y = 0; y < h; y++)
        memset(out + (size_t)y * os, 0, sizeof(float) * (size_t)w);
    const int d = 2 * r + 1;
    if (d > w || d > h)
        return 0;
    void *own = NULL;
    if (!scratch && !(scratch = own = malloc(sizeof(int32_t) * (size_t)w)))
        return sk_error_set(SK_ERR_NOMEM, "box_erode: scratch");
    int32_t *col = scratch;
    /* (float)(c / n) does not decrease with c: the decision is c >= cmin */
    const double n = (double)d * d;
    long cmin = 0;
    while (cmin <= (long)d * d && !((float)(cmin / n) > min_share))
        cmin++;
    memset(col, 0, sizeof(int32_t) * (size_t)w);
    for (int y = 0; y < d - 1; y++) {
        const float *m = mask + (size_t)y * ms;
        for (int x = 0; x < w; x++)
            col[x] += m[x] > 0.5f;
    }
    long kept = 0;
    for (int y = r; y < h - r; y++) {
        /* col: rows y - r .. y + r */
        const float *in = mask + (size_t)(y + r) * ms;
        for (int x = 0; x < w; x++)
            col[x] += in[x] > 0.5f;
        float *o = out + (size_t)y * os;
        int32_t s = 0;
        for (int x = 0; x < d; x++)
            s += col[x];
        for (int x = r;; x++) {
            if (s >= cmin) {
                o[x] = 1.0f;
                kept++;
            }
            if (x + r + 1 >= w)
                break;
            s += col[x + r + 1] - col[x - r];
        }
        const float *leave = mask + (size_t)(y - r) * ms;
        for (int x = 0; x < w; x++)
            col[x] -= leave[x] > 0.5f;
    }
    free(own);
    return kept;
}
