/* Capture-quality figures that need the skin: glare is a specular highlight
 * inside the skin, not a white background or a white shirt. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <vips/vips.h>

#include "sk_phantom.h"
#include "skintrack.h"
#include "testutil.h"

static char dir[256];

static void setup(void)
{
    cr_assert_eq(sk_pipeline_init("test_qc"), SK_OK);
    cr_assert_not_null(sk_test_tmpdir(dir, sizeof dir));
}

static void teardown(void)
{
    sk_test_rmtree(dir);
}

TestSuite(qc, .init = setup, .fini = teardown, .timeout = 300);

/* A phantom, optionally with `n` near-white discs of radius r px inside it
 * and a white border of `border` px around it; written as PNG. Returns the
 * disc area as a fraction of the skin (the image minus the border). */
static double make(const char *name, int n, int r, int border, char *path, size_t len)
{
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    p.width_mm = 24, p.height_mm = 18, p.seed = 5;
    sk_image_t *img = NULL;
    cr_assert_eq(sk_phantom_render(&p, &img, NULL), SK_OK, "%s", sk_error_message());
    const int w = img->width + 2 * border, h = img->height + 2 * border;
    unsigned char *buf = malloc((size_t)w * h * 3);
    cr_assert_not_null(buf);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                int ix = x - border, iy = y - border;
                float v = 0.97f;
                if (ix >= 0 && iy >= 0 && ix < img->width && iy < img->height)
                    v = sk_image_plane(img, c)[(size_t)iy * img->stride + ix];
                buf[((size_t)y * w + x) * 3 + c] = (unsigned char)lroundf(255.0f * v);
            }
    double disc = 0;
    sk_test_rng s;
    sk_test_rng_init(&s, 99);
    for (int k = 0; k < n; k++) {
        /* centres well inside the skin, on a jittered grid */
        int cx =
            border + (int)((k % 4 + 0.5) * img->width / 4.0) + (int)(sk_test_rng_next(&s) % 9) - 4;
        int cy =
            border + (int)((k / 4 + 0.5) * img->height / 3.0) + (int)(sk_test_rng_next(&s) % 9) - 4;
        for (int y = cy - r; y <= cy + r; y++)
            for (int x = cx - r; x <= cx + r; x++)
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r) {
                    unsigned char *q = buf + ((size_t)y * w + x) * 3;
                    q[0] = q[1] = q[2] = 250;
                    disc += 1;
                }
    }
    VipsImage *im = vips_image_new_from_memory(buf, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    snprintf(path, len, "%s/%s.png", dir, name);
    cr_assert_eq(vips_image_write_to_file(im, path, NULL), 0);
    g_object_unref(im);
    free(buf);
    double skin = (double)img->width * img->height;
    sk_image_free(img);
    return disc / skin;
}

static void analyse(const char *path, sk_analysis_t *a)
{
    sk_analyzer_t *an = NULL;
    cr_assert_eq(sk_analyzer_new(&an), SK_OK);
    sk_analyze_opts_t o;
    sk_analyze_opts_default(&o);
    o.mm_per_px = 0.04;
    cr_assert_eq(sk_analyze_photo(an, path, &o, a), SK_OK, "%s", sk_error_message());
    sk_analyzer_free(an);
}

Test(qc, glare_inside_the_skin_is_measured_and_flagged)
{
    char path[512];
    double planted = make("glare", 12, 12, 0, path, sizeof path);
    sk_analysis_t *a = calloc(1, sizeof *a);
    analyse(path, a);
    fprintf(stderr, "glare planted %.2f %% of the skin, measured %.2f %%\n", 100 * planted,
            100 * a->qc.glare_fraction);
    cr_assert(a->qc.flags & SK_QC_GLARE);
    cr_assert_float_eq(a->qc.glare_fraction, planted, 0.35 * planted, "%g vs %g",
                       a->qc.glare_fraction, planted);
    free(a);
}

Test(qc, white_background_and_matte_skin_are_not_glare)
{
    char path[512];
    make("plain", 0, 0, 60, path, sizeof path);
    sk_analysis_t *a = calloc(1, sizeof *a);
    analyse(path, a);
    fprintf(stderr, "white border, no highlights: glare %.3f %%, skin %.2f\n",
            100 * a->qc.glare_fraction, a->skin_fraction);
    cr_assert_lt(a->qc.glare_fraction, 0.002);
    cr_assert_eq(a->qc.flags & SK_QC_GLARE, 0u);
    cr_assert_lt(a->skin_fraction, 0.9, "the white border is not skin");
    free(a);
}
