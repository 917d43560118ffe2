/* sRGB-encoded -> CIE L*a*b* (D65) in one pass: decode, sRGB matrix,
 * companding. The hot path of the pipeline's colour stage. */
#include "pcolour.h"

void sk_colour_srgb_to_lab_scalar(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                                  size_t dp, int w, int h)
{
    for (int y = 0; y < h; y++) {
        const float *s0 = src + (size_t)y * ss, *s1 = s0 + sp, *s2 = s1 + sp;
        float *d0 = dst + (size_t)y * ds, *d1 = d0 + dp, *d2 = d1 + dp;
        for (int x = 0; x < w; x++) {
            float r = skc_srgb_decode(skc_sanitise(s0[x]));
            float g = skc_srgb_decode(skc_sanitise(s1[x]));
            float b = skc_srgb_decode(skc_sanitise(s2[x]));
            float X, Y, Z, L, A, B;
            skc_mat3_px(skc_xyz_from_rgb, r, g, b, &X, &Y, &Z);
            skc_xyz_to_lab_px(X, Y, Z, &L, &A, &B);
            d0[x] = L;
            d1[x] = A;
            d2[x] = B;
        }
    }
}

int sk_colour_srgb_to_lab(const float *src, size_t src_stride, size_t src_plane, float *dst,
                          size_t dst_stride, size_t dst_plane, int w, int h)
{
    int rc =
        skc_check3("srgb_to_lab", src, src_stride, src_plane, dst, dst_stride, dst_plane, w, h);
    if (rc)
        return rc;
    skc_planes3_fn fn = sk_simd_level() == SK_SIMD_AVX2 ? sk_colour_srgb_to_lab_avx2
                                                        : sk_colour_srgb_to_lab_scalar;
    fn(src, src_stride, src_plane, dst, dst_stride, dst_plane, w, h);
    return SK_OK;
}
