/* skintrack kernels: blas family. Included through sk_kernels.h.
 *
 * Work that is a product of matrices, done by OpenBLAS (single-precision
 * GEMM/SYRK/GEMV): oriented filter banks as im2col + GEMM, PCA of a few
 * channels, linear model scoring. Call sk_blas_set_threads(1) when photos are
 * processed in parallel. Algorithms: docs/kernels/blas.md. */
#ifndef SK_BLAS_H
#define SK_BLAS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------- filter banks */

/* Kernels are K square k x k arrays (k odd, 1..63), stored one after another
 * in row-major order: kernels[(n * k + i) * k + j] is row i, column j of
 * kernel n. The bank is applied as correlation (no flip):
 *     out_n(x, y) = sum_ij kern_n(i, j) src(x + j - k/2, y + i - k/2),
 * samples outside the plane mirror-reflected (scipy.ndimage mode 'reflect').
 * For the symmetric kernels built below, correlation equals convolution. */

/* Scratch bytes needed by the filter-bank calls for width w, kernel size k
 * and K kernels (a tile-sized im2col buffer, kept within L2). */
size_t sk_blas_filter_bank_scratch_size(int w, int k, int K);

/* Apply the bank; output n goes to dst + n * dst_plane (row stride
 * dst_stride). scratch: sk_blas_filter_bank_scratch_size() bytes or NULL to
 * allocate per call. src must not overlap dst. Returns 0, SK_ERR_ARG,
 * SK_ERR_NOMEM. */
int sk_blas_filter_bank(const float *src, size_t src_stride, int w, int h, const float *kernels,
                        int K, int k, float *dst, size_t dst_stride, size_t dst_plane,
                        void *scratch);

/* Same responses reduced over the bank to save memory: max_out(x, y) =
 * max_n out_n(x, y) and argmax_out(x, y) = the first n reaching it (as a
 * float). Either output may be NULL (not both). Returns as above. */
int sk_blas_filter_bank_max(const float *src, size_t src_stride, int w, int h,
                            const float *kernels, int K, int k, float *max_out, size_t max_stride,
                            float *argmax_out, size_t argmax_stride, void *scratch);

/* Kernel coordinates: x = j - k/2 (right), y = i - k/2 (down); orientation
 * n of K is theta_n = pi n / K, measured from +x towards +y; u = x cos theta
 * + y sin theta, v = -x sin theta + y cos theta. */

/* Gabor bank: g = exp(-(u^2 + gamma^2 v^2) / (2 sigma^2)) cos(2 pi u / lambda
 * + psi), then the mean is removed (no response to flat regions) and the
 * kernel scaled to unit L2 norm. out holds K * k * k floats.
 * Returns 0 or SK_ERR_ARG. */
int sk_blas_gabor_bank(int K, int k, double sigma, double lambda, double gamma, double psi,
                       float *out);

/* Second derivative of a Gaussian along u, scale-normalised:
 * g = sigma^2 d2G/du2 = (u^2 / sigma^2 - 1) G(x, y; sigma) with G the
 * normalised 2-D Gaussian, then the sampled mean removed. A dark line
 * (valley) running along v gives a positive response. out holds K * k * k
 * floats. Returns 0 or SK_ERR_ARG. */
int sk_blas_gauss2_bank(int K, int k, double sigma, float *out);

/* ------------------------------------------------------------------- PCA */

/* Principal components of N pixels x d channels (1 <= d <= 64). The data are
 * d planes of w x h (row stride `stride`, planes `plane_stride` apart, e.g.
 * an sk_image_t); mask (optional) selects pixels with value > 0.5.
 * Outputs (caller arrays): mean[d]; cov[d * d] (population covariance, divide
 * by N; may be NULL); eigval[d] in decreasing order; eigvec[d * d] row-major,
 * row c = unit component c, sign chosen so its largest-magnitude entry is
 * positive. Returns 0, SK_ERR_ARG, SK_ERR_QUALITY (fewer than 2 pixels),
 * SK_ERR_NOMEM. */
int sk_blas_pca_fit(const float *data, size_t stride, size_t plane_stride, int w, int h, int d,
                    const float *mask, size_t mask_stride, double *mean, double *cov,
                    double *eigval, double *eigvec);

/* Project onto the first nc components: dst_c(x, y) = sum_i eigvec[c * d + i]
 * (data_i(x, y) - mean[i]), output c at dst + c * dst_plane. Returns 0,
 * SK_ERR_ARG, SK_ERR_NOMEM. */
int sk_blas_pca_project(const float *data, size_t stride, size_t plane_stride, int w, int h,
                        int d, const double *mean, const double *eigvec, int nc, float *dst,
                        size_t dst_stride, size_t dst_plane);

/* Symmetric eigen-decomposition of a d x d matrix (row-major, d <= 64) by
 * cyclic Jacobi rotations in double. eigval[d] decreasing; eigvec row c =
 * unit eigenvector c (sign as in sk_blas_pca_fit). Returns 0 or SK_ERR_ARG. */
int sk_blas_sym_eig(int d, const double *A, double *eigval, double *eigvec);

/* --------------------------------------------------------------- scoring */

/* scores = X W + b for n feature vectors: X is n x d (row stride ldx), W is
 * d x m row-major (m models), b[m] (NULL: no bias), scores n x m (row stride
 * lds). Returns 0 or SK_ERR_ARG. */
int sk_blas_linear_score(const float *X, size_t ldx, int n, int d, const float *W, int m,
                         const float *b, float *scores, size_t lds);

#ifdef __cplusplus
}
#endif

#endif /* SK_BLAS_H */
