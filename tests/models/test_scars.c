/* Scars model: shaded depressions (Lambertian, light from one side) counted,
 * pigmented spots and pores not taken for scars, a planted 20 % shallower set
 * measured in scars.severity, repeatability and two resolutions, on scenes
 * rendered here from a physical height field (mm); then the shared phantom
 * (printed figures for docs/VALIDATION.md). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmodels.h"
#include "testmodels.h"
#include "testutil.h"

typedef struct scar {
    double x, y, d, depth; /* mm; d = 2 sqrt2 s of a Gaussian depression; depth mm */
} scar;

typedef struct scene {
    double wmm, hmm;
    scar sc[32];
    int ns;
    scar spot[8]; /* flat colour: depth = ΔL* */
    int nspot;
    int npores;
    double px[600], py[600];
} scene;

static void scene_make(scene *s, uint64_t seed, int nscars, int nspots, int npores)
{
    sk_test_rng r;
    sk_test_rng_init(&r, seed);
    memset(s, 0, sizeof *s);
    s->wmm = 40;
    s->hmm = 38;
    /* scars on a jittered grid so they do not overlap */
    for (int i = 0; i < nscars; i++) {
        int gx = i % 4, gy = i / 4;
        s->sc[i] = (scar){
            7 + 9 * gx + 2 * sk_test_rng_uniform(&r), 8 + 8 * gy + 2 * sk_test_rng_uniform(&r),
            1.8 + 2.0 * sk_test_rng_uniform(&r), 0.10 + 0.06 * sk_test_rng_uniform(&r)};
    }
    s->ns = nscars;
    for (int i = 0; i < nspots; i++)
        s->spot[i] = (scar){8 + 8 * i, 32, 3.0, 10};
    s->nspot = nspots;
    s->npores = npores;
    for (int i = 0; i < npores; i++) {
        s->px[i] = 40 * sk_test_rng_uniform(&r);
        s->py[i] = 38 * sk_test_rng_uniform(&r);
    }
}

/* L* = 65 (n . l) / l_z for the height field h = -sum depth exp(-r^2 / 2 s^2),
 * light 35 degrees off the normal from the upper left; spots and pores are
 * flat colour. Three planes, L*, a*, b*: skin a* 10, b* 16; shading scales
 * L* + 16, a* and b* alike (CIELAB's cube root of a uniformly scaled
 * colour); brown spots raise b* by 0.3 per unit of L* they take, pores by
 * 0.1. (Until model 2.0 the scene was L* alone, passed as a* and b* too;
 * the model now reads chromaticity, so the scene has a skin colour.) */
static void render(const scene *s, double p, double depth_scale, double dx, double dy, double noise,
                   uint64_t seed, sk_image_t **out)
{
    int w = (int)lround(s->wmm / p), h = (int)lround(s->hmm / p);
    sk_image_t *img;
    cr_assert_eq(sk_image_new(w, h, 3, &img), 0);
    float *pa = sk_image_plane(img, 1), *pb = sk_image_plane(img, 2);
    sk_test_rng r;
    sk_test_rng_init(&r, seed);
    const double th = 35 * M_PI / 180, ph = 225 * M_PI / 180;
    const double lx = sin(th) * cos(ph), ly = sin(th) * sin(ph), lz = cos(th);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double X = (x + 0.5) * p - dx, Y = (y + 0.5) * p - dy;
            double gx = 0, gy = 0, v = 0;
            for (int i = 0; i < s->ns; i++) {
                double sg = s->sc[i].d / (2 * M_SQRT2), ex = X - s->sc[i].x, ey = Y - s->sc[i].y;
                double e = ex * ex + ey * ey;
                if (e > 25 * sg * sg)
                    continue;
                double g = depth_scale * s->sc[i].depth * exp(-e / (2 * sg * sg)) / (sg * sg);
                gx += g * ex; /* d/dx of -depth exp(..) */
                gy += g * ey;
            }
            double nz = 1.0 / sqrt(1 + gx * gx + gy * gy);
            double shade = (-gx * lx - gy * ly + lz) * nz / lz;
            double vs = 0, vp = 0;
            for (int i = 0; i < s->nspot; i++) {
                double ex = X - s->spot[i].x, ey = Y - s->spot[i].y, sg = s->spot[i].d / 2.5;
                vs += s->spot[i].depth * exp(-(ex * ex + ey * ey) / (2 * sg * sg));
            }
            for (int i = 0; i < s->npores; i++) {
                double ex = X - s->px[i], ey = Y - s->py[i];
                if (ex * ex + ey * ey < 0.25)
                    vp += 6 * exp(-(ex * ex + ey * ey) / (2 * 0.09 * 0.09));
            }
            v = vs + vp;
            double Lv = 65 * shade - v + noise * sk_test_rng_gauss(&r);
            double sc = (Lv + 16) / 81.0;
            size_t o = (size_t)y * img->stride + x;
            img->data[o] = (float)Lv;
            pa[o] = (float)(10 * sc + 0.3 * noise * sk_test_rng_gauss(&r));
            pb[o] = (float)((16 + 0.3 * vs + 0.1 * vp) * sc + 0.3 * noise * sk_test_rng_gauss(&r));
        }
    *out = img;
}

typedef struct run {
    sk_metric_set_t m;
    sk_detections_t det;
} run;

static void measure(const sk_image_t *L, double p, int physical, run *o)
{
    sk_test_family_on_image(sk_scars_measure, L, p, physical, &o->m, &o->det);
}

static double val(const run *o, const char *name)
{
    return sk_test_metric(&o->m, name);
}

Test(scars, metrics_in_fixed_order_and_featureless)
{
    scene *s = malloc(sizeof *s);
    scene_make(s, 1, 0, 0, 0);
    sk_image_t *L;
    render(s, 0.04, 1, 0, 0, 1.0, 2, &L);
    run o;
    measure(L, 0.04, 1, &o);
    const char *names[] = {"scars.count", "scars.area_pct", "scars.severity"};
    cr_assert_eq(o.m.count, 3);
    for (int i = 0; i < 3; i++)
        cr_assert_str_eq(o.m.items[i].name, names[i]);
    printf("featureless: scars.count = %g\n", val(&o, "scars.count"));
    cr_assert_leq(val(&o, "scars.count"), 0);
    sk_detections_free(&o.det);
    sk_image_free(L);
    free(s);
}

Test(scars, spots_and_pores_are_not_scars)
{
    scene *s = malloc(sizeof *s);
    scene_make(s, 3, 0, 4, 500);
    sk_image_t *L;
    render(s, 0.04, 1, 0, 0, 0.8, 2, &L);
    run o;
    measure(L, 0.04, 1, &o);
    printf("4 spots (ΔL* 10) + 500 pores, no scars: scars.count = %g\n", val(&o, "scars.count"));
    for (size_t i = 0; i < o.det.count; i++)
        printf("  false scar at (%.1f, %.1f) mm, d %.2f mm, ΔL* %.2f\n", o.det.items[i].x * 0.04,
               o.det.items[i].y * 0.04, o.det.items[i].diameter * 0.04, o.det.items[i].contrast);
    cr_assert_leq(val(&o, "scars.count"), 0);
    sk_detections_free(&o.det);
    sk_image_free(L);
    free(s);
}

Test(scars, planted_count_recovered)
{
    scene *s = malloc(sizeof *s);
    scene_make(s, 5, 12, 4, 300);
    sk_image_t *L;
    render(s, 0.04, 1, 0, 0, 0.8, 3, &L);
    run o;
    measure(L, 0.04, 1, &o);
    double n = val(&o, "scars.count");
    printf(
        "planted 12 scars (+4 spots, 300 pores): found %g (%.1f %%), area %.2f %%, severity %.2f\n",
        n, 100 * (n - 12) / 12, val(&o, "scars.area_pct"), val(&o, "scars.severity"));
    cr_assert_leq(fabs(n - 12), 0.2 * 12);
    sk_detections_free(&o.det);
    sk_image_free(L);
    free(s);
}

Test(scars, planted_improvement_measured)
{
    scene *s = malloc(sizeof *s);
    scene_make(s, 7, 12, 0, 0);
    sk_image_t *L0, *L1;
    render(s, 0.04, 1.0, 0, 0, 0.8, 4, &L0);
    render(s, 0.04, 0.8, 0, 0, 0.8, 5, &L1);
    run a, b;
    measure(L0, 0.04, 1, &a);
    measure(L1, 0.04, 1, &b);
    double ch = (val(&b, "scars.severity") - val(&a, "scars.severity")) / val(&a, "scars.severity");
    printf("depth improvement 0.20 planted: scars.severity change %.1f %% (count %g -> %g)\n",
           100 * ch, val(&a, "scars.count"), val(&b, "scars.count"));
    cr_assert(ch < -0.15 && ch > -0.25);
    sk_detections_free(&a.det);
    sk_detections_free(&b.det);
    sk_image_free(L0);
    sk_image_free(L1);
    free(s);
}

Test(scars, repeatability_and_two_resolutions)
{
    scene *s = malloc(sizeof *s);
    scene_make(s, 9, 12, 2, 200);
    int nseed = 6;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < nseed; i++) {
        sk_test_rng r;
        sk_test_rng_init(&r, 70 + i);
        sk_image_t *L;
        render(s, 0.04, 1, 0.5 * sk_test_rng_uniform(&r), 0.5 * sk_test_rng_uniform(&r),
               0.6 + 0.6 * sk_test_rng_uniform(&r), 80 + i, &L);
        run o;
        measure(L, 0.04, 1, &o);
        double v = val(&o, "scars.severity");
        sum += v;
        sum2 += v * v;
        sk_detections_free(&o.det);
        sk_image_free(L);
    }
    double mean = sum / nseed, sd = sqrt(fmax(0, sum2 / nseed - mean * mean));
    printf("scars.severity over %d seeds: mean %.2f, CV %.2f %%\n", nseed, mean, 100 * sd / mean);
    cr_assert_leq(sd / mean, 0.08);
    sk_image_t *L3;
    render(s, 0.03, 1, 0, 0, 0.8, 90, &L3);
    run o3;
    measure(L3, 0.03, 1, &o3);
    double v3 = val(&o3, "scars.severity");
    printf("scars.severity at 0.03 mm/px %.2f vs 0.04 mm/px mean %.2f (%.1f %%)\n", v3, mean,
           100 * (v3 - mean) / mean);
    cr_assert_leq(fabs(v3 - mean) / mean, 0.12);
    sk_detections_free(&o3.det);
    sk_image_free(L3);
    free(s);
}

/* ------------------------------------------------- phantom (shared library) */

/* Printed for docs/VALIDATION.md (one line per seed, and the bars each
 * meets). Only the featureless check is asserted: model 2.2 meets the
 * DESIGN §8 scar bars on some seeds and not on others (docs/VALIDATION.md,
 * Scars). SK_PHANTOM_SEEDS=N prints seeds 1..N (default 1). */
Test(scars_phantom, figures, .timeout = 900)
{
    const char *e = getenv("SK_PHANTOM_SEEDS"), *e1 = getenv("SK_PHANTOM_SEED");
    int ns = e && atoi(e) > 1 ? atoi(e) : 1;
    int first = e1 && atoi(e1) > 0 ? atoi(e1) : 1;
    if (e1 && atoi(e1) > 0)
        ns = first; /* SK_PHANTOM_SEED=n: that seed alone */
    int met_count = 0, met_imp = 0, met_cv = 0;
    for (uint64_t seed = (uint64_t)first; seed <= (uint64_t)ns; seed++) {
        sk_phantom_params p;
        sk_phantom_params_default(&p);
        p.seed = seed;
        sk_test_ph_run a, b, f;
        sk_test_ph_measure(&p, &a, sk_scars_measure);
        double n = sk_test_metric(&a.m, "scars.count"), planted = a.t->scar_count;
        int ok_n = fabs(n - planted) <= 0.2 * planted;
        printf("phantom seed %d: scars.count %g vs planted %d (%s), severity %.2f (truth depth x "
               "area %.2f mm3)\n",
               (int)seed, n, a.t->scar_count, ok_n ? "bar met" : "bar not met",
               sk_test_metric(&a.m, "scars.severity"), a.t->scar_depth_sum);
        sk_phantom_params q = p;
        q.improvement = 0.2;
        sk_test_ph_measure(&q, &b, sk_scars_measure);
        double ch =
            (sk_test_metric(&b.m, "scars.severity") - sk_test_metric(&a.m, "scars.severity")) /
            sk_test_metric(&a.m, "scars.severity");
        int ok_i = ch <= -0.15 && ch >= -0.25;
        printf("phantom seed %d improvement 0.2: scars.severity change %.1f %% (%s), count %g -> "
               "%g\n",
               (int)seed, 100 * ch, ok_i ? "bar met" : "bar not met", n,
               sk_test_metric(&b.m, "scars.count"));
        q = p;
        q.featureless = 1;
        sk_test_ph_measure(&q, &f, sk_scars_measure);
        printf("phantom seed %d featureless: scars.count %g\n", (int)seed,
               sk_test_metric(&f.m, "scars.count"));
        cr_assert_leq(sk_test_metric(&f.m, "scars.count"), 0);
        double mean, cv = sk_test_ph_cv(&p, 6, "scars.severity", sk_scars_measure, &mean);
        int ok_c = cv <= 0.08;
        printf("phantom seed %d: scars.severity over 6 re-captures: mean %.2f, CV %.1f %% (%s)\n",
               (int)seed, mean, 100 * cv, ok_c ? "bar met" : "bar not met");
        met_count += ok_n, met_imp += ok_i, met_cv += ok_c;
        sk_phantom_truth_free(a.t);
        sk_phantom_truth_free(b.t);
        sk_phantom_truth_free(f.t);
    }
    printf("phantom seeds %d..%d: count bar met on %d, improvement bar on %d, CV bar on %d\n",
           first, ns, met_count, met_imp, met_cv);
}
