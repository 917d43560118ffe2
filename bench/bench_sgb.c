/* Benchmarks of the stats, geom and blas families: local mean/variance,
 * affine warp, 2x down-sample and resize, oriented filter bank (GEMM vs
 * direct), PCA of 3 channels. One thread (OpenBLAS too), 3 MP and 12 MP. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "blas/pblas.h"
#include "geom/pgeom.h"
#include "stats/pstats.h"

typedef struct {
    const bench_size *sz;
    float *src, *dst, *dst2, *planes;
    size_t stride;
    int r;
    void *scratch;
    double M[6];
    sk_warp_params wp;
    float *kern;
    int K, k;
} ctx;

static void run_local(void *p)
{
    ctx *c = p;
    sk_stats_local_mean_var(c->src, c->stride, c->dst, c->stride, c->dst2, c->stride, c->sz->w,
                            c->sz->h, c->r, c->scratch);
}

static void run_warp_scalar(void *p)
{
    ctx *c = p;
    sk_geom_warp_affine_scalar(c->src, c->stride, c->sz->w, c->sz->h, c->dst, c->stride, c->sz->w,
                               c->sz->h, c->M, &c->wp, NULL, 0);
}

static void run_warp_avx2(void *p)
{
    ctx *c = p;
    sk_geom_warp_affine_avx2(c->src, c->stride, c->sz->w, c->sz->h, c->dst, c->stride, c->sz->w,
                             c->sz->h, c->M, &c->wp, NULL, 0);
}

static void run_down2(void *p)
{
    ctx *c = p;
    sk_geom_downsample2(c->src, c->stride, c->sz->w, c->sz->h, c->dst, c->stride);
}

static void run_resize_area(void *p)
{
    ctx *c = p;
    sk_geom_resize(c->src, c->stride, c->sz->w, c->sz->h, c->dst, c->stride, c->sz->w * 2 / 5,
                   c->sz->h * 2 / 5, SK_RESIZE_AREA, NULL);
}

static void run_bank_gemm(void *p)
{
    ctx *c = p;
    size_t plane = c->stride * (size_t)c->sz->h;
    sk_blas_filter_bank_gemm(c->src, c->stride, c->sz->w, c->sz->h, c->kern, c->K, c->k,
                             c->planes, c->stride, plane, c->scratch);
}

static void run_bank_direct(void *p)
{
    ctx *c = p;
    size_t plane = c->stride * (size_t)c->sz->h;
    sk_blas_filter_bank_direct(c->src, c->stride, c->sz->w, c->sz->h, c->kern, c->K, c->k,
                               c->planes, c->stride, plane, c->scratch);
}

static void run_bank_max(void *p)
{
    ctx *c = p;
    sk_blas_filter_bank_max(c->src, c->stride, c->sz->w, c->sz->h, c->kern, c->K, c->k, c->dst,
                            c->stride, c->dst2, c->stride, c->scratch);
}

static void run_pca_fit(void *p)
{
    ctx *c = p;
    double mean[3], ev[3], V[9];
    size_t plane = c->stride * (size_t)c->sz->h;
    sk_blas_pca_fit(c->planes, c->stride, plane, c->sz->w, c->sz->h, 3, NULL, 0, mean, NULL, ev,
                    V);
}

static void run_pca_project(void *p)
{
    ctx *c = p;
    static const double mean[3] = {0.5, 0.5, 0.5};
    static const double V[9] = {0.577, 0.577, 0.577, 0.707, -0.707, 0, 0.408, 0.408, -0.816};
    size_t plane = c->stride * (size_t)c->sz->h;
    sk_blas_pca_project(c->planes, c->stride, plane, c->sz->w, c->sz->h, 3, mean, V, 3,
                        c->planes + 3 * plane, c->stride, plane);
}

int main(void)
{
    bench_header("sgb (stats, geom, blas)");
    sk_blas_set_threads(1);
    const int have_avx2 = sk_simd_supported(SK_SIMD_AVX2);
    for (int s = 0; s < 2; s++) {
        const bench_size *sz = &bench_sizes[s];
        ctx c = {.sz = sz};
        bench_report_copy(sz);
        c.src = bench_plane(sz, &c.stride);
        c.dst = bench_plane(sz, &c.stride);
        c.dst2 = bench_plane(sz, &c.stride);
        size_t plane = c.stride * (size_t)sz->h;
        c.planes = sk_alloc_floats(plane * 8);
        for (size_t i = 0; i < plane * 8; i++) /* pre-touch */
            c.planes[i] = c.src[i % plane];
        c.scratch = malloc(sk_stats_local_scratch_size(sz->w, 32) +
                           sk_blas_filter_bank_scratch_size(sz->w, 15, 8));

        const int radii[] = {2, 8, 32};
        for (int i = 0; i < 3; i++) {
            char name[64];
            c.r = radii[i];
            snprintf(name, sizeof name, "local_mean_var r=%d", c.r);
            bench_report(name, "scalar", sz, bench_time(run_local, &c, 0.3));
        }

        sk_geom_affine_similarity(1.02, 3.0 * M_PI / 180.0, 4.5, -3.25, sz->w / 2.0,
                                  sz->h / 2.0, c.M);
        c.wp = (sk_warp_params){SK_INTERP_BILINEAR, 0.0f, 0.0};
        bench_report("warp_affine bilinear", "scalar", sz, bench_time(run_warp_scalar, &c, 0.3));
        if (have_avx2)
            bench_report("warp_affine bilinear", "avx2", sz, bench_time(run_warp_avx2, &c, 0.3));
        c.wp.interp = SK_INTERP_BICUBIC;
        bench_report("warp_affine bicubic", "scalar", sz, bench_time(run_warp_scalar, &c, 0.3));
        c.wp.interp = SK_INTERP_NEAREST;
        bench_report("warp_affine nearest", "scalar", sz, bench_time(run_warp_scalar, &c, 0.3));

        bench_report("downsample2", "scalar", sz, bench_time(run_down2, &c, 0.3));
        bench_report("resize area x0.4", "scalar", sz, bench_time(run_resize_area, &c, 0.3));

        const int ks[] = {9, 15};
        for (int i = 0; i < 2; i++) {
            char name[64];
            c.K = 8;
            c.k = ks[i];
            c.kern = malloc(sizeof(float) * c.K * c.k * c.k);
            sk_blas_gabor_bank(c.K, c.k, c.k / 4.0, c.k / 2.0, 0.5, 0.0, c.kern);
            snprintf(name, sizeof name, "filter_bank 8x%dx%d", c.k, c.k);
            bench_report(name, "blas", sz, bench_time(run_bank_gemm, &c, 0.3));
            bench_report(name, "direct", sz, bench_time(run_bank_direct, &c, 0.1));
            snprintf(name, sizeof name, "filter_bank_max 8x%dx%d", c.k, c.k);
            bench_report(name, "blas", sz, bench_time(run_bank_max, &c, 0.3));
            free(c.kern);
        }

        bench_report("pca_fit d=3", "blas", sz, bench_time(run_pca_fit, &c, 0.3));
        bench_report("pca_project d=3", "blas", sz, bench_time(run_pca_project, &c, 0.3));

        free(c.scratch);
        sk_free(c.src);
        sk_free(c.dst);
        sk_free(c.dst2);
        sk_free(c.planes);
    }
    return 0;
}
