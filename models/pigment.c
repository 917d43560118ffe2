/* Pigmentation and redness: skin tone (ITA°), melanin and erythema indices,
 * pigmented spots, evenness of L*, and red areas.
 *
 * Tone and indices are robust medians over the skin at the base scale.
 * Everything else works at pigment.work_mm_per_px (area-averaged from the
 * base: spots and red areas are millimetres wide) on contrasts that are
 * normalised for exposure: a uniform exposure change multiplies L* + 16, a*
 * and b* by the same factor, so contrasts are scaled by
 * (ref_L + 16) / (median skin L* + 16), i.e. read as if the skin's median
 * lightness were ref_L.
 *
 * Spots: darker than a local background (skin-weighted Gaussian of L*,
 * recomputed without the candidates), browner than mere shading would make
 * them (b* / (L* + 16), which shading leaves unchanged, goes up), with a peak
 * darkening of at least spot_min_dl; a spot's extent is where its darkening
 * reaches spot_extent_fraction of its peak (which does not move with the
 * spot's contrast), kept when its equivalent diameter is within
 * [spot_min_diameter_mm, spot_max_diameter_mm] (pores are far smaller).
 * Redness: a* above a local skin baseline, peak at least redness.delta_a,
 * extent at half the peak, area at least redness.min_area_mm2.
 * Formulas and references: docs/metrics/pigment.md; parameters:
 * models/pigment.json. */
#include "pskin.h"

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

/* The coarse working planes of one photo. */
typedef struct work {
    int w, h;      /* coarse size */
    size_t s;      /* float stride */
    double mpp;    /* coarse mm per pixel */
    double sx, sy; /* base pixels per coarse pixel */
    float *m;      /* skin coverage as 0/1 */
    uint8_t *skin; /* coarse skin mask (stride w) */
    float *tmp, *tmp2;
    sk_gauss_ws *g;
} work_t;

/* Skin-weighted Gaussian: out = G*(v m) / G*(m), so that a background near
 * the mask's edge ignores what is not skin (or what `m` excludes). */
/* out = G(v m) / G(m) (v where the blurred weight is under 1e-3), for one or
 * two planes v (v2 may be NULL) with one mask, whose blur is taken once. */
static int masked_blur2(const work_t *k, const float *v, const float *v2, const float *m,
                        float *out, float *out2, double sigma)
{
    const size_t s = k->s;
    int rc = sk_filter_gauss(m, s, k->tmp2, s, k->w, k->h, sigma, 0, 0, k->g);
    for (int p = 0; p < 2 && rc == SK_OK; p++) {
        const float *vp = p ? v2 : v;
        float *op = p ? out2 : out;
        if (!vp)
            break;
        for (int y = 0; y < k->h; y++)
            for (int x = 0; x < k->w; x++)
                k->tmp[(size_t)y * s + x] = vp[(size_t)y * s + x] * m[(size_t)y * s + x];
        if ((rc = sk_filter_gauss(k->tmp, s, op, s, k->w, k->h, sigma, 0, 0, k->g)) < 0)
            break;
        for (int y = 0; y < k->h; y++)
            for (int x = 0; x < k->w; x++) {
                size_t i = (size_t)y * s + x;
                op[i] = k->tmp2[i] > 1e-3f ? op[i] / k->tmp2[i] : vp[i];
            }
    }
    return rc;
}

/* The skin weights without the candidates: `mask` (stride w) is dilated by
 * `dil` px in place, and excl = skin coverage where the mask is off. */
static int exclude_candidates(const work_t *k, uint8_t *mask, int dil, void *scratch, float *excl)
{
    const int w = k->w, h = k->h;
    int rc;
    if (dil >= 1 && (rc = sk_morph_dilate(mask, w, mask, w, w, h, dil, SK_SE_SQUARE, scratch)) < 0)
        return rc;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            excl[(size_t)y * k->s + x] =
                mask[(size_t)y * w + x] ? 0.0f : k->m[(size_t)y * k->s + x];
    return SK_OK;
}

/* Outline of a component as a star polygon: the farthest pixel of the
 * component along each of n rays from its centroid, in base pixels. */
static void outline(const int32_t *lab, const work_t *k, const sk_component_t *c, float *xy, int n)
{
    for (int j = 0; j < n; j++) {
        double a = 2 * M_PI * j / n, ca = cos(a), sa = sin(a);
        double best = 0, rmax = hypot(c->x1 - c->x0 + 1, c->y1 - c->y0 + 1);
        for (double r = 0; r <= rmax; r += 0.5) {
            int x = (int)lround(c->cx + r * ca), y = (int)lround(c->cy + r * sa);
            if (x < 0 || y < 0 || x >= k->w || y >= k->h)
                break;
            if (lab[(size_t)y * k->w + x] == c->label)
                best = r;
        }
        xy[2 * j] = (float)((c->cx + (best + 0.5) * ca + 0.5) * k->sx - 0.5);
        xy[2 * j + 1] = (float)((c->cy + (best + 0.5) * sa + 0.5) * k->sy - 0.5);
    }
}

/* Components of `mask` with area in [amin, amax] coarse px (amax <= 0: no
 * bound), a mean of `val` of at least min_mean and, when max_axis_ratio > 0,
 * an equivalent ellipse no more elongated than max_axis_ratio (spots are
 * blobs; a fold or a wrinkle that passed the darkening test is a line):
 * count, area and sum of `val` over them; detections of `kind` in base
 * pixels when det is given. */
static int components(const work_t *k, sk_models_ws_t *ws, const uint8_t *mask, const float *val,
                      double amin, double amax, double min_mean, double max_axis_ratio,
                      sk_detection_kind kind, sk_detections_t *det, int *count, double *area,
                      double *vsum)
{
    int32_t *lab = sk_models_ws_bytes(ws, "pigment.labels", (size_t)k->w * k->h * sizeof(int32_t));
    sk_label_ws *lws =
        sk_models_ws_object(ws, "pigment.label_ws", sizeof(sk_label_ws), release_label);
    if (!lab || !lws)
        return sk_error_status();
    const sk_component_t *c = NULL;
    int n = 0;
    int rc = sk_label(mask, k->w, k->w, k->h, lab, k->w, val, k->s, lws, &c, &n);
    if (rc < 0)
        return rc;
    /* second central moments per component: the axis ratio of its
     * equivalent ellipse (1 for a disc, large for a line) */
    double *mom = NULL;
    if (max_axis_ratio > 0) {
        mom = sk_models_ws_bytes(ws, "pigment.moments", ((size_t)n + 1) * 3 * sizeof(double));
        if (!mom)
            return sk_error_status();
        memset(mom, 0, ((size_t)n + 1) * 3 * sizeof(double));
        for (int y = 0; y < k->h; y++)
            for (int x = 0; x < k->w; x++) {
                int32_t l = lab[(size_t)y * k->w + x];
                if (!l)
                    continue;
                double dx = x - c[l - 1].cx, dy = y - c[l - 1].cy;
                mom[3 * l] += dx * dx, mom[3 * l + 1] += dy * dy, mom[3 * l + 2] += dx * dy;
            }
    }
    *count = 0, *area = 0, *vsum = 0;
    const double px = k->sx * k->sy; /* base px per coarse px */
    for (int i = 0; i < n; i++) {
        if ((double)c[i].area < amin || (amax > 0 && (double)c[i].area > amax) ||
            c[i].sum / (double)c[i].area < min_mean)
            continue;
        if (mom) {
            const double *m = &mom[3 * (i + 1)];
            double a = m[0] / c[i].area, b = m[1] / c[i].area, cxy = m[2] / c[i].area;
            double tr = 0.5 * (a + b), dd = sqrt(0.25 * (a - b) * (a - b) + cxy * cxy);
            double l1 = tr + dd, l2 = fmax(tr - dd, 1e-12);
            if (sqrt(l1 / l2) > max_axis_ratio)
                continue;
        }
        (*count)++;
        *area += (double)c[i].area;
        *vsum += c[i].sum;
        if (!det)
            continue;
        sk_detection_t *d = sk_detections_add(det, kind);
        if (!d)
            return sk_error_set(SK_ERR_NOMEM, "pigment: out of memory");
        d->x = (float)((c[i].cx + 0.5) * k->sx - 0.5);
        d->y = (float)((c[i].cy + 0.5) * k->sy - 0.5);
        d->area = (float)(c[i].area * px);
        d->bx = (int)floor(c[i].x0 * k->sx), d->by = (int)floor(c[i].y0 * k->sy);
        d->bw = (int)ceil((c[i].x1 + 1) * k->sx) - d->bx;
        d->bh = (int)ceil((c[i].y1 + 1) * k->sy) - d->by;
        d->contrast = (float)(c[i].sum / (double)c[i].area);
        d->diameter = (float)(2 * sqrt(d->area / M_PI));
        float xy[64];
        outline(lab, k, &c[i], xy, 32);
        long first = sk_detections_add_points(det, xy, 32);
        if (first < 0)
            return sk_error_set(SK_ERR_NOMEM, "pigment: out of memory");
        d->first_contour = (int)first;
        d->n_contour = 32;
    }
    return SK_OK;
}

/* Half-maximum extent: label the candidates (`cand`), take each
 * component's peak of `peak_plane` and the mean of `aux` (may be NULL), and
 * keep the pixels whose `val` reaches frac x peak in components whose peak
 * is at least min_peak and whose mean aux is at least min_aux. */
static int extent(const work_t *k, sk_models_ws_t *ws, uint8_t *cand, const float *val,
                  const float *peak_plane, const float *aux, double min_peak, double min_aux,
                  double frac)
{
    const int w = k->w, h = k->h;
    int32_t *lab = sk_models_ws_bytes(ws, "pigment.labels", (size_t)w * h * sizeof(int32_t));
    sk_label_ws *lws =
        sk_models_ws_object(ws, "pigment.label_ws", sizeof(sk_label_ws), release_label);
    if (!lab || !lws)
        return sk_error_status();
    const sk_component_t *c = NULL;
    int n = 0;
    int rc = sk_label(cand, w, w, h, lab, w, peak_plane, k->s, lws, &c, &n);
    if (rc < 0)
        return rc;
    double *auxsum = sk_models_ws_bytes(ws, "pigment.auxsum", ((size_t)n + 1) * sizeof(double));
    if (!auxsum)
        return sk_error_status();
    memset(auxsum, 0, ((size_t)n + 1) * sizeof(double));
    if (aux)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int32_t l = lab[(size_t)y * w + x];
                if (l)
                    auxsum[l] += aux[(size_t)y * k->s + x];
            }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t j = (size_t)y * w + x;
            int32_t l = lab[j];
            uint8_t on = 0;
            if (l) {
                const sk_component_t *cc = &c[l - 1];
                on = cc->max >= min_peak && (!aux || auxsum[l] / (double)cc->area >= min_aux) &&
                     val[(size_t)y * k->s + x] >= frac * cc->max;
            }
            cand[j] = on;
        }
    return SK_OK;
}

static void add_all(sk_metric_set_t *out, const double v[8], const char *why)
{
    sk_metric_set_add(out, "pigment.ita_deg", v[0], "deg", SK_BETTER_NEUTRAL, why);
    sk_metric_set_add(out, "pigment.melanin_index", v[1], "index", SK_BETTER_LOWER, why);
    sk_metric_set_add(out, "pigment.erythema_index", v[2], "index", SK_BETTER_LOWER, why);
    sk_metric_set_add(out, "pigment.spot_count", v[3], "count", SK_BETTER_LOWER, why);
    sk_metric_set_add(out, "pigment.spot_area_pct", v[4], "%", SK_BETTER_LOWER, why);
    sk_metric_set_add(out, "pigment.spot_contrast", v[5], "ΔL*", SK_BETTER_LOWER, why);
    sk_metric_set_add(out, "pigment.evenness", v[6], "ΔL*", SK_BETTER_LOWER, why);
    sk_metric_set_add(out, "redness.area_pct", v[7], "%", SK_BETTER_LOWER, why);
}

int sk_pigment_measure(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, sk_metric_set_t *out,
                       sk_detections_t *det)
{
    const int W = ctx->w, H = ctx->h;
    const size_t S = ctx->stride, MS = ctx->mask_stride;
    double v[8] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    if (!(ctx->mm_per_px <= P("needs_mm_per_px", 0.2))) {
        add_all(out, v, "needs 0.2 mm/px or finer");
        return SK_OK;
    }
    if (ctx->skin_pixels < P("min_skin_mm2", 25.0) / (ctx->mm_per_px * ctx->mm_per_px)) {
        add_all(out, v, "too little skin in the analysed region");
        return SK_OK;
    }

    /* tone and indices: robust medians over skin (a regular subsample) */
    size_t n = (size_t)ctx->skin_pixels, step = n > 100000 ? n / 100000 : 1, skip = 0, m = 0;
    size_t cap = n / step + 2;
    float *sv = sk_models_ws_bytes(ws, "pigment.sample", 4 * cap * sizeof(float));
    if (!sv)
        return sk_error_status();
    float *sL = sv, *sB = sv + cap, *sR = sv + 2 * cap, *sG = sv + 3 * cap;
    for (int y = 0; y < H && m < cap; y++)
        for (int x = 0; x < W && m < cap; x++) {
            /* every step-th skin pixel, from the first (a countdown: a
             * division per pixel cost more than the rest of the loop) */
            if (!ctx->skin[(size_t)y * MS + x])
                continue;
            if (skip) {
                skip--;
                continue;
            }
            skip = step - 1;
            size_t i = (size_t)y * S + x;
            sL[m] = ctx->L[i], sB[m] = ctx->B[i];
            sR[m] = ctx->lin[0][i], sG[m] = ctx->lin[1][i];
            m++;
        }
    const double mL = sk_stats_select_kth(sL, m, m / 2), mB = sk_stats_select_kth(sB, m, m / 2);
    const double mR = fmax(sk_stats_select_kth(sR, m, m / 2), 1e-4);
    const double mG = fmax(sk_stats_select_kth(sG, m, m / 2), 1e-4);
    v[0] = atan2(mL - 50.0, mB) * 180.0 / M_PI;
    v[1] = 100.0 * log10(1.0 / mR);
    v[2] = 100.0 * log10(mR / mG);
    /* exposure normalisation of contrasts */
    const double gain = (P("ref_L", 60.0) + 16.0) / fmax(mL + 16.0, 1.0);

    /* coarse working planes */
    const int f = sk_pskin_factor(ctx->mm_per_px, P("work_mm_per_px", 0.08));
    work_t k = {.w = (W + f - 1) / f, .h = (H + f - 1) / f};
    k.mpp = ctx->mm_per_px * f;
    k.sx = (double)W / k.w, k.sy = (double)H / k.h;
    const int w = k.w, h = k.h;
    size_t ps;
    float *full = sk_models_ws_plane(ws, "pigment.full", W, H, &ps);
    float *cL = sk_models_ws_plane(ws, "pigment.cL", w, h, &k.s);
    float *cA = sk_models_ws_plane(ws, "pigment.cA", w, h, &k.s);
    float *cB = sk_models_ws_plane(ws, "pigment.cB", w, h, &k.s);
    float *bgL = sk_models_ws_plane(ws, "pigment.bgL", w, h, &k.s);
    float *bgB = sk_models_ws_plane(ws, "pigment.bgB", w, h, &k.s);
    float *sm = sk_models_ws_plane(ws, "pigment.smooth", w, h, &k.s);
    float *wide = sk_models_ws_plane(ws, "pigment.wide", w, h, &k.s);
    float *dl = sk_models_ws_plane(ws, "pigment.dl", w, h, &k.s);
    float *dr = sk_models_ws_plane(ws, "pigment.dr", w, h, &k.s);
    float *excl = sk_models_ws_plane(ws, "pigment.excl", w, h, &k.s);
    k.m = sk_models_ws_plane(ws, "pigment.maskf", w, h, &k.s);
    k.tmp = sk_models_ws_plane(ws, "pigment.tmp", w, h, &k.s);
    k.tmp2 = sk_models_ws_plane(ws, "pigment.tmp2", w, h, &k.s);
    k.skin = sk_models_ws_bytes(ws, "pigment.skin", (size_t)w * h);
    uint8_t *mask = sk_models_ws_bytes(ws, "pigment.mask", (size_t)w * h);
    uint8_t *spots = sk_models_ws_bytes(ws, "pigment.spots", (size_t)w * h);
    void *rs = sk_models_ws_bytes(ws, "pigment.resize", sk_pskin_reduce_scratch(W, H, f));
    void *mscr = sk_models_ws_bytes(ws, "pigment.morph", sk_morph_scratch_size(w, h));
    k.g = sk_models_ws_object(ws, "pigment.gauss", sizeof(sk_gauss_ws), release_gauss);
    if (!full || !cL || !cA || !cB || !bgL || !bgB || !sm || !wide || !dl || !dr || !excl || !k.m ||
        !k.tmp || !k.tmp2 || !k.skin || !mask || !spots || !rs || !mscr || !k.g)
        return sk_error_status() ? sk_error_status() : SK_ERR_NOMEM;
    int rc;
    sk_pskin_mask_to_float(ctx->skin, MS, W, H, full, ps);
    if ((rc = sk_pskin_reduce(ctx->L, S, W, H, f, cL, k.s, rs)) < 0 ||
        (rc = sk_pskin_reduce(ctx->A, S, W, H, f, cA, k.s, rs)) < 0 ||
        (rc = sk_pskin_reduce(ctx->B, S, W, H, f, cB, k.s, rs)) < 0 ||
        (rc = sk_pskin_reduce(full, ps, W, H, f, k.m, k.s, rs)) < 0)
        return rc;
    double skin_px = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * k.s + x;
            uint8_t on = k.m[i] >= 0.5f;
            k.m[i] = on;
            k.skin[(size_t)y * w + x] = on;
            skin_px += on;
        }
    if (skin_px < 64) {
        add_all(out, v, "too little skin in the analysed region");
        return SK_OK;
    }
    const double px_mm = 1.0 / k.mpp;
    const double sig_bg = fmin(50.0, P("background_sigma_mm", 2.5) * px_mm);
    const double sig_sm = fmax(0.5, P("smooth_sigma_mm", 0.08) * px_mm);
    const double sig_pk = fmax(0.5, P("peak_sigma_mm", 0.25) * px_mm);
    const int dil = (int)lround(P("exclude_margin_mm", 0.3) * px_mm);

    /* ---- spots */
    const double min_dl = P("spot_min_dl", 4.0), weak_dl = P("spot_weak_dl", 2.0);
    const double min_dr = P("spot_min_browning", 0.01), frac = P("spot_extent_fraction", 0.45);
    const double min_db = P("spot_min_db", 0.5);
    if ((rc = sk_filter_gauss(cL, k.s, sm, k.s, w, h, sig_sm, 0, 0, k.g)) < 0 ||
        (rc = sk_filter_gauss(cL, k.s, wide, k.s, w, h, sig_pk, 0, 0, k.g)) < 0 ||
        (rc = sk_filter_gauss(cB, k.s, dr, k.s, w, h, sig_pk, 0, 0, k.g)) < 0)
        return rc;
    /* dr keeps smoothed b* until the browning is computed below */
    for (int pass = 0; pass < 2; pass++) {
        const float *mk = k.m;
        if (pass == 1) {
            /* background again, without the candidates (and a margin) */
            if ((rc = exclude_candidates(&k, mask, dil, mscr, excl)) < 0)
                return rc;
            mk = excl;
        }
        if ((rc = masked_blur2(&k, cL, cB, mk, bgL, bgB, sig_bg)) < 0)
            return rc;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                size_t i = (size_t)y * k.s + x;
                float d = (float)gain * (bgL[i] - sm[i]);
                dl[i] = d;
                float db = (float)gain * (dr[i] - bgB[i]);
                const int cand = k.skin[(size_t)y * w + x] && d >= weak_dl && db >= min_db;
                /* browning: b* / (L* + 16) up against the background's, only
                 * where it decides (few pixels): the mask, and the component
                 * test, which reads it on the mask's components alone */
                float br = 0;
                if (cand)
                    br = (float)(dr[i] / fmax(wide[i] + 16.0, 1.0) -
                                 bgB[i] / fmax(bgL[i] + 16.0, 1.0));
                mask[(size_t)y * w + x] = cand && br > 0;
                if (pass == 1)
                    excl[i] = br; /* kept for the component test */
            }
    }
    /* the peak from the wider smoothing: pores inside a spot do not count */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * k.s + x;
            wide[i] = (float)gain * (bgL[i] - wide[i]);
        }
    if ((rc = extent(&k, ws, mask, dl, wide, excl, min_dl, min_dr, frac)) < 0)
        return rc;
    /* thin dark lines (wrinkles, hair) that touch a spot are cut off */
    const int ro = (int)fmin(8.0, lround(P("spot_open_mm", 0.15) * px_mm));
    if (ro >= 1 && (rc = sk_morph_open(mask, w, mask, w, w, h, ro, SK_SE_DISK, mscr)) < 0)
        return rc;
    const double mm2 = px_mm * px_mm;
    const double dmin = P("spot_min_diameter_mm", 0.8), dmax = P("spot_max_diameter_mm", 8.0);
    int n_spots = 0;
    double spot_px = 0, spot_dl = 0;
    memcpy(spots, mask, (size_t)w * h);
    if ((rc = components(&k, ws, spots, dl, M_PI * dmin * dmin / 4 * mm2,
                         M_PI * dmax * dmax / 4 * mm2, P("spot_min_mean_dl", 4.5),
                         P("spot_max_axis_ratio", 2.5), SK_DET_SPOT, det, &n_spots, &spot_px,
                         &spot_dl)) < 0)
        return rc;
    v[3] = n_spots;
    v[4] = 100.0 * spot_px / skin_px;
    v[5] = n_spots ? spot_dl / spot_px : 0.0;

    /* ---- evenness: SD of L* band-passed between evenness_sigma_mm and the
     * background scale, over skin outside the candidate spots */
    const double sig_e = fmax(0.5, P("evenness_sigma_mm", 0.5) * px_mm);
    if ((rc = sk_filter_gauss(cL, k.s, k.tmp2, k.s, w, h, sig_e, 0, 0, k.g)) < 0)
        return rc;
    double e1 = 0, e2 = 0, en = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * k.s + x;
            if (!k.skin[(size_t)y * w + x] || mask[(size_t)y * w + x])
                continue;
            double e = gain * (k.tmp2[i] - bgL[i]);
            e1 += e, e2 += e * e, en += 1;
        }
    v[6] = en > 16 ? sqrt(fmax(0.0, e2 / en - (e1 / en) * (e1 / en))) : NAN;

    /* ---- redness: a* above a local skin baseline */
    const double sig_r = fmax(0.5, PR("smooth_sigma_mm", 0.3) * px_mm);
    const double sig_rb = fmin(50.0, PR("background_sigma_mm", 4.0) * px_mm);
    const double da_min = PR("delta_a", 4.0), da_weak = PR("weak_delta_a", 2.0);
    if ((rc = sk_filter_gauss(cA, k.s, sm, k.s, w, h, sig_r, 0, 0, k.g)) < 0)
        return rc;
    for (int pass = 0; pass < 2; pass++) {
        const float *mk = k.m;
        if (pass == 1) {
            /* The first pass's candidates leave the background: those
             * clearly red (d >= weak + h) with a margin, those within h of
             * the weak level in part (weight falling smoothly from 1 to 0
             * across it), so that a broad area near the level (a cheek) does
             * not flip the background, and with it the whole area, between
             * two nearly equal photos. */
            const int rdil = (int)lround(PR("exclude_margin_mm", 0.5) * px_mm);
            const double hr = PR("exclude_ramp_delta_a", 1.0);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    mask[(size_t)y * w + x] = k.skin[(size_t)y * w + x] &&
                                              dl[(size_t)y * k.s + x] >= da_weak + hr;
            if ((rc = exclude_candidates(&k, mask, rdil, mscr, excl)) < 0)
                return rc;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    size_t i = (size_t)y * k.s + x;
                    double t = hr > 0 ? (dl[i] - (da_weak - hr)) / (2 * hr) : dl[i] >= da_weak;
                    t = t < 0 ? 0 : t > 1 ? 1 : t;
                    excl[i] *= (float)(1.0 - t * t * (3 - 2 * t));
                }
            mk = excl;
        }
        if ((rc = masked_blur2(&k, cA, NULL, mk, bgB, NULL, sig_rb)) < 0)
            return rc;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                size_t i = (size_t)y * k.s + x;
                float d = (float)gain * (sm[i] - bgB[i]);
                dl[i] = d;
                mask[(size_t)y * w + x] = k.skin[(size_t)y * w + x] && d >= da_weak;
            }
    }
    if ((rc = extent(&k, ws, mask, dl, dl, NULL, da_min, 0, PR("extent_fraction", 0.5))) < 0)
        return rc;
    int n_red = 0;
    double red_px = 0, red_sum = 0;
    if ((rc = components(&k, ws, mask, dl, PR("min_area_mm2", 2.0) * mm2, 0, -HUGE_VAL, 0,
                         SK_DET_REDNESS, det, &n_red, &red_px, &red_sum)) < 0)
        return rc;
    v[7] = 100.0 * red_px / skin_px;
    add_all(out, v, NULL);
    for (int i = 0; i < out->count; i++)
        if (strncmp(out->items[i].name, "pigment.evenness", 16) == 0 && isnan(out->items[i].value))
            out->items[i].null_reason = "too little skin outside the spots";
    return SK_OK;
}
