/* Pigmentation and redness on phantoms with known truth: planted spot and
 * red areas, a planted 20 % improvement, featureless skin, planted tone,
 * two resolutions and re-capture repeatability; defaults in code equal the
 * versioned parameters. Figures: docs/validation/models-skin-pigment-texture.md. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk_phantom.h"
#include "skintrack.h"
#include "testutil.h"

static sk_params_t params;

static void setup(void)
{
    cr_assert_eq(sk_pipeline_init("test_pigment"), SK_OK);
    cr_assert_eq(sk_model_params_load(SK_SOURCE_DIR "/models", &params), SK_OK, "%s",
                 sk_error_message());
}

TestSuite(pigment, .init = setup, .timeout = 300);

/* Render a phantom and measure it at its own scale (as the pipeline does
 * for a photo already at or coarser than the base scale). */
static void measure(const sk_phantom_params *p, const sk_params_t *prm, sk_metric_set_t *out,
                    sk_detections_t *det, double *skin_fraction, sk_phantom_truth **truth)
{
    sk_image_t *img = NULL;
    cr_assert_eq(sk_phantom_render(p, &img, truth), SK_OK, "%s", sk_error_message());
    sk_models_ws_t *ws = NULL;
    cr_assert_eq(sk_models_ws_new(&ws), SK_OK);
    sk_models_input_t in = {.srgb = img, .mm_per_px = p->mm_per_px / p->scale, .physical = 1,
                            .params = prm};
    double sf = 0;
    cr_assert_eq(sk_models_measure(ws, &in, out, det, &sf), SK_OK, "%s", sk_error_message());
    if (skin_fraction)
        *skin_fraction = sf;
    sk_models_ws_free(ws);
    sk_image_free(img);
}

static double get(const sk_metric_set_t *m, const char *name)
{
    const sk_metric_t *x = sk_metric_set_find(m, name);
    cr_assert_not_null(x, "%s missing", name);
    return x->value;
}

static sk_phantom_params base(uint64_t seed)
{
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    p.seed = seed;
    return p;
}

Test(pigment, planted_spots_redness_and_improvement)
{
    const uint64_t seeds[] = {7, 11, 23};
    for (int s = 0; s < 3; s++) {
        sk_phantom_params p = base(seeds[s]);
        sk_metric_set_t *m0 = calloc(1, sizeof *m0), *m1 = calloc(1, sizeof *m1);
        sk_detections_t det;
        sk_detections_init(&det);
        sk_phantom_truth *t0 = NULL, *t1 = NULL;
        double sf = 0;
        measure(&p, &params, m0, &det, &sf, &t0);
        /* truth is a % of the photo, the metric a % of the skin */
        double spot = get(m0, "pigment.spot_area_pct") * sf;
        double red = get(m0, "redness.area_pct") * sf;
        int n_spot_det = 0;
        for (size_t i = 0; i < det.count; i++)
            if (det.items[i].kind == SK_DET_SPOT) {
                n_spot_det++;
                cr_assert_gt(det.items[i].n_contour, 2, "a spot has an outline");
            }
        p.improvement = 0.2;
        measure(&p, &params, m1, NULL, &sf, &t1);
        double ds = get(m1, "pigment.spot_area_pct") / get(m0, "pigment.spot_area_pct") - 1;
        double dr = get(m1, "redness.area_pct") / get(m0, "redness.area_pct") - 1;
        fprintf(stderr,
                "seed %2d: spots %d/%d, area %.3f %% vs truth %.3f (%+.1f %%), redness %.3f vs "
                "%.3f (%+.1f %%); planted -20 %%: spot area %+.1f %%, redness %+.1f %%\n",
                (int)seeds[s], (int)get(m0, "pigment.spot_count"), t0->spot_count, spot,
                t0->spot_area_pct, 100 * (spot / t0->spot_area_pct - 1), red,
                t0->redness_area_pct, 100 * (red / t0->redness_area_pct - 1), 100 * ds, 100 * dr);
        cr_assert_eq((int)get(m0, "pigment.spot_count"), t0->spot_count);
        cr_assert_eq(n_spot_det, t0->spot_count, "one detection per spot");
        cr_assert_float_eq(spot / t0->spot_area_pct, 1.0, 0.10, "spot area %g vs %g", spot,
                           t0->spot_area_pct);
        cr_assert_float_eq(red / t0->redness_area_pct, 1.0, 0.10, "red area %g vs %g", red,
                           t0->redness_area_pct);
        cr_assert(ds < -0.15 && ds > -0.25, "spot area change %g", ds);
        cr_assert(dr < -0.15 && dr > -0.25, "redness change %g", dr);
        sk_phantom_truth_free(t0), sk_phantom_truth_free(t1);
        sk_detections_free(&det);
        free(m0), free(m1);
    }
}

Test(pigment, featureless_has_no_spots_or_redness)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        sk_phantom_params p = base(seed);
        p.featureless = 1;
        sk_metric_set_t *m = calloc(1, sizeof *m);
        measure(&p, &params, m, NULL, NULL, NULL);
        fprintf(stderr, "featureless seed %d: spots %g (%.4f %%), redness %.4f %%\n", (int)seed,
                get(m, "pigment.spot_count"), get(m, "pigment.spot_area_pct"),
                get(m, "redness.area_pct"));
        cr_assert_eq(get(m, "pigment.spot_count"), 0);
        cr_assert_eq(get(m, "pigment.spot_area_pct"), 0);
        cr_assert_lt(get(m, "redness.area_pct"), 0.05);
        free(m);
    }
}

Test(pigment, tones_recover_planted_ita)
{
    const double itas[] = {55, 30, 10, -10, -30, -45};
    for (int i = 0; i < 6; i++) {
        sk_phantom_params p = base(5);
        p.ita_deg = itas[i];
        p.width_mm = 30, p.height_mm = 22;
        sk_metric_set_t *m = calloc(1, sizeof *m);
        sk_phantom_truth *t = NULL;
        double sf;
        measure(&p, &params, m, NULL, &sf, &t);
        fprintf(stderr, "ITA planted %6.1f measured %6.2f, MI %.1f, EI %.1f, skin %.3f\n",
                t->ita_deg, get(m, "pigment.ita_deg"), get(m, "pigment.melanin_index"),
                get(m, "pigment.erythema_index"), sf);
        cr_assert_float_eq(get(m, "pigment.ita_deg"), t->ita_deg, 3.0);
        sk_phantom_truth_free(t);
        free(m);
    }
}

static const char *names[] = {"pigment.ita_deg",       "pigment.melanin_index",
                              "pigment.erythema_index", "pigment.spot_count",
                              "pigment.spot_area_pct", "pigment.spot_contrast",
                              "pigment.evenness",      "redness.area_pct"};
#define N_NAMES 8

Test(pigment, same_skin_at_two_resolutions)
{
    sk_phantom_params p = base(7);
    sk_metric_set_t *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    measure(&p, &params, a, NULL, NULL, NULL);
    /* 0.03 mm/px, resampled to the 0.04 base as the pipeline does */
    p.mm_per_px = 0.03;
    sk_image_t *img = NULL, *base_img = NULL;
    cr_assert_eq(sk_phantom_render(&p, &img, NULL), SK_OK);
    int bw = (int)lround(img->width * 0.75), bh = (int)lround(img->height * 0.75);
    cr_assert_eq(sk_image_new(bw, bh, 3, &base_img), SK_OK);
    for (int c = 0; c < 3; c++)
        cr_assert_eq(sk_geom_resize(sk_image_plane(img, c), img->stride, img->width, img->height,
                                    sk_image_plane(base_img, c), base_img->stride, bw, bh,
                                    SK_RESIZE_AREA, NULL),
                     SK_OK);
    sk_models_ws_t *ws = NULL;
    cr_assert_eq(sk_models_ws_new(&ws), SK_OK);
    sk_models_input_t in = {.srgb = base_img, .mm_per_px = 0.03 * img->width / bw, .physical = 1,
                            .params = &params};
    cr_assert_eq(sk_models_measure(ws, &in, b, NULL, NULL), SK_OK, "%s", sk_error_message());
    for (int k = 0; k < N_NAMES; k++) {
        double x = get(a, names[k]), y = get(b, names[k]);
        fprintf(stderr, "%-24s 0.04 mm/px %9.4f  0.03 mm/px %9.4f  (%+.2f %%)\n", names[k], x, y,
                100 * (y / x - 1));
        cr_assert_float_eq(y / x, 1.0, 0.03, "%s at 0.03 mm/px: %g vs %g", names[k], y, x);
    }
    sk_models_ws_free(ws);
    sk_image_free(img), sk_image_free(base_img);
    free(a), free(b);
}

/* CV (%) of each metric over the reference capture and n re-captures. With
 * `colour` 0 the perturbations keep exposure and white balance. Area
 * percentages are of the skin in the photo, and a re-capture at +-5 %
 * magnification shows +-10 % more or less skin around the same spots; the
 * comparison across sessions is made on the registered common region
 * (DESIGN 6), so the areas are also converted to mm2 (cv_mm2[0] spots,
 * cv_mm2[1] redness), which the field of view does not change. */
static void recapture_cv(int n, int colour, double cv[N_NAMES], double cv_mm2[2])
{
    double v[16][N_NAMES], a[16][2];
    sk_metric_set_t *m = calloc(1, sizeof *m);
    for (int j = 0; j <= n; j++) {
        sk_phantom_params p = base(7);
        if (j) {
            sk_phantom_perturb(&p, (uint64_t)j);
            if (!colour)
                p.exposure_ev = 0, p.wb_r = 1, p.wb_b = 1;
        }
        double sf = 0;
        sk_phantom_truth *t = NULL;
        measure(&p, &params, m, NULL, &sf, &t);
        for (int k = 0; k < N_NAMES; k++)
            v[j][k] = get(m, names[k]);
        double skin_mm2 = sf * t->area_mm2;
        a[j][0] = get(m, "pigment.spot_area_pct") / 100 * skin_mm2;
        a[j][1] = get(m, "redness.area_pct") / 100 * skin_mm2;
        sk_phantom_truth_free(t);
    }
    for (int k = 0; k < N_NAMES + 2; k++) {
        double s = 0, s2 = 0;
        for (int j = 0; j <= n; j++) {
            double x = k < N_NAMES ? v[j][k] : a[j][k - N_NAMES];
            s += x, s2 += x * x;
        }
        double mean = s / (n + 1), sd = sqrt(fmax(0, (s2 - s * mean) / n));
        if (k < N_NAMES)
            cv[k] = 100 * sd / fabs(mean);
        else
            cv_mm2[k - N_NAMES] = 100 * sd / fabs(mean);
    }
    free(m);
}

Test(pigment, recapture_repeatability)
{
    double all[N_NAMES], geo[N_NAMES], mm2[2], mm2_geo[2];
    recapture_cv(6, 1, all, mm2);
    recapture_cv(6, 0, geo, mm2_geo);
    for (int k = 0; k < N_NAMES; k++)
        fprintf(stderr, "%-24s CV %5.2f %% (all perturbations)  %5.2f %% (same exposure and WB)\n",
                names[k], all[k], geo[k]);
    fprintf(stderr, "%-24s CV %5.2f %% (all perturbations)  %5.2f %% (same exposure and WB)\n",
            "spot area (mm2)", mm2[0], mm2_geo[0]);
    fprintf(stderr, "%-24s CV %5.2f %% (all perturbations)  %5.2f %% (same exposure and WB)\n",
            "redness area (mm2)", mm2[1], mm2_geo[1]);
    /* relative metrics: bar 3 % under every perturbation (areas on the same
     * skin, in mm2) */
    cr_assert_leq(all[3], 3.0, "spot count CV %g %%", all[3]);
    cr_assert_leq(all[5], 3.0, "spot contrast CV %g %%", all[5]);
    cr_assert_leq(all[6], 3.0, "evenness CV %g %%", all[6]);
    cr_assert_leq(mm2[0], 3.0, "spot area (mm2) CV %g %%", mm2[0]);
    cr_assert_leq(mm2[1], 3.0, "redness area (mm2) CV %g %%", mm2[1]);
    /* absolute colour (ITA, MI, EI) follows exposure and white balance until
     * the photo's colour is calibrated; with both held it meets the bar */
    for (int k = 0; k < 3; k++)
        cr_assert_leq(geo[k], 3.0, "%s CV %g %% at fixed exposure", names[k], geo[k]);
}

Test(pigment, code_defaults_equal_the_parameter_file)
{
    sk_phantom_params p = base(7);
    p.width_mm = 24, p.height_mm = 18;
    sk_metric_set_t *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    measure(&p, &params, a, NULL, NULL, NULL);
    measure(&p, NULL, b, NULL, NULL, NULL);
    cr_assert_eq(a->count, b->count);
    for (int i = 0; i < a->count; i++) {
        if (strncmp(a->items[i].name, "pigment.", 8) && strncmp(a->items[i].name, "redness.", 8) &&
            strncmp(a->items[i].name, "texture.", 8))
            continue;
        cr_assert_str_eq(a->items[i].name, b->items[i].name);
        cr_assert(a->items[i].value == b->items[i].value ||
                      (isnan(a->items[i].value) && isnan(b->items[i].value)),
                  "%s: %g with models/*.json, %g with the defaults in code", a->items[i].name,
                  a->items[i].value, b->items[i].value);
    }
    /* and every pigment/redness/skin/texture key of the files is read with
     * the same default: a changed value must change a result (spot check) */
    sk_params_t changed = params;
    cr_assert_eq(sk_params_set(&changed, "pigment.spot_min_dl", 100.0), SK_OK);
    measure(&p, &changed, b, NULL, NULL, NULL);
    cr_assert_eq(get(b, "pigment.spot_count"), 0);
    free(a), free(b);
}

Test(pigment, no_skin_gives_null_with_reason)
{
    sk_image_t *img = NULL;
    cr_assert_eq(sk_image_new(200, 150, 3, &img), SK_OK);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 150; y++)
            for (int x = 0; x < 200; x++)
                sk_image_plane(img, c)[(size_t)y * img->stride + x] = c == 2 ? 0.8f : 0.2f;
    sk_models_ws_t *ws = NULL;
    cr_assert_eq(sk_models_ws_new(&ws), SK_OK);
    sk_models_input_t in = {.srgb = img, .mm_per_px = 0.04, .physical = 1, .params = &params};
    sk_metric_set_t *m = calloc(1, sizeof *m);
    double sf = 1;
    cr_assert_eq(sk_models_measure(ws, &in, m, NULL, &sf), SK_OK);
    cr_assert_eq(sf, 0.0);
    for (int k = 0; k < N_NAMES; k++) {
        const sk_metric_t *x = sk_metric_set_find(m, names[k]);
        cr_assert(isnan(x->value) && x->null_reason, "%s", names[k]);
    }
    free(m);
    sk_models_ws_free(ws);
    sk_image_free(img);
}
