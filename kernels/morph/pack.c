/* Bit packing of mask rows, scalar reference: eight bytes at a time with
 * the multiply tricks that gather / spread one bit per byte. */
#include <string.h>

#include "pmorph.h"

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
#define LOWS 0x7f7f7f7f7f7f7f7full

/* 8 bytes -> 8 bits (bit j = byte j nonzero) */
static inline uint64_t pack8(uint64_t v)
{
    uint64_t nz = (((v & LOWS) + LOWS) | v) & HIGHS; /* high bit of each nonzero byte */
    return ((nz >> 7) * 0x0102040810204080ull) >> 56;
}

/* 8 bits -> 8 bytes 0/1 */
static inline uint64_t unpack8(uint64_t b)
{
    uint64_t x = (b * ONES) & 0x8040201008040201ull;
    return ((x + LOWS) & HIGHS) >> 7;
}

void sk_morph_pack_scalar(const uint8_t *src, int w, int invert, uint64_t *dst)
{
    const int nw = (w + 63) / 64;
    for (int i = 0; i < nw; i++) {
        const int x0 = 64 * i, n = w - x0 < 64 ? w - x0 : 64;
        uint64_t word = 0;
        if (n == 64) {
            for (int g = 0; g < 8; g++) {
                uint64_t v;
                memcpy(&v, src + x0 + 8 * g, 8);
                word |= pack8(v) << (8 * g);
            }
        } else {
            for (int b = 0; b < n; b++)
                word |= (uint64_t)(src[x0 + b] != 0) << b;
        }
        if (invert)
            word = ~word;
        if (n < 64)
            word &= (1ull << n) - 1;
        dst[i] = word;
    }
}

void sk_morph_unpack_scalar(const uint64_t *src, int w, int invert, uint8_t *dst)
{
    const uint64_t flip = invert ? ONES : 0;
    int x = 0;
    for (; x + 8 <= w; x += 8) {
        uint64_t v = unpack8((src[x >> 6] >> (x & 63)) & 0xff) ^ flip;
        memcpy(dst + x, &v, 8);
    }
    for (; x < w; x++)
        dst[x] = (uint8_t)(((src[x >> 6] >> (x & 63)) & 1) ^ (uint64_t)invert);
}
