/* Pores model: planted dark blobs recovered, spots and lines rejected, the
 * resolution gate, a planted improvement, repeatability and scale invariance.
 * Images are rendered here from a physical feature list (mm) so the same skin
 * can be drawn at any mm/px; the shared phantom library replaces this once it
 * lands. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmodels.h"
#include "testmodels.h"
#include "testutil.h"

typedef struct feat {
    double x, y, d, depth; /* mm, mm, diameter mm, ΔL* */
} feat;

typedef struct scene {
    double wmm, hmm;
    feat pores[4000];
    int npores;
    feat spots[16];
    int nspots;
} scene;

static void scene_make(scene *s, uint64_t seed, int npores, double depth_scale)
{
    sk_test_rng r;
    sk_test_rng_init(&r, seed);
    memset(s, 0, sizeof *s);
    s->wmm = 40;
    s->hmm = 30;
    s->npores = npores;
    for (int i = 0; i < npores; i++)
        s->pores[i] = (feat){2 + 36 * sk_test_rng_uniform(&r), 2 + 26 * sk_test_rng_uniform(&r),
                             0.15 + 0.25 * sk_test_rng_uniform(&r),
                             depth_scale * (5 + 4 * sk_test_rng_uniform(&r))};
    s->nspots = 4;
    for (int i = 0; i < 4; i++)
        s->spots[i] = (feat){6 + 9 * i, 15, 3.0, 12};
}

/* L* plane of the scene at mm_per_px p with sensor-like noise; shifted by
 * (dx, dy) mm. Gaussian blob of FWHM ≈ d: sigma = d / (2 sqrt 2). */
static void render(const scene *s, double p, double dx, double dy, double noise, uint64_t seed,
                   sk_image_t **out, int with_spots)
{
    int w = (int)lround(s->wmm / p), h = (int)lround(s->hmm / p);
    sk_image_t *img;
    cr_assert_eq(sk_image_new(w, h, 1, &img), 0);
    float *L = img->data;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            L[(size_t)y * img->stride + x] = 65.0f;
    for (int pass = 0; pass < 2; pass++) {
        const feat *f = pass ? s->spots : s->pores;
        int n = pass ? (with_spots ? s->nspots : 0) : s->npores;
        for (int i = 0; i < n; i++) {
            double sg = f[i].d / (2 * M_SQRT2) / p;
            if (pass)
                sg = f[i].d / 2.5 / p; /* spots: broad, flat-topped-ish */
            double cx = (f[i].x + dx) / p, cy = (f[i].y + dy) / p;
            int rr = (int)ceil(4 * sg);
            for (int y = (int)cy - rr; y <= (int)cy + rr; y++)
                for (int x = (int)cx - rr; x <= (int)cx + rr; x++) {
                    if (x < 0 || y < 0 || x >= w || y >= h)
                        continue;
                    double q = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * sg * sg);
                    L[(size_t)y * img->stride + x] -= (float)(f[i].depth * exp(-q));
                }
        }
    }
    sk_test_rng r;
    sk_test_rng_init(&r, seed);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            L[(size_t)y * img->stride + x] += (float)(noise * sk_test_rng_gauss(&r));
    *out = img;
}

typedef struct run {
    sk_metric_set_t m;
    sk_detections_t det;
} run;

static void measure(const sk_image_t *L, double p, int physical, run *o)
{
    sk_test_family_on_image(sk_pores_measure, L, p, physical, &o->m, &o->det);
}

static double val(const run *o, const char *name)
{
    return sk_test_metric(&o->m, name);
}

/* Planted pores far enough from the borders (the model keeps a margin). */
static int planted_inside(const scene *s, double margin)
{
    int n = 0;
    for (int i = 0; i < s->npores; i++)
        n += s->pores[i].x > margin && s->pores[i].y > margin && s->pores[i].x < s->wmm - margin &&
             s->pores[i].y < s->hmm - margin;
    return n;
}

Test(pores, metrics_in_fixed_order)
{
    scene *s = malloc(sizeof *s);
    scene_make(s, 1, 0, 1);
    sk_image_t *L;
    render(s, 0.04, 0, 0, 0.5, 2, &L, 0);
    run o;
    measure(L, 0.04, 1, &o);
    const char *names[] = {"pores.count", "pores.density", "pores.mean_diameter", "pores.area_pct"};
    cr_assert_eq(o.m.count, 4);
    for (int i = 0; i < 4; i++)
        cr_assert_str_eq(o.m.items[i].name, names[i]);
    sk_detections_free(&o.det);
    sk_image_free(L);
    free(s);
}

Test(pores, resolution_gate_gives_null_with_reason)
{
    scene *s = malloc(sizeof *s);
    scene_make(s, 1, 200, 1);
    sk_image_t *L;
    render(s, 0.08, 0, 0, 0.5, 2, &L, 0);
    run o;
    measure(L, 0.08, 1, &o);
    cr_assert(isnan(val(&o, "pores.count")));
    cr_assert(o.m.items[0].null_reason != NULL);
    sk_detections_free(&o.det);
    measure(L, 0.1, 0, &o); /* unknown scale */
    cr_assert(isnan(val(&o, "pores.count")));
    cr_assert(o.m.items[0].null_reason != NULL);
    sk_detections_free(&o.det);
    sk_image_free(L);
    free(s);
}

Test(pores, featureless_gives_near_zero)
{
    scene *s = malloc(sizeof *s);
    scene_make(s, 1, 0, 1);
    sk_image_t *L;
    render(s, 0.04, 0, 0, 1.0, 3, &L, 0);
    run o;
    measure(L, 0.04, 1, &o);
    printf("featureless: pores.count = %g\n", val(&o, "pores.count"));
    cr_assert_leq(val(&o, "pores.count"), 5);
    sk_detections_free(&o.det);
    sk_image_free(L);
    free(s);
}

Test(pores, planted_truth_recovered_and_spots_rejected)
{
    scene *s = malloc(sizeof *s);
    scene_make(s, 11, 600, 1);
    sk_image_t *L;
    render(s, 0.04, 0, 0, 0.8, 4, &L, 1);
    run o;
    measure(L, 0.04, 1, &o);
    int truth = planted_inside(s, 0.8);
    double n = val(&o, "pores.count");
    printf("planted (inside margin) %d, found %g (%.1f %%), mean diameter %.3f mm\n", truth, n,
           100 * (n - truth) / truth, val(&o, "pores.mean_diameter"));
    cr_assert_leq(fabs(n - truth), 0.10 * truth);
    /* No detection sits on a spot centre. */
    for (size_t i = 0; i < o.det.count; i++)
        for (int k = 0; k < s->nspots; k++) {
            double dx = o.det.items[i].x * 0.04 - s->spots[k].x,
                   dy = o.det.items[i].y * 0.04 - s->spots[k].y;
            if (dx * dx + dy * dy > 0.8 * 0.8)
                continue;
            int planted = 0; /* a planted pore may sit on a spot: that one is real */
            for (int j = 0; j < s->npores; j++) {
                double ex = o.det.items[i].x * 0.04 - s->pores[j].x,
                       ey = o.det.items[i].y * 0.04 - s->pores[j].y;
                planted |= ex * ex + ey * ey < 0.3 * 0.3;
            }
            cr_assert(planted, "pore found on spot %d", k);
        }
    sk_detections_free(&o.det);
    sk_image_free(L);
    free(s);
}

Test(pores, planted_improvement_measured)
{
    scene *s = malloc(sizeof *s);
    scene_make(s, 21, 600, 1);
    sk_image_t *L0, *L1;
    render(s, 0.04, 0, 0, 0.8, 5, &L0, 1);
    s->npores = 480; /* 20 % fewer pores */
    render(s, 0.04, 0, 0, 0.8, 6, &L1, 1);
    run a, b;
    measure(L0, 0.04, 1, &a);
    measure(L1, 0.04, 1, &b);
    double ch = (val(&b, "pores.count") - val(&a, "pores.count")) / val(&a, "pores.count");
    printf("improvement 0.20 planted: pores.count change %.1f %%\n", 100 * ch);
    cr_assert(ch < -0.15 && ch > -0.25);
    sk_detections_free(&a.det);
    sk_detections_free(&b.det);
    sk_image_free(L0);
    sk_image_free(L1);
    free(s);
}

Test(pores, repeatability_and_two_resolutions)
{
    scene *s = malloc(sizeof *s);
    scene_make(s, 31, 600, 1);
    double v[8], sum = 0, sum2 = 0;
    int nseed = 6;
    for (int i = 0; i < nseed; i++) {
        sk_test_rng r;
        sk_test_rng_init(&r, 100 + i);
        double dx = 0.3 * sk_test_rng_uniform(&r), dy = 0.3 * sk_test_rng_uniform(&r);
        double noise = 0.6 + 0.6 * sk_test_rng_uniform(&r);
        sk_image_t *L;
        render(s, 0.04, dx, dy, noise, 200 + i, &L, 1);
        run o;
        measure(L, 0.04, 1, &o);
        v[i] = val(&o, "pores.density");
        sum += v[i];
        sum2 += v[i] * v[i];
        sk_detections_free(&o.det);
        sk_image_free(L);
    }
    double mean = sum / nseed, sd = sqrt(fmax(0, sum2 / nseed - mean * mean));
    printf("pores.density over %d seeds: mean %.2f /cm2, CV %.2f %%\n", nseed, mean,
           100 * sd / mean);
    cr_assert_leq(sd / mean, 0.05);
    sk_image_t *L3;
    render(s, 0.03, 0, 0, 0.8, 300, &L3, 1);
    run o3;
    measure(L3, 0.03, 1, &o3);
    double d3 = val(&o3, "pores.density");
    printf("pores.density at 0.03 mm/px %.2f vs 0.04 mm/px mean %.2f (%.1f %%)\n", d3, mean,
           100 * (d3 - mean) / mean);
    cr_assert_leq(fabs(d3 - mean) / mean, 0.10);
    sk_detections_free(&o3.det);
    sk_image_free(L3);
    free(s);
}

/* ------------------------------------------------- phantom (shared library) */

Test(pores_phantom, truth_improvement_featureless)
{
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    sk_test_ph_run a, b, f;
    sk_test_ph_measure(&p, &a, sk_pores_measure);
    double n = sk_test_metric(&a.m, "pores.count"), truth = a.t->pore_count;
    printf("phantom: pores.count %g vs planted %g (%.1f %%), mean diameter %.3f vs %.3f mm\n", n,
           truth, 100 * (n - truth) / truth, sk_test_metric(&a.m, "pores.mean_diameter"),
           a.t->pore_mean_diameter);
    cr_assert_leq(fabs(n - truth), 0.10 * truth);
    sk_phantom_params q = p;
    q.improvement = 0.2;
    sk_test_ph_measure(&q, &b, sk_pores_measure);
    double ch = (sk_test_metric(&b.m, "pores.count") - n) / n;
    printf("phantom improvement 0.2: pores.count change %.1f %%\n", 100 * ch);
    cr_assert(ch < -0.15 && ch > -0.25);
    q = p;
    q.featureless = 1;
    sk_test_ph_measure(&q, &f, sk_pores_measure);
    printf("phantom featureless: pores.count %g\n", sk_test_metric(&f.m, "pores.count"));
    cr_assert_leq(sk_test_metric(&f.m, "pores.count"), 5);
    sk_phantom_truth_free(a.t);
    sk_phantom_truth_free(b.t);
    sk_phantom_truth_free(f.t);
}

Test(pores_phantom, repeatability_and_resolution)
{
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    double mean;
    double cv = sk_test_ph_cv(&p, 6, "pores.density", sk_pores_measure, &mean);
    printf("phantom: pores.density over 6 re-captures: mean %.2f /cm2, CV %.2f %%\n", mean,
           100 * cv);
    cr_assert_leq(cv, 0.05);
    sk_phantom_params q = p;
    q.mm_per_px = 0.03;
    q.width_mm = p.width_mm;
    sk_test_ph_run a;
    sk_test_ph_measure(&q, &a, sk_pores_measure);
    double d3 = sk_test_metric(&a.m, "pores.density");
    printf("phantom: pores.density at 0.03 mm/px %.2f vs %.2f at 0.04 (%.1f %%)\n", d3, mean,
           100 * (d3 - mean) / mean);
    cr_assert_leq(fabs(d3 - mean), 0.05 * mean);
    sk_phantom_truth_free(a.t);
}
