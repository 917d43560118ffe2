/* sRGB decode, AVX2+FMA: 8 pixels per step, masked tail (same arithmetic
 * for every pixel of a row). */
#include "pcolour_avx2.h"

void sk_colour_srgb_to_linear_avx2(const float *src, size_t ss, float *dst, size_t ds, int w,
                                   int h)
{
    for (int y = 0; y < h; y++) {
        const float *s = src + (size_t)y * ss;
        float *d = dst + (size_t)y * ds;
        int x = 0;
        for (; x + 8 <= w; x += 8)
            _mm256_storeu_ps(d + x, skc_v_srgb_decode(skc_v_sanitise(_mm256_loadu_ps(s + x))));
        if (x < w) {
            __m256i m = skc_v_tail_mask(w - x);
            __m256 v = skc_v_srgb_decode(skc_v_sanitise(_mm256_maskload_ps(s + x, m)));
            _mm256_maskstore_ps(d + x, m, v);
        }
    }
}
