/* Filter and blob kernels: Gaussian (orders 0 and 2) at several sigma,
 * multi-scale ridges, LoG scale space; scalar and AVX2; 3 MP and 12 MP. */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

typedef struct {
    const float *src;
    float *dst;
    size_t s;
    int w, h;
    double sigma;
    int order;
    sk_gauss_ws g;
    sk_ridge_ws r;
    sk_blob_ws b;
    sk_blob_t *blobs;
} arg_t;

static void gauss(void *p)
{
    arg_t *a = p;
    sk_filter_gauss(a->src, a->s, a->dst, a->s, a->w, a->h, a->sigma, a->order, 0, &a->g);
}

static void ridge(void *p)
{
    arg_t *a = p;
    const double sig[4] = {1.5, 2.5, 4, 6};
    sk_frangi_params fp = {.beta = 0.5, .c = 2.0, .dark = 1, .normalise = 1};
    sk_filter_ridge_multiscale(a->src, a->s, a->w, a->h, sig, 4, &fp, a->dst, a->s, NULL, 0,
                               &a->r);
}

static void blobs(void *p)
{
    arg_t *a = p;
    const double sig[6] = {1.0, 1.4, 2.0, 2.8, 4.0, 5.6};
    sk_blob_params bp = {.sigmas = sig, .n_sigmas = 6, .threshold = 0.05, .dark = 1, .border = 2};
    size_t n;
    sk_blob_log_detect(a->src, a->s, a->w, a->h, &bp, a->blobs, 1 << 20, &n, NULL, &a->b);
}

int main(void)
{
    bench_header("filter");
    for (int si = 0; si < 2; si++) {
        const bench_size *sz = &bench_sizes[si];
        bench_report_copy(sz);
        arg_t a = {0};
        a.w = sz->w, a.h = sz->h;
        a.src = bench_plane(sz, &a.s);
        a.dst = bench_plane(sz, &a.s);
        a.blobs = malloc(sizeof(sk_blob_t) << 20);
        sk_gauss_ws_init(&a.g, a.w, a.h);
        sk_ridge_ws_init(&a.r, a.w, a.h);
        sk_blob_ws_init(&a.b, a.w, a.h);
        const sk_simd paths[2] = {SK_SIMD_SCALAR, SK_SIMD_AVX2};
        for (int pi = 0; pi < 2; pi++) {
            if (!sk_simd_supported(paths[pi]))
                continue;
            sk_simd_force(paths[pi]);
            const char *v = sk_simd_name(paths[pi]);
            const double sigmas[4] = {1, 3, 10, 30};
            for (int k = 0; k < 4; k++)
                for (a.order = 0; a.order <= 2; a.order += 2) {
                    char name[64];
                    a.sigma = sigmas[k];
                    snprintf(name, sizeof name, "gauss sigma=%g order=%d", sigmas[k], a.order);
                    bench_report(name, v, sz, bench_time(gauss, &a, 0.3));
                }
            bench_report("ridge multiscale x4 (Frangi)", v, sz, bench_time(ridge, &a, 0.3));
            bench_report("LoG blobs x6 scales", v, sz, bench_time(blobs, &a, 0.3));
        }
        sk_gauss_ws_free(&a.g);
        sk_ridge_ws_free(&a.r);
        sk_blob_ws_free(&a.b);
        free(a.blobs);
        sk_free((void *)a.src);
        sk_free(a.dst);
    }
    return 0;
}
