/* Bit packing of mask rows, AVX2: 32 bytes per compare + movemask, and the
 * reverse with a byte shuffle and a per-byte bit test. */
#include <immintrin.h>
#include <string.h>

#include "pmorph.h"

void sk_morph_pack_avx2(const uint8_t *src, int w, int invert, uint64_t *dst)
{
    const int nw = (w + 63) / 64;
    const __m256i zero = _mm256_setzero_si256();
    const int full = w / 64;
    for (int i = 0; i < full; i++) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(src + 64 * i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(src + 64 * i + 32));
        /* movemask of (byte == 0): the zero bits */
        uint64_t z = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, zero)) |
                     (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, zero)) << 32;
        dst[i] = invert ? z : ~z;
    }
    if (full < nw)
        sk_morph_pack_scalar(src + 64 * full, w - 64 * full, invert, dst + full);
}

void sk_morph_unpack_avx2(const uint64_t *src, int w, int invert, uint8_t *dst)
{
    /* byte j of the result tests bit j % 8 of source byte j / 8 */
    const __m256i spread = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2,
                                            2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    const __m256i one = _mm256_set1_epi8(1);
    const __m256i flip = invert ? one : _mm256_setzero_si256();
    int x = 0;
    for (; x + 32 <= w; x += 32) {
        uint32_t v = (uint32_t)(src[x >> 6] >> (x & 63));
        __m256i b = _mm256_shuffle_epi8(_mm256_set1_epi32((int)v), spread);
        __m256i t = _mm256_cmpeq_epi8(_mm256_and_si256(b, bit), bit);
        __m256i o = _mm256_xor_si256(_mm256_and_si256(t, one), flip);
        _mm256_storeu_si256((__m256i *)(void *)(dst + x), o);
    }
    if (x < w) {
        /* the tail starts on a 32-pixel boundary: unpack a shifted copy */
        uint64_t tail[2] = {src[x >> 6] >> (x & 63), 0};
        sk_morph_unpack_scalar(tail, w - x, invert, dst + x);
    }
}
