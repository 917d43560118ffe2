/* Internal header of the blas family: the variants the tests and the
 * benchmark call directly. */
#ifndef SK_PBLAS_H
#define SK_PBLAS_H

#include <assert.h>
#include <stddef.h>

#include "sk_kernels.h"

/* scipy.ndimage 'reflect' index for any i (period 2n). */
static inline long sk_blas_reflect(long i, long n)
{
    assert(n > 0);
    long p = 2 * n;
    long m = i % p;
    if (m < 0)
        m += p;
    return m < n ? m : p - 1 - m;
}

/* Filter bank: direct correlation (the scalar reference; plain C the compiler
 * vectorises) and im2col + sgemm. Both take the scratch of
 * sk_blas_filter_bank_scratch_size(). */
void sk_blas_filter_bank_direct(const float *src, size_t ss, int w, int h, const float *kernels,
                                int K, int k, float *dst, size_t ds, size_t dplane, void *scratch);
void sk_blas_filter_bank_gemm(const float *src, size_t ss, int w, int h, const float *kernels,
                              int K, int k, float *dst, size_t ds, size_t dplane, void *scratch);

/* Output-tile width (pixels) of the GEMM path for kernel size k. */
int sk_blas_filter_bank_tile(int k);
#endif
