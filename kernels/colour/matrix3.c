/* General 3x3 colour matrix plus offset over three planes: the fused loop
 * and the public entry point. The OpenBLAS variant is in matrix3_blas.c. */
#include "pcolour.h"

/* Pixels per chunk. Each chunk is copied into local arrays first: that makes
 * dst == src (in place) safe without giving up vectorisation, since locals
 * cannot alias the planes, and a fixed trip count lets GCC vectorise the
 * arithmetic even at -O2. */
enum { SKC_CHUNK = 64 };

static inline void mat3_chunk(const float *s0, const float *s1, const float *s2, float *d0,
                              float *d1, float *d2, int n, const float M[9], const float o[3],
                              int sanitise)
{
    float a[SKC_CHUNK], b[SKC_CHUNK], c[SKC_CHUNK];
    assert(n <= SKC_CHUNK);
    for (int i = 0; i < n; i++) {
        a[i] = s0[i];
        b[i] = s1[i];
        c[i] = s2[i];
    }
    for (int i = n; i < SKC_CHUNK; i++) /* defined values in the unused tail */
        a[i] = b[i] = c[i] = 0.0f;
    if (sanitise)
        for (int i = 0; i < SKC_CHUNK; i++) {
            a[i] = skc_sanitise(a[i]);
            b[i] = skc_sanitise(b[i]);
            c[i] = skc_sanitise(c[i]);
        }
    float x[SKC_CHUNK], y[SKC_CHUNK], z[SKC_CHUNK];
    for (int i = 0; i < SKC_CHUNK; i++) {
        x[i] = M[0] * a[i] + M[1] * b[i] + M[2] * c[i] + o[0];
        y[i] = M[3] * a[i] + M[4] * b[i] + M[5] * c[i] + o[1];
        z[i] = M[6] * a[i] + M[7] * b[i] + M[8] * c[i] + o[2];
    }
    for (int i = 0; i < n; i++) {
        d0[i] = x[i];
        d1[i] = y[i];
        d2[i] = z[i];
    }
}

void sk_colour_matrix3_scalar(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                              size_t dp, int w, int h, const float M[9], const float off[3],
                              int sanitise)
{
    static const float zero[3] = {0.0f, 0.0f, 0.0f};
    float Ml[9], o[3];
    /* Local copies: M or off could point into a plane being written. */
    for (int i = 0; i < 9; i++)
        Ml[i] = M[i];
    for (int i = 0; i < 3; i++)
        o[i] = off ? off[i] : zero[i];
    for (int y = 0; y < h; y++) {
        const float *s0 = src + (size_t)y * ss, *s1 = s0 + sp, *s2 = s1 + sp;
        float *d0 = dst + (size_t)y * ds, *d1 = d0 + dp, *d2 = d1 + dp;
        for (int x = 0; x < w; x += SKC_CHUNK) {
            int n = w - x < SKC_CHUNK ? w - x : SKC_CHUNK;
            mat3_chunk(s0 + x, s1 + x, s2 + x, d0 + x, d1 + x, d2 + x, n, Ml, o, sanitise);
        }
    }
}

int sk_colour_matrix3(const float *src, size_t src_stride, size_t src_plane, float *dst,
                      size_t dst_stride, size_t dst_plane, int w, int h, const float M[9],
                      const float off[3])
{
    int rc = skc_check3("matrix3", src, src_stride, src_plane, dst, dst_stride, dst_plane, w, h);
    if (rc)
        return rc;
    if (!M)
        return sk_error_set(SK_ERR_ARG, "matrix3: NULL matrix");
    /* The fused loop: as fast as OpenBLAS sgemm on unpadded planes and ~10 %
     * faster on padded rows (bench_colour, 12 MP: ~480 vs ~475 and ~480 vs
     * ~437 MP/s; docs/kernels/colour.md). The 3 x 3 x N product is pure
     * memory traffic, and this loop also works in place and never spawns
     * threads. */
    sk_colour_matrix3_scalar(src, src_stride, src_plane, dst, dst_stride, dst_plane, w, h, M, off,
                             0);
    return SK_OK;
}
