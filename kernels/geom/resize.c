/* Separable resize of a float plane (bilinear or area), for registration
 * pyramids. Per output row: combine the few source rows it needs into a row
 * buffer (vertical taps), then resample that buffer along x (horizontal
 * taps). Tap tables (index + weight) are built once per call; the
 * horizontal ones tap-major (tap k of every output x together), so the
 * AVX2 pass (resize_avx2.c) loads eight outputs' indices and weights at
 * once and gathers; both passes add the taps in the same order, so they
 * agree bit for bit. */
#include <math.h>
#include <stdlib.h>

#include "pgeom.h"

static int taps_for(int s, int d, sk_resize_mode mode)
{
    if (mode == SK_RESIZE_AREA && s > d)
        return (int)ceil((double)s / d) + 1;
    return 2;
}

size_t sk_geom_resize_scratch_size(int sw, int sh, int dw, int dh, sk_resize_mode mode)
{
    if (sw < 1 || sh < 1 || dw < 1 || dh < 1)
        return 0;
    size_t th = (size_t)taps_for(sw, dw, mode), tv = (size_t)taps_for(sh, dh, mode);
    size_t entries = th * (size_t)dw + tv * (size_t)dh;
    return sizeof(float) * (size_t)sw + entries * (sizeof(int) + sizeof(float));
}

/* Fill taps for one axis: out position i uses idx[i*is + k*ks] with the
 * weight at the same place (is = t, ks = 1: output-major; is = 1, ks = d:
 * tap-major). */
static void build_taps(int s, int d, sk_resize_mode mode, int t, int *idx, float *wt, size_t is,
                       size_t ks)
{
    const double sc = (double)s / d;
#define IX(k) ix[(size_t)(k)*ks]
#define W(k) w[(size_t)(k)*ks]
    for (int i = 0; i < d; i++) {
        int *ix = idx + (size_t)i * is;
        float *w = wt + (size_t)i * is;
        for (int k = 0; k < t; k++) {
            IX(k) = 0;
            W(k) = 0.0f;
        }
        if (mode == SK_RESIZE_AREA && s > d) {
            double a = i * sc, b = (i + 1) * sc;
            int first = (int)floor(a);
            for (int k = 0; k < t; k++) {
                int j = first + k;
                if (j >= s)
                    break;
                double lo = a > j ? a : j, hi = b < j + 1 ? b : j + 1;
                if (hi > lo) {
                    IX(k) = j;
                    W(k) = (float)((hi - lo) / sc);
                }
            }
        } else {
            /* Centres aligned; also the area rule when enlarging. */
            double xs = (i + 0.5) * sc - 0.5;
            if (xs < 0.0)
                xs = 0.0;
            if (xs > s - 1)
                xs = s - 1;
            int x0 = (int)xs;
            double f = xs - x0;
            IX(0) = x0;
            IX(1) = x0 + 1 < s ? x0 + 1 : x0;
            W(0) = (float)(1.0 - f);
            W(1) = (float)f;
        }
    }
#undef IX
#undef W
}

void sk_geom_resize_row_scalar(const float *row, const int *idx, const float *wt, int taps, int dw,
                               float *d)
{
    for (int x = 0; x < dw; x++) {
        float acc = 0.0f;
        for (int k = 0; k < taps; k++)
            acc += wt[(size_t)k * dw + x] * row[idx[(size_t)k * dw + x]];
        d[x] = acc;
    }
}

int sk_geom_resize(const float *src, size_t src_stride, int sw, int sh, float *dst,
                   size_t dst_stride, int dw, int dh, sk_resize_mode mode, void *scratch)
{
    if (!src || !dst)
        return sk_error_set(SK_ERR_ARG, "resize: NULL argument");
    if (sw < 1 || sh < 1 || dw < 1 || dh < 1)
        return sk_error_set(SK_ERR_ARG, "resize: bad sizes %dx%d -> %dx%d", sw, sh, dw, dh);
    if (src_stride < (size_t)sw || dst_stride < (size_t)dw)
        return sk_error_set(SK_ERR_ARG, "resize: stride smaller than width");
    if (mode != SK_RESIZE_BILINEAR && mode != SK_RESIZE_AREA)
        return sk_error_set(SK_ERR_ARG, "resize: unknown mode %d", (int)mode);
    void *own = NULL;
    if (!scratch) {
        own = malloc(sk_geom_resize_scratch_size(sw, sh, dw, dh, mode));
        if (!own)
            return sk_error_set(SK_ERR_NOMEM, "resize: scratch");
        scratch = own;
    }
    const int th = taps_for(sw, dw, mode), tv = taps_for(sh, dh, mode);
    float *row = scratch;
    float *wh = row + sw, *wv = wh + (size_t)th * dw;
    int *ih = (int *)(wv + (size_t)tv * dh), *iv = ih + (size_t)th * dw;
    build_taps(sw, dw, mode, th, ih, wh, 1, (size_t)dw); /* tap-major */
    build_taps(sh, dh, mode, tv, iv, wv, (size_t)tv, 1);
    /* Area halving along x (sw = 2 dw): output x takes 2x and 2x + 1 with
     * equal weights (the table's third tap is 0). */
    int hf = 0;
    if (mode == SK_RESIZE_AREA && sw == 2 * dw && th >= 2) {
        hf = 2;
        for (int x = 0; x < dw && hf; x++) {
            if (ih[x] != 2 * x || ih[dw + x] != 2 * x + 1 || wh[x] != wh[0] || wh[dw + x] != wh[dw])
                hf = 0;
            for (int k = 2; k < th; k++)
                if (wh[(size_t)k * dw + x] != 0.0f)
                    hf = 0;
        }
    }
    const int avx2 = sk_simd_level() == SK_SIMD_AVX2;
    for (int y = 0; y < dh; y++) {
        const int *ry = iv + (size_t)y * tv;
        const float *wy = wv + (size_t)y * tv;
        {
            const float *restrict s0 = src + (size_t)ry[0] * src_stride;
            const float w0 = wy[0];
            for (int x = 0; x < sw; x++)
                row[x] = w0 * s0[x];
        }
        for (int k = 1; k < tv; k++) {
            if (wy[k] == 0.0f)
                continue;
            const float *restrict sk = src + (size_t)ry[k] * src_stride;
            const float wk = wy[k];
            for (int x = 0; x < sw; x++)
                row[x] += wk * sk[x];
        }
        float *restrict d = dst + (size_t)y * dst_stride;
        if (hf == 2) {
            /* the same products and order as the table below, without the
             * gather, so the loop vectorises */
            const float w0 = wh[0], w1 = wh[dw];
            for (int x = 0; x < dw; x++) {
                float acc = 0.0f;
                acc += w0 * row[2 * x];
                acc += w1 * row[2 * x + 1];
                d[x] = acc;
            }
            continue;
        }
        if (avx2)
            sk_geom_resize_row_avx2(row, ih, wh, th, dw, d);
        else
            sk_geom_resize_row_scalar(row, ih, wh, th, dw, d);
    }
    free(own);
    return SK_OK;
}
