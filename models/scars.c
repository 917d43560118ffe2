/* Scars: an atrophic-scar proxy from shading and from the loss of the
 * micro-relief at the 1-6 mm scale, on a working grid of about 0.08 mm/px.
 *
 * A depression lit from one side is darker on the wall turned away from the
 * light and brighter on the wall turned towards it. With s the relative
 * luminance (Y / local mean - 1), with the part that follows a* and b*
 * (pigment) taken out, and v the light direction in the image (estimated
 * from the photo), Lambertian shading gives to first order in the slope
 *     s = -k d_v h + (albedo),
 * so the response r = -sigma^2 d_v (G_sigma * s) = k sigma^2 d2_v (G_sigma * h)
 * peaks at the centre of a depression whatever its colour: an even albedo
 * change has an odd derivative, zero at the centre. For a Gaussian pit of
 * depth D and width sigma_h, r peaks at sigma = sigma_h with k D / 4, so r
 * is in depth units and one threshold on it is a threshold on depth in
 * every capture.
 *
 * Scars from the shading: local maxima of r over space and 5 scales that are
 * blob-like (not the ridge of a wrinkle), not beside a brown spot (b*) or a
 * redness patch (a*). Broad shallow (rolling) scars shade at the level of
 * the mottling; scar tissue has lost the skin lines, so regions whose fine
 * relief energy is well below its surround count too when the shading at
 * their centre agrees.
 *
 * Severity: the sum over scars of a volume, V = 8 pi sigma*^2 r* / k, from
 * the response r* at the scale sigma* where it peaks (refined by a parabola
 * in log sigma), less the pull of picking a maximum. V is linear in depth.
 * A 2-D photo gives only a proxy of depth: k depends on the lighting.
 * Formulas: docs/METRICS.md (Scars). */
#include "pfeat.h"
#include "pskin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SC_MAX_SCALES 8
#define SC_MAX_KEPT 256

#define SC_MAX_PEAKS 4096

typedef struct sc_peak {
    int x, y, k; /* working px, scale index */
    float r;     /* response, mm units */
} sc_peak;

static int sc_peak_cmp(const void *a, const void *b)
{
    float ra = ((const sc_peak *)a)->r, rb = ((const sc_peak *)b)->r;
    return ra > rb ? -1 : ra < rb ? 1 : 0;
}

typedef struct sc_kept {
    double x, y, r; /* working px */
} sc_kept;

typedef struct sc_params {
    double dmin, dmax; /* scar diameter range, mm */
    int nscales;
    double work;      /* working resolution, mm/px */
    double needs;     /* coarsest mm/px accepted */
    double bg_mm;     /* local mean for s, mm (Gaussian sigma) */
    double light_mm;  /* scale of the light-direction estimate, mm */
    double relief_mm; /* high-pass of the fine relief, mm */
    double renergy_mm; /* local relief energy window, mm */
    double rsur_mm;   /* surrounding relief energy window, mm */
    double gain;      /* k: relative shading per unit slope along the light */
    double k_noise;   /* peak in robust noise sigmas of its scale, at least */
    double max_db;    /* b* rise near a scar (brown spots are above) */
    double spot_mm;   /* b* rise looked for within this of a region */
    double bias;      /* noise sigmas taken off a peak response (the pull of a maximum) */
    double q_hi, q_lo; /* relief-loss region: Q below q_hi with a minimum below q_lo */
    double q_area_mm2; /* smallest relief-loss region */
    double q_sigma_mm, q_vol_mm3; /* its shading: broad (sigma*) and a volume */
    double pig_mm;    /* chroma smoothing before the pigment fit, mm; 0: no fit */
    double max_da;    /* a* rise near a scar (redness patches are above) */
    double max_sigma_mm; /* broadest shading peak counted from P */
    double light_conf;   /* below it the light is taken from the scar-scale axis */
    double light_axis_mm;
    double r_high;    /* peak threshold of r (mm units: k D / 4 for a Gaussian pit) */
    double min_elong; /* weaker / stronger curvature of a peak (wrinkles are lines) */
    double margin_mm;
} sc_params;

static void sc_params_read(const sk_params_t *p, sc_params *o)
{
    o->dmin = sk_params_get(p, "scars.min_diameter_mm", 1.3);
    o->dmax = sk_params_get(p, "scars.max_diameter_mm", 6.0);
    o->nscales = (int)sk_params_get(p, "scars.scales", 5);
    o->work = sk_params_get(p, "scars.work_mm_per_px", 0.08);
    o->needs = sk_params_get(p, "scars.needs_mm_per_px", 0.25);
    o->bg_mm = sk_params_get(p, "scars.background_mm", 3.0);
    o->light_mm = sk_params_get(p, "scars.light_mm", 0.1);
    o->relief_mm = sk_params_get(p, "scars.relief_mm", 0.25);
    o->renergy_mm = sk_params_get(p, "scars.relief_window_mm", 1.0);
    o->rsur_mm = sk_params_get(p, "scars.relief_surround_mm", 4.0);
    o->gain = sk_params_get(p, "scars.shading_gain", 0.5);
    o->k_noise = sk_params_get(p, "scars.k_noise", 3.0);
    o->max_db = sk_params_get(p, "scars.max_db", 1.0);
    o->bias = sk_params_get(p, "scars.peak_bias", 1.0);
    o->q_hi = sk_params_get(p, "scars.relief_region", 0.65);
    o->q_lo = sk_params_get(p, "scars.relief_min", 0.53);
    o->q_area_mm2 = sk_params_get(p, "scars.relief_area_mm2", 1.0);
    o->q_sigma_mm = sk_params_get(p, "scars.relief_sigma_mm", 0.7);
    o->q_vol_mm3 = sk_params_get(p, "scars.relief_volume_mm3", 0.15);
    o->pig_mm = sk_params_get(p, "scars.pigment_mm", 0.5);
    o->max_da = sk_params_get(p, "scars.max_da", 3.3);
    o->max_sigma_mm = sk_params_get(p, "scars.max_sigma_mm", 1.5);
    o->light_conf = sk_params_get(p, "scars.light_min_conf", 0.03);
    o->light_axis_mm = sk_params_get(p, "scars.light_axis_mm", 0.5);
    o->r_high = sk_params_get(p, "scars.r_high", 0.022);
    o->spot_mm = sk_params_get(p, "scars.spot_search_mm", 0.75);
    o->min_elong = sk_params_get(p, "scars.min_elongation", 0.35);
    o->margin_mm = sk_params_get(p, "scars.edge_margin_mm", 1.0);
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

/* dst = G_sigma * src normalised by the mask: G(m x) / G(m), 0 off the mask.
 * den holds G(m): computed when *den_ready is 0 (then set), reused after
 * for the same mask and sigma. With full = 1 (every pixel is skin) the
 * plain Gaussian is enough. */
static int sc_masked_mean(const float *src, const float *m, float *num, float *den, float *dst,
                          size_t st, int w, int h, double sigma, sk_gauss_ws *g, int full,
                          int *den_ready)
{
    if (full)
        return sk_filter_gauss(src, st, dst, st, w, h, sigma, 0, 0, g);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            num[(size_t)y * st + x] = src[(size_t)y * st + x] * m[(size_t)y * st + x];
    int rc;
    if ((rc = sk_filter_gauss(num, st, num, st, w, h, sigma, 0, 0, g)) < 0)
        return rc;
    if (!*den_ready) {
        if ((rc = sk_filter_gauss(m, st, den, st, w, h, sigma, 0, 0, g)) < 0)
            return rc;
        *den_ready = 1;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t o = (size_t)y * st + x;
            dst[o] = den[o] > 1e-3f ? num[o] / den[o] : 0.0f;
        }
    return SK_OK;
}

/* -sigma^2 d_v (G_sigma * f) at the point (cx, cy), per px: the sum of
 * -f(x) (u . v) G(u), u = x - c, over +-4 sigma, G normalised to sum 1. */
static double sc_point_response(const float *f, size_t st, int w, int h, double cx, double cy,
                                double sigma, double vx, double vy)
{
    int r = (int)ceil(4 * sigma);
    int x0 = (int)floor(cx) - r, x1 = (int)ceil(cx) + r;
    int y0 = (int)floor(cy) - r, y1 = (int)ceil(cy) + r;
    double num = 0, den = 0, is2 = 0.5 / (sigma * sigma);
    for (int y = y0; y <= y1; y++) {
        int yy = y < 0 ? -y - 1 : y >= h ? 2 * h - y - 1 : y;
        if (yy < 0 || yy >= h)
            continue;
        double uy = y - cy;
        for (int x = x0; x <= x1; x++) {
            int xx = x < 0 ? -x - 1 : x >= w ? 2 * w - x - 1 : x;
            if (xx < 0 || xx >= w)
                continue;
            double ux = x - cx, g = exp(-(ux * ux + uy * uy) * is2);
            num -= f[(size_t)yy * st + xx] * (ux * vx + uy * vy) * g;
            den += g;
        }
    }
    return den > 0 ? num / den : 0;
}

/* Adds one scar detection (a disc of diameter dpx working px about (x, y)
 * working px) in the coordinates of the base image (factor f). */
static int sc_add_detection(sk_detections_t *det, double x, double y, double dpx, double vol,
                            int f)
{
    double r = 0.5 * dpx;
    sk_detection_t *d = sk_detections_add(det, SK_DET_SCAR);
    if (!d)
        return sk_error_set(SK_ERR_NOMEM, "scars: out of memory for detections");
    d->x = (float)((x + 0.5) * f - 0.5);
    d->y = (float)((y + 0.5) * f - 0.5);
    d->area = (float)(M_PI * r * r * f * f);
    d->diameter = (float)(dpx * f);
    d->bx = (int)floor(d->x - r * f);
    d->by = (int)floor(d->y - r * f);
    d->bw = d->bh = (int)ceil(2 * r * f) + 1;
    d->contrast = (float)vol;
    float ring[32];
    for (int k = 0; k < 16; k++) {
        ring[2 * k] = (float)(d->x + r * f * cos(2 * M_PI * k / 16));
        ring[2 * k + 1] = (float)(d->y + r * f * sin(2 * M_PI * k / 16));
    }
    long first = sk_detections_add_points(det, ring, 16);
    if (first < 0)
        return sk_error_set(SK_ERR_NOMEM, "scars: out of memory for outlines");
    d->first_contour = (int)first;
    d->n_contour = 16;
    return SK_OK;
}

/* Volume (mm^3) from the responses r[k] (mm units, noise bias already
 * taken off) at the scales sig[k] (px): the strongest, its scale refined by
 * a parabola in log sigma. For a Gaussian depression of depth D and
 * sigma_h, r peaks at sigma = sigma_h with k D / 4, and its volume is
 * 2 pi D sigma_h^2 = 8 pi sigma*^2 r* / k. *sigma_mm gets sigma*. */
static double sc_volume(const double *r, const double *sig, int n, double q, double gain,
                        double *sigma_mm)
{
    int bk = 0;
    for (int k = 1; k < n; k++)
        if (r[k] > r[bk])
            bk = k;
    double ls = log(sig[bk]), rs = r[bk];
    if (bk > 0 && bk < n - 1) {
        double a = r[bk - 1], b = r[bk], c = r[bk + 1];
        double den = a - 2 * b + c;
        if (den < 0) {
            double t = fmax(-0.5, fmin(0.5, 0.5 * (a - c) / den));
            ls += t * log(sig[bk + 1] / sig[bk]);
            rs = b - 0.25 * (a - c) * t;
        }
    }
    double smm = exp(ls) * q;
    *sigma_mm = smm;
    return 8 * M_PI * smm * smm * rs / gain;
}

static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }


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

    /* Working grid: an integer area reduction to about P.work mm/px. */
    const int f = sk_pskin_factor(p, P.work);
    const double q = p * f;
    const int w = (ctx->w + f - 1) / f, h = (ctx->h + f - 1) / f;
    if (w < 16 || h < 16)
        return sc_emit(out, NAN, NAN, NAN, "image too small for scars");
    size_t st, sm;
    float *mf = sk_models_ws_plane(ws, "scars.maskf", ctx->w, ctx->h, &sm);
    float *L = sk_models_ws_plane(ws, "scars.L", w, h, &st);
    float *A = sk_models_ws_plane(ws, "scars.A", w, h, &st);
    float *B = sk_models_ws_plane(ws, "scars.B", w, h, &st);
    float *M = sk_models_ws_plane(ws, "scars.M", w, h, &st);
    float *inner = sk_models_ws_plane(ws, "scars.inner", w, h, &st);
    float *t1 = sk_models_ws_plane(ws, "scars.t1", w, h, &st);
    float *t2 = sk_models_ws_plane(ws, "scars.t2", w, h, &st);
    float *S = sk_models_ws_plane(ws, "scars.S", w, h, &st);
    float *gx = sk_models_ws_plane(ws, "scars.gx", w, h, &st);
    float *gy = sk_models_ws_plane(ws, "scars.gy", w, h, &st);
    float *Pm = sk_models_ws_plane(ws, "scars.P", w, h, &st);
    float *Ps = sk_models_ws_plane(ws, "scars.Ps", w, h, &st);
    float *Rk[SC_MAX_SCALES];
    for (int k = 0; k < SC_MAX_SCALES; k++) {
        char key[32];
        snprintf(key, sizeof key, "scars.R%d", k);
        Rk[k] = k < P.nscales ? sk_models_ws_plane(ws, key, w, h, &st) : NULL;
        if (k < P.nscales && !Rk[k])
            return SK_ERR_NOMEM;
    }
    float *Qr = sk_models_ws_plane(ws, "scars.Q", w, h, &st);
    void *scr = sk_models_ws_bytes(ws, "scars.rs_ws", sk_pskin_reduce_scratch(ctx->w, ctx->h, f));
    if (!mf || !L || !A || !B || !M || !inner || !t1 || !t2 || !S || !gx || !gy || !Pm || !Ps ||
        !Qr || !scr)
        return SK_ERR_NOMEM;
    sk_feat_mask_to_float(ctx->skin, ctx->mask_stride, ctx->w, ctx->h, mf, sm);
    if ((rc = sk_pskin_reduce(ctx->L, ctx->stride, ctx->w, ctx->h, f, L, st, scr)) < 0 ||
        (rc = sk_pskin_reduce(ctx->A, ctx->stride, ctx->w, ctx->h, f, A, st, scr)) < 0 ||
        (rc = sk_pskin_reduce(ctx->B, ctx->stride, ctx->w, ctx->h, f, B, st, scr)) < 0 ||
        (rc = sk_pskin_reduce(mf, sm, ctx->w, ctx->h, f, M, st, scr)) < 0)
        return rc;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            M[(size_t)y * st + x] = M[(size_t)y * st + x] > 0.99f ? 1.0f : 0.0f;
    int margin = (int)ceil(fmax(P.margin_mm / q, 2.0));
    double inner_n = sk_feat_erode(ws, "scars.erode_ws", M, st, w, h, margin, inner, st);
    if (inner_n < 0)
        return (int)inner_n;
    if (inner_n * q * q < 100.0)
        return sc_emit(out, NAN, NAN, NAN, "too little skin for scars (under 1 cm2)");

    sk_gauss_ws g;
    if ((rc = sk_gauss_ws_init(&g, w, h)) < 0)
        return rc;

    /* s = relative luminance about a masked local mean: dY / Y = 3 dL* /
     * (L* + 16) for CIELAB's cube root. a*, b* about their local means. */
    const double sb = fmin(P.bg_mm / q, 48.0);
    double msum = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            msum += M[(size_t)y * st + x];
    const int full = msum >= (double)w * h;
    int den_bg = 0, den_sur = 0;
    if ((rc = sc_masked_mean(L, M, t1, t2, S, st, w, h, sb, &g, full, &den_bg)) < 0)
        goto done;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t o = (size_t)y * st + x;
            gx[o] = L[o] + 16.0f;
            gy[o] = S[o] + 16.0f;
            L[o] = M[o] > 0 ? (float)(3.0 * (L[o] - S[o]) / (S[o] + 16.0)) : 0.0f;
        }
    /* Chromaticity: uniform scaling of linear RGB (shading, exposure)
     * scales L* + 16, a* and b* alike (cube root), so a* / (L* + 16) and
     * b* / (L* + 16) do not see the shading. Their deviations about the
     * local mean, times the mean L* + 16, are in a*, b* units. gx keeps
     * L* + 16, gy the local mean of L* + 16. */
    for (size_t o = 0; o < st * (size_t)h; o++) {
        A[o] = M[o] > 0 ? A[o] / fmaxf(gx[o], 1.0f) : 0.0f;
        B[o] = M[o] > 0 ? B[o] / fmaxf(gx[o], 1.0f) : 0.0f;
    }
    if ((rc = sc_masked_mean(A, M, t1, t2, S, st, w, h, sb, &g, full, &den_bg)) < 0)
        goto done;
    for (size_t o = 0; o < st * (size_t)h; o++)
        A[o] = M[o] > 0 ? (A[o] - S[o]) * gy[o] : 0.0f;
    if ((rc = sc_masked_mean(B, M, t1, t2, S, st, w, h, sb, &g, full, &den_bg)) < 0)
        goto done;
    for (size_t o = 0; o < st * (size_t)h; o++)
        B[o] = M[o] > 0 ? (B[o] - S[o]) * gy[o] : 0.0f;
    /* L now holds s. Pigment out of the shading: melanin and haemoglobin
     * move a* and b* with L*, Lambertian shading does not; regress s on
     * (a', b') over the skin and keep the residual in S. */
    if (P.pig_mm > 0) {
        /* chroma is smoothed first: JPEG keeps it at half resolution in
         * 8 x 8 blocks, and those blocks must not be written into s */
        if ((rc = sk_filter_gauss(A, st, A, st, w, h, fmax(0.6, P.pig_mm / q), 0, 0, &g)) < 0 ||
            (rc = sk_filter_gauss(B, st, B, st, w, h, fmax(0.6, P.pig_mm / q), 0, 0, &g)) < 0)
            goto done;
        double saa = 0, sab = 0, sbb = 0, ssa = 0, ssb = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                size_t o = (size_t)y * st + x;
                if (inner[o] <= 0)
                    continue;
                double a = A[o], b = B[o], s = L[o];
                saa += a * a, sab += a * b, sbb += b * b, ssa += s * a, ssb += s * b;
            }
        double det2 = saa * sbb - sab * sab, ca = 0, cb = 0;
        if (det2 > 1e-12 * (saa * sbb + 1e-30)) {
            ca = (ssa * sbb - ssb * sab) / det2;
            cb = (ssb * saa - ssa * sab) / det2;
        }
        for (size_t o = 0; o < st * (size_t)h; o++)
            S[o] = (float)(L[o] - ca * A[o] - cb * B[o]);
    } else {
        memcpy(S, L, sizeof(float) * st * (size_t)h);
    }

    /* Light direction: where the fine-scale s is a valley (Laplacian > 0),
     * its gradient points away from the light (the far wall is lit). */
    double vx = 0, vy = 0, conf = 0;
    {
        double sl = fmax(0.7, P.light_mm / q);
        if ((rc = sk_filter_gauss(S, st, gx, st, w, h, sl, 1, 0, &g)) < 0 ||
            (rc = sk_filter_gauss(S, st, gy, st, w, h, sl, 0, 1, &g)) < 0 ||
            (rc = sk_filter_gauss(S, st, t1, st, w, h, sl, 2, 0, &g)) < 0 ||
            (rc = sk_filter_gauss(S, st, t2, st, w, h, sl, 0, 2, &g)) < 0)
            goto done;
        double sx = 0, sy = 0, sa = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                size_t o = (size_t)y * st + x;
                if (inner[o] <= 0)
                    continue;
                double lap = t1[o] + t2[o];
                if (lap <= 0)
                    continue;
                sx += lap * gx[o];
                sy += lap * gy[o];
                sa += lap * sqrt((double)gx[o] * gx[o] + (double)gy[o] * gy[o]);
            }
        double n = hypot(sx, sy);
        if (n > 0) {
            vx = -sx / n;
            vy = -sy / n;
            conf = n / sa;
        }
        if (conf < P.light_conf) {
            /* Too little fine relief to tell (smooth skin, or no albedo in
             * its pits): the axis along which the shading varies most at
             * the scar scale (the dipole of each depression lies along the
             * light), signed by the fine-scale estimate. */
            double st2 = fmax(0.7, P.light_axis_mm / q), jxx = 0, jxy = 0, jyy = 0;
            if ((rc = sk_filter_gauss(S, st, gx, st, w, h, st2, 1, 0, &g)) < 0 ||
                (rc = sk_filter_gauss(S, st, gy, st, w, h, st2, 0, 1, &g)) < 0)
                goto done;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    size_t o = (size_t)y * st + x;
                    if (inner[o] <= 0)
                        continue;
                    jxx += gx[o] * gx[o], jxy += gx[o] * gy[o], jyy += gy[o] * gy[o];
                }
            double th = 0.5 * atan2(2 * jxy, jxx - jyy);
            double ux = cos(th), uy = sin(th);
            if (ux * vx + uy * vy < 0)
                ux = -ux, uy = -uy;
            vx = ux, vy = uy;
        }
    }

    /* Curvature response over scales: P = -sigma^2 d_v (G_sigma * s). */
    double sig[SC_MAX_SCALES];
    for (int k = 0; k < P.nscales; k++) {
        double d = P.dmin * pow(P.dmax / P.dmin, (double)k / (P.nscales - 1));
        sig[k] = fmax(0.8, 0.35 * d / q);
    }
    double rnoise[SC_MAX_SCALES] = {0}; /* robust sigma of r per scale, mm units */
    for (size_t o = 0; o < st * (size_t)h; o++)
        Pm[o] = -1e30f, Ps[o] = 0;
    for (int k = 0; k < P.nscales; k++) {
        if ((rc = sk_filter_gauss(S, st, gx, st, w, h, sig[k], 1, 0, &g)) < 0 ||
            (rc = sk_filter_gauss(S, st, gy, st, w, h, sig[k], 0, 1, &g)) < 0)
            goto done;
        /* raw response in mm units: r = -sigma^2 d_v (G_sigma * s), sigma
         * in mm and the derivative per mm (sigma_px^2 q^2 / q); for a
         * Gaussian pit of depth D it peaks at k D / 4, so a threshold on r
         * is a threshold on depth, the same in every capture */
        const float rs = (float)(sig[k] * sig[k] * q);
        for (size_t o = 0; o < st * (size_t)h; o++)
            Rk[k][o] = -rs * (float)(vx * gx[o] + vy * gy[o]);
        double med = 0, mad = 0;
        if ((rc = sk_stats_masked_median_mad(Rk[k], st * 4, inner, st * 4, w, h / 4, &med,
                                             &mad)) < 0)
            goto done;
        rnoise[k] = 1.4826 * mad;
        for (size_t o = 0; o < st * (size_t)h; o++)
            if (Rk[k][o] > Pm[o])
                Pm[o] = Rk[k][o], Ps[o] = (float)k;
    }
    /* Fine relief energy relative to its surround. */
    {
        if ((rc = sk_filter_gauss(S, st, t1, st, w, h, fmax(0.6, P.relief_mm / q), 0, 0, &g)) < 0)
            goto done;
        for (size_t o = 0; o < st * (size_t)h; o++)
            t1[o] = S[o] - t1[o];
        /* pores and wrinkles are sparse strong dark marks: clip them at a few
         * robust sigmas so the energy follows the skin lines */
        double rn = sk_feat_noise(t1, st, inner, st, w, h, 1);
        float clip = (float)(2.0 * rn);
        for (size_t o = 0; o < st * (size_t)h; o++) {
            float r = fminf(fmaxf(t1[o], -clip), clip);
            t1[o] = r * r * M[o];
        }
        if ((rc = sk_filter_gauss(t1, st, t2, st, w, h, P.renergy_mm / q, 0, 0, &g)) < 0 ||
            (rc = sc_masked_mean(t1, M, gx, gy, Qr, st, w, h, fmin(P.rsur_mm / q, 48.0), &g, full, &den_sur)) < 0)
            goto done;
        for (size_t o = 0; o < st * (size_t)h; o++)
            Qr[o] = Qr[o] > 0 ? t2[o] / Qr[o] : 1.0f;
    }
    /* b* and a* deviations lightly smoothed for the colour tests. */
    {
        double sc = 0.3 / q;
        if ((rc = sk_filter_gauss(B, st, B, st, w, h, sc, 0, 0, &g)) < 0 ||
            (rc = sk_filter_gauss(A, st, A, st, w, h, sc, 0, 0, &g)) < 0)
            goto done;
    }
    /* Candidates: local maxima of r (the strongest scale) within the larger
     * of 0.75 mm and the peak's scale, above r_high and z_min noise sigmas.
     * Each is judged on its own neighbourhood, so a scar next to a wrinkle
     * is not merged with it. */
    uint8_t *cm = sk_models_ws_bytes(ws, "scars.cand", (size_t)w * h);
    int32_t *lab = sk_models_ws_bytes(ws, "scars.labels", (size_t)w * h * sizeof(int32_t));
    sc_peak *pk = sk_models_ws_bytes(ws, "scars.peaks", SC_MAX_PEAKS * sizeof(sc_peak));
    if (!cm || !lab || !pk) {
        rc = SK_ERR_NOMEM;
        goto done;
    }
    int npk = 0;
    const int nr0 = (int)ceil(0.75 / q);
    for (int y = margin; y < h - margin && npk < SC_MAX_PEAKS; y++)
        for (int x = margin; x < w - margin && npk < SC_MAX_PEAKS; x++) {
            size_t o = (size_t)y * st + x;
            float pv = Pm[o];
            if (inner[o] <= 0 || pv < P.r_high || pv < Pm[o - 1] || pv < Pm[o + 1] ||
                pv < Pm[o - st] || pv < Pm[o + st])
                continue;
            int k = (int)Ps[o];
            /* the filter must not reach past the image (mirror) or the skin */
            int bd = (int)ceil(2.0 * sig[k]);
            if (x < bd || y < bd || x >= w - bd || y >= h - bd)
                continue;
            int nr = imax(nr0, (int)ceil(sig[k]));
            int ismax = 1;
            for (int dy = -nr; dy <= nr && ismax; dy++)
                for (int dx = -nr; dx <= nr; dx++) {
                    int xx = x + dx, yy = y + dy;
                    if (xx < 0 || yy < 0 || xx >= w || yy >= h || dx * dx + dy * dy > nr * nr)
                        continue;
                    float u = Pm[(size_t)yy * st + xx];
                    if (u > pv || (u == pv && (dy < 0 || (dy == 0 && dx < 0)))) {
                        ismax = 0;
                        break;
                    }
                }
            if (ismax)
                pk[npk++] = (sc_peak){x, y, k, pv};
        }
    double count = 0, area_px = 0, sev = 0;
    sc_kept kept[SC_MAX_KEPT];
    int nkept = 0;
    /* strongest first, so a weaker peak inside a kept scar is dropped */
    qsort(pk, (size_t)npk, sizeof *pk, sc_peak_cmp);
    for (int i = 0; i < npk && rc >= 0; i++) {
        const int x = pk[i].x, y = pk[i].y, k = pk[i].k;
        const size_t o = (size_t)y * st + x;
        const float *R = Rk[k];
        double zpk = rnoise[k] > 0 ? pk[i].r / rnoise[k] : 0;
        /* shape of the peak at its own scale: Hessian by differences over
         * sigma; a blob has both curvatures alike, a wrinkle one near 0 */
        int dd = imax(1, (int)lround(sig[k]));
        double el = 0;
        if (x - dd >= 0 && y - dd >= 0 && x + dd < w && y + dd < h) {
            double pxx = R[o + dd] - 2 * R[o] + R[o - dd];
            double pyy = R[o + dd * st] - 2 * R[o] + R[o - dd * st];
            double pxy = 0.25 * (R[o + dd * st + dd] - R[o + dd * st - dd] -
                                 R[o - dd * st + dd] + R[o - dd * st - dd]);
            double tr = 0.5 * (pxx + pyy), dsc = sqrt(0.25 * (pxx - pyy) * (pxx - pyy) + pxy * pxy);
            double l1 = tr - dsc, l2 = tr + dsc; /* l1 the more negative */
            el = l1 < 0 ? fmax(0, -l2) / -l1 : 0;
        }
        /* brown spot nearby: b* above the skin within sigma + spot_mm */
        int rb = (int)ceil(sig[k] + P.spot_mm / q);
        float bmax = -1e30f, amax = -1e30f;
        for (int yy = imax(0, y - rb); yy <= imin(h - 1, y + rb); yy++)
            for (int xx = imax(0, x - rb); xx <= imin(w - 1, x + rb); xx++)
                if ((xx - x) * (xx - x) + (yy - y) * (yy - y) <= rb * rb)
                    bmax = fmaxf(bmax, B[(size_t)yy * st + xx]),
                    amax = fmaxf(amax, A[(size_t)yy * st + xx]);
        double rk[SC_MAX_SCALES], smm = 0;
        for (int j = 0; j < P.nscales; j++)
            rk[j] = Rk[j][o] - P.bias * rnoise[j];
        double vol = sc_volume(rk, sig, P.nscales, q, P.gain, &smm);
        double dmm = fmin(P.dmax, fmax(P.dmin, 2.0 * M_SQRT2 * smm));
        int inside = 0;
        for (int j = 0; j < nkept && !inside; j++)
            inside = hypot(x - kept[j].x, y - kept[j].y) < kept[j].r + 0.5 * dmm / q;
        int keep = !inside && zpk >= P.k_noise && bmax <= P.max_db && amax <= P.max_da &&
                   el >= P.min_elong && smm <= P.max_sigma_mm;
        if (!keep)
            continue;
        double dpx = dmm / q;
        count += 1;
        area_px += M_PI * 0.25 * dpx * dpx;
        sev += vol;
        if (nkept < SC_MAX_KEPT)
            kept[nkept++] = (sc_kept){x, y, 0.5 * dpx};
        if (det && (rc = sc_add_detection(det, x, y, dpx, vol, f)) < 0)
            break;
    }
    if (rc < 0)
        goto done;
    const sk_component_t *cc = NULL;
    int ncomp = 0;
    sk_label_ws lws = {0};

    /* Relief loss: broad, shallow (rolling) scars shade at the level of the
     * mottling, but scar tissue has lost the skin lines over its whole
     * area. Regions where the fine relief energy is well below its surround
     * (Q under q_hi, with a minimum under q_lo), not already found from the
     * shading, not a brown spot; their volume from the shading responses
     * at the region's centre. */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t o = (size_t)y * st + x;
            cm[(size_t)y * w + x] = inner[o] > 0 && Qr[o] < P.q_hi;
        }
    if ((rc = sk_label(cm, (size_t)w, w, h, lab, (size_t)w, Qr, st, &lws, &cc, &ncomp)) < 0) {
        sk_label_ws_free(&lws);
        goto done;
    }
    for (int i = 0; i < ncomp && rc >= 0; i++) {
        const sk_component_t *c = &cc[i];
        if (c->min > P.q_lo || c->area * q * q < P.q_area_mm2)
            continue;
        double sw = 0, mx = 0, my = 0;
        for (int y = c->y0; y <= c->y1; y++)
            for (int x = c->x0; x <= c->x1; x++) {
                if (lab[(size_t)y * w + x] != c->label)
                    continue;
                double wv = P.q_hi - Qr[(size_t)y * st + x];
                sw += wv, mx += wv * x, my += wv * y;
            }
        mx /= sw, my /= sw;
        int near = 0;
        for (int j = 0; j < nkept && !near; j++)
            near = hypot(mx - kept[j].x, my - kept[j].y) < kept[j].r + 1.0 / q;
        int rb = (int)ceil(P.spot_mm / q);
        float bmax = -1e30f;
        for (int y = imax(0, c->y0 - rb); y <= imin(h - 1, c->y1 + rb); y++)
            for (int x = imax(0, c->x0 - rb); x <= imin(w - 1, c->x1 + rb); x++)
                bmax = fmaxf(bmax, B[(size_t)y * st + x]);
        double rk[SC_MAX_SCALES], smm = 0;
        for (int k = 0; k < P.nscales; k++)
            rk[k] = q * sc_point_response(S, st, w, h, mx, my, sig[k], vx, vy) -
                    P.bias * rnoise[k];
        double vol = sc_volume(rk, sig, P.nscales, q, P.gain, &smm);
        /* and the shading must agree: a broad depression at the centre */
        int keep = !near && bmax <= P.max_db && smm >= P.q_sigma_mm && vol >= P.q_vol_mm3;
        if (!keep)
            continue;
        double dpx = 2.0 * sqrt(c->area / M_PI);
        count += 1;
        area_px += c->area;
        sev += vol;
        if (det && (rc = sc_add_detection(det, mx, my, dpx, vol, f)) < 0)
            break;
    }
    sk_label_ws_free(&lws);
    if (rc < 0)
        goto done;
    rc = sc_emit(out, count, 100.0 * area_px / inner_n, sev, NULL);
done:
    sk_gauss_ws_free(&g);
    return rc;
}
