/* Oracle dump tool for the colour family: reads a 3-channel SKF, runs one
 * conversion on the chosen SIMD path, writes a 3-channel SKF, for
 * tests/oracle/test_colour.py.
 *
 *   dump_colour PATH(scalar|avx2) OP IN OUT
 *   OP: srgb_to_lab lab_to_srgb srgb_to_linear linear_to_srgb linear_to_xyz
 *       xyz_to_linear xyz_to_lab lab_to_xyz
 * srgb_to_linear / linear_to_srgb are applied to each channel.
 * Exit status: 0, 1 on error, 2 when the AVX2 path was asked for on a CPU
 * without it. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

typedef int (*conv3)(const float *, size_t, size_t, float *, size_t, size_t, int, int);
typedef int (*conv1)(const float *, size_t, float *, size_t, int, int);

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s scalar|avx2 OP IN OUT\n", argv[0]);
        return 1;
    }
    sk_simd want = strcmp(argv[1], "avx2") == 0 ? SK_SIMD_AVX2 : SK_SIMD_SCALAR;
    if (sk_simd_force(want) != want)
        return 2;
    static const struct {
        const char *name;
        conv3 f3;
        conv1 f1;
    } ops[] = {
        {"srgb_to_lab", sk_colour_srgb_to_lab, NULL},
        {"lab_to_srgb", sk_colour_lab_to_srgb, NULL},
        {"linear_to_xyz", sk_colour_linear_to_xyz, NULL},
        {"xyz_to_linear", sk_colour_xyz_to_linear, NULL},
        {"xyz_to_lab", sk_colour_xyz_to_lab, NULL},
        {"lab_to_xyz", sk_colour_lab_to_xyz, NULL},
        {"srgb_to_linear", NULL, sk_colour_srgb_to_linear},
        {"linear_to_srgb", NULL, sk_colour_linear_to_srgb},
    };
    int k = -1;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(argv[2], ops[i].name) == 0)
            k = (int)i;
    if (k < 0) {
        fprintf(stderr, "dump_colour: unknown op %s\n", argv[2]);
        return 1;
    }
    sk_image_t *in = NULL, *out = NULL;
    int rc = sk_test_read_skf(argv[3], &in);
    if (rc || in->channels != 3) {
        fprintf(stderr, "dump_colour: %s: not a 3-channel SKF\n", argv[3]);
        sk_image_free(in);
        return 1;
    }
    rc = sk_image_new(in->width, in->height, 3, &out);
    if (!rc) {
        if (ops[k].f3)
            rc = ops[k].f3(in->data, in->stride, in->plane_stride, out->data, out->stride,
                           out->plane_stride, in->width, in->height);
        else
            for (int c = 0; c < 3 && !rc; c++)
                rc = ops[k].f1(sk_image_plane(in, c), in->stride, sk_image_plane(out, c),
                               out->stride, in->width, in->height);
    }
    if (!rc)
        rc = sk_test_write_skf(argv[4], out->data, out->stride, out->plane_stride, out->width,
                               out->height, 3);
    if (rc)
        fprintf(stderr, "dump_colour: %s: %s (%s)\n", argv[2], sk_status_str(rc),
                sk_error_message());
    sk_image_free(in);
    sk_image_free(out);
    return rc ? 1 : 0;
}
