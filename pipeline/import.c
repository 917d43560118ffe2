/* Import ("upload") of one photo into the clinic library: checked names,
 * full decode, orientation applied, private metadata removed, and an
 * atomic, no-overwrite publish. Policy and trade-offs: docs/LIBRARY.md. */
#include "skintrack.h"
#include "plibrary.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <vips/vips.h>

/* Sources read whole into memory: far above any real photo. */
#define IMPORT_MAX_FILE_BYTES ((size_t)1 << 30)
/* Re-encoded JPEGs: high quality, no chroma subsampling (4:4:4). */
#define IMPORT_JPEG_QUALITY 95

void sk_import_opts_default(sk_import_opts_t *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->max_megapixels = SK_DEFAULT_MAX_MEGAPIXELS;
}

/* First line of libvips' error buffer, then cleared. */
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

static int vips_fail(const char *disp, const char *what)
{
    char why[256];
    vips_reason(why, sizeof why);
    return sk_error_set(SK_ERR_FORMAT, "%s: %s (%s)", disp, what, why[0] ? why : "libvips error");
}

/* ------------------------------------------------------------- reading */

static int read_source(const char *path, const char *disp, uint8_t **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sk_error_set(errno == ENOENT ? SK_ERR_NOT_FOUND : SK_ERR_IO, "%s: cannot open: %s",
                            disp, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sk_error_set(SK_ERR_ARG, "%s: not a regular file", disp);
    }
    if ((size_t)st.st_size > IMPORT_MAX_FILE_BYTES) {
        close(fd);
        return sk_error_set(SK_ERR_TOO_LARGE, "%s: %lld bytes, above the import limit of 1 GiB",
                            disp, (long long)st.st_size);
    }
    uint8_t *buf = g_try_malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        return sk_error_set(SK_ERR_NOMEM, "%s: out of memory", disp);
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    if (got != (size_t)st.st_size) {
        g_free(buf);
        return sk_error_set(SK_ERR_IO, "%s: short read (the file changed while importing?)", disp);
    }
    *data = buf;
    *len = got;
    return SK_OK;
}

/* ------------------------------------------------------------ encoding */

/* Remove every metadata item except the ICC profile from a fresh copy, so
 * a saver can write nothing private (our own EXIF is added afterwards). */
static int only_icc(VipsImage *in, VipsImage **out)
{
    if (vips_copy(in, out, NULL) != 0)
        return -1;
    gchar **fields = vips_image_get_fields(*out);
    for (gchar **f = fields; f && *f; f++)
        if (strcmp(*f, VIPS_META_ICC_NAME) != 0)
            vips_image_remove(*out, *f);
    g_strfreev(fields);
    return 0;
}

static void swap(VipsImage **im, VipsImage *next)
{
    g_object_unref(*im);
    *im = next;
}

/* Bring a non-JPEG source to what PNG holds without loss: 8 or 16 bit,
 * grey or RGB, with or without alpha. */
static int png_ready(VipsImage **im, const char *disp)
{
    VipsImage *next = NULL;
    VipsBandFormat fmt = (*im)->BandFmt;
    if (fmt != VIPS_FORMAT_UCHAR && fmt != VIPS_FORMAT_USHORT)
        return sk_error_set(SK_ERR_UNSUPPORTED,
                            "%s: %s samples cannot be stored losslessly; export the photo as 8- or "
                            "16-bit",
                            disp, vips_enum_nick(VIPS_TYPE_BAND_FORMAT, fmt));
    int sixteen = fmt == VIPS_FORMAT_USHORT;
    VipsInterpretation interp = vips_image_guess_interpretation(*im);
    if (interp == VIPS_INTERPRETATION_CMYK) {
        /* PNG has no CMYK: convert through the profile (embedded, else
         * libvips' CMYK default) to sRGB. */
        int embedded = vips_image_get_typeof(*im, VIPS_META_ICC_NAME) != 0;
        if (vips_icc_transform(*im, &next, "srgb", "input_profile", embedded ? "embedded" : "cmyk",
                               "embedded", embedded, "intent", VIPS_INTENT_RELATIVE, "depth",
                               sixteen ? 16 : 8, NULL) != 0)
            return vips_fail(disp, "cannot convert CMYK to sRGB");
        swap(im, next);
        if (vips_image_get_typeof(*im, VIPS_META_ICC_NAME))
            vips_image_remove(*im, VIPS_META_ICC_NAME); /* now plain sRGB */
        return SK_OK;
    }
    int grey = interp == VIPS_INTERPRETATION_B_W || interp == VIPS_INTERPRETATION_GREY16;
    int rgb = interp == VIPS_INTERPRETATION_sRGB || interp == VIPS_INTERPRETATION_RGB16 ||
              interp == VIPS_INTERPRETATION_RGB;
    int bands = (*im)->Bands;
    if ((grey && bands <= 2) || (rgb && (bands == 3 || bands == 4)))
        return SK_OK;
    /* Lab, XYZ and other spaces: to sRGB at the source's depth. */
    if (vips_colourspace(*im, &next, sixteen ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB,
                         NULL) != 0)
        return vips_fail(disp, "cannot convert to sRGB");
    swap(im, next);
    if ((*im)->Bands < 1 || (*im)->Bands > 4)
        return sk_error_set(SK_ERR_UNSUPPORTED, "%s: %d bands cannot be stored as PNG", disp,
                            (*im)->Bands);
    return SK_OK;
}

typedef struct encoded {
    GByteArray *bytes;
    const char *ext;
    int reencoded;
    int width, height;
    int orientation;
    char capture_date[32];
} encoded_t;

/* The bytes to publish for the source `src` (len bytes, libvips format
 * nickname `format`). */
static int encode(const uint8_t *src, size_t len, const char *format, const char *disp,
                  encoded_t *e)
{
    int rc = SK_OK;
    VipsImage *im = vips_image_new_from_buffer(src, len, "", "access", VIPS_ACCESS_SEQUENTIAL,
                                               "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
    if (!im)
        return vips_fail(disp, "cannot read the photo again");
    VipsImage *clean = NULL, *next = NULL;
    uint8_t *exif = NULL;
    size_t exif_len = 0;
    void *encoded = NULL;
    size_t encoded_len = 0;
    int is_jpeg = strcmp(format, "jpeg") == 0;

    /* The source's EXIF, copied before any metadata is removed. */
    const void *raw = NULL;
    size_t raw_len = 0;
    uint8_t *raw_copy = NULL;
    if (vips_image_get_typeof(im, VIPS_META_EXIF_NAME) &&
        vips_image_get_blob(im, VIPS_META_EXIF_NAME, &raw, &raw_len) == 0 && raw_len > 0)
        raw_copy = g_memdup2(raw, raw_len);

    e->orientation = vips_image_get_orientation(im);
    if (e->orientation > 1) {
        if (vips_autorot(im, &next, NULL) != 0) {
            rc = vips_fail(disp, "cannot apply the EXIF orientation");
            goto done;
        }
        swap(&im, next);
    }
    e->width = im->Xsize;
    e->height = im->Ysize;
    rc = sk_exif_clean(raw_copy, raw_len, e->width, e->height, &exif, &exif_len, e->capture_date);
    if (rc < 0) {
        rc = sk_error_set(rc, "%s: out of memory cleaning EXIF", disp);
        goto done;
    }
    if (exif_len + 2 > 0xffff) {
        /* Cannot happen with the keep-list, but never write a broken APP1. */
        g_free(exif);
        exif = NULL;
        exif_len = 0;
    }

    if (is_jpeg && e->orientation <= 1) {
        /* Already upright: keep the compressed data, replace the metadata. */
        rc = sk_jpeg_rewrite(src, len, exif, exif_len, e->bytes);
        if (rc < 0)
            rc = sk_error_set(rc, "%s: cannot copy the JPEG stream (malformed segments)", disp);
        e->ext = "jpg";
        e->reencoded = 0;
        goto done;
    }
    if (is_jpeg) {
        if (only_icc(im, &clean) != 0 ||
            vips_jpegsave_buffer(clean, &encoded, &encoded_len, "Q", IMPORT_JPEG_QUALITY,
                                 "subsample_mode", VIPS_FOREIGN_SUBSAMPLE_OFF, "optimize_coding",
                                 TRUE, NULL) != 0) {
            rc = vips_fail(disp, "cannot encode the rotated JPEG");
            goto done;
        }
        rc = sk_jpeg_rewrite(encoded, encoded_len, exif, exif_len, e->bytes);
        if (rc < 0)
            rc = sk_error_set(rc, "%s: cannot write the JPEG metadata", disp);
        e->ext = "jpg";
    } else {
        rc = png_ready(&im, disp);
        if (rc < 0)
            goto done;
        if (only_icc(im, &clean) != 0 ||
            vips_pngsave_buffer(clean, &encoded, &encoded_len, "compression", 6, NULL) != 0) {
            rc = vips_fail(disp, "cannot encode the PNG");
            goto done;
        }
        rc = sk_png_rewrite(encoded, encoded_len, exif, exif_len, e->bytes);
        if (rc < 0)
            rc = sk_error_set(rc, "%s: cannot write the PNG metadata", disp);
        e->ext = "png";
    }
    e->reencoded = 1;
done:
    g_free(encoded);
    g_free(exif);
    g_free(raw_copy);
    if (clean)
        g_object_unref(clean);
    g_object_unref(im);
    return rc;
}

/* Decode the written file completely with libvips: the final guard
 * against publishing anything a reader would choke on. */
static int verify(const char *path, int width, int height)
{
    VipsImage *im = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                             VIPS_FAIL_ON_TRUNCATED, NULL);
    if (!im)
        return -1;
    double avg;
    int ok = vips_avg(im, &avg, NULL) == 0 && im->Xsize == width && im->Ysize == height;
    g_object_unref(im);
    if (!ok)
        return -1;
    return 0;
}

/* ---------------------------------------------------------- publishing */

/* Open (creating it when missing) a folder below dirfd that must not be a
 * symbolic link. *created tells whether it was made now. */
static int open_subdir(int dirfd, const char *name, const char *shown, int *created)
{
    *created = 0;
    if (mkdirat(dirfd, name, 0777) == 0)
        *created = 1;
    else if (errno != EEXIST)
        return sk_error_set(errno == EACCES ? SK_ERR_PERMISSION : SK_ERR_IO,
                            "%s: cannot create the folder: %s", shown, strerror(errno));
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        struct stat st;
        /* O_DIRECTORY | O_NOFOLLOW reports a link as ENOTDIR: tell them apart. */
        if (errno == ELOOP ||
            (errno == ENOTDIR && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
             S_ISLNK(st.st_mode)))
            return sk_error_set(SK_ERR_ARG, "%s: is a symbolic link; refused", shown);
        if (errno == ENOTDIR)
            return sk_error_set(SK_ERR_ARG, "%s: exists and is not a folder", shown);
        return sk_error_set(errno == EACCES ? SK_ERR_PERMISSION : SK_ERR_IO,
                            "%s: cannot open the folder: %s", shown, strerror(errno));
    }
    return fd;
}

static int open_clinic(const char *clinic, int *created)
{
    char disp[SK_DISPLAY_PATH_MAX];
    sk_path_display(clinic, disp, sizeof disp);
    *created = 0;
    if (mkdir(clinic, 0777) == 0) {
        *created = 1;
    } else if (errno == ENOENT) {
        return sk_error_set(SK_ERR_NOT_FOUND,
                            "%s: no such clinic folder, and its parent folder does not exist "
                            "either",
                            disp);
    } else if (errno != EEXIST) {
        return sk_error_set(errno == EACCES ? SK_ERR_PERMISSION : SK_ERR_IO,
                            "%s: cannot create the clinic folder: %s", disp, strerror(errno));
    }
    int fd = open(clinic, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOTDIR)
            return sk_error_set(SK_ERR_ARG, "%s: the clinic exists and is not a folder", disp);
        return sk_error_set(errno == EACCES ? SK_ERR_PERMISSION : SK_ERR_IO,
                            "%s: cannot open the clinic folder: %s", disp, strerror(errno));
    }
    return fd;
}

/* Photos of `view` already in the session folder (any extension). Returns
 * a NULL-terminated list (g_strfreev) or NULL on failure. */
static char **same_view(int sfd, const char *view)
{
    int fd = dup(sfd);
    if (fd < 0)
        return NULL;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return NULL;
    }
    GPtrArray *names = g_ptr_array_new();
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        char v[SK_VIEW_MAX + 1];
        if (ent->d_name[0] == '.')
            continue;
        if (sk_library_split_photo_name(ent->d_name, v, NULL) == SK_LIB_NAME_PHOTO &&
            strcmp(v, view) == 0)
            g_ptr_array_add(names, g_strdup(ent->d_name));
    }
    closedir(d);
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

typedef struct target {
    const sk_import_opts_t *o;
    const char *view;
    const char *src_disp;
} target_t;

static int publish(const target_t *t, const encoded_t *e, sk_import_result_t *r)
{
    const sk_import_opts_t *o = t->o;
    char name[SK_VIEW_MAX + 8], tmp[SK_VIEW_MAX + 32], shown[SK_DISPLAY_PATH_MAX];
    snprintf(name, sizeof name, "%s.%s", t->view, e->ext);
    snprintf(r->relpath, sizeof r->relpath, "%s/%s/%s", o->patient, o->session, name);
    int k = snprintf(r->path, sizeof r->path, "%s/%s", o->clinic, r->relpath);
    if (k < 0 || (size_t)k >= sizeof r->path)
        return sk_error_set(SK_ERR_ARG, "%s: the clinic path is too long", t->src_disp);

    int cfd = -1, pfd = -1, sfd = -1, fd = -1, rc = SK_OK;
    int made_clinic = 0, made_patient = 0, made_session = 0, tmp_exists = 0, published = 0;
    char **existing = NULL;
    char path_shown[4096];

    cfd = open_clinic(o->clinic, &made_clinic);
    if (cfd < 0)
        return cfd;
    snprintf(path_shown, sizeof path_shown, "%s/%s", o->clinic, o->patient);
    pfd = open_subdir(cfd, o->patient, sk_path_display(path_shown, shown, sizeof shown),
                      &made_patient);
    if (pfd < 0) {
        rc = pfd;
        goto done;
    }
    snprintf(path_shown, sizeof path_shown, "%s/%s/%s", o->clinic, o->patient, o->session);
    sfd = open_subdir(pfd, o->session, sk_path_display(path_shown, shown, sizeof shown),
                      &made_session);
    if (sfd < 0) {
        rc = sfd;
        goto done;
    }
    existing = same_view(sfd, t->view);
    if (!existing) {
        rc = sk_error_set(SK_ERR_IO, "%s: cannot list the session folder: %s", shown,
                          strerror(errno));
        goto done;
    }
    if (existing[0] && !o->replace) {
        snprintf(path_shown, sizeof path_shown, "%s/%s/%s/%s", o->clinic, o->patient, o->session,
                 existing[0]);
        rc = sk_error_set(SK_ERR_EXISTS,
                          "%s: %s already exists (view '%s'); use --replace to replace it",
                          t->src_disp, sk_path_display(path_shown, shown, sizeof shown), t->view);
        goto done;
    }

    /* Hidden temporary name in the same folder: the scan ignores it and the
     * rename below cannot cross file systems. */
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        snprintf(tmp, sizeof tmp, ".%s.%08x.tmp", name, g_random_int());
        fd = openat(sfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        rc = sk_error_set(errno == EACCES ? SK_ERR_PERMISSION : SK_ERR_IO,
                          "%s: cannot create a file in the session folder: %s", t->src_disp,
                          strerror(errno));
        goto done;
    }
    tmp_exists = 1;
    if (write_all(fd, e->bytes->data, e->bytes->len) != 0 || fsync(fd) != 0) {
        rc =
            sk_error_set(SK_ERR_IO, "%s: cannot write the photo: %s", t->src_disp, strerror(errno));
        goto done;
    }
    int crc = close(fd);
    fd = -1;
    if (crc != 0) {
        rc =
            sk_error_set(SK_ERR_IO, "%s: cannot write the photo: %s", t->src_disp, strerror(errno));
        goto done;
    }
    char tmp_path[4096 + 64];
    snprintf(tmp_path, sizeof tmp_path, "%s/%s/%s/%s", o->clinic, o->patient, o->session, tmp);
    if (verify(tmp_path, e->width, e->height) != 0) {
        char why[256];
        vips_reason(why, sizeof why);
        rc = sk_error_set(SK_ERR_INTERNAL, "%s: the written copy does not decode back (%s)",
                          t->src_disp, why[0] ? why : "size mismatch");
        goto done;
    }

    if (!o->replace) {
        /* No overwrite even against a concurrent import of the same view. */
        int mv = renameat2(sfd, tmp, sfd, name, RENAME_NOREPLACE);
        if (mv != 0 && (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP)) {
            /* File systems without RENAME_NOREPLACE: link() refuses an
             * existing name just the same. */
            mv = linkat(sfd, tmp, sfd, name, 0);
            if (mv == 0)
                unlinkat(sfd, tmp, 0);
        }
        if (mv != 0) {
            int err = errno;
            snprintf(path_shown, sizeof path_shown, "%s/%s/%s/%s", o->clinic, o->patient,
                     o->session, name);
            sk_path_display(path_shown, shown, sizeof shown);
            if (err == EEXIST)
                rc = sk_error_set(SK_ERR_EXISTS,
                                  "%s: %s already exists; use --replace to "
                                  "replace it",
                                  t->src_disp, shown);
            else
                rc = sk_error_set(SK_ERR_IO, "%s: cannot publish %s: %s", t->src_disp, shown,
                                  strerror(err));
            goto done;
        }
    } else if (renameat(sfd, tmp, sfd, name) != 0) {
        rc = sk_error_set(SK_ERR_IO, "%s: cannot publish the photo: %s", t->src_disp,
                          strerror(errno));
        goto done;
    }
    tmp_exists = 0;
    published = 1;
    /* With --replace, a photo of the same view under another extension
     * would make the view ambiguous: it goes too. */
    for (char **p = existing; *p; p++) {
        if (strcmp(*p, name) != 0)
            unlinkat(sfd, *p, 0);
        r->replaced = 1;
    }
    /* Make the new directory entries durable. */
    fsync(sfd);
    if (made_session)
        fsync(pfd);
    if (made_patient)
        fsync(cfd);

done:
    if (fd >= 0)
        close(fd);
    if (tmp_exists)
        unlinkat(sfd, tmp, 0);
    if (!published) {
        /* Leave no trace of a failed import: folders made now and still
         * empty go again (rmdir refuses non-empty ones). */
        if (made_session)
            unlinkat(pfd, o->session, AT_REMOVEDIR);
        if (made_patient)
            unlinkat(cfd, o->patient, AT_REMOVEDIR);
        if (made_clinic)
            rmdir(o->clinic);
    }
    g_strfreev(existing);
    if (sfd >= 0)
        close(sfd);
    if (pfd >= 0)
        close(pfd);
    close(cfd);
    return rc;
}

/* The view named by opts, or the source's file stem. */
static int pick_view(const sk_import_opts_t *o, const char *src, const char *disp,
                     char view[SK_VIEW_MAX + 1])
{
    if (o->view) {
        if (!sk_valid_view(o->view))
            return sk_library_name_error(disp, "view", o->view);
        snprintf(view, SK_VIEW_MAX + 1, "%s", o->view);
        return SK_OK;
    }
    const char *base = strrchr(src, '/');
    base = base ? base + 1 : src;
    const char *dot = strrchr(base, '.');
    size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    char stem[512];
    snprintf(stem, sizeof stem, "%.*s", (int)(n < sizeof stem ? n : sizeof stem - 1), base);
    if (!sk_valid_view(stem)) {
        char v[SK_DISPLAY_PATH_MAX], why[512];
        snprintf(why, sizeof why, "%s", sk_error_message());
        return sk_error_set(SK_ERR_ARG,
                            "%s: the file name '%s' is not a view name (it %s); name the view "
                            "with --view",
                            disp, sk_path_display(stem, v, sizeof v), why);
    }
    memcpy(view, stem, strlen(stem) + 1); /* a valid view fits */
    return SK_OK;
}

int sk_import_file(const sk_import_opts_t *opts, const char *src, sk_import_result_t *res)
{
    if (!opts || !src || !opts->clinic || !*opts->clinic)
        return sk_error_set(SK_ERR_ARG, "import: no clinic or no source file");
    char disp[SK_DISPLAY_PATH_MAX];
    sk_path_display(src, disp, sizeof disp);
    if (!sk_valid_patient_id(opts->patient))
        return sk_library_name_error(disp, "patient id", opts->patient);
    if (!sk_valid_session(opts->session, NULL))
        return sk_library_name_error(disp, "session", opts->session);
    char view[SK_VIEW_MAX + 1];
    int rc = pick_view(opts, src, disp, view);
    if (rc < 0)
        return rc;

    /* 1. The source decodes completely, within the pixel limit. */
    sk_load_opts_t lo;
    sk_load_opts_default(&lo);
    if (opts->max_megapixels > 0)
        lo.max_megapixels = opts->max_megapixels;
    sk_load_info_t info;
    sk_image_t *rgb = NULL;
    rc = sk_load_photo(src, &lo, &rgb, NULL, &info);
    sk_image_free(rgb);
    if (rc < 0)
        return rc;
    static const char *const formats[] = {"jpeg", "png", "tiff", "webp", "heif"};
    int known = 0;
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++)
        known |= strcmp(info.format, formats[i]) == 0;
    if (!known)
        return sk_error_set(SK_ERR_UNSUPPORTED,
                            "%s: %s files are not imported (JPEG, PNG, TIFF, WebP, HEIC/HEIF or "
                            "AVIF only)",
                            disp, info.format);

    /* 2. Clean bytes to publish, from one read of the source. */
    uint8_t *data = NULL;
    size_t len = 0;
    rc = read_source(src, disp, &data, &len);
    if (rc < 0)
        return rc;
    encoded_t e;
    memset(&e, 0, sizeof e);
    e.bytes = g_byte_array_new();
    rc = encode(data, len, info.format, disp, &e);
    g_free(data);
    if (rc == SK_OK && (e.width != info.width || e.height != info.height))
        rc = sk_error_set(SK_ERR_FORMAT, "%s: the file changed while it was being imported", disp);

    /* 3. Atomic publish. */
    sk_import_result_t r;
    memset(&r, 0, sizeof r);
    if (rc == SK_OK) {
        target_t t = {opts, view, disp};
        rc = publish(&t, &e, &r);
    }
    if (rc == SK_OK) {
        snprintf(r.view, sizeof r.view, "%s", view);
        r.width = e.width;
        r.height = e.height;
        snprintf(r.capture_date, sizeof r.capture_date, "%s", e.capture_date);
        gchar *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, e.bytes->data, e.bytes->len);
        snprintf(r.sha256, sizeof r.sha256, "%s", hex ? hex : "");
        g_free(hex);
        r.bytes = e.bytes->len;
        r.orientation = e.orientation;
        r.reencoded = e.reencoded;
        if (res)
            *res = r;
    }
    g_byte_array_unref(e.bytes);
    return rc;
}
