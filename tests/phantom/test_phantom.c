/* The phantom generator: deterministic, truthful, the same skin at every
 * scale and transform, and re-captures change what they should and only
 * that. */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
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

static float px(const sk_image_t *img, int c, int x, int y)
{
    return sk_image_plane(img, c)[(size_t)y * img->stride + x];
}

static double lin(double v)
{
    return v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
}

/* CIE L*, a*, b* (D65) of an sRGB pixel, by the standard formulas. */
static void lab_of(const sk_image_t *img, int x, int y, double lab[3])
{
    double r = lin(px(img, 0, x, y)), g = lin(px(img, 1, x, y)), b = lin(px(img, 2, x, y));
    double X = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    double Y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    double Z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
#define F(t) ((t) > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * (t) + 16) / 116)
    lab[0] = 116 * F(Y) - 16;
    lab[1] = 500 * (F(X) - F(Y));
    lab[2] = 200 * (F(Y) - F(Z));
#undef F
}

static void mean_lab(const sk_image_t *img, double out[3])
{
    double s[3] = {0, 0, 0};
    long n = 0;
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            double l[3];
            lab_of(img, x, y, l);
            for (int c = 0; c < 3; c++)
                s[c] += l[c];
            n++;
        }
    for (int c = 0; c < 3; c++)
        out[c] = s[c] / n;
}

/* Mean L* in a disc of radius r around (x, y) px (pixels inside the photo). */
static double disc_L(const sk_image_t *img, double x, double y, double r0, double r1)
{
    double s = 0;
    int n = 0;
    for (int j = (int)floor(y - r1); j <= (int)ceil(y + r1); j++)
        for (int i = (int)floor(x - r1); i <= (int)ceil(x + r1); i++) {
            double d = hypot(i - x, j - y);
            if (i < 0 || j < 0 || i >= img->width || j >= img->height || d < r0 || d > r1)
                continue;
            double l[3];
            lab_of(img, i, j, l);
            s += l[0];
            n++;
        }
    return n ? s / n : NAN;
}

Test(phantom, same_seed_same_pixels)
{
    sk_phantom_params p = small();
    p.noise = 0.02;
    p.noise_seed = 5;
    p.jpeg_quality = 90;
    sk_image_t *a = NULL, *b = NULL, *c = NULL;
    cr_assert_eq(sk_phantom_render(&p, &a, NULL), SK_OK, "%s", sk_error_message());
    cr_assert_eq(sk_phantom_render(&p, &b, NULL), SK_OK);
    cr_assert_eq(a->width, 600);
    cr_assert_eq(a->height, 450);
    cr_assert_eq(sk_test_max_abs_diff(a->data, a->stride, b->data, b->stride, a->width,
                                      a->height * 3),
                 0.0);
    p.seed = 2;
    cr_assert_eq(sk_phantom_render(&p, &c, NULL), SK_OK);
    cr_assert_gt(sk_test_max_abs_diff(a->data, a->stride, c->data, c->stride, a->width, a->height),
                 0.05);
    for (int y = 0; y < a->height; y++)
        for (int x = 0; x < a->width; x++)
            for (int k = 0; k < 3; k++)
                cr_assert(px(a, k, x, y) >= 0 && px(a, k, x, y) <= 1);
    sk_image_free(a), sk_image_free(b), sk_image_free(c);
}

Test(phantom, truth_totals_equal_planted_lists)
{
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    sk_image_t *img = NULL;
    sk_phantom_truth *t = NULL;
    cr_assert_eq(sk_phantom_render(&p, &img, &t), SK_OK);
    int n[5] = {0}, pores = 0, spots = 0, scars = 0;
    double spot_a = 0, red_a = 0, len = 0, sev = 0;
    for (int i = 0; i < t->n_features; i++) {
        const sk_phantom_feature *f = &t->features[i];
        n[f->kind] += f->inside;
        /* pores cover the skin beyond the photo; other features are
         * planted inside the reference photo */
        cr_assert(f->inside || f->kind == SK_PH_PORE, "feature %d (kind %d) outside the photo", i,
                  f->kind);
        if (f->kind == SK_PH_PORE) {
            pores += f->inside && f->size_mm >= t->pore_min_mm;
            cr_assert(f->size_mm >= SK_PHANTOM_PORE_MIN_MM && f->size_mm <= SK_PHANTOM_PORE_MAX_MM);
        } else if (f->kind == SK_PH_SPOT) {
            spots++, spot_a += f->area_mm2;
            cr_assert(f->size_mm >= 1.0 && f->size_mm <= 6.5, "spot %g mm", f->size_mm);
        } else if (f->kind == SK_PH_REDNESS) {
            red_a += f->area_mm2;
        } else if (f->kind == SK_PH_SCAR) {
            scars++, sev += f->depth * f->area_mm2;
            cr_assert(f->size_mm >= 1.0 && f->size_mm <= 5.0, "scar %g mm", f->size_mm);
        } else {
            len += f->visible_mm;
            cr_assert(f->length_mm >= 3 && f->length_mm <= 30.5);
            cr_assert_float_eq(f->visible_mm, f->length_mm, 1e-12);
            cr_assert_geq(f->path_count, 2);
            /* the stored centre line is as long as the truth says */
            double pl = 0;
            for (int k = 1; k < f->path_count; k++) {
                const sk_phantom_point *a = &t->path[f->path_first + k - 1], *b = a + 1;
                pl += hypot(b->x_mm - a->x_mm, b->y_mm - a->y_mm);
            }
            cr_assert_float_eq(pl, f->length_mm, 1e-3 * f->length_mm, "%g vs %g", pl, f->length_mm);
        }
    }
    cr_assert_eq(pores, t->pore_count);
    cr_assert_eq(n[SK_PH_PORE], t->pore_count);
    /* 60 /cm^2 over the 40 x 30 mm photo, less those cut by its edges */
    cr_assert(t->pore_count > 690 && t->pore_count <= 720, "%d pores", t->pore_count);
    cr_assert_eq(n[SK_PH_WRINKLE], p.n_wrinkles);
    cr_assert_eq(t->wrinkle_count, p.n_wrinkles);
    cr_assert_eq(spots, p.n_spots);
    cr_assert_eq(t->spot_count, p.n_spots);
    cr_assert_eq(n[SK_PH_REDNESS], p.n_redness);
    cr_assert_eq(scars, p.n_scars);
    cr_assert_eq(t->scar_count, p.n_scars);
    cr_assert_float_eq(t->spot_area_pct, 100 * spot_a / t->area_mm2, 1e-9);
    cr_assert_float_eq(t->redness_area_pct, 100 * red_a / t->area_mm2, 1e-9);
    cr_assert_float_eq(t->wrinkle_total_length, len, 1e-9);
    cr_assert_float_eq(t->scar_depth_sum, sev, 1e-12);
    cr_assert_float_eq(t->area_mm2, 40.0 * 30.0, 1e-9);
    sk_phantom_truth_free(t);
    sk_image_free(img);
}

Test(phantom, improvement_mapping_is_exact)
{
    const double fs[] = {0.2, 0.5};
    for (int k = 0; k < 2; k++) {
        const double f = fs[k];
        sk_phantom_params p;
        sk_phantom_params_default(&p);
        p.seed = 9;
        sk_image_t *img = NULL;
        sk_phantom_truth *t0 = NULL, *t1 = NULL;
        cr_assert_eq(sk_phantom_render(&p, &img, &t0), SK_OK);
        sk_image_free(img);
        p.improvement = f;
        cr_assert_eq(sk_phantom_render(&p, &img, &t1), SK_OK);
        sk_image_free(img);
        int n0 = t0->pore_count;
        cr_assert_eq(t1->pore_count, n0 - (int)lround(f * n0));
        cr_assert_float_eq(t1->spot_area_pct / t0->spot_area_pct, 1 - f, 1e-9);
        cr_assert_float_eq(t1->redness_area_pct / t0->redness_area_pct, 1 - f, 1e-9);
        cr_assert_float_eq(t1->wrinkle_total_length / t0->wrinkle_total_length, 1 - f, 1e-9);
        cr_assert_float_eq(t1->scar_depth_sum / t0->scar_depth_sum, 1 - f, 1e-9);
        /* what is not a headline stays: counts of spots, wrinkles, scars;
         * scar area; wrinkle depth */
        cr_assert_eq(t1->spot_count, t0->spot_count);
        cr_assert_eq(t1->wrinkle_count, t0->wrinkle_count);
        cr_assert_eq(t1->scar_count, t0->scar_count);
        cr_assert_float_eq(t1->scar_area_pct, t0->scar_area_pct, 1e-12);
        cr_assert_float_eq(t1->wrinkle_mean_depth, t0->wrinkle_mean_depth, 1e-12);
        /* same skin: every remaining pore is one of the baseline's */
        int j = 0, matched = 0, np1 = 0;
        for (int i = 0; i < t1->n_features; i++) {
            const sk_phantom_feature *a = &t1->features[i];
            if (a->kind != SK_PH_PORE)
                continue;
            np1++;
            while (j < t0->n_features &&
                   (t0->features[j].kind != SK_PH_PORE || t0->features[j].x_mm != a->x_mm))
                j++;
            matched += j < t0->n_features && t0->features[j].y_mm == a->y_mm &&
                       t0->features[j].size_mm == a->size_mm;
        }
        cr_assert_eq(matched, np1);
        sk_phantom_truth_free(t0), sk_phantom_truth_free(t1);
    }
}

Test(phantom, featureless_tone_matches_ita_at_two_scales)
{
    const double itas[] = {55, 30, 0, -30};
    for (int i = 0; i < 4; i++) {
        sk_phantom_params p = small();
        p.featureless = 1;
        p.ita_deg = itas[i];
        p.mm_per_px = 0.03;
        sk_image_t *a = NULL, *b = NULL;
        sk_phantom_truth *t = NULL;
        cr_assert_eq(sk_phantom_render(&p, &a, &t), SK_OK);
        cr_assert_eq(t->n_features, 0);
        cr_assert_eq(t->pore_count + t->wrinkle_count + t->spot_count + t->scar_count, 0);
        cr_assert_eq(t->redness_area_pct, 0);
        p.mm_per_px = 0.08;
        cr_assert_eq(sk_phantom_render(&p, &b, NULL), SK_OK);
        double la[3], lb[3];
        mean_lab(a, la);
        mean_lab(b, lb);
        double ita = atan2(la[0] - 50, la[2]) * 180 / M_PI;
        printf("ITA %5.1f: planted L* %.2f b* %.2f; measured L* %.2f b* %.2f (ITA %.2f) at 0.03,"
               " L* %.2f b* %.2f at 0.08 mm/px\n",
               itas[i], t->base_L, t->base_b, la[0], la[2], ita, lb[0], lb[2]);
        cr_assert_float_eq(t->ita_deg, itas[i], 1e-9);
        /* shading and gamut keep the measured tone within 2° of the plan */
        cr_assert_float_eq(ita, itas[i], 2.0, "ITA %g vs planted %g", ita, itas[i]);
        cr_assert_float_eq(la[0], lb[0], 0.3, "L* at two scales: %g vs %g", la[0], lb[0]);
        cr_assert_float_eq(la[2], lb[2], 0.2, "b* at two scales: %g vs %g", la[2], lb[2]);
        sk_phantom_truth_free(t);
        sk_image_free(a), sk_image_free(b);
    }
}

Test(phantom, pores_are_darker_than_their_surround_at_every_scale)
{
    const double scales[] = {0.02, 0.04, 0.06};
    for (int s = 0; s < 3; s++) {
        sk_phantom_params p = small();
        p.mm_per_px = scales[s];
        p.n_spots = p.n_redness = p.n_scars = p.n_wrinkles = 0;
        sk_image_t *img = NULL;
        sk_phantom_truth *t = NULL;
        cr_assert_eq(sk_phantom_render(&p, &img, &t), SK_OK);
        int checked = 0, darker = 0;
        double contrast = 0;
        for (int i = 0; i < t->n_features; i++) {
            const sk_phantom_feature *f = &t->features[i];
            if (f->kind != SK_PH_PORE || !f->inside || f->size_mm < 0.15)
                continue;
            double rp = f->size_mm / 2 / t->mm_per_px;
            double c = disc_L(img, f->x_px, f->y_px, 0, fmax(rp * 0.5, 0.75));
            double r = disc_L(img, f->x_px, f->y_px, fmax(3 * rp, 2), fmax(5 * rp, 4));
            checked++;
            darker += c < r;
            contrast += r - c;
        }
        printf("%.2f mm/px: %d of %d pores darker than their ring, mean contrast %.2f L*\n",
               scales[s], darker, checked, contrast / checked);
        cr_assert_gt(checked, 50);
        cr_assert_geq(darker, checked * 95 / 100);
        sk_phantom_truth_free(t);
        sk_image_free(img);
    }
}

Test(phantom, same_skin_under_a_camera_transform)
{
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    sk_image_t *a = NULL, *b = NULL;
    sk_phantom_truth *ta = NULL, *tb = NULL;
    cr_assert_eq(sk_phantom_render(&p, &a, &ta), SK_OK);
    sk_phantom_params q = p;
    q.shift_x_mm = 0.7;
    q.shift_y_mm = -0.4;
    q.rotation_deg = 8;
    q.scale = 1.1;
    cr_assert_eq(sk_phantom_render(&q, &b, &tb), SK_OK);
    cr_assert_eq(ta->n_features, tb->n_features);
    cr_assert_float_eq(tb->mm_per_px, p.mm_per_px / 1.1, 1e-12);
    const double th = 8 * M_PI / 180;
    int spots = 0;
    for (int i = 0; i < ta->n_features; i++) {
        const sk_phantom_feature *fa = &ta->features[i], *fb = &tb->features[i];
        cr_assert_eq(fa->x_mm, fb->x_mm);
        /* the pixel position follows the stated similarity transform */
        double dx = fa->x_mm - 20, dy = fa->y_mm - 15;
        double ex = 500 + 1.1 / 0.04 * (cos(th) * dx - sin(th) * dy + 0.7) - 0.5;
        double ey = 375 + 1.1 / 0.04 * (sin(th) * dx + cos(th) * dy - 0.4) - 0.5;
        cr_assert_float_eq(fb->x_px, ex, 1e-6);
        cr_assert_float_eq(fb->y_px, ey, 1e-6);
        /* and the photo shows the spot there, in both captures */
        if (fa->kind == SK_PH_SPOT && fb->inside) {
            double ca = disc_L(a, fa->x_px, fa->y_px, 0, 3);
            double cb = disc_L(b, fb->x_px, fb->y_px, 0, 3);
            double ra = disc_L(a, fa->x_px, fa->y_px, fa->size_mm / 0.04 + 15, fa->size_mm / 0.04 + 25);
            cr_assert_lt(ca, ra - 3, "spot %d not dark in capture a", i);
            cr_assert_float_eq(ca, cb, 2.5, "spot %d: L* %g vs %g", i, ca, cb);
            spots++;
        }
    }
    cr_assert_geq(spots, 3);
    sk_phantom_truth_free(ta), sk_phantom_truth_free(tb);
    sk_image_free(a), sk_image_free(b);
}

Test(phantom, perturbation_draws_stay_in_range_and_leave_the_skin)
{
    for (uint64_t s = 0; s < 200; s++) {
        sk_phantom_params p, q;
        sk_phantom_params_default(&p);
        p.seed = 77;
        p.improvement = 0.3;
        q = p;
        sk_phantom_perturb(&q, s);
        cr_assert(fabs(q.shift_x_mm) <= 1 && fabs(q.shift_y_mm) <= 1);
        cr_assert(fabs(q.rotation_deg) <= 3 && fabs(q.scale - 1) <= 0.05);
        cr_assert(fabs(q.exposure_ev) <= 0.3);
        cr_assert(fabs(q.wb_r - 1) <= 0.06 && fabs(q.wb_b - 1) <= 0.06);
        cr_assert(q.noise >= 0.004 && q.noise <= 0.012);
        cr_assert(q.jpeg_quality >= 80 && q.jpeg_quality <= 95);
        cr_assert(q.seed == p.seed && q.improvement == p.improvement && q.ita_deg == p.ita_deg &&
                  q.width_mm == p.width_mm && q.mm_per_px == p.mm_per_px &&
                  q.n_spots == p.n_spots && q.featureless == p.featureless);
    }
}

/* Render p and q (same geometry) and compare per channel in linear light. */
static void linear_pair(const sk_phantom_params *p, const sk_phantom_params *q, sk_image_t **a,
                        sk_image_t **b)
{
    cr_assert_eq(sk_phantom_render(p, a, NULL), SK_OK, "%s", sk_error_message());
    cr_assert_eq(sk_phantom_render(q, b, NULL), SK_OK, "%s", sk_error_message());
}

Test(phantom, exposure_and_white_balance_are_linear_gains)
{
    sk_phantom_params p = small();
    sk_phantom_params q = p;
    q.exposure_ev = 0.3;
    q.wb_r = 1.05;
    q.wb_b = 0.95;
    sk_image_t *a, *b;
    linear_pair(&p, &q, &a, &b);
    const double g = pow(2, 0.3), want[3] = {g * 1.05, g, g * 0.95};
    double worst = 0;
    for (int y = 0; y < a->height; y += 3)
        for (int x = 0; x < a->width; x += 3)
            for (int c = 0; c < 3; c++) {
                double la = lin(px(a, c, x, y)), lb = lin(px(b, c, x, y));
                if (la < 0.01 || lb > 0.99)
                    continue;
                worst = fmax(worst, fabs(lb / la / want[c] - 1));
            }
    printf("exposure + white balance: worst relative gain error %.2e\n", worst);
    cr_assert_lt(worst, 2e-3);
    sk_image_free(a), sk_image_free(b);
}

Test(phantom, noise_is_signal_dependent_zero_mean_and_seeded)
{
    sk_phantom_params p = small();
    sk_phantom_params q = p;
    q.noise = 0.03;
    q.noise_seed = 11;
    sk_image_t *a, *b, *c;
    linear_pair(&p, &q, &a, &b);
    q.noise_seed = 12;
    cr_assert_eq(sk_phantom_render(&q, &c, NULL), SK_OK);
    double s = 0, s2 = 0, pred = 0, same = 0;
    long n = 0;
    for (int y = 0; y < a->height; y++)
        for (int x = 0; x < a->width; x++) {
            double la = lin(px(a, 1, x, y)), d = lin(px(b, 1, x, y)) - la;
            s += d, s2 += d * d, n++;
            pred += 0.03 * 0.03 * 0.18 * 0.18 * (0.05 + 0.95 * la / 0.18);
            same += px(b, 1, x, y) == px(c, 1, x, y);
        }
    double mean = s / n, var = s2 / n - mean * mean;
    printf("noise: mean %.2e, SD %.5f, predicted %.5f; identical pixels across noise seeds %.3f\n",
           mean, sqrt(var), sqrt(pred / n), same / n);
    cr_assert_lt(fabs(mean), 2e-4);
    cr_assert_float_eq(sqrt(var), sqrt(pred / n), 0.05 * sqrt(pred / n));
    cr_assert_lt(same / n, 0.2);
    sk_image_free(a), sk_image_free(b), sk_image_free(c);
}

Test(phantom, jpeg_round_trip_is_small_and_unbiased)
{
    sk_phantom_params p = small();
    sk_phantom_params q = p;
    q.jpeg_quality = 85;
    sk_image_t *a, *b;
    linear_pair(&p, &q, &a, &b);
    double s = 0, sa = 0, mx = 0;
    long n = 0;
    for (int y = 0; y < a->height; y++)
        for (int x = 0; x < a->width; x++)
            for (int c = 0; c < 3; c++) {
                double d = px(b, c, x, y) - px(a, c, x, y);
                s += d, sa += fabs(d), n++;
                mx = fmax(mx, fabs(d));
            }
    printf("JPEG q85: mean diff %.2e, mean |diff| %.4f, max %.4f\n", s / n, sa / n, mx);
    cr_assert_gt(sa / n, 1e-4); /* it did something */
    cr_assert_lt(sa / n, 0.01);
    cr_assert_lt(fabs(s / n), 0.002);
    sk_image_free(a), sk_image_free(b);
}

Test(phantom, capture_changes_do_not_move_the_skin)
{
    sk_phantom_params p = small();
    sk_phantom_params q = p;
    q.exposure_ev = -0.2;
    q.noise = 0.02;
    q.jpeg_quality = 90;
    sk_phantom_truth *a = NULL, *b = NULL;
    sk_image_t *ia, *ib;
    cr_assert_eq(sk_phantom_render(&p, &ia, &a), SK_OK);
    cr_assert_eq(sk_phantom_render(&q, &ib, &b), SK_OK);
    cr_assert_eq(a->n_features, b->n_features);
    for (int i = 0; i < a->n_features; i++)
        cr_assert(a->features[i].x_px == b->features[i].x_px &&
                  a->features[i].y_px == b->features[i].y_px);
    cr_assert_eq(a->pore_count, b->pore_count);
    cr_assert_eq(a->spot_area_pct, b->spot_area_pct);
    sk_phantom_truth_free(a), sk_phantom_truth_free(b);
    sk_image_free(ia), sk_image_free(ib);
}

Test(phantom, truth_json_round_trip)
{
    sk_phantom_params p = small();
    p.improvement = 0.2;
    sk_image_t *img;
    sk_phantom_truth *t;
    cr_assert_eq(sk_phantom_render(&p, &img, &t), SK_OK);
    char *js = NULL;
    cr_assert_eq(sk_phantom_truth_to_json(t, &js), SK_OK);
    json_object *o = json_tokener_parse(js);
    cr_assert_not_null(o);
    json_object *tot, *v, *fa, *pp;
    cr_assert(json_object_object_get_ex(o, "truth", &tot));
    cr_assert(json_object_object_get_ex(tot, "pore_count", &v));
    cr_assert_eq(json_object_get_int(v), t->pore_count);
    cr_assert(json_object_object_get_ex(tot, "wrinkle_total_length_mm", &v));
    cr_assert_float_eq(json_object_get_double(v), t->wrinkle_total_length, 1e-9);
    cr_assert(json_object_object_get_ex(o, "features", &fa));
    cr_assert_eq((int)json_object_array_length(fa), t->n_features);
    cr_assert(json_object_object_get_ex(o, "params", &pp));
    cr_assert(json_object_object_get_ex(pp, "improvement", &v));
    cr_assert_float_eq(json_object_get_double(v), 0.2, 1e-12);
    cr_assert(json_object_object_get_ex(o, "mm_per_px", &v));
    cr_assert_float_eq(json_object_get_double(v), t->mm_per_px, 1e-12);
    json_object_put(o);
    free(js);
    cr_assert_eq(sk_phantom_truth_to_json(NULL, &js), SK_ERR_ARG);
    sk_phantom_truth_free(t);
    sk_image_free(img);
}

Test(phantom, invalid_parameters_are_refused)
{
    sk_phantom_params p = small();
    sk_image_t *img = (sk_image_t *)0x1;
    const sk_phantom_params base = p;
    p.mm_per_px = 0;
    cr_assert_eq(sk_phantom_render(&p, &img, NULL), SK_ERR_ARG);
    p = base, p.improvement = 1.0;
    cr_assert_eq(sk_phantom_render(&p, &img, NULL), SK_ERR_ARG);
    p = base, p.width_mm = 0.1;
    cr_assert_eq(sk_phantom_render(&p, &img, NULL), SK_ERR_ARG);
    p = base, p.jpeg_quality = 101;
    cr_assert_eq(sk_phantom_render(&p, &img, NULL), SK_ERR_ARG);
    p = base, p.n_spots = -1;
    cr_assert_eq(sk_phantom_render(&p, &img, NULL), SK_ERR_ARG);
    p = base, p.scale = NAN;
    cr_assert_eq(sk_phantom_render(&p, &img, NULL), SK_ERR_ARG);
    cr_assert_eq(img, (sk_image_t *)0x1, "*out written on failure");
    cr_assert_eq(sk_phantom_render(NULL, &img, NULL), SK_ERR_ARG);
    sk_phantom_truth_free(NULL);
}
