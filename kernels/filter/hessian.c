/* Hessian at a scale, its eigenvalues, the Frangi ridge measure and the
 * multi-scale ridge measure. */
#include <math.h>
#include <string.h>

#include "pfilter.h"

int sk_filter_hessian(const float *src, size_t src_stride, int w, int h, double sigma,
                      float *xx, float *xy, float *yy, size_t dst_stride, sk_gauss_ws *ws)
{
    if (!xx || !xy || !yy)
        return sk_error_set(SK_ERR_ARG, "hessian: NULL output");
    int rc = sk_filter_gauss(src, src_stride, xx, dst_stride, w, h, sigma, 2, 0, ws);
    if (rc == SK_OK)
        rc = sk_filter_gauss(src, src_stride, xy, dst_stride, w, h, sigma, 1, 1, ws);
    if (rc == SK_OK)
        rc = sk_filter_gauss(src, src_stride, yy, dst_stride, w, h, sigma, 0, 2, ws);
    return rc;
}

int sk_filter_hessian_eigen(const float *xx, const float *xy, const float *yy, size_t stride,
                            int w, int h, float *l1, float *l2, size_t dst_stride)
{
    if (!xx || !xy || !yy || !l1 || !l2 || w < 1 || h < 1)
        return sk_error_set(SK_ERR_ARG, "hessian_eigen: bad argument");
    for (int y = 0; y < h; y++) {
        const float *a = xx + (size_t)y * stride, *b = xy + (size_t)y * stride,
                    *c = yy + (size_t)y * stride;
        float *o1 = l1 + (size_t)y * dst_stride, *o2 = l2 + (size_t)y * dst_stride;
        for (int x = 0; x < w; x++) {
            /* Closed form for a symmetric 2x2; sorted by magnitude. */
            double tr = 0.5 * ((double)a[x] + c[x]), df = 0.5 * ((double)a[x] - c[x]);
            double root = sqrt(df * df + (double)b[x] * b[x]);
            double e1 = tr + root, e2 = tr - root;
            int swap = fabs(e1) > fabs(e2);
            o1[x] = (float)(swap ? e2 : e1);
            o2[x] = (float)(swap ? e1 : e2);
        }
    }
    return SK_OK;
}

int sk_filter_frangi(const float *xx, const float *xy, const float *yy, size_t stride, int w,
                     int h, double sigma, const sk_frangi_params *p, float *out,
                     size_t out_stride)
{
    if (!xx || !xy || !yy || !out || !p || w < 1 || h < 1)
        return sk_error_set(SK_ERR_ARG, "frangi: bad argument");
    if (!(p->beta > 0) || !(p->c > 0))
        return sk_error_set(SK_ERR_ARG, "frangi: beta and c must be positive");
    float s2 = p->normalise ? (float)(sigma * sigma) : 1.0f;
    float beta2 = (float)(p->beta * p->beta), c2 = (float)(p->c * p->c);
    int avx2 = sk_simd_level() >= SK_SIMD_AVX2;
    for (int y = 0; y < h; y++) {
        size_t o = (size_t)y * stride;
        float *d = out + (size_t)y * out_stride;
        if (avx2)
            sk_filter_frangi_row_avx2(xx + o, xy + o, yy + o, d, w, s2, beta2, c2, p->dark);
        else
            sk_filter_frangi_row_scalar(xx + o, xy + o, yy + o, d, w, s2, beta2, c2, p->dark);
    }
    return SK_OK;
}

int sk_ridge_ws_init(sk_ridge_ws *ws, int max_w, int max_h)
{
    memset(ws, 0, sizeof *ws);
    int rc = sk_gauss_ws_init(&ws->gauss, max_w, max_h);
    if (rc < 0)
        return rc;
    size_t s = sk_stride_for_width(max_w);
    ws->planes = sk_alloc_floats(4 * s * (size_t)max_h);
    if (!ws->planes) {
        sk_gauss_ws_free(&ws->gauss);
        return sk_error_set(SK_ERR_NOMEM, "ridge: cannot allocate workspace");
    }
    ws->max_w = max_w;
    ws->max_h = max_h;
    return SK_OK;
}

void sk_ridge_ws_free(sk_ridge_ws *ws)
{
    if (!ws)
        return;
    sk_gauss_ws_free(&ws->gauss);
    sk_free(ws->planes);
    memset(ws, 0, sizeof *ws);
}

int sk_filter_ridge_multiscale(const float *src, size_t src_stride, int w, int h,
                               const double *sigmas, int n_sigmas, const sk_frangi_params *p,
                               float *out, size_t out_stride, uint8_t *scale_index,
                               size_t index_stride, sk_ridge_ws *ws)
{
    if (!src || !out || !sigmas || n_sigmas < 1 || n_sigmas > 255 || !p || !ws)
        return sk_error_set(SK_ERR_ARG, "ridge: bad argument");
    if (w > ws->max_w || h > ws->max_h) {
        sk_ridge_ws_free(ws);
        int rc = sk_ridge_ws_init(ws, w, h);
        if (rc < 0)
            return rc;
    }
    size_t s = sk_stride_for_width(w);
    float *xx = ws->planes, *xy = xx + s * (size_t)h, *yy = xy + s * (size_t)h,
          *v = yy + s * (size_t)h;
    for (int y = 0; y < h; y++) {
        memset(out + (size_t)y * out_stride, 0, (size_t)w * sizeof(float));
        if (scale_index)
            memset(scale_index + (size_t)y * index_stride, 0, (size_t)w);
    }
    for (int k = 0; k < n_sigmas; k++) {
        int rc = sk_filter_hessian(src, src_stride, w, h, sigmas[k], xx, xy, yy, s, &ws->gauss);
        if (rc == SK_OK)
            rc = sk_filter_frangi(xx, xy, yy, s, w, h, sigmas[k], p, v, s);
        if (rc < 0)
            return rc;
        for (int y = 0; y < h; y++) {
            float *o = out + (size_t)y * out_stride;
            const float *vv = v + (size_t)y * s;
            uint8_t *si = scale_index ? scale_index + (size_t)y * index_stride : NULL;
            for (int x = 0; x < w; x++)
                if (vv[x] > o[x]) {
                    o[x] = vv[x];
                    if (si)
                        si[x] = (uint8_t)k;
                }
        }
    }
    return SK_OK;
}
