/* Capture-quality figures of one photo. The thresholds behind the flags are
 * documented in docs/QC.md. */
#include "skintrack.h"

#include <math.h>
#include <pthread.h>

const char *sk_qc_flag_name(unsigned bit)
{
    switch (bit) {
    case SK_QC_UNDEREXPOSED: return "underexposed";
    case SK_QC_OVEREXPOSED: return "overexposed";
    case SK_QC_CLIPPED: return "clipped";
    case SK_QC_BLURRY: return "blurry";
    case SK_QC_LOW_RESOLUTION: return "low_resolution";
    case SK_QC_COLOUR_CAST: return "colour_cast";
    }
    return NULL;
}

/* sRGB decoding through a table with linear interpolation (4096 steps:
 * error < 2e-6, far below what the means need), as powf per sample and
 * channel costs more than the rest of the figures together. */
#define QC_LUT 4096
static float qc_lut[QC_LUT + 2];
static pthread_once_t qc_lut_once = PTHREAD_ONCE_INIT;

static void qc_lut_init(void)
{
    for (int i = 0; i <= QC_LUT + 1; i++) {
        double v = (double)i / QC_LUT;
        qc_lut[i] = (float)(v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4));
    }
}

static inline float srgb_decode(float v)
{
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    float f = v * QC_LUT;
    int i = (int)f;
    return qc_lut[i] + (f - (float)i) * (qc_lut[i + 1] - qc_lut[i]);
}

void sk_qc_measure(const sk_image_t *rgb, const uint8_t *mask, size_t mask_stride, sk_qc_t *qc)
{
    const int w = rgb->width, h = rgb->height;
    const float *r = sk_image_plane(rgb, 0), *g = sk_image_plane(rgb, 1),
                *b = sk_image_plane(rgb, 2);
    const size_t s = rgb->stride;
    double n = 0, luma = 0, clipped = 0, dark = 0, lap2 = 0, nlap = 0;
    double lin_r = 0, lin_g = 0, lin_b = 0;
    const float hi = 254.5f / 255.0f, lo = 2.0f / 255.0f;
    pthread_once(&qc_lut_once, qc_lut_init);

    for (int y = 0; y < h; y++) {
        const uint8_t *m = mask ? mask + (size_t)y * mask_stride : NULL;
        for (int x = 0; x < w; x++) {
            if (m && !m[x])
                continue;
            size_t i = (size_t)y * s + x;
            float R = r[i], G = g[i], B = b[i];
            n += 1;
            luma += 0.2126f * R + 0.7152f * G + 0.0722f * B;
            clipped += (R >= hi || G >= hi || B >= hi);
            dark += (R <= lo && G <= lo && B <= lo);
            lin_r += srgb_decode(R);
            lin_g += srgb_decode(G);
            lin_b += srgb_decode(B);
            if (x > 0 && y > 0 && x < w - 1 && y < h - 1) {
#define LUMA(j) (0.2126f * r[j] + 0.7152f * g[j] + 0.0722f * b[j])
                float lap = 4.0f * LUMA(i) - LUMA(i - 1) - LUMA(i + 1) - LUMA(i - s) - LUMA(i + s);
#undef LUMA
                lap2 += (double)lap * lap;
                nlap += 1;
            }
        }
    }
    qc->megapixels = (double)w * h / 1e6;
    qc->mean_luma = n > 0 ? luma / n : NAN;
    qc->clipped_fraction = n > 0 ? clipped / n : NAN;
    qc->dark_fraction = n > 0 ? dark / n : NAN;
    qc->sharpness = nlap > 0 ? 1000.0 * sqrt(lap2 / nlap) : NAN;
    qc->cast_r = lin_g > 0 ? lin_r / lin_g : NAN;
    qc->cast_b = lin_g > 0 ? lin_b / lin_g : NAN;

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
