/* Thinning to one-pixel, 8-connected skeletons: Zhang & Suen, "A fast
 * parallel algorithm for thinning digital patterns" (CACM 1984), then one
 * sequential pass that removes the staircase corners Zhang-Suen leaves
 * (pixels whose removal keeps 8-connectivity by Yokoi's connectivity
 * number), so that every curve pixel has exactly two neighbours.
 * The per-pixel tests depend only on the 8-neighbour pattern, so they are
 * tabulated once per call (256 entries per test). */
#include <string.h>

#include "sk_kernels.h"

/* neighbour k (bit k of a pattern) clockwise from north: P2 .. P9 */
static const int DX[8] = {0, 1, 1, 1, 0, -1, -1, -1}, DY[8] = {-1, -1, 0, 1, 1, 1, 0, -1};

static inline unsigned pattern(const uint8_t *m, size_t s, int w, int h, int x, int y)
{
    unsigned p = 0;
    if (x > 0 && y > 0 && x < w - 1 && y < h - 1) {
        const uint8_t *u = m + (size_t)(y - 1) * s + x, *c = u + s, *d = c + s;
        p = (u[0] != 0) | (u[1] != 0) << 1 | (c[1] != 0) << 2 | (d[1] != 0) << 3 |
            (d[0] != 0) << 4 | (d[-1] != 0) << 5 | (c[-1] != 0) << 6 | (u[-1] != 0) << 7;
        return p;
    }
    for (int k = 0; k < 8; k++) {
        int xx = x + DX[k], yy = y + DY[k];
        p |= (unsigned)(xx >= 0 && yy >= 0 && xx < w && yy < h && m[(size_t)yy * s + xx] != 0)
             << k;
    }
    return p;
}

/* del[pass][p]: Zhang-Suen deletes a pixel with 2..6 neighbours, exactly one
 * 0->1 transition around it, and (pass 0) not (P2 P4 P6 or P4 P6 P8 all on),
 * (pass 1) not (P2 P4 P8 or P2 P6 P8 all on). stair[p]: a corner pixel (two
 * 4-neighbours at a right angle on) whose Yokoi number
 * N8 = sum_{k in E,N,W,S} (~x_k - ~x_k ~x_{k+1} ~x_{k+2}) is 1. */
static void tables(uint8_t del[2][256], uint8_t stair[256])
{
    for (unsigned pt = 0; pt < 256; pt++) {
        int p[8], b = 0, a = 0;
        for (int k = 0; k < 8; k++)
            p[k] = (pt >> k) & 1;
        for (int k = 0; k < 8; k++) {
            b += p[k];
            a += !p[k] && p[(k + 1) & 7];
        }
        int ok = b >= 2 && b <= 6 && a == 1;
        del[0][pt] = ok && !((p[0] && p[2] && p[4]) || (p[2] && p[4] && p[6]));
        del[1][pt] = ok && !((p[0] && p[2] && p[6]) || (p[0] && p[4] && p[6]));
        /* counter-clockwise from E: E NE N NW W SW S SE */
        int q[8] = {p[2], p[1], p[0], p[7], p[6], p[5], p[4], p[3]};
        int corner = (p[0] && p[2]) || (p[2] && p[4]) || (p[4] && p[6]) || (p[6] && p[0]);
        int n8 = 0;
        for (int k = 0; k < 8; k += 2) {
            int a0 = !q[k], a1 = !q[(k + 1) & 7], a2 = !q[(k + 2) & 7];
            n8 += a0 - a0 * a1 * a2;
        }
        stair[pt] = b >= 2 && corner && n8 == 1;
    }
}

/* next nonzero byte of a row at or after x (w if none), 8 bytes at a time */
static inline int skip_zeros(const uint8_t *r, int x, int w)
{
    for (;;) {
        if (x + 8 > w)
            break;
        uint64_t v;
        memcpy(&v, r + x, 8);
        if (v)
            break;
        x += 8;
    }
    while (x < w && !r[x])
        x++;
    return x;
}

int sk_morph_thin(uint8_t *m, size_t s, int w, int h)
{
    if (!m || w < 1 || h < 1 || s < (size_t)w)
        return sk_error_set(SK_ERR_ARG, "thin: bad argument");
    uint8_t del[2][256], stair[256];
    tables(del, stair);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            m[(size_t)y * s + x] = m[(size_t)y * s + x] != 0;
    /* pixels to delete are marked 2 during a sub-iteration (they still count
     * as on for their neighbours: the sub-iteration is parallel), then
     * cleared */
    int changed = 1;
    while (changed) {
        changed = 0;
        for (int pass = 0; pass < 2; pass++) {
            int marked = 0;
            for (int y = 0; y < h; y++) {
                uint8_t *r = m + (size_t)y * s;
                for (int x = skip_zeros(r, 0, w); x < w; x = skip_zeros(r, x + 1, w))
                    if (del[pass][pattern(m, s, w, h, x, y)]) {
                        r[x] = 2;
                        marked = 1;
                    }
            }
            if (!marked)
                continue;
            changed = 1;
            for (int y = 0; y < h; y++) {
                uint8_t *r = m + (size_t)y * s;
                for (int x = skip_zeros(r, 0, w); x < w; x = skip_zeros(r, x + 1, w))
                    r[x] &= 1;
            }
        }
    }
    /* staircase corners, sequentially: each removal is seen by the next */
    for (int y = 0; y < h; y++) {
        uint8_t *r = m + (size_t)y * s;
        for (int x = skip_zeros(r, 0, w); x < w; x = skip_zeros(r, x + 1, w))
            if (stair[pattern(m, s, w, h, x, y)])
                r[x] = 0;
    }
    return SK_OK;
}
