/* Benchmarks of the stats, geom and blas families: local mean/variance,
 * affine warp, 2x down-sample and resize, oriented filter bank (GEMM vs
 * direct), PCA of 3 channels. One thread (OpenBLAS too), 3 MP and 12 MP.
 * Order statistics as the models use them (3 MP only): the masked median and
 * MAD of a noise plane read every 2nd row (wrinkles) and in a 512x384
 * window (pores), and sk_stats_select_kth's median and MAD of 190k floats (skin). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "blas/pblas.h"
#include "geom/pgeom.h"
#include "stats/pstats.h"
#include "sk_kernels.h"

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

typedef struct {
    const float *src, *mask;
    size_t stride;
    int w, h, step;
    float *v, *v0;
    size_t n;
} order_ctx;

static void run_median_mad(void *p)
{
    order_ctx *c = p;
    double med, mad;
    size_t s = c->stride * (size_t)c->step;
    sk_stats_masked_median_mad(c->src, s, c->mask, s, c->w, (c->h + c->step - 1) / c->step, &med,
                               &mad);
}

/* as models/skin_mask.c's robust(): median, then the median of |v - median| */
static void run_select_robust(void *p)
{
    order_ctx *c = p;
    memcpy(c->v, c->v0, c->n * sizeof(float));
    float med = sk_stats_select_kth(c->v, c->n, c->n / 2);
    for (size_t i = 0; i < c->n; i++)
        c->v[i] = fabsf(c->v[i] - med);
    sk_stats_select_kth(c->v, c->n, c->n / 2);
}

static void bench_order_stats(const bench_size *sz)
{
    /* a high-pass of the test pattern (noise about 0, like the Laplacian the
     * noise levels are taken from) over an elliptic mask of 3/4 of the plane */
    order_ctx c = {.w = sz->w, .h = sz->h};
    float *pat = bench_plane(sz, &c.stride);
    float *hp = bench_plane(sz, &c.stride), *mask = bench_plane(sz, &c.stride);
    for (int y = 0; y < sz->h; y++)
        for (int x = 0; x < sz->w; x++) {
            size_t i = (size_t)y * c.stride + x;
            double dx = (x - sz->w / 2.0) / (0.5 * sz->w), dy = (y - sz->h / 2.0) / (0.5 * sz->h);
            hp[i] = pat[i] - (x + 1 < sz->w ? pat[i + 1] : pat[i - 1]);
            mask[i] = dx * dx + dy * dy < 1.0 ? 1.0f : 0.0f;
        }
    c.src = hp, c.mask = mask, c.step = 2;
    bench_report("masked_median_mad every 2nd row", "scalar", sz,
                 bench_time(run_median_mad, &c, 0.3));
    const bench_size win = {"512x384", 512, 384};
    size_t off = (size_t)(sz->h / 4) * c.stride + (size_t)(sz->w / 3);
    c.src = hp + off, c.mask = mask + off, c.w = win.w, c.h = win.h, c.step = 1;
    bench_report("masked_median_mad", "scalar", &win, bench_time(run_median_mad, &c, 0.3));

    /* 190k floats like the skin model's samples of L* */
    const bench_size sel = {"190k", 190000, 1};
    c.n = 190000;
    c.v = malloc(c.n * sizeof(float));
    c.v0 = malloc(c.n * sizeof(float));
    for (size_t i = 0; i < c.n; i++)
        c.v0[i] = 40.0f + 40.0f * pat[i * 13 % (c.stride * (size_t)sz->h)];
    bench_report("select_kth median+MAD", "scalar", &sel, bench_time(run_select_robust, &c, 0.3));
    free(c.v);
    free(c.v0);
    sk_free(pat);
    sk_free(hp);
    sk_free(mask);
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

        if (s == 0)
            bench_order_stats(sz);

        free(c.scratch);
        sk_free(c.src);
        sk_free(c.dst);
        sk_free(c.dst2);
        sk_free(c.planes);
    }
    return 0;
}
