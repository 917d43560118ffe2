/* Pores: small dark round blobs of a physical size range (default 0.10-0.50 mm
 * across), found as maxima of the scale-normalised Laplacian-of-Gaussian scale
 * space of L* (dark polarity), kept when their response stands clear of the
 * photo's own band-pass noise. Formulas and parameters: docs/metrics/pores.md. */
#include "pfeat.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define PORES_MAX_SCALES 16

typedef struct pores_params {
    double dmin, dmax;    /* mm */
    int nscales;          /* scales inside [dmin, dmax] */
    double needs;         /* coarsest mm/px at which pores are measured */
    double k_noise;       /* threshold in robust noise sigmas of each scale */
    double min_contrast;  /* ΔL* floor */
    double max_contrast;  /* ΔL* ceiling: darker blobs are spots, not pores */
    double min_roundness; /* smaller/larger Hessian eigenvalue */
    double margin_mm;     /* distance kept from the skin-mask edge */
} pores_params;

static void release_blob(void *p)
{
    sk_blob_ws_free(p);
}

static void pores_params_read(const sk_params_t *p, pores_params *o)
{
    o->dmin = sk_params_get(p, "pores.min_diameter_mm", 0.10);
    o->dmax = sk_params_get(p, "pores.max_diameter_mm", 0.50);
    o->nscales = (int)sk_params_get(p, "pores.scales", 6);
    o->needs = sk_params_get(p, "pores.needs_mm_per_px", 0.05);
    o->k_noise = sk_params_get(p, "pores.k_noise", 5.0);
    o->min_contrast = sk_params_get(p, "pores.min_contrast", 1.5);
    o->max_contrast = sk_params_get(p, "pores.max_contrast", 25.0);
    o->min_roundness = sk_params_get(p, "pores.min_roundness", 0.35);
    o->margin_mm = sk_params_get(p, "pores.edge_margin_mm", 0.75);
}

/* Emit the four metrics in their fixed order. */
static int pores_emit(sk_metric_set_t *out, int physical, double count, double density, double diam,
                      double area_pct, const char *reason)
{
    int rc;
    const char *dreason = reason ? reason : isfinite(diam) ? NULL : "no pores found";
    if ((rc = sk_metric_set_add(out, "pores.count", count, "count", SK_BETTER_LOWER, reason)) < 0 ||
        (rc = sk_metric_set_add(out, "pores.density", density, physical ? "1/cm2" : "1/MP",
                                SK_BETTER_LOWER, reason)) < 0 ||
        (rc = sk_metric_set_add(out, "pores.mean_diameter", diam, physical ? "mm" : "px",
                                SK_BETTER_LOWER, dreason)) < 0 ||
        (rc = sk_metric_set_add(out, "pores.area_pct", area_pct, "%", SK_BETTER_LOWER, reason)) < 0)
        return rc;
    return SK_OK;
}

typedef struct pore_cand {
    float x, y, r; /* r: response sigma^2 lap (ΔL* / 2 for a Gaussian blob) */
    int k;         /* scale index */
} pore_cand;

static int cand_cmp(const void *a, const void *b)
{
    float ra = ((const pore_cand *)a)->r, rb = ((const pore_cand *)b)->r;
    return (ra < rb) - (ra > rb); /* strongest first */
}

/* Scale-normalised Hessian (Dxx, Dxy, Dyy) of L at one point, from a k x k
 * patch dotted with the bank's four oriented second derivatives (theta = 0,
 * 45, 90, 135 deg: Dxx = f0, Dyy = f90, Dxy = (f45 - f135) / 2). */
static void point_hessian(const float *L, size_t s, int w, int h, int cx, int cy, int k,
                          const float *W, float *patch, double *dxx, double *dxy, double *dyy)
{
    int c = k / 2;
    for (int i = 0; i < k; i++) {
        int yy = cy + i - c;
        yy = yy < 0 ? 0 : yy >= h ? h - 1 : yy;
        for (int j = 0; j < k; j++) {
            int xx = cx + j - c;
            xx = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
            patch[i * k + j] = L[(size_t)yy * s + xx];
        }
    }
    float f[4];
    sk_blas_linear_score(patch, (size_t)(k * k), 1, k * k, W, 4, NULL, f, 4);
    *dxx = f[0];
    *dyy = f[2];
    *dxy = 0.5 * (f[1] - f[3]);
}

int sk_pores_measure(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, sk_metric_set_t *out,
                     sk_detections_t *det)
{
    if (!ctx || !ws || !out)
        return sk_error_set(SK_ERR_ARG, "pores: NULL argument");
    pores_params P;
    pores_params_read(ctx->params, &P);
    const int phys = ctx->physical;
    const double p = ctx->mm_per_px;
    if (!phys)
        return pores_emit(out, 0, NAN, NAN, NAN, NAN,
                          "pores need a known scale of 0.05 mm/px or finer; the scale is unknown");
    if (!(p > 0) || p > P.needs + 1e-9)
        return pores_emit(out, 1, NAN, NAN, NAN, NAN,
                          "pores need 0.05 mm/px or finer; the photo is coarser");
    if (P.nscales < 2)
        P.nscales = 2;
    if (P.nscales > PORES_MAX_SCALES - 2)
        P.nscales = PORES_MAX_SCALES - 2;
    const int w = ctx->w, h = ctx->h;
    int rc;
    size_t st;

    /* Analysed region: skin eroded by the margin (and by the largest kernel's
     * reach, so no response is shaped by non-skin). */
    float *mf = sk_models_ws_plane(ws, "pores.maskf", w, h, &st);
    float *inner = sk_models_ws_plane(ws, "pores.inner", w, h, &st);
    if (!mf || !inner)
        return SK_ERR_NOMEM;
    sk_feat_mask_to_float(ctx->skin, ctx->mask_stride, w, h, mf, st);
    const double ratio = pow(P.dmax / P.dmin, 1.0 / (P.nscales - 1));
    const int ns = P.nscales + 2; /* one guard scale either side */
    double sig[PORES_MAX_SCALES];
    for (int k = 0; k < ns; k++)
        sig[k] = P.dmin * pow(ratio, k - 1) / (2.0 * M_SQRT2) / p;
    int margin = (int)ceil(P.margin_mm / p);
    double inner_n = sk_feat_erode(ws, "pores.erode_ws", mf, st, w, h, margin, inner, st);
    if (inner_n < 0)
        return (int)inner_n;
    const double min_skin_px = 1.0 / (p * p); /* 1 mm^2 */
    if (inner_n < 25 * min_skin_px)
        return pores_emit(out, 1, NAN, NAN, NAN, NAN, "too little skin for pores (under 25 mm2)");

    /* Scale-normalised LoG of L* (dark polarity) at each scale, from the blob
     * kernels. Threshold per scale: k_noise robust sigmas of that scale's
     * response over the skin (the band-passed noise, JPEG blocks included),
     * never below the ΔL* floor (a Gaussian blob of depth A responds A / 2). */
    /* kept in the workspace: its planes grow once and stay (DESIGN §9) */
    sk_blob_ws *bws = sk_models_ws_object(ws, "pores.blob_ws", sizeof(sk_blob_ws), release_blob);
    if (!bws)
        return sk_error_status() ? sk_error_status() : SK_ERR_NOMEM;
    float *R = sk_models_ws_plane(ws, "pores.R", w, h, &st);
    uint8_t *inb = sk_models_ws_bytes(ws, "pores.innerb", (size_t)w * (size_t)h);
    if (!R || !inb) {
        return SK_ERR_NOMEM;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            inb[(size_t)y * w + x] = inner[(size_t)y * st + x] > 0.5f;
    double thr[PORES_MAX_SCALES], tmin = INFINITY;
    /* The noise level is measured in a window of at most 512 x 384 px
     * centred on the skin's centroid (the whole plane when the window holds
     * too little skin): a robust spread does not need every pixel, and this
     * keeps the extra LoG passes cheap. */
    int cw = w < 512 ? w : 512, chh = h < 384 ? h : 384, cx0 = 0, cy0 = 0;
    {
        double sx = 0, sy = 0;
        for (int y = 0; y < h; y += 4)
            for (int x = 0; x < w; x += 4)
                if (inner[(size_t)y * st + x] > 0.5f) {
                    sx += x;
                    sy += y;
                }
        double nn = inner_n / 16.0;
        if (nn > 0) {
            cx0 = (int)(sx / nn) - cw / 2;
            cy0 = (int)(sy / nn) - chh / 2;
        }
        cx0 = cx0 < 0 ? 0 : cx0 > w - cw ? w - cw : cx0;
        cy0 = cy0 < 0 ? 0 : cy0 > h - chh ? h - chh : cy0;
        double in_win = 0;
        for (int y = cy0; y < cy0 + chh; y++)
            for (int x = cx0; x < cx0 + cw; x++)
                in_win += inner[(size_t)y * st + x];
        if (in_win < 0.1 * cw * chh) {
            cw = w;
            chh = h;
            cx0 = cy0 = 0;
        }
    }
    const size_t off = (size_t)cy0 * st + (size_t)cx0,
                 offL = (size_t)cy0 * ctx->stride + (size_t)cx0;
    for (int k = 0; k < ns; k++) {
        if ((rc = sk_blob_log(ctx->L + offL, ctx->stride, cw, chh, sig[k], 1, R, st, bws)) < 0) {
            return rc;
        }
        double nz = sk_feat_noise(R, st, inner + off, st, cw, chh, 1);
        if (!isfinite(nz))
            nz = 0;
        thr[k] = fmax(P.k_noise * nz, 0.5 * P.min_contrast);
        if (k > 0 && k < ns - 1)
            tmin = fmin(tmin, thr[k]);
    }

    /* 3-D (x, y, scale) maxima, then only those at the inner scales are kept:
     * a blob whose response peaks at a guard scale is smaller or larger than
     * a pore (pigmented spots peak at the upper guard or beyond). */
    size_t capc = (size_t)(inner_n / 4) + 1024, ncand = 0;
    sk_blob_t *blobs = sk_models_ws_bytes(ws, "pores.blobs", capc * sizeof *blobs);
    pore_cand *cand = sk_models_ws_bytes(ws, "pores.cand", capc * sizeof *cand);
    if (!blobs || !cand) {
        return SK_ERR_NOMEM;
    }
    sk_blob_params bp = {sig, ns, tmin, 1, inb, (size_t)w, 1};
    size_t nb = 0;
    rc = sk_blob_log_detect(ctx->L, ctx->stride, w, h, &bp, blobs, capc, &nb, NULL, bws);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < nb; i++) {
        int k = 0;
        for (int j = 1; j < ns; j++)
            if (fabs(log(blobs[i].sigma / sig[j])) < fabs(log(blobs[i].sigma / sig[k])))
                k = j;
        if (k == 0 || k == ns - 1 || blobs[i].response <= thr[k])
            continue;
        cand[ncand++] = (pore_cand){blobs[i].x, blobs[i].y, blobs[i].response, k};
    }
    qsort(cand, ncand, sizeof *cand, cand_cmp);
    float *kbuf = sk_models_ws_bytes(ws, "pores.kern", sizeof(float) * 4 * 63 * 63);
    if (!kbuf)
        return SK_ERR_NOMEM;

    /* Hessian weights per inner scale for the roundness test: W is k^2 x 4,
     * the transpose of the bank's 4 x k^2 layout. */
    float *W = sk_models_ws_bytes(ws, "pores.hessW",
                                  sizeof(float) * (size_t)PORES_MAX_SCALES * 4 * 63 * 63);
    float *patch = sk_models_ws_bytes(ws, "pores.patch", sizeof(float) * 63 * 63);
    uint8_t *taken = sk_models_ws_bytes(ws, "pores.taken", (size_t)w * (size_t)h);
    if (!W || !patch || !taken)
        return SK_ERR_NOMEM;
    int kh[PORES_MAX_SCALES];
    for (int k = 1; k < ns - 1; k++) {
        kh[k] = sk_feat_ksize(sig[k]);
        int kk = kh[k] * kh[k];
        if ((rc = sk_blas_gauss2_bank(4, kh[k], sig[k], kbuf)) < 0)
            return rc;
        float *Wk = W + (size_t)k * 4 * 63 * 63;
        for (int n = 0; n < 4; n++)
            for (int i = 0; i < kk; i++)
                Wk[i * 4 + n] = kbuf[n * kk + i];
    }
    memset(taken, 0, (size_t)w * (size_t)h);

    double n = 0, sum_d = 0, sum_area = 0;
    for (size_t i = 0; i < ncand; i++) {
        const pore_cand *c = &cand[i];
        int cx = (int)lroundf(c->x), cy = (int)lroundf(c->y);
        cx = cx < 0 ? 0 : cx >= w ? w - 1 : cx;
        cy = cy < 0 ? 0 : cy >= h ? h - 1 : cy;
        if (taken[(size_t)cy * w + cx])
            continue; /* inside a stronger pore found at another scale */
        double contrast = 2.0 * c->r;
        if (contrast < P.min_contrast || contrast > P.max_contrast)
            continue;
        double dxx, dxy, dyy;
        point_hessian(ctx->L, ctx->stride, w, h, cx, cy, kh[c->k], W + (size_t)c->k * 4 * 63 * 63,
                      patch, &dxx, &dxy, &dyy);
        double m = 0.5 * (dxx + dyy), dd = sqrt(0.25 * (dxx - dyy) * (dxx - dyy) + dxy * dxy);
        double l1 = m + dd, l2 = m - dd; /* l1 >= l2; a dark round blob has both > 0 */
        if (!(l1 > 0) || l2 < P.min_roundness * l1)
            continue; /* a line (wrinkle, hair) or a saddle, not a pore */
        double dpx = 2.0 * M_SQRT2 * sig[c->k];
        int rr = (int)ceil(0.5 * dpx);
        for (int yy = cy - rr; yy <= cy + rr; yy++)
            for (int xx = cx - rr; xx <= cx + rr; xx++)
                if (yy >= 0 && yy < h && xx >= 0 && xx < w &&
                    (xx - cx) * (xx - cx) + (yy - cy) * (yy - cy) <= rr * rr)
                    taken[(size_t)yy * w + xx] = 1;
        n += 1;
        sum_d += dpx * p;
        sum_area += M_PI * 0.25 * dpx * dpx;
        if (det) {
            sk_detection_t *d = sk_detections_add(det, SK_DET_PORE);
            if (!d)
                return sk_error_set(SK_ERR_NOMEM, "pores: out of memory for detections");
            d->x = c->x;
            d->y = c->y;
            d->diameter = (float)dpx;
            d->area = (float)(M_PI * 0.25 * dpx * dpx);
            d->bx = cx - rr;
            d->by = cy - rr;
            d->bw = d->bh = 2 * rr + 1;
            d->contrast = (float)contrast;
        }
    }
    double area_cm2 = inner_n * p * p / 100.0;
    return pores_emit(out, 1, n, n / area_cm2, n > 0 ? sum_d / n : NAN, 100.0 * sum_area / inner_n,
                      NULL);
}
