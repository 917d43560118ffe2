/* The skin mask: which pixels of the analysed region are skin.
 *
 * Works at a coarse scale (skin.work_mm_per_px, area-averaged from the
 * base), where a face's regions are still many pixels wide, then maps the
 * result back to the base pixels and intersects it with the region.
 *
 * 1. A broad colour gate in CIELAB keeps plausible skin of any tone under
 *    warm, cool or pale light: L* in [min_L, max_L], chroma in
 *    [min_chroma, max_chroma] (no skin is as saturated as a red cloth),
 *    hue angle h_ab in [min_hue_deg, max_hue_deg].
 * 2. The photo's own skin cluster: robust centre (median) and spread
 *    (1.4826 MAD) of L*, a*, b* over the gated pixels, refined once over the
 *    pixels the first cluster keeps (so a large skin-coloured background
 *    does not drag it). Pixels are kept when (a*, b*) lies inside an ellipse
 *    about the centre, their hue is within max_hue_dev_deg of the centre's
 *    (lips are redder, i.e. a lower hue angle), they are not much darker
 *    (hair, brows, eyes, nostrils, stubble) and not bright and grey (glare).
 * 3. Hair, stubble and lashes, whose colour can pass, have a fine
 *    high-contrast texture: pixels whose local SD of L* (at the base scale,
 *    pooled over a window of texture_radius_mm) exceeds max_local_sd go.
 * 4. Clean-up with the morphology kernels: opening (speckle), small holes
 *    (pores, spots, small scars below max_hole_mm2) filled back unless mostly
 *    grey (an eye, not a lesion) or as dark as a cavity (a nostril), components
 *    below min_component_frac of the largest or min_component_mm2 removed,
 *    then an erosion by edge_margin_mm so that no family measures where
 *    skin meets hair, eyes, lips, nostrils or background (the photo's own
 *    border is not such an edge).
 * Parameters: models/skin.json; formulas and figures: docs/metrics/skin.md. */
#include "pskin.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define P(name, def) sk_params_get(ctx->params, "skin." name, def)

static void release_label(void *p)
{
    sk_label_ws_free(p);
}

/* median and 1.4826 x MAD of a sample (reordered in place) */
static void robust(float *v, size_t n, double *med, double *sd)
{
    *med = sk_stats_select_kth(v, n, n / 2);
    for (size_t i = 0; i < n; i++)
        v[i] = fabsf(v[i] - (float)*med);
    *sd = 1.4826 * sk_stats_select_kth(v, n, n / 2);
}

typedef struct cluster {
    double L, a, b, sL, sa, sb;
} cluster_t;

/* Robust cluster of the pixels with m != 0 (coarse planes, stride cs). */
static int fit_cluster(const float *L, const float *A, const float *B, size_t cs,
                       const uint8_t *m, int cw, int ch, float *buf, size_t n, cluster_t *c)
{
    size_t k = 0;
    for (int y = 0; y < ch; y++)
        for (int x = 0; x < cw; x++)
            if (m[(size_t)y * cw + x]) {
                size_t i = (size_t)y * cs + x;
                buf[k] = L[i], buf[n + k] = A[i], buf[2 * n + k] = B[i];
                k++;
            }
    if (k < 16)
        return 0;
    robust(buf, k, &c->L, &c->sL);
    robust(buf + n, k, &c->a, &c->sa);
    robust(buf + 2 * n, k, &c->b, &c->sb);
    return 1;
}

int sk_skin_mask(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, uint8_t *skin, double *count)
{
    const int w = ctx->w, h = ctx->h;
    const size_t ms = ctx->mask_stride, s = ctx->stride;
    const double mpp = ctx->mm_per_px;
    const int f = sk_pskin_factor(mpp, P("work_mm_per_px", 0.16));
    const int cw = (w + f - 1) / f, ch = (h + f - 1) / f;
    const double cmpp = mpp * f, cmm2 = 1.0 / (cmpp * cmpp);
    *count = 0;

    size_t ps, cs;
    float *tmp = sk_models_ws_plane(ws, "skin.full", w, h, &ps);
    float *cL = sk_models_ws_plane(ws, "skin.cL", cw, ch, &cs);
    float *cA = sk_models_ws_plane(ws, "skin.cA", cw, ch, &cs);
    float *cB = sk_models_ws_plane(ws, "skin.cB", cw, ch, &cs);
    float *cL2 = sk_models_ws_plane(ws, "skin.cL2", cw, ch, &cs);
    float *cR = sk_models_ws_plane(ws, "skin.cR", cw, ch, &cs);
    float *mean = sk_models_ws_plane(ws, "skin.mean", cw, ch, &cs);
    float *var = sk_models_ws_plane(ws, "skin.var", cw, ch, &cs);
    uint8_t *m = sk_models_ws_bytes(ws, "skin.coarse", (size_t)cw * ch);
    uint8_t *inv = sk_models_ws_bytes(ws, "skin.inverse", (size_t)cw * ch);
    int32_t *lab = sk_models_ws_bytes(ws, "skin.labels", (size_t)cw * ch * sizeof(int32_t));
    float *sample = sk_models_ws_bytes(ws, "skin.sample", 3 * (size_t)cw * ch * sizeof(float));
    double *hue = sk_models_ws_bytes(ws, "skin.hue", (size_t)cw * ch * sizeof(double));
    void *rs = sk_models_ws_bytes(ws, "skin.resize", sk_pskin_reduce_scratch(w, h, f));
    void *mscr = sk_models_ws_bytes(ws, "skin.morph", sk_morph_scratch_size(cw, ch));
    const int rr = (int)fmax(1.0, lround(P("texture_radius_mm", 0.4) / cmpp));
    void *lsc = sk_models_ws_bytes(ws, "skin.local", sk_stats_local_scratch_size(cw, rr) + 64);
    sk_label_ws *lws = sk_models_ws_object(ws, "skin.label_ws", sizeof(sk_label_ws), release_label);
    if (!tmp || !cL || !cA || !cB || !cL2 || !cR || !mean || !var || !m || !inv || !lab ||
        !sample || !hue || !rs || !mscr || !lsc || !lws)
        return sk_error_status() ? sk_error_status() : SK_ERR_NOMEM;

    /* coarse planes: L*, a*, b*, L*^2 (for the base-scale local SD) and the
     * region's coverage */
    int rc;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float v = ctx->L[(size_t)y * s + x];
            tmp[(size_t)y * ps + x] = v * v;
        }
    if ((rc = sk_pskin_reduce(ctx->L, s, w, h, f, cL, cs, rs)) < 0 ||
        (rc = sk_pskin_reduce(ctx->A, s, w, h, f, cA, cs, rs)) < 0 ||
        (rc = sk_pskin_reduce(ctx->B, s, w, h, f, cB, cs, rs)) < 0 ||
        (rc = sk_pskin_reduce(tmp, ps, w, h, f, cL2, cs, rs)) < 0)
        return rc;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            tmp[(size_t)y * ps + x] = ctx->region[(size_t)y * ms + x] ? 1.0f : 0.0f;
    if ((rc = sk_pskin_reduce(tmp, ps, w, h, f, cR, cs, rs)) < 0)
        return rc;

    /* 1: the broad gate */
    const double minL = P("min_L", 12), maxL = P("max_L", 98), minC = P("min_chroma", 4.0);
    const double maxC = P("max_chroma", 50.0);
    const double minH = P("min_hue_deg", 5), maxH = P("max_hue_deg", 95);
    size_t n = 0;
    for (int y = 0; y < ch; y++)
        for (int x = 0; x < cw; x++) {
            size_t i = (size_t)y * cs + x;
            double L = cL[i], a = cA[i], b = cB[i];
            /* the hue is kept for the cluster's hue test below */
            double C = hypot(a, b), H = atan2(b, a) * (180 / M_PI);
            hue[(size_t)y * cw + x] = H;
            uint8_t on = cR[i] >= 0.5f && L >= minL && L <= maxL && C >= minC && C <= maxC && H >= minH &&
                         H <= maxH;
            m[(size_t)y * cw + x] = on;
            n += on;
        }
    if (n < 64) {
        for (int y = 0; y < h; y++)
            memset(skin + (size_t)y * ms, 0, (size_t)w);
        return SK_OK; /* no skin: every family reports null */
    }

    /* 2: the photo's skin cluster, fitted twice */
    const double kc = P("cluster_k", 4.0), hwa = P("min_half_width_a", 12.0);
    const double hwb = P("min_half_width_b", 9.0), max_dh = P("max_hue_dev_deg", 25.0);
    const double dark_k = P("dark_k", 4.0), dark_drop = P("min_dark_drop", 22.0);
    const double glare = P("glare_drop", 18.0);
    memcpy(inv, m, (size_t)cw * ch); /* the gate, kept for the second fit */
    cluster_t c = {0};
    for (int pass = 0; pass < 2; pass++) {
        if (!fit_cluster(cL, cA, cB, cs, pass ? m : inv, cw, ch, sample, (size_t)cw * ch, &c))
            break;
        const double ka = fmax(kc * c.sa, hwa), kb = fmax(kc * c.sb, hwb);
        const double hue0 = atan2(c.b, c.a) * (180 / M_PI), mC = hypot(c.a, c.b);
        const double dark = c.L - fmax(dark_k * c.sL, dark_drop), glareL = c.L + glare;
        for (int y = 0; y < ch; y++)
            for (int x = 0; x < cw; x++) {
                size_t j = (size_t)y * cw + x;
                if (!inv[j]) {
                    m[j] = 0;
                    continue;
                }
                size_t i = (size_t)y * cs + x;
                double L = cL[i], a = cA[i], b = cB[i];
                double da = (a - c.a) / ka, db = (b - c.b) / kb;
                double dh = fabs(hue[j] - hue0);
                int on = da * da + db * db <= 1.0 && L >= dark && dh <= max_dh;
                if (L > glareL && hypot(a, b) < 0.6 * mC)
                    on = 0;
                m[j] = (uint8_t)on;
            }
    }

    /* 3: fine high-contrast texture (hair, stubble, lashes): local SD of
     * the base-scale L* over the window, from the coarse means of L* and
     * L*^2 (exact pooling, not the SD of the coarse plane) */
    if ((rc = sk_stats_local_mean_var(cL, cs, mean, cs, NULL, 0, cw, ch, rr, lsc)) < 0 ||
        (rc = sk_stats_local_mean_var(cL2, cs, var, cs, NULL, 0, cw, ch, rr, lsc)) < 0)
        return rc;
    const float vmax = (float)(P("max_local_sd", 7.0) * P("max_local_sd", 7.0));
    for (int y = 0; y < ch; y++)
        for (int x = 0; x < cw; x++) {
            size_t i = (size_t)y * cs + x;
            if (var[i] - mean[i] * mean[i] > vmax)
                m[(size_t)y * cw + x] = 0;
        }

    /* 4: clean-up at physical sizes */
    const int r = (int)fmin(8.0, lround(P("open_radius_mm", 0.3) / cmpp));
    if (r >= 1 && (rc = sk_morph_open(m, cw, m, cw, cw, ch, r, SK_SE_DISK, mscr)) < 0)
        return rc;
    /* small holes back in: components of the complement inside the region
     * that do not touch the border */
    for (int y = 0; y < ch; y++)
        for (int x = 0; x < cw; x++)
            inv[(size_t)y * cw + x] = !m[(size_t)y * cw + x] && cR[(size_t)y * cs + x] >= 0.5f;
    const sk_component_t *cc = NULL;
    int nc = 0;
    if ((rc = sk_label(inv, cw, cw, ch, lab, cw, cL, cs, lws, &cc, &nc)) < 0)
        return rc;
    /* a hole whose pixels are mostly grey (chroma under grey_chroma x the
     * cluster's, not glare) is an eye, a nostril or hair, not a lesion:
     * melanin and haemoglobin both colour the skin, so spots and red
     * patches keep its chroma */
    int32_t *grey = sk_models_ws_bytes(ws, "skin.hole_grey", ((size_t)nc + 1) * sizeof(int32_t));
    if (!grey)
        return sk_error_status();
    memset(grey, 0, ((size_t)nc + 1) * sizeof(int32_t));
    const double greyC = P("grey_chroma", 0.5) * hypot(c.a, c.b), glareL = c.L + glare;
    for (int y = 0; y < ch; y++)
        for (int x = 0; x < cw; x++) {
            size_t j = (size_t)y * cw + x, i = (size_t)y * cs + x;
            if (lab[j] && cL[i] <= glareL && hypot(cA[i], cB[i]) < greyC)
                grey[lab[j]]++;
        }
    const double max_hole = P("max_hole_mm2", 25.0) * cmm2, max_grey = P("max_hole_grey_frac", 0.4);
    /* and a hole whose darkest pixel has under cavity_ratio of the skin's
     * relative luminance (Y ~ (L* + 16)^3) is a cavity: a nostril, a parted
     * mouth; a mole is not that dark */
    const double cavity = P("cavity_ratio", 0.1);
    const double cavity_L = cavity > 0 ? (c.L + 16.0) * cbrt(cavity) - 16.0 : -1e30;
    for (size_t j = 0; j < (size_t)cw * ch; j++) {
        int32_t l = lab[j];
        if (!l)
            continue;
        const sk_component_t *k = &cc[l - 1];
        int touches = k->x0 == 0 || k->y0 == 0 || k->x1 == cw - 1 || k->y1 == ch - 1;
        if (!touches && (double)k->area <= max_hole && grey[l] <= max_grey * (double)k->area &&
            k->min >= cavity_L)
            m[j] = 1;
    }
    /* small islands out */
    if ((rc = sk_label(m, cw, cw, ch, lab, cw, NULL, 0, lws, &cc, &nc)) < 0)
        return rc;
    int64_t largest = 0;
    for (int i = 0; i < nc; i++)
        if (cc[i].area > largest)
            largest = cc[i].area;
    const double min_keep = fmax(P("min_component_frac", 0.02) * (double)largest,
                                 P("min_component_mm2", 4.0) * cmm2);
    for (size_t j = 0; j < (size_t)cw * ch; j++) {
        int32_t l = lab[j];
        m[j] = l && (double)cc[l - 1].area >= min_keep;
    }
    /* the margin from skin edges (square: cost flat in its size); like the
     * photo's border, the edge of the user's region is not a skin edge, so
     * outside the region counts as skin while eroding */
    const int em = (int)fmin(40.0, lround(P("edge_margin_mm", 1.0) / cmpp));
    if (em >= 1) {
        for (size_t j = 0; j < (size_t)cw * ch; j++)
            if (cR[(j / cw) * cs + j % cw] < 0.5f)
                m[j] = 1;
        if ((rc = sk_morph_erode(m, cw, m, cw, cw, ch, em, SK_SE_SQUARE, mscr)) < 0)
            return rc;
    }

    /* back to the base pixels: each base pixel takes the coarse pixel whose
     * area it lies in, intersected with the region */
    const double sx = (double)cw / w, sy = (double)ch / h;
    int *xmap = (int *)sk_models_ws_bytes(ws, "skin.xmap", (size_t)w * sizeof(int));
    if (!xmap)
        return sk_error_status();
    for (int x = 0; x < w; x++) {
        int xc = (int)((x + 0.5) * sx);
        xmap[x] = xc < cw ? xc : cw - 1;
    }
    double total = 0;
    for (int y = 0; y < h; y++) {
        int yc = (int)((y + 0.5) * sy);
        const uint8_t *mr = m + (size_t)(yc < ch ? yc : ch - 1) * cw;
        const uint8_t *rg = ctx->region + (size_t)y * ms;
        uint8_t *o = skin + (size_t)y * ms;
        size_t rowsum = 0;
        for (int x = 0; x < w; x++) {
            o[x] = (uint8_t)(mr[xmap[x]] && rg[x]);
            rowsum += o[x];
        }
        total += (double)rowsum;
    }
    *count = total;
    return SK_OK;
}
