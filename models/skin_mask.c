/* The skin mask: which pixels of the analysed region are skin.
 *
 * 1. A broad colour gate in CIELAB keeps plausible skin: L* within
 *    [skin.min_L, skin.max_L], chroma >= skin.min_chroma, hue angle within
 *    [skin.min_hue_deg, skin.max_hue_deg] (wide enough for every tone and
 *    for warm or cool casts).
 * 2. The photo's own skin cluster: robust centre (median) and spread (MAD)
 *    of L*, a*, b* over the gated pixels; pixels far from it in a* and b* (lips,
 *    clothing, background of a skin-like hue) or much darker (hair, brows,
 *    eyes, nostrils, stubble) or bright and grey (glare) are dropped.
 * 3. Clean-up: opening removes speckle, small holes (pores, spots, small
 *    scars: below skin.max_hole_mm2) are filled back, components smaller
 *    than skin.min_component_frac of the largest are removed. Large holes
 *    (eyes, nostrils, lips, brows) stay out.
 * Parameters in models/skin.json; formulas in docs/METRICS.md. */
#include "pmodels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define P(name, def) sk_params_get(ctx->params, "skin." name, def)

/* median and MAD of a sample (reordered in place) */
static void robust(float *v, size_t n, double *med, double *mad)
{
    *med = sk_select_kth(v, n, n / 2);
    for (size_t i = 0; i < n; i++)
        v[i] = fabsf(v[i] - (float)*med);
    *mad = 1.4826 * sk_select_kth(v, n, n / 2);
}

int sk_skin_mask(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, uint8_t *skin, double *count)
{
    const int w = ctx->w, h = ctx->h;
    const size_t ms = ctx->mask_stride, s = ctx->stride;
    const double minL = P("min_L", 12), maxL = P("max_L", 98), minC = P("min_chroma", 4.0);
    const double minH = P("min_hue_deg", 5), maxH = P("max_hue_deg", 95);
    /* 1: the broad gate */
    size_t n = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * s + x;
            uint8_t on = 0;
            if (ctx->region[(size_t)y * ms + x]) {
                double L = ctx->L[i], a = ctx->A[i], b = ctx->B[i];
                double C = hypot(a, b), H = atan2(b, a) * 180 / M_PI;
                on = L >= minL && L <= maxL && C >= minC && H >= minH && H <= maxH;
            }
            skin[(size_t)y * ms + x] = on;
            n += on;
        }
    *count = 0;
    if (n < 64)
        return SK_OK; /* no skin: every family reports null */
    /* 2: the photo's skin cluster, from a regular subsample of gated pixels */
    size_t step = n > 200000 ? n / 200000 : 1, m = 0, k = 0;
    size_t cap = n / step + 1;
    float *sa = sk_models_ws_bytes(ws, "skin.sample", 3 * cap * sizeof(float));
    if (!sa)
        return sk_error_status();
    float *sL = sa, *sA = sa + cap, *sB = sa + 2 * cap;
    for (int y = 0; y < h && m < cap; y++)
        for (int x = 0; x < w && m < cap; x++) {
            if (!skin[(size_t)y * ms + x])
                continue;
            if (k++ % step)
                continue;
            size_t i = (size_t)y * s + x;
            sL[m] = ctx->L[i], sA[m] = ctx->A[i], sB[m] = ctx->B[i];
            m++;
        }
    double mL, dL, mA, dA, mB, dB;
    robust(sL, m, &mL, &dL);
    robust(sA, m, &mA, &dA);
    robust(sB, m, &mB, &dB);
    /* a* is allowed a wide band: red patches (rosacea, post-treatment
     * erythema) are skin to measure; lips are told apart by hue below */
    const double ka = fmax(P("cluster_k", 4.0) * dA, P("min_half_width_a", 12.0));
    const double hue0 = atan2(mB, mA) * 180 / M_PI, max_dh = P("max_hue_dev_deg", 25.0);
    const double kb = fmax(P("cluster_k", 4.0) * dB, P("min_half_width_b", 9.0));
    const double dark = mL - fmax(P("dark_k", 4.0) * dL, P("min_dark_drop", 22.0));
    const double glareL = mL + P("glare_drop", 18.0);
    const double mC = hypot(mA, mB);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *o = &skin[(size_t)y * ms + x];
            if (!*o)
                continue;
            size_t i = (size_t)y * s + x;
            double L = ctx->L[i], a = ctx->A[i], b = ctx->B[i];
            double da = (a - mA) / ka, db = (b - mB) / kb;
            int in = da * da + db * db <= 1.0 && L >= dark &&
                     fabs(atan2(b, a) * 180 / M_PI - hue0) <= max_dh;
            if (L > glareL && hypot(a, b) < 0.6 * mC)
                in = 0;
            *o = (uint8_t)in;
        }
    /* 3: clean-up at physical sizes */
    const double mm2px = 1.0 / (ctx->mm_per_px * ctx->mm_per_px);
    int r = (int)lround(P("open_radius_mm", 0.15) / ctx->mm_per_px);
    if (r > 8)
        r = 8;
    void *scratch = sk_models_ws_bytes(ws, "skin.morph", sk_morph_scratch_size(w, h));
    int32_t *lab = sk_models_ws_bytes(ws, "skin.labels", (size_t)w * h * sizeof(int32_t));
    uint8_t *inv = sk_models_ws_bytes(ws, "skin.inverse", (size_t)w * h);
    sk_label_ws *lws = sk_models_ws_object(ws, "skin.label_ws", sizeof(sk_label_ws),
                                           (void (*)(void *))sk_label_ws_free);
    if (!scratch || !lab || !inv || !lws)
        return sk_error_status();
    int rc;
    if (r >= 1 && (rc = sk_morph_open(skin, ms, skin, ms, w, h, r, SK_SE_DISK, scratch)) < 0)
        return rc;
    /* small holes back in: label the complement inside the region */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            inv[(size_t)y * w + x] = !skin[(size_t)y * ms + x] && ctx->region[(size_t)y * ms + x];
    const sk_component_t *c = NULL;
    int nc = 0;
    if ((rc = sk_label(inv, w, w, h, lab, w, NULL, 0, lws, &c, &nc)) < 0)
        return rc;
    const double max_hole = P("max_hole_mm2", 25.0) * mm2px;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int32_t l = lab[(size_t)y * w + x];
            if (!l)
                continue;
            const sk_component_t *cc = &c[l - 1];
            int touches = cc->x0 == 0 || cc->y0 == 0 || cc->x1 == w - 1 || cc->y1 == h - 1;
            if (!touches && (double)cc->area <= max_hole)
                skin[(size_t)y * ms + x] = 1;
        }
    /* hair, stubble and lashes: fine high-contrast texture that the colour
     * gate lets through; skin's own relief is far smoother */
    {
        size_t ps;
        float *mean = sk_models_ws_plane(ws, "skin.mean", w, h, &ps);
        float *var = sk_models_ws_plane(ws, "skin.var", w, h, &ps);
        int rr = (int)lround(P("texture_radius_mm", 0.4) / ctx->mm_per_px);
        if (rr < 1)
            rr = 1;
        void *lsc = sk_models_ws_bytes(ws, "skin.local", sk_stats_local_scratch_size(w, rr) + 64);
        if (!mean || !var || !lsc)
            return sk_error_status();
        if ((rc = sk_stats_local_mean_var(ctx->L, s, mean, ps, var, ps, w, h, rr, lsc)) < 0)
            return rc;
        const float vmax = (float)(P("max_local_sd", 7.0) * P("max_local_sd", 7.0));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (var[(size_t)y * ps + x] > vmax)
                    skin[(size_t)y * ms + x] = 0;
        if (r >= 1 && (rc = sk_morph_open(skin, ms, skin, ms, w, h, r, SK_SE_DISK, scratch)) < 0)
            return rc;
    }
    /* drop small islands */
    if ((rc = sk_label(skin, ms, w, h, lab, w, NULL, 0, lws, &c, &nc)) < 0)
        return rc;
    int64_t largest = 0;
    for (int i = 0; i < nc; i++)
        if (c[i].area > largest)
            largest = c[i].area;
    const double min_keep = fmax(P("min_component_frac", 0.02) * (double)largest,
                                 P("min_component_mm2", 4.0) * mm2px);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int32_t l = lab[(size_t)y * w + x];
            skin[(size_t)y * ms + x] = l && (double)c[l - 1].area >= min_keep;
        }
    /* keep features away from where skin meets hair, eyes, lips, nostrils or
     * background: every family measures inside this margin (the photo's own
     * border does not count as an edge; a square keeps the cost flat in the
     * margin's size) */
    int em = (int)lround(P("edge_margin_mm", 1.0) / ctx->mm_per_px);
    if (em > 40)
        em = 40;
    if (em >= 1 && (rc = sk_morph_erode(skin, ms, skin, ms, w, h, em, SK_SE_SQUARE, scratch)) < 0)
        return rc;
    double total = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            total += skin[(size_t)y * ms + x];
    *count = total;
    return SK_OK;
}
