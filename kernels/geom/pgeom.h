/* Internal header of the geom family: variants and the per-pixel samplers
 * shared by the scalar and AVX2 warps (so both treat border pixels alike). */
#ifndef SK_PGEOM_H
#define SK_PGEOM_H

#include <assert.h>
#include <math.h>
#include <stddef.h>

#include "sk_kernels.h"

void sk_geom_warp_affine_scalar(const float *src, size_t ss, int sw, int sh, float *dst,
                                size_t ds, int dw, int dh, const double M[6],
                                const sk_warp_params *p, float *valid, size_t vs);
/* Bilinear only; other modes go to the scalar variant. */
void sk_geom_warp_affine_avx2(const float *src, size_t ss, int sw, int sh, float *dst, size_t ds,
                              int dw, int dh, const double M[6], const sk_warp_params *p,
                              float *valid, size_t vs);

/* One output row of the resize from the vertically combined row: d[x] =
 * sum over k < taps of wt[k dw + x] row[idx[k dw + x]] (tap-major tables),
 * added in k order from 0. */
void sk_geom_resize_row_scalar(const float *row, const int *idx, const float *wt, int taps, int dw,
                               float *d);
void sk_geom_resize_row_avx2(const float *row, const int *idx, const float *wt, int taps, int dw,
                             float *d);

/* Bilinear sample at (xs, ys); returns 0 (and leaves *out) when outside
 * [0, sw-1] x [0, sh-1]. Neighbours past the last sample are clamped. */
static inline int sk_geom_sample_bilinear(const float *src, size_t ss, int sw, int sh, double xs,
                                          double ys, float *out)
{
    if (!(xs >= 0.0 && ys >= 0.0 && xs <= (double)(sw - 1) && ys <= (double)(sh - 1)))
        return 0;
    int x0 = (int)xs, y0 = (int)ys;
    float fx = (float)(xs - x0), fy = (float)(ys - y0);
    int x1 = x0 + 1 < sw ? x0 + 1 : x0, y1 = y0 + 1 < sh ? y0 + 1 : y0;
    const float *r0 = src + (size_t)y0 * ss, *r1 = src + (size_t)y1 * ss;
    float top = r0[x0] + fx * (r0[x1] - r0[x0]);
    float bot = r1[x0] + fx * (r1[x1] - r1[x0]);
    *out = top + fy * (bot - top);
    return 1;
}

static inline int sk_geom_sample_nearest(const float *src, size_t ss, int sw, int sh, double xs,
                                         double ys, float *out)
{
    /* floor(x + 0.5) as a truncation: only non-negative values get here
     * (a libm floor call per pixel would cost more than the sample). */
    double tx = xs + 0.5, ty = ys + 0.5;
    if (!(tx >= 0.0 && ty >= 0.0 && tx < (double)sw && ty < (double)sh))
        return 0;
    *out = src[(size_t)ty * ss + (size_t)tx];
    return 1;
}

/* Keys cubic-convolution weights for fractional offset t in [0, 1). */
static inline void sk_geom_keys_weights(double a, double t, float wgt[4])
{
    double s0 = 1.0 + t, s1 = t, s2 = 1.0 - t, s3 = 2.0 - t;
    wgt[0] = (float)(((a * s0 - 5.0 * a) * s0 + 8.0 * a) * s0 - 4.0 * a);
    wgt[1] = (float)(((a + 2.0) * s1 - (a + 3.0)) * s1 * s1 + 1.0);
    wgt[2] = (float)(((a + 2.0) * s2 - (a + 3.0)) * s2 * s2 + 1.0);
    wgt[3] = (float)(((a * s3 - 5.0 * a) * s3 + 8.0 * a) * s3 - 4.0 * a);
}

static inline int sk_geom_clampi(int v, int lo, int hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

static inline int sk_geom_sample_bicubic(const float *src, size_t ss, int sw, int sh, double a,
                                         double xs, double ys, float *out)
{
    if (!(xs >= 0.0 && ys >= 0.0 && xs <= (double)(sw - 1) && ys <= (double)(sh - 1)))
        return 0;
    int x0 = (int)xs, y0 = (int)ys;
    float wx[4], wy[4];
    sk_geom_keys_weights(a, xs - x0, wx);
    sk_geom_keys_weights(a, ys - y0, wy);
    int xi[4];
    for (int i = 0; i < 4; i++)
        xi[i] = sk_geom_clampi(x0 - 1 + i, 0, sw - 1);
    float acc = 0.0f;
    for (int j = 0; j < 4; j++) {
        const float *r = src + (size_t)sk_geom_clampi(y0 - 1 + j, 0, sh - 1) * ss;
        float h = wx[0] * r[xi[0]] + wx[1] * r[xi[1]] + wx[2] * r[xi[2]] + wx[3] * r[xi[3]];
        acc += wy[j] * h;
    }
    *out = acc;
    return 1;
}
#endif
