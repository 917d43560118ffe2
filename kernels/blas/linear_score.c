/* Linear model scoring, scores = X W + b, with GEMV (one model) or GEMM. */
#include <cblas.h>
#include <limits.h>

#include "pblas.h"

int sk_blas_linear_score(const float *X, size_t ldx, int n, int d, const float *W, int m,
                         const float *b, float *scores, size_t lds)
{
    if (!X || !W || !scores)
        return sk_error_set(SK_ERR_ARG, "linear_score: NULL argument");
    if (n < 1 || d < 1 || m < 1 || ldx < (size_t)d || lds < (size_t)m || ldx > (size_t)INT_MAX ||
        lds > (size_t)INT_MAX)
        return sk_error_set(SK_ERR_ARG, "linear_score: bad shape (n %d, d %d, m %d) or strides",
                            n, d, m);
    /* Start from the bias, then accumulate X W on top (beta = 1). */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < m; j++)
            scores[(size_t)i * lds + j] = b ? b[j] : 0.0f;
    if (m == 1)
        cblas_sgemv(CblasRowMajor, CblasNoTrans, n, d, 1.0f, X, (int)ldx, W, 1, 1.0f, scores,
                    (int)lds);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, m, d, 1.0f, X, (int)ldx, W, m,
                    1.0f, scores, (int)lds);
    return SK_OK;
}
