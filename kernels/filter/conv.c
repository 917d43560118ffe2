/* Scalar (baseline instruction set) variants of the filter passes. */
#include <math.h>

#include "conv_impl.h"

void sk_filter_cols_scalar(const float *src, size_t ss, float *dst, size_t ds, int w, int h,
                           const float *wt, int r)
{
    cols_impl(src, ss, dst, ds, w, h, wt, r);
}

void sk_filter_rows_scalar(const float *src, size_t ss, float *dst, size_t ds, int w, int h,
                           const float *wt, int r, float *pad)
{
    rows_impl(src, ss, dst, ds, w, h, wt, r, pad);
}

void sk_filter_frangi_row_scalar(const float *xx, const float *xy, const float *yy, float *out,
                                 int w, float s2, float beta2, float c2, int dark)
{
    frangi_row_impl(xx, xy, yy, out, w, s2, beta2, c2, dark);
}
