/* Capture-quality figures of one photo. The thresholds behind the flags are
 * documented in docs/QC.md. */
#include "skintrack.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *sk_qc_flag_name(unsigned bit)
{
    switch (bit) {
    case SK_QC_UNDEREXPOSED:
        return "underexposed";
    case SK_QC_OVEREXPOSED:
        return "overexposed";
    case SK_QC_CLIPPED:
        return "clipped";
    case SK_QC_BLURRY:
        return "blurry";
    case SK_QC_LOW_RESOLUTION:
        return "low_resolution";
    case SK_QC_COLOUR_CAST:
        return "colour_cast";
    case SK_QC_GLARE:
        return "glare";
    }
    return NULL;
}

void sk_qc_measure(const sk_image_t *rgb, const uint8_t *mask, size_t mask_stride, sk_qc_t *qc)
{
    const int w = rgb->width, h = rgb->height;
    /* the sums are a kernel (docs/kernels/stats.md); here only the figures */
    sk_capture_sums t;
    if (sk_stats_capture(sk_image_plane(rgb, 0), sk_image_plane(rgb, 1), sk_image_plane(rgb, 2),
                         rgb->stride, mask, mask_stride, w, h, &t) < 0) {
        memset(qc, 0, sizeof *qc);
        qc->mean_luma = qc->clipped_fraction = qc->dark_fraction = qc->sharpness = NAN;
        qc->glare_fraction = NAN;
        qc->cast_r = qc->cast_b = NAN;
        qc->megapixels = (double)w * h / 1e6;
        return;
    }
    const double n = t.n;
    qc->megapixels = (double)w * h / 1e6;
    qc->mean_luma = n > 0 ? t.luma / n : NAN;
    qc->clipped_fraction = n > 0 ? t.clipped / n : NAN;
    qc->dark_fraction = n > 0 ? t.dark / n : NAN;
    qc->glare_fraction = NAN; /* needs the skin mask: sk_analyze_photo */
    qc->sharpness = t.nlap > 0 ? 1000.0 * sqrt(t.lap2 / t.nlap) : NAN;
    qc->cast_r = t.lin_g > 0 ? t.lin_r / t.lin_g : NAN;
    qc->cast_b = t.lin_g > 0 ? t.lin_b / t.lin_g : NAN;

    unsigned f = 0;
    if (n > 0) {
        if (qc->mean_luma < 0.20)
            f |= SK_QC_UNDEREXPOSED;
        if (qc->mean_luma > 0.85)
            f |= SK_QC_OVEREXPOSED;
        if (qc->clipped_fraction > 0.02)
            f |= SK_QC_CLIPPED;
        if (qc->sharpness < 2.0)
            f |= SK_QC_BLURRY;
    }
    if (qc->megapixels < 0.25)
        f |= SK_QC_LOW_RESOLUTION;
    qc->flags = f;
}
