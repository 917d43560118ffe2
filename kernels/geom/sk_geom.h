/* skintrack kernels: geom family. Included through sk_kernels.h.
 *
 * Geometry of float planes for registration: affine warps, 2x2 affine
 * matrix helpers, 2x box down-sampling and separable resizing. (Photo
 * resizing in the pipeline is libvips' job; these work on float planes.)
 *
 * Pixel-centre convention: sample (i, j) of a plane sits at coordinates
 * x = i, y = j (column, row); the plane covers [-0.5, w - 0.5] x
 * [-0.5, h - 0.5]. This is OpenCV's convention. A caller whose transform uses
 * the pixel-corner convention (centre of (i, j) at (i + 0.5, j + 0.5)) passes
 * T(-0.5) * M * T(+0.5). Details: docs/kernels/geom.md. */
#ifndef SK_GEOM_H
#define SK_GEOM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------- affine matrices */

/* A 2x3 affine matrix M = {a, b, c, d, e, f} maps (x, y) to
 * (a x + b y + c, d x + e y + f). */

/* out = A o B (apply B first, then A). out may alias A or B. */
void sk_geom_affine_compose(const double A[6], const double B[6], double out[6]);

/* out = M^-1. Returns 0, or SK_ERR_ARG when M is singular (|det| < 1e-12)
 * and then out is untouched. out may alias M. */
int sk_geom_affine_invert(const double M[6], double out[6]);

/* Similarity about a centre: p -> c + s R(angle) (p - c) + t, angle in
 * radians, positive from +x towards +y (clockwise on screen, y pointing down). */
void sk_geom_affine_similarity(double scale, double angle, double tx, double ty, double cx,
                               double cy, double out[6]);

/* Apply M to one point. */
void sk_geom_affine_apply(const double M[6], double x, double y, double *xo, double *yo);

/* ------------------------------------------------------------ affine warp */

typedef enum sk_interp {
    SK_INTERP_NEAREST = 0,  /* floor(x + 0.5), as OpenCV */
    SK_INTERP_BILINEAR = 1,
    SK_INTERP_BICUBIC = 2,  /* Keys cubic convolution with parameter cubic_a */
} sk_interp;

typedef struct sk_warp_params {
    sk_interp interp;
    float fill;      /* value written where the source point is outside */
    double cubic_a;  /* Keys parameter; 0 selects -0.5 (OpenCV uses -0.75) */
} sk_warp_params;

/* dst(x, y) = src(M0 x + M1 y + M2, M3 x + M4 y + M5), i.e. M maps
 * destination coordinates to source coordinates (OpenCV's WARP_INVERSE_MAP).
 * A destination pixel is valid when its source point lies in
 * [0, sw-1] x [0, sh-1] (nearest: when the rounded point is inside); valid
 * pixels whose interpolation footprint crosses the edge use the edge sample
 * (replicate); invalid pixels get p->fill. valid (optional, may be NULL)
 * receives 1 or 0 per destination pixel, stride valid_stride.
 * Returns 0 or SK_ERR_ARG. */
int sk_geom_warp_affine(const float *src, size_t src_stride, int sw, int sh, float *dst,
                        size_t dst_stride, int dw, int dh, const double M[6],
                        const sk_warp_params *p, float *valid, size_t valid_stride);

/* ------------------------------------------------------------ resampling */

/* 2x box down-sample: dst(x, y) = mean of src(2x..2x+1, 2y..2y+1), output
 * (w + 1) / 2 x (h + 1) / 2; an odd last row/column repeats the edge sample.
 * dst(x, y) is centred on src coordinates (2x + 0.5, 2y + 0.5).
 * Returns 0 or SK_ERR_ARG. */
int sk_geom_downsample2(const float *src, size_t src_stride, int w, int h, float *dst,
                        size_t dst_stride);

typedef enum sk_resize_mode {
    SK_RESIZE_BILINEAR = 0, /* centres aligned: xs = (x + 0.5) sw / dw - 0.5, edges clamped */
    SK_RESIZE_AREA = 1,     /* mean over the source area the output pixel covers */
} sk_resize_mode;

/* Scratch bytes for sk_geom_resize (O(sw + taps * (dw + dh)); small). */
size_t sk_geom_resize_scratch_size(int sw, int sh, int dw, int dh, sk_resize_mode mode);

/* Separable resize of a float plane, any factor either way. scratch: a buffer
 * of sk_geom_resize_scratch_size() bytes, or NULL to allocate one per call.
 * Returns 0, SK_ERR_ARG or SK_ERR_NOMEM. */
int sk_geom_resize(const float *src, size_t src_stride, int sw, int sh, float *dst,
                   size_t dst_stride, int dw, int dh, sk_resize_mode mode, void *scratch);

#ifdef __cplusplus
}
#endif

#endif /* SK_GEOM_H */
