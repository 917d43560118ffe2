/* Grey-level quantisation, co-occurrence matrices and Haralick properties. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sk_kernels.h"

int sk_texture_quantise(const float *src, size_t ss, int w, int h, double lo, double hi,
                        int levels, uint8_t *dst, size_t ds)
{
    if (!src || !dst || w < 1 || h < 1 || levels < 2 || levels > 256 || !(hi > lo))
        return sk_error_set(SK_ERR_ARG, "quantise: bad argument");
    const float k = (float)(levels / (hi - lo)), l0 = (float)lo;
    const int top = levels - 1;
    for (int y = 0; y < h; y++) {
        const float *s = src + (size_t)y * ss;
        uint8_t *d = dst + (size_t)y * ds;
        for (int x = 0; x < w; x++) {
            float v = floorf((s[x] - l0) * k);
            int q = isnan(v) ? 0 : v < 0 ? 0 : v > top ? top : (int)v;
            d[x] = (uint8_t)q;
        }
    }
    return SK_OK;
}

int sk_texture_glcm(const uint8_t *q, size_t qs, const uint8_t *mask, size_t ms, int w, int h,
                    int levels, int dx, int dy, int symmetric, uint64_t *glcm, uint64_t *pairs)
{
    if (!q || !glcm || w < 1 || h < 1 || levels < 2 || levels > 256)
        return sk_error_set(SK_ERR_ARG, "glcm: bad argument");
    memset(glcm, 0, (size_t)levels * levels * sizeof *glcm);
    uint64_t n = 0;
    int x0 = dx < 0 ? -dx : 0, x1 = dx > 0 ? w - dx : w;
    int y0 = dy < 0 ? -dy : 0, y1 = dy > 0 ? h - dy : h;
    for (int y = y0; y < y1; y++) {
        const uint8_t *a = q + (size_t)y * qs, *b = q + (size_t)(y + dy) * qs + dx;
        const uint8_t *ma = mask ? mask + (size_t)y * ms : NULL;
        const uint8_t *mb = mask ? mask + (size_t)(y + dy) * ms + dx : NULL;
        for (int x = x0; x < x1; x++) {
            if (mask && (!ma[x] || !mb[x]))
                continue;
            int i = a[x], j = b[x];
            if (i >= levels || j >= levels)
                continue;
            glcm[(size_t)i * levels + j]++;
            if (symmetric)
                glcm[(size_t)j * levels + i]++;
            n++;
        }
    }
    if (pairs)
        *pairs = n;
    return SK_OK;
}

int sk_texture_haralick(const uint64_t *glcm, int levels, sk_haralick_t *o)
{
    if (!glcm || !o || levels < 2)
        return sk_error_set(SK_ERR_ARG, "haralick: bad argument");
    double total = 0;
    for (size_t k = 0; k < (size_t)levels * levels; k++)
        total += (double)glcm[k];
    memset(o, 0, sizeof *o);
    if (total <= 0)
        return sk_error_set(SK_ERR_ARG, "haralick: empty matrix");
    double mi = 0, mj = 0;
    for (int i = 0; i < levels; i++)
        for (int j = 0; j < levels; j++) {
            double p = (double)glcm[(size_t)i * levels + j] / total;
            mi += i * p;
            mj += j * p;
        }
    double vi = 0, vj = 0, cov = 0;
    for (int i = 0; i < levels; i++)
        for (int j = 0; j < levels; j++) {
            double p = (double)glcm[(size_t)i * levels + j] / total;
            if (p == 0)
                continue;
            double d = i - j;
            o->contrast += p * d * d;
            o->dissimilarity += p * fabs(d);
            o->homogeneity += p / (1 + d * d);
            o->asm_ += p * p;
            o->entropy -= p * log2(p);
            vi += p * (i - mi) * (i - mi);
            vj += p * (j - mj) * (j - mj);
            cov += p * (i - mi) * (j - mj);
        }
    o->energy = sqrt(o->asm_);
    o->correlation = (vi < 1e-15 || vj < 1e-15) ? 1.0 : cov / sqrt(vi * vj);
    return SK_OK;
}
