/* The skin mask: phantoms of every tone and under warm and cool light are
 * skin; dark planted features inside skin are not holes in it; non-skin
 * colours are not skin; a grey hole (an eye) stays out while a brown one (a
 * mole) is filled back; the user's region limits it; the six portraits and
 * the astronaut photo give plausible skin fractions. Figures:
 * docs/validation/models-skin-pigment-texture.md. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pmodels.h"
#include "sk_phantom.h"
#include "skintrack.h"
#include "testutil.h"

static sk_params_t params;

static void setup(void)
{
    cr_assert_eq(sk_pipeline_init("test_skin_mask"), SK_OK);
    cr_assert_eq(sk_model_params_load(SK_SOURCE_DIR "/models", &params), SK_OK, "%s",
                 sk_error_message());
}

TestSuite(skin_mask, .init = setup, .timeout = 300);

/* Skin fraction of an image through sk_models_measure (region may be NULL). */
static double skin_fraction(const sk_image_t *img, double mpp, int physical,
                            const uint8_t *region)
{
    sk_models_ws_t *ws = NULL;
    cr_assert_eq(sk_models_ws_new(&ws), SK_OK);
    sk_models_input_t in = {.srgb = img, .mm_per_px = mpp, .physical = physical,
                            .region = region, .region_stride = (size_t)img->width,
                            .params = &params};
    sk_metric_set_t *m = calloc(1, sizeof *m);
    double sf = -1;
    cr_assert_eq(sk_models_measure(ws, &in, m, NULL, &sf), SK_OK, "%s", sk_error_message());
    free(m);
    sk_models_ws_free(ws);
    return sf;
}

Test(skin_mask, phantoms_of_every_tone_and_cast_are_skin)
{
    const struct {
        double ita, wb_r, wb_b, ev;
        const char *what;
    } cases[] = {
        {60, 1, 1, 0, "very light"},      {40, 1, 1, 0, "light"},
        {20, 1, 1, 0, "intermediate"},    {0, 1, 1, 0, "tan"},
        {-25, 1, 1, 0, "brown"},          {-50, 1, 1, 0, "dark"},
        {30, 1.25, 0.75, 0, "warm light"}, {30, 0.8, 1.25, 0, "cool light"},
        {55, 0.85, 1.2, 0.5, "light, cool, bright"}, {-45, 1.2, 0.8, -0.5, "dark, warm, dim"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sk_phantom_params p;
        sk_phantom_params_default(&p);
        p.seed = 3;
        p.width_mm = 30, p.height_mm = 22;
        p.ita_deg = cases[i].ita, p.wb_r = cases[i].wb_r, p.wb_b = cases[i].wb_b;
        p.exposure_ev = cases[i].ev;
        sk_image_t *img = NULL;
        cr_assert_eq(sk_phantom_render(&p, &img, NULL), SK_OK);
        double sf = skin_fraction(img, p.mm_per_px, 1, NULL);
        fprintf(stderr, "phantom ITA %4.0f %-22s skin %.4f\n", cases[i].ita, cases[i].what, sf);
        cr_assert_geq(sf, 0.95, "%s: %g", cases[i].what, sf);
        sk_image_free(img);
    }
}

Test(skin_mask, non_skin_colours_are_not_skin)
{
    /* blue, green, grey, white, black and saturated red fields */
    const float cols[][3] = {{0.2f, 0.3f, 0.8f}, {0.2f, 0.6f, 0.2f}, {0.5f, 0.5f, 0.5f},
                             {0.97f, 0.97f, 0.97f}, {0.03f, 0.03f, 0.03f}, {0.9f, 0.05f, 0.1f}};
    for (int i = 0; i < 6; i++) {
        sk_image_t *img = NULL;
        cr_assert_eq(sk_image_new(300, 200, 3, &img), SK_OK);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 200; y++)
                for (int x = 0; x < 300; x++)
                    sk_image_plane(img, c)[(size_t)y * img->stride + x] = cols[i][c];
        double sf = skin_fraction(img, 0.04, 1, NULL);
        cr_assert_lt(sf, 0.01, "colour %d: %g", i, sf);
        sk_image_free(img);
    }
}

/* A 32 x 20 mm phantom whose right half is blue cloth; its scale in *mpp. */
static sk_image_t *half_skin_half_cloth(double *mpp)
{
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    p.seed = 4;
    p.width_mm = 32, p.height_mm = 20;
    sk_image_t *img = NULL;
    cr_assert_eq(sk_phantom_render(&p, &img, NULL), SK_OK);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < img->height; y++)
            for (int x = img->width / 2; x < img->width; x++)
                sk_image_plane(img, c)[(size_t)y * img->stride + x] = c == 2 ? 0.7f : 0.15f;
    *mpp = p.mm_per_px;
    return img;
}

Test(skin_mask, skin_next_to_background_and_region)
{
    /* left half phantom skin, right half blue cloth: about half is skin,
     * minus the edge margin; a region of the left quarter limits it */
    double mpp;
    sk_image_t *img = half_skin_half_cloth(&mpp);
    const int w = img->width, h = img->height;
    double sf = skin_fraction(img, mpp, 1, NULL);
    fprintf(stderr, "half skin, half cloth: skin %.4f\n", sf);
    cr_assert(sf > 0.44 && sf <= 0.5, "%g", sf);
    uint8_t *region = calloc((size_t)w * h, 1);
    for (int y = 0; y < h; y++)
        memset(region + (size_t)y * w, 1, (size_t)w / 4);
    double sr = skin_fraction(img, mpp, 1, region);
    fprintf(stderr, "region = left quarter: skin %.4f of the region\n", sr);
    cr_assert_gt(sr, 0.95, "%g", sr);
    free(region);
    sk_image_free(img);
}

/* Paint a disc of radius r mm at (cx, cy) mm in one sRGB colour. */
static void paint_disc(sk_image_t *img, double mpp, double cx, double cy, double r,
                       const float rgb[3])
{
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            double dx = x * mpp - cx, dy = y * mpp - cy;
            if (dx * dx + dy * dy < r * r)
                for (int c = 0; c < 3; c++)
                    sk_image_plane(img, c)[(size_t)y * img->stride + x] = rgb[c];
        }
}

/* The share of a disc of radius r mm at (cx, cy) mm that is skin. */
static double disc_skin(const uint8_t *skin, int w, int h, double mpp, double cx, double cy,
                        double r)
{
    double on = 0, n = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double dx = x * mpp - cx, dy = y * mpp - cy;
            if (dx * dx + dy * dy < r * r)
                on += skin[(size_t)y * w + x] != 0, n++;
        }
    return on / n;
}

/* The skin mask of an image through sk_models_measure: *ws holds it (free
 * with sk_models_ws_free), *sf gets the skin fraction. */
static const uint8_t *measure_skin(const sk_image_t *img, double mpp, sk_models_ws_t **ws,
                                   double *sf)
{
    cr_assert_eq(sk_models_ws_new(ws), SK_OK);
    sk_models_input_t in = {.srgb = img, .mm_per_px = mpp, .physical = 1, .params = &params};
    sk_metric_set_t *m = calloc(1, sizeof *m);
    cr_assert_eq(sk_models_measure(*ws, &in, m, NULL, sf), SK_OK, "%s", sk_error_message());
    free(m);
    return sk_models_ws_bytes(*ws, "ctx.skin", (size_t)img->width * img->height);
}

/* The default phantom of seed 9 (all skin), its parameters in *p. */
static sk_image_t *phantom_seed9(sk_phantom_params *p)
{
    sk_phantom_params_default(p);
    p->seed = 9;
    sk_image_t *img = NULL;
    cr_assert_eq(sk_phantom_render(p, &img, NULL), SK_OK);
    return img;
}

/* The mask itself on a phantom with a dark feature: a planted black disc
 * of 3 mm (a mole-sized hole) and a brown-black 8 mm patch of hair stay out,
 * pores and spots stay in. */
Test(skin_mask, very_dark_features_are_excluded)
{
    sk_phantom_params p;
    sk_image_t *img = phantom_seed9(&p);
    const double mpp = p.mm_per_px;
    /* a "nostril": very dark disc, radius 4 mm, at (10 mm, 10 mm) */
    const float black[3] = {0.06f, 0.07f, 0.08f};
    paint_disc(img, mpp, 10, 10, 4.0, black);
    sk_models_ws_t *ws = NULL;
    double sf;
    const uint8_t *skin = measure_skin(img, mpp, &ws, &sf);
    const double in_disc = disc_skin(skin, img->width, img->height, mpp, 10, 10, 4.0);
    double disc = M_PI * 16 / (p.width_mm * p.height_mm);
    fprintf(stderr, "dark disc: %.4f of it is skin; skin %.4f of the photo (disc %.4f)\n", in_disc,
            sf, disc);
    cr_assert_lt(in_disc, 0.01);
    /* everything else stays skin, minus the 1 mm margin around the disc */
    double margin = M_PI * (25 - 16) / (p.width_mm * p.height_mm);
    cr_assert_geq(sf, 0.95 * (1 - disc - margin), "%g", sf);
    sk_models_ws_free(ws);
    sk_image_free(img);
}

/* Holes are filled back by what they hold, not only by their size: an
 * "eye" (a grey sclera round a dark iris, 2.5 mm radius, under the 25 mm²
 * hole limit) and a "nostril" (a near-black reddish cavity of 2 mm radius)
 * stay out; a dark brown "mole" of 2 mm radius (L* about 30), with the
 * skin's chroma and not a cavity's darkness, is filled back. */
Test(skin_mask, eyes_and_nostrils_stay_out_moles_fill)
{
    sk_phantom_params p;
    sk_image_t *img = phantom_seed9(&p);
    const int w = img->width, h = img->height;
    const double mpp = p.mm_per_px;
    const float sclera[3] = {0.55f, 0.54f, 0.53f}, iris[3] = {0.05f, 0.04f, 0.04f};
    const float mole[3] = {0.38f, 0.24f, 0.15f}, nostril[3] = {0.15f, 0.06f, 0.03f};
    paint_disc(img, mpp, 10, 10, 2.5, sclera);
    paint_disc(img, mpp, 10, 10, 1.0, iris);
    paint_disc(img, mpp, 28, 14, 2.0, mole);
    paint_disc(img, mpp, 20, 22, 2.0, nostril);
    sk_models_ws_t *ws = NULL;
    double sf;
    const uint8_t *skin = measure_skin(img, mpp, &ws, &sf);
    const double eye = disc_skin(skin, w, h, mpp, 10, 10, 2.5);
    const double brown = disc_skin(skin, w, h, mpp, 28, 14, 2.0);
    const double cavity = disc_skin(skin, w, h, mpp, 20, 22, 2.0);
    fprintf(stderr, "grey eye: %.4f of it is skin; nostril: %.4f; brown mole: %.4f; skin %.4f\n",
            eye, cavity, brown, sf);
    cr_assert_lt(eye, 0.01, "the eye was filled back as skin: %g", eye);
    cr_assert_lt(cavity, 0.01, "the nostril was filled back as skin: %g", cavity);
    cr_assert_gt(brown, 0.99, "the mole was left out of the skin: %g", brown);
    sk_models_ws_free(ws);
    sk_image_free(img);
}

/* A comparison's common region is the skin of both photos: with
 * region_is_skin the skin model is not run, and the families measure exactly
 * the region's pixels, whatever their colour (here half of it blue cloth,
 * which the skin model would drop). */
Test(skin_mask, region_is_skin_measures_exactly_the_region)
{
    double mpp;
    sk_image_t *img = half_skin_half_cloth(&mpp);
    const int w = img->width, h = img->height;
    /* the region: the middle half in each direction, across the skin / cloth boundary */
    uint8_t *region = calloc((size_t)w * h, 1);
    size_t n_region = 0;
    for (int y = h / 4; y < 3 * h / 4; y++)
        for (int x = w / 4; x < 3 * w / 4; x++)
            region[(size_t)y * w + x] = 1, n_region++;
    for (int given = 0; given < 2; given++) {
        sk_models_ws_t *ws = NULL;
        cr_assert_eq(sk_models_ws_new(&ws), SK_OK);
        sk_models_input_t in = {.srgb = img,
                                .mm_per_px = mpp,
                                .physical = 1,
                                .region = region,
                                .region_stride = (size_t)w,
                                .params = &params,
                                .region_is_skin = given};
        sk_metric_set_t *m = calloc(1, sizeof *m);
        double sf = -1;
        cr_assert_eq(sk_models_measure(ws, &in, m, NULL, &sf), SK_OK, "%s", sk_error_message());
        const uint8_t *skin = sk_models_ws_bytes(ws, "ctx.skin", (size_t)w * h);
        size_t same = 0, on = 0;
        for (size_t i = 0; i < (size_t)w * h; i++)
            same += (skin[i] != 0) == (region[i] != 0), on += skin[i] != 0;
        fprintf(stderr,
                "region_is_skin %d: skin fraction %.4f, %zu skin pixels of %zu in the "
                "region, %zu of %zu pixels agree with it\n",
                given, sf, on, n_region, same, (size_t)w * h);
        if (given) {
            cr_assert_eq(same, (size_t)w * h, "the skin is not exactly the region");
            cr_assert_float_eq(sf, 1.0, 1e-12);
        } else {
            cr_assert_lt(sf, 0.6, "the skin model keeps the cloth: %g", sf);
        }
        free(m);
        sk_models_ws_free(ws);
    }
    free(region);
    sk_image_free(img);
}

/* Sanity on real photographs (unknown scale): the portraits of the London
 * set are head and shoulders on a plain background, so skin (face, neck,
 * upper chest, inside a 1 mm-nominal margin) covers a tenth to a half of the
 * frame; the astronaut photo is mostly suit and background. */
Test(skin_mask, real_photos_plausible)
{
    const char *faces[] = {"001_03.jpg", "021_03.jpg", "024_03.jpg", "038_03.jpg",
                           "061_03.jpg", "136_03.jpg", "astronaut.png"};
    for (int i = 0; i < 7; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/faces/%s", SK_SHARED_DATA_DIR, faces[i]);
        sk_image_t *img = NULL;
        if (sk_load_photo(path, NULL, &img, NULL, NULL) < 0) {
            cr_log_warn("%s: not available (%s)", path, sk_error_message());
            continue;
        }
        double sf = skin_fraction(img, SK_NOMINAL_MM_PER_PX, 0, NULL);
        fprintf(stderr, "%-14s skin fraction %.3f\n", faces[i], sf);
        if (i < 6)
            cr_assert(sf > 0.08 && sf < 0.5, "%s: %g", faces[i], sf);
        else
            cr_assert(sf > 0.01 && sf < 0.2, "%s: %g", faces[i], sf);
        sk_image_free(img);
    }
}
