/* Scale-normalised LoG scale space and its 3x3x3 extrema (Lindeberg 1998). */
#include <math.h>
#include <string.h>

#include "sk_kernels.h"

int sk_blob_ws_init(sk_blob_ws *ws, int max_w, int max_h)
{
    memset(ws, 0, sizeof *ws);
    int rc = sk_gauss_ws_init(&ws->gauss, max_w, max_h);
    if (rc < 0)
        return rc;
    size_t s = sk_stride_for_width(max_w);
    /* three scale planes + one for Iyy */
    ws->planes = sk_alloc_floats(4 * s * (size_t)max_h);
    if (!ws->planes) {
        sk_gauss_ws_free(&ws->gauss);
        return sk_error_set(SK_ERR_NOMEM, "blob: cannot allocate workspace");
    }
    ws->max_w = max_w;
    ws->max_h = max_h;
    return SK_OK;
}

void sk_blob_ws_free(sk_blob_ws *ws)
{
    if (!ws)
        return;
    sk_gauss_ws_free(&ws->gauss);
    sk_free(ws->planes);
    memset(ws, 0, sizeof *ws);
}

/* From this sigma on, the Laplacian is the isotropic 9-point stencil
 * (1/6) [1 4 1; 4 -20 4; 1 4 1] followed by one Gaussian, instead of two
 * second-derivative Gaussians (half the filtering). Each half of the stencil
 * is a second difference along one axis, responding 4 sin^2(w/2) =
 * w^2 exp(-w^2/12) (1 + O(w^4)), times a [1 10 1]/12 smoothing (variance 1/6)
 * along the other, so both axes carry an extra variance of 1/6 and the
 * Gaussian is taken at sqrt(sigma^2 - 1/6). Linear filters commute: the
 * stencil goes first, on the raw plane, so no small difference is taken of
 * large smoothed values (float cancellation). Agreement with the
 * derivative-Gaussian LoG: docs/kernels/filter.md, tests/kernels/test_gauss.c. */
#define SK_BLOB_STENCIL_MIN_SIGMA 2.0
/* Above this the Gaussian goes through a pyramid level, whose 2x2 mean would
 * alias the high frequencies the stencil has amplified: derivative Gaussians
 * there (their derivative is taken at the coarse level). Equal to the
 * Gaussian's SK_GAUSS_PYR_MIN_SIGMA. */
#define SK_BLOB_STENCIL_MAX_SIGMA 8.0

/* dst = k * 9-point Laplacian of src, mirror boundary ('reflect'). The
 * differences to the centre are taken first: they are exact or nearly so,
 * where weighting the raw values first would cancel large terms. */
static inline float laplace9_at(const float *t, const float *u, const float *v, int x, int l,
                                int r, float e, float c)
{
    const float o = t[x];
    return e * (((t[l] - o) + (t[r] - o)) + ((u[x] - o) + (v[x] - o))) +
           c * (((u[l] - o) + (u[r] - o)) + ((v[l] - o) + (v[r] - o)));
}

static void laplace9(const float *src, size_t ss, float *dst, size_t ds, int w, int h, float k)
{
    const float e = k * (4.0f / 6.0f), c = k * (1.0f / 6.0f);
    for (int y = 0; y < h; y++) {
        const float *restrict t = src + (size_t)y * ss;
        const float *restrict u = src + (size_t)(y > 0 ? y - 1 : 0) * ss;
        const float *restrict v = src + (size_t)(y + 1 < h ? y + 1 : h - 1) * ss;
        float *restrict d = dst + (size_t)y * ds;
        d[0] = laplace9_at(t, u, v, 0, 0, w > 1 ? 1 : 0, e, c);
        for (int x = 1; x < w - 1; x++) /* interior: contiguous, vectorised */
            d[x] = laplace9_at(t, u, v, x, x - 1, x + 1, e, c);
        if (w > 1)
            d[w - 1] = laplace9_at(t, u, v, w - 1, w - 2, w - 1, e, c);
    }
}

static int log_into(const float *src, size_t ss, int w, int h, double sigma, int dark,
                    float *dst, size_t ds, float *tmp, sk_gauss_ws *g)
{
    const float k = (float)((dark ? 1.0 : -1.0) * sigma * sigma);
    if (sigma >= SK_BLOB_STENCIL_MIN_SIGMA && sigma <= SK_BLOB_STENCIL_MAX_SIGMA) {
        laplace9(src, ss, dst, ds, w, h, k);
        return sk_filter_gauss(dst, ds, dst, ds, w, h, sqrt(sigma * sigma - 1.0 / 6.0), 0, 0, g);
    }
    int rc = sk_filter_gauss(src, ss, dst, ds, w, h, sigma, 2, 0, g);
    if (rc == SK_OK)
        rc = sk_filter_gauss(src, ss, tmp, ds, w, h, sigma, 0, 2, g);
    if (rc < 0)
        return rc;
    for (int y = 0; y < h; y++) {
        float *d = dst + (size_t)y * ds;
        const float *t = tmp + (size_t)y * ds;
        for (int x = 0; x < w; x++)
            d[x] = k * (d[x] + t[x]);
    }
    return SK_OK;
}

static int ensure_ws(sk_blob_ws *ws, int w, int h)
{
    if (ws->planes && w <= ws->max_w && h <= ws->max_h)
        return SK_OK;
    sk_blob_ws_free(ws);
    return sk_blob_ws_init(ws, w, h);
}

int sk_blob_log(const float *src, size_t src_stride, int w, int h, double sigma, int dark,
                float *dst, size_t dst_stride, sk_blob_ws *ws)
{
    if (!src || !dst || !ws || w < 1 || h < 1)
        return sk_error_set(SK_ERR_ARG, "blob_log: bad argument");
    int rc = ensure_ws(ws, w, h);
    if (rc < 0)
        return rc;
    size_t s = sk_stride_for_width(w);
    float *ixx = ws->planes, *iyy = ws->planes + s * (size_t)h;
    rc = log_into(src, src_stride, w, h, sigma, dark, ixx, s, iyy, &ws->gauss);
    if (rc < 0)
        return rc;
    for (int y = 0; y < h; y++)
        memcpy(dst + (size_t)y * dst_stride, ixx + (size_t)y * s, (size_t)w * sizeof(float));
    return SK_OK;
}

#define SK_BLOB_SKIP 16

/* Whether any of v[0..SK_BLOB_SKIP) exceeds thr >= 0. For such a threshold
 * the order of the floats is that of their bit patterns read as signed
 * integers (negative values read negative; a NaN reads above and goes on to
 * the exact test, as before), and an OR of integer comparisons vectorises
 * where a float test with an early exit would not (kept out of line: once
 * inlined, the loop is unrolled before it is vectorised). */
__attribute__((noinline)) static int any_above(const float *restrict v, int32_t tbits)
{
    int32_t b[SK_BLOB_SKIP];
    memcpy(b, v, sizeof b);
    int any = 0;
    for (int j = 0; j < SK_BLOB_SKIP; j++)
        any |= b[j] > tbits;
    return any;
}

static inline float refine(float a, float b, float c)
{
    float den = a - 2.0f * b + c;
    if (den >= 0.0f)
        return 0.0f;
    float d = 0.5f * (a - c) / den;
    return d > 0.5f ? 0.5f : d < -0.5f ? -0.5f : d;
}

int sk_blob_log_detect(const float *src, size_t src_stride, int w, int h,
                       const sk_blob_params *p, sk_blob_t *out, size_t cap, size_t *count,
                       int *truncated, sk_blob_ws *ws)
{
    if (!src || !p || !p->sigmas || p->n_sigmas < 1 || p->n_sigmas > 64 || !count || !ws ||
        (cap && !out) || w < 1 || h < 1)
        return sk_error_set(SK_ERR_ARG, "blob_log_detect: bad argument");
    for (int k = 1; k < p->n_sigmas; k++)
        if (!(p->sigmas[k] > p->sigmas[k - 1]))
            return sk_error_set(SK_ERR_ARG, "blob_log_detect: sigmas must increase");
    int rc = ensure_ws(ws, w, h);
    if (rc < 0)
        return rc;
    *count = 0;
    if (truncated)
        *truncated = 0;
    const size_t s = sk_stride_for_width(w);
    float *plane[3] = {ws->planes, ws->planes + s * (size_t)h, ws->planes + 2 * s * (size_t)h};
    float *tmp = ws->planes + 3 * s * (size_t)h;
    const int n = p->n_sigmas;
    const int border = p->border > 1 ? p->border : 1;
    /* plane[1] holds scale k, plane[0] scale k-1, plane[2] scale k+1. */
    rc = log_into(src, src_stride, w, h, p->sigmas[0], p->dark, plane[1], s, tmp, &ws->gauss);
    if (rc < 0)
        return rc;
    for (int k = 0; k < n; k++) {
        if (k + 1 < n &&
            (rc = log_into(src, src_stride, w, h, p->sigmas[k + 1], p->dark, plane[2], s, tmp,
                           &ws->gauss)) < 0)
            return rc;
        const float *prev = k > 0 ? plane[0] : NULL, *cur = plane[1],
                    *next = k + 1 < n ? plane[2] : NULL;
        const float thr = (float)p->threshold;
        int32_t tbits;
        memcpy(&tbits, &thr, sizeof tbits);
        const int skip = thr >= 0.0f;
        for (int y = border; y < h - border; y++) {
            const float *c0 = cur + (size_t)(y - 1) * s, *c1 = cur + (size_t)y * s,
                        *c2 = cur + (size_t)(y + 1) * s;
            const uint8_t *m = p->mask ? p->mask + (size_t)y * p->mask_stride : NULL;
            for (int x = border; x < w - border; x++) {
                /* Nearly every pixel is below the threshold: skip runs of
                 * SK_BLOB_SKIP in one vectorised test. */
                if (skip && ((x - border) & (SK_BLOB_SKIP - 1)) == 0 &&
                    x + SK_BLOB_SKIP <= w - border && !any_above(c1 + x, tbits)) {
                    x += SK_BLOB_SKIP - 1;
                    continue;
                }
                float v = c1[x];
                if (v <= thr || (m && !m[x]))
                    continue;
                if (v < c1[x - 1] || v < c1[x + 1] || v < c0[x - 1] || v < c0[x] ||
                    v < c0[x + 1] || v < c2[x - 1] || v < c2[x] || v < c2[x + 1])
                    continue;
                /* strict against earlier neighbours breaks plateaus once */
                if (v == c1[x - 1] || v == c0[x - 1] || v == c0[x] || v == c0[x + 1])
                    continue;
                int ok = 1;
                for (int t = 0; t < 2 && ok; t++) {
                    const float *o = t == 0 ? prev : next;
                    if (!o)
                        continue;
                    for (int dy = -1; dy <= 1 && ok; dy++) {
                        const float *r = o + (size_t)(y + dy) * s;
                        if (v <= r[x - 1] || v <= r[x] || v <= r[x + 1])
                            ok = 0;
                    }
                }
                if (!ok)
                    continue;
                if (*count < cap) {
                    sk_blob_t *b = &out[*count];
                    b->x = x + refine(c1[x - 1], v, c1[x + 1]);
                    b->y = y + refine(c0[x], v, c2[x]);
                    b->sigma = (float)p->sigmas[k];
                    b->response = v;
                    (*count)++;
                } else if (truncated) {
                    *truncated = 1;
                }
            }
        }
        /* roll the planes */
        float *t = plane[0];
        plane[0] = plane[1];
        plane[1] = plane[2];
        plane[2] = t;
    }
    return SK_OK;
}
