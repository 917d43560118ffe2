/* The one image type, and aligned allocation. */
#include "pcore.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SK_ALIGN 64

void *sk_alloc_aligned(size_t bytes)
{
    if (bytes == 0)
        return NULL;
    size_t rounded = (bytes + SK_ALIGN - 1) / SK_ALIGN * SK_ALIGN;
    if (rounded < bytes)
        return NULL;
    return aligned_alloc(SK_ALIGN, rounded);
}

float *sk_alloc_floats(size_t n)
{
    if (n > SIZE_MAX / sizeof(float))
        return NULL;
    return sk_alloc_aligned(n * sizeof(float));
}

void sk_free(void *p)
{
    free(p);
}

size_t sk_stride_for_width(int width)
{
    size_t w = width > 0 ? (size_t)width : 1;
    return (w + 15) / 16 * 16;
}

/* Floats needed for a shape, or 0 when it overflows. */
static size_t image_floats(int width, int height, int channels, size_t *stride, size_t *plane)
{
    *stride = sk_stride_for_width(width);
    if ((size_t)height > SIZE_MAX / *stride)
        return 0;
    *plane = *stride * (size_t)height;
    if ((size_t)channels > SIZE_MAX / *plane)
        return 0;
    return *plane * (size_t)channels;
}

static int shape_valid(int width, int height, int channels)
{
    return width > 0 && height > 0 && channels > 0 && channels <= 64;
}

int sk_image_new(int width, int height, int channels, sk_image_t **out)
{
    if (!out || !shape_valid(width, height, channels))
        return sk_error_set(SK_ERR_ARG, "image: invalid shape %dx%dx%d", width, height, channels);
    size_t stride, plane;
    size_t n = image_floats(width, height, channels, &stride, &plane);
    if (n == 0)
        return sk_error_set(SK_ERR_TOO_LARGE, "image: %dx%dx%d is too large", width, height,
                            channels);
    sk_image_t *img = calloc(1, sizeof *img);
    float *data = sk_alloc_floats(n);
    if (!img || !data) {
        free(img);
        sk_free(data);
        return sk_error_set(SK_ERR_NOMEM, "image: cannot allocate %dx%dx%d", width, height,
                            channels);
    }
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->stride = stride;
    img->plane_stride = plane;
    img->data = data;
    img->capacity = n;
    *out = img;
    return SK_OK;
}

int sk_image_new_zero(int width, int height, int channels, sk_image_t **out)
{
    sk_image_t *img = NULL;
    int rc = sk_image_new(width, height, channels, &img);
    if (rc < 0)
        return rc;
    memset(img->data, 0, img->capacity * sizeof(float));
    *out = img;
    return SK_OK;
}

int sk_image_reshape(sk_image_t *img, int width, int height, int channels)
{
    if (!img || !shape_valid(width, height, channels))
        return sk_error_set(SK_ERR_ARG, "image: invalid shape %dx%dx%d", width, height, channels);
    size_t stride, plane;
    size_t n = image_floats(width, height, channels, &stride, &plane);
    if (n == 0)
        return sk_error_set(SK_ERR_TOO_LARGE, "image: %dx%dx%d is too large", width, height,
                            channels);
    if (n > img->capacity) {
        float *data = sk_alloc_floats(n);
        if (!data)
            return sk_error_set(SK_ERR_NOMEM, "image: cannot allocate %dx%dx%d", width, height,
                                channels);
        sk_free(img->data);
        img->data = data;
        img->capacity = n;
    }
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->stride = stride;
    img->plane_stride = plane;
    return SK_OK;
}

void sk_image_free(sk_image_t *img)
{
    if (!img)
        return;
    sk_free(img->data);
    free(img);
}

void sk_image_to_rgb8(const sk_image_t *img, unsigned char *out)
{
    const int w = img->width, h = img->height;
    for (int c = 0; c < 3; c++) {
        const float *p = sk_image_plane(img, c);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                float v = p[(size_t)y * img->stride + x];
                v = v < 0 ? 0 : v > 1 ? 1 : v;
                out[((size_t)y * w + x) * 3 + c] = (unsigned char)(255.0f * v + 0.5f);
            }
    }
}

void sk_image_rgb8_row_to_planes_scalar(const unsigned char *src, int bands, int w, float scale,
                                        float *r, float *g, float *b)
{
    for (int x = 0; x < w; x++, src += bands) {
        r[x] = src[0] * scale;
        g[x] = src[1] * scale;
        b[x] = src[2] * scale;
    }
}

void sk_image_rgb8_row_to_planes(const unsigned char *src, int bands, int w, float scale, float *r,
                                 float *g, float *b)
{
    if (bands == 3 && sk_simd_level() == SK_SIMD_AVX2)
        sk_image_rgb8_row_to_planes_avx2(src, w, scale, r, g, b);
    else
        sk_image_rgb8_row_to_planes_scalar(src, bands, w, scale, r, g, b);
}
