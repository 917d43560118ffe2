/* Oracle dump tool for the texture and morph kernels: reads SKF inputs,
 * runs one kernel, writes SKF outputs for tests/oracle/test_texmorph.py.
 *   glcm  Q.skf levels sym OUT.skf PROPS.skf dx dy [dx dy ...]
 *         counts (one channel per offset, levels x levels) and Haralick
 *         properties (7 x n_off: contrast, dissimilarity, homogeneity, ASM,
 *         energy, correlation, entropy)
 *   lbp   IN.skf method(0 uniform, 1 nri) OUT.skf
 *   label MASK.skf LABELS.skf STATS.skf   (stats rows: area cx cy x0 y0 x1 y1)
 *   morph MASK.skf erode|dilate|open|close r square|disk OUT.skf
 *   thin  MASK.skf OUT.skf LINES.skf      (lines: total length, count) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static uint8_t *to_bytes(const sk_image_t *im)
{
    uint8_t *b = malloc((size_t)im->width * im->height);
    for (int y = 0; y < im->height; y++)
        for (int x = 0; x < im->width; x++)
            b[(size_t)y * im->width + x] = (uint8_t)im->data[(size_t)y * im->stride + x];
    return b;
}

static int fail(const char *what)
{
    fprintf(stderr, "dump_texmorph: %s: %s\n", what, sk_error_message());
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return fprintf(stderr, "usage: see the source\n"), 2;
    sk_image_t *in = NULL;
    if (sk_test_read_skf(argv[2], &in) < 0)
        return fail(argv[2]);
    const int w = in->width, h = in->height;
    const char *mode = argv[1];
    int rc = 0;
    if (!strcmp(mode, "glcm") && argc >= 9 && (argc - 7) % 2 == 0) {
        const int L = atoi(argv[3]), sym = atoi(argv[4]), n = (argc - 7) / 2;
        sk_glcm_offset_t *off = malloc(sizeof *off * n);
        for (int k = 0; k < n; k++)
            off[k].dx = atoi(argv[7 + 2 * k]), off[k].dy = atoi(argv[8 + 2 * k]);
        uint8_t *q = to_bytes(in);
        uint32_t *g = malloc(sizeof(uint32_t) * L * L * n);
        if (sk_texture_glcm_multi(q, w, NULL, 0, w, h, L, off, n, sym, g, NULL, NULL) < 0)
            return fail("glcm");
        float *gf = malloc(sizeof(float) * L * L * n), *pf = malloc(sizeof(float) * 7 * n);
        double *p = malloc(sizeof(double) * L * L);
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < L * L; i++)
                gf[(size_t)k * L * L + i] = (float)g[(size_t)k * L * L + i];
            sk_haralick_t hp;
            if (sk_texture_glcm_normalise(g + (size_t)k * L * L, L, p) < 0 ||
                sk_texture_haralick_p(p, L, &hp) < 0)
                return fail("haralick");
            const double v[7] = {hp.contrast, hp.dissimilarity, hp.homogeneity, hp.asm_,
                                 hp.energy, hp.correlation, hp.entropy};
            for (int j = 0; j < 7; j++)
                pf[k * 7 + j] = (float)v[j];
        }
        rc = sk_test_write_skf(argv[5], gf, L, (size_t)L * L, L, L, n) < 0 ||
             sk_test_write_skf(argv[6], pf, 7, 7 * (size_t)n, 7, n, 1) < 0;
        free(off), free(q), free(g), free(gf), free(pf), free(p);
    } else if (!strcmp(mode, "lbp") && argc == 5) {
        uint8_t *c = malloc((size_t)w * h);
        if (sk_texture_lbp(in->data, in->stride, w, h, (sk_lbp_method)atoi(argv[3]), c, w) < 0)
            return fail("lbp");
        float *f = malloc(sizeof(float) * w * h);
        for (int i = 0; i < w * h; i++)
            f[i] = c[i];
        rc = sk_test_write_skf(argv[4], f, w, (size_t)w * h, w, h, 1) < 0;
        free(c), free(f);
    } else if (!strcmp(mode, "label") && argc == 5) {
        uint8_t *m = to_bytes(in);
        int32_t *lab = malloc(sizeof(int32_t) * w * h);
        sk_label_ws ws = {0};
        const sk_component_t *c;
        int n;
        if (sk_label(m, w, w, h, lab, w, NULL, 0, &ws, &c, &n) < 0)
            return fail("label");
        float *f = malloc(sizeof(float) * w * h), *st = malloc(sizeof(float) * 7 * (n + 1));
        for (int i = 0; i < w * h; i++)
            f[i] = (float)lab[i];
        for (int i = 0; i < n; i++) {
            const float v[7] = {(float)c[i].area, (float)c[i].cx, (float)c[i].cy, (float)c[i].x0,
                                (float)c[i].y0, (float)c[i].x1, (float)c[i].y1};
            memcpy(st + 7 * i, v, sizeof v);
        }
        rc = sk_test_write_skf(argv[3], f, w, (size_t)w * h, w, h, 1) < 0 ||
             sk_test_write_skf(argv[4], st, 7, 7 * (size_t)(n ? n : 1), 7, n ? n : 1, 1) < 0;
        sk_label_ws_free(&ws);
        free(m), free(lab), free(f), free(st);
    } else if (!strcmp(mode, "morph") && argc == 7) {
        uint8_t *m = to_bytes(in), *o = malloc((size_t)w * h);
        const int r = atoi(argv[4]);
        const sk_se se = !strcmp(argv[5], "disk") ? SK_SE_DISK : SK_SE_SQUARE;
        int (*fn)(const uint8_t *, size_t, uint8_t *, size_t, int, int, int, sk_se, void *) =
            !strcmp(argv[3], "erode")  ? sk_morph_erode
            : !strcmp(argv[3], "open") ? sk_morph_open
            : !strcmp(argv[3], "close") ? sk_morph_close
                                        : sk_morph_dilate;
        if (fn(m, w, o, w, w, h, r, se, NULL) < 0)
            return fail("morph");
        float *f = malloc(sizeof(float) * w * h);
        for (int i = 0; i < w * h; i++)
            f[i] = o[i];
        rc = sk_test_write_skf(argv[6], f, w, (size_t)w * h, w, h, 1) < 0;
        free(m), free(o), free(f);
    } else if (!strcmp(mode, "thin") && argc == 5) {
        uint8_t *m = to_bytes(in);
        if (sk_morph_thin(m, w, w, h) < 0)
            return fail("thin");
        sk_trace_ws tw = {0};
        const sk_polyline_t *l;
        const int32_t *pts;
        int nl;
        if (sk_morph_trace(m, w, w, h, &tw, &l, &nl, &pts) < 0)
            return fail("trace");
        float *f = malloc(sizeof(float) * w * h);
        for (int i = 0; i < w * h; i++)
            f[i] = m[i];
        float tot[2] = {0, (float)nl};
        for (int i = 0; i < nl; i++)
            tot[0] += (float)l[i].length;
        rc = sk_test_write_skf(argv[3], f, w, (size_t)w * h, w, h, 1) < 0 ||
             sk_test_write_skf(argv[4], tot, 2, 2, 2, 1, 1) < 0;
        sk_trace_ws_free(&tw);
        free(m), free(f);
    } else {
        fprintf(stderr, "dump_texmorph: bad mode or arguments\n");
        return 2;
    }
    sk_image_free(in);
    return rc ? fail("write") : 0;
}
