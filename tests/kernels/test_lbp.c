/* Uniform LBP (P = 8, R = 1): hand-made 3x3 patterns, the bilinear
 * definition, scalar vs AVX2 bit-exact, border and histograms. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ptexture.h"
#include "testutil.h"

static const int WIDTHS[] = {1, 7, 31, 33, 1000};
#define NW (int)(sizeof WIDTHS / sizeof WIDTHS[0])

static void code3(const float p[9], uint8_t *u, uint8_t *n)
{
    uint8_t c[9];
    cr_assert_eq(sk_texture_lbp(p, 3, 3, 3, SK_LBP_UNIFORM, c, 3), SK_OK);
    *u = c[4];
    for (int i = 0; i < 9; i++)
        if (i != 4)
            cr_assert_eq(c[i], 255, "border pixel %d", i);
    cr_assert_eq(sk_texture_lbp(p, 3, 3, 3, SK_LBP_NRI_UNIFORM, c, 3), SK_OK);
    *n = c[4];
}

Test(lbp, hand_patterns)
{
    uint8_t u, n;
    const float flat[9] = {5, 5, 5, 5, 5, 5, 5, 5, 5};
    code3(flat, &u, &n);
    cr_assert_eq(u, 8); /* all neighbours >= centre */
    cr_assert_eq(n, 57);
    const float peak[9] = {1, 1, 1, 1, 9, 1, 1, 1, 1};
    code3(peak, &u, &n);
    cr_assert_eq(u, 0);
    cr_assert_eq(n, 0);
    const float pit[9] = {9, 9, 9, 9, 1, 9, 9, 9, 9};
    code3(pit, &u, &n);
    cr_assert_eq(u, 8);
    /* a vertical edge: left 0, middle 5, right 10 -> E NE N S SE on (5 ones,
     * pattern 0b11000111), uniform; nri: first zero 3 -> rotation 5 - 3 */
    const float edge[9] = {0, 5, 10, 0, 5, 10, 0, 5, 10};
    code3(edge, &u, &n);
    cr_assert_eq(u, 5);
    cr_assert_eq(n, 1 + 4 * 8 + 2);
    /* only E and W above the centre: two separate ones, not uniform */
    const float ew[9] = {0, 0, 0, 10, 5, 10, 0, 0, 0};
    code3(ew, &u, &n);
    cr_assert_eq(u, 9);
    cr_assert_eq(n, 58);
    /* only east brighter (others darker): one 1 at bit 0 */
    const float e[9] = {0, 0, 0, 0, 5, 20, 0, 0, 0};
    code3(e, &u, &n);
    cr_assert_eq(u, 1);
    cr_assert_eq(n, 1);
    /* the diagonal is interpolated: NE pixel bright but E and N much darker
     * -> the NE sample 0.29(-5-5) + 0.71(d-5) decides: d = 9 gives -2.93+2.83 < 0 */
    const float ne[9] = {0, 0, 9, 0, 5, 0, 0, 0, 0};
    code3(ne, &u, &n);
    cr_assert_eq(u, 0);
    const float ne2[9] = {0, 0, 10, 0, 5, 0, 0, 0, 0};
    code3(ne2, &u, &n); /* -2.93 + 3.54 > 0: bit 1 alone */
    cr_assert_eq(u, 1);
    cr_assert_eq(n, 1 + 0 * 8 + 7); /* first one at bit 1: rotation 8 - 1 */
}

Test(lbp, tables_cover_all_codes)
{
    const uint8_t *u = sk_texture_lbp_lut(SK_LBP_UNIFORM), *n = sk_texture_lbp_lut(SK_LBP_NRI_UNIFORM);
    int seen_u[10] = {0}, seen_n[59] = {0};
    for (int p = 0; p < 256; p++) {
        cr_assert_leq(u[p], 9);
        cr_assert_leq(n[p], 58);
        seen_u[u[p]]++;
        seen_n[n[p]]++;
    }
    /* 58 uniform patterns: 1 + 8*7 + 1; 198 non-uniform */
    cr_assert_eq(seen_u[9], 198);
    cr_assert_eq(seen_n[58], 198);
    for (int k = 0; k < 58; k++)
        cr_assert_eq(seen_n[k], 1, "nri code %d", k);
    for (int k = 1; k < 8; k++)
        cr_assert_eq(seen_u[k], 8);
}

/* bit k from the bilinear sample on the circle, evaluated in double */
static int slow_bits(const float *s, size_t ss, int x, int y, double *margin)
{
    const double t = M_SQRT1_2;
    const double c = s[(size_t)y * ss + x];
    int bits = 0;
    *margin = INFINITY;
    for (int k = 0; k < 8; k++) {
        double ang = 2 * M_PI * k / 8;
        double fx = x + cos(ang), fy = y - sin(ang);
        if (k % 2 == 0) {
            fx = round(fx);
            fy = round(fy);
        }
        int x0 = (int)floor(fx + 1e-12), y0 = (int)floor(fy + 1e-12);
        double ax = fx - x0, ay = fy - y0;
        if (ax < 1e-9)
            ax = 0;
        if (ay < 1e-9)
            ay = 0;
        int x1 = ax > 0 ? x0 + 1 : x0, y1 = ay > 0 ? y0 + 1 : y0;
        double v = (1 - ax) * (1 - ay) * s[(size_t)y0 * ss + x0] + ax * (1 - ay) * s[(size_t)y0 * ss + x1] +
                   (1 - ax) * ay * s[(size_t)y1 * ss + x0] + ax * ay * s[(size_t)y1 * ss + x1];
        (void)t;
        bits |= (v - c >= 0) << k;
        if (fabs(v - c) < *margin)
            *margin = fabs(v - c);
    }
    return bits;
}

Test(lbp, scalar_matches_bilinear_definition)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed() + 11);
    const uint8_t *lu = sk_texture_lbp_lut(SK_LBP_UNIFORM), *ln = sk_texture_lbp_lut(SK_LBP_NRI_UNIFORM);
    for (int t = 0; t < NW; t++) {
        const int w = WIDTHS[t], h = 11;
        const size_t ss = (size_t)w + 3, ds = (size_t)w + 5;
        float *s = malloc(sizeof(float) * ss * h);
        uint8_t *u = malloc(ds * h), *n = malloc(ds * h);
        sk_test_fill_uniform(s, ss, w, h, 0, 1, &r);
        sk_texture_lbp_scalar(s, ss, w, h, SK_LBP_UNIFORM, u, ds);
        sk_texture_lbp_scalar(s, ss, w, h, SK_LBP_NRI_UNIFORM, n, ds);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
                    cr_assert_eq(u[(size_t)y * ds + x], 255);
                    cr_assert_eq(n[(size_t)y * ds + x], 255);
                    continue;
                }
                double margin;
                int b = slow_bits(s, ss, x, y, &margin);
                if (margin < 1e-5)
                    continue; /* too close to a tie to decide in float */
                cr_assert_eq(u[(size_t)y * ds + x], lu[b], "w %d (%d,%d)", w, x, y);
                cr_assert_eq(n[(size_t)y * ds + x], ln[b], "w %d (%d,%d)", w, x, y);
            }
        free(s);
        free(u);
        free(n);
    }
}

Test(lbp, avx2_bit_exact_with_scalar)
{
    if (!sk_simd_supported(SK_SIMD_AVX2))
        cr_skip_test("no AVX2");
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed() + 12);
    for (int t = 0; t < NW; t++)
        for (int quant = 0; quant <= 1; quant++) {
            const int w = WIDTHS[t], h = 17;
            const size_t ss = (size_t)w + 7, ds = (size_t)w + 1;
            float *s = malloc(sizeof(float) * ss * h);
            uint8_t *a = malloc(ds * h), *b = malloc(ds * h);
            sk_test_fill_uniform(s, ss, w, h, 0, 4, &r);
            if (quant) /* many ties */
                for (size_t i = 0; i < ss * h; i++)
                    s[i] = floorf(s[i]);
            for (int m = 0; m <= 1; m++) {
                memset(a, 7, ds * h);
                memset(b, 7, ds * h);
                sk_texture_lbp_scalar(s, ss, w, h, (sk_lbp_method)m, a, ds);
                sk_texture_lbp_avx2(s, ss, w, h, (sk_lbp_method)m, b, ds);
                for (int y = 0; y < h; y++)
                    cr_assert_eq(memcmp(a + (size_t)y * ds, b + (size_t)y * ds, (size_t)w), 0,
                                 "w %d quant %d method %d row %d", w, quant, m, y);
            }
            free(s);
            free(a);
            free(b);
        }
}

Test(lbp, histogram_with_mask)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed() + 13);
    for (int t = 0; t < NW; t++) {
        const int w = WIDTHS[t], h = 9;
        const size_t cs = (size_t)w + 2, ms = (size_t)w + 4;
        float *s = malloc(sizeof(float) * w * h);
        uint8_t *c = malloc(cs * h), *m = malloc(ms * h);
        sk_test_fill_uniform(s, w, w, h, 0, 1, &r);
        for (size_t i = 0; i < ms * h; i++)
            m[i] = sk_test_rng_uniform(&r) < 0.5;
        cr_assert_eq(sk_texture_lbp(s, w, w, h, SK_LBP_NRI_UNIFORM, c, cs), SK_OK);
        uint64_t hist[59], ref[59] = {0};
        cr_assert_eq(sk_texture_lbp_histogram_n(c, cs, m, ms, w, h, 59, hist), SK_OK);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (m[(size_t)y * ms + x] && c[(size_t)y * cs + x] < 59)
                    ref[c[(size_t)y * cs + x]]++;
        cr_assert_eq(memcmp(hist, ref, sizeof ref), 0, "w %d", w);
        uint64_t h10[10], all = 0;
        cr_assert_eq(sk_texture_lbp_uniform(s, w, w, h, c, cs), SK_OK);
        cr_assert_eq(sk_texture_lbp_histogram(c, cs, NULL, 0, w, h, h10), SK_OK);
        for (int k = 0; k < 10; k++)
            all += h10[k];
        cr_assert_eq(all, (uint64_t)(w > 2 ? (w - 2) * (h - 2) : 0), "w %d interior", w);
        free(s);
        free(c);
        free(m);
    }
    uint8_t c0[1] = {0};
    uint64_t hh[10];
    cr_assert_eq(sk_texture_lbp_histogram_n(c0, 1, NULL, 0, 1, 1, 256, hh), SK_ERR_ARG);
    float f[1] = {0};
    cr_assert_eq(sk_texture_lbp(f, 1, 1, 1, (sk_lbp_method)5, c0, 1), SK_ERR_ARG);
}
