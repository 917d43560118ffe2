/* One row of the multi-scale valley maximum (the wrinkle model's ridge
 * measure): per pixel, the larger eigenvalue la of the sigma^2-normalised
 * Hessian, damped for blob-like points by exp(-(lb / la)^2 / (2 beta^2)),
 * in units of the scale's noise; where that beats the maximum so far, the
 * maximum, its scale and the unit normal across the valley are kept.
 * Formulas: docs/kernels/filter.md.
 *
 * The plain-C row is the reference and the SK_SIMD=scalar path; the AVX2
 * row (ridge_max_avx2.c) takes the same float operations except expf, which
 * it evaluates as a vector polynomial (within 2 ulp of the C library's). */
#include <math.h>

#include "pfilter.h"

/* la and the damping exponent of one row, branch-free so it vectorises;
 * where la <= 0 the exponent is meaningless and not used. */
static void ridge_row(const float *restrict hxx, const float *restrict hxy,
                      const float *restrict hyy, int w, float s2, float ib2, float *restrict la_out,
                      float *restrict arg_out)
{
    for (int x = 0; x < w; x++) {
        float dxx = s2 * hxx[x], dyy = s2 * hyy[x], dxy = s2 * hxy[x];
        float m = 0.5f * (dxx + dyy);
        float d = sqrtf(0.25f * (dxx - dyy) * (dxx - dyy) + dxy * dxy);
        float la = m + d, lb = m - d; /* la >= lb */
        float rb = lb / la;
        la_out[x] = la;
        arg_out[x] = -rb * rb * ib2;
    }
}

void sk_filter_ridge_max_row_scalar(const float *hxx, const float *hxy, const float *hyy, int w,
                                    const sk_ridge_max_params *p, float *R, uint8_t *S, float *nx,
                                    float *ny, float *scratch)
{
    float *row_la = scratch, *row_arg = scratch + w;
    const float s2 = p->s2, inv_noise = p->inv_noise;
    ridge_row(hxx, hxy, hyy, w, s2, p->ib2, row_la, row_arg);
    for (int x = 0; x < w; x++) {
        float la = row_la[x];
        if (!(la > 0.0f))
            continue;
        /* the damping factor is at most 1, so r <= la * inv_noise: when that
         * cannot beat the current maximum, expf is skipped (the same
         * comparison would fail below) */
        if (!(la * inv_noise > R[x]))
            continue;
        float r = la * expf(row_arg[x]) * inv_noise;
        if (r > R[x]) {
            float dxx = s2 * hxx[x], dyy = s2 * hyy[x], dxy = s2 * hxy[x];
            R[x] = r;
            S[x] = (uint8_t)p->scale;
            /* eigenvector of la: the normal across the valley */
            float vx = dxy, vy = la - dxx;
            if (fabsf(vx) + fabsf(vy) < 1e-12f) {
                vx = dxx >= dyy ? 1.0f : 0.0f;
                vy = dxx >= dyy ? 0.0f : 1.0f;
            }
            float n = 1.0f / sqrtf(vx * vx + vy * vy);
            nx[x] = vx * n;
            ny[x] = vy * n;
        }
    }
}

void sk_filter_ridge_max_row(const float *hxx, const float *hxy, const float *hyy, int w,
                             const sk_ridge_max_params *p, float *R, uint8_t *S, float *nx,
                             float *ny, float *scratch)
{
    if (sk_simd_level() == SK_SIMD_AVX2)
        sk_filter_ridge_max_row_avx2(hxx, hxy, hyy, w, p, R, S, nx, ny, scratch);
    else
        sk_filter_ridge_max_row_scalar(hxx, hxy, hyy, w, p, R, S, nx, ny, scratch);
}
