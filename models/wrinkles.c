/* Wrinkles: dark valleys 0.2-1 mm wide, found with a multi-scale Hessian
 * ridge measure on L* (Frangi-style: the larger eigenvalue of the
 * scale-normalised Hessian, damped where the smaller one says "blob"),
 * thinned to one-pixel centrelines by non-maximum suppression across the
 * valley's width, kept where the ridge holds its strength along a straight
 * stretch (line support; pores, texture and curved rims do not), linked end
 * to end across short gaps (a pore on the line, a faint stretch, a crossing
 * line), each free end followed along the valley to half the valley's own
 * contrast (so an end moves continuously when a wrinkle shortens or fades,
 * and a faint stretch up to the next piece of the same valley is bridged),
 * and summed with a soft minimum length, so that a re-capture that breaks
 * or joins a short piece moves the total little. Lines yellower than their
 * sides (pigment: the rim or interior of a spot) are not wrinkles.
 * Formulas: docs/METRICS.md (Wrinkles). */
#include "pfeat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WR_MAX_SCALES 8

typedef struct wr_params {
    double wmin, wmax; /* valley width (FWHM), mm */
    int nscales;
    double work;            /* working resolution, mm/px */
    double needs;           /* coarsest mm/px accepted */
    double k_hi, k_lo;      /* hysteresis thresholds in robust noise sigmas */
                            /* (k_hi: seeds, only when line_k = 0) */
    double beta;            /* Frangi blob-suppression constant */
    double min_len;         /* mm */
    double margin_mm;       /* distance kept from the skin-mask edge */
    double min_depth;       /* ΔL*: a piece must be a valley, darker than both sides */
    double max_db;          /* Δb*: a line yellower than its sides by more is pigment */
    double min_extent;      /* extent along the main axis / length */
    double gap_mm;          /* pieces end to end closer than this are linked, mm */
    double link_cos;        /* linked ends face each other within this cosine */
    double link_lateral_mm; /* and lie this close to each other's line, mm */
    double len_ramp;        /* soft minimum length: +- this, mm */
    double count_len;       /* wrinkles.count: groups at least this long, mm */
    double line_k;          /* line support threshold (noise units); 0 = hysteresis only */
    double line_mm;         /* half-length of the line support, mm */
    double nms_width;       /* centreline: not within this many FWHM of a stronger ridge */
    double nms_dip;         /* ... unless R dips under this fraction between: another valley */
    double end_mm;          /* end direction read over this length; shorter pieces do not link */
    double end_in_mm, end_out_mm;    /* free ends: half-contrast point searched in this range */
    double end_ref0_mm, end_ref1_mm; /* reference contrast from the piece this far from the end */
    double end_avg_mm;               /* contrast averaged over +- this along the valley */
    double trace_min_mm;             /* pieces at least this long are followed */
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
    o->min_len = sk_params_get(p, "wrinkles.min_length_mm", 2.0);
    o->margin_mm = sk_params_get(p, "wrinkles.edge_margin_mm", 1.5);
    o->min_depth = sk_params_get(p, "wrinkles.min_depth", 1.0);
    o->max_db = sk_params_get(p, "wrinkles.max_db", 1.0);
    o->min_extent = sk_params_get(p, "wrinkles.min_extent", 0.6);
    o->gap_mm = sk_params_get(p, "wrinkles.gap_mm", 1.5);
    o->link_cos = sk_params_get(p, "wrinkles.link_cos", 0.7);
    o->link_lateral_mm = sk_params_get(p, "wrinkles.link_lateral_mm", 0.6);
    o->end_mm = sk_params_get(p, "wrinkles.end_mm", 1.5);
    o->len_ramp = sk_params_get(p, "wrinkles.length_ramp_mm", 0.5);
    o->count_len = sk_params_get(p, "wrinkles.count_min_length_mm", 4.0);
    o->line_k = sk_params_get(p, "wrinkles.line_k", 2.5);
    o->line_mm = sk_params_get(p, "wrinkles.line_mm", 1.0);
    o->nms_width = sk_params_get(p, "wrinkles.nms_width", 0.75);
    o->nms_dip = sk_params_get(p, "wrinkles.nms_dip", 0.6);
    o->end_in_mm = sk_params_get(p, "wrinkles.end_in_mm", 1.0);
    o->end_out_mm = sk_params_get(p, "wrinkles.end_out_mm", 1.5);
    o->end_ref0_mm = sk_params_get(p, "wrinkles.end_ref0_mm", 1.0);
    o->end_ref1_mm = sk_params_get(p, "wrinkles.end_ref1_mm", 2.5);
    o->end_avg_mm = sk_params_get(p, "wrinkles.end_avg_mm", 0.25);
    o->trace_min_mm = sk_params_get(p, "wrinkles.trace_min_mm", 1.5);
}

/* A connected centreline piece: its pixels are pts[first .. first + n),
 * length-weighted sums, its two ends (position and outward direction), and
 * its group (union-find parent) after linking. */
typedef struct wr_piece {
    int first, n, parent;
    double len, wid, dep, gaps;
    double db; /* b* on the line minus the mean of its sides, x length */
    float ex[2], ey[2], dx[2], dy[2];
    int valley;   /* darker than both sides and not yellower than them */
    float ext[2]; /* free ends: distance from the end pixel to the half-contrast end, px */
    int linked[2];
} wr_piece;

typedef struct wr_link {
    int a, b, ea, eb;
    float g; /* gap, px */
} wr_link;

typedef struct wr_key {
    float key;
    int i;
} wr_key;

static int wr_key_cmp(const void *x, const void *y)
{
    float a = ((const wr_key *)x)->key, b = ((const wr_key *)y)->key;
    return a < b ? -1 : a > b ? 1 : 0;
}

static int wr_link_cmp(const void *x, const void *y)
{
    float a = ((const wr_link *)x)->g, b = ((const wr_link *)y)->g;
    return a < b ? -1 : a > b ? 1 : 0;
}

static int wr_root(wr_piece *pc, int i)
{
    while (pc[i].parent != i) {
        pc[i].parent = pc[pc[i].parent].parent;
        i = pc[i].parent;
    }
    return i;
}

/* Ends of a piece: the extreme pixels along its main axis; the outward
 * direction at each end from the mean of the pixels within `reach` px of
 * it (the end of a curved valley points its own way). */
static void wr_piece_ends(wr_piece *c, const float *pts, double reach)
{
    const float *q = pts + 2 * (size_t)c->first;
    double mx = 0, my = 0, sxx = 0, sxy = 0, syy = 0;
    for (int i = 0; i < c->n; i++) {
        mx += q[2 * i];
        my += q[2 * i + 1];
    }
    mx /= c->n;
    my /= c->n;
    for (int i = 0; i < c->n; i++) {
        double ex = q[2 * i] - mx, ey = q[2 * i + 1] - my;
        sxx += ex * ex;
        sxy += ex * ey;
        syy += ey * ey;
    }
    double th = 0.5 * atan2(2 * sxy, sxx - syy), ux = cos(th), uy = sin(th);
    double lo = 1e30, hi = -1e30;
    int ilo = 0, ihi = 0;
    for (int i = 0; i < c->n; i++) {
        double t = (q[2 * i] - mx) * ux + (q[2 * i + 1] - my) * uy;
        if (t < lo) {
            lo = t;
            ilo = i;
        }
        if (t > hi) {
            hi = t;
            ihi = i;
        }
    }
    for (int e = 0; e < 2; e++) {
        int ie = e ? ihi : ilo;
        double px = q[2 * ie], py = q[2 * ie + 1], ax = 0, ay = 0, n = 0;
        for (int i = 0; i < c->n; i++)
            if (hypot(q[2 * i] - px, q[2 * i + 1] - py) <= reach) {
                ax += q[2 * i];
                ay += q[2 * i + 1];
                n += 1;
            }
        double vx = px - ax / n, vy = py - ay / n, vn = hypot(vx, vy);
        if (vn < 0.5) { /* too short to say: the main axis, outwards */
            vx = e ? ux : -ux;
            vy = e ? uy : -uy;
            vn = 1;
        }
        c->ex[e] = (float)px;
        c->ey[e] = (float)py;
        c->dx[e] = (float)(vx / vn);
        c->dy[e] = (float)(vy / vn);
    }
}

/* Valley contrast at (x, y) across the unit normal (nx, ny) for a valley of
 * FWHM fw (px): the mean L* of the two sides at +-1.5 fw minus L* on the
 * line, averaged over +-ha px along the tangent. Linear in L*, so blurring a
 * tapered end keeps its half-contrast point; the shading of a side-lit wall
 * (odd across the valley) cancels in the mean of the two sides. */
static float wr_contrast(const float *L, size_t st, int w, int h, float x, float y, float nx,
                         float ny, float fw, int ha)
{
    const float tx = -ny, ty = nx, a = 1.5f * fw;
    float s = 0;
    for (int k = -ha; k <= ha; k++) {
        float px = x + k * tx, py = y + k * ty;
        s += 0.5f * (sk_feat_sample(L, st, w, h, px + a * nx, py + a * ny) +
                     sk_feat_sample(L, st, w, h, px - a * nx, py - a * ny)) -
             sk_feat_sample(L, st, w, h, px, py);
    }
    return s / (float)(2 * ha + 1);
}

static int wr_float_cmp(const void *x, const void *y)
{
    float a = *(const float *)x, b = *(const float *)y;
    return a < b ? -1 : a > b ? 1 : 0;
}

/* What the trace of a free end reads. */
typedef struct wr_trace_in {
    const float *pts, *L, *Nx, *Ny, *inner;
    const int *label; /* piece of each centreline pixel, -1 elsewhere (w x h) */
    size_t st;
    int w, h, ha;
    double r0, r1, tin, tout, link_cos;
} wr_trace_in;

/* End of a valley at half its own contrast. The reference contrast is the
 * median over the piece's pixels between r0 and r1 px from the end (each
 * across its own normal), clear of the taper. The valley is then followed
 * from tin px inside the end pixel outwards, re-centred by up to half a
 * pixel a step onto the higher contrast, until its contrast drops under
 * half the reference (interpolated), the region ends, tout px are reached,
 * or it runs into another piece lying along it (*hit = that piece: the
 * faint stretch between them is bridged). Returns the signed distance of
 * the end from the end pixel (px, + outwards), so an end moves continuously
 * when the valley shortens or fades, whatever the noise level. */
static float wr_end_trace(const wr_trace_in *in, wr_piece *pc, int a, int e, float fw, int *hit)
{
    const wr_piece *c = &pc[a];
    const float *q = in->pts + 2 * (size_t)c->first;
    const float ex = c->ex[e], ey = c->ey[e];
    const size_t st = in->st;
    const int w = in->w, h = in->h;
    float buf[256];
    int nb = 0;
    *hit = -1;
    for (int i = 0; i < c->n && nb < 256; i++) {
        float d = hypotf(q[2 * i] - ex, q[2 * i + 1] - ey);
        if (d < in->r0 || d > in->r1)
            continue;
        size_t o = (size_t)q[2 * i + 1] * st + (size_t)q[2 * i];
        buf[nb++] =
            wr_contrast(in->L, st, w, h, q[2 * i], q[2 * i + 1], in->Nx[o], in->Ny[o], fw, in->ha);
    }
    if (nb < 3)
        return 0.0f;
    qsort(buf, (size_t)nb, sizeof *buf, wr_float_cmp);
    const float half = 0.5f * buf[nb / 2];
    if (!(half > 0))
        return 0.0f;
    const float dx = c->dx[e], dy = c->dy[e], nx = -dy, ny = dx;
    float x = ex - (float)in->tin * dx, y = ey - (float)in->tin * dy;
    float prev = NAN, tprev = 0;
    const int ra = wr_root(pc, a);
    for (float t = (float)-in->tin; t <= (float)in->tout; t += 0.5f) {
        if (x < 1 || y < 1 || x > w - 2 || y > h - 2 ||
            in->inner[(size_t)lroundf(y) * st + (size_t)lroundf(x)] == 0.0f)
            return t > 0 ? tprev : t; /* the region ends: the valley is cut here */
        float v = wr_contrast(in->L, st, w, h, x, y, nx, ny, fw, in->ha);
        if (t > 0) {
            float vp =
                wr_contrast(in->L, st, w, h, x + 0.5f * nx, y + 0.5f * ny, nx, ny, fw, in->ha);
            float vm =
                wr_contrast(in->L, st, w, h, x - 0.5f * nx, y - 0.5f * ny, nx, ny, fw, in->ha);
            if (vp > v && vp >= vm) {
                v = vp;
                x += 0.5f * nx;
                y += 0.5f * ny;
            } else if (vm > v) {
                v = vm;
                x -= 0.5f * nx;
                y -= 0.5f * ny;
            }
        }
        if (v < half) {
            if (!isfinite(prev))
                return t;
            return tprev + 0.5f * (prev - half) / (prev - v);
        }
        if (t > 1.5f && in->label) {
            int l = in->label[(size_t)lroundf(y) * w + (size_t)lroundf(x)];
            if (l >= 0 && l != a && pc[l].valley) {
                if (wr_root(pc, l) == ra)
                    return t; /* its own group again */
                size_t o = (size_t)lroundf(y) * st + (size_t)lroundf(x);
                if (fabsf(in->Nx[o] * nx + in->Ny[o] * ny) >= in->link_cos) {
                    *hit = l; /* a piece along the same valley */
                    return t;
                }
                /* a crossing line: go on across it */
            }
        }
        prev = v;
        tprev = t;
        x += 0.5f * dx;
        y += 0.5f * dy;
    }
    return (float)in->tout;
}

/* The least float s with (double)s / n >= k (n > 0): the test is monotone
 * in s, so it holds exactly for the floats from s on. */
static float wr_mean_floor(int n, double k)
{
    float s = (float)(k * n);
    while (s > -INFINITY && (double)nextafterf(s, -INFINITY) / n >= k)
        s = nextafterf(s, -INFINITY);
    while (!((double)s / n >= k))
        s = nextafterf(s, INFINITY);
    return s;
}

static void wr_release_gauss(void *p)
{
    sk_gauss_ws_free(p);
}

static int wr_emit(sk_metric_set_t *out, int phys, double count, double dens, double total,
                   double width, double depth, const char *reason)
{
    int rc;
    const char *r2 = reason ? reason : (isfinite(width) ? NULL : "no wrinkles found");
    if ((rc = sk_metric_set_add(out, "wrinkles.count", count, "count", SK_BETTER_LOWER, reason)) <
            0 ||
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
    size_t st, sm = sk_stride_for_width(ctx->w);
    float *L = sk_models_ws_plane(ws, "wrinkles.L", w, h, &st);
    float *msk = sk_models_ws_plane(ws, "wrinkles.mask", w, h, &st);
    float *inner = sk_models_ws_plane(ws, "wrinkles.inner", w, h, &st);
    float *Rm = sk_models_ws_plane(ws, "wrinkles.R", w, h, &st);
    float *Nx = sk_models_ws_plane(ws, "wrinkles.nx", w, h, &st);
    float *Ny = sk_models_ws_plane(ws, "wrinkles.ny", w, h, &st);
    /* the scale of each pixel's maximum: bytes, a quarter of the pages */
    uint8_t *Sk = sk_models_ws_bytes(ws, "wrinkles.k8", (size_t)h * st);
    float *H3 = sk_models_ws_plane(ws, "wrinkles.H", w, 3 * h, &st);
    if (!L || !msk || !inner || !Rm || !Nx || !Ny || !Sk || !H3)
        return SK_ERR_NOMEM;
    /* The photo-sized mask lives only until it is resized: in the Hessian
     * planes, not yet used, when they hold it (their pages are then touched
     * once, DESIGN §9), else in a plane of its own. */
    float *mf = (size_t)ctx->h * sm <= 3 * (size_t)h * st
                    ? H3
                    : sk_models_ws_plane(ws, "wrinkles.maskf", ctx->w, ctx->h, &sm);
    if (!mf)
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
        double wk =
            P.nscales > 1 ? P.wmin * pow(P.wmax / P.wmin, (double)k / (P.nscales - 1)) : P.wmin;
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
    float *row_la = sk_models_ws_bytes(ws, "wrinkles.row", sizeof(float) * 2 * (size_t)w);
    if (!row_la)
        return SK_ERR_NOMEM;
    /* kept in the workspace: a new Gaussian workspace per photo would pay
     * its page faults again (DESIGN §9) */
    sk_gauss_ws *gws =
        sk_models_ws_object(ws, "wrinkles.gauss", sizeof(sk_gauss_ws), wr_release_gauss);
    if (!gws)
        return sk_error_status() ? sk_error_status() : SK_ERR_NOMEM;
    if ((rc = sk_gauss_ws_ensure(gws, w, h)) < 0)
        return rc;
    /* The Laplacian for the noise goes to the mask plane, free after the
     * erosion (fewer planes: new memory is slow to touch, DESIGN §9). */
    float *lap = msk;
    double noise = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            Rm[(size_t)y * st + x] = 0.0f;
    for (int k = 0; k < P.nscales; k++) {
        float *hxx = H3, *hxy = H3 + plane, *hyy = H3 + 2 * plane;
        if ((rc = sk_filter_hessian(L, st, w, h, sig[k], hxx, hxy, hyy, st, gws)) < 0)
            return rc;
        const float s2 = (float)(sig[k] * sig[k]);
        {
            /* Noise of this scale: robust spread of its normalised Laplacian
             * over the skin (micro-relief, sensor and JPEG noise). The ridge
             * strength is kept in units of it, so every width is judged
             * against the texture at its own scale. */
            const int step = 2; /* sk_feat_noise reads only every step-th row */
            for (int y = 0; y < h; y += step)
                for (int x = 0; x < w; x++) {
                    size_t i = (size_t)y * st + x;
                    lap[i] = s2 * (hxx[i] + hyy[i]);
                }
            noise = sk_feat_noise(lap, st, inner, st, w, h, step);
            if (!isfinite(noise) || noise < 1e-3)
                noise = 1e-3;
        }
        const float inv_noise = (float)(1.0 / noise);
        const float ib2 = (float)(1.0 / (2.0 * P.beta * P.beta));
        const sk_ridge_max_params rp = {s2, ib2, inv_noise, k};
        for (int y = 0; y < h; y++) {
            const size_t o = (size_t)y * st;
            sk_filter_ridge_max_row(hxx + o, hxy + o, hyy + o, w, &rp, Rm + o, Sk + o, Nx + o,
                                    Ny + o, row_la);
        }
    }
    const float thi = (float)P.k_hi, tlo = (float)P.k_lo, dip = (float)P.nms_dip;
    int nms_reach[WR_MAX_SCALES], reach_max = 1;
    for (int k = 0; k < P.nscales; k++) {
        nms_reach[k] = (int)lround(P.nms_width * 2.3548 * sig[k] / M_SQRT2);
        reach_max = nms_reach[k] > reach_max ? nms_reach[k] : reach_max;
    }

    /* Centrelines: ridge pixels not smaller than their two neighbours across
     * the valley (non-maximum suppression along the normal), above the low
     * threshold, inside the eroded skin. 1 = centreline; 2 = seed (above the
     * high threshold). */
    uint8_t *cl = sk_models_ws_bytes(ws, "wrinkles.cl", (size_t)w * h);
    if (!cl)
        return SK_ERR_NOMEM;
    /* The three Hessian planes (3 h st >= 3 w h floats) are free now: the
     * centreline points (2 w h) and the stack of the growth (w h), so no
     * new memory is touched. */
    float *pts = H3;
    int *stack = (int *)(H3 + 2 * (size_t)w * h);
    memset(cl, 0, (size_t)w * h);
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            size_t i = (size_t)y * st + x;
            float r = Rm[i];
            if (!(r > tlo) || inner[i] == 0.0f)
                continue;
            /* every sample below lies within reach_max (x 1.000001: a unit
             * normal) of p: away from the border, no clamps */
            const int inside =
                x > reach_max && y > reach_max && x < w - reach_max - 2 && y < h - reach_max - 2;
#define WR_RM(sx, sy)                                                                              \
    (inside ? sk_feat_sample_inside(Rm, st, sx, sy) : sk_feat_sample(Rm, st, w, h, sx, sy))
            float a = WR_RM(x + Nx[i], y + Ny[i]);
            float b = WR_RM(x - Nx[i], y - Ny[i]);
            if (!(r >= a && r > b))
                continue;
            /* and not inside the width of a stronger ridge: the shaded wall
             * of a valley makes a weaker parallel ridge beside it. The width
             * is the stronger ridge's own (nms_width FWHM of its scale), so
             * a narrow line or pore edge does not wipe out a broad valley
             * beside it; and a stronger ridge beyond a dip of R under
             * nms_dip * R(p) is a second valley, not this one's wall, so two
             * close parallel wrinkles keep both centrelines. */
            int top = 1;
            for (int sgn = -1; sgn <= 1 && top; sgn += 2) {
                const float fx = sgn * Nx[i], fy = sgn * Ny[i];
                /* lowest R so far, walking out; once it has dipped, nothing
                 * further out can suppress p on this side */
                float lo = sgn > 0 ? a : b;
                for (int d = 2; d <= reach_max && !(lo < dip * r); d++) {
                    const float sx = x + d * fx, sy = y + d * fy;
                    const float v = WR_RM(sx, sy);
                    if (v > r) {
                        int ix = (int)lroundf(sx), iy = (int)lroundf(sy);
                        ix = ix < 0 ? 0 : ix > w - 1 ? w - 1 : ix;
                        iy = iy < 0 ? 0 : iy > h - 1 ? h - 1 : iy;
                        if (d <= nms_reach[Sk[(size_t)iy * st + ix]]) {
                            top = lo < dip * r;
                            break;
                        }
                    }
                    lo = v < lo ? v : lo;
                }
            }
#undef WR_RM
            if (top)
                cl[(size_t)y * w + x] = r > thi ? 2 : 1;
        }
    /* Line support: the mean ridge strength along the valley's tangent over
     * +-line_mm (following it within +-1 px aside). A wrinkle keeps its
     * strength along a straight stretch; texture, pores and the curved rim
     * of a spot or scar do not. When line_k > 0, only supported centreline
     * pixels remain, all as seeds. */
    if (P.line_k > 0) {
        const int T = (int)lround(P.line_mm / q);
        /* the mean test sum / (2T + 1) >= line_k (in double) holds from
         * one float sum on: that sum, found once, is the test */
        const float smin = wr_mean_floor(2 * T + 1, P.line_k);
        for (int y = 1; y < h - 1; y++)
            for (int x = 1; x < w - 1; x++) {
                uint8_t *c = &cl[(size_t)y * w + x];
                if (!*c)
                    continue;
                size_t i = (size_t)y * st + x;
                const float nx = Nx[i], ny = Ny[i], tx = -ny, ty = nx;
                /* Every term is >= 0 (R >= 0), so the partial sum only
                 * grows: once its mean over the whole stretch reaches
                 * line_k, the full one does too and the rest is not read.
                 * Each coordinate is monotone in t and in the offset, so
                 * when the four corners of the stretch are inside the plane
                 * so is every sample, and the clamps are skipped. */
                const float xa = x - T * tx - nx, xb = x - T * tx + nx, xc = x + T * tx - nx,
                            xd = x + T * tx + nx;
                const float ya = y - T * ty - ny, yb = y - T * ty + ny, yc = y + T * ty - ny,
                            yd = y + T * ty + ny;
                const float lo_x = fminf(fminf(xa, xb), fminf(xc, xd)),
                            hi_x = fmaxf(fmaxf(xa, xb), fmaxf(xc, xd)),
                            lo_y = fminf(fminf(ya, yb), fminf(yc, yd)),
                            hi_y = fmaxf(fmaxf(ya, yb), fmaxf(yc, yd));
                const int inside =
                    lo_x >= 0 && lo_y >= 0 && hi_x < (float)(w - 1) && hi_y < (float)(h - 1);
                float sum = 0;
                for (int t = -T; t <= T && sum < smin; t++) {
                    float best = 0;
                    for (int off = -1; off <= 1; off++) {
                        const float sx = x + t * tx + off * nx, sy = y + t * ty + off * ny;
                        float v = inside ? sk_feat_sample_inside(Rm, st, sx, sy)
                                         : sk_feat_sample(Rm, st, w, h, sx, sy);
                        best = v > best ? v : best;
                    }
                    sum += best;
                }
                *c = sum >= smin ? 2 : 0;
            }
    }

    /* Connected centreline pieces (8-neighbours), grown from seeds. Length
     * of a centreline pixel: 1 / max(|tx|, |ty|) for the tangent t, so that
     * a digital line at any angle sums to its Euclidean length (no
     * orientation bias). Each piece's pixels go to pts, one piece after
     * another. */
    size_t pcap = (size_t)w * h / 8 + 64, npc = 0;
    wr_piece *pc = sk_models_ws_bytes(ws, "wrinkles.pieces", pcap * sizeof *pc);
    if (!pc)
        return SK_ERR_NOMEM;
    int npts = 0;
    for (int y0 = 1; y0 < h - 1 && npc < pcap; y0++)
        for (int x0 = 1; x0 < w - 1 && npc < pcap; x0++) {
            if (cl[(size_t)y0 * w + x0] != 2)
                continue;
            int sp = 0, first = npts;
            stack[sp++] = y0 * w + x0;
            cl[(size_t)y0 * w + x0] = 3;
            wr_piece *c = &pc[npc];
            memset(c, 0, sizeof *c);
            while (sp) {
                int j = stack[--sp];
                int x = j % w, y = j / w;
                size_t i = (size_t)y * st + x;
                float nx = Nx[i], ny = Ny[i];
                float tl = 1.0f / fmaxf(fabsf(ny), fabsf(nx));
                {
                    /* a centreline two pixels thick here: each counts half */
                    int k = 1;
                    int xa = (int)lroundf(x + nx), ya = (int)lroundf(y + ny);
                    int xb = (int)lroundf(x - nx), yb = (int)lroundf(y - ny);
                    k += (xa != x || ya != y) && cl[(size_t)ya * w + xa] != 0;
                    k += (xb != x || yb != y) && cl[(size_t)yb * w + xb] != 0;
                    tl /= (float)k;
                }
                double fw = 2.3548 * sig[Sk[i]] / M_SQRT2; /* FWHM, px */
                float c0 = sk_feat_sample(L, st, w, h, (float)x, (float)y);
                float c1 = sk_feat_sample(L, st, w, h, x + (float)(1.5 * fw) * nx,
                                          y + (float)(1.5 * fw) * ny);
                float c2 = sk_feat_sample(L, st, w, h, x - (float)(1.5 * fw) * nx,
                                          y - (float)(1.5 * fw) * ny);
                c->len += tl;
                c->wid += tl * fw;
                /* the shallower side: a valley is darker than both sides;
                 * the dark side of a pigmented spot's edge is not */
                c->dep += tl * (fminf(c1, c2) - c0);
                if (ctx->B) {
                    /* b* from the photo's own grid: a pigmented line is
                     * yellower than its sides; a shaded valley is not */
                    const float sc = (float)(q / p), h1 = 1.5f * (float)fw;
                    float bx = (x + 0.5f) * sc - 0.5f, by = (y + 0.5f) * sc - 0.5f;
                    float b0 = sk_feat_sample(ctx->B, ctx->stride, ctx->w, ctx->h, bx, by);
                    float b1 = sk_feat_sample(ctx->B, ctx->stride, ctx->w, ctx->h,
                                              bx + h1 * sc * nx, by + h1 * sc * ny);
                    float b2 = sk_feat_sample(ctx->B, ctx->stride, ctx->w, ctx->h,
                                              bx - h1 * sc * nx, by - h1 * sc * ny);
                    c->db += tl * (b0 - 0.5f * (b1 + b2));
                }
                pts[2 * npts] = (float)x;
                pts[2 * npts + 1] = (float)y;
                npts++;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = x + dx, yy = y + dy;
                        if (xx < 1 || yy < 1 || xx >= w - 1 || yy >= h - 1)
                            continue;
                        uint8_t *cc = &cl[(size_t)yy * w + xx];
                        if (*cc == 1 || *cc == 2) {
                            *cc = 3;
                            stack[sp++] = yy * w + xx;
                        }
                    }
            }
            c->first = first;
            c->n = npts - first;
            c->valley = c->dep >= P.min_depth * c->len && c->db <= P.max_db * c->len;
            c->parent = (int)npc;
            wr_piece_ends(c, pts, P.end_mm / q);
            npc++;
        }

    /* Linking: a valley crossed by a pore, or fading for a stretch, breaks
     * into pieces end to end. Two ends closer than gap_mm join when both
     * point at each other (within acos(link_cos)) and the second lies
     * near the line of the first; nearest pairs first, each end once.
     * Only valley pieces (darker than both sides) of at least end_mm
     * take part, so texture does not chain up. */
    const double gap = P.gap_mm / q, lat = P.link_lateral_mm / q;
    size_t ncand = 0, lcap = 4 * pcap;
    wr_link *lk = sk_models_ws_bytes(ws, "wrinkles.links", lcap * sizeof *lk);
    if (!lk)
        return SK_ERR_NOMEM;
    /* pieces that may link, by the left end of their ends: a sweep along x
     * keeps the pair search near-linear */
    wr_key *ord = sk_models_ws_bytes(ws, "wrinkles.order", (npc + 1) * sizeof *ord);
    if (!ord)
        return SK_ERR_NOMEM;
    size_t nel = 0;
    for (size_t a = 0; a < npc; a++)
        if (pc[a].len * q >= P.end_mm && pc[a].valley)
            ord[nel++] = (wr_key){fminf(pc[a].ex[0], pc[a].ex[1]), (int)a};
    qsort(ord, nel, sizeof *ord, wr_key_cmp);
    for (size_t ia = 0; ia < nel; ia++) {
        const size_t a = (size_t)ord[ia].i;
        const wr_piece *A = &pc[a];
        const float right = fmaxf(A->ex[0], A->ex[1]);
        for (size_t ib = ia + 1; ib < nel && ord[ib].key <= right + gap; ib++) {
            const size_t b = (size_t)ord[ib].i;
            const wr_piece *B = &pc[b];
            for (int ea = 0; ea < 2; ea++)
                for (int eb = 0; eb < 2; eb++) {
                    double gx = B->ex[eb] - A->ex[ea], gy = B->ey[eb] - A->ey[ea];
                    double g = hypot(gx, gy);
                    if (g > gap)
                        continue;
                    double ca = A->dx[ea] * B->dx[eb] + A->dy[ea] * B->dy[eb];
                    if (-ca < P.link_cos)
                        continue; /* the two ends must face each other */
                    if (g > 2.0) {
                        double u = (gx * A->dx[ea] + gy * A->dy[ea]) / g,
                               v = -(gx * B->dx[eb] + gy * B->dy[eb]) / g;
                        double off = fabs(gx * A->dy[ea] - gy * A->dx[ea]);
                        if (u < P.link_cos || v < P.link_cos || off > lat)
                            continue;
                    }
                    if (ncand < lcap)
                        lk[ncand++] = (wr_link){(int)a, (int)b, ea, eb, (float)g};
                }
        }
    }
    qsort(lk, ncand, sizeof *lk, wr_link_cmp);
    for (size_t l = 0; l < ncand; l++) {
        wr_piece *A = &pc[lk[l].a], *B = &pc[lk[l].b];
        if (A->linked[lk[l].ea] || B->linked[lk[l].eb])
            continue;
        int ra = wr_root(pc, lk[l].a), rb = wr_root(pc, lk[l].b);
        if (ra == rb)
            continue; /* no loops */
        A->linked[lk[l].ea] = B->linked[lk[l].eb] = 1;
        if (rb < ra) { /* the root is the group's first piece */
            int t = ra;
            ra = rb;
            rb = t;
        }
        pc[rb].parent = ra;
        pc[ra].gaps += pc[rb].gaps + lk[l].g;
        pc[rb].gaps = 0;
    }
    /* Free ends (not linked): followed along the valley to half its own
     * contrast, bridging to a piece further along the same valley. */
    if (P.end_in_mm > 0) {
        int *label = stack; /* free again after the pieces were grown */
        for (size_t i = 0; i < (size_t)w * h; i++)
            label[i] = -1;
        for (size_t a = 0; a < npc; a++)
            for (int i = 0; i < pc[a].n; i++) {
                const float *pp = pts + 2 * ((size_t)pc[a].first + i);
                label[(size_t)pp[1] * w + (size_t)pp[0]] = (int)a;
            }
        wr_trace_in tin = {.pts = pts,
                           .L = L,
                           .Nx = Nx,
                           .Ny = Ny,
                           .inner = inner,
                           .label = label,
                           .st = st,
                           .w = w,
                           .h = h,
                           .ha = (int)lround(P.end_avg_mm / q),
                           .tout = P.end_out_mm / q,
                           .link_cos = P.link_cos};
        for (size_t a = 0; a < npc; a++) {
            wr_piece *c = &pc[a];
            c->ext[0] = c->ext[1] = 0.0f;
            double lenmm = c->len * q;
            if (lenmm < P.trace_min_mm || !c->valley)
                continue;
            float fw = (float)(c->wid / c->len);
            tin.r0 = fmin(P.end_ref0_mm, 0.3 * lenmm) / q;
            tin.r1 = fmin(P.end_ref1_mm, 0.8 * lenmm) / q;
            tin.tin = fmin(P.end_in_mm, 0.3 * lenmm) / q;
            for (int e = 0; e < 2; e++) {
                if (c->linked[e])
                    continue;
                int hit;
                float t = wr_end_trace(&tin, pc, (int)a, e, fw, &hit);
                if (hit >= 0) {
                    wr_piece *B = &pc[hit];
                    int eb = hypotf(B->ex[1] - c->ex[e], B->ey[1] - c->ey[e]) <
                             hypotf(B->ex[0] - c->ex[e], B->ey[0] - c->ey[e]);
                    int ra = wr_root(pc, (int)a), rb = wr_root(pc, hit);
                    c->linked[e] = 1;
                    B->linked[eb] = 1;
                    B->ext[eb] = 0.0f;
                    if (rb < ra) {
                        int tmp = ra;
                        ra = rb;
                        rb = tmp;
                    }
                    pc[rb].parent = ra;
                    pc[ra].gaps += pc[rb].gaps;
                    pc[rb].gaps = 0;
                }
                c->ext[e] = t;
            }
        }
    }
    /* A chain of links that turns back on itself (two crossing lines joined
     * at the crossing, a loop round a cluster of pores) is not one line:
     * such a group falls back to its pieces, each judged on its own below,
     * rather than being dropped whole with them. */
    if (P.min_extent > 0) {
        double *gm = sk_models_ws_bytes(ws, "wrinkles.gmom", sizeof(double) * 11 * (npc + 1));
        if (!gm)
            return SK_ERR_NOMEM;
        memset(gm, 0, sizeof(double) * 11 * (npc + 1));
        for (size_t a = 0; a < npc; a++) {
            double *m = gm + 11 * (size_t)wr_root(pc, (int)a);
            const float *pp = pts + 2 * (size_t)pc[a].first;
            for (int i = 0; i < pc[a].n; i++) {
                double x = pp[2 * i], y = pp[2 * i + 1];
                m[0] += 1;
                m[1] += x;
                m[2] += y;
                m[3] += x * x;
                m[4] += x * y;
                m[5] += y * y;
            }
            m[6] += pc[a].len + pc[a].ext[0] + pc[a].ext[1] + pc[a].gaps;
            m[9] += 1; /* pieces */
        }
        for (size_t r = 0; r < npc; r++) {
            double *m = gm + 11 * r;
            if (m[9] < 2)
                continue;
            double mx = m[1] / m[0], my = m[2] / m[0];
            double sxx = m[3] / m[0] - mx * mx, sxy = m[4] / m[0] - mx * my,
                   syy = m[5] / m[0] - my * my;
            double th = 0.5 * atan2(2 * sxy, sxx - syy);
            m[1] = mx;
            m[2] = my;
            m[3] = cos(th);
            m[4] = sin(th);
            m[7] = 1e30;
            m[8] = -1e30;
        }
        for (size_t a = 0; a < npc; a++) {
            double *m = gm + 11 * (size_t)wr_root(pc, (int)a);
            if (m[9] < 2)
                continue;
            const float *pp = pts + 2 * (size_t)pc[a].first;
            for (int i = 0; i < pc[a].n; i++) {
                double t = (pp[2 * i] - m[1]) * m[3] + (pp[2 * i + 1] - m[2]) * m[4];
                m[7] = fmin(m[7], t);
                m[8] = fmax(m[8], t);
            }
        }
        for (size_t a = 0; a < npc; a++) {
            int r = wr_root(pc, (int)a);
            const double *m = gm + 11 * (size_t)r;
            if (m[9] < 2 || m[8] - m[7] >= P.min_extent * m[6])
                continue;
            gm[11 * a + 10] = 1; /* unlink after the pass */
        }
        for (size_t a = 0; a < npc; a++) {
            if (gm[11 * a + 10] == 0)
                continue;
            pc[a].parent = (int)a;
            pc[a].gaps = 0;
            for (int e = 0; e < 2; e++)
                if (pc[a].linked[e]) {
                    pc[a].linked[e] = 0;
                    pc[a].ext[e] = 0.0f;
                }
        }
    }
    /* Group sums at the roots. */
    for (size_t a = 0; a < npc; a++) {
        int r = wr_root(pc, (int)a);
        if (r == (int)a)
            continue;
        pc[r].len += pc[a].len;
        pc[r].wid += pc[a].wid;
        pc[r].dep += pc[a].dep;
        pc[r].db += pc[a].db;
        pc[r].gaps += pc[a].ext[0] + pc[a].ext[1];
    }

    /* Each group (a wrinkle) is kept when long enough. Its length: its
     * pixels, the bridged gaps, and at each free end the signed distance
     * from the end pixel to the half-contrast end. (With end_in_mm = 0, the
     * former rule: the ridge response runs on past each end by about half
     * the valley's width, so one mean width comes off each wrinkle.) */
    double count = 0, total = 0, mtotal = 0, wsum = 0, dsum = 0;
    float *gp = sk_models_ws_bytes(ws, "wrinkles.gpts", sizeof(float) * 2 * ((size_t)npts + 1));
    float *key = sk_models_ws_bytes(ws, "wrinkles.key", sizeof(float) * ((size_t)npts + 1));
    if (!gp || !key)
        return SK_ERR_NOMEM;
    for (size_t a = 0; a < npc; a++) {
        wr_piece *c = &pc[a];
        if (c->parent != (int)a)
            continue;
        double len, wid = c->wid, dep = c->dep;
        if (P.end_in_mm > 0) {
            c->gaps += c->ext[0] + c->ext[1];
            len = c->len + c->gaps;
        } else {
            len = c->len + c->gaps;
            double fw_mean = wid / c->len;
            wid -= fw_mean * fw_mean;
            dep -= fw_mean * (dep / c->len);
            len -= fw_mean;
        }
        /* Soft minimum length: a wrinkle counts fully from min_len +
         * len_ramp, not at all below min_len - len_ramp, in proportion
         * between, so a piece near the limit that a re-capture breaks or
         * joins moves the total a little, not by its whole length. */
        double wl = P.len_ramp > 0 ? (len * q - (P.min_len - P.len_ramp)) / (2 * P.len_ramp)
                                   : (len * q >= P.min_len ? 1.0 : 0.0);
        wl = wl < 0 ? 0 : wl > 1 ? 1 : wl;
        if (wl <= 0 || dep / (len - c->gaps) < P.min_depth || c->db > P.max_db * c->len)
            continue;
        /* the group's pixels, in one list */
        int np = 0;
        for (size_t b = a; b < npc; b++) {
            if (wr_root(pc, (int)b) != (int)a)
                continue;
            memcpy(gp + 2 * np, pts + 2 * pc[b].first, sizeof(float) * 2 * pc[b].n);
            np += pc[b].n;
        }
        /* Extent along the main axis: a loop around a cluster of pores can
         * be long but is not a line. */
        double mx = 0, my = 0;
        for (int i = 0; i < np; i++) {
            mx += gp[2 * i];
            my += gp[2 * i + 1];
        }
        mx /= np;
        my /= np;
        double sxx = 0, sxy = 0, syy = 0;
        for (int i = 0; i < np; i++) {
            double ex = gp[2 * i] - mx, ey = gp[2 * i + 1] - my;
            sxx += ex * ex;
            sxy += ex * ey;
            syy += ey * ey;
        }
        double th = 0.5 * atan2(2 * sxy, sxx - syy), ux = cos(th), uy = sin(th);
        double lo = 1e30, hi = -1e30;
        for (int i = 0; i < np; i++) {
            key[i] = (float)((gp[2 * i] - mx) * ux + (gp[2 * i + 1] - my) * uy);
            lo = fmin(lo, key[i]);
            hi = fmax(hi, key[i]);
        }
        if ((hi - lo) < P.min_extent * len)
            continue;
        int counted = len * q >= P.count_len;
        count += counted;
        total += wl * len;
        mtotal += wl * (len - c->gaps);
        wsum += wl * wid;
        dsum += wl * dep;
        if (det) {
            /* Order the points along the main axis so the polyline reads
             * end to end (wrinkles are nearly straight at this scale):
             * shell sort by projection. */
            for (int gap2 = np / 2; gap2 > 0; gap2 /= 2)
                for (int i = gap2; i < np; i++)
                    for (int j = i; j >= gap2 && key[j - gap2] > key[j]; j -= gap2) {
                        float t = key[j];
                        key[j] = key[j - gap2];
                        key[j - gap2] = t;
                        float u0 = gp[2 * j], u1 = gp[2 * j + 1];
                        gp[2 * j] = gp[2 * (j - gap2)];
                        gp[2 * j + 1] = gp[2 * (j - gap2) + 1];
                        gp[2 * (j - gap2)] = u0;
                        gp[2 * (j - gap2) + 1] = u1;
                    }
            double sc = q / p; /* working grid -> base image pixels */
            int bx0 = 1 << 30, by0 = 1 << 30, bx1 = -1, by1 = -1;
            for (int i = 0; i < np; i++) {
                gp[2 * i] = (float)((gp[2 * i] + 0.5) * sc - 0.5);
                gp[2 * i + 1] = (float)((gp[2 * i + 1] + 0.5) * sc - 0.5);
                int ix = (int)gp[2 * i], iy = (int)gp[2 * i + 1];
                bx0 = ix < bx0 ? ix : bx0;
                by0 = iy < by0 ? iy : by0;
                bx1 = ix > bx1 ? ix : bx1;
                by1 = iy > by1 ? iy : by1;
            }
            long first = sk_detections_add_points(det, gp, (size_t)np);
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
            d->diameter = (float)(wid / (len - c->gaps) * sc);
            d->contrast = (float)(dep / (len - c->gaps));
            d->first_point = (int)first;
            d->n_points = np;
        }
    }
    double area_cm2 = inner_n * q * q / 100.0;
    double unit = phys ? q : q / p; /* mm, or base-image px */
    double dens = phys ? total * q / area_cm2 : total * unit / (inner_n * (q / p) * (q / p) / 1e6);
    /* width and depth: weighted by the measured (not the bridged) length */
    return wr_emit(out, phys, count, dens, total * unit, mtotal > 0 ? wsum / mtotal * unit : NAN,
                   mtotal > 0 ? dsum / mtotal : NAN, NULL);
}
