/* Helpers shared by the skin mask, pigment and texture models: moving planes
 * and masks between the base scale and a family's coarser working scale. */
#ifndef SK_PSKIN_H
#define SK_PSKIN_H

#include "pmodels.h"

#include <math.h>

/* Integer reduction factor from the base scale `mpp` to a working scale of
 * about `work_mm` per pixel (never below 1: the models never up-sample). */
static inline int sk_pskin_factor(double mpp, double work_mm)
{
    double f = work_mm / mpp;
    return f < 1.5 ? 1 : (int)lround(f);
}

/* Area-average `src` (w x h, stride ss) to (w + f - 1) / f x (h + f - 1) / f
 * into dst (stride ds). f == 1 copies. Returns 0 or a negative sk_status. */
static inline int sk_pskin_reduce(const float *src, size_t ss, int w, int h, int f, float *dst,
                                  size_t ds, void *scratch)
{
    int cw = (w + f - 1) / f, ch = (h + f - 1) / f;
    if (f == 1) {
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                dst[(size_t)y * ds + x] = src[(size_t)y * ss + x];
        return SK_OK;
    }
    return sk_geom_resize(src, ss, w, h, dst, ds, cw, ch, SK_RESIZE_AREA, scratch);
}

/* Scratch bytes for sk_pskin_reduce. */
static inline size_t sk_pskin_reduce_scratch(int w, int h, int f)
{
    int cw = (w + f - 1) / f, ch = (h + f - 1) / f;
    return sk_geom_resize_scratch_size(w, h, cw, ch, SK_RESIZE_AREA) + 64;
}

/* A byte mask as a float plane of 0 and 1. */
static inline void sk_pskin_mask_to_float(const uint8_t *m, size_t ms, int w, int h, float *dst,
                                          size_t ds)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            dst[(size_t)y * ds + x] = m[(size_t)y * ms + x] ? 1.0f : 0.0f;
}

#endif
