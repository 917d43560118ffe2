/* Oriented filter bank: GEMM path vs the direct reference vs a slow
 * definition-level correlation; bank builders; max/argmax reduction. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pblas.h"
#include "testutil.h"

static const int widths[] = {1, 7, 31, 33, 1000};
enum { NW = sizeof widths / sizeof widths[0] };

static long fold(long i, long n)
{
    while (i < 0 || i >= n) {
        if (i < 0)
            i = -i - 1;
        if (i >= n)
            i = 2 * n - 1 - i;
    }
    return i;
}

/* Definition: out_n(x, y) = sum_ij kern_n(i, j) src(x + j - c, y + i - c), double. */
static double corr_ref(const float *s, size_t ss, int w, int h, const float *kern, int k, int x,
                       int y)
{
    int c = k / 2;
    double acc = 0;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            acc += (double)kern[i * k + j] * s[fold(y + i - c, h) * ss + fold(x + j - c, w)];
    return acc;
}

static void random_kernels(float *kern, int n, sk_test_rng *r)
{
    for (int i = 0; i < n; i++)
        kern[i] = (float)(sk_test_rng_uniform(r) - 0.5);
}

Test(filter_bank, direct_and_gemm_match_definition_all_widths)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed());
    const int ks[] = {1, 3, 9, 15}, Ks[] = {1, 3, 8};
    for (int wi = 0; wi < NW; wi++)
        for (int ki = 0; ki < 4; ki++)
            for (int Ki = 0; Ki < 3; Ki++) {
                int w = widths[wi], h = 11, k = ks[ki], K = Ks[Ki];
                size_t ss = (size_t)w + 5, ds = (size_t)w + 3, dp = ds * h + 16;
                float *src = calloc(ss * h, sizeof(float));
                float *kern = malloc(sizeof(float) * K * k * k);
                float *a = calloc(dp * K, sizeof(float)), *b = calloc(dp * K, sizeof(float));
                sk_test_fill_uniform(src, ss, w, h, 0.0f, 1.0f, &rng);
                random_kernels(kern, K * k * k, &rng);
                void *scr = malloc(sk_blas_filter_bank_scratch_size(w, k, K));
                sk_blas_filter_bank_direct(src, ss, w, h, kern, K, k, a, ds, dp, scr);
                cr_assert_eq(sk_blas_filter_bank(src, ss, w, h, kern, K, k, b, ds, dp, scr), SK_OK);
                for (int n = 0; n < K; n++) {
                    double amax = 0, err_d = 0, err_g = 0;
                    for (int y = 0; y < h; y++)
                        for (int x = 0; x < w; x++) {
                            double ref = corr_ref(src, ss, w, h, kern + n * k * k, k, x, y);
                            amax = fmax(amax, fabs(ref));
                            err_d = fmax(err_d, fabs(a[n * dp + y * ds + x] - ref));
                            err_g = fmax(err_g, fabs(b[n * dp + y * ds + x] - ref));
                        }
                    /* 1e-4 relative to the largest response of that kernel. */
                    cr_assert_leq(err_d, 1e-4 * amax + 1e-7, "direct w %d k %d K %d n %d", w, k,
                                  K, n);
                    cr_assert_leq(err_g, 1e-4 * amax + 1e-7, "gemm w %d k %d K %d n %d", w, k, K,
                                  n);
                }
                free(scr);
                free(src);
                free(kern);
                free(a);
                free(b);
            }
}

Test(filter_bank, max_and_argmax_reduce_the_bank)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 1);
    for (int wi = 0; wi < NW; wi++) {
        int w = widths[wi], h = 7, k = 9, K = 8;
        size_t ss = (size_t)w + 2, dp = ss * h;
        float *src = calloc(ss * h, sizeof(float)), *all = calloc(dp * K, sizeof(float));
        float *mx = calloc(dp, sizeof(float)), *am = calloc(dp, sizeof(float));
        float *kern = malloc(sizeof(float) * K * k * k);
        sk_test_fill_uniform(src, ss, w, h, 0.0f, 1.0f, &rng);
        cr_assert_eq(sk_blas_gauss2_bank(K, k, 1.5, kern), SK_OK);
        cr_assert_eq(sk_blas_filter_bank(src, ss, w, h, kern, K, k, all, ss, dp, NULL), SK_OK);
        cr_assert_eq(sk_blas_filter_bank_max(src, ss, w, h, kern, K, k, mx, ss, am, ss, NULL),
                     SK_OK);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                float best = all[y * ss + x];
                int arg = 0;
                for (int n = 1; n < K; n++)
                    if (all[n * dp + y * ss + x] > best) {
                        best = all[n * dp + y * ss + x];
                        arg = n;
                    }
                cr_assert_eq(mx[y * ss + x], best);
                cr_assert_eq(am[y * ss + x], (float)arg);
            }
        free(src);
        free(all);
        free(mx);
        free(am);
        free(kern);
    }
}

Test(filter_bank, builders_zero_mean_symmetric_unit_norm)
{
    int K = 6, k = 15;
    float *g = malloc(sizeof(float) * K * k * k), *d = malloc(sizeof(float) * K * k * k);
    cr_assert_eq(sk_blas_gabor_bank(K, k, 3.0, 8.0, 0.5, 0.0, g), SK_OK);
    cr_assert_eq(sk_blas_gauss2_bank(K, k, 2.0, d), SK_OK);
    for (int n = 0; n < K; n++) {
        double sg = 0, sd = 0, l2 = 0;
        for (int i = 0; i < k * k; i++) {
            sg += g[n * k * k + i];
            sd += d[n * k * k + i];
            l2 += (double)g[n * k * k + i] * g[n * k * k + i];
            /* point symmetry: kern(-x, -y) = kern(x, y) */
            cr_assert_leq(fabs(g[n * k * k + i] - g[n * k * k + k * k - 1 - i]), 1e-6);
            cr_assert_leq(fabs(d[n * k * k + i] - d[n * k * k + k * k - 1 - i]), 1e-6);
        }
        cr_assert_leq(fabs(sg), 1e-5);
        cr_assert_leq(fabs(sd), 1e-5);
        cr_assert_leq(fabs(l2 - 1.0), 1e-5);
    }
    /* Orientation 0 of the second-derivative bank is d2/dx2; orientation K/2
     * (90 degrees) is its transpose. */
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            cr_assert_leq(fabs(d[i * k + j] - d[(K / 2) * k * k + j * k + i]), 1e-6);
    cr_assert_eq(sk_blas_gabor_bank(K, 4, 3.0, 8.0, 0.5, 0.0, g), SK_ERR_ARG);
    cr_assert_eq(sk_blas_gauss2_bank(K, 5, 0.0, d), SK_ERR_ARG);
    free(g);
    free(d);
}

Test(filter_bank, dark_line_picks_the_perpendicular_orientation)
{
    /* A dark line along y (x = 20): the second derivative across it (u = x,
     * orientation 0) responds most and positively. A line along x: orientation
     * K/2. */
    int w = 41, h = 41, K = 8, k = 13;
    float *src = malloc(sizeof(float) * w * h), *mx = malloc(sizeof(float) * w * h),
          *am = malloc(sizeof(float) * w * h), *kern = malloc(sizeof(float) * K * k * k);
    cr_assert_eq(sk_blas_gauss2_bank(K, k, 2.0, kern), SK_OK);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            src[y * w + x] = 1.0f - 0.5f * expf(-(float)((x - 20) * (x - 20)) / 4.0f);
    cr_assert_eq(sk_blas_filter_bank_max(src, w, w, h, kern, K, k, mx, w, am, w, NULL), SK_OK);
    cr_assert_eq(am[20 * w + 20], 0.0f);
    cr_assert_gt(mx[20 * w + 20], 0.01f);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            src[y * w + x] = 1.0f - 0.5f * expf(-(float)((y - 20) * (y - 20)) / 4.0f);
    cr_assert_eq(sk_blas_filter_bank_max(src, w, w, h, kern, K, k, mx, w, am, w, NULL), SK_OK);
    cr_assert_eq(am[20 * w + 20], (float)(K / 2));
    free(src);
    free(mx);
    free(am);
    free(kern);
}

Test(filter_bank, bad_arguments_refused)
{
    float s[16] = {0}, d[16], kern[9] = {0};
    cr_assert_eq(sk_blas_filter_bank(s, 4, 4, 4, kern, 1, 2, d, 4, 16, NULL), SK_ERR_ARG);
    cr_assert_eq(sk_blas_filter_bank(s, 4, 4, 4, kern, 2, 1, d, 4, 4, NULL), SK_ERR_ARG);
    cr_assert_eq(sk_blas_filter_bank(s, 3, 4, 4, kern, 1, 3, d, 4, 16, NULL), SK_ERR_ARG);
    cr_assert_eq(sk_blas_filter_bank_max(s, 4, 4, 4, kern, 1, 3, NULL, 4, NULL, 4, NULL),
                 SK_ERR_ARG);
}
