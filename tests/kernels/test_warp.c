/* Affine warp, affine matrix helpers, 2x down-sample and resize. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pgeom.h"
#include "testutil.h"

static const int widths[] = {1, 7, 31, 33, 1000};
enum { NW = sizeof widths / sizeof widths[0] };

typedef void (*warp_fn)(const float *, size_t, int, int, float *, size_t, int, int,
                        const double *, const sk_warp_params *, float *, size_t);

static float *plane_rand(int w, int h, size_t ss, sk_test_rng *r)
{
    float *p = calloc(ss * (size_t)h, sizeof(float));
    cr_assert(p);
    sk_test_fill_uniform(p, ss, w, h, 0.0f, 1.0f, r);
    return p;
}

/* Every variant that handles the mode: scalar always, AVX2 for bilinear. */
static int variants(sk_interp mode, warp_fn out[2])
{
    int n = 0;
    out[n++] = sk_geom_warp_affine_scalar;
    if (mode == SK_INTERP_BILINEAR && sk_simd_supported(SK_SIMD_AVX2))
        out[n++] = sk_geom_warp_affine_avx2;
    return n;
}

Test(warp_affine, identity_is_exact_every_mode_and_width)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed());
    const double I[6] = {1, 0, 0, 0, 1, 0};
    for (int m = 0; m < 3; m++)
        for (int i = 0; i < NW; i++) {
            int w = widths[i], h = 9;
            size_t ss = (size_t)w + 7, ds = (size_t)w + 3;
            float *src = plane_rand(w, h, ss, &rng);
            float *dst = calloc(ds * h, sizeof(float)), *val = calloc(ds * h, sizeof(float));
            warp_fn fns[2];
            int nf = variants((sk_interp)m, fns);
            sk_warp_params p = {(sk_interp)m, -1.0f, 0.0};
            for (int f = 0; f < nf; f++) {
                fns[f](src, ss, w, h, dst, ds, w, h, I, &p, val, ds);
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++) {
                        cr_assert_eq(dst[y * ds + x], src[y * ss + x], "mode %d w %d", m, w);
                        cr_assert_eq(val[y * ds + x], 1.0f);
                    }
            }
            free(src);
            free(dst);
            free(val);
        }
}

Test(warp_affine, integer_shift_exact_and_outside_filled)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 1);
    const double M[6] = {1, 0, 3, 0, 1, -2}; /* dst(x, y) = src(x + 3, y - 2) */
    for (int m = 0; m < 3; m++)
        for (int i = 0; i < NW; i++) {
            int w = widths[i], h = 8;
            size_t ss = (size_t)w + 1;
            float *src = plane_rand(w, h, ss, &rng);
            float *dst = calloc(ss * h, sizeof(float)), *val = calloc(ss * h, sizeof(float));
            warp_fn fns[2];
            int nf = variants((sk_interp)m, fns);
            sk_warp_params p = {(sk_interp)m, -7.0f, 0.0};
            for (int f = 0; f < nf; f++) {
                fns[f](src, ss, w, h, dst, ss, w, h, M, &p, val, ss);
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++) {
                        int xs = x + 3, ys = y - 2;
                        int in = xs >= 0 && xs < w && ys >= 0 && ys < h;
                        float want = in ? src[ys * ss + xs] : -7.0f;
                        cr_assert_eq(dst[y * ss + x], want, "mode %d w %d (%d,%d)", m, w, x, y);
                        cr_assert_eq(val[y * ss + x], in ? 1.0f : 0.0f);
                    }
            }
            free(src);
            free(dst);
            free(val);
        }
}

Test(warp_affine, rotation_90_nearest_exact)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 2);
    for (int i = 0; i < NW; i++) {
        int sw = widths[i], sh = 13;
        float *src = plane_rand(sw, sh, (size_t)sw, &rng);
        /* dst is sh wide, sw high; dst(x, y) = src(sw - 1 - y, x). Built from
         * a similarity (cos 90 deg is not exactly 0: rounding must absorb it). */
        double R[6], M[6], shift[6] = {1, 0, 0, 0, 1, 0};
        sk_geom_affine_similarity(1.0, M_PI / 2, 0, 0, 0, 0, R); /* (x, y) -> (-y, x) */
        shift[2] = sw - 1;
        sk_geom_affine_compose(shift, R, M);
        float *dst = calloc((size_t)sh * sw, sizeof(float));
        sk_warp_params p = {SK_INTERP_NEAREST, NAN, 0.0};
        cr_assert_eq(sk_geom_warp_affine(src, sw, sw, sh, dst, sh, sh, sw, M, &p, NULL, 0), SK_OK);
        for (int y = 0; y < sw; y++)
            for (int x = 0; x < sh; x++)
                cr_assert_eq(dst[y * sh + x], src[x * sw + (sw - 1 - y)], "w %d (%d,%d)", sw, x, y);
        free(src);
        free(dst);
    }
}

/* Fill with a polynomial in (x, y). */
static void fill_poly(float *p, size_t ss, int w, int h, const double c[6])
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            p[y * ss + x] = (float)(c[0] + c[1] * x + c[2] * y + c[3] * x * x + c[4] * x * y +
                                    c[5] * y * y);
}

static double poly(const double c[6], double x, double y)
{
    return c[0] + c[1] * x + c[2] * y + c[3] * x * x + c[4] * x * y + c[5] * y * y;
}

/* Bilinear reproduces a linear ramp; bicubic (a = -0.5) a quadratic. */
static void check_poly(sk_interp mode, const double c[6], int margin, double tol)
{
    int w = 120, h = 90;
    float *src = calloc((size_t)w * h, sizeof(float)), *dst = calloc((size_t)w * h, sizeof(float));
    fill_poly(src, w, w, h, c);
    double M[6];
    sk_geom_affine_similarity(1.07, 0.13, 1.3, -0.7, 60, 45, M);
    warp_fn fns[2];
    int nf = variants(mode, fns);
    sk_warp_params p = {mode, 0.0f, 0.0};
    for (int f = 0; f < nf; f++) {
        fns[f](src, w, w, h, dst, w, w, h, M, &p, NULL, 0);
        int checked = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double xs, ys;
                sk_geom_affine_apply(M, x, y, &xs, &ys);
                if (xs < margin || ys < margin || xs > w - 1 - margin || ys > h - 1 - margin)
                    continue;
                double want = poly(c, xs, ys);
                cr_assert_leq(fabs(dst[y * w + x] - want), tol, "mode %d (%d,%d): %g vs %g",
                              (int)mode, x, y, dst[y * w + x], want);
                checked++;
            }
        cr_assert_gt(checked, 3000);
    }
    free(src);
    free(dst);
}

Test(warp_affine, bilinear_exact_on_linear_ramp)
{
    const double c[6] = {3.0, 0.25, -0.5, 0, 0, 0}; /* values within about [-42, 33] */
    check_poly(SK_INTERP_BILINEAR, c, 0, 2e-5);
}

Test(warp_affine, bicubic_reproduces_quadratics)
{
    const double c[6] = {1.0, 0.05, -0.02, 0.001, -0.0007, 0.0012}; /* up to ~26 */
    check_poly(SK_INTERP_BICUBIC, c, 1, 2e-4);
}

Test(warp_affine, avx2_bilinear_bit_exact_with_scalar)
{
    if (!sk_simd_supported(SK_SIMD_AVX2))
        cr_skip_test("no AVX2");
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 3);
    for (int i = 0; i < NW; i++)
        for (int pad = 0; pad <= 5; pad += 5) {
            int w = widths[i], h = 23;
            size_t ss = (size_t)w + pad;
            float *src = plane_rand(w, h, ss, &rng);
            float *a = calloc(ss * h, sizeof(float)), *b = calloc(ss * h, sizeof(float));
            float *va = calloc(ss * h, sizeof(float)), *vb = calloc(ss * h, sizeof(float));
            double M[6];
            /* Partly outside, so edge blocks and fill are exercised. */
            sk_geom_affine_similarity(0.93, 0.21, 2.4, -1.7, w / 2.0, h / 2.0, M);
            sk_warp_params p = {SK_INTERP_BILINEAR, -1.0f, 0.0};
            sk_geom_warp_affine_scalar(src, ss, w, h, a, ss, w, h, M, &p, va, ss);
            sk_geom_warp_affine_avx2(src, ss, w, h, b, ss, w, h, M, &p, vb, ss);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    cr_assert_eq(a[y * ss + x], b[y * ss + x], "w %d (%d,%d)", w, x, y);
                    cr_assert_eq(va[y * ss + x], vb[y * ss + x]);
                }
            free(src);
            free(a);
            free(b);
            free(va);
            free(vb);
        }
}

Test(warp_affine, bad_arguments_refused)
{
    float s[4] = {0}, d[4];
    double M[6] = {1, 0, 0, 0, 1, 0};
    sk_warp_params p = {SK_INTERP_BILINEAR, 0, 0};
    cr_assert_eq(sk_geom_warp_affine(s, 2, 2, 2, d, 1, 2, 2, M, &p, NULL, 0), SK_ERR_ARG);
    M[0] = NAN;
    cr_assert_eq(sk_geom_warp_affine(s, 2, 2, 2, d, 2, 2, 2, M, &p, NULL, 0), SK_ERR_ARG);
    M[0] = 1;
    p.interp = (sk_interp)9;
    cr_assert_eq(sk_geom_warp_affine(s, 2, 2, 2, d, 2, 2, 2, M, &p, NULL, 0), SK_ERR_ARG);
}

/* -------------------------------------------------------------- matrices */

Test(affine, compose_invert_round_trip_and_similarity)
{
    double S[6], Si[6], P[6], Q[6];
    sk_geom_affine_similarity(1.3, 0.4, 5.0, -2.0, 100.0, 50.0, S);
    cr_assert_eq(sk_geom_affine_invert(S, Si), SK_OK);
    sk_geom_affine_compose(S, Si, P);
    sk_geom_affine_compose(Si, S, Q);
    const double I[6] = {1, 0, 0, 0, 1, 0};
    for (int i = 0; i < 6; i++) {
        cr_assert_leq(fabs(P[i] - I[i]), 1e-12);
        cr_assert_leq(fabs(Q[i] - I[i]), 1e-12);
    }
    /* Centre maps to centre + t. */
    double x, y;
    sk_geom_affine_apply(S, 100.0, 50.0, &x, &y);
    cr_assert_leq(fabs(x - 105.0) + fabs(y - 48.0), 1e-12);
    /* Two rotations about the same centre add up. */
    double A[6], B[6], C[6], AB[6];
    sk_geom_affine_similarity(2.0, 0.3, 0, 0, 7, 9, A);
    sk_geom_affine_similarity(0.5, 0.2, 0, 0, 7, 9, B);
    sk_geom_affine_similarity(1.0, 0.5, 0, 0, 7, 9, C);
    sk_geom_affine_compose(A, B, AB);
    for (int i = 0; i < 6; i++)
        cr_assert_leq(fabs(AB[i] - C[i]), 1e-12);
    /* Compose applies B first. */
    const double Tx[6] = {1, 0, 10, 0, 1, 0}, Sc[6] = {2, 0, 0, 0, 2, 0};
    sk_geom_affine_compose(Sc, Tx, P); /* (x + 10) * 2 */
    sk_geom_affine_apply(P, 1, 1, &x, &y);
    cr_assert_eq(x, 22.0);
    cr_assert_eq(y, 2.0);
    const double Z[6] = {1, 2, 0, 2, 4, 0};
    double keep[6] = {9, 9, 9, 9, 9, 9};
    cr_assert_eq(sk_geom_affine_invert(Z, keep), SK_ERR_ARG);
    cr_assert_eq(keep[0], 9.0);
}

/* --------------------------------------------------------- resampling */

Test(downsample2, matches_box_mean_odd_and_even)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 4);
    for (int i = 0; i < NW; i++)
        for (int h = 1; h <= 6; h += 5) {
            int w = widths[i];
            size_t ss = (size_t)w + 3;
            int dw = (w + 1) / 2, dh = (h + 1) / 2;
            size_t ds = (size_t)dw + 2;
            float *src = plane_rand(w, h, ss, &rng), *dst = calloc(ds * dh, sizeof(float));
            cr_assert_eq(sk_geom_downsample2(src, ss, w, h, dst, ds), SK_OK);
            for (int y = 0; y < dh; y++)
                for (int x = 0; x < dw; x++) {
                    double s = 0;
                    for (int j = 0; j < 2; j++)
                        for (int k = 0; k < 2; k++) {
                            int xx = 2 * x + k < w ? 2 * x + k : w - 1;
                            int yy = 2 * y + j < h ? 2 * y + j : h - 1;
                            s += src[yy * ss + xx];
                        }
                    cr_assert_leq(fabs(dst[y * ds + x] - s / 4), 1e-6);
                }
            free(src);
            free(dst);
        }
}

Test(resize, area_half_equals_downsample2_and_identity_exact)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 5);
    int w = 64, h = 40;
    float *src = plane_rand(w, h, w, &rng);
    float *a = calloc(w * h, sizeof(float)), *b = calloc(w * h, sizeof(float));
    cr_assert_eq(sk_geom_resize(src, w, w, h, a, 32, 32, 20, SK_RESIZE_AREA, NULL), SK_OK);
    cr_assert_eq(sk_geom_downsample2(src, w, w, h, b, 32), SK_OK);
    cr_assert_leq(sk_test_max_abs_diff(a, 32, b, 32, 32, 20), 1e-6);
    cr_assert_eq(sk_geom_resize(src, w, w, h, a, w, w, h, SK_RESIZE_BILINEAR, NULL), SK_OK);
    cr_assert_eq(sk_test_max_abs_diff(a, w, src, w, w, h), 0.0);
    free(src);
    free(a);
    free(b);
}

/* Halving along x only (the direct 2:1 loop) against the area definition:
 * each output is the mean of its two source columns, after the vertical area
 * weights of a 29 -> 11 reduction. */
Test(resize, area_half_along_x_matches_definition)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 7);
    const int ws[] = {2, 14, 62, 66, 2000};
    for (int i = 0; i < 5; i++) {
        int sw = ws[i], sh = 29, dw = sw / 2, dh = 11;
        float *src = plane_rand(sw, sh, sw + 3, &rng), *dst = calloc((size_t)dw * dh, sizeof(float));
        cr_assert_eq(sk_geom_resize(src, sw + 3, sw, sh, dst, dw, dw, dh, SK_RESIZE_AREA, NULL),
                     SK_OK);
        const double sc = (double)sh / dh;
        for (int y = 0; y < dh; y++)
            for (int x = 0; x < dw; x++) {
                double acc = 0;
                for (int j = 0; j < sh; j++) {
                    double lo = fmax(y * sc, j), hi = fmin((y + 1) * sc, j + 1);
                    if (hi > lo)
                        acc += (hi - lo) / sc * 0.5 *
                               ((double)src[j * (sw + 3) + 2 * x] + src[j * (sw + 3) + 2 * x + 1]);
                }
                cr_assert_leq(fabs(dst[y * dw + x] - acc), 1e-6, "w %d (%d, %d)", sw, x, y);
            }
        free(src);
        free(dst);
    }
}

Test(resize, area_preserves_sum_and_bilinear_keeps_ramps)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 6);
    for (int i = 0; i < NW; i++) {
        int sw = widths[i], sh = 29, dw = sw > 3 ? sw * 2 / 7 + 1 : 1, dh = 11;
        float *src = plane_rand(sw, sh, sw + 1, &rng), *dst = calloc((size_t)dw * dh, sizeof(float));
        size_t need = sk_geom_resize_scratch_size(sw, sh, dw, dh, SK_RESIZE_AREA);
        void *scr = malloc(need);
        cr_assert_eq(sk_geom_resize(src, sw + 1, sw, sh, dst, dw, dw, dh, SK_RESIZE_AREA, scr),
                     SK_OK);
        double s1 = 0, s2 = 0;
        for (int y = 0; y < sh; y++)
            for (int x = 0; x < sw; x++)
                s1 += src[y * (sw + 1) + x];
        for (int j = 0; j < dw * dh; j++)
            s2 += dst[j];
        s2 *= (double)sw / dw * (double)sh / dh;
        cr_assert_leq(fabs(s1 - s2), 1e-5 * s1, "w %d: %g vs %g", sw, s1, s2);
        free(scr);
        free(src);
        free(dst);
    }
    /* Bilinear: a ramp along x maps to the ramp at aligned centres (away from
     * the clamped edge samples). */
    int sw = 50, sh = 4, dw = 81, dh = 4;
    float *src = calloc(sw * sh, sizeof(float)), *dst = calloc(dw * dh, sizeof(float));
    for (int y = 0; y < sh; y++)
        for (int x = 0; x < sw; x++)
            src[y * sw + x] = 2.0f + 0.5f * x;
    cr_assert_eq(sk_geom_resize(src, sw, sw, sh, dst, dw, dw, dh, SK_RESIZE_BILINEAR, NULL), SK_OK);
    for (int x = 0; x < dw; x++) {
        double xs = (x + 0.5) * sw / dw - 0.5;
        xs = xs < 0 ? 0 : (xs > sw - 1 ? sw - 1 : xs);
        cr_assert_leq(fabs(dst[2 * dw + x] - (2.0 + 0.5 * xs)), 1e-5);
    }
    free(src);
    free(dst);
}

/* The AVX2 horizontal pass (gathers from the tap-major tables) against the
 * plain-C one, bit for bit, for reductions at integer and fractional
 * factors and for bilinear enlargement. */
Test(resize, avx2_bit_exact_with_scalar)
{
    if (!sk_simd_supported(SK_SIMD_AVX2))
        cr_skip_test("no AVX2 on this CPU");
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 8);
    const int cases[][4] = {{2000, 30, 1600, 24}, {2000, 30, 1333, 20}, {2000, 40, 500, 10},
                            {61, 13, 17, 5},      {250, 19, 1000, 75},  {9, 9, 31, 31},
                            {4000, 6, 2000, 3},   {5, 3, 1, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const int sw = cases[c][0], sh = cases[c][1], dw = cases[c][2], dh = cases[c][3];
        float *src = plane_rand(sw, sh, sw, &rng);
        float *a = calloc((size_t)dw * dh, sizeof(float)), *b = calloc((size_t)dw * dh, sizeof(float));
        for (int m = 0; m < 2; m++) {
            sk_resize_mode mode = m ? SK_RESIZE_AREA : SK_RESIZE_BILINEAR;
            sk_simd prev = sk_simd_force(SK_SIMD_SCALAR);
            cr_assert_eq(sk_geom_resize(src, sw, sw, sh, a, dw, dw, dh, mode, NULL), SK_OK);
            sk_simd_force(SK_SIMD_AVX2);
            cr_assert_eq(sk_geom_resize(src, sw, sw, sh, b, dw, dw, dh, mode, NULL), SK_OK);
            sk_simd_force(prev);
            cr_assert_eq(memcmp(a, b, sizeof(float) * (size_t)dw * dh), 0,
                         "%dx%d -> %dx%d mode %d", sw, sh, dw, dh, m);
        }
        free(src);
        free(a);
        free(b);
    }
}
