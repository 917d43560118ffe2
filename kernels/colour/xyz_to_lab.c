/* CIE XYZ -> CIE 1976 L*a*b* (D65 white). */
#include "pcolour.h"

void sk_colour_xyz_to_lab_scalar(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                                 size_t dp, int w, int h)
{
    for (int y = 0; y < h; y++) {
        const float *s0 = src + (size_t)y * ss, *s1 = s0 + sp, *s2 = s1 + sp;
        float *d0 = dst + (size_t)y * ds, *d1 = d0 + dp, *d2 = d1 + dp;
        for (int x = 0; x < w; x++) {
            /* All three inputs are read before any output is written, so
             * dst == src works. */
            float X = skc_sanitise(s0[x]), Y = skc_sanitise(s1[x]), Z = skc_sanitise(s2[x]);
            float L, a, b;
            skc_xyz_to_lab_px(X, Y, Z, &L, &a, &b);
            d0[x] = L;
            d1[x] = a;
            d2[x] = b;
        }
    }
}

int sk_colour_xyz_to_lab(const float *src, size_t src_stride, size_t src_plane, float *dst,
                         size_t dst_stride, size_t dst_plane, int w, int h)
{
    int rc =
        skc_check3("xyz_to_lab", src, src_stride, src_plane, dst, dst_stride, dst_plane, w, h);
    if (rc)
        return rc;
    sk_colour_xyz_to_lab_scalar(src, src_stride, src_plane, dst, dst_stride, dst_plane, w, h);
    return SK_OK;
}
