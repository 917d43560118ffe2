/* Exact percentiles, median and MAD of the masked pixels without copying the
 * plane.
 *
 * Radix selection on the bit patterns: a value maps to an unsigned key with
 * the same order (a float's bits with the sign bit flipped, or all bits
 * flipped for negatives; a deviation |x - centre| >= 0 is a double whose bits
 * are already ordered). One pass histograms the top 16 key bits of the
 * counted pixels (its total is the count); the bin holding rank k is then
 * either collected into a small buffer (at most CAP values) and selected
 * there (Hoare), or histogrammed on the next 16 bits, until the key is pinned
 * (2 levels for a float, 4 for a double). A pinned key is decoded to its
 * value and a collected value is the value itself, so the order statistics
 * are exact, whatever algorithm finds them.
 *
 * Median and MAD together (median_mad_fused): after the floats' histogram,
 * the median's bin bounds the centre, and each bin's ends bound the
 * deviations of its values; bins surely below or above the MAD's rank are
 * counted or skipped, and the rest (about 1 % of the pixels on noise planes)
 * are collected in the pass that collects the median's bin. Two passes in
 * all, instead of two for the median and two more for the MAD; the second is
 * a vectorised test per 16 pixels, with scalar work only where a pixel is
 * kept. When the bins hold more than the buffers (data packed in a few
 * bins), the general route above is taken. Deviations are always computed
 * as fabs((double)x - median), as before. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pstats.h"

enum { BITS = 16, NBINS = 1 << BITS, CAP = 1 << 16, CHUNK = 16 };

typedef struct {
    const float *src;
    size_t ss;
    const float *mask;
    size_t ms;
    int w, h;
    int absdev; /* values are |x - centre| (64-bit keys), else x (32-bit keys) */
    double centre;
} view;

typedef struct {
    view v;
    int key_bits;   /* 32 or 64 */
    uint64_t n;     /* counted values */
    uint32_t *top;  /* NBINS + 1, level-0 histogram kept for every rank */
    uint32_t *hist; /* NBINS, deeper levels */
    double *buf;    /* CAP collected values */
    float *fbuf;    /* 2 CAP collected floats */
} selector;

/* Deviations are >= +0 (fabs), so their bits are ordered as they stand; the
 * sign bit (0) is shifted out to give the top level one more bit. */
static inline uint64_t double_key(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u << 1;
}

static inline double key_double(uint64_t k)
{
    uint64_t u = k >> 1;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* isfinite on the bits, as an int (no branch). */
static inline int finite_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return (u & 0x7f800000u) != 0x7f800000u;
}

/* Whether pixel x counts: inside the mask and finite. */
static inline int counts(const float *m, float f, int x)
{
    return (!m || m[x] > 0.5f) && isfinite(f);
}

/* Key of a counted pixel, left-aligned in 64 bits. */
static inline uint64_t key_of(const view *v, float f, double *val)
{
    if (v->absdev) {
        double d = fabs((double)f - v->centre);
        *val = d;
        return double_key(d);
    }
    *val = (double)f;
    return (uint64_t)sk_stats_float_key(f) << 32;
}

/* Histogram (BITS bits below `shift + BITS`) of the counted pixels whose key
 * bits above that equal `prefix` (shift + BITS == 64: every pixel). */
static void hist_pass(const selector *s, int shift, uint64_t prefix, uint32_t *hist)
{
    const view *v = &s->v;
    const int pshift = shift + BITS;
    memset(hist, 0, sizeof *hist * NBINS);
    for (int y = 0; y < v->h; y++) {
        const float *sr = v->src + (size_t)y * v->ss;
        const float *mr = v->mask ? v->mask + (size_t)y * v->ms : NULL;
        for (int x = 0; x < v->w; x++) {
            float f = sr[x];
            if (!counts(mr, f, x))
                continue;
            double val;
            uint64_t k = key_of(v, f, &val);
            if (pshift == 64 || (k >> pshift) == prefix)
                hist[(k >> shift) & (NBINS - 1)]++;
        }
    }
}

/* Level 0 of the floats, the hot loop: branch-free, pixels that do not count
 * go to the spare bin hist[NBINS]. */
static void top_pass_float(const view *v, uint32_t *hist)
{
    memset(hist, 0, sizeof *hist * (NBINS + 1));
    for (int y = 0; y < v->h; y++) {
        const float *sr = v->src + (size_t)y * v->ss;
        const float *mr = v->mask ? v->mask + (size_t)y * v->ms : NULL;
        if (mr) {
            for (int x = 0; x < v->w; x++) {
                uint32_t key = sk_stats_float_key(sr[x]);
                int ok = (mr[x] > 0.5f) & finite_bits(sr[x]);
                hist[ok ? key >> 16 : NBINS]++;
            }
        } else {
            for (int x = 0; x < v->w; x++) {
                uint32_t key = sk_stats_float_key(sr[x]);
                hist[finite_bits(sr[x]) ? key >> 16 : NBINS]++;
            }
        }
    }
}

/* Collect the counted values whose key bits from `shift` up equal prefix. */
static uint64_t collect_pass(const selector *s, int shift, uint64_t prefix, double *buf)
{
    const view *v = &s->v;
    uint64_t n = 0;
    for (int y = 0; y < v->h; y++) {
        const float *sr = v->src + (size_t)y * v->ss;
        const float *mr = v->mask ? v->mask + (size_t)y * v->ms : NULL;
        for (int x = 0; x < v->w; x++) {
            float f = sr[x];
            if (!counts(mr, f, x))
                continue;
            double val;
            uint64_t k = key_of(v, f, &val);
            if ((k >> shift) == prefix) {
                assert(n < CAP);
                buf[n++] = val;
            }
        }
    }
    return n;
}

SK_STATS_DEFINE_HOARE(select_double, double)

/* The smallest of b[j+1..n) (after select_double(b, n, j): rank j + 1). */
static double min_after(const double *b, size_t n, size_t j)
{
    double m = b[j + 1];
    for (size_t i = j + 2; i < n; i++)
        m = b[i] < m ? b[i] : m;
    return m;
}

static double decode(const selector *s, uint64_t key)
{
    return s->key_bits == 32 ? (double)sk_stats_key_float((uint32_t)(key >> 32)) : key_double(key);
}

/* Rank-k (0-based) smallest counted value; when v1 is not NULL also rank
 * k + 1 (k + 1 < n). */
static double select_rank(selector *s, uint64_t k, double *v1)
{
    assert(k < s->n);
    const uint32_t *hist = s->top;
    uint64_t below = 0, prefix = 0;
    for (int shift = 64 - BITS;; shift -= BITS) {
        if (shift < 64 - BITS) {
            hist_pass(s, shift, prefix, s->hist);
            hist = s->hist;
        }
        uint64_t acc = below;
        long b = 0;
        while (acc + hist[b] <= k) {
            acc += hist[b];
            b++;
            assert(b < NBINS);
        }
        below = acc;
        prefix = (prefix << BITS) | (uint64_t)b;
        const uint64_t cnt = hist[b];
        const int pinned = shift == 64 - s->key_bits;
        if (pinned) {
            /* every value of this bin is the same: its key is known */
            double vk = decode(s, prefix << shift);
            if (v1) {
                if (k + 1 < below + cnt) {
                    *v1 = vk;
                } else {
                    long b1 = b + 1; /* the next value, when it is in this histogram */
                    while (b1 < NBINS && !hist[b1])
                        b1++;
                    *v1 = b1 < NBINS ? decode(s, ((prefix - (uint64_t)b + (uint64_t)b1) << shift))
                                     : select_rank(s, k + 1, NULL);
                }
            }
            return vk;
        }
        if (cnt <= CAP) {
            uint64_t got = collect_pass(s, shift, prefix, s->buf);
            assert(got == cnt);
            (void)got;
            size_t j = (size_t)(k - below);
            double vk = select_double(s->buf, (size_t)cnt, j);
            if (v1) {
                if (j + 1 < cnt) {
                    *v1 = min_after(s->buf, (size_t)cnt, j);
                } else {
                    *v1 = select_rank(s, k + 1, NULL);
                }
            }
            return vk;
        }
    }
}

/* Point the selector at a view and histogram its level 0 (counts n). */
static void selector_fill(selector *s, const view *v)
{
    s->v = *v;
    s->key_bits = v->absdev ? 64 : 32;
    if (v->absdev)
        hist_pass(s, 64 - BITS, 0, s->top);
    else
        top_pass_float(v, s->top);
    s->n = 0;
    for (int b = 0; b < NBINS; b++)
        s->n += s->top[b];
}

/* Buffers (one block, returned for free(); NULL when out of memory), then
 * selector_fill. */
static void *selector_init(selector *s, const view *v)
{
    void *mem =
        malloc(sizeof(double) * CAP + sizeof(uint32_t) * (2 * NBINS + 1) + sizeof(float) * 2 * CAP);
    if (!mem)
        return NULL;
    s->buf = mem;
    s->top = (uint32_t *)(s->buf + CAP);
    s->hist = s->top + NBINS + 1;
    s->fbuf = (float *)(s->hist + NBINS);
    selector_fill(s, v);
    return mem;
}

/* Percentile p (numpy's linear rule) of the counted values; s->n > 0. */
static double percentile(selector *s, double p)
{
    double pos = (double)(s->n - 1) * p / 100.0;
    uint64_t k = (uint64_t)floor(pos);
    if (k > s->n - 1)
        k = s->n - 1;
    double frac = pos - (double)k;
    double vk1, vk;
    if (frac > 0.0 && k + 1 < s->n) {
        vk = select_rank(s, k, &vk1);
        vk += frac * (vk1 - vk);
    } else {
        vk = select_rank(s, k, NULL);
    }
    return vk;
}

/* Bins of the float keys at level 0 that hold finite values. */
enum { JMIN = 0x0080, JMAX = 0xff7f };

static inline double bin_lo(long j)
{
    return (double)sk_stats_key_float((uint32_t)j << 16);
}

static inline double bin_hi(long j)
{
    return (double)sk_stats_key_float(((uint32_t)j << 16) | 0xffffu);
}

/* Median and MAD from the level-0 histogram of the floats (s->top) with one
 * more pass. The median lies in bin b (and, when interpolated, in the next
 * non-empty bin b1), so the centre c is in [clo, chi] = [bin_lo(b),
 * bin_hi(b1)], and a bin's deviations |x - c| are bounded by those of its
 * ends against clo and chi (rounding is monotone). From these bounds, the
 * bins whose deviations are all below rank k of the deviations (counted, not
 * read), all above rank k (+1) (skipped), and the rest, whose values are
 * collected in the same pass as the median's bin(s). Once c is known the
 * deviations of the collected values are computed as usual and selected.
 * Returns 1 when both were found, 0 when the bins hold too many values for
 * the buffers (the caller then uses the general route). */
static int median_mad_fused(selector *s, double *med, double *mad)
{
    const uint32_t *top = s->top;
    const uint64_t n = s->n;
    const double pos = (double)(n - 1) * 50.0 / 100.0; /* as percentile() */
    const uint64_t k = (uint64_t)floor(pos);
    const double frac = pos - (double)k;
    const int want1 = frac > 0.0 && k + 1 < n;
    uint64_t below = 0;
    long b = 0;
    while (below + top[b] <= k)
        below += top[b++];
    long b1 = b;
    if (want1 && k + 1 >= below + top[b])
        for (b1 = b + 1; !top[b1]; b1++)
            ;
    const uint64_t cnt_med = top[b] + (b1 != b ? top[b1] : 0);
    if (cnt_med > CAP || b < JMIN || b1 > JMAX)
        return 0;
    const double clo = bin_lo(b), chi = bin_hi(b1);

    /* A: rank k of the lower bounds (bins in their order, outward from the
     * centre bins, whose lower bound is 0): fewer than k + 1 deviations are
     * below A. B: at least k + 1 + want1 deviations are <= B. */
    double A = 0.0, B = chi - clo;
    uint64_t cum = cnt_med;
    long i = b - 1, u = b1 + 1;
    while (cum <= k) {
        while (i >= JMIN && !top[i])
            i--;
        while (u <= JMAX && !top[u])
            u++;
        double dl = i >= JMIN ? clo - bin_hi(i) : INFINITY;
        double du = u <= JMAX ? bin_lo(u) - chi : INFINITY;
        assert(i >= JMIN || u <= JMAX);
        long j = dl <= du ? i-- : u++;
        if (cum + top[j] > k)
            A = dl <= du ? dl : du;
        cum += top[j];
    }
    const uint64_t need = k + 1 + (uint64_t)want1;
    cum = cnt_med;
    i = b - 1, u = b1 + 1;
    while (cum < need) {
        while (i >= JMIN && !top[i])
            i--;
        while (u <= JMAX && !top[u])
            u++;
        double dl = i >= JMIN ? chi - bin_lo(i) : INFINITY;
        double du = u <= JMAX ? bin_hi(u) - clo : INFINITY;
        assert(i >= JMIN || u <= JMAX);
        long j = dl <= du ? i-- : u++;
        double d = dl <= du ? dl : du;
        B = d > B ? d : B;
        cum += top[j];
    }
    /* Bins all below A: a run around the centre bins (upper bounds grow
     * outward and the centre bins' is the smallest); bins not all above B: a
     * wider run (lower bounds grow outward). */
    long jb0 = b, jb1 = b1;
    if (chi - clo < A) {
        while (jb0 - 1 >= JMIN && chi - bin_lo(jb0 - 1) < A)
            jb0--;
        while (jb1 + 1 <= JMAX && bin_hi(jb1 + 1) - clo < A)
            jb1++;
    } else {
        jb0 = b + 1, jb1 = b; /* none */
    }
    long jc0 = b, jc1 = b1;
    while (jc0 - 1 >= JMIN && clo - bin_hi(jc0 - 1) <= B)
        jc0--;
    while (jc1 + 1 <= JMAX && bin_lo(jc1 + 1) - chi <= B)
        jc1++;
    uint64_t n_below = 0, n_cand = 0;
    for (long j = jc0; j <= jc1; j++)
        if (j >= jb0 && j <= jb1)
            n_below += top[j];
        else
            n_cand += top[j];
    if (n_cand > CAP || k < n_below || k + (uint64_t)want1 - n_below >= n_cand)
        return 0;

    /* one pass: the median's bin(s) to buf, the deviation candidates to fbuf */
    const view *v = &s->v;
    uint64_t nm = 0, nd = 0;
    float *dev = s->fbuf, *mid = s->fbuf + CAP;
    const uint32_t ub = (uint32_t)b, ub1 = (uint32_t)b1;
    /* the runs as unsigned ranges, j inside when j - lo <= hi - lo (an empty
     * run of bins below A: lo = hi = NBINS, which no bin index reaches) */
    const uint32_t ujc0 = (uint32_t)jc0, ujc1 = (uint32_t)jc1;
    const uint32_t ujb0 = jb1 >= jb0 ? (uint32_t)jb0 : NBINS;
    const uint32_t ujb1 = jb1 >= jb0 ? (uint32_t)jb1 : NBINS;
    const uint32_t ujm = ub1 - ub;
    for (int y = 0; y < v->h; y++) {
        const float *sr = v->src + (size_t)y * v->ss;
        const float *mr = v->mask ? v->mask + (size_t)y * v->ms : NULL;
        /* Few pixels are kept (about 1 % here): a vectorised test of each
         * chunk of CHUNK pixels, the rest only for chunks that keep one. */
        int x = 0;
        for (; x < v->w; x += CHUNK) {
            const int x1 = x + CHUNK <= v->w ? x + CHUNK : v->w;
            if (x1 - x == CHUNK) {
                uint32_t any = 0;
                for (int i = x; i < x + CHUNK; i++) {
                    uint32_t j = sk_stats_float_key(sr[i]) >> 16;
                    uint32_t ok = (uint32_t)((!mr || mr[i] > 0.5f) & finite_bits(sr[i]));
                    any |= ok & (j - ujc0 <= ujc1 - ujc0) &
                           ((j - ujb0 > ujb1 - ujb0) | (j - ub <= ujm));
                }
                if (!any)
                    continue;
            }
            for (int i = x; i < x1; i++) {
                float f = sr[i];
                if (!counts(mr, f, i))
                    continue;
                uint32_t j = sk_stats_float_key(f) >> 16;
                if (j - ujc0 > ujc1 - ujc0)
                    continue;
                if (j == ub || j == ub1)
                    mid[nm++] = f;
                if (j - ujb0 > ujb1 - ujb0)
                    dev[nd++] = f;
            }
        }
    }
    assert(nm == cnt_med && nd == n_cand);
    for (uint64_t q = 0; q < nm; q++)
        s->buf[q] = (double)mid[q];
    size_t jk = (size_t)(k - below);
    double vk = select_double(s->buf, (size_t)nm, jk);
    if (want1)
        vk += frac * (min_after(s->buf, (size_t)nm, jk) - vk);
    if (!(vk >= clo && vk <= chi))
        return 0; /* cannot happen: the bounds assume it */
    *med = vk;
    for (uint64_t q = 0; q < nd; q++)
        s->buf[q] = fabs((double)s->fbuf[q] - vk);
    jk = (size_t)(k - n_below);
    double dk = select_double(s->buf, (size_t)nd, jk);
    if (want1)
        dk += frac * (min_after(s->buf, (size_t)nd, jk) - dk);
    *mad = dk;
    return 1;
}

static int percentiles_view(const view *v, const double *p, int np, double *out)
{
    selector s;
    void *mem = selector_init(&s, v);
    if (!mem)
        return sk_error_set(SK_ERR_NOMEM, "masked_percentiles: buffers");
    int rc = SK_OK;
    if (s.n == 0) {
        rc = sk_error_set(SK_ERR_QUALITY, "masked_percentiles: no pixel in the mask");
        goto done;
    }
    for (int i = 0; i < np; i++)
        out[i] = percentile(&s, p[i]);
done:
    free(mem);
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
    view v = {src, src_stride, mask, mask_stride, w, h, 0, 0.0};
    selector s;
    void *mem = selector_init(&s, &v);
    /* the messages are sk_stats_masked_percentiles', as this call gave before */
    if (!mem)
        return sk_error_set(SK_ERR_NOMEM, "masked_percentiles: buffers");
    if (s.n == 0) {
        rc = sk_error_set(SK_ERR_QUALITY, "masked_percentiles: no pixel in the mask");
        goto done;
    }
    double med, dev;
    if (!median_mad_fused(&s, &med, &dev)) {
        /* general route: the median, then the deviations' own histograms */
        med = percentile(&s, 50.0);
        v.absdev = 1;
        v.centre = med;
        selector_fill(&s, &v);
        dev = percentile(&s, 50.0);
    }
    if (median)
        *median = med;
    if (mad)
        *mad = dev;
done:
    free(mem);
    return rc;
}
