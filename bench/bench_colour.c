/* Colour family benchmark: every conversion, scalar and AVX2, and the 3x3
 * matrix as the fused loop vs OpenBLAS sgemm, on 3 MP and 12 MP planes, one
 * thread. Three-plane buffers are planar like sk_image_t. */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "colour/pcolour.h"

typedef struct {
    const char *name;
    float *src, *dst;
    size_t stride, plane;
    int w, h;
    skc_plane_fn f1;   /* one-plane kernels */
    skc_planes3_fn f3; /* three-plane kernels */
    int blas;          /* matrix3: 0 fused loop, 1 sgemm */
    const float *M, *off;
} job;

static void run(void *p)
{
    job *j = p;
    if (j->f1)
        j->f1(j->src, j->stride, j->dst, j->stride, j->w, j->h);
    else if (j->f3)
        j->f3(j->src, j->stride, j->plane, j->dst, j->stride, j->plane, j->w, j->h);
    else if (j->blas)
        sk_colour_matrix3_blas(j->src, j->stride, j->plane, j->dst, j->stride, j->plane, j->w,
                               j->h, j->M, j->off);
    else
        sk_colour_matrix3_scalar(j->src, j->stride, j->plane, j->dst, j->stride, j->plane, j->w,
                                 j->h, j->M, j->off, 0);
}

/* Three planes from the shared test pattern (pre-faulted, values in [0, 1]). */
static float *planes3(const bench_size *sz, size_t *stride, size_t *plane)
{
    float *one = bench_plane(sz, stride);
    *plane = *stride * (size_t)sz->h;
    float *p = sk_alloc_floats(3 * *plane);
    if (!p) {
        fprintf(stderr, "bench_colour: out of memory\n");
        exit(1);
    }
    for (int c = 0; c < 3; c++)
        for (size_t i = 0; i < *plane; i++) /* decorrelate the channels a little */
            p[(size_t)c * *plane + i] = one[(i + (size_t)c * 977) % *plane];
    sk_free(one);
    return p;
}

static void bench(job *j, const char *variant, const bench_size *sz)
{
    bench_report(j->name, variant, sz, bench_time(run, j, 0.5));
}

int main(void)
{
    bench_header("colour");
    sk_blas_set_threads(1);
    int avx2 = sk_simd_supported(SK_SIMD_AVX2);
    const float wb[9] = {1.9f, -0.7f, -0.2f, -0.25f, 1.6f, -0.35f, 0.05f, -0.55f, 1.5f};
    const float off[3] = {0.01f, -0.02f, 0.03f};
    for (int s = 0; s < 2; s++) {
        const bench_size *sz = &bench_sizes[s];
        size_t stride, plane;
        float *rgb = planes3(sz, &stride, &plane);
        float *out = planes3(sz, &stride, &plane);
        float *lab = planes3(sz, &stride, &plane);
        float *xyz = planes3(sz, &stride, &plane);
        sk_colour_srgb_to_lab_scalar(rgb, stride, plane, lab, stride, plane, sz->w, sz->h);
        sk_colour_linear_to_xyz_scalar(rgb, stride, plane, xyz, stride, plane, sz->w, sz->h);

        bench_report_copy(sz);
        job base = {.stride = stride, .plane = plane, .w = sz->w, .h = sz->h};
        job j;

        j = base, j.name = "srgb_to_linear (1 plane)", j.src = rgb, j.dst = out;
        j.f1 = sk_colour_srgb_to_linear_scalar, bench(&j, "scalar", sz);
        if (avx2)
            j.f1 = sk_colour_srgb_to_linear_avx2, bench(&j, "avx2", sz);

        j = base, j.name = "linear_to_srgb (1 plane)", j.src = rgb, j.dst = out;
        j.f1 = sk_colour_linear_to_srgb_scalar, bench(&j, "scalar", sz);
        if (avx2)
            j.f1 = sk_colour_linear_to_srgb_avx2, bench(&j, "avx2", sz);

        j = base, j.name = "srgb_to_lab", j.src = rgb, j.dst = out;
        j.f3 = sk_colour_srgb_to_lab_scalar, bench(&j, "scalar", sz);
        if (avx2)
            j.f3 = sk_colour_srgb_to_lab_avx2, bench(&j, "avx2", sz);

        j = base, j.name = "lab_to_srgb", j.src = lab, j.dst = out;
        j.f3 = sk_colour_lab_to_srgb_scalar, bench(&j, "scalar", sz);
        if (avx2)
            j.f3 = sk_colour_lab_to_srgb_avx2, bench(&j, "avx2", sz);

        j = base, j.name = "linear_to_xyz", j.src = rgb, j.dst = out;
        j.f3 = sk_colour_linear_to_xyz_scalar, bench(&j, "scalar", sz);
        j = base, j.name = "xyz_to_linear", j.src = xyz, j.dst = out;
        j.f3 = sk_colour_xyz_to_linear_scalar, bench(&j, "scalar", sz);
        j = base, j.name = "xyz_to_lab", j.src = xyz, j.dst = out;
        j.f3 = sk_colour_xyz_to_lab_scalar, bench(&j, "scalar", sz);
        j = base, j.name = "lab_to_xyz", j.src = lab, j.dst = out;
        j.f3 = sk_colour_lab_to_xyz_scalar, bench(&j, "scalar", sz);

        j = base, j.name = "matrix3", j.src = rgb, j.dst = out, j.M = wb, j.off = NULL;
        j.blas = 0, bench(&j, "scalar", sz);
        j.blas = 1, bench(&j, "blas", sz);
        j.name = "matrix3 +offset", j.off = off;
        j.blas = 0, bench(&j, "scalar", sz);
        j.blas = 1, bench(&j, "blas", sz);
        /* Padded rows make the sgemm path go row by row. */
        j.name = "matrix3 (row-wise)", j.off = NULL, j.w = sz->w - 16;
        j.blas = 0, bench(&j, "scalar", sz);
        j.blas = 1, bench(&j, "blas", sz);

        sk_free(rgb);
        sk_free(out);
        sk_free(lab);
        sk_free(xyz);
    }
    return 0;
}
