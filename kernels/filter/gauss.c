/* Separable Gaussian blur and Gaussian derivatives (orders 0-2 per axis)
 * for sigma 0.5..50, mirror boundary. Direct FIR up to
 * SK_GAUSS_PYR_MIN_SIGMA; beyond, one 2x pyramid level per halving (coarser
 * levels filtered directly up to SK_GAUSS_DIRECT_MAX_SIGMA), so the cost
 * stays flat in sigma. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pfilter.h"

int sk_gauss_weights(double sigma, int order, float *w)
{
    int r = (int)ceil(SK_GAUSS_TRUNCATE * sigma + (order ? 1 : 0));
    if (r < 1)
        r = 1;
    if (r > SK_GAUSS_MAX_RADIUS)
        r = SK_GAUSS_MAX_RADIUS;
    double g[2 * SK_GAUSS_MAX_RADIUS + 1], s0 = 0, m2 = 0;
    for (int j = -r; j <= r; j++) {
        g[j + r] = exp(-0.5 * j * j / (sigma * sigma));
        s0 += g[j + r];
    }
    for (int j = -r; j <= r; j++) {
        g[j + r] /= s0;
        m2 += (double)j * j * g[j + r];
    }
    if (order == 0) {
        for (int j = -r; j <= r; j++)
            w[j + r] = (float)g[j + r];
    } else if (order == 1) {
        /* Correlation weights of d/dx: exact on a unit ramp. */
        for (int j = -r; j <= r; j++)
            w[j + r] = (float)(j * g[j + r] / m2);
    } else {
        /* (j^2/s^2 - 1) g, made zero-sum (removing a multiple of g, so the
         * correction does not depend on the support) and exact on x^2. */
        double v[2 * SK_GAUSS_MAX_RADIUS + 1], sum = 0, q = 0;
        for (int j = -r; j <= r; j++) {
            v[j + r] = ((double)j * j / (sigma * sigma) - 1.0) * g[j + r];
            sum += v[j + r];
        }
        for (int j = -r; j <= r; j++) {
            v[j + r] -= sum * g[j + r];
            q += (double)j * j * v[j + r];
        }
        for (int j = -r; j <= r; j++)
            w[j + r] = (float)(2.0 * v[j + r] / q);
    }
    return r;
}

size_t sk_gauss_ws_floats(int max_w, int max_h)
{
    size_t s = sk_stride_for_width(max_w);
    size_t cw = sk_stride_for_width((max_w + 1) / 2);
    /* tmp plane + pad row + pyramid (two planes per level, geometric) */
    return s * (size_t)max_h + 2 * (size_t)max_w + 2 * SK_GAUSS_MAX_RADIUS + 64 +
           3 * (cw * (size_t)((max_h + 1) / 2) + 64) + 4096;
}

int sk_gauss_ws_init(sk_gauss_ws *ws, int max_w, int max_h)
{
    memset(ws, 0, sizeof *ws);
    if (max_w < 1 || max_h < 1)
        return sk_error_set(SK_ERR_ARG, "gauss: bad workspace size %dx%d", max_w, max_h);
    size_t n = sk_gauss_ws_floats(max_w, max_h);
    ws->buf = sk_alloc_floats(n);
    if (!ws->buf)
        return sk_error_set(SK_ERR_NOMEM, "gauss: cannot allocate workspace");
    ws->cap = n;
    ws->max_w = max_w;
    ws->max_h = max_h;
    return SK_OK;
}

int sk_gauss_ws_ensure(sk_gauss_ws *ws, int w, int h)
{
    if (ws->buf && w <= ws->max_w && h <= ws->max_h)
        return SK_OK;
    int mw = w > ws->max_w ? w : ws->max_w, mh = h > ws->max_h ? h : ws->max_h;
    sk_gauss_ws_free(ws);
    return sk_gauss_ws_init(ws, mw, mh);
}

void sk_gauss_ws_free(sk_gauss_ws *ws)
{
    if (!ws)
        return;
    sk_free(ws->buf);
    memset(ws, 0, sizeof *ws);
}

/* One separable pass pair at sigma (direct FIR): vertical into tmp, then
 * horizontal into dst. */
static void direct(const float *src, size_t ss, float *dst, size_t ds, int w, int h,
                   double sigma, int ox, int oy, float *tmp, size_t ts, float *pad, int avx2)
{
    float wx[2 * SK_GAUSS_MAX_RADIUS + 1], wy[2 * SK_GAUSS_MAX_RADIUS + 1];
    int rx = sk_gauss_weights(sigma, ox, wx), ry = sk_gauss_weights(sigma, oy, wy);
    if (avx2) {
        sk_filter_cols_avx2(src, ss, tmp, ts, w, h, wy, ry);
        sk_filter_rows_avx2(tmp, ts, dst, ds, w, h, wx, rx, pad);
    } else {
        sk_filter_cols_scalar(src, ss, tmp, ts, w, h, wy, ry);
        sk_filter_rows_scalar(tmp, ts, dst, ds, w, h, wx, rx, pad);
    }
}

/* Pre-blur before halving the resolution: removes what would alias. */
#define SK_GAUSS_PYR_PREBLUR 1.0

/* One row of the 2x linear up-sampling: coarse sample k sits at fine 2k + 0.5,
 * so fine 2k takes 1/4 of k - 1 and 3/4 of k, fine 2k + 1 takes 3/4 of k and
 * 1/4 of k + 1 (edges held). */
static inline float up_at(const float *c, int cw, int x)
{
    int k = x >> 1;
    int k0 = (x & 1) ? k : k - 1, k1 = k0 + 1;
    k0 = k0 < 0 ? 0 : k0 > cw - 1 ? cw - 1 : k0;
    k1 = k1 < 0 ? 0 : k1 > cw - 1 ? cw - 1 : k1;
    float f = (x & 1) ? 0.25f : 0.75f;
    return c[k0] + f * (c[k1] - c[k0]);
}

static void up_row(const float *restrict c, int cw, float *restrict d, int w)
{
    /* Interior pairs (2k, 2k + 1), 1 <= k <= cw - 2, need no clamping: the
     * same arithmetic as up_at, in a loop the compiler vectorises. */
    int kend = cw - 1;
    if (2 * kend > w)
        kend = w / 2;
    for (int x = 0; x < 2 && x < w; x++)
        d[x] = up_at(c, cw, x);
    for (int k = 1; k < kend; k++) {
        d[2 * k] = c[k - 1] + 0.75f * (c[k] - c[k - 1]);
        d[2 * k + 1] = c[k] + 0.25f * (c[k + 1] - c[k]);
    }
    for (int x = kend > 1 ? 2 * kend : 2; x < w; x++)
        d[x] = up_at(c, cw, x);
}

/* dst (w x h) = bilinear 2x upsample of c (cw x ch), scaled by k: rows up-
 * sampled once each into two scratch rows, then blended with the fixed 1/4,
 * 3/4 weights of the vertical direction. */
static void upsample2(const float *c, size_t cs, int cw, int ch, float *dst, size_t ds, int w,
                      int h, float k, float *rows)
{
    float *ra = rows, *rb = rows + w;
    int have_a = -1, have_b = -1;
    for (int y = 0; y < h; y++) {
        int q = y >> 1;
        int q0 = (y & 1) ? q : q - 1, q1 = q0 + 1;
        q0 = q0 < 0 ? 0 : q0 > ch - 1 ? ch - 1 : q0;
        q1 = q1 < 0 ? 0 : q1 > ch - 1 ? ch - 1 : q1;
        if (have_a != q0) {
            if (have_b == q0) {
                float *t = ra;
                ra = rb, rb = t;
                have_a = q0, have_b = -1;
            } else {
                up_row(c + (size_t)q0 * cs, cw, ra, w);
                have_a = q0;
            }
        }
        if (have_b != q1) {
            up_row(c + (size_t)q1 * cs, cw, rb, w);
            have_b = q1;
        }
        const float f = (y & 1) ? 0.25f : 0.75f;
        float *restrict d = dst + (size_t)y * ds;
        for (int x = 0; x < w; x++)
            d[x] = k * (ra[x] + f * (rb[x] - ra[x]));
    }
}

/* Gaussian at sigma through pyramid levels while sigma is large: pre-blur,
 * keep every second sample, filter the rest of the variance at half
 * resolution, interpolate back. `arena` holds the coarse planes; tmp/pad
 * serve the direct passes. */
static int gauss_rec(const float *src, size_t ss, float *dst, size_t ds, int w, int h,
                     double sigma, double direct_max, int ox, int oy, float *tmp, size_t ts,
                     float *pad, float *arena, int avx2)
{
    if (sigma <= direct_max || w < 8 || h < 8) {
        direct(src, ss, dst, ds, w, h, sigma, ox, oy, tmp, ts, pad, avx2);
        return SK_OK;
    }
    int cw = (w + 1) / 2, ch = (h + 1) / 2;
    size_t cs = sk_stride_for_width(cw);
    float *down = arena, *blur = arena + cs * (size_t)ch;
    float *next = blur + cs * (size_t)ch;
    /* dst is free until the end: use it for the pre-blurred plane. */
    direct(src, ss, dst, ds, w, h, SK_GAUSS_PYR_PREBLUR, 0, 0, tmp, ts, pad, avx2);
    /* The 2x2 mean keeps the half-sample mirror symmetry at the edges (coarse
     * centres at 2j + 0.5) and adds variance 1/4. */
    sk_geom_downsample2(dst, ds, w, h, down, cs);
    double sc = sqrt(sigma * sigma - SK_GAUSS_PYR_PREBLUR * SK_GAUSS_PYR_PREBLUR - 0.25) / 2.0;
    int rc = gauss_rec(down, cs, blur, cs, cw, ch, sc, SK_GAUSS_DIRECT_MAX_SIGMA, ox, oy, tmp, ts,
                       pad, next, avx2);
    if (rc < 0)
        return rc;
    /* A derivative at the coarse level is per coarse pixel: rescale. */
    float k = (float)pow(0.5, ox + oy);
    upsample2(blur, cs, cw, ch, dst, ds, w, h, k, pad);
    return SK_OK;
}

int sk_filter_gauss(const float *src, size_t src_stride, float *dst, size_t dst_stride, int w,
                    int h, double sigma, int order_x, int order_y, sk_gauss_ws *ws)
{
    if (!src || !dst || !ws)
        return sk_error_set(SK_ERR_ARG, "gauss: NULL argument");
    if (w < 1 || h < 1 || src_stride < (size_t)w || dst_stride < (size_t)w)
        return sk_error_set(SK_ERR_ARG, "gauss: bad size %dx%d or stride", w, h);
    if (!(sigma >= 0.5 && sigma <= 50.0))
        return sk_error_set(SK_ERR_ARG, "gauss: sigma %g outside 0.5..50", sigma);
    if (order_x < 0 || order_x > 2 || order_y < 0 || order_y > 2)
        return sk_error_set(SK_ERR_ARG, "gauss: derivative orders are 0..2");
    int rc = sk_gauss_ws_ensure(ws, w, h);
    if (rc < 0)
        return rc;
    size_t ts = sk_stride_for_width(w);
    float *tmp = ws->buf;
    float *pad = tmp + ts * (size_t)h;
    float *arena = pad + 2 * (size_t)w + 2 * SK_GAUSS_MAX_RADIUS + 64;
    arena += (16 - ((uintptr_t)arena / sizeof(float)) % 16) % 16;
    int avx2 = sk_simd_level() >= SK_SIMD_AVX2;
    return gauss_rec(src, src_stride, dst, dst_stride, w, h, sigma, SK_GAUSS_PYR_MIN_SIGMA,
                     order_x, order_y, tmp, ts, pad, arena, avx2);
}
