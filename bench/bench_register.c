/* Registration benchmark: a follow-up aligned to its baseline at 3 MP and
 * 12 MP, one thread. The pair is a real face (shared data) upscaled to the
 * size with sk_geom_resize, and the same face turned 5 degrees, scaled by
 * 1.1 and shifted, 0.3 EV darker. Figures: sk_register (estimate) and
 * sk_register_warp (aligning the 3-plane follow-up), megapixels of one photo. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <vips/vips.h>

#include "common.h"
#include "sk_register.h"
#include "skintrack.h"

#ifndef SK_SHARED_DATA_DIR
#define SK_SHARED_DATA_DIR "../shared/data"
#endif

typedef struct {
    const sk_image_t *f, *m;
    sk_register_result_t r;
} arg_t;

static void run_register(void *p)
{
    arg_t *a = p;
    if (sk_register(a->f, NULL, a->m, NULL, NULL, &a->r) < 0) {
        fprintf(stderr, "bench_register: %s\n", sk_error_message());
        exit(1);
    }
}

static void run_warp(void *p)
{
    arg_t *a = p;
    sk_image_t *out = NULL;
    if (sk_register_warp(a->m, &a->r, a->f->width, a->f->height, &out, NULL) < 0) {
        fprintf(stderr, "bench_register: %s\n", sk_error_message());
        exit(1);
    }
    sk_image_free(out);
}

int main(int argc, char **argv)
{
    /* the photo: argument, else $SK_BENCH_FACE, else the shared data set */
    const char *face = argc > 1 ? argv[1] : getenv("SK_BENCH_FACE");
    if (!face)
        face = SK_SHARED_DATA_DIR "/faces/001_03.jpg";
    if (sk_pipeline_init(argv[0]) < 0)
        return 1;
    sk_blas_set_threads(1);
    vips_concurrency_set(1);
    bench_header("register");
    sk_image_t *src = NULL;
    if (sk_load_photo(face, NULL, &src, NULL, NULL) < 0) {
        fprintf(stderr, "bench_register: %s\n", sk_error_message());
        return 1;
    }
    for (int i = 0; i < 2; i++) {
        const bench_size *sz = &bench_sizes[i];
        sk_image_t *f = NULL, *m = NULL;
        if (sk_image_new(sz->w, sz->h, 3, &f) < 0 || sk_image_new(sz->w, sz->h, 3, &m) < 0)
            return 1;
        double M[6];
        sk_geom_affine_similarity(1.1, 5.0 * M_PI / 180.0, 0.06 * sz->w, -0.04 * sz->h,
                                  0.5 * (sz->w - 1), 0.5 * (sz->h - 1), M);
        sk_warp_params wp = {SK_INTERP_BILINEAR, 0.8f, 0.0};
        for (int c = 0; c < 3; c++) {
            if (sk_geom_resize(sk_image_plane(src, c), src->stride, src->width, src->height,
                               sk_image_plane(f, c), f->stride, sz->w, sz->h, SK_RESIZE_BILINEAR,
                               NULL) < 0)
                return 1;
            sk_geom_warp_affine(sk_image_plane(f, c), f->stride, sz->w, sz->h, sk_image_plane(m, c),
                                m->stride, sz->w, sz->h, M, &wp, NULL, 0);
            float *p = sk_image_plane(m, c);
            for (int y = 0; y < sz->h; y++)
                for (int x = 0; x < sz->w; x++)
                    p[(size_t)y * m->stride + x] *= 0.85f; /* about -0.3 EV in sRGB values */
        }
        arg_t a = {.f = f, .m = m};
        bench_report_copy(sz);
        bench_report("register (estimate)", "auto", sz, bench_time(run_register, &a, 2.0));
        double e = 0;
        int n = 0;
        for (int y = 0; y <= 10; y++)
            for (int x = 0; x <= 10; x++) {
                double px = x * (sz->w - 1) / 10.0, py = y * (sz->h - 1) / 10.0, a1, b1, a2, b2;
                sk_geom_affine_apply(M, px, py, &a1, &b1);
                if (a1 < 0 || b1 < 0 || a1 > sz->w - 1 || b1 > sz->h - 1)
                    continue;
                sk_geom_affine_apply(a.r.M, px, py, &a2, &b2);
                e += (a1 - a2) * (a1 - a2) + (b1 - b2) * (b1 - b2), n++;
            }
        fprintf(stderr,
                "  %s: rotation %.3f deg, scale %.4f, RMS error %.3f px, ncc %.3f, "
                "%d ECC iterations\n",
                sz->name, a.r.rotation_deg, a.r.scale, sqrt(e / (n ? n : 1)), a.r.correlation,
                a.r.iterations);
        bench_report("register_warp (3 planes)", "auto", sz, bench_time(run_warp, &a, 1.0));
        sk_image_free(f);
        sk_image_free(m);
    }
    sk_image_free(src);
    return 0;
}
