/* Order statistics without sorting.
 *
 * Radix selection on the float bit patterns: a float maps to an unsigned key
 * with the same order (sign bit flipped, or all bits flipped for negatives).
 * A 4096-bin histogram of the top 12 key bits locates the bin holding rank
 * k; the values of that bin are swapped to the front (v stays a permutation
 * of its input), and the next 12 bits, then the last 8, are histogrammed over
 * them alone. After the three levels the key, hence the value, is pinned.
 * Cost: two passes over n, then two over the bin of rank k (a small part of
 * n for spread data), with no comparisons to mispredict. Short runs (and a
 * bin that has become short) use Hoare's selection. The result is the k-th
 * smallest in the key order, where -0 < +0; the two compare equal, so it is
 * the k-th smallest value either way. */
#include "pstats.h"

#include <assert.h>
#include <string.h>

enum { SEL_SHORT = 64 };

SK_STATS_DEFINE_HOARE(select_hoare, float)

float sk_stats_select_kth(float *v, size_t n, size_t k)
{
    assert(n > 0 && k < n);
    static const int shift[3] = {20, 8, 0}, width[3] = {12, 12, 8};
    uint32_t hist[1 << 12];
    uint32_t prefix = 0;
    for (int l = 0; l < 3; l++) {
        if (n <= SEL_SHORT)
            return select_hoare(v, n, k);
        const int s = shift[l];
        const uint32_t mask = (1u << width[l]) - 1;
        memset(hist, 0, sizeof(uint32_t) << width[l]);
        /* the values in v[0..n) share the key bits above this level */
        for (size_t i = 0; i < n; i++)
            hist[(sk_stats_float_key(v[i]) >> s) & mask]++;
        uint32_t b = 0;
        while (k >= hist[b])
            k -= hist[b++];
        prefix = (prefix << width[l]) | b;
        if (l == 2)
            break;
        /* the bin's values to the front, branch-free */
        size_t j = 0;
        for (size_t i = 0; i < n; i++) {
            float x = v[i], y = v[j];
            int in = ((sk_stats_float_key(x) >> s) & mask) == b;
            v[i] = in ? y : x;
            v[j] = in ? x : y;
            j += (size_t)in;
        }
        assert(j == hist[b]);
        n = j;
    }
    return sk_stats_key_float(prefix);
}
