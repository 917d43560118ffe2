/* Labelling, morphology, thinning, tracing, GLCM and LBP against slow
 * definitions and hand-made cases. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static uint8_t *random_mask(int w, int h, double p, sk_test_rng *r)
{
    uint8_t *m = malloc((size_t)w * h);
    for (size_t i = 0; i < (size_t)w * h; i++)
        m[i] = sk_test_rng_uniform(r) < p;
    return m;
}

Test(label, known_patterns)
{
    /* diagonal-only contact is one component under 8-connectivity */
    const uint8_t diag[4 * 4] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    int32_t lab[16];
    sk_label_ws ws = {0};
    const sk_component_t *c;
    int n;
    cr_assert_eq(sk_label(diag, 4, 4, 4, lab, 4, NULL, 0, &ws, &c, &n), SK_OK);
    cr_assert_eq(n, 1);
    cr_assert_eq(c[0].area, 4);
    cr_assert_float_eq(c[0].cx, 1.5, 1e-12);
    /* U shape joins late: raster-order labels, one component */
    const uint8_t u[3 * 5] = {1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1};
    int32_t lu[15];
    cr_assert_eq(sk_label(u, 5, 5, 3, lu, 5, NULL, 0, &ws, &c, &n), SK_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(c[0].area, 7);
    cr_assert_eq(c[1].area, 3);
    cr_assert_eq(lu[4], 2);
    /* values: sum/min/max */
    const float v[15] = {1, 0, 2, 0, 5, 3, 0, 4, 0, 6, 7, 8, 9, 0, 10};
    cr_assert_eq(sk_label(u, 5, 5, 3, lu, 5, v, 5, &ws, &c, &n), SK_OK);
    cr_assert_float_eq(c[0].sum, 1 + 2 + 3 + 4 + 7 + 8 + 9, 1e-9);
    cr_assert_float_eq(c[1].max, 10, 1e-9);
    cr_assert_float_eq(c[1].min, 5, 1e-9);
    cr_assert_eq(c[0].x0, 0);
    cr_assert_eq(c[0].x1, 2);
    sk_label_ws_free(&ws);
}

/* slow flood-fill labelling count */
static int slow_count(const uint8_t *m, int w, int h)
{
    uint8_t *seen = calloc((size_t)w * h, 1);
    int *stack = malloc(sizeof(int) * w * h * 9);
    int n = 0;
    for (int i = 0; i < w * h; i++) {
        if (!m[i] || seen[i])
            continue;
        n++;
        int top = 0;
        stack[top++] = i;
        seen[i] = 1;
        while (top) {
            int p = stack[--top], x = p % w, y = p / w;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int xx = x + dx, yy = y + dy;
                    if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                        continue;
                    int q = yy * w + xx;
                    if (m[q] && !seen[q]) {
                        seen[q] = 1;
                        stack[top++] = q;
                    }
                }
        }
    }
    free(seen);
    free(stack);
    return n;
}

Test(label, random_masks_match_flood_fill)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed());
    const int widths[] = {1, 7, 31, 33, 200};
    sk_label_ws ws = {0};
    for (int t = 0; t < 5; t++) {
        int w = widths[t], h = 37;
        uint8_t *m = random_mask(w, h, 0.45, &r);
        int32_t *lab = malloc(sizeof(int32_t) * w * h);
        const sk_component_t *c;
        int n;
        cr_assert_eq(sk_label(m, w, w, h, lab, w, NULL, 0, &ws, &c, &n), SK_OK);
        cr_assert_eq(n, slow_count(m, w, h), "width %d", w);
        int64_t area = 0;
        for (int i = 0; i < n; i++)
            area += c[i].area;
        int64_t on = 0;
        for (int i = 0; i < w * h; i++)
            on += m[i];
        cr_assert_eq(area, on);
        free(m);
        free(lab);
    }
    sk_label_ws_free(&ws);
}

static int slow_morph(const uint8_t *m, int w, int h, int x, int y, int r, int disk, int erode)
{
    for (int dy = -r; dy <= r; dy++)
        for (int dx = -r; dx <= r; dx++) {
            if (disk && dx * dx + dy * dy > r * r)
                continue;
            int xx = x + dx, yy = y + dy;
            int v = (xx < 0 || yy < 0 || xx >= w || yy >= h) ? erode : m[yy * w + xx];
            if (erode && !v)
                return 0;
            if (!erode && v)
                return 1;
        }
    return erode;
}

Test(morph, erode_dilate_match_definition)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed() + 1);
    const int widths[] = {1, 7, 33, 90};
    for (int t = 0; t < 4; t++) {
        int w = widths[t], h = 29;
        uint8_t *m = random_mask(w, h, 0.5, &r), *o = malloc((size_t)w * h);
        for (int disk = 0; disk <= 1; disk++)
            for (int rad = 0; rad <= 4; rad += 2)
                for (int erode = 0; erode <= 1; erode++) {
                    int rc = erode ? sk_morph_erode(m, w, o, w, w, h, rad, disk, NULL)
                                   : sk_morph_dilate(m, w, o, w, w, h, rad, disk, NULL);
                    cr_assert_eq(rc, SK_OK);
                    for (int y = 0; y < h; y++)
                        for (int x = 0; x < w; x++)
                            cr_assert_eq(o[y * w + x],
                                         slow_morph(m, w, h, x, y, rad, disk, erode),
                                         "w %d r %d disk %d erode %d at %d,%d", w, rad, disk,
                                         erode, x, y);
                }
        free(m);
        free(o);
    }
}

Test(morph, fill_holes_and_area_filter)
{
    const int w = 9, h = 7;
    uint8_t m[63] = {0};
    for (int y = 1; y < 6; y++)
        for (int x = 1; x < 6; x++)
            m[y * w + x] = (y == 1 || y == 5 || x == 1 || x == 5);
    m[3 * w + 8] = 1; /* a lone pixel */
    uint8_t o[63];
    cr_assert_eq(sk_morph_fill_holes(m, w, o, w, w, h, NULL), SK_OK);
    cr_assert_eq(o[3 * w + 3], 1);
    cr_assert_eq(o[0], 0);
    int32_t lab[63];
    sk_label_ws ws = {0};
    cr_assert_eq(sk_morph_area_filter(m, w, w, h, 2, 0, lab, w, &ws), SK_OK);
    cr_assert_eq(m[3 * w + 8], 0);
    cr_assert_eq(m[1 * w + 1], 1);
    sk_label_ws_free(&ws);
}

Test(thin, thick_line_and_ring_topology_and_length)
{
    const int w = 120, h = 60;
    uint8_t *m = calloc((size_t)w * h, 1);
    /* a 7-pixel-thick horizontal bar from x = 10 to 109 */
    for (int y = 17; y < 24; y++)
        for (int x = 10; x < 110; x++)
            m[y * w + x] = 1;
    cr_assert_eq(sk_morph_thin(m, w, w, h), SK_OK);
    int on = 0;
    for (int i = 0; i < w * h; i++)
        on += m[i];
    /* one pixel wide: about the bar's length minus the thickness */
    cr_assert(on >= 90 && on <= 100, "skeleton pixels %d", on);
    sk_trace_ws tw = {0};
    const sk_polyline_t *lines;
    const int32_t *pts;
    int nl;
    cr_assert_eq(sk_morph_trace(m, w, w, h, &tw, &lines, &nl, &pts), SK_OK);
    cr_assert_eq(nl, 1, "lines %d", nl);
    cr_assert(lines[0].length >= 88 && lines[0].length <= 100, "length %g", lines[0].length);
    /* a ring thins to a closed loop: one polyline, no end points */
    memset(m, 0, (size_t)w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double d = hypot(x - 60.0, y - 30.0);
            m[y * w + x] = d >= 15 && d <= 19;
        }
    cr_assert_eq(sk_morph_thin(m, w, w, h), SK_OK);
    cr_assert_eq(sk_morph_trace(m, w, w, h, &tw, &lines, &nl, &pts), SK_OK);
    cr_assert_eq(nl, 1, "ring lines %d", nl);
    /* circumference 2 pi 17 = 107 within 10 % */
    cr_assert_float_eq(lines[0].length, 2 * M_PI * 17, 11, "ring length %g", lines[0].length);
    sk_trace_ws_free(&tw);
    free(m);
}

Test(glcm, hand_case_and_properties)
{
    /* the classic 4x4 example with 4 levels */
    const uint8_t q[16] = {0, 0, 1, 1, 0, 0, 1, 1, 0, 2, 2, 2, 2, 2, 3, 3};
    uint64_t g[16], n;
    cr_assert_eq(sk_texture_glcm(q, 4, NULL, 0, 4, 4, 4, 1, 0, 0, g, &n), SK_OK);
    const uint64_t expect[16] = {2, 2, 1, 0, 0, 2, 0, 0, 0, 0, 3, 1, 0, 0, 0, 1};
    for (int i = 0; i < 16; i++)
        cr_assert_eq(g[i], expect[i], "entry %d", i);
    cr_assert_eq(n, 12);
    sk_haralick_t hp;
    cr_assert_eq(sk_texture_haralick(g, 4, &hp), SK_OK);
    /* by hand: contrast = (2*1 + 1*4 + 1*1 + 0) / 12... computed directly */
    double c = 0, hom = 0, asm_ = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double p = expect[i * 4 + j] / 12.0;
            c += p * (i - j) * (i - j);
            hom += p / (1.0 + (i - j) * (i - j));
            asm_ += p * p;
        }
    cr_assert_float_eq(hp.contrast, c, 1e-12);
    cr_assert_float_eq(hp.homogeneity, hom, 1e-12);
    cr_assert_float_eq(hp.energy, sqrt(asm_), 1e-12);
    cr_assert(hp.correlation > 0.5 && hp.correlation <= 1.0);
    /* a constant image: correlation 1 by convention, contrast 0 */
    const uint8_t k[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    cr_assert_eq(sk_texture_glcm(k, 4, NULL, 0, 4, 4, 4, 0, 1, 1, g, &n), SK_OK);
    cr_assert_eq(sk_texture_haralick(g, 4, &hp), SK_OK);
    cr_assert_float_eq(hp.contrast, 0, 1e-12);
    cr_assert_float_eq(hp.correlation, 1, 1e-12);
    cr_assert_float_eq(hp.energy, 1, 1e-12);
}

Test(glcm, mask_excludes_pairs)
{
    const uint8_t q[8] = {0, 1, 2, 3, 0, 1, 2, 3};
    const uint8_t m[8] = {1, 1, 0, 1, 1, 1, 1, 1};
    uint64_t g[16], n;
    cr_assert_eq(sk_texture_glcm(q, 4, m, 4, 4, 2, 4, 1, 0, 0, g, &n), SK_OK);
    cr_assert_eq(n, 1 + 3); /* row 0: (0,1) only; row 1: all three */
}

Test(lbp, hand_patterns)
{
    /* flat: all neighbours >= centre -> 8 ones, uniform */
    float flat[9] = {5, 5, 5, 5, 5, 5, 5, 5, 5};
    uint8_t c[9];
    cr_assert_eq(sk_texture_lbp_uniform(flat, 3, 3, 3, c, 3), SK_OK);
    cr_assert_eq(c[4], 8);
    cr_assert_eq(c[0], 255);
    /* a bright centre: no neighbour >= centre -> 0 */
    float peak[9] = {1, 1, 1, 1, 9, 1, 1, 1, 1};
    cr_assert_eq(sk_texture_lbp_uniform(peak, 3, 3, 3, c, 3), SK_OK);
    cr_assert_eq(c[4], 0);
    /* an edge: right half brighter -> contiguous ones, uniform, count 3..5 */
    float edge[9] = {0, 5, 9, 0, 5, 9, 0, 5, 9};
    cr_assert_eq(sk_texture_lbp_uniform(edge, 3, 3, 3, c, 3), SK_OK);
    cr_assert(c[4] >= 3 && c[4] <= 5, "edge code %d", c[4]);
    /* a checkerboard: many transitions -> non-uniform code 9 */
    float chk[9] = {9, 0, 9, 0, 4, 0, 9, 0, 9};
    cr_assert_eq(sk_texture_lbp_uniform(chk, 3, 3, 3, c, 3), SK_OK);
    cr_assert_eq(c[4], 9);
    uint64_t hist[10];
    cr_assert_eq(sk_texture_lbp_histogram(c, 3, NULL, 0, 3, 3, hist), SK_OK);
    cr_assert_eq(hist[9], 1);
}
