/* Thinning and skeleton tracing: topology and length of known shapes,
 * structural invariants on random blobs. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static int count_on(const uint8_t *m, size_t s, int w, int h)
{
    int n = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            n += m[(size_t)y * s + x] != 0;
    return n;
}

static int has_2x2(const uint8_t *m, size_t s, int w, int h)
{
    for (int y = 0; y + 1 < h; y++)
        for (int x = 0; x + 1 < w; x++)
            if (m[y * s + x] && m[y * s + x + 1] && m[(y + 1) * s + x] && m[(y + 1) * s + x + 1])
                return 1;
    return 0;
}

static int components(const uint8_t *m, size_t s, int w, int h)
{
    int32_t *lab = malloc(sizeof(int32_t) * w * h);
    sk_label_ws ws = {0};
    const sk_component_t *c;
    int n = -1;
    cr_assert_eq(sk_label(m, s, w, h, lab, w, NULL, 0, &ws, &c, &n), SK_OK);
    sk_label_ws_free(&ws);
    free(lab);
    return n;
}

/* polylines are chains of 8-adjacent points whose steps add up to the length */
static void check_lines(const sk_polyline_t *l, int n, const int32_t *pts, const uint8_t *m,
                        size_t s)
{
    for (int i = 0; i < n; i++) {
        double len = 0;
        cr_assert_geq(l[i].n, 2);
        for (int k = 0; k < l[i].n; k++) {
            const int32_t *p = pts + 2 * (l[i].first + k);
            cr_assert(m[(size_t)p[1] * s + p[0]], "line %d point %d off the skeleton", i, k);
            if (k) {
                int dx = abs(p[0] - p[-2]), dy = abs(p[1] - p[-1]);
                cr_assert(dx <= 1 && dy <= 1 && dx + dy > 0, "line %d step %d not 8-adjacent", i, k);
                len += dx && dy ? M_SQRT2 : 1;
            }
        }
        cr_assert_float_eq(l[i].length, len, 1e-9);
    }
}

Test(thin, bar_rectangle_ring_topology_and_length)
{
    const int w = 140, h = 70;
    const size_t s = w + 13; /* padded stride */
    uint8_t *m = calloc(s * h, 1);
    sk_trace_ws tw = {0};
    const sk_polyline_t *lines;
    const int32_t *pts;
    int nl;
    /* a 7-pixel-thick bar, 100 long: one line of length 100 - 7 .. 100 */
    for (int y = 17; y < 24; y++)
        for (int x = 10; x < 110; x++)
            m[y * s + x] = 255;
    cr_assert_eq(sk_morph_thin(m, s, w, h), SK_OK);
    cr_assert(!has_2x2(m, s, w, h));
    cr_assert_eq(components(m, s, w, h), 1);
    cr_assert_eq(sk_morph_trace(m, s, w, h, &tw, &lines, &nl, &pts), SK_OK);
    cr_assert_eq(nl, 1, "bar lines %d", nl);
    cr_assert(lines[0].length >= 88 && lines[0].length <= 100, "bar length %g", lines[0].length);
    check_lines(lines, nl, pts, m, s);
    /* a diagonal bar 5 thick: length ~ sqrt(2) * 60 within 12 % */
    memset(m, 0, s * h);
    for (int t = 0; t < 60; t++)
        for (int k = -2; k <= 2; k++) {
            m[(5 + t) * s + 20 + t + k] = 1;
        }
    cr_assert_eq(sk_morph_thin(m, s, w, h), SK_OK);
    cr_assert_eq(sk_morph_trace(m, s, w, h, &tw, &lines, &nl, &pts), SK_OK);
    double tot = 0;
    for (int i = 0; i < nl; i++)
        tot += lines[i].length;
    cr_assert(fabs(tot - 60 * M_SQRT2) <= 0.12 * 60 * M_SQRT2, "diagonal length %g", tot);
    check_lines(lines, nl, pts, m, s);
    /* a filled 60 x 20 rectangle: one connected skeleton, 1 px wide, inside */
    memset(m, 0, s * h);
    uint8_t *orig = calloc(s * h, 1);
    for (int y = 20; y < 40; y++)
        for (int x = 30; x < 90; x++)
            m[y * s + x] = orig[y * s + x] = 1;
    cr_assert_eq(sk_morph_thin(m, s, w, h), SK_OK);
    cr_assert_eq(components(m, s, w, h), 1);
    cr_assert(!has_2x2(m, s, w, h));
    for (size_t i = 0; i < s * h; i++)
        cr_assert(!m[i] || orig[i]);
    cr_assert_eq(sk_morph_trace(m, s, w, h, &tw, &lines, &nl, &pts), SK_OK);
    check_lines(lines, nl, pts, m, s);
    tot = 0;
    for (int i = 0; i < nl; i++)
        tot += lines[i].length;
    /* the medial axis: a 40-long spine plus four corner branches; Zhang-Suen
     * keeps the spine at least */
    cr_assert(tot >= 36 && tot <= 40 + 4 * 10 * M_SQRT2, "rectangle skeleton length %g", tot);
    /* a ring: one closed polyline, no end points, 2 pi 17 within 10 % */
    memset(m, 0, s * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double d = hypot(x - 60.0, y - 35.0);
            m[y * s + x] = d >= 15 && d <= 19;
        }
    cr_assert_eq(sk_morph_thin(m, s, w, h), SK_OK);
    cr_assert_eq(sk_morph_trace(m, s, w, h, &tw, &lines, &nl, &pts), SK_OK);
    cr_assert_eq(nl, 1, "ring lines %d", nl);
    cr_assert_float_eq(lines[0].length, 2 * M_PI * 17, 0.1 * 2 * M_PI * 17, "ring %g", lines[0].length);
    check_lines(lines, nl, pts, m, s);
    sk_trace_ws_free(&tw);
    free(m);
    free(orig);
}

Test(thin, cross_traces_into_four_branches)
{
    const int w = 41, h = 41;
    uint8_t m[41 * 41] = {0};
    for (int i = 5; i < 36; i++)
        m[20 * w + i] = m[i * w + 20] = 1;
    cr_assert_eq(sk_morph_thin(m, w, w, h), SK_OK);
    sk_trace_ws tw = {0};
    const sk_polyline_t *lines;
    const int32_t *pts;
    int nl;
    cr_assert_eq(sk_morph_trace(m, w, w, h, &tw, &lines, &nl, &pts), SK_OK);
    check_lines(lines, nl, pts, m, w);
    double tot = 0;
    for (int i = 0; i < nl; i++)
        tot += lines[i].length;
    cr_assert_eq(nl, 4, "cross lines %d", nl);
    cr_assert(fabs(tot - 60) <= 6, "cross length %g", tot);
    sk_trace_ws_free(&tw);
}

Test(thin, random_blobs_invariants_all_widths)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed());
    const int widths[] = {1, 7, 31, 33, 1000};
    for (int t = 0; t < 5; t++) {
        const int w = widths[t], h = 29;
        const size_t s = (size_t)w + 4;
        uint8_t *m = calloc(s * h, 1), *o = malloc(s * h), *tight = malloc((size_t)w * h);
        /* union of random discs */
        for (int k = 0; k < 3 + w / 40; k++) {
            double cx = sk_test_rng_uniform(&r) * w, cy = sk_test_rng_uniform(&r) * h,
                   rad = 1 + sk_test_rng_uniform(&r) * 6;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if (hypot(x - cx, y - cy) <= rad)
                        m[y * s + x] = 1;
        }
        memcpy(o, m, s * h);
        for (int y = 0; y < h; y++)
            memcpy(tight + (size_t)y * w, m + (size_t)y * s, (size_t)w);
        cr_assert_eq(sk_morph_thin(o, s, w, h), SK_OK);
        cr_assert_eq(sk_morph_thin(tight, w, w, h), SK_OK);
        for (int y = 0; y < h; y++) {
            cr_assert_eq(memcmp(o + (size_t)y * s, tight + (size_t)y * w, (size_t)w), 0,
                         "stride changes the result (w %d)", w);
            for (int x = 0; x < w; x++)
                cr_assert(!o[y * s + x] || m[y * s + x], "skeleton outside the shape");
        }
        cr_assert(!has_2x2(o, s, w, h), "w %d: 2x2 block left", w);
        cr_assert_leq(count_on(o, s, w, h), count_on(m, s, w, h));
        sk_trace_ws tw = {0};
        const sk_polyline_t *lines;
        const int32_t *pts;
        int nl;
        cr_assert_eq(sk_morph_trace(o, s, w, h, &tw, &lines, &nl, &pts), SK_OK);
        check_lines(lines, nl, pts, o, s);
        sk_trace_ws_free(&tw);
        free(m);
        free(o);
        free(tight);
    }
}
