/* Scars: an atrophic-scar proxy from shading at the 1-5 mm scale. A
 * depression lit from one side shows a dark lobe on the wall that faces away
 * from the light and a bright lobe on the wall that faces it: a dark/bright
 * pair of blobs of like size and strength, about one scar radius apart,
 * lined up with the light. A pigmented spot is a dark blob with no bright
 * partner; pores are far below the scale range. A 2-D photo gives only a
 * proxy of depth (the lobes' ΔL*). Formulas: docs/metrics/scars.md. */
#include "pfeat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SC_MAX_SCALES 12

typedef struct sc_params {
    double dmin, dmax;   /* scar diameter range, mm */
    int nscales;
    double work;         /* working resolution, mm/px */
    double needs;        /* coarsest mm/px accepted */
    double k_noise;      /* lobe threshold in robust noise sigmas */
    double min_contrast; /* lobe ΔL* floor */
    double min_balance;  /* weaker/stronger lobe response */
    double margin_mm;
    double dir_cos;      /* pairs kept within this cosine of the dominant light direction */
    double min_return;   /* L* return beyond each lobe, as a fraction of the lobe amplitude */
} sc_params;

static void sc_params_read(const sk_params_t *p, sc_params *o)
{
    o->dmin = sk_params_get(p, "scars.min_diameter_mm", 1.0);
    o->dmax = sk_params_get(p, "scars.max_diameter_mm", 5.0);
    o->nscales = (int)sk_params_get(p, "scars.scales", 6);
    o->work = sk_params_get(p, "scars.work_mm_per_px", 0.12);
    o->needs = sk_params_get(p, "scars.needs_mm_per_px", 0.25);
    o->k_noise = sk_params_get(p, "scars.k_noise", 5.0);
    o->min_contrast = sk_params_get(p, "scars.min_contrast", 2.0);
    o->min_balance = sk_params_get(p, "scars.min_balance", 0.4);
    o->margin_mm = sk_params_get(p, "scars.edge_margin_mm", 2.0);
    o->dir_cos = sk_params_get(p, "scars.direction_cos", 0.7);
    o->min_return = sk_params_get(p, "scars.min_return", 0.5);
}

static int sc_emit(sk_metric_set_t *out, double count, double area_pct, double severity,
                   const char *reason)
{
    int rc;
    if ((rc = sk_metric_set_add(out, "scars.count", count, "count", SK_BETTER_LOWER, reason)) < 0 ||
        (rc = sk_metric_set_add(out, "scars.area_pct", area_pct, "%", SK_BETTER_LOWER, reason)) < 0 ||
        (rc = sk_metric_set_add(out, "scars.severity", severity, "index", SK_BETTER_LOWER, reason)) < 0)
        return rc;
    return SK_OK;
}

typedef struct sc_pair {
    float dx, dy, bx, by; /* dark and bright lobe centres (working px) */
    float sigma;          /* mean lobe scale (px) */
    float strength;       /* mean lobe response */
} sc_pair;

int sk_scars_measure(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, sk_metric_set_t *out,
                     sk_detections_t *det)
{
    if (!ctx || !ws || !out)
        return sk_error_set(SK_ERR_ARG, "scars: NULL argument");
    sc_params P;
    sc_params_read(ctx->params, &P);
    const double p = ctx->mm_per_px;
    if (!(p > 0) || p > P.needs + 1e-9)
        return sc_emit(out, NAN, NAN, NAN, "scars need 0.25 mm/px or finer; the photo is coarser");
    if (P.nscales < 2)
        P.nscales = 2;
    if (P.nscales > SC_MAX_SCALES)
        P.nscales = SC_MAX_SCALES;
    int rc;

    /* Working grid: fixed mm/px (area resampling, never upsampled). */
    double q = p;
    int w = ctx->w, h = ctx->h;
    if (P.work > p * 1.01) {
        q = P.work;
        w = (int)lround(ctx->w * p / q);
        h = (int)lround(ctx->h * p / q);
    }
    if (w < 16 || h < 16)
        return sc_emit(out, NAN, NAN, NAN, "image too small for scars");
    size_t st, sm;
    float *mf = sk_models_ws_plane(ws, "scars.maskf", ctx->w, ctx->h, &sm);
    float *L = sk_models_ws_plane(ws, "scars.L", w, h, &st);
    float *msk = sk_models_ws_plane(ws, "scars.mask", w, h, &st);
    float *inner = sk_models_ws_plane(ws, "scars.inner", w, h, &st);
    float *R = sk_models_ws_plane(ws, "scars.R", w, h, &st);
    float *Ls = sk_models_ws_plane(ws, "scars.Ls", w, h, &st);
    uint8_t *inb = sk_models_ws_bytes(ws, "scars.innerb", (size_t)w * h);
    if (!mf || !L || !msk || !inner || !R || !Ls || !inb)
        return SK_ERR_NOMEM;
    sk_feat_mask_to_float(ctx->skin, ctx->mask_stride, ctx->w, ctx->h, mf, sm);
    if (q != p) {
        void *scr = sk_models_ws_bytes(
            ws, "scars.rs_ws", sk_geom_resize_scratch_size(ctx->w, ctx->h, w, h, SK_RESIZE_AREA));
        if (!scr)
            return SK_ERR_NOMEM;
        if ((rc = sk_geom_resize(ctx->L, ctx->stride, ctx->w, ctx->h, L, st, w, h, SK_RESIZE_AREA,
                                 scr)) < 0 ||
            (rc = sk_geom_resize(mf, sm, ctx->w, ctx->h, msk, st, w, h, SK_RESIZE_AREA, scr)) < 0)
            return rc;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                msk[(size_t)y * st + x] = msk[(size_t)y * st + x] > 0.99f ? 1.0f : 0.0f;
    } else {
        for (int y = 0; y < h; y++) {
            memcpy(L + (size_t)y * st, ctx->L + (size_t)y * ctx->stride, sizeof(float) * w);
            memcpy(msk + (size_t)y * st, mf + (size_t)y * sm, sizeof(float) * w);
        }
    }
    /* Lobe scales: a depression of diameter d (Gaussian, d = 2 sqrt2 s) lit
     * from the side shows lobes about s across, centred s either side of the
     * middle; their LoG scale is about s / sqrt2 .. s. */
    double sig[SC_MAX_SCALES];
    for (int k = 0; k < P.nscales; k++) {
        double d = P.dmin * pow(P.dmax / P.dmin, (double)k / (P.nscales - 1));
        sig[k] = 0.8 * d / (2.0 * M_SQRT2) / q;
        if (sig[k] < 0.6)
            sig[k] = 0.6;
    }
    int margin = (int)ceil(fmax(P.margin_mm / q, 2.0 * sig[P.nscales - 1]));
    double inner_n = sk_feat_erode(ws, "scars.erode_ws", msk, st, w, h, margin, inner, st);
    if (inner_n < 0)
        return (int)inner_n;
    if (inner_n * q * q < 100.0)
        return sc_emit(out, NAN, NAN, NAN, "too little skin for scars (under 1 cm2)");
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            inb[(size_t)y * w + x] = inner[(size_t)y * st + x] > 0.5f;

    /* Threshold: k robust noise sigmas of the band-passed L* over the skin,
     * the largest over the scales (noise is the same for either polarity). */
    sk_blob_ws bws;
    if ((rc = sk_blob_ws_init(&bws, w, h)) < 0)
        return rc;
    double thr = 0.5 * P.min_contrast;
    for (int k = 0; k < P.nscales; k++) {
        if ((rc = sk_blob_log(L, st, w, h, sig[k], 1, R, st, &bws)) < 0) {
            sk_blob_ws_free(&bws);
            return rc;
        }
        double nz = sk_feat_noise(R, st, inner, st, w, h, 1);
        if (isfinite(nz))
            thr = fmax(thr, P.k_noise * nz);
    }
    size_t cap = 4096, nd = 0, nb = 0;
    sk_blob_t *dark = sk_models_ws_bytes(ws, "scars.dark", cap * sizeof *dark);
    sk_blob_t *bright = sk_models_ws_bytes(ws, "scars.bright", cap * sizeof *bright);
    sc_pair *pairs = sk_models_ws_bytes(ws, "scars.pairs", cap * sizeof *pairs);
    uint8_t *used = sk_models_ws_bytes(ws, "scars.used", cap);
    if (!dark || !bright || !pairs || !used) {
        sk_blob_ws_free(&bws);
        return SK_ERR_NOMEM;
    }
    sk_blob_params bp = {sig, P.nscales, thr, 1, inb, (size_t)w, 1};
    rc = sk_blob_log_detect(L, st, w, h, &bp, dark, cap, &nd, NULL, &bws);
    if (rc == SK_OK) {
        bp.dark = 0;
        rc = sk_blob_log_detect(L, st, w, h, &bp, bright, cap, &nb, NULL, &bws);
    }
    sk_blob_ws_free(&bws);
    if (rc < 0)
        return rc;

    /* L* lightly smoothed (0.3 mm) to read the lobes' profile along the pair axis. */
    {
        sk_gauss_ws gws;
        if ((rc = sk_gauss_ws_init(&gws, w, h)) < 0)
            return rc;
        rc = sk_filter_gauss(L, st, Ls, st, w, h, fmax(0.5, 0.3 / q), 0, 0, &gws);
        sk_gauss_ws_free(&gws);
        if (rc < 0)
            return rc;
    }

    /* Pair each dark lobe with the best bright lobe of like scale and
     * strength at 1.2-4 lobe scales distance (greedy, strongest first). */
    memset(used, 0, cap);
    size_t np = 0;
    for (int pass = 0; pass < 1; pass++)
        for (size_t i = 0; i < nd; i++) {
            const sk_blob_t *a = &dark[i];
            int best = -1;
            double bscore = 0;
            for (size_t j = 0; j < nb; j++) {
                if (used[j])
                    continue;
                const sk_blob_t *b = &bright[j];
                double ratio = b->sigma / a->sigma;
                if (ratio < 0.5 || ratio > 2.0)
                    continue;
                double s = 0.5 * (a->sigma + b->sigma);
                double dist = hypot(b->x - a->x, b->y - a->y);
                if (dist < 1.2 * s || dist > 4.0 * s)
                    continue;
                double lo = fmin(a->response, b->response), hi = fmax(a->response, b->response);
                if (lo < P.min_balance * hi)
                    continue; /* a shading pair has lobes of like strength */
                /* Each lobe is a local extremum along the pair axis: beyond the
                 * bright lobe L* falls back, beyond the dark lobe it rises
                 * back. The two sides of a pigmented spot's edge are plateaus
                 * (spot inside, skin outside), so they fail this. */
                double ux = (b->x - a->x) * 0.8, uy = (b->y - a->y) * 0.8;
                double lb = sk_feat_sample(Ls, st, w, h, b->x, b->y),
                       lbo = sk_feat_sample(Ls, st, w, h, (float)(b->x + ux), (float)(b->y + uy));
                double ld = sk_feat_sample(Ls, st, w, h, a->x, a->y),
                       ldo = sk_feat_sample(Ls, st, w, h, (float)(a->x - ux), (float)(a->y - uy));
                double amp = 0.5 * (lb - ld);
                if (!(amp > 0) || lb - lbo < P.min_return * amp || ldo - ld < P.min_return * amp)
                    continue;
                if (lo > bscore) {
                    bscore = lo;
                    best = (int)j;
                }
            }
            if (best < 0)
                continue;
            used[best] = 1;
            const sk_blob_t *b = &bright[best];
            pairs[np++] = (sc_pair){a->x, a->y, b->x, b->y, 0.5f * (a->sigma + b->sigma),
                                    0.5f * (a->response + b->response)};
        }

    /* One light for the photo: keep pairs lined up with the dominant
     * dark-to-bright direction (strength-weighted mean of unit vectors) when
     * that direction is clear; chance pairings point anywhere. */
    double mx = 0, my = 0, wsum = 0;
    for (size_t i = 0; i < np; i++) {
        double vx = pairs[i].bx - pairs[i].dx, vy = pairs[i].by - pairs[i].dy, n = hypot(vx, vy);
        mx += pairs[i].strength * vx / n;
        my += pairs[i].strength * vy / n;
        wsum += pairs[i].strength;
    }
    double mn = hypot(mx, my);
    int directional = np >= 3 && mn > 0.5 * wsum;

    double count = 0, area_px = 0, sev = 0;
    for (size_t i = 0; i < np; i++) {
        const sc_pair *c = &pairs[i];
        double vx = c->bx - c->dx, vy = c->by - c->dy, dist = hypot(vx, vy);
        if (directional && (vx * mx + vy * my) / (dist * mn) < P.dir_cos)
            continue;
        /* Diameter: the lobes sit about s either side of the middle of a
         * Gaussian depression whose diameter (as for pores) is 2 sqrt2 s. */
        double dpx = M_SQRT2 * dist;
        if (dpx * q < P.dmin || dpx * q > 1.5 * P.dmax)
            continue; /* outside the scar size range (pore clusters, broad shading) */
        double a_px = M_PI * 0.25 * dpx * dpx;
        double depth = 2.0 * c->strength; /* ΔL* of each lobe, Gaussian-blob calibration */
        count += 1;
        area_px += a_px;
        sev += depth * a_px * q * q;
        if (det) {
            double sc = q / p;
            double cx = 0.5 * (c->dx + c->bx), cy = 0.5 * (c->dy + c->by), r = 0.5 * dpx;
            sk_detection_t *d = sk_detections_add(det, SK_DET_SCAR);
            if (!d)
                return sk_error_set(SK_ERR_NOMEM, "scars: out of memory for detections");
            d->x = (float)((cx + 0.5) * sc - 0.5);
            d->y = (float)((cy + 0.5) * sc - 0.5);
            d->area = (float)(a_px * sc * sc);
            d->diameter = (float)(dpx * sc);
            d->bx = (int)floor(d->x - r * sc);
            d->by = (int)floor(d->y - r * sc);
            d->bw = d->bh = (int)ceil(2 * r * sc) + 1;
            d->contrast = (float)depth;
            float ring[32];
            for (int k = 0; k < 16; k++) {
                ring[2 * k] = (float)(d->x + r * sc * cos(2 * M_PI * k / 16));
                ring[2 * k + 1] = (float)(d->y + r * sc * sin(2 * M_PI * k / 16));
            }
            long first = sk_detections_add_points(det, ring, 16);
            if (first < 0)
                return sk_error_set(SK_ERR_NOMEM, "scars: out of memory for outlines");
            d->first_contour = (int)first;
            d->n_contour = 16;
        }
    }
    double area_mm2 = inner_n * q * q;
    /* Severity: sum over scars of lobe ΔL* x area (mm^2), per cm^2 of skin. */
    return sc_emit(out, count, 100.0 * area_px / inner_n, sev / (area_mm2 / 100.0), NULL);
}
