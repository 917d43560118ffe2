/* Binary erosion, dilation, opening, closing (square or disc), and hole
 * filling. Row prefix sums make each output pixel cost O(1) per row of the
 * structuring element: flat in r for squares (separable), O(r) for discs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sk_kernels.h"

size_t sk_morph_scratch_size(int w, int h)
{
    return ((size_t)w + 1) * (size_t)h * sizeof(int32_t) + (size_t)w * h + 256;
}

/* Row prefix sums of (mask != 0) into P: P[y][x] = sum of row y before x. */
static void prefix_rows(const uint8_t *src, size_t ss, int w, int h, int32_t *P)
{
    for (int y = 0; y < h; y++) {
        const uint8_t *s = src + (size_t)y * ss;
        int32_t *p = P + (size_t)y * (w + 1);
        p[0] = 0;
        for (int x = 0; x < w; x++)
            p[x + 1] = p[x] + (s[x] != 0);
    }
}

/* count of on pixels in row y, columns [a, b] clipped; *len gets the
 * clipped length */
static inline int32_t row_count(const int32_t *P, int w, int y, int a, int b, int *len)
{
    if (a < 0)
        a = 0;
    if (b > w - 1)
        b = w - 1;
    if (b < a) {
        *len = 0;
        return 0;
    }
    const int32_t *p = P + (size_t)y * (w + 1);
    *len = b - a + 1;
    return p[b + 1] - p[a];
}

/* dilate (erode = 0) or erode (erode = 1) */
static int morph(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                 sk_se se, void *scratch, int erode)
{
    if (!src || !dst || w < 1 || h < 1 || r < 0 || ss < (size_t)w || ds < (size_t)w)
        return sk_error_set(SK_ERR_ARG, "morph: bad argument");
    void *own = NULL;
    if (!scratch) {
        own = malloc(sk_morph_scratch_size(w, h));
        if (!own)
            return sk_error_set(SK_ERR_NOMEM, "morph: out of memory");
        scratch = own;
    }
    int32_t *P = scratch;
    uint8_t *tmp = (uint8_t *)(P + (size_t)(w + 1) * h);
    prefix_rows(src, ss, w, h, P);
    if (se == SK_SE_SQUARE) {
        /* horizontal pass into tmp, then vertical running count */
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int len;
                int32_t c = row_count(P, w, y, x - r, x + r, &len);
                tmp[(size_t)y * w + x] = erode ? (c == len) : (c > 0);
            }
        for (int x = 0; x < w; x++) {
            int32_t c = 0;
            /* window [y - r, y + r] over tmp column x, clipped */
            for (int y = 0; y < r && y < h; y++)
                c += tmp[(size_t)y * w + x];
            for (int y = 0; y < h; y++) {
                if (y + r < h)
                    c += tmp[(size_t)(y + r) * w + x];
                if (y - r - 1 >= 0)
                    c -= tmp[(size_t)(y - r - 1) * w + x];
                int lo = y - r < 0 ? 0 : y - r, hi = y + r > h - 1 ? h - 1 : y + r;
                int len = hi - lo + 1;
                dst[(size_t)y * ds + x] = erode ? (c == len) : (c > 0);
            }
        }
    } else {
        int hw[2 * 256 + 1];
        if (r > 256) {
            free(own);
            return sk_error_set(SK_ERR_ARG, "morph: disc radius %d above 256", r);
        }
        for (int dy = -r; dy <= r; dy++)
            hw[dy + r] = (int)floor(sqrt((double)r * r - (double)dy * dy) + 1e-9);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int on = erode ? 1 : 0;
                for (int dy = -r; dy <= r; dy++) {
                    int yy = y + dy;
                    if (yy < 0 || yy >= h)
                        continue; /* outside: on for erosion, off for dilation */
                    int len;
                    int32_t c = row_count(P, w, yy, x - hw[dy + r], x + hw[dy + r], &len);
                    if (erode && c != len) {
                        on = 0;
                        break;
                    }
                    if (!erode && c > 0) {
                        on = 1;
                        break;
                    }
                }
                tmp[(size_t)y * w + x] = (uint8_t)on;
            }
        for (int y = 0; y < h; y++)
            memcpy(dst + (size_t)y * ds, tmp + (size_t)y * w, (size_t)w);
    }
    free(own);
    return SK_OK;
}

int sk_morph_dilate(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                    sk_se se, void *scratch)
{
    return morph(src, ss, dst, ds, w, h, r, se, scratch, 0);
}

int sk_morph_erode(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                   sk_se se, void *scratch)
{
    return morph(src, ss, dst, ds, w, h, r, se, scratch, 1);
}

int sk_morph_open(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                  sk_se se, void *scratch)
{
    int rc = morph(src, ss, dst, ds, w, h, r, se, scratch, 1);
    return rc < 0 ? rc : morph(dst, ds, dst, ds, w, h, r, se, scratch, 0);
}

int sk_morph_close(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                   sk_se se, void *scratch)
{
    int rc = morph(src, ss, dst, ds, w, h, r, se, scratch, 0);
    return rc < 0 ? rc : morph(dst, ds, dst, ds, w, h, r, se, scratch, 1);
}

int sk_morph_fill_holes(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h,
                        void *scratch)
{
    if (!src || !dst || w < 1 || h < 1)
        return sk_error_set(SK_ERR_ARG, "fill_holes: bad argument");
    void *own = NULL;
    if (!scratch) {
        own = malloc(sk_morph_scratch_size(w, h));
        if (!own)
            return sk_error_set(SK_ERR_NOMEM, "fill_holes: out of memory");
        scratch = own;
    }
    /* reach: 1 for background pixels 4-connected to the border */
    int32_t *queue = scratch; /* (w+1)*h >= w*h entries */
    uint8_t *reach = (uint8_t *)(queue + (size_t)(w + 1) * h);
    memset(reach, 0, (size_t)w * h);
    size_t head = 0, tail = 0;
#define PUSH(X, Y)                                                                                  \
    do {                                                                                            \
        size_t i_ = (size_t)(Y) * w + (X);                                                         \
        if (!reach[i_] && !src[(size_t)(Y) * ss + (X)]) {                                          \
            reach[i_] = 1;                                                                         \
            queue[tail++] = (int32_t)i_;                                                           \
        }                                                                                           \
    } while (0)
    for (int x = 0; x < w; x++) {
        PUSH(x, 0);
        PUSH(x, h - 1);
    }
    for (int y = 0; y < h; y++) {
        PUSH(0, y);
        PUSH(w - 1, y);
    }
    while (head < tail) {
        int32_t i = queue[head++];
        int x = i % w, y = i / w;
        if (x > 0)
            PUSH(x - 1, y);
        if (x < w - 1)
            PUSH(x + 1, y);
        if (y > 0)
            PUSH(x, y - 1);
        if (y < h - 1)
            PUSH(x, y + 1);
    }
#undef PUSH
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            dst[(size_t)y * ds + x] = !reach[(size_t)y * w + x];
    free(own);
    return SK_OK;
}
