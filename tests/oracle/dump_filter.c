/* Oracle dump tool for the filter, blob, texture and morphology families.
 * Reads SKF inputs, runs one kernel, writes SKF outputs for
 * tests/oracle/test_filter.py.
 *
 *   gauss IN SIGMA OX OY OUT
 *   hessian IN SIGMA L1 L2          (eigenvalues, |l1| <= |l2|)
 *   frangi IN S1 S2 ... -- OUT      (dark ridges, beta 0.5, c 15, sigma^2 scaled)
 *   blobs IN THRESHOLD S1 S2 ... -- OUT   (OUT: 3 x n: x, y, sigma)
 *   glcm IN LEVELS DX DY OUT       (IN holds integer levels; OUT 1 x 6: contrast,
 *                                   dissimilarity, homogeneity, ASM, energy, correlation)
 *   lbp IN OUT
 *   label IN OUT                    (IN: mask > 0.5; OUT 1 x n areas in label order)
 *   thin IN OUT                     (IN: mask > 0.5; OUT: skeleton 0/1)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static sk_image_t *load(const char *path)
{
    sk_image_t *img = NULL;
    if (sk_test_read_skf(path, &img)) {
        fprintf(stderr, "dump_filter: cannot read %s\n", path);
        exit(1);
    }
    return img;
}

static void save(const char *path, const float *data, size_t stride, size_t plane, int w, int h,
                 int c)
{
    if (sk_test_write_skf(path, data, stride, plane, w, h, c)) {
        fprintf(stderr, "dump_filter: cannot write %s\n", path);
        exit(1);
    }
}

static int check(int rc, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "dump_filter: %s: %s\n", what, sk_error_message());
        exit(1);
    }
    return rc;
}

/* sigma list up to "--"; returns count, advances *i past the "--" */
static int sigmas(int argc, char **argv, int *i, double *out)
{
    int n = 0;
    while (*i < argc && strcmp(argv[*i], "--") != 0 && n < 64)
        out[n++] = atof(argv[(*i)++]);
    (*i)++;
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: see the comment at the top of dump_filter.c\n");
        return 2;
    }
    const char *op = argv[1];
    sk_image_t *in = load(argv[2]);
    const int w = in->width, h = in->height;
    const size_t s = in->stride;
    float *a = sk_alloc_floats(s * h), *b = sk_alloc_floats(s * h), *c = sk_alloc_floats(s * h);
    sk_gauss_ws g = {0};
    if (!strcmp(op, "gauss")) {
        check(sk_filter_gauss(in->data, s, a, s, w, h, atof(argv[3]), atoi(argv[4]), atoi(argv[5]),
                              &g),
              "gauss");
        save(argv[6], a, s, s * h, w, h, 1);
    } else if (!strcmp(op, "hessian")) {
        float *l1 = sk_alloc_floats(s * h), *l2 = sk_alloc_floats(s * h);
        check(sk_filter_hessian(in->data, s, w, h, atof(argv[3]), a, b, c, s, &g), "hessian");
        check(sk_filter_hessian_eigen(a, b, c, s, w, h, l1, l2, s), "eigen");
        save(argv[4], l1, s, s * h, w, h, 1);
        save(argv[5], l2, s, s * h, w, h, 1);
        sk_free(l1), sk_free(l2);
    } else if (!strcmp(op, "frangi")) {
        int i = 3;
        double sg[64];
        int n = sigmas(argc, argv, &i, sg);
        sk_ridge_ws r;
        check(sk_ridge_ws_init(&r, w, h), "ridge ws");
        sk_frangi_params fp = {.beta = 0.5, .c = 15.0, .dark = 1, .normalise = 1};
        check(sk_filter_ridge_multiscale(in->data, s, w, h, sg, n, &fp, a, s, NULL, 0, &r),
              "ridge");
        save(argv[i], a, s, s * h, w, h, 1);
        sk_ridge_ws_free(&r);
    } else if (!strcmp(op, "blobs")) {
        double thr = atof(argv[3]);
        int i = 4;
        double sg[64];
        int n = sigmas(argc, argv, &i, sg);
        sk_blob_params bp = {.sigmas = sg, .n_sigmas = n, .threshold = thr, .dark = 0, .border = 1};
        sk_blob_t *bl = malloc(sizeof *bl * 100000);
        size_t nb = 0;
        sk_blob_ws bw = {0};
        check(sk_blob_log_detect(in->data, s, w, h, &bp, bl, 100000, &nb, NULL, &bw), "blobs");
        float *o = malloc(sizeof(float) * 3 * (nb ? nb : 1));
        for (size_t k = 0; k < nb; k++)
            o[k] = bl[k].x, o[nb + k] = bl[k].y, o[2 * nb + k] = bl[k].sigma;
        save(argv[i], o, nb ? nb : 1, nb ? nb : 1, nb ? (int)nb : 1, 1, 3);
        free(o), free(bl);
        sk_blob_ws_free(&bw);
    } else if (!strcmp(op, "glcm")) {
        int levels = atoi(argv[3]);
        uint8_t *q = malloc((size_t)w * h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                q[(size_t)y * w + x] = (uint8_t)in->data[(size_t)y * s + x];
        uint64_t *m = calloc((size_t)levels * levels, sizeof *m);
        check(sk_texture_glcm(q, w, NULL, 0, w, h, levels, atoi(argv[4]), atoi(argv[5]), 1, m,
                              NULL),
              "glcm");
        sk_haralick_t hp;
        check(sk_texture_haralick(m, levels, &hp), "haralick");
        float o[6] = {(float)hp.contrast, (float)hp.dissimilarity, (float)hp.homogeneity,
                      (float)hp.asm_, (float)hp.energy, (float)hp.correlation};
        save(argv[6], o, 6, 6, 6, 1, 1);
        free(q), free(m);
    } else if (!strcmp(op, "lbp")) {
        uint8_t *code = malloc((size_t)w * h);
        check(sk_texture_lbp_uniform(in->data, s, w, h, code, w), "lbp");
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                a[(size_t)y * s + x] = code[(size_t)y * w + x];
        save(argv[3], a, s, s * h, w, h, 1);
        free(code);
    } else if (!strcmp(op, "label") || !strcmp(op, "thin")) {
        uint8_t *m = malloc((size_t)w * h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                m[(size_t)y * w + x] = in->data[(size_t)y * s + x] > 0.5f;
        if (!strcmp(op, "thin")) {
            check(sk_morph_thin(m, w, w, h), "thin");
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    a[(size_t)y * s + x] = m[(size_t)y * w + x];
            save(argv[3], a, s, s * h, w, h, 1);
        } else {
            int32_t *lab = malloc(sizeof(int32_t) * w * h);
            sk_label_ws lw = {0};
            const sk_component_t *cp;
            int n;
            check(sk_label(m, w, w, h, lab, w, NULL, 0, &lw, &cp, &n), "label");
            float *o = malloc(sizeof(float) * (n ? n : 1));
            for (int k = 0; k < n; k++)
                o[k] = (float)cp[k].area;
            save(argv[3], o, n ? n : 1, n ? n : 1, n ? n : 1, 1, 1);
            free(o), free(lab);
            sk_label_ws_free(&lw);
        }
        free(m);
    } else {
        fprintf(stderr, "dump_filter: unknown operation %s\n", op);
        return 2;
    }
    sk_gauss_ws_free(&g);
    sk_free(a), sk_free(b), sk_free(c);
    sk_image_free(in);
    return 0;
}
