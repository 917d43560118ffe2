/* Wrinkles model: planted valleys recovered (total length), pores and noise
 * not taken for wrinkles, a planted 20 % shallower set measured, repeatability
 * and two resolutions, on scenes rendered here from a physical line list (mm);
 * then the DESIGN §8 bars on the shared phantom (phantom/sk_phantom.h). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmodels.h"
#include "testmodels.h"
#include "testutil.h"

typedef struct line {
    double x0, y0, x1, y1, fwhm, depth; /* mm, ΔL* */
} line;

typedef struct scene {
    double wmm, hmm;
    line l[64];
    int nl;
    double px[800], py[800];
    int np;
} scene;

static void scene_make(scene *s, uint64_t seed, int nl)
{
    sk_test_rng r;
    sk_test_rng_init(&r, seed);
    memset(s, 0, sizeof *s);
    s->wmm = 40;
    s->hmm = 30;
    s->nl = nl;
    for (int i = 0; i < nl; i++) {
        double cx = 6 + 28 * sk_test_rng_uniform(&r), cy = 6 + 18 * sk_test_rng_uniform(&r);
        double th = M_PI * sk_test_rng_uniform(&r), len = 5 + 8 * sk_test_rng_uniform(&r);
        s->l[i] = (line){cx - 0.5 * len * cos(th),
                         cy - 0.5 * len * sin(th),
                         cx + 0.5 * len * cos(th),
                         cy + 0.5 * len * sin(th),
                         0.3 + 0.5 * sk_test_rng_uniform(&r),
                         5 + 3 * sk_test_rng_uniform(&r)};
    }
    s->np = 400;
    for (int i = 0; i < s->np; i++) {
        s->px[i] = 40 * sk_test_rng_uniform(&r);
        s->py[i] = 30 * sk_test_rng_uniform(&r);
    }
}

static double truth_length(const scene *s)
{
    double t = 0;
    for (int i = 0; i < s->nl; i++)
        t += hypot(s->l[i].x1 - s->l[i].x0, s->l[i].y1 - s->l[i].y0);
    return t;
}

/* The same between the half-depth ends, the definition the shared phantom
 * uses for its truth (docs/PHANTOMS.md): a rounded Gaussian cap falls to
 * half depth FWHM / 2 beyond each end point. */
static double truth_length_half_depth(const scene *s)
{
    double t = truth_length(s);
    for (int i = 0; i < s->nl; i++)
        t += s->l[i].fwhm;
    return t;
}

/* Valleys with a Gaussian cross-profile of the given FWHM and rounded ends;
 * overlapping lines take the deeper value. */
static void render(const scene *s, double p, double depth_scale, double dx, double dy, double noise,
                   uint64_t seed, sk_image_t **out)
{
    int w = (int)lround(s->wmm / p), h = (int)lround(s->hmm / p);
    sk_image_t *img;
    cr_assert_eq(sk_image_new(w, h, 1, &img), 0);
    sk_test_rng r;
    sk_test_rng_init(&r, seed);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double X = (x + 0.5) * p - dx, Y = (y + 0.5) * p - dy, v = 0;
            for (int i = 0; i < s->nl; i++) {
                const line *l = &s->l[i];
                double ux = l->x1 - l->x0, uy = l->y1 - l->y0, len2 = ux * ux + uy * uy;
                double t = ((X - l->x0) * ux + (Y - l->y0) * uy) / len2;
                t = t < 0 ? 0 : t > 1 ? 1 : t;
                double ex = X - (l->x0 + t * ux), ey = Y - (l->y0 + t * uy);
                double sg = l->fwhm / 2.3548;
                double d = depth_scale * l->depth * exp(-(ex * ex + ey * ey) / (2 * sg * sg));
                v = d > v ? d : v;
            }
            for (int i = 0; i < s->np; i++) {
                double ex = X - s->px[i], ey = Y - s->py[i];
                if (ex * ex + ey * ey < 0.25)
                    v += 6 * exp(-(ex * ex + ey * ey) / (2 * 0.09 * 0.09));
            }
            img->data[(size_t)y * img->stride + x] =
                (float)(65 - v + noise * sk_test_rng_gauss(&r));
        }
    *out = img;
}

typedef struct run {
    sk_metric_set_t m;
    sk_detections_t det;
} run;

static void measure(const sk_image_t *L, double p, int physical, run *o)
{
    sk_test_family_on_image(sk_wrinkles_measure, L, p, physical, &o->m, &o->det);
}

static double val(const run *o, const char *name)
{
    return sk_test_metric(&o->m, name);
}

Test(wrinkles, metrics_in_fixed_order)
{
    scene *s = malloc(sizeof *s);
    scene_make(s, 1, 0);
    s->np = 0;
    sk_image_t *L;
    render(s, 0.04, 1, 0, 0, 0.5, 2, &L);
    run o;
    measure(L, 0.04, 1, &o);
    const char *names[] = {"wrinkles.count", "wrinkles.length_density", "wrinkles.total_length",
                           "wrinkles.mean_width", "wrinkles.mean_depth"};
    cr_assert_eq(o.m.count, 5);
    for (int i = 0; i < 5; i++)
        cr_assert_str_eq(o.m.items[i].name, names[i]);
    printf("featureless: wrinkles.count = %g, total_length = %g mm\n", val(&o, "wrinkles.count"),
           val(&o, "wrinkles.total_length"));
    cr_assert_leq(val(&o, "wrinkles.count"), 1);
    sk_detections_free(&o.det);
    sk_image_free(L);
    free(s);
}

Test(wrinkles, pores_are_not_wrinkles)
{
    scene *s = malloc(sizeof *s);
    scene_make(s, 3, 0);
    sk_image_t *L;
    render(s, 0.04, 1, 0, 0, 0.8, 2, &L);
    run o;
    measure(L, 0.04, 1, &o);
    printf("400 pores, no lines: wrinkles.count = %g, total_length = %g mm\n",
           val(&o, "wrinkles.count"), val(&o, "wrinkles.total_length"));
    cr_assert_leq(val(&o, "wrinkles.total_length"), 10);
    sk_detections_free(&o.det);
    sk_image_free(L);
    free(s);
}

Test(wrinkles, planted_length_recovered)
{
    scene *s = malloc(sizeof *s);
    scene_make(s, 7, 10);
    sk_image_t *L;
    render(s, 0.04, 1, 0, 0, 0.8, 3, &L);
    run o;
    measure(L, 0.04, 1, &o);
    double t = truth_length_half_depth(s), f = val(&o, "wrinkles.total_length");
    printf("planted %.1f mm in %d lines between half-depth ends (%.1f mm between end points); "
           "found %.1f mm (%.1f %%) in %g pieces; width %.2f mm, depth %.2f\n",
           t, s->nl, truth_length(s), f, 100 * (f - t) / t, val(&o, "wrinkles.count"),
           val(&o, "wrinkles.mean_width"), val(&o, "wrinkles.mean_depth"));
    cr_assert_leq(fabs(f - t), 0.15 * t);
    sk_detections_free(&o.det);
    sk_image_free(L);
    free(s);
}

Test(wrinkles, planted_improvement_measured)
{
    scene *s = malloc(sizeof *s);
    scene_make(s, 9, 10);
    sk_image_t *L0, *L1;
    render(s, 0.04, 1.0, 0, 0, 0.8, 4, &L0);
    render(s, 0.04, 0.8, 0, 0, 0.8, 5, &L1);
    run a, b;
    measure(L0, 0.04, 1, &a);
    measure(L1, 0.04, 1, &b);
    double ch = (val(&b, "wrinkles.mean_depth") - val(&a, "wrinkles.mean_depth")) /
                val(&a, "wrinkles.mean_depth");
    printf("depth improvement 0.20 planted: wrinkles.mean_depth change %.1f %%\n", 100 * ch);
    cr_assert(ch < -0.15 && ch > -0.25);
    sk_detections_free(&a.det);
    sk_detections_free(&b.det);
    sk_image_free(L0);
    sk_image_free(L1);
    free(s);
}

Test(wrinkles, repeatability_and_two_resolutions)
{
    scene *s = malloc(sizeof *s);
    scene_make(s, 13, 10);
    int nseed = 6;
    double v[8], sum = 0, sum2 = 0;
    for (int i = 0; i < nseed; i++) {
        sk_test_rng r;
        sk_test_rng_init(&r, 50 + i);
        sk_image_t *L;
        render(s, 0.04, 1, 0.3 * sk_test_rng_uniform(&r), 0.3 * sk_test_rng_uniform(&r),
               0.6 + 0.6 * sk_test_rng_uniform(&r), 60 + i, &L);
        run o;
        measure(L, 0.04, 1, &o);
        v[i] = val(&o, "wrinkles.total_length");
        sum += v[i];
        sum2 += v[i] * v[i];
        sk_detections_free(&o.det);
        sk_image_free(L);
    }
    double mean = sum / nseed, sd = sqrt(fmax(0, sum2 / nseed - mean * mean));
    printf("wrinkles.total_length over %d seeds: mean %.1f mm, CV %.2f %%\n", nseed, mean,
           100 * sd / mean);
    cr_assert_leq(sd / mean, 0.05);
    sk_image_t *L3;
    render(s, 0.03, 1, 0, 0, 0.8, 70, &L3);
    run o3;
    measure(L3, 0.03, 1, &o3);
    double t3 = val(&o3, "wrinkles.total_length");
    printf("wrinkles.total_length at 0.03 mm/px %.1f vs 0.04 mm/px mean %.1f (%.1f %%)\n", t3, mean,
           100 * (t3 - mean) / mean);
    cr_assert_leq(fabs(t3 - mean) / mean, 0.10);
    sk_detections_free(&o3.det);
    sk_image_free(L3);
    free(s);
}

/* ------------------------------------------------- phantom (shared library) */

/* The phantom's wrinkles are faint, tapered valleys under side light,
 * crossed by pores and by each other. DESIGN §8 bars asserted here: total
 * length within 15 % of the planted length (seeds 1-4) and re-capture CV of
 * the total length <= 5 % (seeds 1-2, six re-captures each), and the planted
 * 20 % improvement within +-5 % of the planted change over six re-capture
 * pairs (seeds 1-4). On the single unperturbed reference pair it is printed,
 * not asserted: it still scatters beyond +-5 % on some skins
 * (docs/VALIDATION.md). The runs below are deterministic (fixed seeds). */
Test(wrinkles_phantom, featureless_is_zero)
{
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    p.featureless = 1;
    sk_test_ph_run f;
    sk_test_ph_measure(&p, &f, sk_wrinkles_measure);
    printf("phantom featureless: wrinkles.count %g, total_length %g mm\n",
           sk_test_metric(&f.m, "wrinkles.count"), sk_test_metric(&f.m, "wrinkles.total_length"));
    cr_assert_leq(sk_test_metric(&f.m, "wrinkles.count"), 0);
    sk_phantom_truth_free(f.t);
}

/* SK_PHANTOM_SEED_ONLY=k runs seed k alone, to iterate on one skin (its bars
 * still asserted if it is one of the default seeds); 0 when unset. */
static int ph_seed_only(void)
{
    const char *e = getenv("SK_PHANTOM_SEED_ONLY");
    int k = e ? atoi(e) : 0;
    return k > 0 ? k : 0;
}

/* More skins for the validation page: SK_PHANTOM_SEEDS=8 runs seeds 1-8
 * (the bars are asserted on the default seeds only). */
static int ph_seeds(int dflt)
{
    const char *e = getenv("SK_PHANTOM_SEEDS");
    int n = e ? atoi(e) : 0, k = ph_seed_only();
    n = n > dflt ? n : dflt;
    return k > n ? k : n;
}

static int ph_seed_skip(uint64_t seed)
{
    int k = ph_seed_only();
    return k && (uint64_t)k != seed;
}

Test(wrinkles_phantom, truth_length_and_improvement, .timeout = 600)
{
    double imp_sum = 0;
    int nrun = 0;
    const int ns = ph_seeds(4);
    for (uint64_t seed = 1; seed <= (uint64_t)ns; seed++) {
        if (ph_seed_skip(seed))
            continue;
        sk_phantom_params p;
        sk_phantom_params_default(&p);
        p.seed = seed;
        sk_test_ph_run a, b;
        sk_test_ph_measure(&p, &a, sk_wrinkles_measure);
        p.improvement = 0.2;
        sk_test_ph_measure(&p, &b, sk_wrinkles_measure);
        double len = sk_test_metric(&a.m, "wrinkles.total_length"),
               truth = a.t->wrinkle_total_length;
        double imp = (sk_test_metric(&b.m, "wrinkles.total_length") - len) / len;
        imp_sum += imp;
        nrun++;
        printf("phantom seed %d: wrinkles.total_length %.1f mm vs planted %.1f mm (%+.1f %%, bar "
               "15 %%), count %g vs %d; improvement 0.2: %.1f %% (planted %.1f %%)\n",
               (int)seed, len, truth, 100 * (len - truth) / truth,
               sk_test_metric(&a.m, "wrinkles.count"), a.t->wrinkle_count, 100 * imp,
               100 * (b.t->wrinkle_total_length - truth) / truth);
        if (seed <= 4)
            cr_assert_leq(fabs(len - truth), 0.15 * truth, "seed %d", (int)seed);
        sk_phantom_truth_free(a.t);
        sk_phantom_truth_free(b.t);
    }
    printf("phantom seeds 1-%d: mean improvement on the reference pair %.1f %% (bar 20 +- 5 %%, "
           "not asserted on one pair)\n",
           ns, 100 * imp_sum / nrun);
}

/* Re-captures (sk_phantom_perturb 1000-1005: shift, rotation, scale,
 * exposure, white balance, noise, JPEG) of each skin, before and after the
 * planted improvement, the same six perturbations on both sides. The CV of
 * the total length over the six "before" captures is the repeatability bar
 * (asserted on seeds 1-2). The improvement is also read as the change of the
 * mean over the six pairs: a single pair mixes the measurement's bias with
 * the discrete events of one render (a faint stretch found in one photo and
 * not in the other), which a ±5 % bar on one pair cannot separate from the
 * 5 % re-capture CV allowed by the repeatability bar. */
Test(wrinkles_phantom, recaptures, .timeout = 900)
{
    const int ns = ph_seeds(4), nr = 6;
    int met = 0;
    for (uint64_t seed = 1; seed <= (uint64_t)ns; seed++) {
        if (ph_seed_skip(seed))
            continue;
        double sa = 0, sa2 = 0, sb = 0, planted = 0;
        for (int i = 0; i < nr; i++) {
            sk_phantom_params p;
            sk_phantom_params_default(&p);
            p.seed = seed;
            sk_phantom_perturb(&p, 1000 + (uint64_t)i);
            sk_test_ph_run a, b;
            sk_test_ph_measure(&p, &a, sk_wrinkles_measure);
            p.improvement = 0.2;
            sk_test_ph_measure(&p, &b, sk_wrinkles_measure);
            double la = sk_test_metric(&a.m, "wrinkles.total_length"),
                   lb = sk_test_metric(&b.m, "wrinkles.total_length");
            if (ph_seed_only())
                printf("phantom seed %d re-capture %d: %.1f -> %.1f mm (%+.1f %%)\n", (int)seed,
                       1000 + i, la, lb, 100 * (lb / la - 1));
            sa += la;
            sa2 += la * la;
            sb += lb;
            planted += (b.t->wrinkle_total_length - a.t->wrinkle_total_length) /
                       a.t->wrinkle_total_length / nr;
            sk_phantom_truth_free(a.t);
            sk_phantom_truth_free(b.t);
        }
        double mean = sa / nr, cv = sqrt(fmax(0, sa2 / nr - mean * mean)) / mean;
        double imp = sb / sa - 1;
        int ok = fabs(imp - planted) <= 0.05;
        met += ok;
        printf(
            "phantom seed %d: wrinkles.total_length over %d re-captures: mean %.1f mm, CV %.1f %% "
            "(bar 5 %%); improvement 0.2 over the %d pairs: %.1f %% (planted %.1f %%, bar +-5 "
            "%%)%s\n",
            (int)seed, nr, mean, 100 * cv, nr, 100 * imp, 100 * planted, ok ? "" : " NOT MET");
        if (seed <= 2)
            cr_assert_leq(cv, 0.05, "seed %d", (int)seed);
        if (seed <= 4)
            cr_assert_leq(fabs(imp - planted), 0.05, "seed %d", (int)seed);
    }
    printf("phantom seeds 1-%d: improvement over re-capture pairs within +-5 %% on %d\n", ns, met);
}
