/* Uniform local binary patterns, P = 8, R = 1: scalar reference, dispatch
 * and histograms. */
#include <string.h>

#include "ptexture.h"

void sk_texture_lbp_patterns_scalar(const float *restrict r0, const float *restrict r1,
                                    const float *restrict r2, int w, uint8_t *restrict pat)
{
    const float wa = SK_LBP_WA, wb = SK_LBP_WB;
    for (int x = 1; x < w - 1; x++) {
        const float c = r1[x];
        const float de = r1[x + 1] - c, dn = r0[x] - c, dw = r1[x - 1] - c, ds = r2[x] - c;
        /* bilinear diagonal sample minus the centre, divided by 1/√2 (the
         * centre's own weight cancels): exact 0 on a flat patch */
        const float dne = wa * (de + dn) + wb * (r0[x + 1] - c);
        const float dnw = wa * (dn + dw) + wb * (r0[x - 1] - c);
        const float dsw = wa * (dw + ds) + wb * (r2[x - 1] - c);
        const float dse = wa * (ds + de) + wb * (r2[x + 1] - c);
        pat[x] = (uint8_t)((de >= 0) | (dne >= 0) << 1 | (dn >= 0) << 2 | (dnw >= 0) << 3 |
                           (dw >= 0) << 4 | (dsw >= 0) << 5 | (ds >= 0) << 6 | (dse >= 0) << 7);
    }
}

void sk_texture_lbp_scalar(const float *src, size_t ss, int w, int h, sk_lbp_method method,
                           uint8_t *dst, size_t ds)
{
    const uint8_t *lut = sk_texture_lbp_lut(method);
    for (int y = 0; y < h; y++) {
        uint8_t *d = dst + (size_t)y * ds;
        if (y == 0 || y == h - 1 || w < 3) {
            memset(d, 255, (size_t)w);
            continue;
        }
        sk_texture_lbp_patterns_scalar(src + (size_t)(y - 1) * ss, src + (size_t)y * ss,
                                       src + (size_t)(y + 1) * ss, w, d);
        for (int x = 1; x < w - 1; x++)
            d[x] = lut[d[x]];
        d[0] = d[w - 1] = 255;
    }
}

int sk_texture_lbp(const float *src, size_t ss, int w, int h, sk_lbp_method method, uint8_t *dst,
                   size_t ds)
{
    if (!src || !dst || w < 1 || h < 1 || ss < (size_t)w || ds < (size_t)w ||
        (method != SK_LBP_UNIFORM && method != SK_LBP_NRI_UNIFORM))
        return sk_error_set(SK_ERR_ARG, "lbp: bad argument (w %d, h %d, method %d)", w, h,
                            (int)method);
    if (sk_simd_level() == SK_SIMD_AVX2)
        sk_texture_lbp_avx2(src, ss, w, h, method, dst, ds);
    else
        sk_texture_lbp_scalar(src, ss, w, h, method, dst, ds);
    return SK_OK;
}

int sk_texture_lbp_uniform(const float *src, size_t ss, int w, int h, uint8_t *dst, size_t ds)
{
    return sk_texture_lbp(src, ss, w, h, SK_LBP_UNIFORM, dst, ds);
}

int sk_texture_lbp_histogram_n(const uint8_t *codes, size_t cs, const uint8_t *mask, size_t ms,
                               int w, int h, int nbins, uint64_t *hist)
{
    if (!codes || !hist || w < 1 || h < 1 || nbins < 1 || nbins > 255 || cs < (size_t)w ||
        (mask && ms < (size_t)w))
        return sk_error_set(SK_ERR_ARG, "lbp_histogram: bad argument");
    /* two partial histograms of 256 bins (no range check in the loop);
     * masked-off pixels go to bin 255, which is never reported */
    uint64_t part[2][256];
    memset(part, 0, sizeof part);
    for (int y = 0; y < h; y++) {
        const uint8_t *c = codes + (size_t)y * cs;
        const uint8_t *m = mask ? mask + (size_t)y * ms : NULL;
        int x = 0;
        if (m) {
            for (; x + 2 <= w; x += 2) {
                part[0][m[x] ? c[x] : 255]++;
                part[1][m[x + 1] ? c[x + 1] : 255]++;
            }
            for (; x < w; x++)
                part[0][m[x] ? c[x] : 255]++;
        } else {
            for (; x + 2 <= w; x += 2) {
                part[0][c[x]]++;
                part[1][c[x + 1]]++;
            }
            for (; x < w; x++)
                part[0][c[x]]++;
        }
    }
    for (int b = 0; b < nbins; b++)
        hist[b] = part[0][b] + part[1][b];
    return SK_OK;
}

int sk_texture_lbp_histogram(const uint8_t *codes, size_t cs, const uint8_t *mask, size_t ms,
                             int w, int h, uint64_t hist[10])
{
    return sk_texture_lbp_histogram_n(codes, cs, mask, ms, w, h, 10, hist);
}
