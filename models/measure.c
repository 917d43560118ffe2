/* The models' entry point: colour planes once, the skin mask, then every
 * family in a fixed order. */
#include "pmodels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Wall-clock seconds, for SK_PROFILE=1 (per-family times on stderr). */
static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int sk_models_measure(sk_models_ws_t *ws, const sk_models_input_t *in, sk_metric_set_t *out,
                      sk_detections_t *det, double *skin_fraction)
{
    if (!ws || !in || !in->srgb || in->srgb->channels < 3 || !out)
        return sk_error_set(SK_ERR_ARG, "models: missing input");
    if (!(in->mm_per_px > 0) || !isfinite(in->mm_per_px))
        return sk_error_set(SK_ERR_ARG, "models: scale must be positive");
    const sk_image_t *img = in->srgb;
    const int w = img->width, h = img->height;
    const size_t stride = img->stride;
    memset(out, 0, sizeof *out);
    snprintf(out->model_version, sizeof out->model_version, "%s",
             in->params && in->params->version[0] ? in->params->version : sk_models_version());
    if (det)
        sk_detections_clear(det);

    /* The colour planes every family reads: linear RGB and CIELAB. */
    size_t plane = stride * (size_t)h;
    float *lin = sk_models_ws_bytes(ws, "ctx.lin", 3 * plane * sizeof(float));
    float *lab = sk_models_ws_bytes(ws, "ctx.lab", 3 * plane * sizeof(float));
    uint8_t *skin = sk_models_ws_bytes(ws, "ctx.skin", (size_t)w * h);
    uint8_t *all = NULL;
    if (!lin || !lab || !skin)
        return sk_error_status() ? sk_error_status() : SK_ERR_NOMEM;
    int rc;
    for (int c = 0; c < 3; c++)
        if ((rc = sk_colour_srgb_to_linear(sk_image_plane(img, c), stride, lin + c * plane, stride,
                                           w, h)) < 0)
            return rc;
    if ((rc = sk_colour_srgb_to_lab(img->data, stride, img->plane_stride, lab, stride, plane, w,
                                    h)) < 0)
        return rc;

    const uint8_t *region = in->region;
    size_t mask_stride = in->region ? in->region_stride : (size_t)w;
    if (!region) {
        all = sk_models_ws_bytes(ws, "ctx.region", (size_t)w * h);
        if (!all)
            return SK_ERR_NOMEM;
        memset(all, 1, (size_t)w * h);
        region = all;
    }
    /* The skin mask shares the region's stride only when it is w; copy the
     * region to a w-stride buffer otherwise so both masks line up. */
    if (mask_stride != (size_t)w) {
        uint8_t *copy = sk_models_ws_bytes(ws, "ctx.region", (size_t)w * h);
        if (!copy)
            return SK_ERR_NOMEM;
        for (int y = 0; y < h; y++)
            memcpy(copy + (size_t)y * w, region + (size_t)y * mask_stride, (size_t)w);
        region = copy;
        mask_stride = (size_t)w;
    }

    sk_skin_ctx_t ctx = {
        .w = w,
        .h = h,
        .mm_per_px = in->mm_per_px,
        .physical = in->physical,
        .stride = stride,
        .srgb = {sk_image_plane(img, 0), sk_image_plane(img, 1), sk_image_plane(img, 2)},
        .lin = {lin, lin + plane, lin + 2 * plane},
        .L = lab,
        .A = lab + plane,
        .B = lab + 2 * plane,
        .region = region,
        .skin = skin,
        .mask_stride = mask_stride,
        .params = in->params,
    };
    double n_region = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            n_region += region[(size_t)y * mask_stride + x] != 0;
    double ts = getenv("SK_PROFILE") ? now_s() : 0;
    if (in->region_is_skin && in->region) {
        /* the region is the skin (its pixels are n_region) */
        for (size_t i = 0; i < (size_t)w * h; i++)
            skin[i] = region[i] != 0;
        ctx.skin_pixels = n_region;
    } else if ((rc = sk_skin_mask(&ctx, ws, skin, &ctx.skin_pixels)) < 0) {
        return rc;
    }
    if (getenv("SK_PROFILE"))
        fprintf(stderr, "profile: %-8s %7.1f ms (%dx%d)\n", "skin", 1e3 * (now_s() - ts), w, h);
    if (skin_fraction)
        *skin_fraction = n_region > 0 ? ctx.skin_pixels / n_region : 0.0;
    if (in->skin_only)
        return SK_OK;

    static const sk_family_fn families[] = {sk_pigment_measure, sk_texture_measure,
                                            sk_pores_measure, sk_wrinkles_measure,
                                            sk_scars_measure};
    static const char *const names[] = {"pigment", "texture", "pores", "wrinkles", "scars"};
    const int profile = getenv("SK_PROFILE") != NULL;
    double t0 = profile ? now_s() : 0;
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        if ((rc = families[i](&ctx, ws, out, det)) < 0)
            return rc;
        if (profile) {
            double t1 = now_s();
            fprintf(stderr, "profile: %-8s %7.1f ms (%dx%d)\n", names[i], 1e3 * (t1 - t0), w, h);
            t0 = t1;
        }
    }
    return SK_OK;
}
