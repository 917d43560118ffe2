/* Interleaved 8-bit RGB to float planes, AVX2: eight pixels (24 bytes, read
 * exactly) per step, split by byte shuffles, widened to int32 and converted;
 * the product with the scale is the plain C one, so the floats are the same. */
#include <immintrin.h>

#include "pcore.h"

/* byte b of the 24-byte group: from the first 16 bytes when b < 16, else
 * from the last 8 (-1: zero) */
#define SK_SEL_LO(b) ((b) < 16 ? (b) : -1)
#define SK_SEL_HI(b) ((b) >= 16 ? (b)-16 : -1)
#define SK_SEL(f, c)                                                                               \
    _mm_setr_epi8(f(c), f(c + 3), f(c + 6), f(c + 9), f(c + 12), f(c + 15), f(c + 18), f(c + 21),  \
                  -1, -1, -1, -1, -1, -1, -1, -1)

static inline void put(float *d, __m128i bytes, __m256 scale)
{
    _mm256_storeu_ps(d, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bytes)), scale));
}

void sk_image_rgb8_row_to_planes_avx2(const unsigned char *src, int w, float scale, float *r,
                                      float *g, float *b)
{
    const __m256 vs = _mm256_set1_ps(scale);
    const __m128i rl = SK_SEL(SK_SEL_LO, 0), rh = SK_SEL(SK_SEL_HI, 0);
    const __m128i gl = SK_SEL(SK_SEL_LO, 1), gh = SK_SEL(SK_SEL_HI, 1);
    const __m128i bl = SK_SEL(SK_SEL_LO, 2), bh = SK_SEL(SK_SEL_HI, 2);
    int x = 0;
    for (; x + 8 <= w; x += 8) {
        const unsigned char *p = src + 3 * (size_t)x;
        const __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)p);
        const __m128i hi = _mm_loadl_epi64((const __m128i *)(const void *)(p + 16));
        put(r + x, _mm_or_si128(_mm_shuffle_epi8(lo, rl), _mm_shuffle_epi8(hi, rh)), vs);
        put(g + x, _mm_or_si128(_mm_shuffle_epi8(lo, gl), _mm_shuffle_epi8(hi, gh)), vs);
        put(b + x, _mm_or_si128(_mm_shuffle_epi8(lo, bl), _mm_shuffle_epi8(hi, bh)), vs);
    }
    if (x < w)
        sk_image_rgb8_row_to_planes_scalar(src + 3 * (size_t)x, 3, w - x, scale, r + x, g + x,
                                           b + x);
}
