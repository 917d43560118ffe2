/* Oriented filter bank as im2col + GEMM.
 *
 * For each output row, the k source rows it needs are copied once with the
 * boundary reflection applied (padded rows, width w + k - 1). The row is then
 * cut into tiles of T pixels; for a tile, row (i, j) of the im2col matrix A
 * (k^2 x T) is the contiguous run padded_i[x0 + j .. x0 + j + T), so im2col
 * is k^2 memcpy's. The responses of all K kernels are C = B A with B the
 * K x k^2 kernel matrix; C's row n is written straight into output plane n
 * (ldc = plane distance). T is chosen so A stays within L2 (blas.md). */
#include <cblas.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "pblas.h"

int sk_blas_filter_bank_tile(int k)
{
    int t = (64 * 1024) / (k * k); /* A is ~256 KB at most */
    t = t < 64 ? 64 : (t > 1024 ? 1024 : t);
    return t & ~15;
}

size_t sk_blas_filter_bank_scratch_size(int w, int k, int K)
{
    if (w < 1 || k < 1 || K < 1)
        return 0;
    size_t T = (size_t)sk_blas_filter_bank_tile(k);
    size_t pad = (size_t)k * ((size_t)w + (size_t)k - 1);
    return sizeof(float) * (pad + (size_t)k * k * T + (size_t)K * T);
}

/* pad holds k rows of pw = w + k - 1 floats for output row y. */
static void padded_rows(const float *src, size_t ss, int w, int h, int k, int y, float *pad)
{
    const int c = k / 2, pw = w + k - 1;
    for (int i = 0; i < k; i++) {
        const float *row = src + (size_t)sk_blas_reflect((long)y + i - c, h) * ss;
        float *p = pad + (size_t)i * pw;
        for (int t = 0; t < c; t++)
            p[t] = row[sk_blas_reflect((long)t - c, w)];
        memcpy(p + c, row, sizeof(float) * (size_t)w);
        for (int t = c + w; t < pw; t++)
            p[t] = row[sk_blas_reflect((long)t - c, w)];
    }
}

void sk_blas_filter_bank_direct(const float *src, size_t ss, int w, int h, const float *kernels,
                                int K, int k, float *dst, size_t ds, size_t dplane, void *scratch)
{
    assert(src && dst && kernels && scratch && w > 0 && h > 0 && K > 0 && (k & 1));
    float *pad = scratch;
    const int pw = w + k - 1;
    for (int y = 0; y < h; y++) {
        padded_rows(src, ss, w, h, k, y, pad);
        for (int n = 0; n < K; n++) {
            float *restrict out = dst + (size_t)n * dplane + (size_t)y * ds;
            const float *kern = kernels + (size_t)n * k * k;
            for (int x = 0; x < w; x++)
                out[x] = 0.0f;
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++) {
                    const float kv = kern[i * k + j];
                    const float *restrict p = pad + (size_t)i * pw + j;
                    for (int x = 0; x < w; x++)
                        out[x] += kv * p[x];
                }
        }
    }
}

/* C (K x tw, ldc) = kernels (K x k^2) * im2col of tile [x0, x0 + tw). */
static void tile_gemm(const float *pad, int pw, int k, int K, const float *kernels, int x0, int tw,
                      float *a, float *c, int ldc)
{
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            memcpy(a + (size_t)(i * k + j) * tw, pad + (size_t)i * pw + x0 + j,
                   sizeof(float) * (size_t)tw);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, K, tw, k * k, 1.0f, kernels, k * k, a,
                tw, 0.0f, c, ldc);
}

void sk_blas_filter_bank_gemm(const float *src, size_t ss, int w, int h, const float *kernels,
                              int K, int k, float *dst, size_t ds, size_t dplane, void *scratch)
{
    assert(src && dst && kernels && scratch && w > 0 && h > 0 && K > 0 && (k & 1));
    const int T = sk_blas_filter_bank_tile(k), pw = w + k - 1;
    float *pad = scratch;
    float *a = pad + (size_t)k * pw;
    float *cbuf = a + (size_t)k * k * T;
    const int direct_ldc = dplane <= (size_t)INT_MAX;
    for (int y = 0; y < h; y++) {
        padded_rows(src, ss, w, h, k, y, pad);
        for (int x0 = 0; x0 < w; x0 += T) {
            const int tw = w - x0 < T ? w - x0 : T;
            float *out = dst + (size_t)y * ds + x0;
            if (K == 1) {
                tile_gemm(pad, pw, k, K, kernels, x0, tw, a, out, tw);
            } else if (direct_ldc) {
                tile_gemm(pad, pw, k, K, kernels, x0, tw, a, out, (int)dplane);
            } else {
                tile_gemm(pad, pw, k, K, kernels, x0, tw, a, cbuf, tw);
                for (int n = 0; n < K; n++)
                    memcpy(out + (size_t)n * dplane, cbuf + (size_t)n * tw,
                           sizeof(float) * (size_t)tw);
            }
        }
    }
}

static int check_bank(const float *src, size_t ss, int w, int h, const float *kernels, int K,
                      int k, const char *who)
{
    if (!src || !kernels)
        return sk_error_set(SK_ERR_ARG, "%s: NULL argument", who);
    if (w < 1 || h < 1 || ss < (size_t)w)
        return sk_error_set(SK_ERR_ARG, "%s: bad size %dx%d or stride", who, w, h);
    if (k < 1 || k > 63 || !(k & 1) || K < 1 || K > 256)
        return sk_error_set(SK_ERR_ARG, "%s: kernel size %d must be odd 1..63, count %d 1..256",
                            who, k, K);
    return SK_OK;
}

int sk_blas_filter_bank(const float *src, size_t src_stride, int w, int h, const float *kernels,
                        int K, int k, float *dst, size_t dst_stride, size_t dst_plane,
                        void *scratch)
{
    int rc = check_bank(src, src_stride, w, h, kernels, K, k, "filter_bank");
    if (rc)
        return rc;
    if (!dst || dst_stride < (size_t)w || (K > 1 && dst_plane < dst_stride * (size_t)h))
        return sk_error_set(SK_ERR_ARG, "filter_bank: bad output (stride or plane distance)");
    void *own = NULL;
    if (!scratch) {
        own = malloc(sk_blas_filter_bank_scratch_size(w, k, K));
        if (!own)
            return sk_error_set(SK_ERR_NOMEM, "filter_bank: scratch");
        scratch = own;
    }
    sk_blas_filter_bank_gemm(src, src_stride, w, h, kernels, K, k, dst, dst_stride, dst_plane,
                             scratch);
    free(own);
    return SK_OK;
}

int sk_blas_filter_bank_max(const float *src, size_t src_stride, int w, int h,
                            const float *kernels, int K, int k, float *max_out, size_t max_stride,
                            float *argmax_out, size_t argmax_stride, void *scratch)
{
    int rc = check_bank(src, src_stride, w, h, kernels, K, k, "filter_bank_max");
    if (rc)
        return rc;
    if ((!max_out && !argmax_out) || (max_out && max_stride < (size_t)w) ||
        (argmax_out && argmax_stride < (size_t)w))
        return sk_error_set(SK_ERR_ARG, "filter_bank_max: bad outputs");
    void *own = NULL;
    if (!scratch) {
        own = malloc(sk_blas_filter_bank_scratch_size(w, k, K));
        if (!own)
            return sk_error_set(SK_ERR_NOMEM, "filter_bank_max: scratch");
        scratch = own;
    }
    const int T = sk_blas_filter_bank_tile(k), pw = w + k - 1;
    float *pad = scratch;
    float *a = pad + (size_t)k * pw;
    float *cbuf = a + (size_t)k * k * T;
    for (int y = 0; y < h; y++) {
        padded_rows(src, src_stride, w, h, k, y, pad);
        for (int x0 = 0; x0 < w; x0 += T) {
            const int tw = w - x0 < T ? w - x0 : T;
            tile_gemm(pad, pw, k, K, kernels, x0, tw, a, cbuf, tw);
            /* Running max in C's first row, so the loops stay contiguous. */
            float *best = cbuf;
            float *ao = argmax_out ? argmax_out + (size_t)y * argmax_stride + x0 : NULL;
            if (ao)
                for (int x = 0; x < tw; x++)
                    ao[x] = 0.0f;
            for (int n = 1; n < K; n++) {
                const float *cn = cbuf + (size_t)n * tw;
                const float fn = (float)n;
                if (ao) {
                    for (int x = 0; x < tw; x++) {
                        int gt = cn[x] > best[x];
                        best[x] = gt ? cn[x] : best[x];
                        ao[x] = gt ? fn : ao[x];
                    }
                } else {
                    for (int x = 0; x < tw; x++)
                        best[x] = cn[x] > best[x] ? cn[x] : best[x];
                }
            }
            if (max_out)
                memcpy(max_out + (size_t)y * max_stride + x0, best, sizeof(float) * (size_t)tw);
        }
    }
    free(own);
    return SK_OK;
}
