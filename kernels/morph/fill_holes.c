/* Hole filling: background pixels not 4-connected to the image border
 * become on (a breadth-first flood of the background from the border). */
#include <stdlib.h>
#include <string.h>

#include "sk_kernels.h"

int sk_morph_fill_holes(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h,
                        void *scratch)
{
    if (!src || !dst || w < 1 || h < 1 || ss < (size_t)w || ds < (size_t)w)
        return sk_error_set(SK_ERR_ARG, "fill_holes: bad argument");
    if (src == dst && ss != ds)
        return sk_error_set(SK_ERR_ARG, "fill_holes: in place needs equal strides");
    void *own = NULL;
    if (!scratch) {
        own = malloc(sk_morph_scratch_size(w, h));
        if (!own)
            return sk_error_set(SK_ERR_NOMEM, "fill_holes: out of memory");
        scratch = own;
    }
    /* reach: 1 for background pixels 4-connected to the border */
    int32_t *queue = scratch; /* (w+1)*h >= w*h entries; every pixel enters once */
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
