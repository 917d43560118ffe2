/* Texture on phantoms: the same skin at two resolutions, re-capture
 * repeatability, what the planted improvement does (it leaves the
 * micro-relief alone), a smoother skin reads smoother, and the resolution
 * below which texture is null. Figures:
 * docs/validation/models-skin-pigment-texture.md. */
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
    cr_assert_eq(sk_pipeline_init("test_texture"), SK_OK);
    cr_assert_eq(sk_model_params_load(SK_SOURCE_DIR "/models", &params), SK_OK, "%s",
                 sk_error_message());
}

TestSuite(texture, .init = setup, .timeout = 300);

static const char *names[] = {"texture.ra",          "texture.rq",
                              "texture.glcm_contrast", "texture.glcm_homogeneity",
                              "texture.glcm_energy", "texture.glcm_correlation",
                              "texture.lbp_uniformity"};
#define N_NAMES 7

static void measure_image(const sk_image_t *img, double mpp, sk_metric_set_t *out)
{
    sk_models_ws_t *ws = NULL;
    cr_assert_eq(sk_models_ws_new(&ws), SK_OK);
    sk_models_input_t in = {.srgb = img, .mm_per_px = mpp, .physical = 1, .params = &params};
    cr_assert_eq(sk_models_measure(ws, &in, out, NULL, NULL), SK_OK, "%s", sk_error_message());
    sk_models_ws_free(ws);
}

/* Render and measure; a capture finer than the 0.04 mm/px base is first
 * resampled to it (area), as the pipeline does. */
static void measure(const sk_phantom_params *p, sk_metric_set_t *out)
{
    sk_image_t *img = NULL;
    cr_assert_eq(sk_phantom_render(p, &img, NULL), SK_OK, "%s", sk_error_message());
    double mpp = p->mm_per_px / p->scale;
    if (mpp < 0.04 * 0.999) {
        int bw = (int)lround(img->width * mpp / 0.04), bh = (int)lround(img->height * mpp / 0.04);
        sk_image_t *b = NULL;
        cr_assert_eq(sk_image_new(bw, bh, 3, &b), SK_OK);
        for (int c = 0; c < 3; c++)
            cr_assert_eq(sk_geom_resize(sk_image_plane(img, c), img->stride, img->width,
                                        img->height, sk_image_plane(b, c), b->stride, bw, bh,
                                        SK_RESIZE_AREA, NULL),
                         SK_OK);
        mpp *= (double)img->width / bw;
        sk_image_free(img);
        img = b;
    }
    measure_image(img, mpp, out);
    sk_image_free(img);
}

static double get(const sk_metric_set_t *m, const char *name)
{
    const sk_metric_t *x = sk_metric_set_find(m, name);
    cr_assert_not_null(x, "%s missing", name);
    return x->value;
}

static sk_phantom_params base(void)
{
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    p.seed = 7;
    return p;
}

Test(texture, same_skin_at_two_resolutions)
{
    const double res[] = {0.03, 0.05};
    sk_phantom_params p = base();
    sk_metric_set_t *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    measure(&p, a);
    for (int r = 0; r < 2; r++) {
        p.mm_per_px = res[r];
        measure(&p, b);
        for (int k = 0; k < N_NAMES; k++) {
            double x = get(a, names[k]), y = get(b, names[k]);
            fprintf(stderr, "%-26s 0.04 mm/px %8.4f  %.2f mm/px %8.4f  (%+.2f %%)\n", names[k], x,
                    res[r], y, 100 * (y / x - 1));
            cr_assert_float_eq(y / x, 1.0, 0.03, "%s at %g mm/px: %g vs %g", names[k], res[r], y,
                               x);
        }
    }
    free(a), free(b);
}

Test(texture, recapture_repeatability)
{
    double v[8][N_NAMES];
    sk_metric_set_t *m = calloc(1, sizeof *m);
    for (int j = 0; j <= 6; j++) {
        sk_phantom_params p = base();
        if (j)
            sk_phantom_perturb(&p, (uint64_t)j);
        measure(&p, m);
        for (int k = 0; k < N_NAMES; k++)
            v[j][k] = get(m, names[k]);
    }
    for (int k = 0; k < N_NAMES; k++) {
        double s = 0, s2 = 0;
        for (int j = 0; j <= 6; j++)
            s += v[j][k], s2 += v[j][k] * v[j][k];
        double mean = s / 7, sd = sqrt(fmax(0, (s2 - s * mean) / 6)), cv = 100 * sd / fabs(mean);
        fprintf(stderr, "%-26s mean %8.4f  CV %5.2f %%\n", names[k], mean, cv);
        cr_assert_leq(cv, 3.0, "%s CV %g %%", names[k], cv);
    }
    free(m);
}

/* The phantom's course of treatment closes pores, shortens wrinkles, fades
 * spots and red areas and makes scars shallower; the micro-relief stays.
 * Texture is band-passed at 0.1-1 mm, where pores and wrinkles also show,
 * so it moves a little, in the right direction, far less than 20 %. */
Test(texture, improvement_moves_roughness_down_slightly)
{
    sk_phantom_params p = base();
    sk_metric_set_t *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    measure(&p, a);
    p.improvement = 0.2;
    measure(&p, b);
    for (int k = 0; k < N_NAMES; k++)
        fprintf(stderr, "improvement 0.2: %-26s %+.2f %%\n", names[k],
                100 * (get(b, names[k]) / get(a, names[k]) - 1));
    double dra = get(b, "texture.ra") / get(a, "texture.ra") - 1;
    cr_assert(dra < 0.0 && dra > -0.20, "Ra change %g", dra);
    free(a), free(b);
}

/* A featureless phantom (relief only) reads smoother than one with pores
 * and wrinkles, and a flat patch with neither reads near zero. */
Test(texture, smoother_skin_reads_smoother)
{
    sk_phantom_params p = base();
    sk_metric_set_t *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    measure(&p, a);
    p.featureless = 1;
    measure(&p, b);
    fprintf(stderr, "Ra with features %.4f, featureless %.4f; homogeneity %.4f vs %.4f\n",
            get(a, "texture.ra"), get(b, "texture.ra"), get(a, "texture.glcm_homogeneity"),
            get(b, "texture.glcm_homogeneity"));
    cr_assert_lt(get(b, "texture.ra"), get(a, "texture.ra"));
    cr_assert_gt(get(b, "texture.glcm_homogeneity"), get(a, "texture.glcm_homogeneity"));
    /* a uniform skin-coloured plane: no texture at all */
    sk_image_t *img = NULL;
    cr_assert_eq(sk_image_new(400, 300, 3, &img), SK_OK);
    const float rgb[3] = {0.78f, 0.6f, 0.5f};
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 300; y++)
            for (int x = 0; x < 400; x++)
                sk_image_plane(img, c)[(size_t)y * img->stride + x] = rgb[c];
    measure_image(img, 0.04, b);
    cr_assert_lt(get(b, "texture.ra"), 1e-3);
    cr_assert_gt(get(b, "texture.glcm_homogeneity"), 0.99);
    sk_image_free(img);
    free(a), free(b);
}

Test(texture, too_coarse_is_null_with_reason)
{
    sk_phantom_params p = base();
    p.mm_per_px = 0.1;
    sk_metric_set_t *m = calloc(1, sizeof *m);
    measure(&p, m);
    for (int k = 0; k < N_NAMES; k++) {
        const sk_metric_t *x = sk_metric_set_find(m, names[k]);
        cr_assert(isnan(x->value) && x->null_reason && strstr(x->null_reason, "mm/px"), "%s",
                  names[k]);
    }
    /* the pigment metrics still work at 0.1 mm/px */
    cr_assert(isfinite(get(m, "pigment.spot_area_pct")));
    free(m);
}
