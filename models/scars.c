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
 * blob-like and do not continue along a line on both sides (not a wrinkle),
 * not beside a brown spot (b*) or a redness patch (a*). Broad shallow (rolling) scars shade at the level of
 * the mottling; scar tissue has lost the skin lines, so regions whose fine
 * relief energy is well below its surround count too when the shading at
 * their centre agrees.
 *
 * Cost: the local means, the chroma and the relief energy are smooth, and
 * the scales are 0.46-2.1 mm, so they run on grids 2x and 4x coarser than
 * the working grid; each scale is one smoothed plane, cascaded from the one
 * before, with the derivative along v by central differences.
 *
 * Severity: the sum over scars of a weight times a volume,
 * V = 8 pi sigma*^2 r* / k, from the response r* at the scale sigma* where
 * it peaks (refined by a parabola in log sigma), less the pull of picking a
 * maximum. V is linear in depth.
 * The weight is a product of smooth steps across the detection thresholds,
 * so area and severity move continuously with the photo (the count takes
 * the candidates past the middle of the ramps). A 2-D
 * photo gives only a proxy of depth: k depends on the lighting.
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
    int x, y, k; /* px of the 2x grid, scale index */
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
    double q_sigma_ramp, q_vol_ramp; /* half-widths of their weight ramps */
    double pig_mm;    /* chroma smoothing before the pigment fit, mm; 0: no fit */
    double max_da;    /* a* rise near a scar (redness patches are above) */
    double max_sigma_mm; /* broadest shading peak counted from P */
    double light_conf;   /* below it the light is taken from the scar-scale axis */
    double light_axis_mm;
    double r_high;    /* peak threshold of r (mm units: k D / 4 for a Gaussian pit) */
    double r_ramp;    /* half-width of the ramp of a peak's weight about r_high */
    double el_ramp;   /* half-width of the ramp of its weight about min_elongation */
    double da_ramp, db_ramp; /* half-widths of the ramps about max_da, max_db */
    double min_elong; /* weaker / stronger curvature of a peak (wrinkles are lines) */
    double line_reach; /* line support looked for this many sigma from a peak */
    double max_line, line_ramp; /* line support above max_line is a wrinkle; ramp half-width */
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
    o->q_sigma_ramp = sk_params_get(p, "scars.relief_sigma_ramp_mm", 0.1);
    o->q_vol_ramp = sk_params_get(p, "scars.relief_volume_ramp_mm3", 0.1);
    o->pig_mm = sk_params_get(p, "scars.pigment_mm", 0.5);
    o->max_da = sk_params_get(p, "scars.max_da", 3.3);
    o->max_sigma_mm = sk_params_get(p, "scars.max_sigma_mm", 1.5);
    o->light_conf = sk_params_get(p, "scars.light_min_conf", 0.03);
    o->light_axis_mm = sk_params_get(p, "scars.light_axis_mm", 0.5);
    o->r_high = sk_params_get(p, "scars.r_high", 0.022);
    o->r_ramp = sk_params_get(p, "scars.r_ramp", 0.003);
    o->el_ramp = sk_params_get(p, "scars.elongation_ramp", 0.05);
    o->da_ramp = sk_params_get(p, "scars.da_ramp", 0.3);
    o->db_ramp = sk_params_get(p, "scars.db_ramp", 0.2);
    o->spot_mm = sk_params_get(p, "scars.spot_search_mm", 0.75);
    o->min_elong = sk_params_get(p, "scars.min_elongation", 0.27);
    o->line_reach = sk_params_get(p, "scars.line_reach_sigma", 3.0);
    o->max_line = sk_params_get(p, "scars.max_line_support", 0.46);
    o->line_ramp = sk_params_get(p, "scars.line_support_ramp", 0.04);
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

static void sc_release_gauss(void *p) { sk_gauss_ws_free(p); }
static void sc_release_label(void *p) { sk_label_ws_free(p); }

/* Variances (px^2 of the finer grid, per axis) the grid changes add: the
 * 2x2 mean (two taps 1/2) and the 2x bilinear interpolation (taps 1/4, 3/4
 * on average over both phases, 0.1875 coarse px^2). Smoothing done on a
 * coarser grid is reduced by them. */
#define SC_VAR_DOWN 0.25
#define SC_VAR_UP 0.75

/* r = cx (f(x+1) - f(x-1)) + cy (f(y+1) - f(y-1)), one-sided at the edges. */
static void sc_dir_diff(const float *f, size_t st, int w, int h, float cx, float cy, float *r)
{
    for (int y = 0; y < h; y++) {
        const float *restrict u = f + (size_t)(y > 0 ? y - 1 : 0) * st;
        const float *restrict m = f + (size_t)y * st;
        const float *restrict d = f + (size_t)(y < h - 1 ? y + 1 : h - 1) * st;
        float *restrict o = r + (size_t)y * st;
        o[0] = cx * (m[1] - m[0]) + cy * (d[0] - u[0]);
        for (int x = 1; x < w - 1; x++)
            o[x] = cx * (m[x + 1] - m[x - 1]) + cy * (d[x] - u[x]);
        o[w - 1] = cx * (m[w - 1] - m[w - 2]) + cy * (d[w - 1] - u[w - 1]);
    }
}

/* Peaks are scanned from this fraction of r_high: refinement between
 * samples can lift them over it. */
#define SC_REFINE_MARGIN 0.9

/* The maximum near sample o of a plane: a parabola through three samples
 * along x and along y, its vertex kept within half a sample. */
static double sc_refine(const float *R, size_t st, size_t o)
{
    double b = R[o], v = b;
    const double ax[2] = {R[o - 1], R[o - st]}, cx[2] = {R[o + 1], R[o + st]};
    for (int i = 0; i < 2; i++) {
        double den = ax[i] - 2 * b + cx[i];
        if (den < 0) {
            double t = fmax(-0.5, fmin(0.5, 0.5 * (ax[i] - cx[i]) / den));
            v -= 0.25 * (ax[i] - cx[i]) * t;
        }
    }
    return v;
}

/* Bilinear sample of a plane at (x, y), clamped to the plane. */
static double sc_bilinear(const float *R, size_t st, int w, int h, double x, double y)
{
    x = fmin(fmax(x, 0.0), w - 1.001);
    y = fmin(fmax(y, 0.0), h - 1.001);
    int x0 = (int)x, y0 = (int)y;
    double fx = x - x0, fy = y - y0;
    const float *a = R + (size_t)y0 * st + x0, *b = a + st;
    return (1 - fy) * ((1 - fx) * a[0] + fx * a[1]) + fy * ((1 - fx) * b[0] + fx * b[1]);
}

#define SC_LINE_AXES 12

/* Line support of a peak of R at (x, y) with value r0: the largest, over
 * SC_LINE_AXES axes through the peak, of the smaller of the two responses
 * at distance d on either side, over r0 (negative values count as 0). A
 * depression's response has fallen to about a tenth of its peak at 3 sigma
 * in every direction (exp(-9/4) for a Gaussian pit at its own scale); on a
 * wrinkle, a valley many times longer than it is wide, it stays high on
 * both sides along the valley, including where the valley bends or
 * deepens into a blob-like peak. */
static double sc_line_support(const float *R, size_t st, int w, int h, int x, int y, double r0,
                              double d)
{
    double best = 0;
    for (int a = 0; a < SC_LINE_AXES; a++) {
        double th = M_PI * a / SC_LINE_AXES, ex = d * cos(th), ey = d * sin(th);
        double p = sc_bilinear(R, st, w, h, x + ex, y + ey);
        double m = sc_bilinear(R, st, w, h, x - ex, y - ey);
        best = fmax(best, fmin(p, m));
    }
    return r0 > 0 ? best / r0 : 0;
}

/* 0 below r0 - h, 1 above r0 + h, a smooth step between (h = 0: a step). */
static double sc_ramp(double r, double r0, double h)
{
    if (!(h > 0))
        return r >= r0 ? 1.0 : 0.0;
    double t = (r - (r0 - h)) / (2 * h);
    if (t <= 0)
        return 0;
    if (t >= 1)
        return 1;
    return t * t * (3 - 2 * t);
}

#define SC_NOISE_SAMPLES 100000

/* Robust sigma (1.4826 MAD) of src over the mask (> 0.5), from at most about
 * SC_NOISE_SAMPLES pixels on a regular lattice; buf holds that many floats
 * (plus a margin). n_mask: pixels in the mask. */
static double sc_noise(const float *src, size_t st, const float *m, int w, int h, double n_mask,
                       float *buf)
{
    int step = (int)ceil(sqrt(n_mask / SC_NOISE_SAMPLES));
    if (step < 1)
        step = 1;
    size_t n = 0;
    for (int y = step / 2; y < h; y += step)
        for (int x = step / 2; x < w && n < SC_NOISE_SAMPLES + 1024; x += step)
            if (m[(size_t)y * st + x] > 0.5f)
                buf[n++] = src[(size_t)y * st + x];
    if (n == 0)
        return 0;
    float med = sk_stats_select_kth(buf, n, n / 2);
    for (size_t i = 0; i < n; i++)
        buf[i] = fabsf(buf[i] - med);
    return 1.4826 * sk_stats_select_kth(buf, n, n / 2);
}

/* The 4x-grid tail of the coarse means: c2 (and, when weighted, the weights
 * d2) blurred at sc, c2 = c2 / d2 where the weight holds, and c2
 * interpolated back to out (w x h, stride so). */
static int sc_blur_back(float *c2, float *d2, size_t s2, int w2, int h2, double sc, int weighted,
                        float *out, size_t so, int w, int h, sk_gauss_ws *g, void *us)
{
    int rc;
    if ((rc = sk_filter_gauss(c2, s2, c2, s2, w2, h2, sc, 0, 0, g)) < 0)
        return rc;
    if (weighted) {
        if ((rc = sk_filter_gauss(d2, s2, d2, s2, w2, h2, sc, 0, 0, g)) < 0)
            return rc;
        for (size_t o = 0; o < s2 * (size_t)h2; o++)
            c2[o] = d2[o] > 1e-3f ? c2[o] / d2[o] : 0.0f;
    }
    return sk_geom_resize(c2, s2, w2, h2, out, so, w, h, SK_RESIZE_BILINEAR, us);
}

/* out (2x grid w1 x h1, stride s1) = mean of X (same grid) with weights Mk
 * (NULL: every pixel, full = 1) in a Gaussian window of sigma (2x px),
 * computed on the 4x grid (planes c2, d2) and interpolated back. out may be
 * X. */
static int sc_coarse_mean1(float *X, const float *Mk, size_t s1, int w1, int h1, double sigma,
                           float *out, float *c2, float *d2, size_t s2, sk_gauss_ws *g, int full,
                           void *us)
{
    const int w2 = (w1 + 1) / 2, h2 = (h1 + 1) / 2;
    const double sc = sqrt(fmax(1.0, sigma * sigma - SC_VAR_DOWN - SC_VAR_UP)) / 2;
    const int weighted = !full && Mk;
    int rc;
    if (!weighted) {
        if ((rc = sk_geom_downsample2(X, s1, w1, h1, c2, s2)) < 0)
            return rc;
    } else {
        for (size_t o = 0; o < s1 * (size_t)h1; o++)
            out[o] = X[o] * Mk[o];
        if ((rc = sk_geom_downsample2(out, s1, w1, h1, c2, s2)) < 0 ||
            (rc = sk_geom_downsample2(Mk, s1, w1, h1, d2, s2)) < 0)
            return rc;
    }
    return sc_blur_back(c2, d2, s2, w2, h2, sc, weighted, out, s1, w1, h1, g, us);
}

/* out (working grid) = mean of X with weights M in a Gaussian window of
 * sigma (working px), computed on the 4x grid and interpolated back.
 * c1, d1: 2x scratch planes; c2, d2: 4x. out may not be X. */
static int sc_coarse_mean(const float *X, const float *M, size_t st, int w, int h, double sigma,
                          float *c1, float *d1, size_t s1, float *c2, float *d2, size_t s2,
                          float *out, sk_gauss_ws *g, int full, void *us)
{
    const int w1 = (w + 1) / 2, h1 = (h + 1) / 2, w2 = (w1 + 1) / 2, h2 = (h1 + 1) / 2;
    const double sc =
        sqrt(fmax(1.0, sigma * sigma - SC_VAR_DOWN - 4 * SC_VAR_DOWN - 4 * SC_VAR_UP)) / 4;
    int rc;
    if (full) {
        if ((rc = sk_geom_downsample2(X, st, w, h, c1, s1)) < 0 ||
            (rc = sk_geom_downsample2(c1, s1, w1, h1, c2, s2)) < 0)
            return rc;
    } else {
        for (size_t o = 0; o < st * (size_t)h; o++)
            out[o] = X[o] * M[o];
        if ((rc = sk_geom_downsample2(out, st, w, h, c1, s1)) < 0 ||
            (rc = sk_geom_downsample2(c1, s1, w1, h1, c2, s2)) < 0 ||
            (rc = sk_geom_downsample2(M, st, w, h, d1, s1)) < 0 ||
            (rc = sk_geom_downsample2(d1, s1, w1, h1, d2, s2)) < 0)
            return rc;
    }
    return sc_blur_back(c2, d2, s2, w2, h2, sc, !full, out, st, w, h, g, us);
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

    /* Working grid: an integer area reduction to about P.work mm/px. Two
     * coarser grids (2x, 4x) carry what is smooth: local means, chroma,
     * relief energy, the broad scales. */
    const int f = sk_pskin_factor(p, P.work);
    const double q = p * f;
    const int w = (ctx->w + f - 1) / f, h = (ctx->h + f - 1) / f;
    if (w < 16 || h < 16)
        return sc_emit(out, NAN, NAN, NAN, "image too small for scars");
    const int w1 = (w + 1) / 2, h1 = (h + 1) / 2, w2 = (w1 + 1) / 2, h2 = (h1 + 1) / 2;
    size_t st, st1, st2, sm_dummy = 0;
    float *L = sk_models_ws_plane(ws, "scars.L", w, h, &st);
    float *M = sk_models_ws_plane(ws, "scars.M", w, h, &st);
    float *inner = sk_models_ws_plane(ws, "scars.inner", w, h, &st);
    float *t1 = sk_models_ws_plane(ws, "scars.t1", w, h, &st);
    float *t2 = sk_models_ws_plane(ws, "scars.t2", w, h, &st);
    float *S = sk_models_ws_plane(ws, "scars.S", w, h, &st);
    float *Pm = sk_models_ws_plane(ws, "scars.P", w1, h1, &st1);
    float *Ps = sk_models_ws_plane(ws, "scars.Ps", w1, h1, &st1);
    float *in1 = sk_models_ws_plane(ws, "scars.inner1", w1, h1, &st1);
    float *A1 = sk_models_ws_plane(ws, "scars.A1", w1, h1, &st1);
    float *B1 = sk_models_ws_plane(ws, "scars.B1", w1, h1, &st1);
    float *c1 = sk_models_ws_plane(ws, "scars.c1", w1, h1, &st1);
    float *d1 = sk_models_ws_plane(ws, "scars.d1", w1, h1, &st1);
    float *e1 = sk_models_ws_plane(ws, "scars.e1", w1, h1, &st1);
    float *c2 = sk_models_ws_plane(ws, "scars.c2", w2, h2, &st2);
    float *d2 = sk_models_ws_plane(ws, "scars.d2", w2, h2, &st2);
    float *Rk[SC_MAX_SCALES];
    for (int k = 0; k < SC_MAX_SCALES; k++) {
        char key[32];
        snprintf(key, sizeof key, "scars.R%d", k);
        Rk[k] = k < P.nscales ? sk_models_ws_plane(ws, key, w1, h1, &st1) : NULL;
        if (k < P.nscales && !Rk[k])
            return SK_ERR_NOMEM;
    }
    const int divisible = ctx->w % f == 0 && ctx->h % f == 0;
    float *mf = divisible ? NULL : sk_models_ws_plane(ws, "scars.maskf", ctx->w, ctx->h, &sm_dummy);
    void *scr = sk_models_ws_bytes(ws, "scars.rs_ws", sk_pskin_reduce_scratch(ctx->w, ctx->h, f));
    void *us = sk_models_ws_bytes(
        ws, "scars.up_ws",
        sk_geom_resize_scratch_size(w2, h2, w, h, SK_RESIZE_BILINEAR) +
            sk_geom_resize_scratch_size(w1, h1, w, h, SK_RESIZE_BILINEAR) +
            sk_geom_resize_scratch_size(w2, h2, w1, h1, SK_RESIZE_BILINEAR) + 64);
    sk_gauss_ws *g = sk_models_ws_object(ws, "scars.gauss", sizeof(sk_gauss_ws), sc_release_gauss);
    float *nbuf = sk_models_ws_bytes(ws, "scars.noise", (SC_NOISE_SAMPLES + 1024) * sizeof(float));
    /* a*, b* at the working grid until the chroma is on the 2x grid; then
     * t2 holds the relief ratio Q */
    float *A = t1, *B = t2, *Qr = t2;
    if (!L || !M || !inner || !t1 || !t2 || !S || !Pm || !Ps || !in1 || !A1 || !B1 ||
        !c1 || !d1 || !e1 || !c2 || !d2 || (!divisible && !mf) || !scr || !us || !g || !nbuf)
        return sk_error_status() ? sk_error_status() : SK_ERR_NOMEM;
    if (divisible) {
        /* f x f means (the 2x2 kernel when f is 2); a working pixel is skin
         * when its whole block is */
        if (f == 2) {
            if ((rc = sk_geom_downsample2(ctx->L, ctx->stride, ctx->w, ctx->h, L, st)) < 0 ||
                (rc = sk_geom_downsample2(ctx->A, ctx->stride, ctx->w, ctx->h, A, st)) < 0 ||
                (rc = sk_geom_downsample2(ctx->B, ctx->stride, ctx->w, ctx->h, B, st)) < 0)
                return rc;
        } else {
            const float inv = 1.0f / (float)(f * f);
            for (int y = 0; y < h; y++) {
                float *lr = L + (size_t)y * st, *ar = A + (size_t)y * st, *br = B + (size_t)y * st;
                for (int x = 0; x < w; x++)
                    lr[x] = ar[x] = br[x] = 0.0f;
                for (int j = 0; j < f; j++) {
                    const size_t so = (size_t)(y * f + j) * ctx->stride;
                    const float *ls = ctx->L + so, *as = ctx->A + so, *bs = ctx->B + so;
                    for (int x = 0; x < w; x++)
                        for (int i = 0; i < f; i++) {
                            lr[x] += ls[x * f + i];
                            ar[x] += as[x * f + i];
                            br[x] += bs[x * f + i];
                        }
                }
                for (int x = 0; x < w; x++)
                    lr[x] *= inv, ar[x] *= inv, br[x] *= inv;
            }
        }
        const int all_skin = ctx->skin_pixels >= (double)ctx->w * ctx->h;
        for (int y = 0; y < h; y++) {
            float *mr = M + (size_t)y * st;
            for (int x = 0; x < w; x++)
                mr[x] = 1.0f;
            for (int j = 0; j < f && !all_skin; j++) {
                const uint8_t *ms = ctx->skin + (size_t)(y * f + j) * ctx->mask_stride;
                for (int x = 0; x < w; x++) {
                    int all = 1;
                    for (int i = 0; i < f; i++)
                        all &= ms[x * f + i] != 0;
                    mr[x] = all ? mr[x] : 0.0f;
                }
            }
        }
    } else {
        sk_feat_mask_to_float(ctx->skin, ctx->mask_stride, ctx->w, ctx->h, mf, sm_dummy);
        if ((rc = sk_pskin_reduce(ctx->L, ctx->stride, ctx->w, ctx->h, f, L, st, scr)) < 0 ||
            (rc = sk_pskin_reduce(ctx->A, ctx->stride, ctx->w, ctx->h, f, A, st, scr)) < 0 ||
            (rc = sk_pskin_reduce(ctx->B, ctx->stride, ctx->w, ctx->h, f, B, st, scr)) < 0 ||
            (rc = sk_pskin_reduce(mf, sm_dummy, ctx->w, ctx->h, f, M, st, scr)) < 0)
            return rc;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                M[(size_t)y * st + x] = M[(size_t)y * st + x] > 0.99f ? 1.0f : 0.0f;
    }
    double msum = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            msum += M[(size_t)y * st + x];
    const int full = msum >= (double)w * h;
    int margin = (int)ceil(fmax(P.margin_mm / q, 2.0));
    double inner_n;
    if (full) {
        /* the erosion of a full mask is the frame */
        inner_n = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                float v = y >= margin && y < h - margin && x >= margin && x < w - margin;
                inner[(size_t)y * st + x] = v;
                inner_n += v;
            }
    } else {
        inner_n = sk_feat_erode(ws, "scars.erode_ws", M, st, w, h, margin, inner, st);
    }
    if (inner_n < 0)
        return (int)inner_n;
    if (inner_n * q * q < 100.0)
        return sc_emit(out, NAN, NAN, NAN, "too little skin for scars (under 1 cm2)");

    /* s = relative luminance about a masked local mean: dY / Y = 3 dL* /
     * (L* + 16) for CIELAB's cube root. a*, b* about their local means. */
    const double sb = fmin(P.bg_mm / q, 48.0);
    if ((rc = sc_coarse_mean(L, M, st, w, h, sb, c1, d1, st1, c2, d2, st2, S, g, full, us)) < 0)
        return rc;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t o = (size_t)y * st + x;
            float l16 = L[o] > -15.0f ? L[o] + 16.0f : 1.0f;
            L[o] = M[o] > 0 ? 3.0f * (L[o] - S[o]) / (S[o] + 16.0f) : 0.0f;
            /* Chromaticity: uniform scaling of linear RGB (shading,
             * exposure) scales L* + 16, a* and b* alike (cube root), so
             * a* / (L* + 16) and b* / (L* + 16) do not see the shading. */
            A[o] = M[o] > 0 ? A[o] / l16 : 0.0f;
            B[o] = M[o] > 0 ? B[o] / l16 : 0.0f;
        }
    /* Chroma on the 2x grid: JPEG keeps it at half resolution anyway, and
     * it is smoothed by pigment_mm before use. Deviations about the local
     * mean, times the mean L* + 16, are in a*, b* units. */
    {
        float *Mc = e1;
        if ((rc = sk_geom_downsample2(A, st, w, h, A1, st1)) < 0 ||
            (rc = sk_geom_downsample2(B, st, w, h, B1, st1)) < 0 ||
            (rc = sk_geom_downsample2(S, st, w, h, c1, st1)) < 0 ||
            (!full && (rc = sk_geom_downsample2(M, st, w, h, Mc, st1)) < 0))
            return rc;
        for (size_t o = 0; o < st1 * (size_t)h1; o++)
            c1[o] += 16.0f; /* the local mean of L* + 16 */
        const double s1 = 0.5 * sb;
        for (int pass = 0; pass < 2; pass++) {
            float *X = pass ? B1 : A1;
            if ((rc = sc_coarse_mean1(X, Mc, st1, w1, h1, s1, d1, c2, d2, st2, g, full, us)) < 0)
                return rc;
            const double sp = sqrt(fmax(0.36, P.pig_mm / q * (P.pig_mm / q) - 0.25 - 0.75)) / 2;
            for (size_t o = 0; o < st1 * (size_t)h1; o++)
                X[o] = full || Mc[o] > 0.5f ? (X[o] - d1[o]) * c1[o] : 0.0f;
            if (P.pig_mm > 0 && (rc = sk_filter_gauss(X, st1, X, st1, w1, h1, fmax(0.5, sp), 0, 0, g)) < 0)
                return rc;
        }
    }
    /* L now holds s. Pigment out of the shading: melanin and haemoglobin
     * move a* and b* with L*, Lambertian shading does not; regress s on
     * (a', b') over the skin and keep the residual in S. A, B: the 2x chroma
     * interpolated to the working grid. */
    if (P.pig_mm > 0) {
        /* the fit on the 2x grid (the chroma is smooth), the fitted pigment
         * part interpolated back once */
        float *s1 = d1, *m1 = e1;
        if ((rc = sk_geom_downsample2(L, st, w, h, s1, st1)) < 0 ||
            (rc = sk_geom_downsample2(inner, st, w, h, m1, st1)) < 0)
            return rc;
        double saa = 0, sab = 0, sbb = 0, ssa = 0, ssb = 0;
        for (int y = 0; y < h1; y++)
            for (int x = 0; x < w1; x++) {
                size_t o = (size_t)y * st1 + x;
                if (m1[o] < 0.99f)
                    continue;
                double a = A1[o], b = B1[o], sv = s1[o];
                saa += a * a, sab += a * b, sbb += b * b, ssa += sv * a, ssb += sv * b;
            }
        double det2 = saa * sbb - sab * sab, ca = 0, cb = 0;
        if (det2 > 1e-12 * (saa * sbb + 1e-30)) {
            ca = (ssa * sbb - ssb * sab) / det2;
            cb = (ssb * saa - ssa * sab) / det2;
        }
        const float fa = (float)ca, fb = (float)cb;
        for (size_t o = 0; o < st1 * (size_t)h1; o++)
            s1[o] = fa * A1[o] + fb * B1[o];
        if ((rc = sk_geom_resize(s1, st1, w1, h1, S, st, w, h, SK_RESIZE_BILINEAR, us)) < 0)
            return rc;
        for (size_t o = 0; o < st * (size_t)h; o++)
            S[o] = L[o] - S[o];
    } else {
        memcpy(S, L, sizeof(float) * st * (size_t)h);
    }

    /* Light direction: where the fine-scale s is a valley (Laplacian > 0),
     * its gradient points away from the light (the far wall is lit). One
     * smoothed plane, differences for the gradient and the Laplacian (the
     * smoothing less the variance a central difference adds). */
    double vx = 0, vy = 0, conf = 0;
    {
        double sl = fmax(0.7, P.light_mm / q);
        if ((rc = sk_filter_gauss(S, st, t1, st, w, h, sqrt(sl * sl - 1.0 / 3.0), 0, 0, g)) < 0)
            return rc;
        double sx = 0, sy = 0, sa = 0;
        for (int y = 1; y < h - 1; y++) {
            const float *restrict u = t1 + (size_t)(y - 1) * st, *restrict m = t1 + (size_t)y * st,
                                  *restrict d = t1 + (size_t)(y + 1) * st,
                                  *restrict in = inner + (size_t)y * st;
            float rx = 0, ry = 0, ra = 0; /* per row, then summed in double */
            for (int x = 1; x < w - 1; x++) {
                float lap = m[x - 1] + m[x + 1] + u[x] + d[x] - 4 * m[x];
                /* max(lap, 0) without a branch: its sign is a coin toss */
                float wgt = 0.5f * (lap + fabsf(lap)) * in[x];
                float ax = 0.5f * (m[x + 1] - m[x - 1]), ay = 0.5f * (d[x] - u[x]);
                rx += wgt * ax;
                ry += wgt * ay;
                ra += wgt * sqrtf(ax * ax + ay * ay);
            }
            sx += rx, sy += ry, sa += ra;
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
            double st2s = fmax(0.7, P.light_axis_mm / q), jxx = 0, jxy = 0, jyy = 0;
            if ((rc = sk_filter_gauss(S, st, t1, st, w, h, sqrt(st2s * st2s - 1.0 / 3.0), 0, 0,
                                      g)) < 0)
                return rc;
            for (int y = 1; y < h - 1; y++) {
                const float *u = t1 + (size_t)(y - 1) * st, *m = t1 + (size_t)y * st,
                            *d = t1 + (size_t)(y + 1) * st, *in = inner + (size_t)y * st;
                for (int x = 1; x < w - 1; x++) {
                    if (in[x] <= 0)
                        continue;
                    double ax = 0.5 * (m[x + 1] - m[x - 1]), ay = 0.5 * (d[x] - u[x]);
                    jxx += ax * ax, jxy += ax * ay, jyy += ay * ay;
                }
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
    /* The responses live on the 2x grid (0.16 mm/px): the narrowest scale
     * is 2.8 of its px, and peak values are refined between samples. One
     * smoothed plane per scale, cascaded (G_b * G_a = G_sqrt(a^2 + b^2)),
     * and the derivative along v by central differences; the smoothing is
     * reduced by the variance the 2x2 mean and the central difference add,
     * so each response keeps its scale. */
    const double q1 = 2 * q;
    double sig1[SC_MAX_SCALES];
    double in1_n = 0;
    {
        if ((rc = sk_geom_downsample2(S, st, w, h, c1, st1)) < 0 ||
            (rc = sk_geom_downsample2(inner, st, w, h, in1, st1)) < 0)
            return rc;
        for (size_t o = 0; o < st1 * (size_t)h1; o++) {
            in1[o] = in1[o] > 0.99f ? 1.0f : 0.0f;
            in1_n += in1[o];
            Pm[o] = -1e30f, Ps[o] = 0;
        }
        double var = 0.25 * SC_VAR_DOWN; /* 2x px^2 */
        for (int k = 0; k < P.nscales; k++) {
            sig1[k] = 0.5 * sig[k];
            double t = fmax(sig1[k] * sig1[k] - 1.0 / 3.0, var + 0.25);
            if ((rc = sk_filter_gauss(k ? d1 : c1, st1, d1, st1, w1, h1, sqrt(t - var), 0, 0, g)) <
                0)
                return rc;
            var = t;
            /* r = -sigma_mm^2 d_mm = -sigma_px^2 q1 d_px */
            const float rs = (float)(sig1[k] * sig1[k] * q1);
            sc_dir_diff(d1, st1, w1, h1, -0.5f * rs * (float)vx, -0.5f * rs * (float)vy, Rk[k]);
            rnoise[k] = sc_noise(Rk[k], st1, in1, w1, h1, in1_n, nbuf);
            float *restrict pm = Pm, *restrict ps = Ps;
            const float *restrict rk = Rk[k];
            const float kf = (float)k;
            for (size_t o = 0; o < st1 * (size_t)h1; o++) {
                const float v = rk[o];
                const int gt = v > pm[o];
                pm[o] = gt ? v : pm[o];
                ps[o] = gt ? kf : ps[o];
            }
        }
    }
    /* Fine relief energy relative to its surround; both windows are broad,
     * so the energy is averaged on the 2x grid and its surround on the 4x. */
    {
        if ((rc = sk_filter_gauss(S, st, t1, st, w, h, fmax(0.6, P.relief_mm / q), 0, 0, g)) < 0)
            return rc;
        for (size_t o = 0; o < st * (size_t)h; o++)
            t1[o] = S[o] - t1[o];
        /* pores and wrinkles are sparse strong dark marks: clip them at a few
         * robust sigmas so the energy follows the skin lines */
        double rn = sc_noise(t1, st, inner, w, h, inner_n, nbuf);
        float clip = (float)(2.0 * rn);
        for (size_t o = 0; o < st * (size_t)h; o++) {
            float r = t1[o] < -clip ? -clip : t1[o] > clip ? clip : t1[o];
            t1[o] = r * r * M[o];
        }
        float *E1 = c1, *Q1 = e1;
        if ((rc = sk_geom_downsample2(t1, st, w, h, E1, st1)) < 0)
            return rc;
        const double se = P.renergy_mm / q;
        if ((rc = sk_filter_gauss(E1, st1, d1, st1, w1, h1,
                                  sqrt(fmax(1.0, se * se - 0.25 - 0.75)) / 2, 0, 0, g)) < 0)
            return rc;
        /* surround: masked mean of the energy, on the 4x grid */
        const double ss = fmin(P.rsur_mm / q, 48.0);
        if (!full && (rc = sk_geom_downsample2(M, st, w, h, Q1, st1)) < 0)
            return rc;
        if ((rc = sc_coarse_mean1(E1, full ? NULL : Q1, st1, w1, h1, 0.5 * ss, E1, c2, d2, st2, g,
                                  full, us)) < 0)
            return rc;
        for (size_t o = 0; o < st1 * (size_t)h1; o++)
            Q1[o] = E1[o] > 0 ? d1[o] / E1[o] : 1.0f;
        if ((rc = sk_geom_resize(Q1, st1, w1, h1, Qr, st, w, h, SK_RESIZE_BILINEAR, us)) < 0)
            return rc;
    }
    /* b* and a* deviations lightly smoothed for the colour tests (2x grid). */
    {
        double sc = 0.15 / q;
        if ((rc = sk_filter_gauss(B1, st1, B1, st1, w1, h1, fmax(0.5, sc), 0, 0, g)) < 0 ||
            (rc = sk_filter_gauss(A1, st1, A1, st1, w1, h1, fmax(0.5, sc), 0, 0, g)) < 0)
            return rc;
    }
    /* Candidates: local maxima of r (the strongest scale) within the larger
     * of 0.75 mm and the peak's scale, above r_high and z_min noise sigmas.
     * Each is judged on its own neighbourhood, so a scar next to a wrinkle
     * is not merged with it. Positions and sizes here are in 2x px; the
     * kept scars in working px. */
    uint8_t *cm = sk_models_ws_bytes(ws, "scars.cand", (size_t)w * h);
    int32_t *lab = sk_models_ws_bytes(ws, "scars.labels", (size_t)w * h * sizeof(int32_t));
    sc_peak *pk = sk_models_ws_bytes(ws, "scars.peaks", SC_MAX_PEAKS * sizeof(sc_peak));
    if (!cm || !lab || !pk)
        return SK_ERR_NOMEM;
    int npk = 0;
    const int nr0 = (int)ceil(0.75 / q1);
    /* a sample below the threshold can still refine above it */
    const float r_scan = (float)(SC_REFINE_MARGIN * (P.r_high - P.r_ramp));
    const int margin1 = (margin + 1) / 2;
    for (int y = margin1; y < h1 - margin1 && npk < SC_MAX_PEAKS; y++)
        for (int x = margin1; x < w1 - margin1 && npk < SC_MAX_PEAKS; x++) {
            size_t o = (size_t)y * st1 + x;
            float pv = Pm[o];
            if (pv < r_scan || in1[o] <= 0 || pv < Pm[o - 1] || pv < Pm[o + 1] ||
                pv < Pm[o - st1] || pv < Pm[o + st1])
                continue;
            int k = (int)Ps[o];
            /* the filter must not reach past the image (mirror) or the skin */
            int bd = (int)ceil(2.0 * sig1[k]);
            if (x < bd || y < bd || x >= w1 - bd || y >= h1 - bd)
                continue;
            int nr = imax(nr0, (int)ceil(sig1[k]));
            int ismax = 1;
            for (int dy = -nr; dy <= nr && ismax; dy++)
                for (int dx = -nr; dx <= nr; dx++) {
                    int xx = x + dx, yy = y + dy;
                    if (xx < 0 || yy < 0 || xx >= w1 || yy >= h1 || dx * dx + dy * dy > nr * nr)
                        continue;
                    float u = Pm[(size_t)yy * st1 + xx];
                    if (u > pv || (u == pv && (dy < 0 || (dy == 0 && dx < 0)))) {
                        ismax = 0;
                        break;
                    }
                }
            if (ismax)
                pk[npk++] = (sc_peak){x, y, k, (float)sc_refine(Rk[k], st1, o)};
        }
    double count = 0, area_px = 0, sev = 0;
    sc_kept kept[SC_MAX_KEPT];
    int nkept = 0;
    /* strongest first, so a weaker peak inside a kept scar is dropped */
    qsort(pk, (size_t)npk, sizeof *pk, sc_peak_cmp);
    for (int i = 0; i < npk && rc >= 0; i++) {
        const int x = pk[i].x, y = pk[i].y, k = pk[i].k;
        const size_t o = (size_t)y * st1 + x;
        const float *R = Rk[k];
        double zpk = rnoise[k] > 0 ? pk[i].r / rnoise[k] : 0;
        /* shape of the peak at its own scale: Hessian by differences over
         * sigma; a wrinkle's ridge has one curvature near 0. Not both alike
         * for a round pit either: r is a second derivative along v, so at a
         * Gaussian pit's peak its curvature along v is 3 times that across
         * (ratio 1/3; 0.3-0.55 measured), hence a low min_elongation */
        int dd = imax(1, (int)lround(sig1[k]));
        double el = 0;
        if (x - dd >= 0 && y - dd >= 0 && x + dd < w1 && y + dd < h1) {
            double pxx = R[o + dd] - 2 * R[o] + R[o - dd];
            double pyy = R[o + dd * st1] - 2 * R[o] + R[o - dd * st1];
            double pxy = 0.25 * (R[o + dd * st1 + dd] - R[o + dd * st1 - dd] -
                                 R[o - dd * st1 + dd] + R[o - dd * st1 - dd]);
            double tr = 0.5 * (pxx + pyy), dsc = sqrt(0.25 * (pxx - pyy) * (pxx - pyy) + pxy * pxy);
            double l1 = tr - dsc, l2 = tr + dsc; /* l1 the more negative */
            el = l1 < 0 ? fmax(0, -l2) / -l1 : 0;
        }
        /* a wrinkle: the response stays high along a line through the peak */
        double ls = sc_line_support(R, st1, w1, h1, x, y, R[o], P.line_reach * sig1[k]);
        /* brown spot nearby: b* above the skin within sigma + spot_mm (the
         * colour planes are on the same 2x grid) */
        int rb = (int)ceil(sig1[k] + P.spot_mm / q1);
        float bmax = -1e30f, amax = -1e30f;
        for (int yy = imax(0, y - rb); yy <= imin(h1 - 1, y + rb); yy++)
            for (int xx = imax(0, x - rb); xx <= imin(w1 - 1, x + rb); xx++)
                if ((xx - x) * (xx - x) + (yy - y) * (yy - y) <= rb * rb) {
                    float bv = B1[(size_t)yy * st1 + xx], av = A1[(size_t)yy * st1 + xx];
                    bmax = bv > bmax ? bv : bmax;
                    amax = av > amax ? av : amax;
                }
        double rk[SC_MAX_SCALES], smm = 0;
        for (int j = 0; j < P.nscales; j++)
            rk[j] = (j == k ? pk[i].r : sc_refine(Rk[j], st1, o)) - P.bias * rnoise[j];
        double vol = sc_volume(rk, sig1, P.nscales, q1, P.gain, &smm);
        double dmm = fmin(P.dmax, fmax(P.dmin, 2.0 * M_SQRT2 * smm));
        /* working px: sample j of the 2x grid sits at 2 j + 0.5 */
        const double xf = 2 * x + 0.5, yf = 2 * y + 0.5;
        int inside = 0;
        for (int j = 0; j < nkept && !inside; j++)
            inside = hypot(xf - kept[j].x, yf - kept[j].y) < kept[j].r + 0.5 * dmm / q;
        /* weight: smooth steps (smoothstep over +- the ramp) of r across
         * r_high, of the elongation across min_elongation, of the line
         * support across max_line_support and of a*, b* across max_da,
         * max_db, so a scar near a threshold moves count, area and severity
         * continuously instead of coming and going */
        double wt = sc_ramp(pk[i].r, P.r_high, P.r_ramp) * sc_ramp(el, P.min_elong, P.el_ramp) *
                    sc_ramp(-amax, -P.max_da, P.da_ramp) * sc_ramp(-bmax, -P.max_db, P.db_ramp) *
                    sc_ramp(-ls, -P.max_line, P.line_ramp);
        int keep = !inside && wt > 0 && zpk >= P.k_noise && smm <= P.max_sigma_mm;
        if (!keep)
            continue;
        double dpx = dmm / q;
        count += wt >= 0.5; /* a count stays whole: the candidates past the ramps' middle */
        area_px += wt * M_PI * 0.25 * dpx * dpx;
        sev += wt * vol;
        if (nkept < SC_MAX_KEPT)
            kept[nkept++] = (sc_kept){xf, yf, 0.5 * dpx};
        if (det && wt >= 0.5 && (rc = sc_add_detection(det, xf, yf, dpx, vol, f)) < 0)
            break;
    }
    if (rc < 0)
        return rc;
    const sk_component_t *cc = NULL;
    int ncomp = 0;
    /* the labelling workspace stays with the models workspace */
    sk_label_ws *lws =
        sk_models_ws_object(ws, "scars.label_ws", sizeof(sk_label_ws), sc_release_label);
    if (!lws)
        return sk_error_status();

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
    if ((rc = sk_label(cm, (size_t)w, w, h, lab, (size_t)w, Qr, st, lws, &cc, &ncomp)) < 0)
        return rc;
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
        for (int y = imax(0, (c->y0 - rb) / 2); y <= imin(h1 - 1, (c->y1 + rb) / 2); y++)
            for (int x = imax(0, (c->x0 - rb) / 2); x <= imin(w1 - 1, (c->x1 + rb) / 2); x++)
                bmax = fmaxf(bmax, B1[(size_t)y * st1 + x]);
        double rk[SC_MAX_SCALES], smm = 0;
        for (int k = 0; k < P.nscales; k++)
            rk[k] = q * sc_point_response(S, st, w, h, mx, my, sig[k], vx, vy) -
                    P.bias * rnoise[k];
        double vol = sc_volume(rk, sig, P.nscales, q, P.gain, &smm);
        /* and the shading must agree: a broad depression at the centre
         * (weight: smooth steps of V and sigma* across their thresholds) */
        double wq = sc_ramp(vol, P.q_vol_mm3, P.q_vol_ramp) * sc_ramp(smm, P.q_sigma_mm, P.q_sigma_ramp);
        int keep = !near && bmax <= P.max_db && wq > 0;
        if (!keep)
            continue;
        double dpx = 2.0 * sqrt(c->area / M_PI);
        count += wq >= 0.5;
        area_px += wq * c->area;
        sev += wq * vol;
        if (det && wq >= 0.5 && (rc = sc_add_detection(det, mx, my, dpx, vol, f)) < 0)
            break;
    }
    if (rc < 0)
        return rc;
    return sc_emit(out, count, 100.0 * area_px / inner_n, sev, NULL);
}
