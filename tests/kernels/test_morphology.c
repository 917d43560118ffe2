/* Binary erosion / dilation / opening / closing against the direct
 * definition, packing variants, hole filling. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "pmorph.h"
#include "testutil.h"

static const int WIDTHS[] = {1, 7, 31, 33, 1000};
#define NW (int)(sizeof WIDTHS / sizeof WIDTHS[0])

static int slow_at(const uint8_t *m, size_t ms, int w, int h, int x, int y, int r, int disk,
                   int erode)
{
    for (int dy = -r; dy <= r; dy++)
        for (int dx = -r; dx <= r; dx++) {
            if (disk && dx * dx + dy * dy > r * r)
                continue;
            int xx = x + dx, yy = y + dy;
            int v = (xx < 0 || yy < 0 || xx >= w || yy >= h) ? erode : m[(size_t)yy * ms + xx] != 0;
            if (erode && !v)
                return 0;
            if (!erode && v)
                return 1;
        }
    return erode;
}

static uint8_t *random_mask(int w, int h, size_t ms, double p, sk_test_rng *r)
{
    (void)w;
    uint8_t *m = malloc(ms * h);
    for (size_t i = 0; i < ms * h; i++)
        m[i] = sk_test_rng_uniform(r) < p ? 255 : 0;
    return m;
}

Test(morph, erode_dilate_match_definition_both_paths)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed());
    const int radii[] = {0, 1, 2, 5, 9, 70};
    const sk_simd paths[2] = {SK_SIMD_SCALAR, SK_SIMD_AVX2};
    for (int t = 0; t < NW; t++) {
        const int w = WIDTHS[t], h = t == NW - 1 ? 12 : 37;
        const size_t ms = (size_t)w + 5, ds = (size_t)w + 3;
        uint8_t *m = random_mask(w, h, ms, t % 2 ? 0.85 : 0.15, &r), *o = malloc(ds * h);
        for (int ri = 0; ri < 6; ri++) {
            const int rad = radii[ri];
            void *scratch = malloc(sk_morph_scratch_size_r(w, h, rad));
            for (int pi = 0; pi < 2; pi++) {
                if (!sk_simd_supported(paths[pi]))
                    continue;
                for (int disk = 0; disk <= 1; disk++)
                    for (int erode = 0; erode <= 1; erode++) {
                        memset(o, 9, ds * h);
                        sk_morph_apply(m, ms, o, ds, w, h, rad, (sk_se)disk, scratch, erode,
                                       paths[pi]);
                        for (int y = 0; y < h; y++)
                            for (int x = 0; x < w; x++)
                                cr_assert_eq(o[(size_t)y * ds + x],
                                             slow_at(m, ms, w, h, x, y, rad, disk, erode),
                                             "%s w %d r %d disk %d erode %d at %d,%d",
                                             sk_simd_name(paths[pi]), w, rad, disk, erode, x, y);
                        for (int y = 0; y < h; y++)
                            for (size_t x = (size_t)w; x < ds; x++)
                                cr_assert_eq(o[(size_t)y * ds + x], 9, "padding written");
                    }
            }
            free(scratch);
        }
        free(m);
        free(o);
    }
}

Test(morph, open_close_compose_and_in_place)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed() + 1);
    const int w = 97, h = 53;
    uint8_t *m = random_mask(w, h, w, 0.5, &r), *a = malloc((size_t)w * h),
            *b = malloc((size_t)w * h), *c = malloc((size_t)w * h);
    void *scratch = malloc(sk_morph_scratch_size(w, h));
    for (int disk = 0; disk <= 1; disk++) {
        cr_assert_eq(sk_morph_erode(m, w, a, w, w, h, 3, (sk_se)disk, scratch), SK_OK);
        cr_assert_eq(sk_morph_dilate(a, w, b, w, w, h, 3, (sk_se)disk, NULL), SK_OK);
        cr_assert_eq(sk_morph_open(m, w, c, w, w, h, 3, (sk_se)disk, scratch), SK_OK);
        cr_assert_eq(memcmp(b, c, (size_t)w * h), 0);
        cr_assert_eq(sk_morph_dilate(m, w, a, w, w, h, 2, (sk_se)disk, NULL), SK_OK);
        cr_assert_eq(sk_morph_erode(a, w, b, w, w, h, 2, (sk_se)disk, NULL), SK_OK);
        memcpy(c, m, (size_t)w * h);
        cr_assert_eq(sk_morph_close(c, w, c, w, w, h, 2, (sk_se)disk, scratch), SK_OK);
        cr_assert_eq(memcmp(b, c, (size_t)w * h), 0);
        /* opening is anti-extensive, closing extensive */
        for (int i = 0; i < w * h; i++)
            cr_assert(c[i] >= (m[i] != 0));
    }
    cr_assert_eq(sk_morph_erode(m, w, m, w + 1, w, h, 1, SK_SE_SQUARE, NULL), SK_ERR_ARG);
    cr_assert_eq(sk_morph_erode(m, w, a, w, w, h, -1, SK_SE_SQUARE, NULL), SK_ERR_ARG);
    free(m);
    free(a);
    free(b);
    free(c);
    free(scratch);
}

Test(morph, pack_variants_agree)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed() + 2);
    for (int w = 1; w <= 200; w += 13) {
        uint8_t *m = random_mask(w, 1, w, 0.5, &r), *o1 = malloc(w), *o2 = malloc(w);
        for (int i = 0; i < w; i++)
            m[i] = m[i] ? (uint8_t)(1 + i % 250) : 0;
        const int nw = (w + 63) / 64;
        uint64_t p1[4], p2[4];
        for (int inv = 0; inv <= 1; inv++) {
            sk_morph_pack_scalar(m, w, inv, p1);
            for (int i = 0; i < w; i++)
                cr_assert_eq((p1[i >> 6] >> (i & 63)) & 1, (uint64_t)((m[i] != 0) ^ inv));
            if ((w & 63))
                cr_assert_eq(p1[nw - 1] >> (w & 63), 0, "bits past w");
            sk_morph_unpack_scalar(p1, w, inv, o1);
            for (int i = 0; i < w; i++)
                cr_assert_eq(o1[i], m[i] != 0);
            if (sk_simd_supported(SK_SIMD_AVX2)) {
                sk_morph_pack_avx2(m, w, inv, p2);
                cr_assert_eq(memcmp(p1, p2, sizeof(uint64_t) * nw), 0, "w %d", w);
                sk_morph_unpack_avx2(p1, w, inv, o2);
                cr_assert_eq(memcmp(o1, o2, (size_t)w), 0, "w %d", w);
            }
        }
        free(m);
        free(o1);
        free(o2);
    }
}

/* slow fill: flood the background from the border with 4-connectivity */
static void slow_fill(const uint8_t *m, int w, int h, uint8_t *o)
{
    uint8_t *reach = calloc((size_t)w * h, 1);
    int changed = 1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if ((x == 0 || y == 0 || x == w - 1 || y == h - 1) && !m[y * w + x])
                reach[y * w + x] = 1;
    while (changed) {
        changed = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                if (reach[y * w + x] || m[y * w + x])
                    continue;
                if ((x > 0 && reach[y * w + x - 1]) || (x < w - 1 && reach[y * w + x + 1]) ||
                    (y > 0 && reach[(y - 1) * w + x]) || (y < h - 1 && reach[(y + 1) * w + x])) {
                    reach[y * w + x] = 1;
                    changed = 1;
                }
            }
    }
    for (int i = 0; i < w * h; i++)
        o[i] = !reach[i];
    free(reach);
}

Test(morph, fill_holes_matches_flood)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed() + 3);
    for (int t = 0; t < NW; t++) {
        const int w = WIDTHS[t], h = 15;
        uint8_t *m = random_mask(w, h, w, 0.6, &r), *o = malloc((size_t)w * h),
                *e = malloc((size_t)w * h);
        cr_assert_eq(sk_morph_fill_holes(m, w, o, w, w, h, NULL), SK_OK);
        slow_fill(m, w, h, e);
        cr_assert_eq(memcmp(o, e, (size_t)w * h), 0, "w %d", w);
        free(m);
        free(o);
        free(e);
    }
    /* a ring with a hole */
    uint8_t ring[49] = {0}, o[49];
    for (int y = 1; y < 6; y++)
        for (int x = 1; x < 6; x++)
            ring[y * 7 + x] = y == 1 || y == 5 || x == 1 || x == 5;
    cr_assert_eq(sk_morph_fill_holes(ring, 7, o, 7, 7, 7, NULL), SK_OK);
    cr_assert_eq(o[3 * 7 + 3], 1);
    cr_assert_eq(o[0], 0);
}
