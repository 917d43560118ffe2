/* Internal header of the stats family: variants callable from the tests. */
#ifndef SK_PSTATS_H
#define SK_PSTATS_H

#include <assert.h>
#include <stddef.h>

#include "sk_kernels.h"

/* scipy.ndimage 'reflect' index for any i (period 2n): d c b a | a b c d | d c b a. */
static inline long sk_stats_reflect(long i, long n)
{
    assert(n > 0);
    long p = 2 * n;
    long m = i % p;
    if (m < 0)
        m += p;
    return m < n ? m : p - 1 - m;
}

/* Local mean / variance, scalar reference (double accumulators). mask may be
 * NULL; mean or var may be NULL. scratch holds sk_stats_local_scratch_size(w, r)
 * bytes. */
void sk_stats_local_mean_var_scalar(const float *src, size_t ss, const float *mask, size_t ms,
                                    float *mean, size_t mns, float *var, size_t vs, int w, int h,
                                    int r, void *scratch);
#endif
