/* skintrack pipeline: registration of a follow-up photo to its baseline.
 *
 * A global similarity estimate from Fourier-Mellin phase correlation on a
 * coarse luminance level, refined by ECC (enhanced correlation coefficient)
 * Gauss-Newton iterations over a Gaussian pyramid up to a working resolution,
 * then scaled back to the photos' own pixels. Method, conventions, accuracy
 * and limits: docs/REGISTRATION.md. */
#ifndef SK_REGISTER_H
#define SK_REGISTER_H

#include "sk_kernels.h"


#ifdef __cplusplus
extern "C" {
#endif

typedef enum sk_register_model {
    SK_REG_SIMILARITY = 0, /* scale, rotation, shift (4 parameters) */
    SK_REG_AFFINE = 1,     /* full 2x3 affine (6 parameters), started from a similarity */
} sk_register_model;

typedef struct sk_register_opts {
    int model;               /* sk_register_model */
    double max_rotation_deg; /* search range: |rotation| <= this (default 15) */
    double min_scale;        /* search range of the scale of M (default 0.75) */
    double max_scale;        /* (default 1.33) */
    int max_side;            /* finest working resolution: longer side in px (default 1024) */
    int coarse_side;         /* level of the global search (default 256) */
    double min_correlation;  /* refuse below this structure correlation (default 0.3) */
    double min_overlap;      /* refuse below this overlap fraction (default 0.25) */
} sk_register_opts_t;

typedef struct sk_register_result {
    /* Maps follow-up (moving) pixel coordinates to baseline (fixed) pixel
     * coordinates, pixel centres at integers (sk_geom.h convention):
     * (x, y) -> (M0 x + M1 y + M2, M3 x + M4 y + M5). */
    double M[6];
    double scale;        /* sqrt(|det|) of the linear part */
    double rotation_deg; /* from +x towards +y (clockwise on screen) */
    double tx, ty;       /* where the moving photo's centre lands, minus that centre (px) */
    double correlation;  /* NCC of luminance inside the overlap at the working level, -1..1 */
    double structure_correlation; /* NCC of band-passed luminance (the match test), -1..1 */
    double residual;              /* RMS of fixed - (gain * moving + offset) luminance inside the
                                   * overlap, least-squares gain and offset; luma units (sRGB-encoded
                                   * Rec. 709 luma, 0..1) */
    double overlap_fraction;     /* fraction of the fixed region covered by the warped moving one */
    int iterations;              /* ECC iterations over all levels */
    int work_width, work_height; /* size of the fixed photo at the finest working level */
} sk_register_result_t;

void sk_register_opts_default(sk_register_opts_t *opts);

/* Estimate the transform aligning `moving` onto `fixed`. Both are images as
 * loaded (3 sRGB planes in [0, 1]: Rec. 709 luma is used; a 1-plane image is
 * used as is). fixed_mask / moving_mask may be NULL; otherwise one byte per
 * pixel of that photo, rows `width` bytes apart, nonzero = use this pixel.
 * opts may be NULL (defaults). `out` is filled on success; when the photos
 * cannot be matched (the call returns SK_ERR_QUALITY), `out` still holds the
 * best estimate and its figures, for diagnostics. Returns 0 or a negative
 * sk_status with a one-line reason in sk_error_message():
 *   SK_ERR_ARG      bad arguments (sizes under 32 px, bad options);
 *   SK_ERR_QUALITY  a photo has no contrast, or the photos do not show the
 *                   same region (low structure correlation, too little
 *                   overlap, transform outside the search range);
 *   SK_ERR_NOMEM.
 * Thread-safe (FFTW planning is serialised internally). */
int sk_register(const sk_image_t *fixed, const uint8_t *fixed_mask, const sk_image_t *moving,
                const uint8_t *moving_mask, const sk_register_opts_t *opts,
                sk_register_result_t *out);

/* Warp `moving` into the frame of the fixed photo with r->M (bilinear),
 * out_w x out_h (normally the fixed photo's size). *out: a new image with the
 * moving image's channel count, 0 outside; free with sk_image_free. When
 * valid is not NULL, *valid gets a malloc'd (free()) out_w x out_h byte mask
 * (rows out_w bytes apart): 1 where the source point lies inside `moving`.
 * Both are written only on success. Returns 0 or a negative sk_status. */
int sk_register_warp(const sk_image_t *moving, const sk_register_result_t *r, int out_w, int out_h,
                     sk_image_t **out, uint8_t **valid);

#ifdef __cplusplus
}
#endif

#endif /* SK_REGISTER_H */
