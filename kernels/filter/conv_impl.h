/* The separable correlation passes, written once so that the compiler
 * vectorises them for each instruction set they are compiled for
 * (conv.c: baseline; conv_avx2.c: AVX2 + FMA). The inner loops run over
 * contiguous x with restrict pointers. Included only by those two files. */
#include <string.h>

#include "pfilter.h"

static void cols_impl(const float *src, size_t ss, float *dst, size_t ds, int w, int h,
                      const float *wt, int r)
{
    for (int y = 0; y < h; y++) {
        float *restrict d = dst + (size_t)y * ds;
        const float *restrict s0 = src + (size_t)sk_reflect(y - r, h) * ss;
        const float w0 = wt[0];
        for (int x = 0; x < w; x++)
            d[x] = w0 * s0[x];
        for (int k = 1; k <= 2 * r; k++) {
            const float wk = wt[k];
            if (wk == 0.0f)
                continue;
            const float *restrict sk = src + (size_t)sk_reflect(y + k - r, h) * ss;
            for (int x = 0; x < w; x++)
                d[x] += wk * sk[x];
        }
    }
}

static void rows_impl(const float *src, size_t ss, float *dst, size_t ds, int w, int h,
                      const float *wt, int r, float *pad)
{
    for (int y = 0; y < h; y++) {
        const float *s = src + (size_t)y * ss;
        float *restrict p = pad;
        for (int i = 0; i < r; i++)
            p[i] = s[sk_reflect(i - r, w)];
        memcpy(p + r, s, (size_t)w * sizeof(float));
        for (int i = 0; i < r; i++)
            p[r + w + i] = s[sk_reflect(w + i, w)];
        float *restrict d = dst + (size_t)y * ds;
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
