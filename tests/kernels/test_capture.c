/* Capture-quality sums (kernels/stats/capture.c): the definition computed
 * directly in double on small images, and the AVX2 pass against the plain-C
 * one (float sums bit for bit, the linear sums to rounding). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "pstats.h"
#include "testutil.h"

static double decode(double v)
{
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

/* Random planes with some clipped and some dark pixels, and a mask. */
static void make(int w, int h, sk_test_rng *rng, sk_image_t **img, uint8_t **mask)
{
    cr_assert_eq(sk_image_new(w, h, 3, img), SK_OK);
    for (int c = 0; c < 3; c++)
        sk_test_fill_uniform(sk_image_plane(*img, c), (*img)->stride, w, h, 0.0f, 1.0f, rng);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double u = sk_test_rng_uniform(rng);
            for (int c = 0; c < 3; c++) {
                float *p = sk_image_plane(*img, c) + (size_t)y * (*img)->stride + x;
                if (u < 0.05)
                    *p = 1.0f; /* clipped */
                else if (u < 0.10)
                    *p = 1.0f / 255.0f; /* dark */
            }
        }
    *mask = malloc((size_t)w * h);
    for (size_t i = 0; i < (size_t)w * h; i++)
        (*mask)[i] = sk_test_rng_uniform(rng) < 0.7 ? (uint8_t)(1 + (i % 200)) : 0;
}

Test(capture, sums_match_the_definition)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed());
    const int sizes[][2] = {{1, 1}, {3, 2}, {17, 9}, {64, 33}, {129, 40}};
    for (size_t t = 0; t < sizeof sizes / sizeof *sizes; t++) {
        const int w = sizes[t][0], h = sizes[t][1];
        sk_image_t *img;
        uint8_t *mask;
        make(w, h, &rng, &img, &mask);
        const float *R = sk_image_plane(img, 0), *G = sk_image_plane(img, 1),
                    *B = sk_image_plane(img, 2);
        const size_t s = img->stride;
        for (int masked = 0; masked < 2; masked++) {
            const uint8_t *m = masked ? mask : NULL;
            double n = 0, luma = 0, clip = 0, dark = 0, lap2 = 0, nlap = 0, lr = 0, lg = 0, lb = 0;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    if (m && !m[(size_t)y * w + x])
                        continue;
                    size_t i = (size_t)y * s + x;
                    double Y = 0.2126 * R[i] + 0.7152 * G[i] + 0.0722 * B[i];
                    n++;
                    luma += Y;
                    clip += R[i] >= 254.5f / 255 || G[i] >= 254.5f / 255 || B[i] >= 254.5f / 255;
                    dark += R[i] <= 2.0f / 255 && G[i] <= 2.0f / 255 && B[i] <= 2.0f / 255;
                    if (x > 0 && x < w - 1 && y > 0 && y < h - 1) {
#define LY(j) (0.2126 * R[j] + 0.7152 * G[j] + 0.0722 * B[j])
                        double lap = 4 * Y - LY(i - 1) - LY(i + 1) - LY(i - s) - LY(i + s);
#undef LY
                        lap2 += lap * lap;
                        nlap++;
                    }
                    if (!(x & 1) && !(y & 1)) {
                        lr += decode(R[i]);
                        lg += decode(G[i]);
                        lb += decode(B[i]);
                    }
                }
            for (int simd = 0; simd < 2; simd++) {
                if (simd && !sk_simd_supported(SK_SIMD_AVX2))
                    continue;
                sk_simd prev = sk_simd_force(simd ? SK_SIMD_AVX2 : SK_SIMD_SCALAR);
                sk_capture_sums c;
                cr_assert_eq(sk_stats_capture(R, G, B, s, m, (size_t)w, w, h, &c), SK_OK);
                sk_simd_force(prev);
                const double tol = 1e-5;
                cr_assert_eq(c.n, n, "%dx%d: n %g vs %g", w, h, c.n, n);
                cr_assert_eq(c.clipped, clip);
                cr_assert_eq(c.dark, dark);
                cr_assert_eq(c.nlap, nlap);
                cr_assert_float_eq(c.luma, luma, tol * (1 + luma), "%dx%d: luma", w, h);
                cr_assert_float_eq(c.lap2, lap2, tol * (1 + lap2), "%dx%d: lap2", w, h);
                cr_assert_float_eq(c.lin_r, lr, tol * (1 + lr), "%dx%d: lin_r", w, h);
                cr_assert_float_eq(c.lin_g, lg, tol * (1 + lg));
                cr_assert_float_eq(c.lin_b, lb, tol * (1 + lb));
            }
        }
        free(mask);
        sk_image_free(img);
    }
}

Test(capture, avx2_float_sums_bit_exact_with_scalar)
{
    if (!sk_simd_supported(SK_SIMD_AVX2))
        cr_skip_test("no AVX2 on this CPU");
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 1);
    for (int w = 1; w <= 41; w += 4)
        for (int h = 1; h <= 7; h += 3) {
            sk_image_t *img;
            uint8_t *mask;
            make(w, h, &rng, &img, &mask);
            for (int masked = 0; masked < 2; masked++) {
                const uint8_t *m = masked ? mask : NULL;
                float *buf = sk_alloc_floats(4 * (size_t)w + 32);
                sk_capture_sums a, b;
                sk_stats_capture_scalar(sk_image_plane(img, 0), sk_image_plane(img, 1),
                                        sk_image_plane(img, 2), img->stride, m, (size_t)w, w, h,
                                        buf, &a);
                sk_stats_capture_avx2(sk_image_plane(img, 0), sk_image_plane(img, 1),
                                      sk_image_plane(img, 2), img->stride, m, (size_t)w, w, h, buf,
                                      &b);
                sk_free(buf);
                cr_assert_eq(a.n, b.n, "%dx%d", w, h);
                cr_assert_eq(a.luma, b.luma, "%dx%d masked %d: %.17g vs %.17g", w, h, masked,
                             a.luma, b.luma);
                cr_assert_eq(a.clipped, b.clipped);
                cr_assert_eq(a.dark, b.dark);
                cr_assert_eq(a.lap2, b.lap2, "%dx%d: %.17g vs %.17g", w, h, a.lap2, b.lap2);
                cr_assert_eq(a.nlap, b.nlap);
                cr_assert_float_eq(a.lin_r, b.lin_r, 1e-12 * (1 + a.lin_r));
                cr_assert_float_eq(a.lin_g, b.lin_g, 1e-12 * (1 + a.lin_g));
                cr_assert_float_eq(a.lin_b, b.lin_b, 1e-12 * (1 + a.lin_b));
            }
            free(mask);
            sk_image_free(img);
        }
}

Test(capture, bad_arguments_refused)
{
    float p[4] = {0};
    sk_capture_sums c;
    cr_assert_eq(sk_stats_capture(NULL, p, p, 2, NULL, 0, 2, 2, &c), SK_ERR_ARG);
    cr_assert_eq(sk_stats_capture(p, p, p, 1, NULL, 0, 2, 2, &c), SK_ERR_ARG);
    cr_assert_eq(sk_stats_capture(p, p, p, 2, NULL, 0, 0, 2, &c), SK_ERR_ARG);
    cr_assert_eq(sk_stats_capture(p, p, p, 2, (const uint8_t *)p, 1, 2, 2, &c), SK_ERR_ARG);
}
