/* Wrinkles: dark valleys 0.2-1 mm wide and at least 3 mm long, found with a
 * multi-scale Hessian ridge measure on L* (Frangi-style: the larger
 * eigenvalue of the scale-normalised Hessian, damped where the smaller one
 * says "blob"), thinned to one-pixel centrelines by non-maximum suppression
 * across the valley, grown from strong seeds through weaker ridge
 * (hysteresis), and kept when long enough. Formulas: docs/metrics/wrinkles.md. */
#include "pfeat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WR_MAX_SCALES 8

typedef struct wr_params {
    double wmin, wmax; /* valley width (FWHM), mm */
    int nscales;
    double work;       /* working resolution, mm/px */
    double needs;      /* coarsest mm/px accepted */
    double k_hi, k_lo; /* hysteresis thresholds in robust noise sigmas */
    double beta;       /* Frangi blob-suppression constant */
    double min_len;    /* mm */
    double margin_mm;  /* distance kept from the skin-mask edge */
    double min_depth;  /* ΔL*: a piece must be a valley, darker than both sides */
    double min_extent; /* extent along the main axis / length */
} wr_params;

static void wr_params_read(const sk_params_t *p, wr_params *o)
{
    o->wmin = sk_params_get(p, "wrinkles.min_width_mm", 0.2);
    o->wmax = sk_params_get(p, "wrinkles.max_width_mm", 1.0);
    o->nscales = (int)sk_params_get(p, "wrinkles.scales", 4);
    o->work = sk_params_get(p, "wrinkles.work_mm_per_px", 0.06);
    o->needs = sk_params_get(p, "wrinkles.needs_mm_per_px", 0.1);
    o->k_hi = sk_params_get(p, "wrinkles.k_high", 4.0);
    o->k_lo = sk_params_get(p, "wrinkles.k_low", 2.0);
    o->beta = sk_params_get(p, "wrinkles.frangi_beta", 0.6);
    o->min_len = sk_params_get(p, "wrinkles.min_length_mm", 3.0);
    o->margin_mm = sk_params_get(p, "wrinkles.edge_margin_mm", 1.5);
    o->min_depth = sk_params_get(p, "wrinkles.min_depth", 1.0);
    o->min_extent = sk_params_get(p, "wrinkles.min_extent", 0.6);
}

static int wr_emit(sk_metric_set_t *out, int phys, double count, double dens, double total,
                   double width, double depth, const char *reason)
{
    int rc;
    const char *r2 = reason ? reason : (isfinite(width) ? NULL : "no wrinkles found");
    if ((rc = sk_metric_set_add(out, "wrinkles.count", count, "count", SK_BETTER_LOWER, reason)) < 0 ||
        (rc = sk_metric_set_add(out, "wrinkles.length_density", dens, phys ? "mm/cm2" : "px/MP",
                                SK_BETTER_LOWER, reason)) < 0 ||
        (rc = sk_metric_set_add(out, "wrinkles.total_length", total, phys ? "mm" : "px",
                                SK_BETTER_LOWER, reason)) < 0 ||
        (rc = sk_metric_set_add(out, "wrinkles.mean_width", width, phys ? "mm" : "px",
                                SK_BETTER_LOWER, r2)) < 0 ||
        (rc = sk_metric_set_add(out, "wrinkles.mean_depth", depth, "ΔL*", SK_BETTER_LOWER, r2)) < 0)
        return rc;
    return SK_OK;
}

/* Resample a plane to the working grid (area mean), scratch from ws. */
static int wr_resize(sk_models_ws_t *ws, const float *src, size_t ss, int w, int h, float *dst,
                     size_t ds, int dw, int dh)
{
    void *scr = sk_models_ws_bytes(ws, "wrinkles.rs_ws",
                                   sk_geom_resize_scratch_size(w, h, dw, dh, SK_RESIZE_AREA));
    if (!scr)
        return SK_ERR_NOMEM;
    return sk_geom_resize(src, ss, w, h, dst, ds, dw, dh, SK_RESIZE_AREA, scr);
}

int sk_wrinkles_measure(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, sk_metric_set_t *out,
                        sk_detections_t *det)
{
    if (!ctx || !ws || !out)
        return sk_error_set(SK_ERR_ARG, "wrinkles: NULL argument");
    wr_params P;
    wr_params_read(ctx->params, &P);
    const int phys = ctx->physical;
    const double p = ctx->mm_per_px;
    if (!(p > 0) || p > P.needs + 1e-9)
        return wr_emit(out, phys, NAN, NAN, NAN, NAN, NAN,
                       "wrinkles need 0.1 mm/px or finer; the photo is coarser");
    if (P.nscales < 1)
        P.nscales = 1;
    if (P.nscales > WR_MAX_SCALES)
        P.nscales = WR_MAX_SCALES;
    int rc;

    /* Working grid: a fixed mm/px, so the same skin at two resolutions is
     * measured on the same grid (never upsampled). */
    double q = p;
    int w = ctx->w, h = ctx->h;
    if (P.work > p * 1.01) {
        q = P.work;
        w = (int)lround(ctx->w * p / q);
        h = (int)lround(ctx->h * p / q);
        if (w < 16 || h < 16)
            return wr_emit(out, phys, NAN, NAN, NAN, NAN, NAN, "image too small for wrinkles");
    }
    size_t st, sm;
    float *mf = sk_models_ws_plane(ws, "wrinkles.maskf", ctx->w, ctx->h, &sm);
    float *L = sk_models_ws_plane(ws, "wrinkles.L", w, h, &st);
    float *msk = sk_models_ws_plane(ws, "wrinkles.mask", w, h, &st);
    float *inner = sk_models_ws_plane(ws, "wrinkles.inner", w, h, &st);
    float *Rm = sk_models_ws_plane(ws, "wrinkles.R", w, h, &st);
    float *Nx = sk_models_ws_plane(ws, "wrinkles.nx", w, h, &st);
    float *Ny = sk_models_ws_plane(ws, "wrinkles.ny", w, h, &st);
    float *Sk = sk_models_ws_plane(ws, "wrinkles.k", w, h, &st);
    float *lap = sk_models_ws_plane(ws, "wrinkles.lap", w, h, &st);
    float *H3 = sk_models_ws_plane(ws, "wrinkles.H", w, 3 * h, &st);
    if (!lap || !L || !mf || !msk || !inner || !Rm || !Nx || !Ny || !Sk || !H3)
        return SK_ERR_NOMEM;
    size_t plane = (size_t)h * st;
    sk_feat_mask_to_float(ctx->skin, ctx->mask_stride, ctx->w, ctx->h, mf, sm);
    if (q != p) {
        if ((rc = wr_resize(ws, ctx->L, ctx->stride, ctx->w, ctx->h, L, st, w, h)) < 0 ||
            (rc = wr_resize(ws, mf, sm, ctx->w, ctx->h, msk, st, w, h)) < 0)
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
    double sig[WR_MAX_SCALES];
    for (int k = 0; k < P.nscales; k++) {
        double wk = P.nscales > 1 ? P.wmin * pow(P.wmax / P.wmin, (double)k / (P.nscales - 1))
                                  : P.wmin;
        /* Gaussian valley of FWHM wk: s = wk / 2.355; the sigma^2-normalised
         * second derivative peaks at sigma = sqrt(2) s. */
        sig[k] = M_SQRT2 * wk / 2.3548 / q;
    }
    /* Keep away from the mask edge (hairline, brows, jaw) by the margin and
     * the largest kernel's reach. */
    int margin = (int)ceil(fmax(P.margin_mm / q, 2.0 * sig[P.nscales - 1]));
    double inner_n = sk_feat_erode(ws, "wrinkles.erode_ws", msk, st, w, h, margin, inner, st);
    if (inner_n < 0)
        return (int)inner_n;
    if (inner_n * q * q < 100.0)
        return wr_emit(out, phys, NAN, NAN, NAN, NAN, NAN,
                       "too little skin for wrinkles (under 1 cm2)");

    /* Multi-scale ridge response from the filter kernels' Hessian at each
     * scale, scale-normalised by sigma^2 (exact for every line direction). */
    sk_gauss_ws gws;
    if ((rc = sk_gauss_ws_init(&gws, w, h)) < 0)
        return rc;
    double noise = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            Rm[(size_t)y * st + x] = 0.0f;
    for (int k = 0; k < P.nscales; k++) {
        float *hxx = H3, *hxy = H3 + plane, *hyy = H3 + 2 * plane;
        if ((rc = sk_filter_hessian(L, st, w, h, sig[k], hxx, hxy, hyy, st, &gws)) < 0) {
            sk_gauss_ws_free(&gws);
            return rc;
        }
        const float s2 = (float)(sig[k] * sig[k]);
        {
            /* Noise of this scale: robust spread of its normalised Laplacian
             * over the skin (micro-relief, sensor and JPEG noise). The ridge
             * strength is kept in units of it, so every width is judged
             * against the texture at its own scale. */
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    size_t i = (size_t)y * st + x;
                    lap[i] = s2 * (hxx[i] + hyy[i]);
                }
            noise = sk_feat_noise(lap, st, inner, st, w, h, 2);
            if (!isfinite(noise) || noise < 1e-3)
                noise = 1e-3;
        }
        const float inv_noise = (float)(1.0 / noise);
        const float ib2 = (float)(1.0 / (2.0 * P.beta * P.beta));
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                size_t i = (size_t)y * st + x;
                float dxx = s2 * hxx[i], dyy = s2 * hyy[i], dxy = s2 * hxy[i];
                float m = 0.5f * (dxx + dyy);
                float d = sqrtf(0.25f * (dxx - dyy) * (dxx - dyy) + dxy * dxy);
                float la = m + d, lb = m - d; /* la >= lb */
                if (!(la > 0.0f))
                    continue;
                float rb = lb / la;
                float r = la * expf(-rb * rb * ib2) * inv_noise;
                if (r > Rm[i]) {
                    Rm[i] = r;
                    Sk[i] = (float)k;
                    /* eigenvector of la: the normal across the valley */
                    float vx = dxy, vy = la - dxx;
                    if (fabsf(vx) + fabsf(vy) < 1e-12f) {
                        vx = dxx >= dyy ? 1.0f : 0.0f;
                        vy = dxx >= dyy ? 0.0f : 1.0f;
                    }
                    float n = 1.0f / sqrtf(vx * vx + vy * vy);
                    Nx[i] = vx * n;
                    Ny[i] = vy * n;
                }
            }
    }
    sk_gauss_ws_free(&gws);
    const float thi = (float)P.k_hi, tlo = (float)P.k_lo;

    /* Centrelines: ridge pixels not smaller than their two neighbours across
     * the valley (non-maximum suppression along the normal), above the low
     * threshold, inside the eroded skin. 1 = centreline; 2 = seed (above the
     * high threshold). */
    uint8_t *cl = sk_models_ws_bytes(ws, "wrinkles.cl", (size_t)w * h);
    int *stack = sk_models_ws_bytes(ws, "wrinkles.stack", sizeof(int) * (size_t)w * h);
    float *pts = sk_models_ws_bytes(ws, "wrinkles.pts", sizeof(float) * 2 * (size_t)w * h);
    if (!cl || !stack || !pts)
        return SK_ERR_NOMEM;
    memset(cl, 0, (size_t)w * h);
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            size_t i = (size_t)y * st + x;
            float r = Rm[i];
            if (!(r > tlo) || inner[i] == 0.0f)
                continue;
            float a = sk_feat_sample(Rm, st, w, h, x + Nx[i], y + Ny[i]);
            float b = sk_feat_sample(Rm, st, w, h, x - Nx[i], y - Ny[i]);
            if (r >= a && r > b)
                cl[(size_t)y * w + x] = r > thi ? 2 : 1;
        }

    /* Connected centreline pieces (8-neighbours), grown from seeds; each kept
     * when its length reaches the minimum. Length of a centreline pixel:
     * 1 / max(|tx|, |ty|) for the tangent t, so that a digital line at any
     * angle sums to its Euclidean length (no orientation bias). */
    double count = 0, total = 0, wsum = 0, dsum = 0;
    for (int y0 = 1; y0 < h - 1; y0++)
        for (int x0 = 1; x0 < w - 1; x0++) {
            if (cl[(size_t)y0 * w + x0] != 2)
                continue;
            int sp = 0, np = 0;
            stack[sp++] = y0 * w + x0;
            cl[(size_t)y0 * w + x0] = 3;
            double len = 0, wid = 0, dep = 0;
            double mx = 0, my = 0;
            while (sp) {
                int j = stack[--sp];
                int x = j % w, y = j / w;
                size_t i = (size_t)y * st + x;
                float nx = Nx[i], ny = Ny[i];
                float tl = 1.0f / fmaxf(fabsf(ny), fabsf(nx));
                double fw = 2.3548 * sig[(int)Sk[i]] / M_SQRT2; /* FWHM, px */
                float c0 = sk_feat_sample(L, st, w, h, (float)x, (float)y);
                float c1 = sk_feat_sample(L, st, w, h, x + (float)(1.5 * fw) * nx, y + (float)(1.5 * fw) * ny);
                float c2 = sk_feat_sample(L, st, w, h, x - (float)(1.5 * fw) * nx, y - (float)(1.5 * fw) * ny);
                len += tl;
                wid += tl * fw;
                /* the shallower side: a valley is darker than both sides;
                 * the dark side of a pigmented spot's edge is not */
                dep += tl * (fminf(c1, c2) - c0);
                pts[2 * np] = (float)x;
                pts[2 * np + 1] = (float)y;
                mx += x;
                my += y;
                np++;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = x + dx, yy = y + dy;
                        if (xx < 1 || yy < 1 || xx >= w - 1 || yy >= h - 1)
                            continue;
                        uint8_t *c = &cl[(size_t)yy * w + xx];
                        if (*c == 1 || *c == 2) {
                            *c = 3;
                            stack[sp++] = yy * w + xx;
                        }
                    }
            }
            /* The ridge response runs on past each end of a valley by about
             * half its width (the kernel's reach): take one mean width off
             * each piece. */
            double fw_mean = wid / len;
            wid -= fw_mean * fw_mean;
            dep -= fw_mean * (dep / len);
            len -= fw_mean;
            if (len * q < P.min_len || dep / len < P.min_depth)
                continue;
            /* Extent along the main axis: a loop around a cluster of pores
             * can be long but is not a line. */
            {
                double ax = mx / np, ay = my / np, sxx = 0, sxy = 0, syy = 0;
                for (int i = 0; i < np; i++) {
                    double ex = pts[2 * i] - ax, ey = pts[2 * i + 1] - ay;
                    sxx += ex * ex;
                    sxy += ex * ey;
                    syy += ey * ey;
                }
                double th = 0.5 * atan2(2 * sxy, sxx - syy), ux = cos(th), uy = sin(th);
                double lo = 1e30, hi = -1e30;
                for (int i = 0; i < np; i++) {
                    double t = (pts[2 * i] - ax) * ux + (pts[2 * i + 1] - ay) * uy;
                    lo = fmin(lo, t);
                    hi = fmax(hi, t);
                }
                if ((hi - lo) < P.min_extent * len)
                    continue;
            }
            count += 1;
            total += len;
            wsum += wid;
            dsum += dep;
            if (det) {
                /* Order the points along the piece's main axis so the
                 * polyline reads end to end (wrinkles are nearly straight
                 * at this scale). */
                mx /= np;
                my /= np;
                double sxx = 0, sxy = 0, syy = 0;
                for (int i = 0; i < np; i++) {
                    double ex = pts[2 * i] - mx, ey = pts[2 * i + 1] - my;
                    sxx += ex * ex;
                    sxy += ex * ey;
                    syy += ey * ey;
                }
                double th = 0.5 * atan2(2 * sxy, sxx - syy), ux = cos(th), uy = sin(th);
                /* insertion by projection: sort indices with a simple shell sort */
                float *key = (float *)(stack); /* stack is empty now: reuse */
                for (int i = 0; i < np; i++)
                    key[i] = (float)((pts[2 * i] - mx) * ux + (pts[2 * i + 1] - my) * uy);
                for (int gap = np / 2; gap > 0; gap /= 2)
                    for (int i = gap; i < np; i++)
                        for (int j = i; j >= gap && key[j - gap] > key[j]; j -= gap) {
                            float t = key[j];
                            key[j] = key[j - gap];
                            key[j - gap] = t;
                            float a = pts[2 * j], b = pts[2 * j + 1];
                            pts[2 * j] = pts[2 * (j - gap)];
                            pts[2 * j + 1] = pts[2 * (j - gap) + 1];
                            pts[2 * (j - gap)] = a;
                            pts[2 * (j - gap) + 1] = b;
                        }
                double sc = q / p; /* working grid -> base image pixels */
                int bx0 = 1 << 30, by0 = 1 << 30, bx1 = -1, by1 = -1;
                for (int i = 0; i < np; i++) {
                    pts[2 * i] = (float)((pts[2 * i] + 0.5) * sc - 0.5);
                    pts[2 * i + 1] = (float)((pts[2 * i + 1] + 0.5) * sc - 0.5);
                    int ix = (int)pts[2 * i], iy = (int)pts[2 * i + 1];
                    bx0 = ix < bx0 ? ix : bx0;
                    by0 = iy < by0 ? iy : by0;
                    bx1 = ix > bx1 ? ix : bx1;
                    by1 = iy > by1 ? iy : by1;
                }
                long first = sk_detections_add_points(det, pts, (size_t)np);
                sk_detection_t *d = sk_detections_add(det, SK_DET_WRINKLE);
                if (first < 0 || !d)
                    return sk_error_set(SK_ERR_NOMEM, "wrinkles: out of memory for detections");
                d->x = (float)((mx + 0.5) * sc - 0.5);
                d->y = (float)((my + 0.5) * sc - 0.5);
                d->length = (float)(len * sc);
                d->bx = bx0;
                d->by = by0;
                d->bw = bx1 - bx0 + 1;
                d->bh = by1 - by0 + 1;
                d->diameter = (float)(wid / len * sc);
                d->contrast = (float)(dep / len);
                d->first_point = (int)first;
                d->n_points = np;
            }
        }
    double area_cm2 = inner_n * q * q / 100.0;
    double unit = phys ? q : q / p; /* mm, or base-image px */
    double dens = phys ? total * q / area_cm2 : total * unit / (inner_n * (q / p) * (q / p) / 1e6);
    return wr_emit(out, phys, count, dens, total * unit, total > 0 ? wsum / total * unit : NAN,
                   total > 0 ? dsum / total : NAN, NULL);
}
