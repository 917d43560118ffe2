/* Whole-photo benchmark: a 12 MP skin photo (synthetic, JPEG), every metric,
 * one thread, through the same path as `skintrack analyze`: decode, QC,
 * resampling to the base scale, skin mask and every model family. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <vips/vips.h>

#include "common.h"
#include "sk_phantom.h"
#include "skintrack.h"

typedef struct {
    sk_analyzer_t *an;
    const char *path;
    sk_analyze_opts_t opts;
} arg_t;

static void run(void *p)
{
    arg_t *a = p;
    sk_analysis_t r;
    if (sk_analyze_photo(a->an, a->path, &a->opts, &r) < 0) {
        fprintf(stderr, "bench_photo: %s\n", sk_error_message());
        exit(1);
    }
}

int main(int argc, char **argv)
{
    (void)argc;
    if (sk_pipeline_init(argv[0]) < 0)
        return 1;
    sk_blas_set_threads(1);
    vips_concurrency_set(1);
    bench_header("photo");
    char path[] = "/tmp/skbench-XXXXXX.jpg";
    int fd = mkstemps(path, 4);
    if (fd < 0)
        return 1;
    close(fd);
    /* 80 x 60 mm at 0.02 mm/px: 4000 x 3000 */
    sk_phantom_params p;
    sk_phantom_params_default(&p);
    p.width_mm = 80, p.height_mm = 60, p.mm_per_px = 0.02;
    p.n_wrinkles = 12, p.n_spots = 10, p.n_redness = 4, p.n_scars = 6;
    sk_image_t *img = NULL;
    if (sk_phantom_render(&p, &img, NULL) < 0)
        return 1;
    int w = img->width, h = img->height;
    unsigned char *buf = malloc((size_t)w * h * 3);
    if (!buf)
        return 1;
    sk_image_to_rgb8(img, buf);
    VipsImage *im = vips_image_new_from_memory(buf, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    if (vips_image_write_to_file(im, path, "Q", 92, NULL) != 0)
        return 1;
    g_object_unref(im);
    free(buf);
    sk_image_free(img);
    arg_t a;
    a.an = NULL;
    a.path = path;
    sk_analyzer_new(&a.an);
    sk_analyze_opts_default(&a.opts);
    const bench_size sz = {"12MP", w, h};
    a.opts.mm_per_px = 0.02;
    bench_report("photo, every metric (0.02 mm/px)", "auto", &sz, bench_time(run, &a, 2.0));
    a.opts.mm_per_px = 0;
    bench_report("photo, every metric (no scale)", "auto", &sz, bench_time(run, &a, 2.0));
    sk_analyzer_free(a.an);
    unlink(path);
    return 0;
}
