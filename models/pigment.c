/* Pigmentation and redness: skin tone (ITA°), melanin and erythema indices,
 * pigmented spots, evenness of L*, and red areas. Formulas in
 * docs/METRICS.md; parameters in models/pigment.json. */
#include "pmodels.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define P(name, def) sk_params_get(ctx->params, "pigment." name, def)
#define PR(name, def) sk_params_get(ctx->params, "redness." name, def)

static void release_gauss(void *p)
{
    sk_gauss_ws_free(p);
}

static void release_label(void *p)
{
    sk_label_ws_free(p);
}

/* Skin-weighted (normalised) Gaussian: out = G*(v m) / G*(m), so that
 * background estimates near the mask edge ignore what is not skin. */
static int masked_blur(const sk_skin_ctx_t *ctx, const float *v, const float *m, float *out,
                       float *tmp, double sigma, sk_gauss_ws *g)
{
    const int w = ctx->w, h = ctx->h;
    const size_t s = ctx->stride;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            tmp[(size_t)y * s + x] = v[(size_t)y * s + x] * m[(size_t)y * s + x];
    int rc = sk_filter_gauss(tmp, s, out, s, w, h, sigma, 0, 0, g);
    if (rc == SK_OK)
        rc = sk_filter_gauss(m, s, tmp, s, w, h, sigma, 0, 0, g);
    if (rc < 0)
        return rc;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * s + x;
            out[i] = tmp[i] > 1e-3f ? out[i] / tmp[i] : v[i];
        }
    return SK_OK;
}


/* Outline of a component as a star polygon: the farthest pixel of the
 * component along each of n rays from its centroid. */
static void outline(const int32_t *lab, int w, int h, const sk_component_t *c, float *xy, int n)
{
    for (int k = 0; k < n; k++) {
        double a = 2 * M_PI * k / n, ca = cos(a), sa = sin(a);
        double best = 0;
        double rmax = hypot(c->x1 - c->x0 + 1, c->y1 - c->y0 + 1);
        for (double r = 0; r <= rmax; r += 0.5) {
            int x = (int)lround(c->cx + r * ca), y = (int)lround(c->cy + r * sa);
            if (x < 0 || y < 0 || x >= w || y >= h)
                break;
            if (lab[(size_t)y * w + x] == c->label)
                best = r;
        }
        xy[2 * k] = (float)(c->cx + (best + 0.5) * ca);
        xy[2 * k + 1] = (float)(c->cy + (best + 0.5) * sa);
    }
}

/* Label `mask` and keep components with area in [amin, amax] px; writes
 * detections of `kind`; returns kept count and area, and the sum of `val`
 * over kept pixels. */
static int components(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, uint8_t *mask,
                      const float *val, double amin, double amax, sk_detection_kind kind,
                      sk_detections_t *det, int *count, double *area, double *vsum)
{
    const int w = ctx->w, h = ctx->h;
    int32_t *lab = sk_models_ws_bytes(ws, "pigment.labels", (size_t)w * h * sizeof(int32_t));
    sk_label_ws *lws = sk_models_ws_object(ws, "pigment.label_ws", sizeof(sk_label_ws),
                                           release_label);
    float *vals = sk_models_ws_bytes(ws, "pigment.vals", (size_t)w * h * sizeof(float));
    if (!lab || !lws || !vals)
        return sk_error_status();
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            vals[(size_t)y * w + x] = val ? val[(size_t)y * ctx->stride + x] : 0.0f;
    const sk_component_t *c = NULL;
    int n = 0;
    int rc = sk_label(mask, w, w, h, lab, w, vals, w, lws, &c, &n);
    if (rc < 0)
        return rc;
    *count = 0;
    *area = 0;
    *vsum = 0;
    for (int i = 0; i < n; i++) {
        if ((double)c[i].area < amin || (amax > 0 && (double)c[i].area > amax))
            continue;
        (*count)++;
        *area += (double)c[i].area;
        *vsum += c[i].sum;
        if (det) {
            sk_detection_t *d = sk_detections_add(det, kind);
            if (!d)
                return sk_error_set(SK_ERR_NOMEM, "pigment: out of memory");
            d->x = (float)c[i].cx;
            d->y = (float)c[i].cy;
            d->area = (float)c[i].area;
            d->bx = c[i].x0, d->by = c[i].y0;
            d->bw = c[i].x1 - c[i].x0 + 1, d->bh = c[i].y1 - c[i].y0 + 1;
            d->contrast = (float)(c[i].sum / (double)c[i].area);
            d->diameter = (float)(2 * sqrt(c[i].area / M_PI));
            float xy[64];
            outline(lab, w, h, &c[i], xy, 32);
            long first = sk_detections_add_points(det, xy, 32);
            if (first < 0)
                return sk_error_set(SK_ERR_NOMEM, "pigment: out of memory");
            d->first_contour = (int)first;
            d->n_contour = 32;
        }
    }
    return SK_OK;
}

int sk_pigment_measure(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, sk_metric_set_t *out,
                       sk_detections_t *det)
{
    const int w = ctx->w, h = ctx->h;
    const size_t s = ctx->stride, ms = ctx->mask_stride;
    const int phys = ctx->physical;
    const char *none = "no skin found in the analysed region";
    if (ctx->skin_pixels < 1000) {
        sk_metric_set_add(out, "pigment.ita_deg", NAN, "deg", SK_BETTER_NEUTRAL, none);
        sk_metric_set_add(out, "pigment.melanin_index", NAN, "index", SK_BETTER_LOWER, none);
        sk_metric_set_add(out, "pigment.erythema_index", NAN, "index", SK_BETTER_LOWER, none);
        sk_metric_set_add(out, "pigment.spot_count", NAN, "count", SK_BETTER_LOWER, none);
        sk_metric_set_add(out, "pigment.spot_area_pct", NAN, "%", SK_BETTER_LOWER, none);
        sk_metric_set_add(out, "pigment.spot_contrast", NAN, "dL*", SK_BETTER_LOWER, none);
        sk_metric_set_add(out, "pigment.evenness", NAN, "dL*", SK_BETTER_LOWER, none);
        sk_metric_set_add(out, "redness.area_pct", NAN, "%", SK_BETTER_LOWER, none);
        return SK_OK;
    }
    /* tone and indices from robust medians over skin */
    size_t n = (size_t)ctx->skin_pixels, step = n > 100000 ? n / 100000 : 1, k = 0, m = 0;
    size_t cap = n / step + 2;
    float *sv = sk_models_ws_bytes(ws, "pigment.sample", 5 * cap * sizeof(float));
    if (!sv)
        return sk_error_status();
    float *sL = sv, *sB = sv + cap, *sR = sv + 2 * cap, *sG = sv + 3 * cap, *sA = sv + 4 * cap;
    for (int y = 0; y < h && m < cap; y++)
        for (int x = 0; x < w && m < cap; x++) {
            if (!ctx->skin[(size_t)y * ms + x] || k++ % step)
                continue;
            size_t i = (size_t)y * s + x;
            sL[m] = ctx->L[i], sB[m] = ctx->B[i], sA[m] = ctx->A[i];
            sR[m] = ctx->lin[0][i], sG[m] = ctx->lin[1][i];
            m++;
        }
    double mL = sk_select_kth(sL, m, m / 2), mB = sk_select_kth(sB, m, m / 2);
    double mA = sk_select_kth(sA, m, m / 2);
    double mR = fmax(sk_select_kth(sR, m, m / 2), 1e-4), mG = fmax(sk_select_kth(sG, m, m / 2), 1e-4);
    double ita = atan2(mL - 50.0, mB) * 180.0 / M_PI;
    double mi = 100.0 * log10(1.0 / mR);
    double ei = 100.0 * log10(mR / mG);

    /* planes */
    size_t ps;
    float *mf = sk_models_ws_plane(ws, "pigment.maskf", w, h, &ps);
    float *bgL = sk_models_ws_plane(ws, "pigment.bgL", w, h, &ps);
    float *bgB = sk_models_ws_plane(ws, "pigment.bgB", w, h, &ps);
    float *sm = sk_models_ws_plane(ws, "pigment.smooth", w, h, &ps);
    float *tmp = sk_models_ws_plane(ws, "pigment.tmp", w, h, &ps);
    float *dl = sk_models_ws_plane(ws, "pigment.dl", w, h, &ps);
    uint8_t *mask = sk_models_ws_bytes(ws, "pigment.mask", (size_t)w * h);
    void *mscratch = sk_models_ws_bytes(ws, "pigment.morph", sk_morph_scratch_size(w, h));
    sk_gauss_ws *g = sk_models_ws_object(ws, "pigment.gauss", sizeof(sk_gauss_ws), release_gauss);
    if (!mf || !bgL || !bgB || !sm || !tmp || !dl || !mask || !mscratch || !g)
        return sk_error_status();
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            mf[(size_t)y * s + x] = ctx->skin[(size_t)y * ms + x] ? 1.0f : 0.0f;
    const double mpp = ctx->mm_per_px;
    double sig_bg = fmin(50.0, P("background_sigma_mm", 2.5) / mpp);
    double sig_sm = fmax(0.5, P("smooth_sigma_mm", 0.08) / mpp);
    int rc;
    if ((rc = masked_blur(ctx, ctx->L, mf, bgL, tmp, sig_bg, g)) < 0 ||
        (rc = masked_blur(ctx, ctx->B, mf, bgB, tmp, sig_bg, g)) < 0 ||
        (rc = sk_filter_gauss(ctx->L, s, sm, s, w, h, sig_sm, 0, 0, g)) < 0)
        return rc;
    /* spots: darker than the local background, browner than it. The
     * background is estimated twice: the second time without the candidate
     * spots, so large spots do not darken their own background. A spot's
     * extent is where it is at least half as dark as at its darkest
     * (half-maximum), which does not move with the spot's contrast. */
    const double min_dl = P("spot_min_dl", 4.0), min_db = P("spot_min_db", 0.5);
    const double weak_dl = P("spot_weak_dl", 2.0), half = P("spot_extent_fraction", 0.5);
    int32_t *lab0 = sk_models_ws_bytes(ws, "pigment.labels0", (size_t)w * h * sizeof(int32_t));
    sk_label_ws *lws0 = sk_models_ws_object(ws, "pigment.label_ws0", sizeof(sk_label_ws),
                                            release_label);
    if (!lab0 || !lws0)
        return sk_error_status();
    for (int pass = 0; pass < 2; pass++) {
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                size_t i = (size_t)y * s + x;
                float d = sm[i] - bgL[i];
                dl[i] = -d;
                mask[(size_t)y * w + x] = ctx->skin[(size_t)y * ms + x] && -d >= weak_dl &&
                                          ctx->B[i] - bgB[i] >= min_db;
            }
        if (pass == 1)
            break;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                tmp[(size_t)y * s + x] = mask[(size_t)y * w + x] ? 0.0f : mf[(size_t)y * s + x];
        float *m2 = sk_models_ws_plane(ws, "pigment.mask2", w, h, &ps);
        float *t2 = sk_models_ws_plane(ws, "pigment.tmp2", w, h, &ps);
        if (!m2 || !t2)
            return sk_error_status();
        for (int y = 0; y < h; y++)
            memcpy(m2 + (size_t)y * s, tmp + (size_t)y * s, (size_t)w * sizeof(float));
        if ((rc = masked_blur(ctx, ctx->L, m2, bgL, t2, sig_bg, g)) < 0 ||
            (rc = masked_blur(ctx, ctx->B, m2, bgB, t2, sig_bg, g)) < 0)
            return rc;
    }
    {
        const sk_component_t *wc = NULL;
        int nw = 0;
        float *dlc = sk_models_ws_plane(ws, "pigment.dlc", w, h, &ps);
        if (!dlc)
            return sk_error_status();
        for (int y = 0; y < h; y++)
            memcpy(dlc + (size_t)y * w, dl + (size_t)y * s, (size_t)w * sizeof(float));
        if ((rc = sk_label(mask, w, w, h, lab0, w, dlc, w, lws0, &wc, &nw)) < 0)
            return rc;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int32_t l = lab0[(size_t)y * w + x];
                /* the spot's level: its mean darkening over the candidate
                 * area (robust to pores inside it, unlike the peak) */
                double level = l ? wc[l - 1].sum / (double)wc[l - 1].area : 0;
                mask[(size_t)y * w + x] = l && wc[l - 1].max >= min_dl && level >= 0.5 * min_dl &&
                                          dl[(size_t)y * s + x] >= half * level;
            }
    }
    int r = (int)lround(P("spot_open_mm", 0.15) / mpp);
    if (r >= 1 && (rc = sk_morph_open(mask, w, mask, w, w, h, r > 8 ? 8 : r, SK_SE_DISK,
                                      mscratch)) < 0)
        return rc;
    const double mm2 = 1.0 / (mpp * mpp);
    const double dmin = P("spot_min_diameter_mm", 0.8), dmax = P("spot_max_diameter_mm", 8.0);
    int spots = 0;
    double spot_px = 0, spot_dl = 0;
    if ((rc = components(ctx, ws, mask, dl, M_PI * dmin * dmin / 4 * mm2,
                         M_PI * dmax * dmax / 4 * mm2, SK_DET_SPOT, det, &spots, &spot_px,
                         &spot_dl)) < 0)
        return rc;
    /* evenness: spread of L* band-passed between 0.5 mm and the background
     * scale, over skin outside spots */
    double sig_e = fmax(0.5, P("evenness_sigma_mm", 0.5) / mpp);
    if ((rc = sk_filter_gauss(ctx->L, s, tmp, s, w, h, sig_e, 0, 0, g)) < 0)
        return rc;
    double e1 = 0, e2 = 0, en = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * s + x;
            if (!ctx->skin[(size_t)y * ms + x] || mask[(size_t)y * w + x])
                continue;
            double v = tmp[i] - bgL[i];
            e1 += v;
            e2 += v * v;
            en += 1;
        }
    double even = en > 1 ? sqrt(fmax(0.0, e2 / en - (e1 / en) * (e1 / en))) : NAN;
    /* redness: a* above the skin's median by delta_a, smoothed, cleaned */
    double sig_r = fmax(0.5, PR("smooth_sigma_mm", 0.3) / mpp);
    if ((rc = sk_filter_gauss(ctx->A, s, tmp, s, w, h, fmin(sig_r, 50.0), 0, 0, g)) < 0)
        return rc;
    const double da = PR("delta_a", 4.0);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            mask[(size_t)y * w + x] =
                ctx->skin[(size_t)y * ms + x] && tmp[(size_t)y * s + x] - mA >= da;
    int reds = 0;
    double red_px = 0, red_sum = 0;
    double rmin = PR("min_area_mm2", 2.0) * mm2;
    if ((rc = components(ctx, ws, mask, NULL, rmin, 0, SK_DET_REDNESS, det, &reds, &red_px,
                         &red_sum)) < 0)
        return rc;

    double skin = ctx->skin_pixels;
    sk_metric_set_add(out, "pigment.ita_deg", ita, "deg", SK_BETTER_NEUTRAL, NULL);
    sk_metric_set_add(out, "pigment.melanin_index", mi, "index", SK_BETTER_LOWER, NULL);
    sk_metric_set_add(out, "pigment.erythema_index", ei, "index", SK_BETTER_LOWER, NULL);
    sk_metric_set_add(out, "pigment.spot_count", spots, "count", SK_BETTER_LOWER, NULL);
    sk_metric_set_add(out, "pigment.spot_area_pct", 100.0 * spot_px / skin, "%", SK_BETTER_LOWER,
                      NULL);
    sk_metric_set_add(out, "pigment.spot_contrast", spots ? spot_dl / spot_px : 0.0, "dL*",
                      SK_BETTER_LOWER, NULL);
    sk_metric_set_add(out, "pigment.evenness", even, "dL*", SK_BETTER_LOWER,
                      isfinite(even) ? NULL : none);
    sk_metric_set_add(out, "redness.area_pct", 100.0 * red_px / skin, "%", SK_BETTER_LOWER, NULL);
    (void)phys;
    return SK_OK;
}
