/* The image type and the status/error plumbing. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pcore.h"
#include "testutil.h"

Test(image, new_sets_shape_and_aligned_stride)
{
    sk_image_t *img = NULL;
    cr_assert_eq(sk_image_new(33, 7, 3, &img), SK_OK);
    cr_assert_eq(img->width, 33);
    cr_assert_eq(img->height, 7);
    cr_assert_eq(img->channels, 3);
    cr_assert_eq(img->stride % 16, 0);
    cr_assert_geq(img->stride, 33);
    cr_assert_eq(img->plane_stride, img->stride * 7);
    cr_assert_eq((uintptr_t)img->data % 64, 0);
    cr_assert_eq(sk_image_plane(img, 2), img->data + 2 * img->plane_stride);
    sk_image_free(img);
}

Test(image, invalid_shapes_refused_and_out_untouched)
{
    sk_image_t *img = (sk_image_t *)0x1;
    cr_assert_eq(sk_image_new(0, 7, 3, &img), SK_ERR_ARG);
    cr_assert_eq(sk_image_new(5, -1, 3, &img), SK_ERR_ARG);
    cr_assert_eq(sk_image_new(5, 5, 0, &img), SK_ERR_ARG);
    cr_assert_eq(img, (sk_image_t *)0x1);
    cr_assert_eq(sk_image_new(1 << 30, 1 << 30, 64, &img), SK_ERR_TOO_LARGE);
    cr_assert_eq(img, (sk_image_t *)0x1);
}

Test(image, free_null_is_noop)
{
    sk_image_free(NULL);
}

Test(image, zero_and_reshape_reuse_memory)
{
    sk_image_t *img = NULL;
    cr_assert_eq(sk_image_new_zero(100, 100, 2, &img), SK_OK);
    for (size_t i = 0; i < img->capacity; i++)
        cr_assert_eq(img->data[i], 0.0f);
    float *before = img->data;
    cr_assert_eq(sk_image_reshape(img, 50, 50, 1), SK_OK);
    cr_assert_eq(img->data, before, "smaller reshape must reuse memory");
    cr_assert_eq(img->width, 50);
    cr_assert_eq(sk_image_reshape(img, 400, 400, 3), SK_OK);
    cr_assert_eq(img->width, 400);
    cr_assert_geq(img->capacity, img->plane_stride * 3);
    sk_image_free(img);
}

Test(status, strings_pinned_and_distinct)
{
    cr_assert_str_eq(sk_status_str(SK_OK), "success");
    cr_assert_str_eq(sk_status_str(SK_ERR_NOMEM), "out of memory");
    cr_assert_str_eq(sk_status_str(-999), "unknown status");
    for (int a = SK_ERR_EXISTS; a <= SK_OK; a++)
        for (int b = a + 1; b <= SK_OK; b++)
            cr_assert_str_neq(sk_status_str(a), sk_status_str(b));
}

static void *other_thread(void *arg)
{
    (void)arg;
    sk_error_set(SK_ERR_IO, "thread message");
    return (void *)(intptr_t)(strcmp(sk_error_message(), "thread message") == 0);
}

Test(status, message_is_per_thread)
{
    cr_assert_eq(sk_error_set(SK_ERR_FORMAT, "%s: bad", "a.jpg"), SK_ERR_FORMAT);
    pthread_t t;
    void *ok = NULL;
    pthread_create(&t, NULL, other_thread, NULL);
    pthread_join(t, &ok);
    cr_assert(ok);
    cr_assert_str_eq(sk_error_message(), "a.jpg: bad");
    cr_assert_eq(sk_error_status(), SK_ERR_FORMAT);
    sk_error_clear();
    cr_assert_str_eq(sk_error_message(), "");
}

Test(simd, force_and_names)
{
    cr_assert_str_eq(sk_simd_name(SK_SIMD_SCALAR), "scalar");
    cr_assert_str_eq(sk_simd_name(SK_SIMD_AVX2), "avx2");
    sk_simd was = sk_simd_level();
    cr_assert_eq(sk_simd_force(SK_SIMD_SCALAR), SK_SIMD_SCALAR);
    cr_assert_eq(sk_simd_level(), SK_SIMD_SCALAR);
    sk_simd got = sk_simd_force(SK_SIMD_AVX2);
    cr_assert_eq(got, sk_simd_supported(SK_SIMD_AVX2) ? SK_SIMD_AVX2 : SK_SIMD_SCALAR);
    sk_simd_force(was);
}

Test(image, to_rgb8_rounds_clamps_and_interleaves)
{
    sk_image_t *img = NULL;
    cr_assert_eq(sk_image_new(3, 2, 3, &img), SK_OK);
    const float v[3][6] = {{0.0f, 1.0f, 0.5f, -0.2f, 1.7f, 0.25f},
                           {0.1f, 0.2f, 0.3f, 0.4f, 0.6f, 0.8f},
                           {0.002f, 0.998f, 0.003f, 0.9f, 0.05f, 0.75f}};
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 6; i++)
            sk_image_plane(img, c)[(size_t)(i / 3) * img->stride + i % 3] = v[c][i];
    unsigned char out[18];
    sk_image_to_rgb8(img, out);
    static const unsigned char want[18] = {0,   26,  1,   255, 51,  254, 128, 77,  1,
                                           0,   102, 230, 255, 153, 13,  64,  204, 191};
    for (int i = 0; i < 18; i++)
        cr_expect_eq(out[i], want[i], "byte %d: %d, want %d", i, out[i], want[i]);
    sk_image_free(img);
}

Test(image, rgb8_row_to_planes_avx2_and_scalar_agree_and_invert_to_rgb8)
{
    sk_test_rng rng;
    sk_test_rng_init(&rng, sk_test_seed());
    for (int w = 1; w <= 70; w++)
        for (int bands = 3; bands <= 4; bands++) {
            unsigned char *src = malloc((size_t)w * bands);
            for (int i = 0; i < w * bands; i++)
                src[i] = (unsigned char)(sk_test_rng_next(&rng) & 255);
            sk_image_t *img;
            cr_assert_eq(sk_image_new(w, 1, 3, &img), SK_OK);
            float *r = sk_image_plane(img, 0), *g = sk_image_plane(img, 1),
                  *b = sk_image_plane(img, 2);
            sk_image_rgb8_row_to_planes(src, bands, w, 1.0f / 255.0f, r, g, b);
            float *ref = malloc(3 * (size_t)w * sizeof(float));
            sk_image_rgb8_row_to_planes_scalar(src, bands, w, 1.0f / 255.0f, ref, ref + w,
                                               ref + 2 * w);
            for (int x = 0; x < w; x++) {
                cr_assert_eq(r[x], ref[x], "w %d x %d", w, x);
                cr_assert_eq(g[x], ref[w + x]);
                cr_assert_eq(b[x], ref[2 * w + x]);
                cr_assert_eq(r[x], src[x * bands] * (1.0f / 255.0f));
            }
            if (bands == 3 && sk_simd_supported(SK_SIMD_AVX2)) {
                sk_image_rgb8_row_to_planes_avx2(src, w, 0.5f, ref, ref + w, ref + 2 * w);
                for (int x = 0; x < w; x++)
                    cr_assert_eq(ref[w + x], src[3 * x + 1] * 0.5f, "w %d x %d", w, x);
            }
            unsigned char *back = malloc((size_t)w * 3);
            sk_image_to_rgb8(img, back);
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    cr_assert_eq(back[3 * x + c], src[x * bands + c]);
            free(back);
            free(ref);
            free(src);
            sk_image_free(img);
        }
}
