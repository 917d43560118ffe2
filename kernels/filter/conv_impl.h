/* The separable correlation passes, written once so that the compiler
 * vectorises them for each instruction set they are compiled for
 * (conv.c: baseline; conv_avx2.c: AVX2 + FMA). The inner loops run over
 * contiguous x with restrict pointers. Included only by those two files.
 *
 * Gaussian weights are symmetric (orders 0 and 2) or antisymmetric (order 1),
 * so the taps k and -k share one weight: out += w_k (a_{+k} +/- a_{-k}).
 * Four such pairs are added per sweep over the output row, so the row is
 * loaded and stored once per eight taps instead of once per tap (the passes
 * were bound by that store and reload, not by arithmetic). */
#include <string.h>

#include "pfilter.h"

/* +1: w[r + k] == w[r - k] for all k; -1: w[r + k] == -w[r - k] (and
 * w[r] == 0); 0: neither. */
static inline int weights_symmetry(const float *wt, int r)
{
    int sym = 1, anti = wt[r] == 0.0f;
    for (int k = 1; k <= r; k++) {
        sym &= wt[r + k] == wt[r - k];
        anti &= wt[r + k] == -wt[r - k];
    }
    return sym ? 1 : anti ? -1 : 0;
}

/* d[x] (+)= sum over the n <= 4 tap pairs j of w[j] (a_j[x] OP b_j[x]);
 * first: d is written, not accumulated. One function per sign, so the sign
 * costs nothing in the inner loop. */
#define SK_PAIRS_ROW(name, OP)                                                                 \
    static inline void name(float *restrict d, const float *const *a, const float *const *b,        \
                     const float *w, int n, int first, int len)                               \
    {                                                                                          \
        const float *restrict a0 = a[0], *restrict b0 = b[0];                                  \
        const float *restrict a1 = a[n > 1 ? 1 : 0], *restrict b1 = b[n > 1 ? 1 : 0];          \
        const float *restrict a2 = a[n > 2 ? 2 : 0], *restrict b2 = b[n > 2 ? 2 : 0];          \
        const float *restrict a3 = a[n > 3 ? 3 : 0], *restrict b3 = b[n > 3 ? 3 : 0];          \
        const float w0 = w[0], w1 = n > 1 ? w[1] : 0, w2 = n > 2 ? w[2] : 0,                  \
                    w3 = n > 3 ? w[3] : 0;                                                     \
        if (n == 4 && !first)                                                                  \
            for (int x = 0; x < len; x++)                                                      \
                d[x] += w0 * (a0[x] OP b0[x]) + w1 * (a1[x] OP b1[x]) +                        \
                        w2 * (a2[x] OP b2[x]) + w3 * (a3[x] OP b3[x]);                         \
        else if (n == 4)                                                                       \
            for (int x = 0; x < len; x++)                                                      \
                d[x] = w0 * (a0[x] OP b0[x]) + w1 * (a1[x] OP b1[x]) +                         \
                       w2 * (a2[x] OP b2[x]) + w3 * (a3[x] OP b3[x]);                          \
        else if (n == 3 && !first)                                                             \
            for (int x = 0; x < len; x++)                                                      \
                d[x] += w0 * (a0[x] OP b0[x]) + w1 * (a1[x] OP b1[x]) +                        \
                        w2 * (a2[x] OP b2[x]);                                                 \
        else if (n == 3)                                                                       \
            for (int x = 0; x < len; x++)                                                      \
                d[x] = w0 * (a0[x] OP b0[x]) + w1 * (a1[x] OP b1[x]) + w2 * (a2[x] OP b2[x]); \
        else if (n == 2 && !first)                                                             \
            for (int x = 0; x < len; x++)                                                      \
                d[x] += w0 * (a0[x] OP b0[x]) + w1 * (a1[x] OP b1[x]);                         \
        else if (n == 2)                                                                       \
            for (int x = 0; x < len; x++)                                                      \
                d[x] = w0 * (a0[x] OP b0[x]) + w1 * (a1[x] OP b1[x]);                          \
        else if (!first)                                                                       \
            for (int x = 0; x < len; x++)                                                      \
                d[x] += w0 * (a0[x] OP b0[x]);                                                 \
        else                                                                                   \
            for (int x = 0; x < len; x++)                                                      \
                d[x] = w0 * (a0[x] OP b0[x]);                                                  \
    }
SK_PAIRS_ROW(pairs_sum, +)
SK_PAIRS_ROW(pairs_dif, -)
#undef SK_PAIRS_ROW

/* One output row d[0..len) = sum_k wt[k] row[k][0..len), k = 0..2r, for
 * weights with symmetry sign (+1 or -1), through the tap pairs (k, -k). The
 * centre tap starts the sum; it is 0 for the antisymmetric order 1, which
 * starts with the first pair instead. */
#define SK_PAIRS_PER_SWEEP 4
static inline void sym_row(float *restrict d, int len, int r, const float *wt, int sign,
                    const float *const *row)
{
    int first = 1;
    if (sign > 0) {
        const float *restrict c = row[r];
        const float wc = wt[r];
        for (int x = 0; x < len; x++)
            d[x] = wc * c[x];
        first = 0;
    }
    for (int k = 1; k <= r; k += SK_PAIRS_PER_SWEEP) {
        const int n = r - k + 1 < SK_PAIRS_PER_SWEEP ? r - k + 1 : SK_PAIRS_PER_SWEEP;
        const float *pa[SK_PAIRS_PER_SWEEP], *pb[SK_PAIRS_PER_SWEEP];
        float pw[SK_PAIRS_PER_SWEEP];
        for (int j = 0; j < n; j++) {
            pa[j] = row[r + k + j];
            pb[j] = row[r - k - j];
            pw[j] = wt[r + k + j];
        }
        if (sign > 0)
            pairs_sum(d, pa, pb, pw, n, first, len);
        else
            pairs_dif(d, pa, pb, pw, n, first, len);
        first = 0;
    }
}

static inline void cols_impl(const float *src, size_t ss, float *dst, size_t ds, int w, int h,
                      const float *wt, int r)
{
    const int sym = weights_symmetry(wt, r);
    const float *row[2 * SK_GAUSS_MAX_RADIUS + 1];
    for (int y = 0; y < h; y++) {
        float *restrict d = dst + (size_t)y * ds;
        const int inside = y >= r && y + r < h; /* no mirroring (and no division) */
        for (int k = 0; k <= 2 * r; k++)
            row[k] = src + (size_t)(inside ? y + k - r : sk_reflect(y + k - r, h)) * ss;
        if (sym) {
            sym_row(d, w, r, wt, sym, row);
            continue;
        }
        const float *restrict s0 = row[0];
        const float w0 = wt[0];
        for (int x = 0; x < w; x++)
            d[x] = w0 * s0[x];
        for (int k = 1; k <= 2 * r; k++) {
            const float wk = wt[k];
            if (wk == 0.0f)
                continue;
            const float *restrict sk = row[k];
            for (int x = 0; x < w; x++)
                d[x] += wk * sk[x];
        }
    }
}

static inline void rows_impl(const float *src, size_t ss, float *dst, size_t ds, int w, int h,
                      const float *wt, int r, float *pad)
{
    const int sym = weights_symmetry(wt, r);
    const float *row[2 * SK_GAUSS_MAX_RADIUS + 1];
    for (int y = 0; y < h; y++) {
        const float *s = src + (size_t)y * ss;
        float *restrict p = pad;
        for (int i = 0; i < r; i++)
            p[i] = s[sk_reflect(i - r, w)];
        memcpy(p + r, s, (size_t)w * sizeof(float));
        for (int i = 0; i < r; i++)
            p[r + w + i] = s[sk_reflect(w + i, w)];
        float *restrict d = dst + (size_t)y * ds;
        if (sym) {
            for (int k = 0; k <= 2 * r; k++)
                row[k] = p + k;
            sym_row(d, w, r, wt, sym, row);
            continue;
        }
        const float w0 = wt[0];
        for (int x = 0; x < w; x++)
            d[x] = w0 * p[x];
        for (int k = 1; k <= 2 * r; k++) {
            const float wk = wt[k];
            if (wk == 0.0f)
                continue;
            const float *restrict pk = p + k;
            for (int x = 0; x < w; x++)
                d[x] += wk * pk[x];
        }
    }
}

/* Frangi et al. (1998) vesselness from the Hessian, per pixel of one row.
 * Eigenvalues sorted |l1| <= |l2|; dark ridges (valleys) have l2 > 0. */
static void frangi_row_impl(const float *restrict xx, const float *restrict xy,
                            const float *restrict yy, float *restrict out, int w, float s2,
                            float beta2, float c2, int dark)
{
    for (int x = 0; x < w; x++) {
        float a = xx[x] * s2, b = xy[x] * s2, c = yy[x] * s2;
        float tr = 0.5f * (a + c);
        float df = 0.5f * (a - c);
        float root = sqrtf(df * df + b * b);
        float e1 = tr + root, e2 = tr - root;
        float l1 = fabsf(e1) <= fabsf(e2) ? e1 : e2;
        float l2 = fabsf(e1) <= fabsf(e2) ? e2 : e1;
        float rb2 = (l1 * l1) / (l2 * l2 + 1e-20f);
        float s = l1 * l1 + l2 * l2;
        float v = expf(-rb2 / (2.0f * beta2)) * (1.0f - expf(-s / (2.0f * c2)));
        int wanted = dark ? (l2 > 0.0f) : (l2 < 0.0f);
        out[x] = wanted ? v : 0.0f;
    }
}
