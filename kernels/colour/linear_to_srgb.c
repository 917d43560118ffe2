/* sRGB encode (IEC 61966-2-1), one plane. */
#include "pcolour.h"

void sk_colour_linear_to_srgb_scalar(const float *src, size_t ss, float *dst, size_t ds, int w,
                                     int h)
{
    for (int y = 0; y < h; y++) {
        const float *s = src + (size_t)y * ss;
        float *d = dst + (size_t)y * ds;
        for (int x = 0; x < w; x++)
            d[x] = skc_srgb_encode(skc_sanitise(s[x]));
    }
}

int sk_colour_linear_to_srgb(const float *src, size_t src_stride, float *dst, size_t dst_stride,
                             int w, int h)
{
    int rc = skc_check1("linear_to_srgb", src, src_stride, dst, dst_stride, w, h);
    if (rc)
        return rc;
    skc_plane_fn fn = sk_simd_level() == SK_SIMD_AVX2 ? sk_colour_linear_to_srgb_avx2
                                                      : sk_colour_linear_to_srgb_scalar;
    fn(src, src_stride, dst, dst_stride, w, h);
    return SK_OK;
}
