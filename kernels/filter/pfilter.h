/* Internal declarations of the filter family: kernel construction and the
 * separable correlation passes, each with a scalar and an AVX2 variant. */
#ifndef SK_PFILTER_H
#define SK_PFILTER_H

#include <assert.h>
#include <stddef.h>

#include "sk_kernels.h"

/* Largest σ filtered directly; larger σ go through a 2x pyramid level. */
#define SK_GAUSS_DIRECT_MAX_SIGMA 12.0
/* At the full resolution the pyramid starts above this σ. From 8 it would
 * keep the coarse σ >= 3.9 px (< 2.5 % RMS on white noise) and halve a
 * σ = 10 pass, but the wrinkle model's σ = 10 scale then moves one phantom
 * skin's re-capture CV from 4.7 % to 5.3 %, over the 5 % bar; so the top
 * level keeps the 12 px rule (docs/kernels/filter.md). */
#define SK_GAUSS_PYR_MIN_SIGMA 12.0
/* Kernel half-width in σ. */
#define SK_GAUSS_TRUNCATE 4.0
#define SK_GAUSS_MAX_RADIUS 64

/* Correlation weights w[0..2r] of the sampled Gaussian derivative of the
 * given order (0, 1, 2) at sigma; returns r. Normalised so that order 0
 * sums to 1, order 1 gives exactly 1 on a unit ramp, order 2 sums to 0 and
 * gives exactly 2 on x^2 (see docs/kernels/filter.md). */
int sk_gauss_weights(double sigma, int order, float *w);

/* Mirror index (scipy 'reflect': d c b a | a b c d) of i into [0, n). */
static inline int sk_reflect(int i, int n)
{
    if (n == 1)
        return 0;
    int p = 2 * n;
    i %= p;
    if (i < 0)
        i += p;
    return i < n ? i : p - 1 - i;
}

/* Vertical pass: dst row y = sum_k w[k] src row reflect(y + k - r). */
void sk_filter_cols_scalar(const float *src, size_t ss, float *dst, size_t ds, int w, int h,
                           const float *wt, int r);
void sk_filter_cols_avx2(const float *src, size_t ss, float *dst, size_t ds, int w, int h,
                         const float *wt, int r);
/* Horizontal pass: dst(x) = sum_k w[k] src(reflect(x + k - r)); pad is a
 * scratch row of w + 2r + SK_FILTER_PAD_EXTRA floats (the AVX2 variant reads
 * whole blocks of 32 past the row's end). In place (src == dst) is allowed. */
#define SK_FILTER_PAD_EXTRA 32
void sk_filter_rows_scalar(const float *src, size_t ss, float *dst, size_t ds, int w, int h,
                           const float *wt, int r, float *pad);
void sk_filter_rows_avx2(const float *src, size_t ss, float *dst, size_t ds, int w, int h,
                         const float *wt, int r, float *pad);

/* Per-pixel Hessian eigen-analysis and Frangi vesselness for one row. */
void sk_filter_frangi_row_scalar(const float *xx, const float *xy, const float *yy, float *out,
                                 int w, float s2, float beta2, float c2, int dark);
void sk_filter_frangi_row_avx2(const float *xx, const float *xy, const float *yy, float *out,
                               int w, float s2, float beta2, float c2, int dark);

void sk_filter_ridge_max_row_scalar(const float *hxx, const float *hxy, const float *hyy, int w,
                                    const sk_ridge_max_params *p, float *R, uint8_t *S,
                                    float *nx, float *ny, float *scratch);
void sk_filter_ridge_max_row_avx2(const float *hxx, const float *hxy, const float *hyy, int w,
                                  const sk_ridge_max_params *p, float *R, uint8_t *S, float *nx,
                                  float *ny, float *scratch);
/* The AVX2 row's exponential, one value (for the accuracy test). */
float sk_filter_expf_avx2(float x);

#endif
