/* Photo loading through libvips: every format libvips reads here, EXIF
 * orientation applied, ICC profiles converted to sRGB, grey / CMYK / alpha
 * handled, 8 or 16 bit, into the project's float planes. A pixel limit is
 * checked on the header, before any pixel is decoded. */
#include "skintrack.h"
#include "ppipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vips/vips.h>

/* Rows decoded per region request: small enough to stay in cache, large
 * enough to amortise libvips' per-request overhead. */
#define LOAD_STRIP_ROWS 64

void sk_load_opts_default(sk_load_opts_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->max_megapixels = SK_DEFAULT_MAX_MEGAPIXELS;
}

/* Check the path itself before libvips sees it, so the common mistakes get a
 * precise reason rather than a decoder's message. */
static int check_file(const char *path, size_t *bytes)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return sk_error_set(SK_ERR_NOT_FOUND, "no such file");
        if (errno == EACCES)
            return sk_error_set(SK_ERR_PERMISSION, "permission denied");
        return sk_error_set(SK_ERR_IO, "cannot stat: %s", strerror(errno));
    }
    if (S_ISDIR(st.st_mode))
        return sk_error_set(SK_ERR_ARG, "is a directory, not a photo");
    if (!S_ISREG(st.st_mode))
        return sk_error_set(SK_ERR_ARG, "not a regular file");
    if (st.st_size == 0)
        return sk_error_set(SK_ERR_FORMAT, "empty file (0 bytes)");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == EACCES || errno == EPERM)
            return sk_error_set(SK_ERR_PERMISSION, "permission denied");
        return sk_error_set(SK_ERR_IO, "cannot open: %s", strerror(errno));
    }
    close(fd);
    *bytes = (size_t)st.st_size;
    return SK_OK;
}

/* Loader nickname without the "load" suffix: "jpegload" -> "jpeg". */
static void loader_name(const char *loader, char *out, size_t len)
{
    snprintf(out, len, "%s", loader ? loader : "unknown");
    size_t n = strlen(out);
    if (n > 4 && strcmp(out + n - 4, "load") == 0)
        out[n - 4] = '\0';
    n = strlen(out);
    if (n > 5 && strcmp(out + n - 5, "_file") == 0)
        out[n - 5] = '\0';
}

/* Replace `*im` by `next`, dropping our reference to the old image. */
static void swap_image(VipsImage **im, VipsImage *next)
{
    g_object_unref(*im);
    *im = next;
}

/* Bring any colour space to sRGB (8 bit) or RGB16, keeping 16-bit precision
 * where the source has it. */
static int to_srgb(VipsImage **im, sk_load_info_t *info)
{
    VipsImage *out = NULL;
    VipsInterpretation interp = vips_image_guess_interpretation(*im);
    int sixteen = (*im)->BandFmt == VIPS_FORMAT_USHORT || interp == VIPS_INTERPRETATION_RGB16 ||
                  interp == VIPS_INTERPRETATION_GREY16;
    snprintf(info->colourspace, sizeof info->colourspace, "%s",
             vips_enum_nick(VIPS_TYPE_INTERPRETATION, interp));

    if (vips_image_get_typeof(*im, VIPS_META_ICC_NAME)) {
        /* Embedded profile: let lcms convert to sRGB. A broken profile is
         * not fatal: fall back to the tagged interpretation. */
        if (vips_icc_transform(*im, &out, "srgb", "embedded", TRUE, "intent",
                               VIPS_INTENT_RELATIVE, "depth", sixteen ? 16 : 8, NULL) == 0) {
            swap_image(im, out);
            info->icc_converted = 1;
            return SK_OK;
        }
        vips_error_clear();
    }
    if (interp == VIPS_INTERPRETATION_CMYK) {
        /* CMYK without a profile: libvips' built-in CMYK profile. */
        if (vips_icc_transform(*im, &out, "srgb", "input_profile", "cmyk", "intent",
                               VIPS_INTENT_RELATIVE, "depth", sixteen ? 16 : 8, NULL) != 0)
            return SK_ERR_FORMAT;
        swap_image(im, out);
        info->icc_converted = 1;
        return SK_OK;
    }
    VipsInterpretation target = sixteen ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB;
    if (interp != target || (*im)->Bands < 3) {
        if (vips_colourspace(*im, &out, target, NULL) != 0)
            return SK_ERR_FORMAT;
        swap_image(im, out);
    }
    return SK_OK;
}

/* Decode `im` (sRGB or RGB16 with optional alpha) strip by strip straight
 * into planar floats, so the interleaved image is never held whole. */
static int decode_planes(VipsImage *im, sk_image_t *rgb, sk_image_t *alpha)
{
    int w = im->Xsize, h = im->Ysize, bands = im->Bands;
    double scale;
    switch (im->BandFmt) {
    case VIPS_FORMAT_UCHAR: scale = 1.0 / 255.0; break;
    case VIPS_FORMAT_USHORT: scale = 1.0 / 65535.0; break;
    case VIPS_FORMAT_FLOAT: scale = 1.0; break;
    default: return sk_error_set(SK_ERR_INTERNAL, "unexpected sample format after conversion");
    }
    float *r = sk_image_plane(rgb, 0), *g = sk_image_plane(rgb, 1), *b = sk_image_plane(rgb, 2);
    float *a = alpha ? sk_image_plane(alpha, 0) : NULL;
    float fscale = (float)scale;
    VipsRegion *reg = vips_region_new(im);
    if (!reg)
        return SK_ERR_NOMEM;
    int rc = SK_OK;
    for (int y0 = 0; y0 < h && rc == SK_OK; y0 += LOAD_STRIP_ROWS) {
        VipsRect rect = {0, y0, w, VIPS_MIN(LOAD_STRIP_ROWS, h - y0)};
        if (vips_region_prepare(reg, &rect) != 0) {
            rc = SK_ERR_FORMAT;
            break;
        }
        for (int y = y0; y < y0 + rect.height; y++) {
            size_t o = (size_t)y * rgb->stride;
            const VipsPel *p = VIPS_REGION_ADDR(reg, 0, y);
            if (im->BandFmt == VIPS_FORMAT_UCHAR) {
                sk_image_rgb8_row_to_planes(p, bands, w, fscale, r + o, g + o, b + o);
                if (a)
                    for (int x = 0; x < w; x++)
                        a[(size_t)y * alpha->stride + x] = ((const unsigned char *)p)[x * bands + 3] * fscale;
            } else if (im->BandFmt == VIPS_FORMAT_USHORT) {
                const unsigned short *q = (const unsigned short *)p;
                for (int x = 0; x < w; x++, q += bands) {
                    r[o + x] = q[0] * fscale;
                    g[o + x] = q[1] * fscale;
                    b[o + x] = q[2] * fscale;
                }
                if (a)
                    for (int x = 0; x < w; x++)
                        a[(size_t)y * alpha->stride + x] = ((const unsigned short *)p)[x * bands + 3] * fscale;
            } else {
                const float *q = (const float *)p;
                for (int x = 0; x < w; x++, q += bands) {
                    r[o + x] = q[0];
                    g[o + x] = q[1];
                    b[o + x] = q[2];
                }
                if (a)
                    for (int x = 0; x < w; x++)
                        a[(size_t)y * alpha->stride + x] = ((const float *)p)[x * bands + 3];
            }
        }
    }
    g_object_unref(reg);
    return rc;
}

/* First line of libvips' error buffer, cleaned for a one-line message. */
static void vips_reason(char *out, size_t len)
{
    const char *buf = vips_error_buffer();
    const char *nl = strchr(buf, '\n');
    size_t n = nl ? (size_t)(nl - buf) : strlen(buf);
    if (n >= len)
        n = len - 1;
    memcpy(out, buf, n);
    out[n] = '\0';
    vips_error_clear();
}

int sk_load_photo_into(const char *path, const sk_load_opts_t *opts, sk_image_t *rgb,
                       sk_image_t **alpha_out, sk_load_info_t *info_out)
{
    sk_load_opts_t defaults;
    if (!opts) {
        sk_load_opts_default(&defaults);
        opts = &defaults;
    }
    if (!path || !rgb)
        return sk_error_set(SK_ERR_ARG, "load: no path or image");
    sk_load_info_t info;
    memset(&info, 0, sizeof info);
    char disp[SK_DISPLAY_PATH_MAX];
    sk_path_display(path, disp, sizeof disp);

    int rc = check_file(path, &info.file_bytes);
    if (rc < 0)
        return sk_error_wrap(rc, disp);

    const char *loader = vips_foreign_find_load(path);
    if (!loader) {
        vips_error_clear();
        return sk_error_set(SK_ERR_FORMAT, "%s: not an image in a format this build can read", disp);
    }
    loader_name(vips_nickname_find(g_type_from_name(loader)), info.format, sizeof info.format);

    VipsImage *im = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                             VIPS_FAIL_ON_TRUNCATED, NULL);
    if (!im) {
        char why[256];
        vips_reason(why, sizeof why);
        return sk_error_set(SK_ERR_FORMAT, "%s: cannot read %s header (%s)", disp, info.format,
                            why[0] ? why : "malformed");
    }
    VipsImage *alpha_im = NULL;
    sk_image_t *alpha = NULL;

    /* Decompression bombs are refused on the header, before decoding. */
    double mp = (double)im->Xsize * (double)im->Ysize / 1e6;
    if (mp > opts->max_megapixels) {
        rc = sk_error_set(SK_ERR_TOO_LARGE,
                          "%s: %dx%d is %.1f megapixels, above the limit of %.0f "
                          "(--max-megapixels)",
                          disp, im->Xsize, im->Ysize, mp, opts->max_megapixels);
        goto fail;
    }
    info.orig_width = im->Xsize;
    info.orig_height = im->Ysize;
    info.source_bands = im->Bands;
    info.bits = (im->BandFmt == VIPS_FORMAT_USHORT || im->BandFmt == VIPS_FORMAT_SHORT) ? 16
                : (im->BandFmt == VIPS_FORMAT_UCHAR || im->BandFmt == VIPS_FORMAT_CHAR) ? 8
                                                                                        : 32;
    info.orientation = vips_image_get_orientation(im);

    VipsImage *next = NULL;
    if (info.orientation > 1) {
        if (vips_autorot(im, &next, NULL) != 0)
            goto vips_fail;
        swap_image(&im, next);
    }
    if (vips_image_hasalpha(im)) {
        info.had_alpha = 1;
        if (vips_extract_band(im, &alpha_im, im->Bands - 1, NULL) != 0 ||
            vips_extract_band(im, &next, 0, "n", im->Bands - 1, NULL) != 0)
            goto vips_fail;
        swap_image(&im, next);
    }
    rc = to_srgb(&im, &info);
    if (rc < 0)
        goto vips_fail;
    if (alpha_im) {
        /* Bring alpha to the same sample format as the colour planes so one
         * strip decoder handles both. */
        VipsImage *joined = NULL, *alpha_cast = NULL;
        double from = 1.0;
        double to = im->BandFmt == VIPS_FORMAT_USHORT ? 65535.0
                    : im->BandFmt == VIPS_FORMAT_UCHAR ? 255.0
                                                       : 1.0;
        if (alpha_im->BandFmt == VIPS_FORMAT_USHORT)
            from = 65535.0;
        else if (alpha_im->BandFmt == VIPS_FORMAT_UCHAR)
            from = 255.0;
        if (from != to) {
            VipsImage *scaled = NULL;
            if (vips_linear1(alpha_im, &scaled, to / from, 0.0, NULL) != 0)
                goto vips_fail;
            swap_image(&alpha_im, scaled);
        }
        if (vips_cast(alpha_im, &alpha_cast, im->BandFmt, NULL) != 0 ||
            vips_bandjoin2(im, alpha_cast, &joined, NULL) != 0) {
            if (alpha_cast)
                g_object_unref(alpha_cast);
            goto vips_fail;
        }
        g_object_unref(alpha_cast);
        swap_image(&im, joined);
    }
    if (im->Bands != 3 + (alpha_im != NULL)) {
        rc = sk_error_set(SK_ERR_UNSUPPORTED, "%s: %d bands after colour conversion", disp,
                          im->Bands);
        goto fail;
    }
    info.width = im->Xsize;
    info.height = im->Ysize;

    rc = sk_image_reshape(rgb, info.width, info.height, 3);
    if (rc < 0) {
        rc = sk_error_wrap(rc, disp);
        goto fail;
    }
    if (alpha_im && alpha_out) {
        rc = sk_image_new(info.width, info.height, 1, &alpha);
        if (rc < 0) {
            rc = sk_error_wrap(rc, disp);
            goto fail;
        }
    }
    rc = decode_planes(im, rgb, alpha);
    if (rc < 0) {
        if (rc == SK_ERR_FORMAT) {
            char why[256];
            vips_reason(why, sizeof why);
            rc = sk_error_set(SK_ERR_FORMAT, "%s: cannot decode %s data (%s)", disp, info.format,
                              why[0] ? why : "truncated or corrupt");
        } else {
            rc = sk_error_wrap(rc, disp);
        }
        goto fail;
    }
    g_object_unref(im);
    if (alpha_im)
        g_object_unref(alpha_im);
    if (alpha_out)
        *alpha_out = alpha;
    if (info_out)
        *info_out = info;
    return SK_OK;

vips_fail : {
    char why[256];
    vips_reason(why, sizeof why);
    rc = sk_error_set(SK_ERR_FORMAT, "%s: cannot convert %s image (%s)", disp, info.format,
                      why[0] ? why : "unsupported colour layout");
}
fail:
    sk_image_free(alpha);
    if (alpha_im)
        g_object_unref(alpha_im);
    g_object_unref(im);
    return rc;
}

int sk_load_photo(const char *path, const sk_load_opts_t *opts, sk_image_t **rgb_out,
                  sk_image_t **alpha_out, sk_load_info_t *info)
{
    if (!rgb_out)
        return sk_error_set(SK_ERR_ARG, "load: no output");
    sk_image_t *rgb = NULL;
    int rc = sk_image_new(1, 1, 3, &rgb);
    if (rc < 0)
        return rc;
    rc = sk_load_photo_into(path, opts, rgb, alpha_out, info);
    if (rc < 0) {
        sk_image_free(rgb);
        return rc;
    }
    *rgb_out = rgb;
    return SK_OK;
}
