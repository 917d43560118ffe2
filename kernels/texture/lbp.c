/* Rotation-invariant uniform local binary patterns, P = 8, R = 1. */
#include <math.h>
#include <string.h>

#include "sk_kernels.h"

int sk_texture_lbp_uniform(const float *src, size_t ss, int w, int h, uint8_t *dst, size_t ds)
{
    if (!src || !dst || w < 1 || h < 1)
        return sk_error_set(SK_ERR_ARG, "lbp: bad argument");
    /* sample points at angles 2 pi k / 8 (k = 0: +x, counter-clockwise in
     * image rows as scikit-image: (-sin, cos) offsets in (row, col)) */
    const float a = (float)(1.0 - M_SQRT1_2), b = (float)M_SQRT1_2; /* bilinear weights */
    for (int y = 0; y < h; y++) {
        uint8_t *d = dst + (size_t)y * ds;
        if (y == 0 || y == h - 1) {
            memset(d, 255, (size_t)w);
            continue;
        }
        const float *r0 = src + (size_t)(y - 1) * ss, *r1 = src + (size_t)y * ss,
                    *r2 = src + (size_t)(y + 1) * ss;
        d[0] = 255;
        if (w > 1)
            d[w - 1] = 255;
        for (int x = 1; x < w - 1; x++) {
            float c = r1[x];
            /* diagonal samples: bilinear between the centre's 2x2 cell */
            float ne = a * a * r1[x] + a * b * (r1[x + 1] + r0[x]) + b * b * r0[x + 1];
            float nw = a * a * r1[x] + a * b * (r1[x - 1] + r0[x]) + b * b * r0[x - 1];
            float sw = a * a * r1[x] + a * b * (r1[x - 1] + r2[x]) + b * b * r2[x - 1];
            float se = a * a * r1[x] + a * b * (r1[x + 1] + r2[x]) + b * b * r2[x + 1];
            float s[8] = {r1[x + 1], ne, r0[x], nw, r1[x - 1], sw, r2[x], se};
            int bits[8], ones = 0, trans = 0;
            for (int k = 0; k < 8; k++) {
                bits[k] = s[k] >= c;
                ones += bits[k];
            }
            for (int k = 0; k < 8; k++)
                trans += bits[k] != bits[(k + 1) & 7];
            d[x] = (uint8_t)(trans <= 2 ? ones : 9);
        }
    }
    return SK_OK;
}

int sk_texture_lbp_histogram(const uint8_t *codes, size_t cs, const uint8_t *mask, size_t ms,
                             int w, int h, uint64_t hist[10])
{
    if (!codes || !hist || w < 1 || h < 1)
        return sk_error_set(SK_ERR_ARG, "lbp_histogram: bad argument");
    memset(hist, 0, 10 * sizeof *hist);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            if (mask && !mask[(size_t)y * ms + x])
                continue;
            uint8_t c = codes[(size_t)y * cs + x];
            if (c < 10)
                hist[c]++;
        }
    return SK_OK;
}
