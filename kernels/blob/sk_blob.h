/* skintrack kernels: blob family (scale-normalised LoG scale space with
 * 3x3x3 extrema). Included through sk_kernels.h. */
#ifndef SK_BLOB_H
#define SK_BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "filter/sk_filter.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_blob {
    float x, y;     /* centre, sub-pixel */
    float sigma;    /* scale of the extremum (px); radius ~ sigma * sqrt(2) */
    float response; /* scale-normalised LoG response (positive) */
} sk_blob_t;

typedef struct sk_blob_params {
    const double *sigmas; /* increasing scales (px), 1..64 of them */
    int n_sigmas;
    double threshold;     /* minimum response */
    int dark;             /* 1: dark blobs on bright (pores), 0: bright blobs */
    const uint8_t *mask;  /* optional: only centres where mask != 0 */
    size_t mask_stride;   /* bytes */
    int border;           /* ignore centres closer than this to the edge (px) */
} sk_blob_params;

/* Scratch: a Gaussian workspace and three scale planes (rolling). */
typedef struct sk_blob_ws {
    sk_gauss_ws gauss;
    float *planes;
    int max_w, max_h;
} sk_blob_ws;
int sk_blob_ws_init(sk_blob_ws *ws, int max_w, int max_h);
void sk_blob_ws_free(sk_blob_ws *ws);

/* Scale-normalised Laplacian of Gaussian at one scale (uses the blob
 * workspace's planes; grows it when needed):
 * dst = s * sigma^2 (Ixx + Iyy), s = +1 for dark blobs, -1 for bright. */
int sk_blob_log(const float *src, size_t src_stride, int w, int h, double sigma, int dark,
                float *dst, size_t dst_stride, sk_blob_ws *ws);

/* Blobs: local maxima of the normalised LoG over 3x3 in space and the
 * neighbouring scales (a missing neighbour scale at either end counts as
 * lower), above threshold. Centres refined by a parabola through the 3
 * samples on each axis. Up to `cap` blobs are written to out in raster
 * order of scale then position; *count gets the number written, and
 * *truncated (may be NULL) is set when more were found. Returns 0 or a
 * negative sk_status. */
int sk_blob_log_detect(const float *src, size_t src_stride, int w, int h,
                       const sk_blob_params *p, sk_blob_t *out, size_t cap, size_t *count,
                       int *truncated, sk_blob_ws *ws);

#ifdef __cplusplus
}
#endif

#endif /* SK_BLOB_H */
