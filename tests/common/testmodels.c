/* Shared helpers for the model suites (see testmodels.h). */
#include "testmodels.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vips/vips.h>

#include "sk_colour.h"

double sk_test_metric(const sk_metric_set_t *m, const char *name)
{
    const sk_metric_t *x = sk_metric_set_find(m, name);
    cr_assert(x, "metric %s missing", name);
    return x->value;
}

/* Every pixel skin; the context's colour planes from the given ones. */
static void run_family(sk_family_fn fn, int w, int h, size_t stride, const float *const lin[3],
                       const float *const lab[3], double mm_per_px, int physical,
                       sk_metric_set_t *m, sk_detections_t *det)
{
    uint8_t *skin = malloc((size_t)w * h);
    cr_assert(skin);
    memset(skin, 1, (size_t)w * h);
    sk_skin_ctx_t c = {0};
    c.w = w;
    c.h = h;
    c.mm_per_px = mm_per_px;
    c.physical = physical;
    c.stride = stride;
    for (int i = 0; i < 3; i++)
        c.srgb[i] = c.lin[i] = lin[i];
    c.L = lab[0];
    c.A = lab[1];
    c.B = lab[2];
    c.skin = c.region = skin;
    c.mask_stride = (size_t)w;
    c.skin_pixels = (double)w * h;
    sk_models_ws_t *ws;
    cr_assert_eq(sk_models_ws_new(&ws), 0);
    memset(m, 0, sizeof *m);
    if (det)
        sk_detections_init(det);
    cr_assert_eq(fn(&c, ws, m, det), 0, "%s", sk_error_message());
    sk_models_ws_free(ws);
    free(skin);
}

void sk_test_family_on_image(sk_family_fn fn, const sk_image_t *img, double mm_per_px, int physical,
                             sk_metric_set_t *m, sk_detections_t *det)
{
    const float *lab[3], *lin[3];
    for (int i = 0; i < 3; i++) {
        lab[i] = img->channels >= 3 ? sk_image_plane(img, i) : img->data;
        lin[i] = img->data; /* the controlled scenes give no RGB */
    }
    run_family(fn, img->width, img->height, img->stride, lin, lab, mm_per_px, physical, m, det);
}

void sk_test_ph_measure(const sk_phantom_params *pp, sk_test_ph_run *o, sk_family_fn fn)
{
    sk_image_t *img, *lab;
    cr_assert_eq(sk_phantom_render(pp, &img, &o->t), 0, "%s", sk_error_message());
    int w = img->width, h = img->height;
    cr_assert_eq(sk_image_new(w, h, 3, &lab), 0);
    cr_assert_eq(sk_colour_srgb_to_lab(img->data, img->stride, img->plane_stride, lab->data,
                                       lab->stride, lab->plane_stride, w, h),
                 0);
    const float *rgb[3] = {sk_image_plane(img, 0), sk_image_plane(img, 1), sk_image_plane(img, 2)};
    const float *lp[3] = {sk_image_plane(lab, 0), sk_image_plane(lab, 1), sk_image_plane(lab, 2)};
    run_family(fn, w, h, img->stride, rgb, lp, o->t->mm_per_px, 1, &o->m, NULL);
    sk_image_free(img);
    sk_image_free(lab);
}

double sk_test_ph_cv(const sk_phantom_params *p, int n, const char *name, sk_family_fn fn,
                     double *mean_out)
{
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++) {
        sk_phantom_params q = *p;
        sk_phantom_perturb(&q, 1000 + (uint64_t)i);
        sk_test_ph_run o;
        sk_test_ph_measure(&q, &o, fn);
        double v = sk_test_metric(&o.m, name);
        if (getenv("SK_PHANTOM_VERBOSE"))
            printf("  re-capture %d: %s %.3f\n", i, name, v);
        s += v;
        s2 += v * v;
        sk_phantom_truth_free(o.t);
    }
    double mean = s / n;
    *mean_out = mean;
    return sqrt(fmax(0, s2 / n - mean * mean)) / mean;
}

void sk_test_clinic_phantom(const char *clinic, const char *patient, const char *session,
                            const char *view, double improvement, uint64_t perturb, double crop)
{
    char dir[1200], path[1300];
    snprintf(dir, sizeof dir, "%s/%s", clinic, patient);
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/%s/%s", clinic, patient, session);
    mkdir(dir, 0755);
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    p.width_mm = 24, p.height_mm = 18, p.improvement = improvement;
    if (perturb)
        sk_phantom_perturb(&p, perturb);
    sk_image_t *img = NULL;
    cr_assert_eq(sk_phantom_render(&p, &img, NULL), SK_OK, "%s", sk_error_message());
    const int w = img->width, h = img->height;
    unsigned char *buf = malloc((size_t)w * h * 3);
    cr_assert(buf);
    sk_image_to_rgb8(img, buf);
    VipsImage *im = vips_image_new_from_memory(buf, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    if (crop < 1) {
        const int cw = (int)(w * crop), ch = (int)(h * crop);
        VipsImage *c = NULL;
        cr_assert_eq(vips_crop(im, &c, (w - cw) / 2, (h - ch) / 2, cw, ch, NULL), 0);
        g_object_unref(im);
        im = c;
    }
    snprintf(path, sizeof path, "%s/%s.jpg", dir, view);
    cr_assert_eq(vips_image_write_to_file(im, path, "Q", 92, NULL), 0, "%s", vips_error_buffer());
    g_object_unref(im);
    free(buf);
    sk_image_free(img);
}
