/* Exact percentiles, median and MAD of the masked pixels without copying the
 * plane.
 *
 * Selection by histogram refinement: a histogram of NBINS bins over the value
 * range locates the bin that holds the wanted order statistic; when that bin
 * holds few values they are collected into a small buffer and sorted,
 * otherwise the bin is histogrammed again, finer. Bin membership is defined by
 * the chain of bin indices (floor of a monotone function of the value), so
 * counts stay consistent whatever the rounding. Float data run out of distinct
 * values after two levels, and a level whose candidates are all equal ends the
 * search. Cost: one pass for the range, one for the top histogram, then
 * usually one collecting pass per distinct percentile. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pstats.h"

enum { NBINS = 1 << 16, CAP = 1 << 16, MAX_LEVELS = 6 };

typedef struct {
    const float *src;
    size_t ss;
    const float *mask;
    size_t ms;
    int w, h;
    int absdev;    /* values are |x - centre| */
    double centre;
} view;

typedef struct {
    double lo, scale;
    long bin;
} level;

typedef struct {
    view v;
    uint64_t n;          /* counted values */
    double vmin, vmax;   /* their range */
    uint32_t *hist;      /* NBINS, reused at each level */
    uint32_t *top;       /* NBINS, level-0 histogram kept for every rank */
    double *buf;         /* CAP collected values, sorted */
    uint64_t buf_base;   /* rank of buf[0] */
    uint64_t buf_n;      /* 0: nothing cached */
} selector;

static inline long bin_of(const level *l, double v)
{
    double t = (v - l->lo) * l->scale;
    if (!(t > 0.0))
        return 0;
    if (t >= (double)(NBINS - 1))
        return NBINS - 1;
    return (long)t;
}

/* Value of pixel x in row pointers; 0 when it does not count. */
static inline int fetch(const view *v, const float *s, const float *m, int x, double *out)
{
    float f = s[x];
    if ((m && !(m[x] > 0.5f)) || !isfinite(f))
        return 0;
    *out = v->absdev ? fabs((double)f - v->centre) : (double)f;
    return 1;
}

static inline int member(const level *lv, int nl, double val)
{
    for (int i = 0; i < nl; i++)
        if (bin_of(&lv[i], val) != lv[i].bin)
            return 0;
    return 1;
}

static void range_pass(selector *s)
{
    const view *v = &s->v;
    uint64_t n = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (int y = 0; y < v->h; y++) {
        const float *sr = v->src + (size_t)y * v->ss;
        const float *mr = v->mask ? v->mask + (size_t)y * v->ms : NULL;
        for (int x = 0; x < v->w; x++) {
            double val;
            if (!fetch(v, sr, mr, x, &val))
                continue;
            n++;
            lo = val < lo ? val : lo;
            hi = val > hi ? val : hi;
        }
    }
    s->n = n;
    s->vmin = lo;
    s->vmax = hi;
}

/* Histogram of the candidates of levels lv[0..nl-1] binned by `cur`; also the
 * candidates' min / max. */
static void hist_pass(selector *s, const level *lv, int nl, const level *cur, uint32_t *hist,
                      double *cmin, double *cmax)
{
    const view *v = &s->v;
    memset(hist, 0, sizeof *hist * NBINS);
    double lo = INFINITY, hi = -INFINITY;
    for (int y = 0; y < v->h; y++) {
        const float *sr = v->src + (size_t)y * v->ss;
        const float *mr = v->mask ? v->mask + (size_t)y * v->ms : NULL;
        for (int x = 0; x < v->w; x++) {
            double val;
            if (!fetch(v, sr, mr, x, &val) || !member(lv, nl, val))
                continue;
            hist[bin_of(cur, val)]++;
            lo = val < lo ? val : lo;
            hi = val > hi ? val : hi;
        }
    }
    *cmin = lo;
    *cmax = hi;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void collect_pass(selector *s, const level *lv, int nl)
{
    const view *v = &s->v;
    uint64_t n = 0;
    for (int y = 0; y < v->h; y++) {
        const float *sr = v->src + (size_t)y * v->ss;
        const float *mr = v->mask ? v->mask + (size_t)y * v->ms : NULL;
        for (int x = 0; x < v->w; x++) {
            double val;
            if (!fetch(v, sr, mr, x, &val) || !member(lv, nl, val))
                continue;
            assert(n < CAP);
            s->buf[n++] = val;
        }
    }
    qsort(s->buf, n, sizeof *s->buf, cmp_double);
    s->buf_n = n;
}

static level make_level(double lo, double hi, long bin)
{
    level l = {lo, hi > lo ? (double)(NBINS - 1) / (hi - lo) : 0.0, bin};
    return l;
}

/* Rank-k (0-based) smallest counted value. */
static double select_rank(selector *s, uint64_t k)
{
    assert(k < s->n);
    if (s->buf_n && k >= s->buf_base && k < s->buf_base + s->buf_n)
        return s->buf[k - s->buf_base];
    if (s->vmin == s->vmax)
        return s->vmin;
    level lv[MAX_LEVELS];
    int nl = 0;
    uint64_t below = 0;
    double lo = s->vmin, hi = s->vmax;
    const uint32_t *hist = s->top;
    for (;;) {
        level cur = make_level(lo, hi, -1);
        if (nl > 0) {
            double cmin, cmax;
            hist_pass(s, lv, nl, &cur, s->hist, &cmin, &cmax);
            if (cmin == cmax)
                return cmin;
            hist = s->hist;
        }
        uint64_t acc = below;
        long b = 0;
        while (acc + hist[b] <= k) {
            acc += hist[b];
            b++;
            assert(b < NBINS);
        }
        cur.bin = b;
        lv[nl++] = cur;
        below = acc;
        if (hist[b] <= CAP || nl == MAX_LEVELS) {
            if (hist[b] > CAP) /* cannot happen with float data; stay safe */
                return lo;
            collect_pass(s, lv, nl);
            s->buf_base = below;
            return s->buf[k - below];
        }
        /* Next level spans this bin's value interval (approximately: the
         * membership chain, not these bounds, decides). */
        double nlo = cur.lo + (double)b / cur.scale, nhi = cur.lo + (double)(b + 1) / cur.scale;
        lo = nlo;
        hi = nhi > nlo ? nhi : nlo;
    }
}

static int percentiles_view(const view *v, const double *p, int np, double *out)
{
    selector s = {.v = *v};
    s.hist = malloc(sizeof *s.hist * NBINS);
    s.top = malloc(sizeof *s.top * NBINS);
    s.buf = malloc(sizeof *s.buf * CAP);
    int rc = SK_OK;
    if (!s.hist || !s.top || !s.buf) {
        rc = sk_error_set(SK_ERR_NOMEM, "masked_percentiles: buffers");
        goto done;
    }
    range_pass(&s);
    if (s.n == 0) {
        rc = sk_error_set(SK_ERR_QUALITY, "masked_percentiles: no pixel in the mask");
        goto done;
    }
    if (s.vmin != s.vmax) {
        level top = make_level(s.vmin, s.vmax, -1);
        double a, b;
        hist_pass(&s, NULL, 0, &top, s.top, &a, &b);
    }
    for (int i = 0; i < np; i++) {
        double pos = (double)(s.n - 1) * p[i] / 100.0;
        uint64_t k = (uint64_t)floor(pos);
        if (k > s.n - 1)
            k = s.n - 1;
        double frac = pos - (double)k;
        double vk = select_rank(&s, k);
        if (frac > 0.0 && k + 1 < s.n) {
            double vk1 = select_rank(&s, k + 1);
            vk += frac * (vk1 - vk);
        }
        out[i] = vk;
    }
done:
    free(s.hist);
    free(s.top);
    free(s.buf);
    return rc;
}

static int check(const float *src, size_t ss, const float *mask, size_t ms, int w, int h,
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

int sk_stats_masked_percentiles(const float *src, size_t src_stride, const float *mask,
                                size_t mask_stride, int w, int h, const double *p, int np,
                                double *out)
{
    int rc = check(src, src_stride, mask, mask_stride, w, h, "masked_percentiles");
    if (rc)
        return rc;
    if (!p || !out || np < 1)
        return sk_error_set(SK_ERR_ARG, "masked_percentiles: no percentiles asked");
    for (int i = 0; i < np; i++)
        if (!(p[i] >= 0.0 && p[i] <= 100.0))
            return sk_error_set(SK_ERR_ARG, "masked_percentiles: p[%d] = %g not in [0, 100]", i,
                                p[i]);
    view v = {src, src_stride, mask, mask_stride, w, h, 0, 0.0};
    return percentiles_view(&v, p, np, out);
}

int sk_stats_masked_median_mad(const float *src, size_t src_stride, const float *mask,
                               size_t mask_stride, int w, int h, double *median, double *mad)
{
    int rc = check(src, src_stride, mask, mask_stride, w, h, "masked_median_mad");
    if (rc)
        return rc;
    const double half = 50.0;
    double med;
    view v = {src, src_stride, mask, mask_stride, w, h, 0, 0.0};
    rc = percentiles_view(&v, &half, 1, &med);
    if (rc)
        return rc;
    if (median)
        *median = med;
    if (mad) {
        v.absdev = 1;
        v.centre = med;
        rc = percentiles_view(&v, &half, 1, mad);
    }
    return rc;
}
