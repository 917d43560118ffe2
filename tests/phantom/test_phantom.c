/* The phantom generator: deterministic, truthful, and its re-captures change
 * what they should. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "sk_phantom.h"
#include "testutil.h"

static void setup(void)
{
    cr_assert_eq(sk_pipeline_init("test_phantom"), SK_OK);
}

TestSuite(phantom, .init = setup);

static sk_phantom_params small(void)
{
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    p.width_mm = 24;
    p.height_mm = 18;
    return p;
}

Test(phantom, same_seed_same_pixels)
{
    sk_phantom_params p = small();
    sk_image_t *a = NULL, *b = NULL;
    cr_assert_eq(sk_phantom_render(&p, &a, NULL), SK_OK, "%s", sk_error_message());
    cr_assert_eq(sk_phantom_render(&p, &b, NULL), SK_OK);
    cr_assert_eq(a->width, 600);
    cr_assert_eq(sk_test_max_abs_diff(a->data, a->stride, b->data, b->stride, a->width,
                                      a->height * 3), 0.0);
    p.seed = 2;
    sk_image_t *c = NULL;
    cr_assert_eq(sk_phantom_render(&p, &c, NULL), SK_OK);
    cr_assert_gt(sk_test_max_abs_diff(a->data, a->stride, c->data, c->stride, a->width,
                                      a->height), 0.05);
    sk_image_free(a), sk_image_free(b), sk_image_free(c);
}

Test(phantom, truth_counts_and_improvement)
{
    sk_phantom_params p = small();
    sk_image_t *img = NULL;
    sk_phantom_truth *t0 = NULL, *t1 = NULL;
    cr_assert_eq(sk_phantom_render(&p, &img, &t0), SK_OK);
    sk_image_free(img);
    int pores = 0;
    for (int i = 0; i < t0->n_features; i++)
        pores += t0->features[i].kind == SK_PH_PORE && t0->features[i].inside &&
                 t0->features[i].size_mm >= 0.1;
    cr_assert_eq(pores, t0->pore_count);
    cr_assert_gt(t0->pore_count, 50);
    cr_assert_eq(t0->wrinkle_count, p.n_wrinkles);
    p.improvement = 0.2;
    cr_assert_eq(sk_phantom_render(&p, &img, &t1), SK_OK);
    sk_image_free(img);
    /* pores: 20 % closed (by rank); spots and redness: area x 0.8 (exact per
     * feature); wrinkles: length x ~0.8 (Bezier arc length); scars: depth x 0.8 */
    cr_assert_float_eq((double)t1->pore_count / t0->pore_count, 0.8, 0.03);
    cr_assert_float_eq(t1->spot_area_pct / t0->spot_area_pct, 0.8, 1e-6);
    cr_assert_float_eq(t1->redness_area_pct / t0->redness_area_pct, 0.8, 1e-6);
    cr_assert_float_eq(t1->scar_depth_sum / t0->scar_depth_sum, 0.8, 1e-9);
    cr_assert_float_eq(t1->wrinkle_total_length / t0->wrinkle_total_length, 0.8, 0.03);
    char *json = sk_phantom_truth_to_json(t1);
    cr_assert_not_null(strstr(json, "\"pore_count\""));
    free(json);
    sk_phantom_truth_free(t0);
    sk_phantom_truth_free(t1);
}

/* Mean L*, b* of a featureless render, by the CIE formulas (D65). */
static void mean_lab(const sk_image_t *img, double *L, double *b)
{
    double sl = 0, sb = 0;
    int n = 0;
    for (int y = img->height / 4; y < 3 * img->height / 4; y += 2)
        for (int x = img->width / 4; x < 3 * img->width / 4; x += 2) {
            double lin[3];
            for (int c = 0; c < 3; c++) {
                double v = sk_image_plane(img, c)[(size_t)y * img->stride + x];
                lin[c] = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
            }
            double Y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
            double Z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883;
#define F(t) ((t) > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * (t) + 16) / 116)
            sl += 116 * F(Y) - 16;
            sb += 200 * (F(Y) - F(Z));
#undef F
            n++;
        }
    *L = sl / n;
    *b = sb / n;
}

Test(phantom, featureless_tone_matches_ita_at_two_scales)
{
    const double itas[] = {50, 20, -20};
    for (int i = 0; i < 3; i++) {
        sk_phantom_params p = small();
        p.featureless = 1;
        p.ita_deg = itas[i];
        sk_image_t *a = NULL, *b = NULL;
        sk_phantom_truth *t = NULL;
        cr_assert_eq(sk_phantom_render(&p, &a, &t), SK_OK);
        p.mm_per_px = 0.03;
        cr_assert_eq(sk_phantom_render(&p, &b, NULL), SK_OK);
        double La, ba, Lb, bb;
        mean_lab(a, &La, &ba);
        mean_lab(b, &Lb, &bb);
        double ita = atan2(La - 50, ba) * 180 / M_PI;
        /* shading of the micro-relief darkens slightly: within 4 degrees */
        cr_assert_float_eq(ita, t->ita_deg, 4.0, "ITA %g vs planted %g", ita, t->ita_deg);
        cr_assert_float_eq(La, Lb, 0.3, "L* at two scales: %g vs %g", La, Lb);
        cr_assert_eq(t->pore_count, 0);
        sk_phantom_truth_free(t);
        sk_image_free(a), sk_image_free(b);
    }
}

Test(phantom, pore_is_darker_than_surround)
{
    sk_phantom_params p = small();
    sk_image_t *img = NULL;
    sk_phantom_truth *t = NULL;
    cr_assert_eq(sk_phantom_render(&p, &img, &t), SK_OK);
    int checked = 0, darker = 0;
    for (int i = 0; i < t->n_features && checked < 40; i++) {
        const sk_phantom_feature *f = &t->features[i];
        if (f->kind != SK_PH_PORE || !f->inside || f->size_mm < 0.2)
            continue;
        int x = (int)lround(f->x_px), y = (int)lround(f->y_px);
        float c = sk_image_plane(img, 1)[(size_t)y * img->stride + x];
        float s = sk_image_plane(img, 1)[(size_t)y * img->stride + x + 12];
        checked++;
        darker += c < s;
    }
    cr_assert_gt(checked, 10);
    cr_assert_geq(darker, checked * 9 / 10);
    sk_phantom_truth_free(t);
    sk_image_free(img);
}

Test(phantom, perturbation_changes_capture_not_skin)
{
    sk_phantom_params p = small();
    sk_phantom_truth *t0 = NULL, *t1 = NULL;
    sk_image_t *a = NULL, *b = NULL;
    cr_assert_eq(sk_phantom_render(&p, &a, &t0), SK_OK);
    sk_phantom_perturb(&p, 7);
    cr_assert(fabs(p.rotation_deg) <= 3 && fabs(p.scale - 1) <= 0.05 && fabs(p.exposure_ev) <= 0.3);
    cr_assert(p.jpeg_quality >= 80 && p.jpeg_quality <= 95);
    cr_assert_eq(sk_phantom_render(&p, &b, &t1), SK_OK, "%s", sk_error_message());
    /* same planted skin: same features in mm */
    cr_assert_eq(t0->n_features, t1->n_features);
    cr_assert_float_eq(t0->features[3].x_mm, t1->features[3].x_mm, 1e-12);
    /* but the photo moved */
    cr_assert_gt(fabs(t0->features[3].x_px - t1->features[3].x_px) +
                     fabs(t0->features[3].y_px - t1->features[3].y_px), 0.5);
    cr_assert_float_eq(t1->mm_per_px, p.mm_per_px / p.scale, 1e-12);
    sk_phantom_truth_free(t0), sk_phantom_truth_free(t1);
    sk_image_free(a), sk_image_free(b);
}
