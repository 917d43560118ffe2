/* Oracle dump tool for the stats, geom and blas families. Reads SKF inputs,
 * runs one kernel, writes SKF outputs for tests/oracle/test_sgb.py.
 *
 *   localstats IN R MEAN VAR
 *   warp IN INTERP(0|1|2) CUBIC_A M0 M1 M2 M3 M4 M5 DW DH OUT VALID
 *   down2 IN OUT
 *   resize IN MODE(0 bilinear|1 area) DW DH OUT
 *   bank IN KERNELS(K channels k x k) OUT
 *   pca IN(d channels) OUT   (OUT: width d, rows: mean, eigval, eigvec rows)
 *   percentiles IN P1 P2 ... OUT  (OUT: width np, one row)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Every image made here, freed at exit (keeps LeakSanitizer quiet). */
static sk_image_t *owned[16];
static int n_owned;

static sk_image_t *keep(sk_image_t *img)
{
    if (n_owned < 16)
        owned[n_owned++] = img;
    return img;
}

static void free_all(void)
{
    while (n_owned)
        sk_image_free(owned[--n_owned]);
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "dump_sgb: %s: %s (%s)\n", what, sk_status_str(rc), sk_error_message());
    return 1;
}

static sk_image_t *load(const char *path)
{
    sk_image_t *img = NULL;
    int rc = sk_test_read_skf(path, &img);
    if (rc) {
        fprintf(stderr, "dump_sgb: cannot read %s: %s\n", path, sk_status_str(rc));
        exit(1);
    }
    return keep(img);
}

static void save(const char *path, const sk_image_t *img)
{
    int rc = sk_test_write_skf(path, img->data, img->stride, img->plane_stride, img->width,
                               img->height, img->channels);
    if (rc) {
        fprintf(stderr, "dump_sgb: cannot write %s\n", path);
        exit(1);
    }
}

static sk_image_t *make(int w, int h, int c)
{
    sk_image_t *img = NULL;
    if (sk_image_new_zero(w, h, c, &img)) {
        fprintf(stderr, "dump_sgb: out of memory\n");
        exit(1);
    }
    return keep(img);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: see the header of dump_sgb.c\n");
        return 2;
    }
    sk_blas_set_threads(1);
    atexit(free_all);
    const char *cmd = argv[1];
    int rc = 0;
    if (!strcmp(cmd, "localstats") && argc == 6) {
        sk_image_t *in = load(argv[2]);
        sk_image_t *m = make(in->width, in->height, 1), *v = make(in->width, in->height, 1);
        rc = sk_stats_local_mean_var(in->data, in->stride, m->data, m->stride, v->data, v->stride,
                                     in->width, in->height, atoi(argv[3]), NULL);
        if (rc)
            return fail(cmd, rc);
        save(argv[4], m);
        save(argv[5], v);
    } else if (!strcmp(cmd, "warp") && argc == 15) {
        sk_image_t *in = load(argv[2]);
        sk_warp_params p = {(sk_interp)atoi(argv[3]), 0.0f, atof(argv[4])};
        double M[6];
        for (int i = 0; i < 6; i++)
            M[i] = atof(argv[5 + i]);
        int dw = atoi(argv[11]), dh = atoi(argv[12]);
        sk_image_t *out = make(dw, dh, 1), *val = make(dw, dh, 1);
        rc = sk_geom_warp_affine(in->data, in->stride, in->width, in->height, out->data,
                                 out->stride, dw, dh, M, &p, val->data, val->stride);
        if (rc)
            return fail(cmd, rc);
        save(argv[13], out);
        save(argv[14], val);
    } else if (!strcmp(cmd, "down2") && argc == 4) {
        sk_image_t *in = load(argv[2]);
        sk_image_t *out = make((in->width + 1) / 2, (in->height + 1) / 2, 1);
        rc = sk_geom_downsample2(in->data, in->stride, in->width, in->height, out->data,
                                 out->stride);
        if (rc)
            return fail(cmd, rc);
        save(argv[3], out);
    } else if (!strcmp(cmd, "resize") && argc == 7) {
        sk_image_t *in = load(argv[2]);
        int dw = atoi(argv[4]), dh = atoi(argv[5]);
        sk_image_t *out = make(dw, dh, 1);
        rc = sk_geom_resize(in->data, in->stride, in->width, in->height, out->data, out->stride,
                            dw, dh, (sk_resize_mode)atoi(argv[3]), NULL);
        if (rc)
            return fail(cmd, rc);
        save(argv[6], out);
    } else if (!strcmp(cmd, "bank") && argc == 5) {
        sk_image_t *in = load(argv[2]), *kin = load(argv[3]);
        int K = kin->channels, k = kin->width;
        float *kern = malloc(sizeof(float) * K * k * k);
        for (int n = 0; n < K; n++)
            for (int i = 0; i < k; i++)
                memcpy(kern + (n * k + i) * k, sk_image_plane(kin, n) + i * kin->stride,
                       sizeof(float) * k);
        sk_image_t *out = make(in->width, in->height, K);
        rc = sk_blas_filter_bank(in->data, in->stride, in->width, in->height, kern, K, k,
                                 out->data, out->stride, out->plane_stride, NULL);
        if (rc)
            return fail(cmd, rc);
        save(argv[4], out);
        free(kern);
    } else if (!strcmp(cmd, "pca") && argc == 4) {
        sk_image_t *in = load(argv[2]);
        int d = in->channels;
        double mean[64], ev[64], V[64 * 64];
        rc = sk_blas_pca_fit(in->data, in->stride, in->plane_stride, in->width, in->height, d,
                             NULL, 0, mean, NULL, ev, V);
        if (rc)
            return fail(cmd, rc);
        sk_image_t *out = make(d, d + 2, 1);
        for (int i = 0; i < d; i++) {
            out->data[i] = (float)mean[i];
            out->data[out->stride + i] = (float)ev[i];
            for (int c = 0; c < d; c++)
                out->data[(2 + c) * out->stride + i] = (float)V[c * d + i];
        }
        save(argv[3], out);
    } else if (!strcmp(cmd, "percentiles") && argc >= 5) {
        sk_image_t *in = load(argv[2]);
        int np = argc - 4;
        double p[64], o[64];
        if (np > 64)
            return 2;
        for (int i = 0; i < np; i++)
            p[i] = atof(argv[3 + i]);
        rc = sk_stats_masked_percentiles(in->data, in->stride, NULL, 0, in->width, in->height, p,
                                         np, o);
        if (rc)
            return fail(cmd, rc);
        sk_image_t *out = make(np, 1, 1);
        for (int i = 0; i < np; i++)
            out->data[i] = (float)o[i];
        save(argv[argc - 1], out);
    } else {
        fprintf(stderr, "dump_sgb: unknown command or wrong argument count: %s\n", cmd);
        return 2;
    }
    return 0;
}
