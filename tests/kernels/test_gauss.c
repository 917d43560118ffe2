/* Gaussian blur and derivatives, Hessian, Frangi, LoG blobs: checked against
 * slow definitions, analytic values, and across SIMD variants. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pfilter.h"
#include "testutil.h"

/* Slow definition: separable correlation with the exact sampled Gaussian
 * derivative (double, support 8 sigma), mirror boundary. Same
 * normalisation as the kernel (docs/kernels/filter.md). */
static void slow_gauss(const float *src, size_t ss, double *dst, int w, int h, double sigma,
                       int ox, int oy)
{
    int r = (int)ceil(8 * sigma) + 1;
    double *kx = calloc(2 * r + 1, sizeof(double)), *ky = calloc(2 * r + 1, sizeof(double));
    for (int pass = 0; pass < 2; pass++) {
        double *k = pass ? ky : kx;
        int order = pass ? oy : ox;
        double s0 = 0, m2 = 0;
        for (int j = -r; j <= r; j++)
            s0 += exp(-0.5 * j * j / (sigma * sigma));
        for (int j = -r; j <= r; j++) {
            double g = exp(-0.5 * j * j / (sigma * sigma)) / s0;
            m2 += (double)j * j * g;
            k[j + r] = g;
        }
        for (int j = -r; j <= r; j++) {
            double g = k[j + r];
            if (order == 1)
                k[j + r] = j * g / m2;
            else if (order == 2)
                k[j + r] = ((double)j * j / (sigma * sigma) - 1.0) * g;
        }
        if (order == 2) { /* zero-sum (minus a multiple of g) and exact on x^2 */
            double sum = 0, q = 0;
            for (int j = -r; j <= r; j++)
                sum += k[j + r];
            for (int j = -r; j <= r; j++) {
                k[j + r] -= sum * exp(-0.5 * j * j / (sigma * sigma)) / s0;
                q += (double)j * j * k[j + r];
            }
            for (int j = -r; j <= r; j++)
                k[j + r] *= 2.0 / q;
        }
    }
    double *tmp = calloc((size_t)w * h, sizeof(double));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double acc = 0;
            for (int j = -r; j <= r; j++)
                acc += ky[j + r] * src[(size_t)sk_reflect(y + j, h) * ss + x];
            tmp[(size_t)y * w + x] = acc;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double acc = 0;
            for (int j = -r; j <= r; j++)
                acc += kx[j + r] * tmp[(size_t)y * w + sk_reflect(x + j, w)];
            dst[(size_t)y * w + x] = acc;
        }
    free(tmp);
    free(kx);
    free(ky);
}

/* A smooth random image: sum of a few random low-frequency waves. */
static void smooth_image(float *p, size_t s, int w, int h, sk_test_rng *r, double period)
{
    double ax[6], fx[6], fy[6], ph[6];
    for (int i = 0; i < 6; i++) {
        ax[i] = sk_test_rng_uniform(r);
        fx[i] = (sk_test_rng_uniform(r) - 0.5) * 2 * M_PI / period;
        fy[i] = (sk_test_rng_uniform(r) - 0.5) * 2 * M_PI / period;
        ph[i] = sk_test_rng_uniform(r) * 6.28;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double v = 0;
            for (int i = 0; i < 6; i++)
                v += ax[i] * sin(fx[i] * x + fy[i] * y + ph[i]);
            p[(size_t)y * s + x] = (float)v;
        }
}

static double compare(const float *a, size_t s, const double *ref, int w, int h, int margin)
{
    double m = 0;
    for (int y = margin; y < h - margin; y++)
        for (int x = margin; x < w - margin; x++) {
            double d = fabs(a[(size_t)y * s + x] - ref[(size_t)y * w + x]);
            if (d > m)
                m = d;
        }
    return m;
}

Test(gauss, direct_path_matches_definition)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed());
    const int w = 97, h = 71;
    size_t s = sk_stride_for_width(w) + 16; /* padded stride */
    float *src = sk_alloc_floats(s * h), *dst = sk_alloc_floats(s * h);
    double *ref = malloc(sizeof(double) * w * h);
    sk_test_fill_uniform(src, s, w, h, 0, 1, &r);
    sk_gauss_ws ws;
    cr_assert_eq(sk_gauss_ws_init(&ws, 16, 16), SK_OK);
    const double sigmas[] = {0.5, 1.0, 2.5, 6.0};
    for (size_t i = 0; i < 4; i++)
        for (int ox = 0; ox <= 2; ox++)
            for (int oy = 0; oy <= 2 - ox; oy++) {
                cr_assert_eq(sk_filter_gauss(src, s, dst, s, w, h, sigmas[i], ox, oy, &ws), SK_OK);
                slow_gauss(src, s, ref, w, h, sigmas[i], ox, oy);
                /* Truncation at 4 sigma (+1 for derivatives) loses < 1e-4 of the mass. */
                double e = compare(dst, s, ref, w, h, 0);
                cr_assert_lt(e, 2e-4, "sigma %g order %d,%d: max error %g", sigmas[i], ox, oy, e);
            }
    sk_gauss_ws_free(&ws);
    sk_free(src);
    sk_free(dst);
    free(ref);
}

Test(gauss, pyramid_path_close_to_definition)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed() + 1);
    const int w = 400, h = 300;
    size_t s = sk_stride_for_width(w);
    float *src = sk_alloc_floats(s * h), *dst = sk_alloc_floats(s * h);
    double *ref = malloc(sizeof(double) * w * h);
    smooth_image(src, s, w, h, &r, 60.0);
    sk_test_fill_uniform(dst, s, w, h, 0, 0, &r);
    for (int y = 0; y < h; y++) /* add fine noise, which the blur must remove */
        for (int x = 0; x < w; x++)
            src[(size_t)y * s + x] += 0.2f * (float)(sk_test_rng_uniform(&r) - 0.5);
    sk_gauss_ws ws = {0};
    const double sigmas[] = {9.0, 13.0, 20.0, 30.0, 45.0};
    for (size_t i = 0; i < 5; i++) {
        /* Image amplitude ~3. Interior (2 sigma from the edges): within 0.5 %
         * of it; near edges whose pyramid levels have odd sizes the mirror is
         * half a coarse pixel off: within 5 % (docs/kernels/filter.md). */
        int m = (int)(2 * sigmas[i]);
        cr_assert_eq(sk_filter_gauss(src, s, dst, s, w, h, sigmas[i], 0, 0, &ws), SK_OK);
        slow_gauss(src, s, ref, w, h, sigmas[i], 0, 0);
        double ei = compare(dst, s, ref, w, h, m), ea = compare(dst, s, ref, w, h, 0);
        cr_assert_lt(ei, 0.015, "sigma %g: interior max error %g", sigmas[i], ei);
        cr_assert_lt(ea, 0.15, "sigma %g: max error %g", sigmas[i], ea);
        cr_assert_eq(sk_filter_gauss(src, s, dst, s, w, h, sigmas[i], 2, 0, &ws), SK_OK);
        slow_gauss(src, s, ref, w, h, sigmas[i], 2, 0);
        ei = compare(dst, s, ref, w, h, m);
        cr_assert_lt(ei, 0.015 / (sigmas[i] * sigmas[i]), "d2 sigma %g: interior error %g",
                     sigmas[i], ei);
    }
    sk_gauss_ws_free(&ws);
    sk_free(src);
    sk_free(dst);
    free(ref);
}

Test(gauss, moments_and_polynomials)
{
    const int w = 64, h = 40;
    size_t s = sk_stride_for_width(w);
    float *src = sk_alloc_floats(s * h), *dst = sk_alloc_floats(s * h);
    sk_gauss_ws ws = {0};
    /* constant stays constant; ramp derivative is 1; x^2 second derivative 2 */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            src[(size_t)y * s + x] = 3.0f;
    cr_assert_eq(sk_filter_gauss(src, s, dst, s, w, h, 2.0, 0, 0, &ws), SK_OK);
    cr_assert_float_eq(dst[10 * s + 10], 3.0f, 1e-5);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            src[(size_t)y * s + x] = 0.5f * x;
    cr_assert_eq(sk_filter_gauss(src, s, dst, s, w, h, 2.0, 1, 0, &ws), SK_OK);
    cr_assert_float_eq(dst[20 * s + 30], 0.5f, 1e-5);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            src[(size_t)y * s + x] = 0.01f * (float)(y - 20) * (float)(y - 20);
    cr_assert_eq(sk_filter_gauss(src, s, dst, s, w, h, 1.5, 0, 2, &ws), SK_OK);
    cr_assert_float_eq(dst[20 * s + 30], 0.02f, 1e-5);
    /* in place equals out of place */
    float *copy = sk_alloc_floats(s * h);
    memcpy(copy, src, s * h * sizeof(float));
    cr_assert_eq(sk_filter_gauss(src, s, dst, s, w, h, 9.0, 1, 1, &ws), SK_OK);
    cr_assert_eq(sk_filter_gauss(copy, s, copy, s, w, h, 9.0, 1, 1, &ws), SK_OK);
    cr_assert_eq(sk_test_max_abs_diff(copy, s, dst, s, w, h), 0.0);
    /* refusals */
    cr_assert_eq(sk_filter_gauss(src, s, dst, s, w, h, 0.2, 0, 0, &ws), SK_ERR_ARG);
    cr_assert_eq(sk_filter_gauss(src, s, dst, s, w, h, 60, 0, 0, &ws), SK_ERR_ARG);
    cr_assert_eq(sk_filter_gauss(src, s, dst, s, w, h, 2, 3, 0, &ws), SK_ERR_ARG);
    sk_gauss_ws_free(&ws);
    sk_free(src);
    sk_free(dst);
    sk_free(copy);
}

/* White noise is the worst case for the pyramid (all of the filter's band is
 * present, and what the 2x2 mean aliases and the bilinear up-sampling
 * images is not masked by a smooth image): from SK_GAUSS_PYR_MIN_SIGMA on,
 * the RMS error stays under 2.5 % of the RMS response, every order. */
Test(gauss, pyramid_path_on_white_noise)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed() + 3);
    const int w = 240, h = 200;
    size_t s = sk_stride_for_width(w);
    float *src = sk_alloc_floats(s * h), *dst = sk_alloc_floats(s * h);
    double *ref = malloc(sizeof(double) * w * h);
    sk_test_fill_uniform(src, s, w, h, 0, 1, &r);
    sk_gauss_ws ws = {0};
    const double sigmas[] = {SK_GAUSS_PYR_MIN_SIGMA + 0.01, 16.0, 24.0};
    for (size_t i = 0; i < 3; i++)
        for (int o = 0; o < 3; o++) {
            int ox = o == 1 ? 1 : o, oy = o == 1 ? 1 : 2 - o;
            cr_assert_eq(sk_filter_gauss(src, s, dst, s, w, h, sigmas[i], ox, oy, &ws), SK_OK);
            slow_gauss(src, s, ref, w, h, sigmas[i], ox, oy);
            int m = (int)(2 * sigmas[i]);
            double e2 = 0, r2 = 0, mean = 0, n = 0;
            for (int y = m; y < h - m; y++)
                for (int x = m; x < w - m; x++, n++)
                    mean += ref[(size_t)y * w + x];
            mean /= n;
            for (int y = m; y < h - m; y++)
                for (int x = m; x < w - m; x++) {
                    double d = dst[(size_t)y * s + x] - ref[(size_t)y * w + x];
                    double v = ref[(size_t)y * w + x] - (o == 0 ? mean : 0);
                    e2 += d * d;
                    r2 += v * v;
                }
            double rel = sqrt(e2 / r2);
            cr_assert_lt(rel, 0.025, "sigma %g order %d,%d: RMS error %.4f of the response",
                         sigmas[i], ox, oy, rel);
        }
    sk_gauss_ws_free(&ws);
    sk_free(src);
    sk_free(dst);
    free(ref);
}

Test(gauss, avx2_equals_scalar_over_widths_and_strides)
{
    if (!sk_simd_supported(SK_SIMD_AVX2))
        cr_skip_test("no AVX2 on this CPU");
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed() + 2);
    const int widths[] = {1, 7, 31, 33, 1000};
    sk_simd was = sk_simd_level();
    for (size_t i = 0; i < 5; i++) {
        int w = widths[i], h = 23;
        size_t s = sk_stride_for_width(w) + 32;
        float *src = sk_alloc_floats(s * h), *a = sk_alloc_floats(s * h),
              *b = sk_alloc_floats(s * h);
        sk_test_fill_uniform(src, s, w, h, 0, 1, &r);
        sk_gauss_ws ws = {0};
        const double sigmas[] = {0.7, 3.0, 12.0};
        for (size_t k = 0; k < 3; k++)
            for (int o = 0; o < 3; o++) {
                sk_simd_force(SK_SIMD_SCALAR);
                cr_assert_eq(sk_filter_gauss(src, s, a, s, w, h, sigmas[k], o, 2 - o, &ws), SK_OK);
                sk_simd_force(SK_SIMD_AVX2);
                cr_assert_eq(sk_filter_gauss(src, s, b, s, w, h, sigmas[k], o, 2 - o, &ws), SK_OK);
                double e = sk_test_max_abs_diff(a, s, b, s, w, h);
                cr_assert_lt(e, 1e-5, "w %d sigma %g order %d: %g", w, sigmas[k], o, e);
            }
        sk_gauss_ws_free(&ws);
        sk_free(src);
        sk_free(a);
        sk_free(b);
    }
    sk_simd_force(was);
}

/* A Gaussian blob exp(-r^2 / 2 s0^2) smoothed at sigma is a Gaussian of
 * variance S^2 = s0^2 + sigma^2 and amplitude s0^2 / S^2: its Hessian at the
 * centre is -A / S^2 on the diagonal and 0 off it. */
Test(hessian, analytic_gaussian_blob_and_eigenvalues)
{
    const int w = 121, h = 121;
    const double s0 = 5.0, sigma = 3.0, S2 = s0 * s0 + sigma * sigma, A = s0 * s0 / S2;
    size_t s = sk_stride_for_width(w);
    float *src = sk_alloc_floats(s * h), *xx = sk_alloc_floats(s * h),
          *xy = sk_alloc_floats(s * h), *yy = sk_alloc_floats(s * h),
          *l1 = sk_alloc_floats(s * h), *l2 = sk_alloc_floats(s * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            src[(size_t)y * s + x] = (float)exp(-((x - 60.0) * (x - 60.0) + (y - 60.0) * (y - 60.0)) /
                                                (2 * s0 * s0));
    sk_gauss_ws ws = {0};
    cr_assert_eq(sk_filter_hessian(src, s, w, h, sigma, xx, xy, yy, s, &ws), SK_OK);
    size_t c = 60 * s + 60;
    cr_assert_float_eq(xx[c], -A / S2, 2e-4);
    cr_assert_float_eq(yy[c], -A / S2, 2e-4);
    cr_assert_float_eq(xy[c], 0.0, 1e-6);
    /* off centre at (x0 + d, y0): Ixx = A/S^2 (d^2/S^2 - 1) e^{-d^2/2S^2} */
    double d = 4.0, g = A * exp(-d * d / (2 * S2));
    cr_assert_float_eq(xx[60 * s + 64], g / S2 * (d * d / S2 - 1), 2e-4);
    cr_assert_float_eq(yy[60 * s + 64], -g / S2, 2e-4);
    /* diagonal point: Ixy = A d d / S^4 e^{...} */
    double e2 = A * exp(-(2 * 9.0) / (2 * S2));
    cr_assert_float_eq(xy[63 * s + 63], e2 * 9.0 / (S2 * S2), 2e-4);
    cr_assert_eq(sk_filter_hessian_eigen(xx, xy, yy, s, w, h, l1, l2, s), SK_OK);
    for (int y = 0; y < h; y += 7)
        for (int x = 0; x < w; x += 5) {
            size_t i = (size_t)y * s + x;
            double tr = xx[i] + yy[i], det = (double)xx[i] * yy[i] - (double)xy[i] * xy[i];
            cr_assert_float_eq(l1[i] + l2[i], tr, 1e-6);
            cr_assert_float_eq((double)l1[i] * l2[i], det, 1e-7);
            cr_assert_leq(fabsf(l1[i]), fabsf(l2[i]));
        }
    sk_gauss_ws_free(&ws);
    sk_free(src), sk_free(xx), sk_free(xy), sk_free(yy), sk_free(l1), sk_free(l2);
}

Test(ridge, dark_line_high_flat_and_blob_low)
{
    const int w = 160, h = 120;
    size_t s = sk_stride_for_width(w);
    float *src = sk_alloc_floats(s * h), *out = sk_alloc_floats(s * h);
    uint8_t *idx = malloc((size_t)w * h);
    /* bright background, a dark valley of width ~3 px along y = 0.3 x + 30,
     * and a dark round blob at (120, 90). */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double dl = fabs(y - (0.3 * x + 30)) / sqrt(1.09);
            double db = hypot(x - 120.0, y - 90.0);
            src[(size_t)y * s + x] = (float)(60.0 - 10 * exp(-dl * dl / (2 * 1.5 * 1.5)) -
                                             10 * exp(-db * db / (2 * 4.0 * 4.0)));
        }
    sk_ridge_ws ws;
    cr_assert_eq(sk_ridge_ws_init(&ws, 32, 32), SK_OK);
    const double sig[] = {1.0, 1.5, 2.5, 4.0};
    sk_frangi_params p = {.beta = 0.5, .c = 2.0, .dark = 1, .normalise = 1};
    cr_assert_eq(sk_filter_ridge_multiscale(src, s, w, h, sig, 4, &p, out, s, idx, w, &ws), SK_OK);
    float on_line = out[(size_t)(int)(0.3 * 50 + 30) * s + 50];
    float flat = out[(size_t)100 * s + 20];
    float blob = out[(size_t)90 * s + 120];
    cr_assert_gt(on_line, 0.5f, "line %g", on_line);
    cr_assert_lt(flat, 0.01f, "flat %g", flat);
    cr_assert_lt(blob, 0.2f * on_line, "blob %g vs line %g", blob, on_line);
    /* bright-ridge polarity does not respond to the dark valley */
    p.dark = 0;
    cr_assert_eq(sk_filter_ridge_multiscale(src, s, w, h, sig, 4, &p, out, s, NULL, 0, &ws), SK_OK);
    cr_assert_lt(out[(size_t)(int)(0.3 * 50 + 30) * s + 50], 0.01f);
    sk_ridge_ws_free(&ws);
    sk_free(src);
    sk_free(out);
    free(idx);
}

/* From sigma 2 the LoG is a 9-point stencil then one Gaussian at
 * sqrt(sigma^2 - 1/6): on zero-mean white noise (the worst case: the whole
 * band) it stays within 1 % RMS of sigma^2 (Ixx + Iyy) from the two
 * second-derivative Gaussians; with the values offset by 60 (like L*) it
 * moves < 0.5 % RMS, as the stencil acts first on the raw values (the
 * derivative Gaussians move up to 3.5 % at sigma 6: their sums cancel). */
Test(blob, log_stencil_matches_derivative_gaussians)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed() + 4);
    const int w = 200, h = 160;
    size_t s = sk_stride_for_width(w);
    float *src = sk_alloc_floats(s * h), *a = sk_alloc_floats(s * h), *b = sk_alloc_floats(s * h),
          *c = sk_alloc_floats(s * h);
    sk_test_fill_uniform(src, s, w, h, -0.5, 0.5, &r);
    sk_gauss_ws g = {0};
    sk_blob_ws bw = {0};
    const double sigmas[] = {2.0, 3.2, 6.1, 8.0};
    for (size_t i = 0; i < 4; i++) {
        const double sg = sigmas[i];
        cr_assert_eq(sk_blob_log(src, s, w, h, sg, 1, a, s, &bw), SK_OK);
        cr_assert_eq(sk_filter_gauss(src, s, b, s, w, h, sg, 2, 0, &g), SK_OK);
        cr_assert_eq(sk_filter_gauss(src, s, c, s, w, h, sg, 0, 2, &g), SK_OK);
        double e2 = 0, r2 = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double ref = sg * sg * ((double)b[(size_t)y * s + x] + c[(size_t)y * s + x]);
                double d = a[(size_t)y * s + x] - ref;
                e2 += d * d;
                r2 += ref * ref;
            }
        cr_assert_lt(sqrt(e2 / r2), 0.01, "sigma %g: RMS difference %.4f of the response", sg,
                     sqrt(e2 / r2));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                b[(size_t)y * s + x] = src[(size_t)y * s + x] + 60.0f;
        cr_assert_eq(sk_blob_log(b, s, w, h, sg, 1, c, s, &bw), SK_OK);
        double o2 = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double d = (double)a[(size_t)y * s + x] - c[(size_t)y * s + x];
                o2 += d * d;
            }
        /* the offset input itself is rounded to float steps of 3.8e-6 */
        cr_assert_lt(sqrt(o2 / r2), 0.005, "sigma %g: offset changes the LoG by %.4f RMS", sg,
                     sqrt(o2 / r2));
    }
    sk_gauss_ws_free(&g);
    sk_blob_ws_free(&bw);
    sk_free(src);
    sk_free(a);
    sk_free(b);
    sk_free(c);
}

Test(blob, log_finds_planted_blobs_at_their_scale)
{
    const int w = 200, h = 150;
    size_t s = sk_stride_for_width(w);
    float *src = sk_alloc_floats(s * h);
    const struct {
        double x, y, sg;
    } planted[] = {{40, 40, 2.0}, {120, 50, 3.0}, {70, 110, 4.0}, {160, 110, 2.5}};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double v = 50.0;
            for (int i = 0; i < 4; i++) {
                double d2 = (x - planted[i].x) * (x - planted[i].x) +
                            (y - planted[i].y) * (y - planted[i].y);
                v -= 8.0 * exp(-d2 / (2 * planted[i].sg * planted[i].sg));
            }
            src[(size_t)y * s + x] = (float)v;
        }
    double sig[12];
    for (int k = 0; k < 12; k++)
        sig[k] = 1.2 * pow(1.15, k);
    sk_blob_params p = {.sigmas = sig, .n_sigmas = 12, .threshold = 1.0, .dark = 1, .border = 3};
    sk_blob_t blobs[64];
    size_t n = 0;
    int trunc = 0;
    sk_blob_ws ws = {0};
    cr_assert_eq(sk_blob_log_detect(src, s, w, h, &p, blobs, 64, &n, &trunc, &ws), SK_OK);
    cr_assert_eq(n, 4, "found %zu blobs", n);
    cr_assert_eq(trunc, 0);
    for (int i = 0; i < 4; i++) {
        int found = 0;
        for (size_t j = 0; j < n; j++)
            if (hypot(blobs[j].x - planted[i].x, blobs[j].y - planted[i].y) < 0.5) {
                found = 1;
                /* a Gaussian blob of scale sg peaks at LoG scale sg */
                cr_assert_lt(fabs(blobs[j].sigma - planted[i].sg) / planted[i].sg, 0.16,
                             "blob %d: sigma %g vs %g", i, blobs[j].sigma, planted[i].sg);
            }
        cr_assert(found, "blob %d not found", i);
    }
    /* bright polarity finds none of these dark blobs */
    p.dark = 0;
    cr_assert_eq(sk_blob_log_detect(src, s, w, h, &p, blobs, 64, &n, NULL, &ws), SK_OK);
    cr_assert_eq(n, 0);
    /* capacity: truncation is reported */
    p.dark = 1;
    cr_assert_eq(sk_blob_log_detect(src, s, w, h, &p, blobs, 2, &n, &trunc, &ws), SK_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(trunc, 1);
    sk_blob_ws_free(&ws);
    sk_free(src);
}
