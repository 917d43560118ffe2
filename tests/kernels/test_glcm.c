/* Quantisation, GLCM accumulation and Haralick properties against slow
 * definitions, hand-computed matrices and known values. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ptexture.h"
#include "testutil.h"

static const int WIDTHS[] = {1, 7, 31, 33, 1000};
#define NW (int)(sizeof WIDTHS / sizeof WIDTHS[0])

Test(quantise, matches_definition_with_mask_and_padded_stride)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed());
    for (int t = 0; t < NW; t++)
        for (int pad = 0; pad <= 5; pad += 5) {
            const int w = WIDTHS[t], h = 9, levels = 32;
            const size_t ss = (size_t)w + pad, ds = (size_t)w + 2 * pad, ms = (size_t)w + pad;
            float *src = malloc(sizeof(float) * ss * h);
            uint8_t *dst = malloc(ds * h), *m = malloc(ms * h);
            sk_test_fill_uniform(src, ss, w, h, -1.5f, 1.5f, &r);
            for (size_t i = 0; i < ms * h; i++)
                m[i] = sk_test_rng_uniform(&r) < 0.7 ? 255 : 0;
            src[0] = NAN;
            const double lo = -1.0, hi = 1.0;
            cr_assert_eq(sk_texture_quantise_masked(src, ss, m, ms, w, h, lo, hi, levels, dst, ds),
                         SK_OK);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    double v = src[(size_t)y * ss + x];
                    double f = (v - lo) / (hi - lo) * levels;
                    int q = isnan(v) ? 0 : f < 0 ? 0 : f >= levels - 1 ? levels - 1 : (int)floor(f);
                    if (!m[(size_t)y * ms + x])
                        q = 0;
                    int got = dst[(size_t)y * ds + x];
                    /* float evaluation may differ right at a bin edge */
                    double edge = fabs(f - floor(f + 0.5));
                    cr_assert(got == q || (abs(got - q) == 1 && edge < 1e-4),
                              "w %d (%d,%d): v %g got %d want %d", w, x, y, v, got, q);
                }
            /* unmasked = masked with a full mask */
            cr_assert_eq(sk_texture_quantise(src, ss, w, h, lo, hi, levels, dst, ds), SK_OK);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    cr_assert_lt(dst[(size_t)y * ds + x], levels);
            free(src);
            free(dst);
            free(m);
        }
}

Test(quantise, refuses_bad_arguments)
{
    float v[4] = {0};
    uint8_t d[4];
    cr_assert_eq(sk_texture_quantise(v, 4, 4, 1, 1.0, 1.0, 8, d, 4), SK_ERR_ARG);
    cr_assert_eq(sk_texture_quantise(v, 4, 4, 1, 0.0, 1.0, 1, d, 4), SK_ERR_ARG);
    cr_assert_eq(sk_texture_quantise(v, 3, 4, 1, 0.0, 1.0, 8, d, 4), SK_ERR_ARG);
    cr_assert_eq(sk_texture_quantise(NULL, 4, 4, 1, 0.0, 1.0, 8, d, 4), SK_ERR_ARG);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

Test(quantise, percentiles_within_one_bin_of_exact)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed() + 7);
    const int w = 301, h = 77;
    float *src = malloc(sizeof(float) * w * h);
    uint8_t *m = malloc((size_t)w * h);
    double *all = malloc(sizeof(double) * w * h);
    int n = 0;
    for (int i = 0; i < w * h; i++) {
        src[i] = (float)(sk_test_rng_gauss(&r) * 3 + 1);
        m[i] = sk_test_rng_uniform(&r) < 0.6;
        if (m[i])
            all[n++] = src[i];
    }
    qsort(all, (size_t)n, sizeof *all, cmp_double);
    double lo, hi;
    cr_assert_eq(sk_texture_percentiles(src, w, m, w, w, h, 2, 98, &lo, &hi), SK_OK);
    double bw = (all[n - 1] - all[0]) / 4096;
    /* numpy's linear-interpolation percentile */
    double rl = 0.02 * (n - 1), rh = 0.98 * (n - 1);
    double el = all[(int)rl] + (rl - (int)rl) * (all[(int)rl + 1] - all[(int)rl]);
    double eh = all[(int)rh] + (rh - (int)rh) * (all[(int)rh + 1] - all[(int)rh]);
    cr_assert(fabs(lo - el) <= bw, "p2 %g exact %g bin %g", lo, el, bw);
    cr_assert(fabs(hi - eh) <= bw, "p98 %g exact %g bin %g", hi, eh, bw);
    memset(m, 0, (size_t)w * h);
    cr_assert_eq(sk_texture_percentiles(src, w, m, w, w, h, 2, 98, &lo, &hi), SK_ERR_ARG);
    free(src);
    free(m);
    free(all);
}

/* slow direct GLCM */
static void slow_glcm(const uint8_t *q, size_t qs, const uint8_t *m, size_t ms, int w, int h,
                      int L, int dx, int dy, int sym, uint64_t *g, uint64_t *pairs)
{
    memset(g, 0, sizeof(uint64_t) * L * L);
    *pairs = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int x2 = x + dx, y2 = y + dy;
            if (x2 < 0 || y2 < 0 || x2 >= w || y2 >= h)
                continue;
            if (m && (!m[(size_t)y * ms + x] || !m[(size_t)y2 * ms + x2]))
                continue;
            int i = q[(size_t)y * qs + x], j = q[(size_t)y2 * qs + x2];
            if (i >= L || j >= L)
                continue;
            g[i * L + j]++;
            if (sym)
                g[j * L + i]++;
            (*pairs)++;
        }
}

Test(glcm, multi_offsets_match_direct_loop)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed() + 1);
    const sk_glcm_offset_t offs[5] = {{1, 0}, {0, 1}, {1, 1}, {-1, 1}, {3, -2}};
    const int levels_list[3] = {8, 32, 64};
    for (int t = 0; t < NW; t++)
        for (int li = 0; li < 3; li++)
            for (int pad = 0; pad <= 3; pad += 3) {
                const int w = WIDTHS[t], h = 13, L = levels_list[li];
                const size_t qs = (size_t)w + pad, ms = (size_t)w + 2 * pad;
                uint8_t *q = malloc(qs * h), *m = malloc(ms * h);
                for (size_t i = 0; i < qs * h; i++)
                    q[i] = (uint8_t)(sk_test_rng_next(&r) % (L + 2)); /* some >= L: skipped */
                for (size_t i = 0; i < ms * h; i++)
                    m[i] = sk_test_rng_uniform(&r) < 0.8;
                uint32_t *g = malloc(sizeof(uint32_t) * 5 * L * L);
                uint64_t *ref = malloc(sizeof(uint64_t) * L * L), *g64 = malloc(sizeof(uint64_t) * L * L);
                uint64_t pairs[5], rp, p64;
                void *scratch = malloc(sk_texture_glcm_scratch_size(L, w));
                for (int sym = 0; sym <= 1; sym++)
                    for (int usem = 0; usem <= 1; usem++) {
                        const uint8_t *mm = usem ? m : NULL;
                        cr_assert_eq(sk_texture_glcm_multi(q, qs, mm, ms, w, h, L, offs, 5, sym, g,
                                                           pairs, usem ? scratch : NULL),
                                     SK_OK);
                        for (int k = 0; k < 5; k++) {
                            slow_glcm(q, qs, mm, ms, w, h, L, offs[k].dx, offs[k].dy, sym, ref, &rp);
                            cr_assert_eq(pairs[k], rp, "w %d L %d off %d", w, L, k);
                            for (int i = 0; i < L * L; i++)
                                cr_assert_eq(g[(size_t)k * L * L + i], ref[i],
                                             "w %d L %d off %d sym %d mask %d entry %d", w, L, k,
                                             sym, usem, i);
                            cr_assert_eq(sk_texture_glcm(q, qs, mm, ms, w, h, L, offs[k].dx,
                                                         offs[k].dy, sym, g64, &p64),
                                         SK_OK);
                            cr_assert_eq(p64, rp);
                            cr_assert_eq(memcmp(g64, ref, sizeof(uint64_t) * L * L), 0);
                        }
                    }
                free(q);
                free(m);
                free(g);
                free(ref);
                free(g64);
                free(scratch);
            }
}

Test(glcm, partial_histogram_counts_agree)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed() + 2);
    const int w = 333, h = 21, L = 16;
    uint8_t *q = malloc((size_t)w * h);
    for (int i = 0; i < w * h; i++)
        q[i] = (uint8_t)(sk_test_rng_next(&r) % L);
    const size_t st = (size_t)L * L + 1;
    uint32_t *parts = calloc(4 * st, sizeof(uint32_t)), idx[333];
    uint64_t tot[3][16 * 16];
    const int np[3] = {1, 2, 4};
    for (int k = 0; k < 3; k++) {
        memset(parts, 0, 4 * st * sizeof(uint32_t));
        uint64_t n = sk_texture_glcm_accumulate(q, w, NULL, 0, w, h, L, 2, 1, parts, np[k], idx);
        cr_assert_eq(n, (uint64_t)(w - 2) * (h - 1));
        for (int i = 0; i < L * L; i++)
            tot[k][i] = (uint64_t)parts[i] + parts[st + i] + parts[2 * st + i] + parts[3 * st + i];
    }
    cr_assert_eq(memcmp(tot[0], tot[1], sizeof tot[0]), 0);
    cr_assert_eq(memcmp(tot[0], tot[2], sizeof tot[0]), 0);
    free(q);
    free(parts);
}

Test(glcm, hand_computed_4x4)
{
    /* Haralick's example: 4 levels, offset (1, 0) */
    const uint8_t q[16] = {0, 0, 1, 1, 0, 0, 1, 1, 0, 2, 2, 2, 2, 2, 3, 3};
    const sk_glcm_offset_t off[2] = {{1, 0}, {0, 1}};
    uint32_t g[32];
    uint64_t n[2];
    cr_assert_eq(sk_texture_glcm_multi(q, 4, NULL, 0, 4, 4, 4, off, 2, 0, g, n, NULL), SK_OK);
    const uint32_t e0[16] = {2, 2, 1, 0, 0, 2, 0, 0, 0, 0, 3, 1, 0, 0, 0, 1};
    const uint32_t e1[16] = {3, 0, 2, 0, 0, 2, 2, 0, 0, 0, 1, 2, 0, 0, 0, 0};
    cr_assert_eq(memcmp(g, e0, sizeof e0), 0);
    cr_assert_eq(memcmp(g + 16, e1, sizeof e1), 0);
    cr_assert_eq(n[0], 12);
    cr_assert_eq(n[1], 12);
    /* symmetric = matrix + transpose */
    cr_assert_eq(sk_texture_glcm_multi(q, 4, NULL, 0, 4, 4, 4, off, 1, 1, g, n, NULL), SK_OK);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            cr_assert_eq(g[i * 4 + j], e0[i * 4 + j] + e0[j * 4 + i]);
    /* a mask that removes pixel (2, 0): pairs (1,0)-(2,0) and (2,0)-(3,0) go */
    uint8_t m[16];
    memset(m, 1, 16);
    m[2] = 0;
    cr_assert_eq(sk_texture_glcm_multi(q, 4, m, 4, 4, 4, 4, off, 1, 0, g, n, NULL), SK_OK);
    cr_assert_eq(n[0], 10);
    cr_assert_eq(g[0 * 4 + 1], 1);
    cr_assert_eq(g[1 * 4 + 1], 1);
}

/* slow Haralick from a normalised matrix */
static void slow_props(const double *p, int L, sk_haralick_t *o)
{
    double mi = 0, mj = 0, vi = 0, vj = 0, cov = 0;
    memset(o, 0, sizeof *o);
    for (int i = 0; i < L; i++)
        for (int j = 0; j < L; j++) {
            mi += i * p[i * L + j];
            mj += j * p[i * L + j];
        }
    for (int i = 0; i < L; i++)
        for (int j = 0; j < L; j++) {
            double v = p[i * L + j];
            o->contrast += v * (i - j) * (i - j);
            o->dissimilarity += v * abs(i - j);
            o->homogeneity += v / (1.0 + (i - j) * (i - j));
            o->asm_ += v * v;
            if (v > 0)
                o->entropy -= v * log2(v);
            vi += v * (i - mi) * (i - mi);
            vj += v * (j - mj) * (j - mj);
            cov += v * (i - mi) * (j - mj);
        }
    o->energy = sqrt(o->asm_);
    o->correlation = (sqrt(vi) < 1e-15 || sqrt(vj) < 1e-15) ? 1 : cov / sqrt(vi * vj);
}

#define CLOSE(a, b) cr_assert(fabs((a) - (b)) <= 1e-12 * (1 + fabs(b)), "%s: %.17g vs %.17g", #a, (a), (b))

Test(haralick, known_matrices)
{
    sk_haralick_t o;
    /* uniform diagonal, 4 levels */
    double d[16] = {0};
    for (int i = 0; i < 4; i++)
        d[i * 5] = 0.25;
    cr_assert_eq(sk_texture_haralick_p(d, 4, &o), SK_OK);
    CLOSE(o.contrast, 0.0);
    CLOSE(o.dissimilarity, 0.0);
    CLOSE(o.homogeneity, 1.0);
    CLOSE(o.asm_, 0.25);
    CLOSE(o.energy, 0.5);
    CLOSE(o.correlation, 1.0);
    CLOSE(o.entropy, 2.0);
    /* anti-diagonal 2x2: perfectly anti-correlated */
    const double a[4] = {0, 0.5, 0.5, 0};
    cr_assert_eq(sk_texture_haralick_p(a, 2, &o), SK_OK);
    CLOSE(o.contrast, 1.0);
    CLOSE(o.dissimilarity, 1.0);
    CLOSE(o.homogeneity, 0.5);
    CLOSE(o.asm_, 0.5);
    CLOSE(o.correlation, -1.0);
    CLOSE(o.entropy, 1.0);
    /* constant image: one entry; correlation 1 by convention */
    double c[9] = {0};
    c[4] = 1;
    cr_assert_eq(sk_texture_haralick_p(c, 3, &o), SK_OK);
    CLOSE(o.correlation, 1.0);
    CLOSE(o.energy, 1.0);
    CLOSE(o.entropy, 0.0);
    /* empty */
    memset(c, 0, sizeof c);
    cr_assert_eq(sk_texture_haralick_p(c, 3, &o), SK_ERR_ARG);
    uint64_t z[4] = {0};
    cr_assert_eq(sk_texture_haralick(z, 2, &o), SK_ERR_ARG);
}

Test(haralick, random_matrices_match_slow_formula)
{
    sk_test_rng r;
    sk_test_rng_init(&r, sk_test_seed() + 3);
    const int Ls[4] = {2, 8, 32, 64};
    for (int t = 0; t < 4; t++) {
        const int L = Ls[t];
        uint32_t *cnt = malloc(sizeof(uint32_t) * L * L);
        uint64_t *c64 = malloc(sizeof(uint64_t) * L * L);
        double *p = malloc(sizeof(double) * L * L);
        for (int i = 0; i < L * L; i++)
            c64[i] = cnt[i] = sk_test_rng_uniform(&r) < 0.3 ? 0 : (uint32_t)(sk_test_rng_next(&r) % 1000);
        cr_assert_eq(sk_texture_glcm_normalise(cnt, L, p), SK_OK);
        sk_haralick_t o, s, o64;
        slow_props(p, L, &s);
        cr_assert_eq(sk_texture_haralick_p(p, L, &o), SK_OK);
        cr_assert_eq(sk_texture_haralick(c64, L, &o64), SK_OK);
        const double *a = &o.contrast, *b = &s.contrast, *c = &o64.contrast;
        for (int k = 0; k < 7; k++) {
            cr_assert(fabs(a[k] - b[k]) <= 1e-10 * (1 + fabs(b[k])), "L %d prop %d: %g vs %g", L,
                      k, a[k], b[k]);
            cr_assert(fabs(c[k] - b[k]) <= 1e-10 * (1 + fabs(b[k])), "L %d prop %d (u64)", L, k);
        }
        free(cnt);
        free(c64);
        free(p);
    }
}
