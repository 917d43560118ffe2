/* Photo loading: every format libvips reads here, orientation, colour
 * spaces, alpha, and every bad input refused with a clear one-line reason.
 * All test files are generated here at test time. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vips/vips.h>

#include "skintrack.h"
#include "testutil.h"

static char tmp[256];

static void setup(void)
{
    cr_assert_eq(sk_pipeline_init("test_load"), SK_OK);
    cr_assert_not_null(sk_test_tmpdir(tmp, sizeof tmp));
}

static void teardown(void)
{
    sk_test_rmtree(tmp);
}

TestSuite(load, .init = setup, .fini = teardown);

/* A 64x48 test pattern: R ramps with x, G with y, B constant 0.25. */
static VipsImage *pattern(int w, int h, int bands, VipsBandFormat fmt)
{
    double maxv = fmt == VIPS_FORMAT_USHORT ? 65535.0 : 255.0;
    size_t n = (size_t)w * h * bands;
    float *buf = malloc(n * sizeof(float));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int b = 0; b < bands; b++) {
                double v = b == 0 ? (double)x / (w - 1) : b == 1 ? (double)y / (h - 1)
                           : b == 2                              ? 0.25
                                                                 : 1.0;
                buf[((size_t)y * w + x) * bands + b] = (float)round(v * maxv);
            }
    VipsImage *f = vips_image_new_from_memory_copy(buf, n * sizeof(float), w, h, bands,
                                                   VIPS_FORMAT_FLOAT);
    free(buf);
    cr_assert_not_null(f);
    VipsImage *out = NULL;
    cr_assert_eq(vips_cast(f, &out, fmt, NULL), 0);
    g_object_unref(f);
    out->Type = fmt == VIPS_FORMAT_USHORT ? (bands >= 3 ? VIPS_INTERPRETATION_RGB16
                                                        : VIPS_INTERPRETATION_GREY16)
                                          : (bands >= 3 ? VIPS_INTERPRETATION_sRGB
                                                        : VIPS_INTERPRETATION_B_W);
    return out;
}

static const char *path_in_tmp(const char *name, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", tmp, name);
    return buf;
}

static void save(VipsImage *im, const char *path)
{
    if (vips_image_write_to_file(im, path, NULL) != 0)
        cr_assert_fail("cannot write %s: %s", path, vips_error_buffer());
}

/* Load and check the R/G ramps survived: R(x) = x/(w-1), G(y) = y/(h-1). */
static void check_pattern(const char *path, int w, int h, double tol)
{
    sk_image_t *img = NULL;
    sk_load_info_t info;
    int rc = sk_load_photo(path, NULL, &img, NULL, &info);
    cr_assert_eq(rc, SK_OK, "%s: %s", path, sk_error_message());
    cr_assert_eq(img->width, w);
    cr_assert_eq(img->height, h);
    cr_assert_eq(img->channels, 3);
    const float *r = sk_image_plane(img, 0), *g = sk_image_plane(img, 1);
    for (int y = 0; y < h; y += 7)
        for (int x = 0; x < w; x += 5) {
            cr_assert_float_eq(r[(size_t)y * img->stride + x], (float)x / (w - 1), tol,
                               "%s R at %d,%d", path, x, y);
            cr_assert_float_eq(g[(size_t)y * img->stride + x], (float)y / (h - 1), tol,
                               "%s G at %d,%d", path, x, y);
        }
    sk_image_free(img);
}

Test(load, png8_png16_tiff_webp_round_trip)
{
    char p[512];
    VipsImage *im8 = pattern(64, 48, 3, VIPS_FORMAT_UCHAR);
    VipsImage *im16 = pattern(64, 48, 3, VIPS_FORMAT_USHORT);
    save(im8, path_in_tmp("a.png", p, sizeof p));
    check_pattern(p, 64, 48, 0.5 / 255 + 1e-6);
    save(im16, path_in_tmp("b16.png", p, sizeof p));
    check_pattern(p, 64, 48, 0.5 / 65535 + 1e-6);
    save(im8, path_in_tmp("c.tif", p, sizeof p));
    check_pattern(p, 64, 48, 0.5 / 255 + 1e-6);
    save(im16, path_in_tmp("c16.tif", p, sizeof p));
    check_pattern(p, 64, 48, 0.5 / 65535 + 1e-6);
    cr_assert_eq(vips_image_write_to_file(im8, path_in_tmp("d.webp", p, sizeof p), "lossless",
                                          TRUE, NULL),
                 0);
    check_pattern(p, 64, 48, 0.5 / 255 + 1e-6);
    g_object_unref(im8);
    g_object_unref(im16);
}

Test(load, sixteen_bit_keeps_precision)
{
    char p[512];
    VipsImage *im16 = pattern(64, 48, 3, VIPS_FORMAT_USHORT);
    save(im16, path_in_tmp("p16.png", p, sizeof p));
    sk_image_t *img = NULL;
    sk_load_info_t info;
    cr_assert_eq(sk_load_photo(p, NULL, &img, NULL, &info), SK_OK, "%s", sk_error_message());
    cr_assert_eq(info.bits, 16);
    /* A value between two 8-bit steps survives. */
    float v = sk_image_plane(img, 0)[1];
    cr_assert_float_eq(v, 1.0f / 63, 1.0 / 65535);
    cr_assert_gt(fabsf(v * 255 - roundf(v * 255)), 0.01f);
    sk_image_free(img);
    g_object_unref(im16);
}

Test(load, jpeg_and_heif_where_available)
{
    char p[512];
    VipsImage *im8 = pattern(64, 48, 3, VIPS_FORMAT_UCHAR);
    cr_assert_eq(vips_image_write_to_file(im8, path_in_tmp("e.jpg", p, sizeof p), "Q", 98, NULL), 0);
    check_pattern(p, 64, 48, 0.04);
    /* HEIC/AVIF only where Debian's libheif has an encoder. */
    if (vips_type_find("VipsOperation", "heifsave") != 0) {
        if (vips_image_write_to_file(im8, path_in_tmp("f.avif", p, sizeof p), "Q", 95, NULL) == 0)
            check_pattern(p, 64, 48, 0.08);
        else
            vips_error_clear();
    }
    g_object_unref(im8);
}

Test(load, exif_orientation_applied)
{
    char p[512];
    VipsImage *im = pattern(64, 48, 3, VIPS_FORMAT_UCHAR);
    VipsImage *copy = NULL;
    cr_assert_eq(vips_copy(im, &copy, NULL), 0);
    /* 6: the stored image must be rotated 90° clockwise to display. */
    vips_image_set_int(copy, VIPS_META_ORIENTATION, 6);
    cr_assert_eq(vips_image_write_to_file(copy, path_in_tmp("o6.jpg", p, sizeof p), "Q", 98, NULL),
                 0);
    sk_image_t *img = NULL;
    sk_load_info_t info;
    cr_assert_eq(sk_load_photo(p, NULL, &img, NULL, &info), SK_OK, "%s", sk_error_message());
    cr_assert_eq(info.orientation, 6);
    cr_assert_eq(img->width, 48);
    cr_assert_eq(img->height, 64);
    cr_assert_eq(info.orig_width, 64);
    /* After a clockwise turn the stored top row (G = 0) is the right column,
     * and R (x ramp) now grows downwards. */
    const float *r = sk_image_plane(img, 0), *g = sk_image_plane(img, 1);
    cr_assert_float_eq(g[10 * img->stride + 47], 0.0f, 0.04);
    cr_assert_float_eq(g[10 * img->stride + 0], 1.0f, 0.04);
    cr_assert_float_eq(r[0 * img->stride + 20], 0.0f, 0.04);
    cr_assert_float_eq(r[63 * img->stride + 20], 1.0f, 0.04);
    sk_image_free(img);
    g_object_unref(copy);
    g_object_unref(im);
}

Test(load, grey_becomes_three_equal_planes)
{
    char p[512];
    VipsImage *grey = pattern(40, 30, 1, VIPS_FORMAT_UCHAR);
    save(grey, path_in_tmp("grey.png", p, sizeof p));
    sk_image_t *img = NULL;
    cr_assert_eq(sk_load_photo(p, NULL, &img, NULL, NULL), SK_OK, "%s", sk_error_message());
    cr_assert_eq(img->channels, 3);
    for (int x = 0; x < 40; x++) {
        float v = sk_image_plane(img, 0)[5 * img->stride + x];
        cr_assert_float_eq(v, sk_image_plane(img, 1)[5 * img->stride + x], 1e-6);
        cr_assert_float_eq(v, sk_image_plane(img, 2)[5 * img->stride + x], 1e-6);
        cr_assert_float_eq(v, (float)x / 39, 0.5 / 255 + 1e-6);
    }
    sk_image_free(img);
    g_object_unref(grey);
}

Test(load, alpha_is_split_off)
{
    char p[512];
    VipsImage *rgba = pattern(32, 16, 4, VIPS_FORMAT_UCHAR);
    save(rgba, path_in_tmp("rgba.png", p, sizeof p));
    sk_image_t *img = NULL, *alpha = NULL;
    sk_load_info_t info;
    cr_assert_eq(sk_load_photo(p, NULL, &img, &alpha, &info), SK_OK, "%s", sk_error_message());
    cr_assert(info.had_alpha);
    cr_assert_not_null(alpha);
    cr_assert_float_eq(sk_image_plane(alpha, 0)[3 * alpha->stride + 3], 1.0f, 1e-6);
    cr_assert_float_eq(sk_image_plane(img, 0)[3 * img->stride + 31], 1.0f, 1e-6);
    sk_image_free(img);
    sk_image_free(alpha);
    g_object_unref(rgba);
}

Test(load, cmyk_and_icc_converted_to_srgb)
{
    char p[512];
    VipsImage *im = pattern(32, 32, 3, VIPS_FORMAT_UCHAR), *cmyk = NULL;
    cr_assert_eq(vips_icc_transform(im, &cmyk, "cmyk", "input_profile", "srgb", NULL), 0, "%s",
                 vips_error_buffer());
    cr_assert_eq(cmyk->Bands, 4);
    save(cmyk, path_in_tmp("cmyk.tif", p, sizeof p));
    sk_image_t *img = NULL;
    sk_load_info_t info;
    cr_assert_eq(sk_load_photo(p, NULL, &img, NULL, &info), SK_OK, "%s", sk_error_message());
    cr_assert(info.icc_converted);
    cr_assert_eq(img->channels, 3);
    /* A round trip through a print profile is not exact, but the ramps must
     * survive roughly and the blue plane stays low. */
    cr_assert_float_eq(sk_image_plane(img, 0)[16 * img->stride + 31], 1.0f, 0.15);
    cr_assert_float_eq(sk_image_plane(img, 0)[16 * img->stride + 0], 0.0f, 0.15);
    cr_assert_lt(sk_image_plane(img, 2)[16 * img->stride + 16], 0.45f);
    sk_image_free(img);
    g_object_unref(cmyk);
    g_object_unref(im);
}

/* ---------------------------------------------------------- bad inputs */

static void expect_refusal(const char *path, int status, const char *reason_part)
{
    sk_image_t *img = (sk_image_t *)0x1;
    sk_error_clear();
    int rc = sk_load_photo(path, NULL, &img, NULL, NULL);
    cr_assert_eq(rc, status, "%s: got %d (%s)", path, rc, sk_error_message());
    cr_assert_eq(img, (sk_image_t *)0x1, "output written on failure");
    const char *msg = sk_error_message();
    cr_assert(strncmp(msg, path, strlen(path)) == 0 || strstr(msg, "...") != NULL,
              "message must start with the file: %s", msg);
    cr_assert_not_null(strstr(msg, reason_part), "'%s' not in '%s'", reason_part, msg);
    cr_assert_null(strchr(msg, '\n'), "one line: %s", msg);
}

static void write_bytes(const char *name, const void *data, size_t n, char *p, size_t len)
{
    cr_assert_not_null(sk_test_write_file(tmp, name, data, n, p, len));
}

/* Encode a pattern to memory in a format, to cut it short. */
static void *encode(const char *suffix, size_t *n)
{
    VipsImage *im = pattern(200, 150, 3, VIPS_FORMAT_UCHAR);
    void *buf = NULL;
    cr_assert_eq(vips_image_write_to_buffer(im, suffix, &buf, n, NULL), 0);
    g_object_unref(im);
    return buf;
}

Test(load, missing_directory_empty)
{
    char p[512];
    expect_refusal(path_in_tmp("missing.jpg", p, sizeof p), SK_ERR_NOT_FOUND, "no such file");
    expect_refusal(tmp, SK_ERR_ARG, "directory");
    write_bytes("empty.jpg", "", 0, p, sizeof p);
    expect_refusal(p, SK_ERR_FORMAT, "empty");
}

Test(load, truncated_jpeg_and_png)
{
    char p[512];
    size_t n;
    void *jpg = encode(".jpg", &n);
    write_bytes("cut.jpg", jpg, n / 2, p, sizeof p);
    expect_refusal(p, SK_ERR_FORMAT, "cut.jpg");
    g_free(jpg);
    void *png = encode(".png", &n);
    write_bytes("cut.png", png, n / 2, p, sizeof p);
    expect_refusal(p, SK_ERR_FORMAT, "cut.png");
    g_free(png);
}

Test(load, text_named_jpg)
{
    char p[512];
    const char *text = "this is not a photo\n";
    write_bytes("notes.jpg", text, strlen(text), p, sizeof p);
    expect_refusal(p, SK_ERR_FORMAT, "not an image");
}

/* CRC-32 as PNG chunks use it (bitwise; tiny inputs only). */
static unsigned long crc32_png(const unsigned char *p, size_t n)
{
    unsigned long c = 0xFFFFFFFFul;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320ul & (0ul - (c & 1ul)));
    }
    return c ^ 0xFFFFFFFFul;
}

/* A real small PNG whose IHDR is patched to claim 100000 x 100000, CRC
 * fixed, so the header is valid and only the size is hostile. */
static size_t bomb_png(unsigned char *out, size_t cap)
{
    size_t n;
    void *png = encode(".png", &n);
    cr_assert_leq(n, cap);
    memcpy(out, png, n);
    g_free(png);
    /* signature (8) + length (4) + "IHDR" (4) + width (4) + height (4) */
    cr_assert_eq(memcmp(out + 12, "IHDR", 4), 0);
    const unsigned char big[4] = {0, 0x01, 0x86, 0xA0};
    memcpy(out + 16, big, 4);
    memcpy(out + 20, big, 4);
    unsigned long crc = crc32_png(out + 12, 17);
    out[29] = crc >> 24, out[30] = crc >> 16, out[31] = crc >> 8, out[32] = crc;
    return n;
}

Test(load, decompression_bomb_refused_before_decoding)
{
    char p[512];
    static unsigned char buf[1 << 20];
    size_t n = bomb_png(buf, sizeof buf);
    write_bytes("bomb.png", buf, n, p, sizeof p);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_refusal(p, SK_ERR_TOO_LARGE, "100000x100000");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* Also under a raised but still finite limit. */
    sk_load_opts_t o;
    sk_load_opts_default(&o);
    o.max_megapixels = 5000;
    sk_image_t *img = NULL;
    cr_assert_eq(sk_load_photo(p, &o, &img, NULL, NULL), SK_ERR_TOO_LARGE);
    /* And a tight limit refuses an ordinary photo. */
    VipsImage *im = pattern(200, 150, 3, VIPS_FORMAT_UCHAR);
    save(im, path_in_tmp("ok.png", p, sizeof p));
    g_object_unref(im);
    o.max_megapixels = 0.01;
    cr_assert_eq(sk_load_photo(p, &o, &img, NULL, NULL), SK_ERR_TOO_LARGE);
    o.max_megapixels = 0.03;
    cr_assert_eq(sk_load_photo(p, &o, &img, NULL, NULL), SK_OK);
    sk_image_free(img);
}

Test(load, unreadable_file)
{
    char p[512];
    VipsImage *im = pattern(20, 20, 3, VIPS_FORMAT_UCHAR);
    save(im, path_in_tmp("locked.png", p, sizeof p));
    g_object_unref(im);
    cr_assert_eq(chmod(p, 0), 0);
    /* root reads anything: drop to an unprivileged user in this test's own
     * process (Criterion runs each test in its own process). */
    if (geteuid() == 0)
        cr_assert_eq(setresuid(65534, 65534, 65534), 0, "cannot drop privileges");
    expect_refusal(p, SK_ERR_PERMISSION, "permission denied");
}

Test(load, names_with_spaces_and_non_ascii)
{
    char p[512];
    VipsImage *im = pattern(64, 48, 3, VIPS_FORMAT_UCHAR);
    save(im, path_in_tmp("séance 1 — Zoë front.png", p, sizeof p));
    check_pattern(p, 64, 48, 0.5 / 255 + 1e-6);
    g_object_unref(im);
    write_bytes("naïve name.jpg", "x", 1, p, sizeof p);
    expect_refusal(p, SK_ERR_FORMAT, "not an image");
}

Test(load, control_characters_not_echoed)
{
    char p[512], disp[SK_DISPLAY_PATH_MAX];
    path_in_tmp("evil\n\x1b[31mred.jpg", p, sizeof p);
    sk_load_photo(p, NULL, &(sk_image_t *){NULL}, NULL, NULL);
    const char *msg = sk_error_message();
    cr_assert_null(strchr(msg, '\n'));
    cr_assert_null(strchr(msg, '\x1b'));
    sk_path_display("a\tb", disp, sizeof disp);
    cr_assert_str_eq(disp, "a?b");
}

Test(load, into_reuses_planes)
{
    char p[512];
    VipsImage *im = pattern(64, 48, 3, VIPS_FORMAT_UCHAR);
    save(im, path_in_tmp("r.png", p, sizeof p));
    g_object_unref(im);
    sk_image_t *img = NULL;
    cr_assert_eq(sk_image_new(100, 100, 3, &img), SK_OK);
    float *before = img->data;
    cr_assert_eq(sk_load_photo_into(p, NULL, img, NULL, NULL), SK_OK);
    cr_assert_eq(img->data, before);
    cr_assert_eq(img->width, 64);
    sk_image_free(img);
}
