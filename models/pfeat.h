/* Shared pieces of the pore, wrinkle and scar models: skin masks as float
 * planes with a safety margin, kernel sizes for the Gaussian-derivative bank,
 * robust noise levels, point sampling.
 * Internal to models/. */
#ifndef SK_PFEAT_H
#define SK_PFEAT_H

#include "pmodels.h"

#include <math.h>
#include <string.h>

/* Kernel size for a Gaussian derivative of scale sigma (px): +-3 sigma, odd,
 * capped by the filter bank's 63. */
static inline int sk_feat_ksize(double sigma)
{
    int r = (int)ceil(3.0 * sigma);
    if (r < 1)
        r = 1;
    if (r > 31)
        r = 31;
    return 2 * r + 1;
}

/* Float copy of a byte mask (1/0) into dst. */
static inline void sk_feat_mask_to_float(const uint8_t *m, size_t ms, int w, int h, float *dst,
                                         size_t ds)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *mr = m + (size_t)y * ms;
        float *dr = dst + (size_t)y * ds;
        for (int x = 0; x < w; x++)
            dr[x] = mr[x] ? 1.0f : 0.0f;
    }
}

/* Erode a float 0/1 mask by a square of radius r (px) and keep r px from the
 * image border: out = 1 where the (2r+1)^2 box is inside the mask, up to one
 * unset sample in a thousand (share > 0.999). mask and out must differ.
 * Returns the number of pixels kept, or a negative status. */
static inline double sk_feat_erode(sk_models_ws_t *ws, const char *key, const float *mask,
                                   size_t ms, int w, int h, int r, float *out, size_t os)
{
    if (r < 1)
        r = 1;
    void *scratch = sk_models_ws_bytes(ws, key, sizeof(int32_t) * (size_t)w);
    if (!scratch)
        return SK_ERR_NOMEM;
    return (double)sk_stats_box_erode(mask, ms, w, h, r, 0.999f, out, os, scratch);
}

/* Robust sigma (1.4826 MAD) of a plane over a float mask, using every
 * `step`-th row (the noise level does not need every row). */
static inline double sk_feat_noise(const float *src, size_t ss, const float *mask, size_t ms, int w,
                                   int h, int step)
{
    if (step < 1)
        step = 1;
    double med = 0, mad = 0;
    if (sk_stats_masked_median_mad(src, ss * (size_t)step, mask, ms * (size_t)step, w,
                                   (h + step - 1) / step, &med, &mad) < 0)
        return NAN;
    return 1.4826 * mad;
}

/* sk_feat_sample for a point whose 2 x 2 neighbourhood lies inside the
 * plane (0 <= x < w - 1, 0 <= y < h - 1): the same arithmetic without the
 * clamps, for callers that check a whole set of points once. */
static inline float sk_feat_sample_inside(const float *p, size_t s, float x, float y)
{
    const int x0 = (int)x, y0 = (int)y;
    const float fx = x - (float)x0, fy = y - (float)y0;
    const float *r0 = p + (size_t)y0 * s, *r1 = r0 + s;
    return (1 - fy) * ((1 - fx) * r0[x0] + fx * r0[x0 + 1]) +
           fy * ((1 - fx) * r1[x0] + fx * r1[x0 + 1]);
}

/* Bilinear sample of a plane at (x, y), clamped to the plane. */
static inline float sk_feat_sample(const float *p, size_t s, int w, int h, float x, float y)
{
    if (x < 0)
        x = 0;
    if (y < 0)
        y = 0;
    if (x > w - 1)
        x = (float)(w - 1);
    if (y > h - 1)
        y = (float)(h - 1);
    int x0 = (int)x, y0 = (int)y;
    int x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
    float fx = x - (float)x0, fy = y - (float)y0;
    const float *r0 = p + (size_t)y0 * s, *r1 = p + (size_t)y1 * s;
    return (1 - fy) * ((1 - fx) * r0[x0] + fx * r0[x1]) + fy * ((1 - fx) * r1[x0] + fx * r1[x1]);
}

#endif
