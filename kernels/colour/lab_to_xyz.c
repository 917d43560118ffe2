/* CIE 1976 L*a*b* -> CIE XYZ (D65 white). */
#include "pcolour.h"

void sk_colour_lab_to_xyz_scalar(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                                 size_t dp, int w, int h)
{
    for (int y = 0; y < h; y++) {
        const float *s0 = src + (size_t)y * ss, *s1 = s0 + sp, *s2 = s1 + sp;
        float *d0 = dst + (size_t)y * ds, *d1 = d0 + dp, *d2 = d1 + dp;
        for (int x = 0; x < w; x++) {
            float L = skc_sanitise(s0[x]), a = skc_sanitise(s1[x]), b = skc_sanitise(s2[x]);
            float X, Y, Z;
            skc_lab_to_xyz_px(L, a, b, &X, &Y, &Z);
            d0[x] = X;
            d1[x] = Y;
            d2[x] = Z;
        }
    }
}

int sk_colour_lab_to_xyz(const float *src, size_t src_stride, size_t src_plane, float *dst,
                         size_t dst_stride, size_t dst_plane, int w, int h)
{
    int rc =
        skc_check3("lab_to_xyz", src, src_stride, src_plane, dst, dst_stride, dst_plane, w, h);
    if (rc)
        return rc;
    /* Only cubes and a divide: fast enough without a hand-written variant. */
    sk_colour_lab_to_xyz_scalar(src, src_stride, src_plane, dst, dst_stride, dst_plane, w, h);
    return SK_OK;
}
