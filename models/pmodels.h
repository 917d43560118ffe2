/* Internal interface between the models' orchestrator (models/measure.c) and
 * the model families (skin mask, pigment/redness, texture, pores, wrinkles,
 * scars). */
#ifndef SK_PMODELS_H
#define SK_PMODELS_H

#include "sk_models.h"

/* Everything a family reads about the photo, computed once by the
 * orchestrator at the base (working) scale. All float planes share `stride`
 * (floats); the masks share `mask_stride` (bytes). */
typedef struct sk_skin_ctx {
    int w, h;
    double mm_per_px; /* of the base image: measured when `physical`, else nominal */
    int physical;     /* 1: scale known (mm); 0: working resolution (px, per MP) */
    size_t stride;
    const float *srgb[3]; /* sRGB-encoded R, G, B in [0, 1] */
    const float *lin[3];  /* linear R, G, B */
    const float *L, *A, *B; /* CIELAB (D65): L* 0..100, a*, b* */
    const uint8_t *region;  /* pixels the user lets us analyse (alpha, --mask) */
    const uint8_t *skin;    /* region AND skin (the skin model's output), 1 = skin */
    size_t mask_stride;
    double skin_pixels;     /* number of skin pixels */
    const sk_params_t *params;
} sk_skin_ctx_t;

/* A family adds its metrics (under their stable names, in a fixed order,
 * NAN with a null_reason when not measurable) to `out`, and its detections
 * to `det` when det is not NULL. Scratch planes come from `ws` under keys
 * prefixed by the family's name. Returns 0 or a negative sk_status. */
typedef int (*sk_family_fn)(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, sk_metric_set_t *out,
                            sk_detections_t *det);

/* The skin mask: writes ctx-sized `skin` (1 = skin) from the colour planes
 * and `region`; returns the number of skin pixels in *count. */
int sk_skin_mask(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, uint8_t *skin, double *count);

int sk_pigment_measure(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, sk_metric_set_t *out,
                       sk_detections_t *det);
int sk_texture_measure(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, sk_metric_set_t *out,
                       sk_detections_t *det);
int sk_pores_measure(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, sk_metric_set_t *out,
                     sk_detections_t *det);
int sk_wrinkles_measure(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, sk_metric_set_t *out,
                        sk_detections_t *det);
int sk_scars_measure(const sk_skin_ctx_t *ctx, sk_models_ws_t *ws, sk_metric_set_t *out,
                     sk_detections_t *det);

#endif
