/* sk_stats_select_kth against a sorted copy: random, duplicate-heavy, signed-zero
 * and constant data; n = 1, 2, short runs (every k) and long ones (the radix
 * levels); v must stay a permutation of its input. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sk_kernels.h"
#include "testutil.h"

static int cmp_f(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

enum { GAUSS, WIDE, DUPS, NARROW, ZEROS, CONST, NKIND };

static void fill(float *v, size_t n, int kind, sk_test_rng *r)
{
    for (size_t i = 0; i < n; i++) {
        double g = sk_test_rng_gauss(r);
        switch (kind) {
        case GAUSS:
            v[i] = (float)(60.0 + 8.0 * g);
            break;
        case WIDE:
            v[i] = (float)(g * exp(20.0 * sk_test_rng_uniform(r) - 10.0));
            break;
        case DUPS:
            v[i] = (float)floor(sk_test_rng_uniform(r) * 7) - 3.0f;
            break;
        case NARROW:
            v[i] = (float)(0.5 + 1e-6 * g);
            break;
        case ZEROS:
            v[i] = sk_test_rng_uniform(r) < 0.5 ? -0.0f : (g < 0 ? 0.0f : (float)g);
            break;
        default:
            v[i] = 2.5f;
            break;
        }
    }
}

/* k-th of v (a copy) equals sorted[k]; the copy is still a permutation
 * (checked up to 70000 values, to keep the suite quick). */
static void check_k(const float *v, const float *sorted, size_t n, size_t k, float *work,
                    float *back, int kind)
{
    memcpy(work, v, n * sizeof(float));
    float got = sk_stats_select_kth(work, n, k);
    cr_assert_eq(got, sorted[k], "kind %d n %zu k %zu: %.9g vs %.9g", kind, n, k, got, sorted[k]);
    if (n > 70000)
        return;
    memcpy(back, work, n * sizeof(float));
    qsort(back, n, sizeof(float), cmp_f);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(back[i], sorted[i], "kind %d n %zu: not a permutation", kind, n);
}

static void check_n(size_t n, int every_k, sk_test_rng *r)
{
    float *v = malloc(n * sizeof(float)), *sorted = malloc(n * sizeof(float));
    float *work = malloc(n * sizeof(float)), *back = malloc(n * sizeof(float));
    for (int kind = 0; kind < NKIND; kind++) {
        fill(v, n, kind, r);
        memcpy(sorted, v, n * sizeof(float));
        qsort(sorted, n, sizeof(float), cmp_f);
        if (every_k) {
            for (size_t k = 0; k < n; k++)
                check_k(v, sorted, n, k, work, back, kind);
        } else {
            const size_t ks[] = {0, 1, n / 4, n / 2, n / 2 + 1, n - 2, n - 1};
            for (int i = 0; i < 7; i++)
                check_k(v, sorted, n, ks[i], work, back, kind);
            for (int i = 0; i < 5; i++)
                check_k(v, sorted, n, (size_t)(sk_test_rng_uniform(r) * n), work, back, kind);
        }
    }
    free(v);
    free(sorted);
    free(work);
    free(back);
}

Test(select_kth, every_k_of_short_runs)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed());
    for (size_t n = 1; n <= 200; n += n < 70 ? 1 : 13)
        check_n(n, 1, &rng);
}

Test(select_kth, long_runs_through_the_radix_levels)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 1);
    const size_t ns[] = {1000, 4097, 65536, 190000, 1000003};
    for (int i = 0; i < 5; i++)
        check_n(ns[i], 0, &rng);
}

Test(select_kth, infinities_and_extremes)
{
    float v[300];
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed() + 2);
    for (int i = 0; i < 300; i++)
        v[i] = (float)sk_test_rng_gauss(&rng);
    v[3] = INFINITY;
    v[40] = -INFINITY;
    v[41] = 3.4e38f;
    v[42] = -1e-45f; /* denormals */
    v[43] = 1e-45f;
    float sorted[300], work[300], back[300];
    memcpy(sorted, v, sizeof v);
    qsort(sorted, 300, sizeof(float), cmp_f);
    for (size_t k = 0; k < 300; k++)
        check_k(v, sorted, 300, k, work, back, -1);
}
