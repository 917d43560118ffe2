/* 8-connected labelling and component statistics against a flood fill in
 * raster order, and patterns with known counts. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const int WIDTHS[] = {1, 7, 31, 33, 1000};
#define NW (int)(sizeof WIDTHS / sizeof WIDTHS[0])

/* Flood fill in raster order: the same numbering the kernel promises. */
static int slow_label(const uint8_t *m, size_t ms, int w, int h, int32_t *lab)
{
    int *stack = malloc(sizeof(int) * (size_t)w * h + sizeof(int));
    int n = 0;
    for (int i = 0; i < w * h; i++)
        lab[i] = 0;
    for (int y0 = 0; y0 < h; y0++)
        for (int x0 = 0; x0 < w; x0++) {
            if (!m[(size_t)y0 * ms + x0] || lab[y0 * w + x0])
                continue;
            n++;
            int top = 0;
            stack[top++] = y0 * w + x0;
            lab[y0 * w + x0] = n;
            while (top) {
                int p = stack[--top], x = p % w, y = p / w;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = x + dx, yy = y + dy;
                        if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                            continue;
                        if (m[(size_t)yy * ms + xx] && !lab[yy * w + xx]) {
                            lab[yy * w + xx] = n;
                            stack[top++] = yy * w + xx;
                        }
                    }
            }
        }
    free(stack);
    return n;
}

static void check_against_slow(const uint8_t *m, size_t ms, int w, int h, const float *v,
                               size_t vs, sk_label_ws *ws, size_t ls)
{
    int32_t *lab = malloc(sizeof(int32_t) * ls * h), *ref = malloc(sizeof(int32_t) * w * h);
    const sk_component_t *c;
    int n;
    cr_assert_eq(sk_label(m, ms, w, h, lab, ls, v, vs, ws, &c, &n), SK_OK);
    int rn = slow_label(m, ms, w, h, ref);
    cr_assert_eq(n, rn, "w %d h %d: %d components, flood fill %d", w, h, n, rn);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            cr_assert_eq(lab[(size_t)y * ls + x], ref[y * w + x], "w %d at (%d,%d)", w, x, y);
    for (int k = 1; k <= n; k++) {
        int64_t area = 0, per = 0;
        double sx = 0, sy = 0, sum = 0, mn = INFINITY, mx = -INFINITY;
        int x0 = w, x1 = -1, y0 = h, y1 = -1;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                if (ref[y * w + x] != k)
                    continue;
                area++;
                sx += x, sy += y;
                x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0, y1 = y > y1 ? y : y1;
                if (v) {
                    double q = v[(size_t)y * vs + x];
                    sum += q, mn = q < mn ? q : mn, mx = q > mx ? q : mx;
                }
                int edge = x == 0 || y == 0 || x == w - 1 || y == h - 1 ||
                           !m[(size_t)y * ms + x - 1] || !m[(size_t)y * ms + x + 1] ||
                           !m[(size_t)(y - 1) * ms + x] || !m[(size_t)(y + 1) * ms + x];
                per += edge;
            }
        const sk_component_t *q = &c[k - 1];
        cr_assert_eq(q->label, k);
        cr_assert_eq(q->area, area);
        cr_assert_float_eq(q->cx, sx / area, 1e-9);
        cr_assert_float_eq(q->cy, sy / area, 1e-9);
        cr_assert(q->x0 == x0 && q->x1 == x1 && q->y0 == y0 && q->y1 == y1, "bbox of %d", k);
        cr_assert_eq(q->perimeter, per, "perimeter of %d: %d vs %lld", k, q->perimeter,
                     (long long)per);
        if (v) {
            cr_assert_float_eq(q->sum, sum, 1e-6 * (1 + fabs(sum)));
            cr_assert_float_eq(q->min, mn, 0);
            cr_assert_float_eq(q->max, mx, 0);
            cr_assert_float_eq(q->mean, sum / area, 1e-6);
        } else {
            cr_assert(q->sum == 0 && q->min == 0 && q->max == 0 && q->mean == 0);
        }
    }
    free(lab);
    free(ref);
}

Test(label, random_masks_match_flood_fill)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed());
    sk_label_ws ws = {0};
    const double dens[3] = {0.2, 0.45, 0.8};
    for (int t = 0; t < NW; t++)
        for (int d = 0; d < 3; d++)
            for (int pad = 0; pad <= 9; pad += 9) {
                const int w = WIDTHS[t], h = t == NW - 1 ? 23 : 41;
                const size_t ms = (size_t)w + pad, vs = (size_t)w + 2 * pad, ls = (size_t)w + 3 * pad;
                uint8_t *m = malloc(ms * h);
                float *v = malloc(sizeof(float) * vs * h);
                for (size_t i = 0; i < ms * h; i++)
                    m[i] = sk_test_rng_uniform(&r) < dens[d] ? (uint8_t)(1 + i % 255) : 0;
                sk_test_fill_uniform(v, vs, w, h, -2, 5, &r);
                check_against_slow(m, ms, w, h, (pad ? v : NULL), vs, &ws, ls);
                free(m);
                free(v);
            }
    sk_label_ws_free(&ws);
    sk_label_ws_free(&ws); /* twice is fine */
}

static int count(const uint8_t *m, int w, int h, sk_label_ws *ws, const sk_component_t **c)
{
    int32_t *lab = malloc(sizeof(int32_t) * w * h);
    int n = -1;
    cr_assert_eq(sk_label(m, w, w, h, lab, w, NULL, 0, ws, c, &n), SK_OK);
    free(lab);
    return n;
}

Test(label, known_patterns)
{
    sk_label_ws ws = {0};
    const sk_component_t *c;
    /* diagonal-only contact: one component under 8-connectivity */
    const uint8_t diag[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    cr_assert_eq(count(diag, 4, 4, &ws, &c), 1);
    cr_assert_eq(c[0].area, 4);
    /* anti-diagonal: the merge comes from the up-right neighbour */
    const uint8_t anti[16] = {0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0};
    cr_assert_eq(count(anti, 4, 4, &ws, &c), 1);
    /* checkerboard: all one component */
    uint8_t cb[64];
    for (int i = 0; i < 64; i++)
        cb[i] = ((i % 8) + (i / 8)) % 2;
    cr_assert_eq(count(cb, 8, 8, &ws, &c), 1);
    /* isolated pixels two apart: 9 components */
    uint8_t iso[25] = {0};
    for (int y = 0; y < 5; y += 2)
        for (int x = 0; x < 5; x += 2)
            iso[y * 5 + x] = 1;
    cr_assert_eq(count(iso, 5, 5, &ws, &c), 9);
    /* empty and full */
    uint8_t e[35] = {0};
    cr_assert_eq(count(e, 7, 5, &ws, &c), 0);
    memset(e, 1, sizeof e);
    cr_assert_eq(count(e, 7, 5, &ws, &c), 1);
    cr_assert_eq(c[0].area, 35);
    cr_assert_eq(c[0].perimeter, 2 * 7 + 2 * 5 - 4);
    cr_assert_float_eq(c[0].cx, 3, 1e-12);
    cr_assert_float_eq(c[0].cy, 2, 1e-12);
    /* a 1-pixel-wide column with gaps: w = 1 */
    const uint8_t col[9] = {1, 1, 0, 1, 0, 0, 1, 1, 1};
    cr_assert_eq(count(col, 1, 9, &ws, &c), 3);
    cr_assert_eq(c[2].area, 3);
    sk_label_ws_free(&ws);
}

Test(label, spiral_is_one_component_late_merges)
{
    /* a square spiral, 1 pixel wide with 1-pixel gaps: one component whose
     * runs only join through its outer arm */
    const int w = 41, h = 41;
    uint8_t *m = calloc((size_t)w * h, 1);
    int x = 0, y = 0, dx = 1, dy = 0, len = w - 1, turns = 0;
    m[0] = 1;
    while (len > 0) {
        for (int i = 0; i < len; i++) {
            x += dx, y += dy;
            m[y * w + x] = 1;
        }
        int t = dx;
        dx = -dy, dy = t;
        if (++turns % 2 == 0) /* lengths n, n, n-2, n-2, ...: 1-pixel gaps */
            len -= 2;
    }
    sk_label_ws ws = {0};
    const sk_component_t *c;
    int n = count(m, w, h, &ws, &c);
    int32_t *ref = malloc(sizeof(int32_t) * w * h);
    cr_assert_eq(n, slow_label(m, w, w, h, ref));
    cr_assert_eq(n, 1);
    check_against_slow(m, w, w, h, NULL, 0, &ws, w);
    free(ref);
    free(m);
    sk_label_ws_free(&ws);
}

Test(label, area_filter_removes_outside_range)
{
    const int w = 12, h = 6;
    uint8_t m[72] = {0};
    m[0] = 1;                            /* area 1 */
    m[3] = m[4] = m[3 + 12] = 1;         /* area 3 */
    for (int y = 2; y < 6; y++)          /* area 16 */
        for (int x = 6; x < 10; x++)
            m[y * w + x] = 1;
    int32_t lab[72];
    sk_label_ws ws = {0};
    uint8_t a[72];
    memcpy(a, m, sizeof a);
    cr_assert_eq(sk_morph_area_filter(a, w, w, h, 2, 0, lab, w, &ws), SK_OK);
    cr_assert(a[0] == 0 && a[3] == 1 && a[2 * w + 6] == 1);
    memcpy(a, m, sizeof a);
    cr_assert_eq(sk_morph_area_filter(a, w, w, h, 2, 10, lab, w, &ws), SK_OK);
    cr_assert(a[0] == 0 && a[3] == 1 && a[2 * w + 6] == 0);
    sk_label_ws_free(&ws);
}

Test(label, refuses_bad_arguments)
{
    uint8_t m[4] = {1};
    int32_t l[4];
    sk_label_ws ws = {0};
    const sk_component_t *c;
    int n;
    cr_assert_eq(sk_label(m, 1, 2, 2, l, 2, NULL, 0, &ws, &c, &n), SK_ERR_ARG);
    cr_assert_eq(sk_label(m, 2, 2, 2, l, 2, NULL, 0, NULL, &c, &n), SK_ERR_ARG);
    cr_assert_eq(sk_label(m, 2, 0, 2, l, 2, NULL, 0, &ws, &c, &n), SK_ERR_ARG);
    sk_label_ws_free(&ws);
}
