/* Capture-quality sums of a photo (the figures behind the pipeline's QC),
 * one pass over every pixel: masked count, Rec. 709 luma, clipped and dark
 * pixels, the energy of the 4-neighbour Laplacian of luma, and the linear
 * RGB means over every second pixel of every second row (the colour cast).
 *
 * The plain-C pass is the reference and the SK_SIMD=scalar path; the AVX2
 * pass (capture_avx2.c) takes the same float operations in the same order
 * (eight lanes, lane j summing x = 8i + j; no FMA), so every figure but the
 * linear sums agrees bit for bit. The linear sums are added in double in a
 * different order (four lanes instead of one): they agree to rounding.
 * Formulas: docs/kernels/stats.md. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pstats.h"

/* sRGB decoding through a table with linear interpolation (4096 steps:
 * error < 2e-6, far below what the means need), as powf per sample and
 * channel costs more than the rest of the figures together. */
static float capture_lut[SK_CAPTURE_LUT + 2];
static pthread_once_t capture_lut_once = PTHREAD_ONCE_INIT;

static void capture_lut_init(void)
{
    for (int i = 0; i <= SK_CAPTURE_LUT + 1; i++) {
        double v = (double)i / SK_CAPTURE_LUT;
        capture_lut[i] = (float)(v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4));
    }
}

const float *sk_stats_capture_lut(void)
{
    pthread_once(&capture_lut_once, capture_lut_init);
    return capture_lut;
}

#define CAPTURE_LANES 8

/* Rec. 709 luma of one row. */
static void luma_row(const float *r, const float *g, const float *b, float *out, int w)
{
    for (int x = 0; x < w; x++)
        out[x] = 0.2126f * r[x] + 0.7152f * g[x] + 0.0722f * b[x];
}

/* Row by row, in branch-free loops the compiler vectorises: three rows of
 * luma (above, this, below) and the mask as 0/1 weights. Row sums are float
 * (a row holds at most a few thousand terms), totals double. */
void sk_stats_capture_scalar(const float *r, const float *g, const float *b, size_t s,
                             const uint8_t *mask, size_t ms, int w, int h, float *buf,
                             sk_capture_sums *out)
{
    const float *lut = sk_stats_capture_lut();
    double n = 0, luma = 0, clipped = 0, dark = 0, lap2 = 0, nlap = 0;
    double lin_r = 0, lin_g = 0, lin_b = 0;
    float *L[3] = {buf, buf + w, buf + 2 * (size_t)w}, *wt = buf + 3 * (size_t)w;
    luma_row(r, g, b, L[1], w);
    for (int y = 0; y < h; y++) {
        const size_t o = (size_t)y * s;
        if (y + 1 < h)
            luma_row(r + o + s, g + o + s, b + o + s, L[2], w);
        sk_capture_weights(mask, ms, y, w, wt);
        const float *R = r + o, *G = g + o, *B = b + o, *Lc = L[1];
        /* Eight partial sums per figure (lane j takes x = 8i + j): ISO C may
         * not reorder a float sum, so a single accumulator would stay scalar;
         * eight independent ones vectorise. */
        float sn[CAPTURE_LANES] = {0}, sl[CAPTURE_LANES] = {0}, sc[CAPTURE_LANES] = {0},
              sd[CAPTURE_LANES] = {0};
        int x = 0;
        for (; x + CAPTURE_LANES <= w; x += CAPTURE_LANES)
            for (int j = 0; j < CAPTURE_LANES; j++)
                sk_capture_add(R, G, B, Lc, wt, x + j, &sn[j], &sl[j], &sc[j], &sd[j]);
        for (; x < w; x++)
            sk_capture_add(R, G, B, Lc, wt, x, &sn[0], &sl[0], &sc[0], &sd[0]);
        for (int j = 0; j < CAPTURE_LANES; j++)
            n += sn[j], luma += sl[j], clipped += sc[j], dark += sd[j];
        if (y > 0 && y < h - 1) {
            const float *La = L[0], *Lb = L[2];
            float s2[CAPTURE_LANES] = {0}, sk[CAPTURE_LANES] = {0};
            int x1 = 1;
            for (; x1 + CAPTURE_LANES <= w - 1; x1 += CAPTURE_LANES)
                for (int j = 0; j < CAPTURE_LANES; j++) {
                    const float lap = sk_capture_lap(La, Lc, Lb, x1 + j);
                    s2[j] += wt[x1 + j] * lap * lap;
                    sk[j] += wt[x1 + j];
                }
            for (; x1 < w - 1; x1++) {
                const float lap = sk_capture_lap(La, Lc, Lb, x1);
                s2[0] += wt[x1] * lap * lap;
                sk[0] += wt[x1];
            }
            for (int j = 0; j < CAPTURE_LANES; j++)
                lap2 += s2[j], nlap += sk[j];
        }
        /* the colour cast from every second pixel of every second row */
        if (!(y & 1)) {
            double cr = 0, cg = 0, cb = 0;
            for (int x2 = 0; x2 < w; x2 += 2)
                if (wt[x2] != 0) {
                    cr += sk_capture_decode(lut, R[x2]);
                    cg += sk_capture_decode(lut, G[x2]);
                    cb += sk_capture_decode(lut, B[x2]);
                }
            lin_r += cr, lin_g += cg, lin_b += cb;
        }
        float *t = L[0];
        L[0] = L[1], L[1] = L[2], L[2] = t;
    }
    *out = (sk_capture_sums){n, luma, clipped, dark, lap2, nlap, lin_r, lin_g, lin_b};
}

int sk_stats_capture(const float *r, const float *g, const float *b, size_t stride,
                     const uint8_t *mask, size_t mask_stride, int w, int h, sk_capture_sums *out)
{
    if (!r || !g || !b || !out || w < 1 || h < 1 || stride < (size_t)w ||
        (mask && mask_stride < (size_t)w))
        return sk_error_set(SK_ERR_ARG, "capture: bad argument (w %d, h %d)", w, h);
    /* three rows of luma and one of weights, with room for the AVX2 pass's
     * whole vectors */
    float *buf = sk_alloc_floats(4 * ((size_t)w + 8));
    if (!buf)
        return sk_error_set(SK_ERR_NOMEM, "capture: out of memory (width %d)", w);
    if (sk_simd_level() == SK_SIMD_AVX2)
        sk_stats_capture_avx2(r, g, b, stride, mask, mask_stride, w, h, buf, out);
    else
        sk_stats_capture_scalar(r, g, b, stride, mask, mask_stride, w, h, buf, out);
    sk_free(buf);
    return SK_OK;
}
