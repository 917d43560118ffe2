/* 2x box down-sample for multi-scale pyramids. */
#include "pgeom.h"

int sk_geom_downsample2(const float *src, size_t src_stride, int w, int h, float *dst,
                        size_t dst_stride)
{
    if (!src || !dst)
        return sk_error_set(SK_ERR_ARG, "downsample2: NULL argument");
    if (w < 1 || h < 1)
        return sk_error_set(SK_ERR_ARG, "downsample2: bad size %dx%d", w, h);
    const int dw = (w + 1) / 2, dh = (h + 1) / 2;
    if (src_stride < (size_t)w || dst_stride < (size_t)dw)
        return sk_error_set(SK_ERR_ARG, "downsample2: stride smaller than width");
    const int full = w / 2; /* output columns with two source columns */
    for (int y = 0; y < dh; y++) {
        const float *restrict r0 = src + (size_t)(2 * y) * src_stride;
        const float *restrict r1 = 2 * y + 1 < h ? r0 + src_stride : r0;
        float *restrict d = dst + (size_t)y * dst_stride;
        for (int x = 0; x < full; x++)
            d[x] = 0.25f * ((r0[2 * x] + r0[2 * x + 1]) + (r1[2 * x] + r1[2 * x + 1]));
        if (full < dw)
            d[full] = 0.5f * (r0[w - 1] + r1[w - 1]);
    }
    return SK_OK;
}
