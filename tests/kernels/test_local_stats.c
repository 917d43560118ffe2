/* Local mean / variance against a slow direct window loop (double, two-pass),
 * and the masked global statistics against sort-based references. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pstats.h"
#include "testutil.h"

static const int widths[] = {1, 7, 31, 33, 1000};
enum { NW = sizeof widths / sizeof widths[0] };

/* Reflection written independently of the kernel's helper: fold until inside. */
static long fold(long i, long n)
{
    while (i < 0 || i >= n) {
        if (i < 0)
            i = -i - 1;
        if (i >= n)
            i = 2 * n - 1 - i;
    }
    return i;
}

/* Direct (weighted) window mean and two-pass variance at (x, y). */
static void window_ref(const float *s, size_t ss, const float *m, size_t ms, int w, int h, int r,
                       int x, int y, double *mean, double *var)
{
    double sw = 0.0, s1 = 0.0;
    for (int dy = -r; dy <= r; dy++)
        for (int dx = -r; dx <= r; dx++) {
            long yy = fold(y + dy, h), xx = fold(x + dx, w);
            double wt = m ? m[yy * ms + xx] : 1.0;
            sw += wt;
            s1 += wt * s[yy * ss + xx];
        }
    if (sw <= 1e-12) {
        *mean = *var = 0.0;
        return;
    }
    double mu = s1 / sw, s2 = 0.0;
    for (int dy = -r; dy <= r; dy++)
        for (int dx = -r; dx <= r; dx++) {
            long yy = fold(y + dy, h), xx = fold(x + dx, w);
            double wt = m ? m[yy * ms + xx] : 1.0;
            double dd = s[yy * ss + xx] - mu;
            s2 += wt * dd * dd;
        }
    *mean = mu;
    *var = s2 / sw;
}

/* Run the public kernel and compare every pixel with the reference.
 * Tolerances: |mean err| <= 2e-6 (1 + |mean|), |var err| <= tol_var_rel var + 1e-9. */
static void check_case(int w, int h, int r, size_t pad, int masked, double offset, double amp,
                       double tol_var_rel)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() ^ (uint64_t)(w * 131 + h * 7 + r));
    size_t ss = (size_t)w + pad;
    float *src = calloc(ss * h, sizeof(float)), *mask = calloc(ss * h, sizeof(float));
    float *mean = calloc(ss * h, sizeof(float)), *var = calloc(ss * h, sizeof(float));
    cr_assert(src && mask && mean && var);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            src[y * ss + x] = (float)(offset + amp * sk_test_rng_gauss(&rng));
            mask[y * ss + x] = sk_test_rng_uniform(&rng) < 0.7 ? 1.0f : 0.0f;
        }
    int rc = masked ? sk_stats_local_mean_var_masked(src, ss, mask, ss, mean, ss, var, ss, w, h, r,
                                                     NULL)
                    : sk_stats_local_mean_var(src, ss, mean, ss, var, ss, w, h, r, NULL);
    cr_assert_eq(rc, SK_OK);
    double worst_m = 0, worst_v = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double rm, rv;
            window_ref(src, ss, masked ? mask : NULL, ss, w, h, r, x, y, &rm, &rv);
            double em = fabs(mean[y * ss + x] - rm) / (1.0 + fabs(rm));
            double ev = fabs(var[y * ss + x] - rv) / (tol_var_rel * rv + 1e-9);
            worst_m = em > worst_m ? em : worst_m;
            worst_v = ev > worst_v ? ev : worst_v;
            cr_assert_leq(em, 2e-6, "mean w %d h %d r %d masked %d at (%d,%d): %g vs %g", w, h, r,
                          masked, x, y, mean[y * ss + x], rm);
            cr_assert_leq(ev, 1.0, "var w %d h %d r %d masked %d at (%d,%d): %.9g vs %.9g", w, h,
                          r, masked, x, y, var[y * ss + x], rv);
        }
    free(src);
    free(mask);
    free(mean);
    free(var);
}

Test(local_mean_var, matches_direct_window_all_widths)
{
    for (int i = 0; i < NW; i++)
        for (int r = 0; r <= 8; r += 4) {
            check_case(widths[i], 9, r, 0, 0, 0.5, 0.2, 1e-5);
            check_case(widths[i], 6, r + 1, 5, 0, 0.5, 0.2, 1e-5); /* padded stride */
        }
}

Test(local_mean_var, radius_larger_than_plane_reflects_repeatedly)
{
    check_case(7, 5, 12, 3, 0, 0.0, 1.0, 1e-5);
    check_case(1, 1, 3, 0, 0, 0.0, 1.0, 1e-5);
    check_case(33, 2, 40, 0, 1, 0.0, 1.0, 1e-5);
}

Test(local_mean_var, large_offset_no_cancellation)
{
    /* 1000 + N(0, 0.01^2): var ~ 1e-4 while x^2 ~ 1e6. Single-precision
     * E[x^2] - E[x]^2 would be pure noise here; we require 1e-5 relative. */
    check_case(200, 40, 5, 0, 0, 1000.0, 0.01, 1e-5);
    check_case(200, 40, 5, 0, 1, 1000.0, 0.01, 1e-5);
    check_case(31, 300, 16, 1, 0, -5000.0, 0.01, 1e-5);
}

Test(local_mean_var, masked_matches_direct_and_empty_windows_are_zero)
{
    for (int i = 0; i < NW; i++)
        check_case(widths[i], 8, 2, 3, 1, 0.3, 0.5, 1e-5);
    /* An all-zero mask: both outputs 0. */
    float src[16 * 4], mask[16 * 4] = {0}, mean[16 * 4], var[16 * 4];
    for (int i = 0; i < 64; i++)
        src[i] = (float)i;
    cr_assert_eq(sk_stats_local_mean_var_masked(src, 16, mask, 16, mean, 16, var, 16, 16, 4, 1,
                                                NULL), SK_OK);
    for (int i = 0; i < 64; i++)
        cr_assert(mean[i] == 0.0f && var[i] == 0.0f);
}

Test(local_mean_var, constant_plane_has_zero_variance_and_one_output_allowed)
{
    float src[40 * 10], var[40 * 10];
    for (int i = 0; i < 400; i++)
        src[i] = 123.25f;
    size_t need = sk_stats_local_scratch_size(40, 3);
    void *scratch = malloc(need);
    cr_assert_eq(sk_stats_local_mean_var(src, 40, NULL, 0, var, 40, 40, 10, 3, scratch), SK_OK);
    for (int i = 0; i < 400; i++)
        cr_assert_eq(var[i], 0.0f);
    free(scratch);
}

Test(local_mean_var, bad_arguments_refused)
{
    float a[8] = {0}, b[8];
    cr_assert_eq(sk_stats_local_mean_var(a, 8, NULL, 8, NULL, 8, 8, 1, 1, NULL), SK_ERR_ARG);
    cr_assert_eq(sk_stats_local_mean_var(a, 4, b, 8, NULL, 8, 8, 1, 1, NULL), SK_ERR_ARG);
    cr_assert_eq(sk_stats_local_mean_var(a, 8, b, 8, NULL, 8, 8, 1, -1, NULL), SK_ERR_ARG);
    cr_assert_eq(sk_stats_local_mean_var(NULL, 8, b, 8, NULL, 8, 8, 1, 1, NULL), SK_ERR_ARG);
    cr_assert_eq(sk_stats_local_mean_var_masked(a, 8, NULL, 8, b, 8, NULL, 8, 8, 1, 1, NULL),
                 SK_ERR_ARG);
}

/* ---------------------------------------------------- global statistics */

static int cmp_f(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* numpy.percentile (linear) on a sorted copy. */
static double pct_ref(const float *sorted, size_t n, double p)
{
    double pos = (double)(n - 1) * p / 100.0;
    size_t k = (size_t)floor(pos);
    if (k >= n - 1)
        return sorted[n - 1];
    return sorted[k] + (pos - k) * ((double)sorted[k + 1] - sorted[k]);
}

/* Copy the counted values of a plane. */
static size_t gather(const float *s, size_t ss, const float *m, int w, int h, float *out)
{
    size_t n = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float v = s[y * ss + x];
            if ((m && !(m[y * ss + x] > 0.5f)) || !isfinite(v))
                continue;
            out[n++] = v;
        }
    return n;
}

static void check_percentiles(const float *src, size_t ss, const float *mask, int w, int h)
{
    const double p[] = {0, 1, 10, 25, 50, 73.3, 90, 99, 99.99, 100};
    const int np = sizeof p / sizeof p[0];
    float *vals = malloc(sizeof(float) * (size_t)w * h);
    size_t n = gather(src, ss, mask, w, h, vals);
    qsort(vals, n, sizeof(float), cmp_f);
    double out[10];
    cr_assert_eq(sk_stats_masked_percentiles(src, ss, mask, ss, w, h, p, np, out), SK_OK);
    for (int i = 0; i < np; i++) {
        double ref = pct_ref(vals, n, p[i]);
        cr_assert_leq(fabs(out[i] - ref), 1e-9 * (1.0 + fabs(ref)), "p %g: %.10g vs %.10g", p[i],
                      out[i], ref);
    }
    free(vals);
}

Test(masked_percentiles, exact_on_random_and_duplicate_heavy_data)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed());
    for (int i = 0; i < NW; i++) {
        int w = widths[i], h = 37;
        size_t ss = (size_t)w + 3;
        float *s = calloc(ss * h, sizeof(float)), *m = calloc(ss * h, sizeof(float));
        for (size_t j = 0; j < ss * h; j++) {
            s[j] = (float)sk_test_rng_gauss(&rng);
            m[j] = sk_test_rng_uniform(&rng) < 0.6 ? 1.0f : 0.0f;
        }
        check_percentiles(s, ss, NULL, w, h);
        m[0] = 1.0f; /* at least one counted pixel */
        check_percentiles(s, ss, m, w, h);
        for (size_t j = 0; j < ss * h; j++) /* few distinct values */
            s[j] = (float)floor(sk_test_rng_uniform(&rng) * 5);
        check_percentiles(s, ss, m, w, h);
        free(s);
        free(m);
    }
}

Test(masked_percentiles, refinement_path_with_outliers_and_nan)
{
    /* 300k values packed in a tiny range plus far outliers: the top-level
     * histogram puts them all in one bin, forcing the refinement levels. */
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 1);
    int w = 1000, h = 300;
    float *s = malloc(sizeof(float) * w * h);
    for (int j = 0; j < w * h; j++)
        s[j] = (float)(0.5 + 1e-3 * sk_test_rng_uniform(&rng));
    s[17] = 1e6f;
    s[99] = -1e6f;
    s[500] = NAN;
    s[501] = INFINITY;
    check_percentiles(s, w, NULL, w, h);
    for (int j = 0; j < w * h; j++) /* constant plane */
        s[j] = 2.5f;
    check_percentiles(s, w, NULL, w, h);
    free(s);
}

Test(masked_percentiles, median_mad_and_errors)
{
    float s[] = {1, 2, 3, 4, 100, 6, 7};
    double med, mad;
    cr_assert_eq(sk_stats_masked_median_mad(s, 7, NULL, 7, 7, 1, &med, &mad), SK_OK);
    /* sorted 1 2 3 4 6 7 100 -> median 4; |x - 4| = 3 2 1 0 2 3 96 -> MAD 2 */
    cr_assert_eq(med, 4.0);
    cr_assert_eq(mad, 2.0);
    float m[] = {0, 0, 0, 0, 0, 0, 0};
    double out;
    const double p50 = 50;
    cr_assert_eq(sk_stats_masked_percentiles(s, 7, m, 7, 7, 1, &p50, 1, &out), SK_ERR_QUALITY);
    const double bad = 101;
    cr_assert_eq(sk_stats_masked_percentiles(s, 7, NULL, 7, 7, 1, &bad, 1, &out), SK_ERR_ARG);
}

/* Exact (==) comparison against sorted copies, as the percentiles are exact:
 * the float values sorted for the median, |x - median| in double sorted for
 * the MAD, the same interpolation. */
static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct_exact(const double *sorted, size_t n, double p)
{
    double pos = (double)(n - 1) * p / 100.0;
    size_t k = (size_t)floor(pos);
    if (k > n - 1)
        k = n - 1;
    double frac = pos - (double)k, v = sorted[k];
    if (frac > 0.0 && k + 1 < n)
        v += frac * (sorted[k + 1] - v);
    return v;
}

enum { RGAUSS, ROFFSET, RFEW, RCONST, RWIDE, RSIGNED_ZERO, RNEG, NRKIND };

static float rand_value(int kind, sk_test_rng *r)
{
    double g = sk_test_rng_gauss(r);
    switch (kind) {
    case RGAUSS:
        return (float)(0.8 * g);
    case ROFFSET:
        return (float)(1000.0 + 1e-3 * g); /* one top bin: the general route */
    case RFEW:
        return (float)floor(sk_test_rng_uniform(r) * 4);
    case RCONST:
        return -2.5f;
    case RWIDE:
        return (float)(g * exp(40.0 * sk_test_rng_uniform(r) - 20.0));
    case RSIGNED_ZERO:
        return sk_test_rng_uniform(r) < 0.4 ? (g < 0 ? -0.0f : 0.0f) : (float)g;
    default:
        return (float)(-50.0 - fabs(g));
    }
}

Test(masked_percentiles, randomized_exact_against_sorted_copies)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 3);
    const int sizes[][2] = {{1, 1},  {2, 1},   {3, 1},    {1, 5},     {7, 3},
                            {31, 9}, {33, 33}, {100, 57}, {512, 384}, {1000, 301}};
    const int nsizes = sizeof sizes / sizeof sizes[0];
    const double p[] = {0, 0.5, 10, 25, 50, 50.1, 75, 99, 100};
    const int np = sizeof p / sizeof p[0];
    for (int si = 0; si < nsizes; si++)
        for (int kind = 0; kind < NRKIND; kind++)
            for (int mk = 0; mk < 3; mk++) {
                const int w = sizes[si][0], h = sizes[si][1];
                const size_t ss = (size_t)w + 5, N = ss * (size_t)h;
                float *s = malloc(N * sizeof(float)), *m = malloc(N * sizeof(float));
                double *vals = malloc(N * sizeof(double)), *dev = malloc(N * sizeof(double));
                const double keep = mk == 0 ? 1.0 : mk == 1 ? 0.7 : 0.05;
                for (size_t i = 0; i < N; i++) {
                    s[i] = rand_value(kind, &rng);
                    double u = sk_test_rng_uniform(&rng);
                    if (u < 0.01)
                        s[i] = u < 0.004 ? NAN : u < 0.007 ? INFINITY : -INFINITY;
                    m[i] = sk_test_rng_uniform(&rng) < keep ? 0.75f : 0.25f;
                }
                m[0] = 1.0f;
                s[0] = rand_value(kind, &rng);
                size_t n = 0;
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++) {
                        size_t i = (size_t)y * ss + x;
                        if (m[i] > 0.5f && isfinite(s[i]))
                            vals[n++] = s[i];
                    }
                qsort(vals, n, sizeof(double), cmp_d);
                double out[9];
                cr_assert_eq(sk_stats_masked_percentiles(s, ss, m, ss, w, h, p, np, out), SK_OK);
                for (int i = 0; i < np; i++)
                    cr_assert_eq(out[i], pct_exact(vals, n, p[i]),
                                 "%dx%d kind %d mask %d p %g: %.17g vs %.17g", w, h, kind, mk, p[i],
                                 out[i], pct_exact(vals, n, p[i]));
                const double med = pct_exact(vals, n, 50.0);
                for (size_t i = 0; i < n; i++)
                    dev[i] = fabs(vals[i] - med);
                qsort(dev, n, sizeof(double), cmp_d);
                const double mad = pct_exact(dev, n, 50.0);
                double gm, gd;
                cr_assert_eq(sk_stats_masked_median_mad(s, ss, m, ss, w, h, &gm, &gd), SK_OK);
                cr_assert_eq(gm, med, "%dx%d kind %d mask %d: median %.17g vs %.17g", w, h, kind,
                             mk, gm, med);
                cr_assert_eq(gd, mad, "%dx%d kind %d mask %d: MAD %.17g vs %.17g", w, h, kind, mk,
                             gd, mad);
                free(s);
                free(m);
                free(vals);
                free(dev);
            }
}

Test(masked_summary, matches_direct_and_histogram_counts)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 2);
    for (int i = 0; i < NW; i++) {
        int w = widths[i], h = 11;
        size_t ss = (size_t)w + 2;
        float *s = calloc(ss * h, sizeof(float)), *m = calloc(ss * h, sizeof(float));
        for (size_t j = 0; j < ss * h; j++) {
            s[j] = (float)(1000.0 + sk_test_rng_gauss(&rng));
            m[j] = sk_test_rng_uniform(&rng) < 0.5 ? 1.0f : 0.0f;
        }
        m[0] = 1.0f;
        s[1] = NAN;
        float *vals = malloc(sizeof(float) * ss * h);
        size_t n = gather(s, ss, m, w, h, vals);
        double sum = 0, lo = INFINITY, hi = -INFINITY;
        for (size_t j = 0; j < n; j++) {
            sum += vals[j];
            lo = fmin(lo, vals[j]);
            hi = fmax(hi, vals[j]);
        }
        double mu = sum / n, q = 0;
        for (size_t j = 0; j < n; j++)
            q += (vals[j] - mu) * (vals[j] - mu);
        sk_stats_summary st;
        cr_assert_eq(sk_stats_masked_summary(s, ss, m, ss, w, h, &st), SK_OK);
        cr_assert_eq(st.count, n);
        cr_assert_leq(fabs(st.mean - mu), 1e-9 * 1000);
        cr_assert_leq(fabs(st.std - sqrt(q / n)), 1e-9 + 1e-9 * sqrt(q / n));
        cr_assert_eq(st.min, lo);
        cr_assert_eq(st.max, hi);
        uint64_t counts[7], ref[7] = {0};
        cr_assert_eq(sk_stats_masked_histogram(s, ss, m, ss, w, h, 999.0, 1001.0, 7, counts),
                     SK_OK);
        for (size_t j = 0; j < n; j++) {
            double t = (vals[j] - 999.0) / 2.0 * 7;
            int b = t < 0 ? 0 : (t >= 7 ? 6 : (int)t);
            ref[b]++;
        }
        for (int b = 0; b < 7; b++)
            cr_assert_eq(counts[b], ref[b], "bin %d", b);
        free(s);
        free(m);
        free(vals);
    }
}

/* Tolerant erosion against counting every box directly. */
Test(box_erode, matches_direct_counts)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 11);
    const int sizes[][2] = {{1, 1}, {5, 3}, {40, 31}, {97, 64}};
    const int radii[] = {0, 1, 2, 7, 20};
    const float shares[] = {0.999f, 0.5f, 0.0f};
    for (size_t si = 0; si < 4; si++)
        for (size_t ri = 0; ri < 5; ri++)
            for (size_t ti = 0; ti < 3; ti++) {
                const int w = sizes[si][0], h = sizes[si][1], r = radii[ri], ms = w + 3;
                float *m = malloc(sizeof(float) * (size_t)ms * h);
                float *o = malloc(sizeof(float) * (size_t)w * h);
                /* mostly set, with holes and a cut-out block */
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < ms; x++)
                        m[(size_t)y * ms + x] =
                            (sk_test_rng_uniform(&rng) < 0.995 && !(x > w / 2 && y < h / 3)) ? 1.0f
                                                                                              : 0.0f;
                long kept = sk_stats_box_erode(m, ms, w, h, r, shares[ti], o, w, NULL);
                long n = 0;
                const int d = 2 * r + 1;
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++) {
                        float want = 0;
                        if (y >= r && y < h - r && x >= r && x < w - r) {
                            int c = 0;
                            for (int j = -r; j <= r; j++)
                                for (int i = -r; i <= r; i++)
                                    c += m[(size_t)(y + j) * ms + x + i] > 0.5f;
                            want = (float)(c / ((double)d * d)) > shares[ti];
                        }
                        n += want != 0;
                        cr_assert_eq(o[(size_t)y * w + x], want, "%dx%d r %d share %g at (%d, %d)",
                                     w, h, r, shares[ti], x, y);
                    }
                cr_assert_eq(kept, n);
                free(m);
                free(o);
            }
    float p = 1;
    cr_assert_lt(sk_stats_box_erode(&p, 1, 1, 1, -1, 0.5f, &p, 1, NULL), 0);
}
