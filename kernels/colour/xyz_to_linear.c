/* CIE XYZ (D65) -> linear sRGB: the inverse sRGB matrix through the fused
 * 3x3 loop. */
#include "pcolour.h"

void sk_colour_xyz_to_linear_scalar(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                                    size_t dp, int w, int h)
{
    sk_colour_matrix3_scalar(src, ss, sp, dst, ds, dp, w, h, skc_rgb_from_xyz, NULL, 1);
}

int sk_colour_xyz_to_linear(const float *src, size_t src_stride, size_t src_plane, float *dst,
                            size_t dst_stride, size_t dst_plane, int w, int h)
{
    int rc = skc_check3("xyz_to_linear", src, src_stride, src_plane, dst, dst_stride, dst_plane,
                        w, h);
    if (rc)
        return rc;
    sk_colour_xyz_to_linear_scalar(src, src_stride, src_plane, dst, dst_stride, dst_plane, w, h);
    return SK_OK;
}
