/* The multi-scale valley maximum row (kernels/filter/ridge_max.c): the
 * definition on hand-made Hessians, the AVX2 row against the plain-C one,
 * and the AVX2 exponential against the C library's. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pfilter.h"
#include "testutil.h"

static int32_t ulp_diff(float a, float b)
{
    int32_t ia, ib;
    memcpy(&ia, &a, 4);
    memcpy(&ib, &b, 4);
    return ia > ib ? ia - ib : ib - ia;
}

Test(ridge_max, avx2_expf_within_2_ulp)
{
    if (!sk_simd_supported(SK_SIMD_AVX2))
        cr_skip_test("no AVX2 on this CPU");
    int32_t worst = 0;
    for (float x = -87.0f; x <= 0.0f; x += 0.000731f) {
        int32_t d = ulp_diff(sk_filter_expf_avx2(x), expf(x));
        worst = d > worst ? d : worst;
    }
    cr_assert_leq(worst, 2, "worst %d ulp", worst);
    cr_assert_eq(sk_filter_expf_avx2(-200.0f), 0.0f);
    cr_assert_eq(sk_filter_expf_avx2(0.0f), 1.0f);
}

/* A valley along y (D_xx > 0, D_yy = D_xy = 0): la = D_xx, rb = 0, r = la
 * inv_noise, normal (1, 0); a blob (D_xx = D_yy) is damped by exp(-ib2);
 * a ridge of the wrong polarity (la <= 0) and a weaker response than the
 * stored maximum leave the pixel alone. */
Test(ridge_max, definition_on_hand_made_hessians)
{
    const float hxx[4] = {2.0f, 1.0f, -1.0f, 0.5f}, hyy[4] = {0.0f, 1.0f, -2.0f, 0.0f},
                hxy[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int simd = 0; simd < 2; simd++) {
        if (simd && !sk_simd_supported(SK_SIMD_AVX2))
            continue;
        sk_simd prev = sk_simd_force(simd ? SK_SIMD_AVX2 : SK_SIMD_SCALAR);
        float R[4] = {0, 0, 0, 10.0f}, nx[4] = {9, 9, 9, 9}, ny[4] = {9, 9, 9, 9}, scr[8];
        uint8_t S[4] = {7, 7, 7, 7};
        const sk_ridge_max_params p = {4.0f, 1.5f, 0.5f, 3};
        sk_filter_ridge_max_row(hxx, hxy, hyy, 4, &p, R, S, nx, ny, scr);
        sk_simd_force(prev);
        cr_assert_float_eq(R[0], 8.0f * 0.5f, 1e-6);
        cr_assert_eq(S[0], 3);
        cr_assert_float_eq(nx[0], 1.0f, 1e-7);
        cr_assert_float_eq(ny[0], 0.0f, 1e-7);
        cr_assert_float_eq(R[1], 4.0f * expf(-1.5f) * 0.5f, 1e-6);
        cr_assert_eq(R[2], 0.0f);
        cr_assert_eq(S[2], 7);
        cr_assert_eq(R[3], 10.0f);
        cr_assert_eq(nx[3], 9.0f);
    }
}

Test(ridge_max, avx2_agrees_with_scalar)
{
    if (!sk_simd_supported(SK_SIMD_AVX2))
        cr_skip_test("no AVX2 on this CPU");
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 21);
    for (int w = 1; w <= 77; w += 4) {
        float *buf = calloc(3 * (size_t)w, sizeof(float));
        float *ra = calloc((size_t)w, 4), *rb = calloc((size_t)w, 4);
        float *na = calloc(2 * (size_t)w, 4), *nb = calloc(2 * (size_t)w, 4);
        float *scr = calloc(2 * (size_t)w, 4);
        uint8_t *sa = calloc((size_t)w, 1), *sb = calloc((size_t)w, 1);
        for (int k = 0; k < 4; k++) {
            for (int i = 0; i < 3 * w; i++)
                buf[i] = (float)sk_test_rng_gauss(&rng) / (1.0f + k);
            const sk_ridge_max_params p = {(float)((1 + k) * (1 + k)), 1.39f, 0.7f, k};
            sk_filter_ridge_max_row_scalar(buf, buf + w, buf + 2 * w, w, &p, ra, sa, na, na + w,
                                           scr);
            sk_filter_ridge_max_row_avx2(buf, buf + w, buf + 2 * w, w, &p, rb, sb, nb, nb + w, scr);
            for (int x = 0; x < w; x++) {
                cr_assert_leq(ulp_diff(ra[x], rb[x]), 4, "w %d scale %d x %d: %.9g vs %.9g", w, k,
                              x, ra[x], rb[x]);
                cr_assert_eq(sa[x], sb[x], "w %d scale %d x %d", w, k, x);
                cr_assert_eq(na[x], nb[x]);
                cr_assert_eq(na[w + x], nb[w + x]);
            }
        }
        free(buf), free(ra), free(rb), free(na), free(nb), free(scr), free(sa), free(sb);
    }
}
