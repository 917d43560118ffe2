/* Texture: band-pass luminance roughness (Ra, Rq), GLCM (Haralick)
 * properties at a fixed physical offset, and LBP uniformity, over skin.
 * Formulas in docs/METRICS.md; parameters in models/texture.json. */
#include "pmodels.h"

#include <math.h>
#include <string.h>

#define P(name, def) sk_params_get(ctx->params, "texture." name, def)

static void release_gauss(void *p)
{
    sk_gauss_ws_free(p);
}

static void add_all(sk_metric_set_t *out, const double v[7], const char *why)
{
    sk_metric_set_add(out, "texture.ra", v[0], "dL*", SK_BETTER_LOWER, why);
    sk_metric_set_add(out, "texture.rq", v[1], "dL*", SK_BETTER_LOWER, why);
    sk_metric_set_add(out, "texture.glcm_contrast", v[2], "index", SK_BETTER_LOWER, why);
    sk_metric_set_add(out, "texture.glcm_homogeneity", v[3], "index", SK_BETTER_HIGHER, why);
    sk_metric_set_add(out, "texture.glcm_energy", v[4], "index", SK_BETTER_HIGHER, why);
    sk_metric_set_add(out, "texture.glcm_correlation", v[5], "index", SK_BETTER_NEUTRAL, why);
    sk_metric_set_add(out, "texture.lbp_uniformity", v[6], "fraction", SK_BETTER_HIGHER, why);
}

int sk_texture_measure(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, sk_metric_set_t *out,
                       sk_detections_t *det)
{
    (void)det;
    const int w = ctx->w, h = ctx->h;
    const size_t s = ctx->stride, ms = ctx->mask_stride;
    const double mpp = ctx->mm_per_px;
    double nan7[7] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    const double fine = P("fine_sigma_mm", 0.1), coarse = P("coarse_sigma_mm", 1.0);
    if (fine / mpp < 0.7) {
        add_all(out, nan7, "needs 0.14 mm/px or finer");
        return SK_OK;
    }
    if (ctx->skin_pixels < 1000) {
        add_all(out, nan7, "no skin found in the analysed region");
        return SK_OK;
    }
    size_t ps;
    float *f1 = sk_models_ws_plane(ws, "texture.fine", w, h, &ps);
    float *f2 = sk_models_ws_plane(ws, "texture.coarse", w, h, &ps);
    uint8_t *q = sk_models_ws_bytes(ws, "texture.quant", (size_t)w * h);
    uint8_t *core = sk_models_ws_bytes(ws, "texture.core", (size_t)w * h);
    void *mscratch = sk_models_ws_bytes(ws, "texture.morph", sk_morph_scratch_size(w, h));
    sk_gauss_ws *g = sk_models_ws_object(ws, "texture.gauss", sizeof(sk_gauss_ws), release_gauss);
    if (!f1 || !f2 || !q || !core || !mscratch || !g)
        return sk_error_status();
    int rc;
    if ((rc = sk_filter_gauss(ctx->L, s, f1, s, w, h, fine / mpp, 0, 0, g)) < 0 ||
        (rc = sk_filter_gauss(ctx->L, s, f2, s, w, h, fmin(50.0, coarse / mpp), 0, 0, g)) < 0)
        return rc;
    /* measure away from the skin's edge, where the band-pass sees non-skin */
    for (int y = 0; y < h; y++)
        memcpy(core + (size_t)y * w, ctx->skin + (size_t)y * ms, (size_t)w);
    int r = (int)ceil(2 * coarse / mpp);
    if (r > 64)
        r = 64;
    if ((rc = sk_morph_erode(core, w, core, w, w, h, r, SK_SE_SQUARE, mscratch)) < 0)
        return rc;
    double sa = 0, s2 = 0, n = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * s + x;
            float bp = f1[i] - f2[i];
            f2[i] = bp;
            if (!core[(size_t)y * w + x])
                continue;
            sa += fabs(bp);
            s2 += (double)bp * bp;
            n += 1;
        }
    if (n < 1000) {
        add_all(out, nan7, "too little skin away from its edges");
        return SK_OK;
    }
    double v[7];
    v[0] = sa / n;
    v[1] = sqrt(s2 / n);
    /* GLCM of the band-passed L* quantised over a fixed +-range (dL*), at a
     * fixed physical offset in 4 directions, averaged */
    const int levels = (int)P("glcm_levels", 32);
    const double range = P("glcm_range_dl", 4.0);
    if ((rc = sk_texture_quantise(f2, s, w, h, -range, range, levels, q, w)) < 0)
        return rc;
    int off = (int)lround(P("glcm_offset_mm", 0.12) / mpp);
    if (off < 1)
        off = 1;
    const int dirs[4][2] = {{off, 0}, {off, off}, {0, off}, {-off, off}};
    uint64_t *glcm = sk_models_ws_bytes(ws, "texture.glcm", (size_t)levels * levels * 8);
    if (!glcm)
        return sk_error_status();
    double acc[4] = {0, 0, 0, 0};
    for (int d = 0; d < 4; d++) {
        uint64_t pairs = 0;
        sk_haralick_t hp;
        if ((rc = sk_texture_glcm(q, w, core, w, w, h, levels, dirs[d][0], dirs[d][1], 1, glcm,
                                  &pairs)) < 0 ||
            (rc = sk_texture_haralick(glcm, levels, &hp)) < 0)
            return rc;
        acc[0] += hp.contrast / 4, acc[1] += hp.homogeneity / 4;
        acc[2] += hp.energy / 4, acc[3] += hp.correlation / 4;
    }
    v[2] = acc[0], v[3] = acc[1], v[4] = acc[2], v[5] = acc[3];
    /* LBP on the fine-smoothed L* */
    if ((rc = sk_texture_lbp_uniform(f1, s, w, h, q, w)) < 0)
        return rc;
    uint64_t hist[10];
    if ((rc = sk_texture_lbp_histogram(q, w, core, w, w, h, hist)) < 0)
        return rc;
    uint64_t tot = 0;
    for (int i = 0; i < 10; i++)
        tot += hist[i];
    v[6] = tot ? (double)(tot - hist[9]) / (double)tot : NAN;
    add_all(out, v, NULL);
    return SK_OK;
}
