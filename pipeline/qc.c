/* Capture-quality figures of one photo. The thresholds behind the flags are
 * documented in docs/QC.md. */
#include "skintrack.h"

#include <math.h>
#include <pthread.h>
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

#define QC_LANES 8

/* Rec. 709 luma of one row. */
static void luma_row(const float *r, const float *g, const float *b, float *out, int w)
{
    for (int x = 0; x < w; x++)
        out[x] = 0.2126f * r[x] + 0.7152f * g[x] + 0.0722f * b[x];
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

    /* Row by row, in branch-free loops the compiler vectorises: three rows
     * of luma (above, this, below) and the mask as 0/1 weights. Row sums are
     * float (a row holds at most a few thousand terms), totals double. */
    float *buf = malloc((size_t)w * 4 * sizeof(float));
    if (!buf) {
        memset(qc, 0, sizeof *qc);
        qc->mean_luma = qc->clipped_fraction = qc->dark_fraction = qc->sharpness = NAN;
        qc->glare_fraction = NAN;
        qc->cast_r = qc->cast_b = NAN;
        qc->megapixels = (double)w * h / 1e6;
        return;
    }
    float *L[3] = {buf, buf + w, buf + 2 * (size_t)w}, *wt = buf + 3 * (size_t)w;
    luma_row(r, g, b, L[1], w);
    for (int y = 0; y < h; y++) {
        const size_t o = (size_t)y * s;
        if (y + 1 < h)
            luma_row(r + o + s, g + o + s, b + o + s, L[2], w);
        const uint8_t *m = mask ? mask + (size_t)y * mask_stride : NULL;
        for (int x = 0; x < w; x++)
            wt[x] = m ? (m[x] != 0) : 1.0f;
        const float *R = r + o, *G = g + o, *B = b + o, *Lc = L[1];
        /* Eight partial sums per figure (lane j takes x = 8i + j): ISO C may
         * not reorder a float sum, so a single accumulator would stay scalar;
         * eight independent ones vectorise. */
        float sn[QC_LANES] = {0}, sl[QC_LANES] = {0}, sc[QC_LANES] = {0}, sd[QC_LANES] = {0};
        int x = 0;
        for (; x + QC_LANES <= w; x += QC_LANES)
            for (int j = 0; j < QC_LANES; j++) {
                const int i = x + j;
                const float k = wt[i];
                sn[j] += k;
                sl[j] += k * Lc[i];
                sc[j] += k * (float)((R[i] >= hi) | (G[i] >= hi) | (B[i] >= hi));
                sd[j] += k * (float)((R[i] <= lo) & (G[i] <= lo) & (B[i] <= lo));
            }
        for (; x < w; x++) {
            const float k = wt[x];
            sn[0] += k;
            sl[0] += k * Lc[x];
            sc[0] += k * (float)((R[x] >= hi) | (G[x] >= hi) | (B[x] >= hi));
            sd[0] += k * (float)((R[x] <= lo) & (G[x] <= lo) & (B[x] <= lo));
        }
        for (int j = 0; j < QC_LANES; j++)
            n += sn[j], luma += sl[j], clipped += sc[j], dark += sd[j];
        if (y > 0 && y < h - 1) {
            const float *La = L[0], *Lb = L[2];
            float s2[QC_LANES] = {0}, sk[QC_LANES] = {0};
            int x1 = 1;
            for (; x1 + QC_LANES <= w - 1; x1 += QC_LANES)
                for (int j = 0; j < QC_LANES; j++) {
                    const int i = x1 + j;
                    const float lap = 4.0f * Lc[i] - Lc[i - 1] - Lc[i + 1] - La[i] - Lb[i];
                    s2[j] += wt[i] * lap * lap;
                    sk[j] += wt[i];
                }
            for (; x1 < w - 1; x1++) {
                const float lap = 4.0f * Lc[x1] - Lc[x1 - 1] - Lc[x1 + 1] - La[x1] - Lb[x1];
                s2[0] += wt[x1] * lap * lap;
                sk[0] += wt[x1];
            }
            for (int j = 0; j < QC_LANES; j++)
                lap2 += s2[j], nlap += sk[j];
        }
        /* the colour cast from every second pixel of every second row */
        if (!(y & 1)) {
            double cr = 0, cg = 0, cb = 0;
            for (int x = 0; x < w; x += 2)
                if (wt[x] != 0) {
                    cr += srgb_decode(R[x]);
                    cg += srgb_decode(G[x]);
                    cb += srgb_decode(B[x]);
                }
            lin_r += cr, lin_g += cg, lin_b += cb;
        }
        float *t = L[0];
        L[0] = L[1], L[1] = L[2], L[2] = t;
    }
    free(buf);
    qc->megapixels = (double)w * h / 1e6;
    qc->mean_luma = n > 0 ? luma / n : NAN;
    qc->clipped_fraction = n > 0 ? clipped / n : NAN;
    qc->dark_fraction = n > 0 ? dark / n : NAN;
    qc->glare_fraction = NAN; /* needs the skin mask: sk_analyze_photo */
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
