/* AVX2 + FMA variants of the filter passes. The Frangi row is the same
 * source as conv.c compiled with -mavx2 -mfma (CMake sets the flags on
 * *_avx2.c only). The two correlation passes are written with intrinsics and
 * keep their sums in registers: the plain-C passes (conv_impl.h) store and
 * reload each output row once per sweep of taps, which bounds them by memory
 * traffic rather than arithmetic (bench/bench_filter.c; docs/kernels/filter.md).
 *
 * Vertical: four output rows x 16 columns in eight accumulators; every input
 * row is loaded once per block and multiplied into each of the four outputs
 * it reaches, so a block of 4 rows reads 2r + 4 input rows instead of
 * 4 (2r + 1). Horizontal: 32 outputs in four accumulators over the padded row
 * (L1-resident), tap pairs (k, -k) added before the multiply when the weights
 * are (anti)symmetric. Same sums as the reference in another order; the
 * results agree within 1e-5 of the scalar path (tests/kernels/test_gauss.c). */
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "conv_impl.h"

/* Lanes [0, n) of a vector (n clamped to 0..8). */
static inline __m256i lane_mask(int n)
{
    n = n < 0 ? 0 : n > 8 ? 8 : n;
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), idx);
}

#define SK_COL_ROWS 4

/* Output rows y0 .. y0 + nr - 1 (nr <= 4), columns x0 .. x0 + 15 (n valid). */
static inline void cols_block(const float *const *in, float *const *out, int nr, int x0, int n,
                              const float *wz, int r)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0,
           d1 = a0;
    const int nin = 2 * r + SK_COL_ROWS;
    if (n == 16) {
        for (int j = 0; j < nin; j++) {
            const float *p = in[j] + x0;
            const __m256 v0 = _mm256_loadu_ps(p), v1 = _mm256_loadu_ps(p + 8);
            /* wz[j - i] is tap j - i of output row i (zero outside 0..2r) */
            const __m256 w0 = _mm256_broadcast_ss(wz + j), w1 = _mm256_broadcast_ss(wz + j - 1),
                         w2 = _mm256_broadcast_ss(wz + j - 2), w3 = _mm256_broadcast_ss(wz + j - 3);
            a0 = _mm256_fmadd_ps(w0, v0, a0);
            a1 = _mm256_fmadd_ps(w0, v1, a1);
            b0 = _mm256_fmadd_ps(w1, v0, b0);
            b1 = _mm256_fmadd_ps(w1, v1, b1);
            c0 = _mm256_fmadd_ps(w2, v0, c0);
            c1 = _mm256_fmadd_ps(w2, v1, c1);
            d0 = _mm256_fmadd_ps(w3, v0, d0);
            d1 = _mm256_fmadd_ps(w3, v1, d1);
        }
        __m256 acc[8] = {a0, a1, b0, b1, c0, c1, d0, d1};
        for (int i = 0; i < nr; i++) {
            _mm256_storeu_ps(out[i] + x0, acc[2 * i]);
            _mm256_storeu_ps(out[i] + x0 + 8, acc[2 * i + 1]);
        }
        return;
    }
    const __m256i m0 = lane_mask(n), m1 = lane_mask(n - 8);
    for (int j = 0; j < nin; j++) {
        const float *p = in[j] + x0;
        const __m256 v0 = _mm256_maskload_ps(p, m0), v1 = _mm256_maskload_ps(p + 8, m1);
        const __m256 w0 = _mm256_broadcast_ss(wz + j), w1 = _mm256_broadcast_ss(wz + j - 1),
                     w2 = _mm256_broadcast_ss(wz + j - 2), w3 = _mm256_broadcast_ss(wz + j - 3);
        a0 = _mm256_fmadd_ps(w0, v0, a0);
        a1 = _mm256_fmadd_ps(w0, v1, a1);
        b0 = _mm256_fmadd_ps(w1, v0, b0);
        b1 = _mm256_fmadd_ps(w1, v1, b1);
        c0 = _mm256_fmadd_ps(w2, v0, c0);
        c1 = _mm256_fmadd_ps(w2, v1, c1);
        d0 = _mm256_fmadd_ps(w3, v0, d0);
        d1 = _mm256_fmadd_ps(w3, v1, d1);
    }
    __m256 acc[8] = {a0, a1, b0, b1, c0, c1, d0, d1};
    for (int i = 0; i < nr; i++) {
        _mm256_maskstore_ps(out[i] + x0, m0, acc[2 * i]);
        _mm256_maskstore_ps(out[i] + x0 + 8, m1, acc[2 * i + 1]);
    }
}

void sk_filter_cols_avx2(const float *src, size_t ss, float *dst, size_t ds, int w, int h,
                         const float *wt, int r)
{
    /* Weights with SK_COL_ROWS - 1 zeros either side, so that every output
     * row of a block reads its tap j - i without a branch. */
    float wzbuf[2 * SK_GAUSS_MAX_RADIUS + 1 + 2 * (SK_COL_ROWS - 1)];
    for (int i = 0; i < SK_COL_ROWS - 1; i++)
        wzbuf[i] = wzbuf[2 * r + SK_COL_ROWS + i] = 0.0f;
    memcpy(wzbuf + SK_COL_ROWS - 1, wt, (size_t)(2 * r + 1) * sizeof(float));
    const float *wz = wzbuf + SK_COL_ROWS - 1;
    const float *in[2 * SK_GAUSS_MAX_RADIUS + SK_COL_ROWS];
    float *out[SK_COL_ROWS];
    for (int y0 = 0; y0 < h; y0 += SK_COL_ROWS) {
        const int nr = h - y0 < SK_COL_ROWS ? h - y0 : SK_COL_ROWS;
        const int inside = y0 >= r && y0 + SK_COL_ROWS - 1 + r < h;
        for (int j = 0; j < 2 * r + SK_COL_ROWS; j++) {
            int yy = y0 - r + j;
            in[j] = src + (size_t)(inside ? yy : sk_reflect(yy, h)) * ss;
        }
        for (int i = 0; i < SK_COL_ROWS; i++)
            out[i] = dst + (size_t)(y0 + (i < nr ? i : 0)) * ds;
        for (int x0 = 0; x0 < w; x0 += 16)
            cols_block(in, out, nr, x0, w - x0 < 16 ? w - x0 : 16, wz, r);
    }
}

/* 32 outputs of one padded row (p[x + k] is tap k of output x). */
static inline void rows_block(const float *p, float *d, int n, const float *wt, int r, int sym)
{
    const __m256 wc = _mm256_set1_ps(wt[r]);
    const float *c = p + r;
    __m256 a0 = _mm256_mul_ps(wc, _mm256_loadu_ps(c)), a1 = _mm256_mul_ps(wc, _mm256_loadu_ps(c + 8)),
           a2 = _mm256_mul_ps(wc, _mm256_loadu_ps(c + 16)),
           a3 = _mm256_mul_ps(wc, _mm256_loadu_ps(c + 24));
    if (sym > 0) {
        for (int k = 1; k <= r; k++) {
            const __m256 wk = _mm256_broadcast_ss(wt + r + k);
            const float *u = c + k, *v = c - k;
            a0 = _mm256_fmadd_ps(wk, _mm256_add_ps(_mm256_loadu_ps(u), _mm256_loadu_ps(v)), a0);
            a1 = _mm256_fmadd_ps(wk, _mm256_add_ps(_mm256_loadu_ps(u + 8), _mm256_loadu_ps(v + 8)), a1);
            a2 = _mm256_fmadd_ps(wk, _mm256_add_ps(_mm256_loadu_ps(u + 16), _mm256_loadu_ps(v + 16)), a2);
            a3 = _mm256_fmadd_ps(wk, _mm256_add_ps(_mm256_loadu_ps(u + 24), _mm256_loadu_ps(v + 24)), a3);
        }
    } else if (sym < 0) {
        for (int k = 1; k <= r; k++) {
            const __m256 wk = _mm256_broadcast_ss(wt + r + k);
            const float *u = c + k, *v = c - k;
            a0 = _mm256_fmadd_ps(wk, _mm256_sub_ps(_mm256_loadu_ps(u), _mm256_loadu_ps(v)), a0);
            a1 = _mm256_fmadd_ps(wk, _mm256_sub_ps(_mm256_loadu_ps(u + 8), _mm256_loadu_ps(v + 8)), a1);
            a2 = _mm256_fmadd_ps(wk, _mm256_sub_ps(_mm256_loadu_ps(u + 16), _mm256_loadu_ps(v + 16)), a2);
            a3 = _mm256_fmadd_ps(wk, _mm256_sub_ps(_mm256_loadu_ps(u + 24), _mm256_loadu_ps(v + 24)), a3);
        }
    } else {
        for (int k = 0; k <= 2 * r; k++) {
            if (k == r)
                continue;
            const __m256 wk = _mm256_broadcast_ss(wt + k);
            const float *u = p + k;
            a0 = _mm256_fmadd_ps(wk, _mm256_loadu_ps(u), a0);
            a1 = _mm256_fmadd_ps(wk, _mm256_loadu_ps(u + 8), a1);
            a2 = _mm256_fmadd_ps(wk, _mm256_loadu_ps(u + 16), a2);
            a3 = _mm256_fmadd_ps(wk, _mm256_loadu_ps(u + 24), a3);
        }
    }
    if (n == 32) {
        _mm256_storeu_ps(d, a0);
        _mm256_storeu_ps(d + 8, a1);
        _mm256_storeu_ps(d + 16, a2);
        _mm256_storeu_ps(d + 24, a3);
    } else {
        _mm256_maskstore_ps(d, lane_mask(n), a0);
        _mm256_maskstore_ps(d + 8, lane_mask(n - 8), a1);
        _mm256_maskstore_ps(d + 16, lane_mask(n - 16), a2);
        _mm256_maskstore_ps(d + 24, lane_mask(n - 24), a3);
    }
}

void sk_filter_rows_avx2(const float *src, size_t ss, float *dst, size_t ds, int w, int h,
                         const float *wt, int r, float *pad)
{
    const int sym = weights_symmetry(wt, r);
    /* the last block reads up to 31 floats past the padded row: zeros */
    memset(pad + w + 2 * r, 0, SK_FILTER_PAD_EXTRA * sizeof(float));
    for (int y = 0; y < h; y++) {
        const float *s = src + (size_t)y * ss;
        float *p = pad;
        for (int i = 0; i < r; i++)
            p[i] = s[sk_reflect(i - r, w)];
        memcpy(p + r, s, (size_t)w * sizeof(float));
        for (int i = 0; i < r; i++)
            p[r + w + i] = s[sk_reflect(w + i, w)];
        float *d = dst + (size_t)y * ds;
        for (int x0 = 0; x0 < w; x0 += 32)
            rows_block(p + x0, d + x0, w - x0 < 32 ? w - x0 : 32, wt, r, sym);
    }
}

void sk_filter_frangi_row_avx2(const float *xx, const float *xy, const float *yy, float *out,
                               int w, float s2, float beta2, float c2, int dark)
{
    frangi_row_impl(xx, xy, yy, out, w, s2, beta2, c2, dark);
}
