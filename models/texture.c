/* Texture: band-pass luminance roughness (Ra, Rq), co-occurrence (Haralick)
 * properties at a fixed physical offset, and LBP uniformity, over skin.
 *
 * With a known scale the L* plane is first area-resampled to
 * texture.work_mm_per_px, so the same skin photographed at two resolutions
 * is measured on the same pixel grid in millimetres (the LBP radius and the
 * GLCM offset are then fixed physical distances). Photos between the
 * working scale and texture.needs_mm_per_px are measured at their own scale;
 * coarser ones get null. Without a scale the base image is used as it is,
 * at the nominal working resolution.
 *
 * Contrasts are normalised for exposure like the pigment family's: ΔL* is
 * scaled by (ref_L + 16) / (median skin L* + 16).
 * Formulas and references: docs/metrics/texture.md; parameters:
 * models/texture.json. */
#include "pskin.h"

#include <math.h>
#include <string.h>

#define P(name, def) sk_params_get(ctx->params, "texture." name, def)

static void release_gauss(void *p)
{
    sk_gauss_ws_free(p);
}

static void add_all(sk_metric_set_t *out, const double v[7], const char *why)
{
    sk_metric_set_add(out, "texture.ra", v[0], "ΔL*", SK_BETTER_LOWER, why);
    sk_metric_set_add(out, "texture.rq", v[1], "ΔL*", SK_BETTER_LOWER, why);
    sk_metric_set_add(out, "texture.glcm_contrast", v[2], "index", SK_BETTER_LOWER, why);
    sk_metric_set_add(out, "texture.glcm_homogeneity", v[3], "index", SK_BETTER_HIGHER, why);
    sk_metric_set_add(out, "texture.glcm_energy", v[4], "index", SK_BETTER_HIGHER, why);
    sk_metric_set_add(out, "texture.glcm_correlation", v[5], "index", SK_BETTER_NEUTRAL, why);
    sk_metric_set_add(out, "texture.lbp_uniformity", v[6], "fraction", SK_BETTER_HIGHER, why);
}

int sk_texture_measure(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, sk_metric_set_t *out,
                       sk_detections_t *det)
{
    (void)det; /* texture has no detections */
    const int W = ctx->w, H = ctx->h;
    const size_t S = ctx->stride, MS = ctx->mask_stride;
    double v[7] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    const double work = P("work_mm_per_px", 0.05), needs = P("needs_mm_per_px", 0.07);
    if (ctx->physical && ctx->mm_per_px > needs * 1.0001) {
        add_all(out, v, "needs 0.07 mm/px or finer");
        return SK_OK;
    }
    if (ctx->skin_pixels < 1000) {
        add_all(out, v, "too little skin in the analysed region");
        return SK_OK;
    }
    /* the working grid */
    int w = W, h = H;
    double mpp = ctx->mm_per_px;
    if (ctx->physical && mpp < work * 0.98) {
        w = (int)lround(W * mpp / work), h = (int)lround(H * mpp / work);
        if (w < 8 || h < 8) {
            add_all(out, v, "too little skin in the analysed region");
            return SK_OK;
        }
        mpp = ctx->mm_per_px * W / w;
    }
    size_t ps, s;
    float *full = sk_models_ws_plane(ws, "texture.full", W, H, &ps);
    float *L = sk_models_ws_plane(ws, "texture.L", w, h, &s);
    float *mk = sk_models_ws_plane(ws, "texture.maskf", w, h, &s);
    float *f1 = sk_models_ws_plane(ws, "texture.fine", w, h, &s);
    float *f2 = sk_models_ws_plane(ws, "texture.coarse", w, h, &s);
    uint8_t *q = sk_models_ws_bytes(ws, "texture.quant", (size_t)w * h);
    uint8_t *core = sk_models_ws_bytes(ws, "texture.core", (size_t)w * h);
    void *mscr = sk_models_ws_bytes(ws, "texture.morph", sk_morph_scratch_size(w, h));
    void *rs = sk_models_ws_bytes(
        ws, "texture.resize", sk_geom_resize_scratch_size(W, H, w, h, SK_RESIZE_AREA) + 64);
    sk_gauss_ws *g = sk_models_ws_object(ws, "texture.gauss", sizeof(sk_gauss_ws), release_gauss);
    if (!full || !L || !mk || !f1 || !f2 || !q || !core || !mscr || !rs || !g)
        return sk_error_status() ? sk_error_status() : SK_ERR_NOMEM;
    int rc;
    sk_pskin_mask_to_float(ctx->skin, MS, W, H, full, ps);
    if (w != W) {
        if ((rc = sk_geom_resize(ctx->L, S, W, H, L, s, w, h, SK_RESIZE_AREA, rs)) < 0 ||
            (rc = sk_geom_resize(full, ps, W, H, mk, s, w, h, SK_RESIZE_AREA, rs)) < 0)
            return rc;
    } else {
        for (int y = 0; y < h; y++) {
            memcpy(L + (size_t)y * s, ctx->L + (size_t)y * S, (size_t)w * sizeof(float));
            memcpy(mk + (size_t)y * s, full + (size_t)y * ps, (size_t)w * sizeof(float));
        }
    }
    /* measure away from the skin's edge, where the band-pass sees non-skin
     * (a pixel counts when fully skin, then eroded by 2 coarse sigmas) */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            core[(size_t)y * w + x] = mk[(size_t)y * s + x] >= 0.999f;
    const double fine = P("fine_sigma_mm", 0.1), coarse = P("coarse_sigma_mm", 1.0);
    const int r = (int)fmin(64.0, ceil(2 * coarse / mpp));
    if ((rc = sk_morph_erode(core, w, core, w, w, h, r, SK_SE_SQUARE, mscr)) < 0)
        return rc;
    /* exposure normalisation from the median L* of the measured skin */
    uint64_t hist[1024];
    memset(hist, 0, sizeof hist);
    uint64_t n = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if (core[(size_t)y * w + x]) {
                int b = (int)(L[(size_t)y * s + x] * 10.0f);
                hist[b < 0 ? 0 : b > 1023 ? 1023 : b]++;
                n++;
            }
    if (n < 1000) {
        add_all(out, v, "too little skin away from its edges");
        return SK_OK;
    }
    uint64_t acc = 0;
    int med = 0;
    while (med < 1023 && (acc += hist[med]) < n / 2)
        med++;
    const double gain = (P("ref_L", 60.0) + 16.0) / ((med + 0.5) / 10.0 + 16.0);

    if ((rc = sk_filter_gauss(L, s, f1, s, w, h, fmax(0.5, fine / mpp), 0, 0, g)) < 0 ||
        (rc = sk_filter_gauss(L, s, f2, s, w, h, fmin(50.0, coarse / mpp), 0, 0, g)) < 0)
        return rc;
    double sa = 0, s2 = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * s + x;
            float bp = (float)gain * (f1[i] - f2[i]);
            f2[i] = bp;
            if (!core[(size_t)y * w + x])
                continue;
            sa += fabsf(bp);
            s2 += (double)bp * bp;
        }
    v[0] = sa / (double)n;
    v[1] = sqrt(s2 / (double)n);

    /* GLCM of the band-passed L* quantised over a fixed ±range (ΔL*), at a
     * fixed physical offset in 4 directions, symmetric, averaged */
    const int levels = (int)P("glcm_levels", 32);
    const double range = P("glcm_range_dl", 4.0);
    if ((rc = sk_texture_quantise_masked(f2, s, core, w, w, h, -range, range, levels, q, w)) < 0)
        return rc;
    const int off = (int)fmax(1.0, lround(P("glcm_offset_mm", 0.1) / mpp));
    const sk_glcm_offset_t offs[4] = {{off, 0}, {off, off}, {0, off}, {-off, off}};
    uint32_t *glcm = sk_models_ws_bytes(ws, "texture.glcm", 4 * (size_t)levels * levels * 4);
    double *p = sk_models_ws_bytes(ws, "texture.glcm_p", (size_t)levels * levels * 8);
    void *gscr = sk_models_ws_bytes(ws, "texture.glcm_scratch",
                                    sk_texture_glcm_scratch_size(levels, w) + 64);
    if (!glcm || !p || !gscr)
        return sk_error_status();
    if ((rc = sk_texture_glcm_multi(q, w, core, w, w, h, levels, offs, 4, 1, glcm, NULL, gscr)) <
        0)
        return rc;
    double hv[4] = {0, 0, 0, 0};
    for (int d = 0; d < 4; d++) {
        sk_haralick_t hp;
        if ((rc = sk_texture_glcm_normalise(glcm + (size_t)d * levels * levels, levels, p)) < 0 ||
            (rc = sk_texture_haralick_p(p, levels, &hp)) < 0)
            return rc;
        hv[0] += hp.contrast / 4, hv[1] += hp.homogeneity / 4;
        hv[2] += hp.energy / 4, hv[3] += hp.correlation / 4;
    }
    v[2] = hv[0], v[3] = hv[1], v[4] = hv[2], v[5] = hv[3];

    /* LBP (P = 8, R = 1 px of the working grid) of the fine-smoothed L*:
     * the fraction of uniform codes (LBP is unchanged by exposure) */
    if ((rc = sk_texture_lbp(f1, s, w, h, SK_LBP_UNIFORM, q, w)) < 0)
        return rc;
    uint64_t lh[10];
    if ((rc = sk_texture_lbp_histogram(q, w, core, w, w, h, lh)) < 0)
        return rc;
    uint64_t tot = 0;
    for (int i = 0; i < 10; i++)
        tot += lh[i];
    v[6] = tot ? (double)(tot - lh[9]) / (double)tot : NAN;
    add_all(out, v, NULL);
    return SK_OK;
}
