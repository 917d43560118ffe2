/* Affine warp of a float plane, destination-to-source mapping (geom.md). */
#include "pgeom.h"

void sk_geom_warp_affine_scalar(const float *src, size_t ss, int sw, int sh, float *dst,
                                size_t ds, int dw, int dh, const double M[6],
                                const sk_warp_params *p, float *valid, size_t vs)
{
    const double a = p->cubic_a != 0.0 ? p->cubic_a : -0.5;
    for (int y = 0; y < dh; y++) {
        /* Coordinates in double from the row start: no drift across 4000 px. */
        const double bx = M[1] * y + M[2], by = M[4] * y + M[5];
        float *d = dst + (size_t)y * ds;
        float *v = valid ? valid + (size_t)y * vs : NULL;
        /* One loop per mode so each inner loop is branch-light. */
#define SK_WARP_ROW(SAMPLE)                                                                       \
    for (int x = 0; x < dw; x++) {                                                                \
        double xs = M[0] * x + bx, ys = M[3] * x + by;                                            \
        float out;                                                                                \
        int ok = SAMPLE;                                                                          \
        d[x] = ok ? out : p->fill;                                                                \
        if (v)                                                                                    \
            v[x] = ok ? 1.0f : 0.0f;                                                              \
    }
        switch (p->interp) {
        case SK_INTERP_NEAREST:
            SK_WARP_ROW(sk_geom_sample_nearest(src, ss, sw, sh, xs, ys, &out))
            break;
        case SK_INTERP_BICUBIC:
            SK_WARP_ROW(sk_geom_sample_bicubic(src, ss, sw, sh, a, xs, ys, &out))
            break;
        default:
            SK_WARP_ROW(sk_geom_sample_bilinear(src, ss, sw, sh, xs, ys, &out))
            break;
        }
#undef SK_WARP_ROW
    }
}

int sk_geom_warp_affine(const float *src, size_t src_stride, int sw, int sh, float *dst,
                        size_t dst_stride, int dw, int dh, const double M[6],
                        const sk_warp_params *p, float *valid, size_t valid_stride)
{
    if (!src || !dst || !M || !p)
        return sk_error_set(SK_ERR_ARG, "warp_affine: NULL argument");
    if (sw < 1 || sh < 1 || dw < 1 || dh < 1)
        return sk_error_set(SK_ERR_ARG, "warp_affine: bad sizes %dx%d -> %dx%d", sw, sh, dw, dh);
    if (src_stride < (size_t)sw || dst_stride < (size_t)dw ||
        (valid && valid_stride < (size_t)dw))
        return sk_error_set(SK_ERR_ARG, "warp_affine: stride smaller than width");
    for (int i = 0; i < 6; i++)
        if (!isfinite(M[i]))
            return sk_error_set(SK_ERR_ARG, "warp_affine: non-finite matrix entry %d", i);
    if (p->interp != SK_INTERP_NEAREST && p->interp != SK_INTERP_BILINEAR &&
        p->interp != SK_INTERP_BICUBIC)
        return sk_error_set(SK_ERR_ARG, "warp_affine: unknown interpolation %d", (int)p->interp);
    if (!isfinite(p->cubic_a))
        return sk_error_set(SK_ERR_ARG, "warp_affine: bad cubic_a");
    if (p->interp == SK_INTERP_BILINEAR && sk_simd_level() == SK_SIMD_AVX2)
        sk_geom_warp_affine_avx2(src, src_stride, sw, sh, dst, dst_stride, dw, dh, M, p, valid,
                                 valid_stride);
    else
        sk_geom_warp_affine_scalar(src, src_stride, sw, sh, dst, dst_stride, dw, dh, M, p, valid,
                                   valid_stride);
    return SK_OK;
}
