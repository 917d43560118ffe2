/* skintrack kernels: filter family (Gaussian blur and derivatives, Hessian,
 * eigenvalues, Frangi ridge measure, multi-scale ridges). Included through
 * sk_kernels.h. Formulas: docs/kernels/filter.md. */
#ifndef SK_FILTER_H
#define SK_FILTER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Scratch of the Gaussian: one intermediate plane, a padded row and the
 * pyramid planes for large sigma. Initialise once for the largest plane and
 * reuse (it grows on demand). */
typedef struct sk_gauss_ws {
    float *buf;
    size_t cap;
    int max_w, max_h;
} sk_gauss_ws;

/* Returns 0 or SK_ERR_ARG / SK_ERR_NOMEM. sk_gauss_ws_free on a zeroed or
 * freed workspace is a no-op. */
int sk_gauss_ws_init(sk_gauss_ws *ws, int max_w, int max_h);
int sk_gauss_ws_ensure(sk_gauss_ws *ws, int w, int h);
void sk_gauss_ws_free(sk_gauss_ws *ws);
size_t sk_gauss_ws_floats(int max_w, int max_h);

/* dst = d^(order_x + order_y) / dx^order_x dy^order_y of (src * G_sigma),
 * sigma in pixels 0.5..50, orders 0..2, mirror ('reflect') boundary.
 * sigma <= 12: direct separable FIR truncated at 4 sigma; larger sigma: 2x
 * box pyramid levels then FIR and bilinear upsampling (cost flat in sigma;
 * accuracy in docs/kernels/filter.md). src == dst is allowed. The workspace
 * grows if the plane is larger than it was made for. Returns 0 or a
 * negative sk_status. */
int sk_filter_gauss(const float *src, size_t src_stride, float *dst, size_t dst_stride, int w,
                    int h, double sigma, int order_x, int order_y, sk_gauss_ws *ws);

/* Hessian (Ixx, Ixy, Iyy) of src at scale sigma (not normalised). */
int sk_filter_hessian(const float *src, size_t src_stride, int w, int h, double sigma,
                      float *xx, float *xy, float *yy, size_t dst_stride, sk_gauss_ws *ws);

/* Eigenvalues of the per-pixel Hessian, |l1| <= |l2|. */
int sk_filter_hessian_eigen(const float *xx, const float *xy, const float *yy, size_t stride,
                            int w, int h, float *l1, float *l2, size_t dst_stride);

typedef struct sk_frangi_params {
    double beta;   /* blob-vs-line sensitivity (Frangi's beta, typically 0.5) */
    double c;      /* structure sensitivity, in the units of the (normalised) Hessian */
    int dark;      /* 1: dark lines on bright (valleys, wrinkles: l2 > 0); 0: bright lines */
    int normalise; /* 1: scale-normalise the Hessian by sigma^2 */
} sk_frangi_params;

/* Frangi et al. (1998) vesselness per pixel:
 *   V = exp(-Rb^2 / 2 beta^2) (1 - exp(-S^2 / 2 c^2)), Rb = l1/l2, S^2 = l1^2 + l2^2,
 * and 0 where l2 has the wrong sign for the polarity. */
int sk_filter_frangi(const float *xx, const float *xy, const float *yy, size_t stride, int w,
                     int h, double sigma, const sk_frangi_params *p, float *out,
                     size_t out_stride);

/* One row of a multi-scale valley maximum (the wrinkle model's ridge
 * measure), called once per scale with that scale's Hessian row (not
 * normalised). With D = s2 H (s2 = sigma^2), la >= lb its eigenvalues and
 * rb = lb / la, where la > 0:
 *     r = la exp(-rb^2 ib2) inv_noise;
 * where r > R[x]: R[x] = r, S[x] = scale and (nx, ny)[x] = the unit
 * eigenvector of la, the normal across a dark valley ((D_xy, la - D_xx),
 * or an axis when that vanishes). Other pixels are left alone. scratch: 2 w
 * floats. AVX2 evaluates exp as a vector polynomial (within 2 ulp). */
typedef struct sk_ridge_max_params {
    float s2;        /* sigma^2 */
    float ib2;       /* 1 / (2 beta^2) */
    float inv_noise; /* 1 / the scale's noise */
    int scale;       /* the scale's index, stored in S */
} sk_ridge_max_params;
void sk_filter_ridge_max_row(const float *hxx, const float *hxy, const float *hyy, int w,
                             const sk_ridge_max_params *p, float *R, uint8_t *S, float *nx,
                             float *ny, float *scratch);

/* Scratch of the multi-scale ridge measure (Gaussian workspace + 4 planes). */
typedef struct sk_ridge_ws {
    sk_gauss_ws gauss;
    float *planes;
    int max_w, max_h;
} sk_ridge_ws;
int sk_ridge_ws_init(sk_ridge_ws *ws, int max_w, int max_h);
void sk_ridge_ws_free(sk_ridge_ws *ws);

/* out = max over sigmas of the Frangi measure; scale_index (may be NULL)
 * receives the index of the maximising sigma (0 where out is 0). */
int sk_filter_ridge_multiscale(const float *src, size_t src_stride, int w, int h,
                               const double *sigmas, int n_sigmas, const sk_frangi_params *p,
                               float *out, size_t out_stride, uint8_t *scale_index,
                               size_t index_stride, sk_ridge_ws *ws);

#ifdef __cplusplus
}
#endif

#endif /* SK_FILTER_H */
