/* Linear sRGB -> CIE XYZ (D65): the sRGB matrix through the fused 3x3 loop. */
#include "pcolour.h"

void sk_colour_linear_to_xyz_scalar(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                                    size_t dp, int w, int h)
{
    sk_colour_matrix3_scalar(src, ss, sp, dst, ds, dp, w, h, skc_xyz_from_rgb, NULL, 1);
}

int sk_colour_linear_to_xyz(const float *src, size_t src_stride, size_t src_plane, float *dst,
                            size_t dst_stride, size_t dst_plane, int w, int h)
{
    int rc = skc_check3("linear_to_xyz", src, src_stride, src_plane, dst, dst_stride, dst_plane,
                        w, h);
    if (rc)
        return rc;
    /* Memory-bound: the compiler-vectorised loop already streams at copy
     * speed, so there is no separate AVX2 variant. */
    sk_colour_linear_to_xyz_scalar(src, src_stride, src_plane, dst, dst_stride, dst_plane, w, h);
    return SK_OK;
}
