/* General 3x3 colour matrix with OpenBLAS: the three planes are a 3 x N
 * row-major matrix (leading dimension = plane distance) and
 * out = M * in (+ off, by starting from the offset with beta = 1). Kept for
 * the benchmark that picks the public path; see matrix3.c. */
#include <cblas.h>
#include <limits.h>

#include "pcolour.h"

static void fill_offset(float *d, size_t dp, int n, const float off[3])
{
    for (int c = 0; c < 3; c++) {
        float *p = d + (size_t)c * dp;
        for (int i = 0; i < n; i++)
            p[i] = off[c];
    }
}

void sk_colour_matrix3_blas(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                            size_t dp, int w, int h, const float M[9], const float off[3])
{
    /* sgemm must not write what it still reads, and takes int strides. */
    if (src == dst || sp > (size_t)INT_MAX || dp > (size_t)INT_MAX) {
        sk_colour_matrix3_scalar(src, ss, sp, dst, ds, dp, w, h, M, off, 0);
        return;
    }
    int has_off = off && (off[0] != 0.0f || off[1] != 0.0f || off[2] != 0.0f);
    float beta = has_off ? 1.0f : 0.0f;
    size_t n_all = (size_t)w * (size_t)h;
    if (ss == (size_t)w && ds == (size_t)w && n_all <= (size_t)INT_MAX && sp >= n_all &&
        dp >= n_all) {
        /* Unpadded planes: one product over every pixel. */
        if (has_off)
            fill_offset(dst, dp, (int)n_all, off);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 3, (int)n_all, 3, 1.0f, M, 3, src,
                    (int)sp, beta, dst, (int)dp);
        return;
    }
    /* Padded rows: one product per row, so row padding is never written. */
    for (int y = 0; y < h; y++) {
        float *d = dst + (size_t)y * ds;
        if (has_off)
            fill_offset(d, dp, w, off);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 3, w, 3, 1.0f, M, 3,
                    src + (size_t)y * ss, (int)sp, beta, d, (int)dp);
    }
}
