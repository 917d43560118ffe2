/* Texture and morph kernels: quantisation, GLCM (4 offsets, 32 levels),
 * Haralick properties, uniform LBP, labelling, erosion / dilation,
 * thinning and tracing on a realistic mask (thresholded band-passed
 * pattern); scalar and AVX2 where a variant exists; 3 MP and 12 MP. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "morph/pmorph.h"
#include "texture/ptexture.h"

typedef struct {
    const float *src;
    float *bp;
    size_t s;
    int w, h;
    uint8_t *q, *mask, *tmp, *codes;
    int32_t *lab;
    uint32_t *glcm, *parts, *idx;
    double p[32 * 32];
    void *gscratch, *mscratch;
    sk_label_ws lws;
    sk_trace_ws tws;
    int r, se, erode, nparts, method;
    sk_simd path;
} arg_t;

static const sk_glcm_offset_t OFFS[4] = {{1, 0}, {1, 1}, {0, 1}, {-1, 1}};

static void quantise(void *p)
{
    arg_t *a = p;
    sk_texture_quantise_masked(a->bp, a->s, a->mask, a->w, a->w, a->h, -0.05, 0.05, 32, a->q, a->w);
}

static void glcm4(void *p)
{
    arg_t *a = p;
    sk_texture_glcm_multi(a->q, a->w, a->mask, a->w, a->w, a->h, 32, OFFS, 4, 1, a->glcm, NULL,
                          a->gscratch);
}

static void glcm_parts(void *p)
{
    arg_t *a = p;
    for (int k = 0; k < 4; k++) {
        memset(a->parts, 0, 4 * (32 * 32 + 1) * sizeof(uint32_t));
        sk_texture_glcm_accumulate(a->q, a->w, a->mask, a->w, a->w, a->h, 32, OFFS[k].dx,
                                   OFFS[k].dy, a->parts, a->nparts, a->idx);
    }
}

static void haralick4(void *p)
{
    arg_t *a = p;
    sk_haralick_t hp;
    for (int k = 0; k < 4; k++) {
        sk_texture_glcm_normalise(a->glcm + k * 32 * 32, 32, a->p);
        sk_texture_haralick_p(a->p, 32, &hp);
    }
}

static void lbp(void *p)
{
    arg_t *a = p;
    if (a->path == SK_SIMD_AVX2)
        sk_texture_lbp_avx2(a->src, a->s, a->w, a->h, (sk_lbp_method)a->method, a->codes, a->w);
    else
        sk_texture_lbp_scalar(a->src, a->s, a->w, a->h, (sk_lbp_method)a->method, a->codes, a->w);
}

static void lbp_hist(void *p)
{
    arg_t *a = p;
    uint64_t h[10];
    sk_texture_lbp_histogram(a->codes, a->w, a->mask, a->w, a->w, a->h, h);
}

static void label(void *p)
{
    arg_t *a = p;
    const sk_component_t *c;
    int n;
    sk_label(a->mask, a->w, a->w, a->h, a->lab, a->w, a->bp, a->s, &a->lws, &c, &n);
}

static void morph(void *p)
{
    arg_t *a = p;
    sk_morph_apply(a->mask, a->w, a->tmp, a->w, a->w, a->h, a->r, (sk_se)a->se, a->mscratch,
                   a->erode, a->path);
}

static void fill(void *p)
{
    arg_t *a = p;
    sk_morph_fill_holes(a->mask, a->w, a->tmp, a->w, a->w, a->h, a->mscratch);
}

static void copy_mask(void *p)
{
    arg_t *a = p;
    memcpy(a->tmp, a->mask, (size_t)a->w * a->h);
}

static void thin(void *p)
{
    arg_t *a = p;
    memcpy(a->tmp, a->mask, (size_t)a->w * a->h);
    sk_morph_thin(a->tmp, a->w, a->w, a->h);
}

static void trace(void *p)
{
    arg_t *a = p;
    const sk_polyline_t *l;
    const int32_t *pts;
    int n;
    sk_morph_trace(a->codes, a->w, a->w, a->h, &a->tws, &l, &n, &pts);
}

int main(void)
{
    bench_header("texmorph");
    const sk_simd paths[2] = {SK_SIMD_SCALAR, SK_SIMD_AVX2};
    for (int si = 0; si < 2; si++) {
        const bench_size *sz = &bench_sizes[si];
        bench_report_copy(sz);
        arg_t a = {0};
        a.w = sz->w, a.h = sz->h;
        const size_t n = (size_t)a.w * a.h;
        a.src = bench_plane(sz, &a.s);
        a.bp = bench_plane(sz, &a.s);
        /* band-pass of the test pattern; the mask keeps its darkest 15 %
         * (wrinkle- and pore-like valleys) */
        sk_gauss_ws g = {0};
        sk_gauss_ws_init(&g, a.w, a.h);
        float *g2 = bench_plane(sz, &a.s);
        sk_filter_gauss(a.src, a.s, a.bp, a.s, a.w, a.h, 1.5, 0, 0, &g);
        sk_filter_gauss(a.src, a.s, g2, a.s, a.w, a.h, 6.0, 0, 0, &g);
        for (int y = 0; y < a.h; y++)
            for (int x = 0; x < a.w; x++)
                a.bp[(size_t)y * a.s + x] -= g2[(size_t)y * a.s + x];
        double lo, hi;
        sk_texture_percentiles(a.bp, a.s, NULL, 0, a.w, a.h, 15, 85, &lo, &hi);
        a.q = malloc(n), a.mask = malloc(n), a.tmp = malloc(n), a.codes = malloc(n);
        a.lab = malloc(n * sizeof(int32_t));
        for (int y = 0; y < a.h; y++)
            for (int x = 0; x < a.w; x++)
                a.mask[(size_t)y * a.w + x] = a.bp[(size_t)y * a.s + x] < lo;
        memset(a.q, 0, n), memset(a.tmp, 0, n), memset(a.codes, 0, n);
        memset(a.lab, 0, n * sizeof(int32_t));
        a.glcm = malloc(4 * 32 * 32 * sizeof(uint32_t));
        a.parts = malloc(4 * (32 * 32 + 1) * sizeof(uint32_t));
        a.idx = malloc((size_t)a.w * sizeof(uint32_t));
        a.gscratch = malloc(sk_texture_glcm_scratch_size(32, a.w));
        const size_t ms = sk_morph_scratch_size_r(a.w, a.h, 15) > (size_t)a.w * a.h * 5 + 65536
                              ? sk_morph_scratch_size_r(a.w, a.h, 15)
                              : (size_t)a.w * a.h * 5 + 65536;
        a.mscratch = malloc(ms);
        memset(a.mscratch, 0, ms);
        int64_t on = 0;
        for (size_t i = 0; i < n; i++)
            on += a.mask[i];
        fprintf(stderr, "  mask: %.1f %% on\n", 100.0 * (double)on / (double)n);

        bench_report("quantise 32 levels, masked", "scalar", sz, bench_time(quantise, &a, 0.2));
        bench_report("GLCM 4 offsets 32 levels sym, masked", "scalar", sz,
                     bench_time(glcm4, &a, 0.2));
        for (a.nparts = 1; a.nparts <= 4; a.nparts *= 2) {
            char name[64];
            snprintf(name, sizeof name, "GLCM accumulate x4, %d partial hist", a.nparts);
            bench_report(name, "scalar", sz, bench_time(glcm_parts, &a, 0.2));
        }
        bench_report("Haralick props x4 (32 levels; size-independent)", "scalar", sz,
                     bench_time(haralick4, &a, 0.1));
        for (int pi = 0; pi < 2; pi++) {
            if (!sk_simd_supported(paths[pi]))
                continue;
            a.path = paths[pi];
            const char *v = sk_simd_name(paths[pi]);
            a.method = 0;
            bench_report("LBP uniform P8 R1", v, sz, bench_time(lbp, &a, 0.2));
            a.method = 1;
            bench_report("LBP nri_uniform P8 R1", v, sz, bench_time(lbp, &a, 0.2));
        }
        a.path = sk_simd_level();
        a.method = 0;
        lbp(&a);
        bench_report("LBP histogram, masked", "scalar", sz, bench_time(lbp_hist, &a, 0.2));
        label(&a); /* grow the workspace once */
        bench_report("label 8-conn + stats with values", "scalar", sz, bench_time(label, &a, 0.2));
        const int radii[3] = {1, 5, 15};
        for (int pi = 0; pi < 2; pi++) {
            if (!sk_simd_supported(paths[pi]))
                continue;
            a.path = paths[pi];
            const char *v = sk_simd_name(paths[pi]);
            for (a.se = 0; a.se <= 1; a.se++)
                for (int ri = 0; ri < 3; ri++)
                    for (a.erode = 0; a.erode <= 1; a.erode++) {
                        char name[64];
                        a.r = radii[ri];
                        snprintf(name, sizeof name, "%s %s r=%d", a.erode ? "erode" : "dilate",
                                 a.se ? "disc" : "square", a.r);
                        bench_report(name, v, sz, bench_time(morph, &a, 0.2));
                    }
        }
        bench_report("fill holes", "scalar", sz, bench_time(fill, &a, 0.2));
        bench_report("mask copy (part of thin)", "memcpy", sz, bench_time(copy_mask, &a, 0.2));
        bench_report("thin (Zhang-Suen), incl. copy", "scalar", sz, bench_time(thin, &a, 0.5));
        memcpy(a.codes, a.mask, n);
        sk_morph_thin(a.codes, a.w, a.w, a.h);
        trace(&a);
        bench_report("trace skeleton", "scalar", sz, bench_time(trace, &a, 0.2));
        sk_label_ws_free(&a.lws);
        sk_trace_ws_free(&a.tws);
        sk_gauss_ws_free(&g);
        sk_free((void *)a.src), sk_free(a.bp), sk_free(g2);
        free(a.q), free(a.mask), free(a.tmp), free(a.codes), free(a.lab), free(a.glcm);
        free(a.parts), free(a.idx), free(a.gscratch), free(a.mscratch);
    }
    return 0;
}
