/* PCA of N pixels x d channels: mean and covariance with SYRK over pixel
 * blocks, then a Jacobi eigen-decomposition (sym_eig.c); projection with GEMM.
 *
 * Precision: pixels are shifted by a per-channel offset o (a sampled mean)
 * before the float SYRK of each block of BLOCK pixels, and the d x d block
 * products and channel sums are accumulated in double. The covariance is then
 * (S_zz - N m m^T) / N with m the mean of z = x - o, which is small, so a
 * large common offset costs no accuracy. */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pblas.h"

enum { BLOCK = 4096, MAX_D = 64 };

typedef struct {
    int d;
    float *z; /* d rows of BLOCK floats (lda = BLOCK) */
    int fill;
    uint64_t n;
    double sz[MAX_D], szz[MAX_D * MAX_D];
} accum;

static void flush(accum *a)
{
    if (!a->fill)
        return;
    const int d = a->d;
    float cblk[MAX_D * MAX_D];
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, d, a->fill, 1.0f, a->z, BLOCK, 0.0f,
                cblk, d);
    for (int i = 0; i < d; i++) {
        double s = 0.0;
        const float *zi = a->z + (size_t)i * BLOCK;
        for (int t = 0; t < a->fill; t++)
            s += zi[t];
        a->sz[i] += s;
        for (int j = i; j < d; j++)
            a->szz[i * d + j] += cblk[i * d + j];
    }
    a->n += (uint64_t)a->fill;
    a->fill = 0;
}

int sk_blas_pca_fit(const float *data, size_t stride, size_t plane_stride, int w, int h, int d,
                    const float *mask, size_t mask_stride, double *mean, double *cov,
                    double *eigval, double *eigvec)
{
    if (!data || !mean || !eigval || !eigvec)
        return sk_error_set(SK_ERR_ARG, "pca_fit: NULL argument");
    if (w < 1 || h < 1 || d < 1 || d > MAX_D || stride < (size_t)w ||
        (d > 1 && plane_stride < stride * (size_t)h) || (mask && mask_stride < (size_t)w))
        return sk_error_set(SK_ERR_ARG, "pca_fit: bad shape (%dx%d, d %d) or strides", w, h, d);

    /* Offsets: mean of a sparse sample of counted pixels. */
    double off[MAX_D] = {0};
    long ns = 0;
    int sy = h > 32 ? h / 32 : 1, sx = w > 32 ? w / 32 : 1;
    for (int y = 0; y < h; y += sy)
        for (int x = 0; x < w; x += sx)
            if (!mask || mask[(size_t)y * mask_stride + x] > 0.5f) {
                for (int c = 0; c < d; c++)
                    off[c] += data[(size_t)c * plane_stride + (size_t)y * stride + x];
                ns++;
            }
    float offf[MAX_D];
    for (int c = 0; c < d; c++)
        offf[c] = (float)(ns ? off[c] / ns : 0.0);

    accum *a = calloc(1, sizeof *a);
    float *z = sk_alloc_floats((size_t)d * BLOCK);
    if (!a || !z) {
        free(a);
        sk_free(z);
        return sk_error_set(SK_ERR_NOMEM, "pca_fit: block buffer");
    }
    a->d = d;
    a->z = z;
    for (int y = 0; y < h; y++) {
        const float *m = mask ? mask + (size_t)y * mask_stride : NULL;
        for (int x0 = 0; x0 < w;) {
            int take = w - x0 < BLOCK - a->fill ? w - x0 : BLOCK - a->fill;
            if (!m) {
                for (int c = 0; c < d; c++) {
                    const float *restrict s = data + (size_t)c * plane_stride + (size_t)y * stride + x0;
                    float *restrict zc = z + (size_t)c * BLOCK + a->fill;
                    const float o = offf[c];
                    for (int t = 0; t < take; t++)
                        zc[t] = s[t] - o;
                }
                a->fill += take;
            } else {
                for (int x = x0; x < x0 + take; x++)
                    if (m[x] > 0.5f) {
                        for (int c = 0; c < d; c++)
                            z[(size_t)c * BLOCK + a->fill] =
                                data[(size_t)c * plane_stride + (size_t)y * stride + x] - offf[c];
                        a->fill++;
                    }
            }
            x0 += take;
            if (a->fill == BLOCK)
                flush(a);
        }
    }
    flush(a);
    sk_free(z);
    const uint64_t n = a->n;
    if (n < 2) {
        free(a);
        return sk_error_set(SK_ERR_QUALITY, "pca_fit: %llu pixels, need at least 2",
                            (unsigned long long)n);
    }
    double mz[MAX_D], C[MAX_D * MAX_D];
    for (int i = 0; i < d; i++) {
        mz[i] = a->sz[i] / (double)n;
        mean[i] = (double)offf[i] + mz[i];
    }
    for (int i = 0; i < d; i++)
        for (int j = i; j < d; j++) {
            double v = a->szz[i * d + j] / (double)n - mz[i] * mz[j];
            C[i * d + j] = C[j * d + i] = v;
        }
    free(a);
    if (cov)
        memcpy(cov, C, sizeof(double) * (size_t)d * d);
    return sk_blas_sym_eig(d, C, eigval, eigvec);
}

int sk_blas_pca_project(const float *data, size_t stride, size_t plane_stride, int w, int h,
                        int d, const double *mean, const double *eigvec, int nc, float *dst,
                        size_t dst_stride, size_t dst_plane)
{
    if (!data || !mean || !eigvec || !dst)
        return sk_error_set(SK_ERR_ARG, "pca_project: NULL argument");
    if (w < 1 || h < 1 || d < 1 || d > MAX_D || nc < 1 || nc > d || stride < (size_t)w ||
        (d > 1 && plane_stride < stride * (size_t)h) || dst_stride < (size_t)w ||
        (nc > 1 && (dst_plane < dst_stride * (size_t)h || dst_plane > (size_t)INT_MAX)))
        return sk_error_set(SK_ERR_ARG, "pca_project: bad shape (%dx%d, d %d, nc %d) or strides",
                            w, h, d, nc);
    float *z = sk_alloc_floats((size_t)d * (size_t)w);
    if (!z)
        return sk_error_set(SK_ERR_NOMEM, "pca_project: row buffer");
    float V[MAX_D * MAX_D], mu[MAX_D];
    for (int i = 0; i < nc * d; i++)
        V[i] = (float)eigvec[i];
    for (int i = 0; i < d; i++)
        mu[i] = (float)mean[i];
    const int ldc = nc > 1 ? (int)dst_plane : w;
    for (int y = 0; y < h; y++) {
        /* Centre first, in float: keeps a large offset out of the products. */
        for (int c = 0; c < d; c++) {
            const float *restrict s = data + (size_t)c * plane_stride + (size_t)y * stride;
            float *restrict zc = z + (size_t)c * w;
            const float m = mu[c];
            for (int x = 0; x < w; x++)
                zc[x] = s[x] - m;
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, nc, w, d, 1.0f, V, d, z, w, 0.0f,
                    dst + (size_t)y * dst_stride, ldc);
    }
    sk_free(z);
    return SK_OK;
}
