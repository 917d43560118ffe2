/* CIE L*a*b* (D65) -> sRGB-encoded in one pass: inverse companding, inverse
 * sRGB matrix, encode. Not clipped (see sk_colour.h). */
#include "pcolour.h"

void sk_colour_lab_to_srgb_scalar(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                                  size_t dp, int w, int h)
{
    for (int y = 0; y < h; y++) {
        const float *s0 = src + (size_t)y * ss, *s1 = s0 + sp, *s2 = s1 + sp;
        float *d0 = dst + (size_t)y * ds, *d1 = d0 + dp, *d2 = d1 + dp;
        for (int x = 0; x < w; x++) {
            float L = skc_sanitise(s0[x]), a = skc_sanitise(s1[x]), b = skc_sanitise(s2[x]);
            float X, Y, Z, r, g, bl;
            skc_lab_to_xyz_px(L, a, b, &X, &Y, &Z);
            skc_mat3_px(skc_rgb_from_xyz, X, Y, Z, &r, &g, &bl);
            d0[x] = skc_srgb_encode(r);
            d1[x] = skc_srgb_encode(g);
            d2[x] = skc_srgb_encode(bl);
        }
    }
}

int sk_colour_lab_to_srgb(const float *src, size_t src_stride, size_t src_plane, float *dst,
                          size_t dst_stride, size_t dst_plane, int w, int h)
{
    int rc =
        skc_check3("lab_to_srgb", src, src_stride, src_plane, dst, dst_stride, dst_plane, w, h);
    if (rc)
        return rc;
    skc_planes3_fn fn = sk_simd_level() == SK_SIMD_AVX2 ? sk_colour_lab_to_srgb_avx2
                                                        : sk_colour_lab_to_srgb_scalar;
    fn(src, src_stride, src_plane, dst, dst_stride, dst_plane, w, h);
    return SK_OK;
}
