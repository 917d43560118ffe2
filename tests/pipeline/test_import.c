/* Import into the clinic library: private metadata removed (checked with
 * libexif and by searching the bytes), orientation applied, capture time
 * kept, no overwrite without --replace, nothing half-written, and the
 * command line's exit codes. Every input is generated here at test time. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libexif/exif-data.h>
#include <vips/vips.h>

#include "skintrack.h"
#include "plibrary.h"
#include "testutil.h"

#define BIN SK_BINARY_DIR "/skintrack"

static char tmp[256], clinic[512];

static void setup(void)
{
    cr_assert_eq(sk_pipeline_init("test_import"), SK_OK);
    cr_assert_not_null(sk_test_tmpdir(tmp, sizeof tmp));
    snprintf(clinic, sizeof clinic, "%s/clinic", tmp);
}

static void teardown(void)
{
    sk_test_rmtree(tmp);
}

/* ------------------------------------------------------------- helpers */

/* 64x48 RGB: a gradient with a white 16x16 block at the top-left corner, so
 * that a rotation is visible. */
static VipsImage *pattern(int w, int h, int depth16)
{
    size_t n = (size_t)w * h * 3;
    unsigned short *buf = malloc(n * sizeof *buf);
    double maxv = depth16 ? 65535.0 : 255.0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned short *p = buf + ((size_t)y * w + x) * 3;
            int block = x < 16 && y < 16;
            p[0] = (unsigned short)(block ? maxv : maxv * (0.1 + 0.3 * x / w));
            p[1] = (unsigned short)(block ? maxv : maxv * (0.1 + 0.3 * y / h));
            p[2] = (unsigned short)(block ? maxv : maxv * 0.2 + (x * 7 + y * 3) % 11);
        }
    VipsImage *m =
        vips_image_new_from_memory_copy(buf, n * sizeof *buf, w, h, 3, VIPS_FORMAT_USHORT);
    free(buf);
    cr_assert_not_null(m);
    VipsImage *out = NULL;
    cr_assert_eq(vips_cast(m, &out, depth16 ? VIPS_FORMAT_USHORT : VIPS_FORMAT_UCHAR, NULL), 0);
    g_object_unref(m);
    out->Type = depth16 ? VIPS_INTERPRETATION_RGB16 : VIPS_INTERPRETATION_sRGB;
    return out;
}

static void add_entry(ExifData *ed, ExifIfd ifd, ExifTag tag, ExifFormat fmt, unsigned long comps,
                      const void *data, size_t size)
{
    ExifEntry *e = exif_entry_new();
    cr_assert_not_null(e);
    e->tag = tag;
    e->format = fmt;
    e->components = comps;
    e->size = (unsigned)size;
    e->data = malloc(size); /* libexif's default allocator frees with free() */
    memcpy(e->data, data, size);
    exif_content_add_entry(ed->ifd[ifd], e);
    exif_entry_unref(e);
}

static void add_ascii(ExifData *ed, ExifIfd ifd, ExifTag tag, const char *s)
{
    add_entry(ed, ifd, tag, EXIF_FORMAT_ASCII, strlen(s) + 1, s, strlen(s) + 1);
}

static void add_short(ExifData *ed, ExifIfd ifd, ExifTag tag, unsigned v)
{
    unsigned char b[2];
    exif_set_short(b, EXIF_BYTE_ORDER_INTEL, (ExifShort)v);
    add_entry(ed, ifd, tag, EXIF_FORMAT_SHORT, 1, b, 2);
}

static void add_rational(ExifData *ed, ExifIfd ifd, ExifTag tag, const unsigned *nd, int count)
{
    unsigned char b[24];
    for (int i = 0; i < count; i++) {
        ExifRational r = {nd[2 * i], nd[2 * i + 1]};
        exif_set_rational(b + 8 * i, EXIF_BYTE_ORDER_INTEL, r);
    }
    add_entry(ed, ifd, tag, EXIF_FORMAT_RATIONAL, (unsigned long)count, b, 8 * (size_t)count);
}

/* An EXIF block full of things that must go, and of things that must stay.
 * Returns a malloc'd block with the "Exif\0\0" header. */
static unsigned char *private_exif(int orientation, unsigned *len)
{
    ExifData *ed = exif_data_new();
    exif_data_set_byte_order(ed, EXIF_BYTE_ORDER_INTEL);
    add_ascii(ed, EXIF_IFD_0, EXIF_TAG_MAKE, "Canon"); /* makes libexif parse the maker note */
    add_ascii(ed, EXIF_IFD_0, EXIF_TAG_MODEL, "TC-1");
    add_short(ed, EXIF_IFD_0, EXIF_TAG_ORIENTATION, (unsigned)orientation);
    add_ascii(ed, EXIF_IFD_0, EXIF_TAG_ARTIST, "Dr Artist Person");
    add_ascii(ed, EXIF_IFD_0, EXIF_TAG_IMAGE_DESCRIPTION, "Patient Jane Doe");
    add_ascii(ed, EXIF_IFD_0, EXIF_TAG_SOFTWARE, "PhoneOS 17.2 private build");
    add_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_ORIGINAL, "2026:01:12 09:41:03");
    add_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_DATE_TIME_DIGITIZED, "2026:01:12 09:41:03");
    add_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_OFFSET_TIME_ORIGINAL, "+01:00");
    unsigned expo[] = {1, 125}, fnum[] = {56, 10}, focal[] = {50, 1};
    add_rational(ed, EXIF_IFD_EXIF, EXIF_TAG_EXPOSURE_TIME, expo, 1);
    add_rational(ed, EXIF_IFD_EXIF, EXIF_TAG_FNUMBER, fnum, 1);
    add_rational(ed, EXIF_IFD_EXIF, EXIF_TAG_FOCAL_LENGTH, focal, 1);
    add_short(ed, EXIF_IFD_EXIF, EXIF_TAG_ISO_SPEED_RATINGS, 200);
    add_short(ed, EXIF_IFD_EXIF, EXIF_TAG_FLASH, 16);
    add_short(ed, EXIF_IFD_EXIF, EXIF_TAG_WHITE_BALANCE, 1);
    const char note[] = "MAKERNOTE-SECRET-0042-with-serial-SN998877";
    add_entry(ed, EXIF_IFD_EXIF, EXIF_TAG_MAKER_NOTE, EXIF_FORMAT_UNDEFINED, sizeof note, note,
              sizeof note);
    add_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_BODY_SERIAL_NUMBER, "BODYSERIAL123");
    add_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_LENS_SERIAL_NUMBER, "LENSSERIAL456");
    add_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_CAMERA_OWNER_NAME, "Jane Owner");
    add_ascii(ed, EXIF_IFD_EXIF, EXIF_TAG_IMAGE_UNIQUE_ID, "UNIQUEID0000000000000000000001");
    const char comment[] = "ASCII\0\0\0secret user comment";
    add_entry(ed, EXIF_IFD_EXIF, EXIF_TAG_USER_COMMENT, EXIF_FORMAT_UNDEFINED, sizeof comment,
              comment, sizeof comment);
    const unsigned char ver[4] = {2, 3, 0, 0};
    add_entry(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_VERSION_ID, EXIF_FORMAT_BYTE, 4, ver, 4);
    add_ascii(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LATITUDE_REF, "N");
    unsigned lat[] = {48, 1, 51, 1, 2437, 100};
    add_rational(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LATITUDE, lat, 3);
    add_ascii(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LONGITUDE_REF, "E");
    add_rational(ed, EXIF_IFD_GPS, EXIF_TAG_GPS_LONGITUDE, lat, 3);
    add_short(ed, EXIF_IFD_1, EXIF_TAG_COMPRESSION, 6);
    /* A thumbnail: a tiny JPEG whose bytes we can look for. */
    static const char thumb[] = "\xff\xd8THUMBNAIL-UNROTATED-PRIVATE\xff\xd9";
    ed->data = malloc(sizeof thumb);
    memcpy(ed->data, thumb, sizeof thumb);
    ed->size = sizeof thumb;
    unsigned char *buf = NULL;
    unsigned int n = 0;
    exif_data_save_data(ed, &buf, &n);
    exif_data_unref(ed);
    cr_assert_not_null(buf);
    *len = n;
    return buf;
}

static void put_segment(GByteArray *out, unsigned char marker, const void *payload, size_t len)
{
    unsigned char head[4] = {0xff, marker, (unsigned char)((len + 2) >> 8),
                             (unsigned char)((len + 2) & 0xff)};
    g_byte_array_append(out, head, 4);
    g_byte_array_append(out, payload, (guint)len);
}

static const char xmp[] = "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>XMP-GPS-SECRET</x:xmpmeta>";
static const char iptc[] = "Photoshop 3.0\0IPTC-SECRET-BYLINE";
static const char com[] = "COM-SECRET-COMMENT";

/* Write a JPEG with our private EXIF (and an ICC profile, XMP, IPTC and a
 * comment) at tmp/name. */
static void write_private_jpeg(const char *name, int orientation, int w, int h, char *path,
                               size_t len)
{
    VipsImage *im = pattern(w, h, 0);
    VipsBlob *icc = NULL;
    cr_assert_eq(vips_profile_load("srgb", &icc, NULL), 0);
    size_t icc_len;
    const void *icc_data = vips_blob_get(icc, &icc_len);
    vips_image_set_blob_copy(im, VIPS_META_ICC_NAME, icc_data, icc_len);
    vips_area_unref(VIPS_AREA(icc));
    void *jpeg = NULL;
    size_t jpeg_len = 0;
    /* libvips writes the ICC profile (and an EXIF of its own, which the
     * loop below drops); everything private is added by hand. */
    cr_assert_eq(vips_jpegsave_buffer(im, &jpeg, &jpeg_len, "Q", 90, NULL), 0);
    g_object_unref(im);
    unsigned exif_len;
    unsigned char *exif = private_exif(orientation, &exif_len);
    GByteArray *out = g_byte_array_new();
    const unsigned char *j = jpeg;
    g_byte_array_append(out, j, 2);
    put_segment(out, 0xe1, exif, exif_len);
    put_segment(out, 0xe1, xmp, sizeof xmp);
    put_segment(out, 0xed, iptc, sizeof iptc);
    put_segment(out, 0xfe, com, sizeof com);
    /* Copy libvips' segments, leaving out its APP1 (EXIF). */
    size_t p = 2;
    while (p + 4 <= jpeg_len && j[p] == 0xff && j[p + 1] != 0xda) {
        size_t seg = ((size_t)j[p + 2] << 8 | j[p + 3]) + 2;
        if (j[p + 1] != 0xe1)
            g_byte_array_append(out, j + p, (guint)seg);
        p += seg;
    }
    g_byte_array_append(out, j + p, (guint)(jpeg_len - p));
    /* Trailing data after EOI (like an MPF second image). */
    static const char trailer[] = "TRAILING-SECRET-AFTER-EOI";
    g_byte_array_append(out, (const guint8 *)trailer, sizeof trailer);
    sk_test_write_file(tmp, name, out->data, out->len, path, len);
    free(exif);
    g_free(jpeg);
    g_byte_array_unref(out);
}

static unsigned char *slurp(const char *path, size_t *len)
{
    gchar *data = NULL;
    gsize n = 0;
    cr_assert(g_file_get_contents(path, &data, &n, NULL), "cannot read %s", path);
    *len = n;
    return (unsigned char *)data;
}

static int contains(const unsigned char *hay, size_t n, const char *needle)
{
    return memmem(hay, n, needle, strlen(needle)) != NULL;
}

static void no_secrets(const char *path)
{
    size_t n;
    unsigned char *d = slurp(path, &n);
    const char *secrets[] = {
        "MAKERNOTE-SECRET", "BODYSERIAL123",       "LENSSERIAL456",  "Jane Owner",
        "UNIQUEID000",      "secret user comment", "Dr Artist",      "Jane Doe",
        "PhoneOS",          "THUMBNAIL-UNROTATED", "XMP-GPS-SECRET", "http://ns.adobe.com/xap",
        "IPTC-SECRET",      "Photoshop 3.0",       "COM-SECRET",     "TRAILING-SECRET"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        cr_expect(!contains(d, n, secrets[i]), "%s still holds '%s'", path, secrets[i]);
    g_free(d);
}

/* EXIF of the imported JPEG, read with every tag libexif sees. */
static ExifData *read_exif(const char *path)
{
    size_t n;
    unsigned char *d = slurp(path, &n);
    ExifData *ed = exif_data_new();
    exif_data_unset_option(ed, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_load_data(ed, d, (unsigned)n);
    g_free(d);
    return ed;
}

static void check_clean_exif(ExifData *ed)
{
    cr_expect_eq(ed->ifd[EXIF_IFD_GPS]->count, 0, "GPS IFD left");
    cr_expect_eq(ed->ifd[EXIF_IFD_1]->count, 0, "thumbnail IFD left");
    cr_expect_eq(ed->size, 0, "thumbnail left");
    const ExifTag gone[] = {EXIF_TAG_MAKER_NOTE,
                            EXIF_TAG_BODY_SERIAL_NUMBER,
                            EXIF_TAG_LENS_SERIAL_NUMBER,
                            EXIF_TAG_CAMERA_OWNER_NAME,
                            EXIF_TAG_IMAGE_UNIQUE_ID,
                            EXIF_TAG_USER_COMMENT,
                            EXIF_TAG_ARTIST,
                            EXIF_TAG_IMAGE_DESCRIPTION,
                            EXIF_TAG_SOFTWARE};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        cr_expect_null(exif_data_get_entry(ed, gone[i]), "tag 0x%04x left", gone[i]);
    ExifEntry *e = exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_DATE_TIME_ORIGINAL);
    cr_assert_not_null(e, "DateTimeOriginal lost");
    cr_expect_str_eq((const char *)e->data, "2026:01:12 09:41:03");
    cr_expect_not_null(exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_EXPOSURE_TIME));
    cr_expect_not_null(exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_FNUMBER));
    cr_expect_not_null(exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_ISO_SPEED_RATINGS));
    cr_expect_not_null(exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_FOCAL_LENGTH));
    cr_expect_not_null(exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_FLASH));
    cr_expect_not_null(exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_WHITE_BALANCE));
    cr_expect_not_null(
        exif_content_get_entry(ed->ifd[EXIF_IFD_EXIF], EXIF_TAG_OFFSET_TIME_ORIGINAL));
    ExifEntry *o = exif_content_get_entry(ed->ifd[EXIF_IFD_0], EXIF_TAG_ORIENTATION);
    if (o)
        cr_expect_eq(exif_get_short(o->data, exif_data_get_byte_order(ed)), 1);
}

static void opts_for(sk_import_opts_t *o, const char *patient, const char *session)
{
    sk_import_opts_default(o);
    o->clinic = clinic;
    o->patient = patient;
    o->session = session;
}

/* Names in a folder (hidden ones included), "" when it does not exist. */
static void list_names(const char *dir, char *out, size_t len)
{
    out[0] = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            g_ptr_array_add(names, g_strdup(e->d_name));
    closedir(d);
    g_ptr_array_sort(names, (GCompareFunc)sk_library_strcmp_p);
    for (guint i = 0; i < names->len; i++) {
        size_t k = strlen(out);
        snprintf(out + k, len - k, "%s%s", k ? " " : "", (char *)names->pdata[i]);
    }
    g_ptr_array_unref(names);
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Pixel (x, y) channel 0 of a file, through libvips. */
static double pixel(const char *path, int x, int y)
{
    VipsImage *im = vips_image_new_from_file(path, NULL);
    cr_assert_not_null(im);
    double *v = NULL;
    int n = 0;
    cr_assert_eq(vips_getpoint(im, &v, &n, x, y, NULL), 0);
    double r = v[0];
    g_free(v);
    g_object_unref(im);
    return r;
}

/* 1 when every component of the JPEG's frame has sampling factors 1x1
 * (4:4:4, no chroma subsampling). */
static int jpeg_is_444(const char *path)
{
    size_t n;
    unsigned char *d = slurp(path, &n);
    int ok = 0;
    for (size_t i = 2; i + 4 <= n && d[i] == 0xff;) {
        unsigned m = d[i + 1];
        size_t len = (size_t)d[i + 2] << 8 | d[i + 3];
        if (m == 0xc0 || m == 0xc1 || m == 0xc2) {
            int comps = d[i + 9];
            ok = 1;
            for (int k = 0; k < comps; k++)
                ok &= d[i + 11 + 3 * k] == 0x11;
            break;
        }
        i += 2 + len;
    }
    g_free(d);
    return ok;
}

/* -------------------------------------------------------------- import */

TestSuite(import, .init = setup, .fini = teardown);

Test(import, strips_private_metadata_and_applies_orientation)
{
    char src[512];
    write_private_jpeg("front.jpg", 6, 64, 48, src, sizeof src);
    size_t n;
    unsigned char *d = slurp(src, &n);
    cr_assert(contains(d, n, "BODYSERIAL123") && contains(d, n, "XMP-GPS-SECRET") &&
                  contains(d, n, "THUMBNAIL-UNROTATED"),
              "the test source lacks its planted secrets");
    g_free(d);

    sk_import_opts_t o;
    opts_for(&o, "P0042", "2026-01-12");
    sk_import_result_t r;
    cr_assert_eq(sk_import_file(&o, src, &r), SK_OK, "%s", sk_error_message());
    char want[700];
    snprintf(want, sizeof want, "%s/P0042/2026-01-12/front.jpg", clinic);
    cr_expect_str_eq(r.path, want);
    cr_expect_str_eq(r.relpath, "P0042/2026-01-12/front.jpg");
    cr_expect_str_eq(r.view, "front");
    cr_expect_eq(r.width, 48, "rotated width %d", r.width);
    cr_expect_eq(r.height, 64);
    cr_expect_eq(r.orientation, 6);
    cr_expect_eq(r.reencoded, 1);
    cr_expect_str_eq(r.capture_date, "2026-01-12T09:41:03+01:00");
    cr_expect_eq(r.replaced, 0);

    /* Orientation 6: the stored top-left block is displayed top-right. */
    cr_expect_gt(pixel(r.path, 40, 8), 200.0);
    cr_expect_lt(pixel(r.path, 8, 8), 150.0);
    VipsImage *im = vips_image_new_from_file(r.path, NULL);
    cr_assert_not_null(im);
    cr_expect_eq(im->Xsize, 48);
    cr_expect_eq(im->Ysize, 64);
    cr_expect_eq(vips_image_get_orientation(im), 1);
    cr_expect(vips_image_get_typeof(im, VIPS_META_ICC_NAME) != 0, "ICC profile lost");
    cr_expect(jpeg_is_444(r.path), "re-encoded with chroma subsampling");
    g_object_unref(im);

    ExifData *ed = read_exif(r.path);
    check_clean_exif(ed);
    exif_data_unref(ed);
    no_secrets(r.path);

    /* The result's digest is the file's. */
    d = slurp(r.path, &n);
    gchar *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, d, n);
    cr_expect_str_eq(r.sha256, hex);
    cr_expect_eq(r.bytes, n);
    g_free(hex);
    g_free(d);
}

/* From the first SOS marker to the end of the entropy data. */
static const unsigned char *scan_data(const unsigned char *d, size_t n, size_t *len)
{
    for (size_t i = 2; i + 1 < n; i++)
        if (d[i] == 0xff && d[i + 1] == 0xda) {
            const unsigned char *eoi = NULL;
            for (size_t k = n - 2; k > i; k--)
                if (d[k] == 0xff && d[k + 1] == 0xd9) {
                    eoi = d + k;
                    break;
                }
            cr_assert_not_null(eoi);
            *len = (size_t)(eoi - (d + i));
            return d + i;
        }
    cr_assert_fail("no SOS");
    return NULL;
}

Test(import, upright_jpeg_keeps_its_compressed_data)
{
    char src[512];
    write_private_jpeg("front.jpg", 1, 64, 48, src, sizeof src);
    sk_import_opts_t o;
    opts_for(&o, "P1", "2026-02-16-followup");
    sk_import_result_t r;
    cr_assert_eq(sk_import_file(&o, src, &r), SK_OK, "%s", sk_error_message());
    cr_expect_eq(r.reencoded, 0);
    cr_expect_eq(r.width, 64);
    cr_expect_eq(r.height, 48);
    size_t na, nb, la, lb;
    unsigned char *a = slurp(src, &na), *b = slurp(r.path, &nb);
    /* The source ends with a trailer after its EOI; the scan data of both
     * are compared up to their last EOI (the source's is before the trailer). */
    const unsigned char *sa = scan_data(a, na - 26, &la), *sb = scan_data(b, nb, &lb);
    cr_expect_eq(la, lb);
    cr_expect(la == lb && memcmp(sa, sb, la) == 0, "compressed data changed");
    /* Tables and frame header are there too: the pixels decode identically. */
    VipsImage *x = vips_image_new_from_file(src, NULL), *y = vips_image_new_from_file(r.path, NULL);
    VipsImage *diff = NULL;
    double mx = -1;
    cr_assert_eq(vips_subtract(x, y, &diff, NULL), 0);
    cr_assert_eq(vips_max(diff, &mx, NULL), 0);
    cr_expect_eq(mx, 0.0, "pixels differ");
    g_object_unref(diff);
    g_object_unref(x);
    g_object_unref(y);
    g_free(a);
    g_free(b);
    ExifData *ed = read_exif(r.path);
    check_clean_exif(ed);
    exif_data_unref(ed);
    no_secrets(r.path);
}

Test(import, no_overwrite_without_replace)
{
    char src[512], other[512];
    write_private_jpeg("front.jpg", 1, 64, 48, src, sizeof src);
    write_private_jpeg("second.jpg", 1, 32, 40, other, sizeof other);
    sk_import_opts_t o;
    opts_for(&o, "P2", "2026-01-12");
    sk_import_result_t r1, r2;
    cr_assert_eq(sk_import_file(&o, src, &r1), SK_OK, "%s", sk_error_message());
    o.view = "front";
    cr_expect_eq(sk_import_file(&o, other, &r2), SK_ERR_EXISTS);
    cr_expect_not_null(strstr(sk_error_message(), "--replace"), "%s", sk_error_message());
    cr_expect_not_null(strstr(sk_error_message(), "already exists"));
    size_t n;
    unsigned char *d = slurp(r1.path, &n);
    gchar *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, d, n);
    cr_expect_str_eq(hex, r1.sha256, "the existing photo changed");
    g_free(hex);
    g_free(d);

    o.replace = 1;
    cr_assert_eq(sk_import_file(&o, other, &r2), SK_OK, "%s", sk_error_message());
    cr_expect_eq(r2.replaced, 1);
    cr_expect_eq(r2.width, 32);
    cr_expect_str_neq(r2.sha256, r1.sha256);
    char dir[700], names[1024];
    snprintf(dir, sizeof dir, "%s/P2/2026-01-12", clinic);
    list_names(dir, names, sizeof names);
    cr_expect_str_eq(names, "front.jpg", "left: %s", names);
}

Test(import, same_view_with_another_extension)
{
    char jpg[512], png[512];
    write_private_jpeg("front.jpg", 1, 64, 48, jpg, sizeof jpg);
    VipsImage *im = pattern(30, 20, 1);
    snprintf(png, sizeof png, "%s/front.png", tmp);
    cr_assert_eq(vips_image_write_to_file(im, png, NULL), 0);
    g_object_unref(im);
    sk_import_opts_t o;
    opts_for(&o, "P3", "2026-01-12");
    sk_import_result_t r;
    cr_assert_eq(sk_import_file(&o, jpg, &r), SK_OK, "%s", sk_error_message());
    cr_expect_eq(sk_import_file(&o, png, &r), SK_ERR_EXISTS);
    cr_expect_not_null(strstr(sk_error_message(), "front.jpg already exists"), "%s",
                       sk_error_message());
    o.replace = 1;
    cr_assert_eq(sk_import_file(&o, png, &r), SK_OK, "%s", sk_error_message());
    char dir[700], names[1024];
    snprintf(dir, sizeof dir, "%s/P3/2026-01-12", clinic);
    list_names(dir, names, sizeof names);
    cr_expect_str_eq(names, "front.png", "the view must stay unambiguous: %s", names);
}

Test(import, png_is_lossless_and_16_bit_stays_16_bit)
{
    VipsImage *im = pattern(64, 48, 1);
    char src[512];
    snprintf(src, sizeof src, "%s/left.png", tmp);
    cr_assert_eq(vips_image_write_to_file(im, src, NULL), 0);
    sk_import_opts_t o;
    opts_for(&o, "P4", "2026-03-01");
    sk_import_result_t r;
    cr_assert_eq(sk_import_file(&o, src, &r), SK_OK, "%s", sk_error_message());
    cr_expect_str_eq(r.relpath, "P4/2026-03-01/left.png");
    cr_expect_eq(r.reencoded, 1);
    cr_expect_str_empty(r.capture_date);
    VipsImage *back = vips_image_new_from_file(r.path, NULL), *diff = NULL;
    cr_assert_not_null(back);
    cr_expect_eq(back->BandFmt, VIPS_FORMAT_USHORT);
    double mx = -1, mn = 1;
    cr_assert_eq(vips_subtract(im, back, &diff, NULL), 0);
    cr_assert_eq(vips_max(diff, &mx, NULL), 0);
    cr_assert_eq(vips_min(diff, &mn, NULL), 0);
    cr_expect(mx == 0.0 && mn == 0.0, "PNG import changed pixels (%g..%g)", mn, mx);
    g_object_unref(diff);
    g_object_unref(back);
    g_object_unref(im);
}

/* A PNG whose EXIF (eXIf chunk) holds the same private tags. */
Test(import, png_exif_is_cleaned_too)
{
    VipsImage *im = pattern(64, 48, 0);
    void *png = NULL;
    size_t png_len = 0;
    cr_assert_eq(vips_pngsave_buffer(im, &png, &png_len, NULL), 0);
    g_object_unref(im);
    unsigned exif_len;
    unsigned char *exif = private_exif(1, &exif_len);
    GByteArray *with = g_byte_array_new();
    cr_assert_eq(sk_png_rewrite(png, png_len, exif, exif_len, with), SK_OK);
    char src[512];
    sk_test_write_file(tmp, "cheek-left.png", with->data, with->len, src, sizeof src);
    size_t n;
    unsigned char *d = slurp(src, &n);
    cr_assert(contains(d, n, "BODYSERIAL123"), "the source lacks its eXIf chunk");
    g_free(d);
    sk_import_opts_t o;
    opts_for(&o, "P5", "2026-03-01");
    sk_import_result_t r;
    cr_assert_eq(sk_import_file(&o, src, &r), SK_OK, "%s", sk_error_message());
    cr_expect_str_eq(r.capture_date, "2026-01-12T09:41:03+01:00");
    no_secrets(r.path);
    d = slurp(r.path, &n);
    cr_expect(contains(d, n, "2026:01:12 09:41:03"), "capture time lost");
    cr_expect(contains(d, n, "eXIf"));
    g_free(d);
    free(exif);
    g_free(png);
    g_byte_array_unref(with);
}

Test(import, other_formats_become_png)
{
    VipsImage *im = pattern(40, 30, 0);
    char tif[512], webp[512];
    snprintf(tif, sizeof tif, "%s/right.tif", tmp);
    snprintf(webp, sizeof webp, "%s/left.webp", tmp);
    cr_assert_eq(vips_image_write_to_file(im, tif, NULL), 0);
    cr_assert_eq(vips_webpsave(im, webp, "lossless", TRUE, NULL), 0);
    g_object_unref(im);
    sk_import_opts_t o;
    opts_for(&o, "P6", "2026-03-01");
    sk_import_result_t r;
    cr_assert_eq(sk_import_file(&o, tif, &r), SK_OK, "%s", sk_error_message());
    cr_expect_str_eq(r.relpath, "P6/2026-03-01/right.png");
    cr_assert_eq(sk_import_file(&o, webp, &r), SK_OK, "%s", sk_error_message());
    cr_expect_str_eq(r.relpath, "P6/2026-03-01/left.png");
    int expected = 2;
    /* HEIF/AVIF when this libvips can write one to test with. */
    char avif[512];
    snprintf(avif, sizeof avif, "%s/cheek-right.avif", tmp);
    im = pattern(40, 30, 0);
    if (vips_heifsave(im, avif, "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1, NULL) == 0) {
        cr_assert_eq(sk_import_file(&o, avif, &r), SK_OK, "%s", sk_error_message());
        cr_expect_str_eq(r.relpath, "P6/2026-03-01/cheek-right.png");
        cr_expect_eq(r.width, 40);
        expected++;
    } else {
        cr_log_warn("no AVIF encoder: HEIF import not tested");
        vips_error_clear();
    }
    g_object_unref(im);
    sk_photo_ref_t *refs = NULL;
    size_t n = 0;
    cr_assert_eq(sk_library_scan(clinic, NULL, &refs, &n, NULL, NULL), SK_OK);
    cr_expect_eq(n, (size_t)expected);
    free(refs);
}

Test(import, bad_files_leave_nothing)
{
    char p[512];
    sk_import_opts_t o;
    opts_for(&o, "P7", "2026-01-12");
    sk_import_result_t r;
    /* Text, empty, truncated JPEG, missing. */
    sk_test_write_file(tmp, "front.jpg", "not a photo\n", 12, p, sizeof p);
    cr_expect_eq(sk_import_file(&o, p, &r), SK_ERR_FORMAT);
    cr_expect_not_null(strstr(sk_error_message(), "front.jpg: "), "%s", sk_error_message());
    sk_test_write_file(tmp, "left.jpg", "", 0, p, sizeof p);
    cr_expect_lt(sk_import_file(&o, p, &r), 0);
    char full[512];
    write_private_jpeg("whole.jpg", 1, 64, 48, full, sizeof full);
    size_t n;
    unsigned char *d = slurp(full, &n);
    sk_test_write_file(tmp, "right.jpg", d, n / 2, p, sizeof p);
    g_free(d);
    cr_expect_eq(sk_import_file(&o, p, &r), SK_ERR_FORMAT, "truncated: %s", sk_error_message());
    snprintf(p, sizeof p, "%s/nothere.jpg", tmp);
    cr_expect_eq(sk_import_file(&o, p, &r), SK_ERR_NOT_FOUND);
    /* Over the pixel limit. */
    o.max_megapixels = 0.001;
    cr_expect_eq(sk_import_file(&o, full, &r), SK_ERR_TOO_LARGE);
    cr_expect_not_null(strstr(sk_error_message(), "megapixels"));
    /* Nothing at all was created: not even the clinic folder. */
    cr_expect(!exists(clinic), "a failed import left %s", clinic);
}

Test(import, no_temporary_files_after_success_or_failure)
{
    char src[512], dir[700], names[1024];
    write_private_jpeg("front.jpg", 6, 64, 48, src, sizeof src);
    sk_import_opts_t o;
    opts_for(&o, "P8", "2026-01-12");
    sk_import_result_t r;
    cr_assert_eq(sk_import_file(&o, src, &r), SK_OK, "%s", sk_error_message());
    cr_expect_eq(sk_import_file(&o, src, &r), SK_ERR_EXISTS);
    snprintf(dir, sizeof dir, "%s/P8/2026-01-12", clinic);
    list_names(dir, names, sizeof names);
    cr_expect_str_eq(names, "front.jpg", "session folder holds: %s", names);
    list_names(clinic, names, sizeof names);
    cr_expect_str_eq(names, "P8");
}

Test(import, view_rules)
{
    char src[512], odd[512];
    write_private_jpeg("front.jpg", 1, 64, 48, src, sizeof src);
    write_private_jpeg("IMG 1234.jpg", 1, 64, 48, odd, sizeof odd);
    sk_import_opts_t o;
    opts_for(&o, "P9", "2026-01-12");
    sk_import_result_t r;
    cr_expect_eq(sk_import_file(&o, odd, &r), SK_ERR_ARG);
    cr_expect_not_null(strstr(sk_error_message(), "--view"), "%s", sk_error_message());
    o.view = "cheek-left";
    cr_assert_eq(sk_import_file(&o, odd, &r), SK_OK, "%s", sk_error_message());
    cr_expect_str_eq(r.relpath, "P9/2026-01-12/cheek-left.jpg");
    o.view = "front.mask";
    cr_expect_eq(sk_import_file(&o, src, &r), SK_ERR_ARG);
    o.view = "../x";
    cr_expect_eq(sk_import_file(&o, src, &r), SK_ERR_ARG);
    o.view = NULL;
    o.patient = "../P9";
    cr_expect_eq(sk_import_file(&o, src, &r), SK_ERR_ARG);
    cr_expect_not_null(strstr(sk_error_message(), "patient id"));
    o.patient = "P9";
    o.session = "2026-02-30";
    cr_expect_eq(sk_import_file(&o, src, &r), SK_ERR_ARG);
    cr_expect_not_null(strstr(sk_error_message(), "calendar"));
}

Test(import, folders_that_are_links_or_files_are_refused)
{
    char src[512], target[600], link[600];
    write_private_jpeg("front.jpg", 1, 64, 48, src, sizeof src);
    cr_assert_eq(mkdir(clinic, 0755), 0);
    snprintf(target, sizeof target, "%s/elsewhere", tmp);
    cr_assert_eq(mkdir(target, 0755), 0);
    snprintf(link, sizeof link, "%s/PL", clinic);
    cr_assert_eq(symlink(target, link), 0);
    sk_import_opts_t o;
    opts_for(&o, "PL", "2026-01-12");
    sk_import_result_t r;
    cr_expect_eq(sk_import_file(&o, src, &r), SK_ERR_ARG);
    cr_expect_not_null(strstr(sk_error_message(), "symbolic link"), "%s", sk_error_message());
    char names[1024];
    list_names(target, names, sizeof names);
    cr_expect_str_empty(names, "written through the link: %s", names);

    /* A session link inside a real patient folder. */
    char pdir[600];
    snprintf(pdir, sizeof pdir, "%s/PS", clinic);
    cr_assert_eq(mkdir(pdir, 0755), 0);
    snprintf(link, sizeof link, "%s/PS/2026-01-12", clinic);
    cr_assert_eq(symlink(target, link), 0);
    o.patient = "PS";
    cr_expect_eq(sk_import_file(&o, src, &r), SK_ERR_ARG);
    cr_expect_not_null(strstr(sk_error_message(), "symbolic link"), "%s", sk_error_message());

    /* A patient "folder" that is a file. */
    sk_test_write_file(clinic, "PF", "x", 1, link, sizeof link);
    o.patient = "PF";
    cr_expect_eq(sk_import_file(&o, src, &r), SK_ERR_ARG);
    cr_expect_not_null(strstr(sk_error_message(), "not a folder"), "%s", sk_error_message());
}

Test(import, clinic_folder_created_only_under_an_existing_parent)
{
    char src[512];
    write_private_jpeg("front.jpg", 1, 64, 48, src, sizeof src);
    sk_import_opts_t o;
    opts_for(&o, "P1", "2026-01-12");
    sk_import_result_t r;
    cr_assert_eq(sk_import_file(&o, src, &r), SK_OK, "%s", sk_error_message());
    cr_expect(exists(r.path));
    char deep[600];
    snprintf(deep, sizeof deep, "%s/no/such/clinic", tmp);
    o.clinic = deep;
    cr_expect_eq(sk_import_file(&o, src, &r), SK_ERR_NOT_FOUND);
    cr_expect_not_null(strstr(sk_error_message(), "parent"), "%s", sk_error_message());
    /* A clinic that is a file. */
    char file[600];
    sk_test_write_file(tmp, "clinic-file", "x", 1, file, sizeof file);
    o.clinic = file;
    cr_expect_eq(sk_import_file(&o, src, &r), SK_ERR_ARG);
}

/* ------------------------------------------------------------- rewriters */

Test(rewrite, jpeg_refuses_malformed_streams)
{
    GByteArray *out = g_byte_array_new();
    const unsigned char not_jpeg[] = "hello world";
    cr_expect_eq(sk_jpeg_rewrite(not_jpeg, sizeof not_jpeg, NULL, 0, out), SK_ERR_FORMAT);
    const unsigned char cut[] = {0xff, 0xd8, 0xff, 0xe0, 0x00, 0x40, 'J', 'F'};
    cr_expect_eq(sk_jpeg_rewrite(cut, sizeof cut, NULL, 0, out), SK_ERR_FORMAT);
    const unsigned char no_frame[] = {0xff, 0xd8, 0xff, 0xd9};
    cr_expect_eq(sk_jpeg_rewrite(no_frame, sizeof no_frame, NULL, 0, out), SK_ERR_FORMAT);
    cr_expect_eq(out->len, 0, "nothing written on failure");
    g_byte_array_unref(out);
}

Test(rewrite, png_refuses_malformed_streams)
{
    GByteArray *out = g_byte_array_new();
    const unsigned char sig_only[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    cr_expect_eq(sk_png_rewrite(sig_only, sizeof sig_only, NULL, 0, out), SK_ERR_FORMAT);
    cr_expect_eq(out->len, 0);
    g_byte_array_unref(out);
}

/* ------------------------------------------------------------- the binary */

typedef sk_test_run_t run_t;

/* The binary, killed after 120 s (sanitizer builds are slow). */
static void run(run_t *r, char *const argv[])
{
    sk_test_run(BIN, argv, 120.0, r);
}

#define count_lines sk_test_count_lines

static void usage_error(char *const argv[], const char *needle)
{
    run_t *r = calloc(1, sizeof *r);
    run(r, argv);
    cr_expect_eq(r->status, 2, "exit %d, stderr %s", r->status, r->err);
    cr_expect_not_null(strstr(r->err, needle), "stderr '%s' lacks '%s'", r->err, needle);
    cr_expect_not_null(strstr(r->err, "Usage: skintrack import"), "%s", r->err);
    cr_expect_str_empty(r->out);
    free(r);
}

TestSuite(cli_import, .init = setup, .fini = teardown);

Test(cli_import, usage_errors_exit_two)
{
    char src[512];
    write_private_jpeg("front.jpg", 1, 64, 48, src, sizeof src);
    usage_error((char *[]){"skintrack", "import", NULL}, "no clinic");
    usage_error((char *[]){"skintrack", "import", clinic, "--session", "2026-01-12", src, NULL},
                "--patient ID is required");
    usage_error((char *[]){"skintrack", "import", clinic, "--patient", "P1", src, NULL},
                "--session DATE is required");
    usage_error((char *[]){"skintrack", "import", clinic, "--patient", "../P1", "--session",
                           "2026-01-12", src, NULL},
                "--patient '../P1': contains '/'");
    usage_error((char *[]){"skintrack", "import", clinic, "--patient", "..", "--session",
                           "2026-01-12", src, NULL},
                "--patient '..'");
    usage_error((char *[]){"skintrack", "import", clinic, "--patient", "P1", "--session",
                           "2026-02-30", src, NULL},
                "not a calendar date");
    usage_error((char *[]){"skintrack", "import", clinic, "--patient", "P1", "--session",
                           "2026-01-12", "--view", "front.mask", src, NULL},
                "--view 'front.mask'");
    usage_error((char *[]){"skintrack", "import", clinic, "--patient", "P1", "--session",
                           "2026-01-12", NULL},
                "no photo");
    usage_error((char *[]){"skintrack", "import", clinic, "--patient", "P1", "--session",
                           "2026-01-12", "--view", "front", src, src, NULL},
                "--view names a single photo");
    usage_error((char *[]){"skintrack", "import", clinic, "--patient", "P1", "--session",
                           "2026-01-12", "--bogus", src, NULL},
                "unknown option");
    usage_error((char *[]){"skintrack", "import", clinic, "--patient", NULL}, "needs a value");
    usage_error((char *[]){"skintrack", "import", clinic, "--patient", "P1", "--session",
                           "2026-01-12", "--max-megapixels", "lots", src, NULL},
                "--max-megapixels");
    cr_expect(!exists(clinic), "a usage error created the clinic");
}

Test(cli_import, imports_and_reports_each_file)
{
    char front[512], left[512], bad[512];
    write_private_jpeg("front.jpg", 6, 64, 48, front, sizeof front);
    write_private_jpeg("left.jpg", 1, 64, 48, left, sizeof left);
    sk_test_write_file(tmp, "right.jpg", "junk", 4, bad, sizeof bad);
    run_t *r = calloc(1, sizeof *r);
    run(r, (char *[]){"skintrack", "import", clinic, "--patient", "P0042", "--session",
                      "2026-01-12", front, bad, left, NULL});
    cr_expect_eq(r->status, 1, "one bad file: exit 1 (%s)", r->err);
    cr_expect_eq(count_lines(r->out), 2, "%s", r->out);
    cr_expect_not_null(strstr(r->out, "imported P0042/2026-01-12/front.jpg (48x64, "), "%s",
                       r->out);
    cr_expect_not_null(strstr(r->out, "imported P0042/2026-01-12/left.jpg (64x48, "), "%s", r->out);
    cr_expect_not_null(strstr(r->out, " MB)"));
    char prefix[700];
    snprintf(prefix, sizeof prefix, "skintrack: %s: ", bad);
    cr_expect_eq(count_lines(r->err), 1, "%s", r->err);
    cr_expect_eq(strncmp(r->err, prefix, strlen(prefix)), 0, "%s", r->err);

    /* Again: both exist now; the message says how to replace. */
    run(r, (char *[]){"skintrack", "import", clinic, "--patient", "P0042", "--session",
                      "2026-01-12", front, NULL});
    cr_expect_eq(r->status, 1);
    cr_expect_not_null(strstr(r->err, "use --replace"), "%s", r->err);
    cr_expect_str_empty(r->out);

    /* Options after the files, and --replace. */
    run(r, (char *[]){"skintrack", "import", clinic, front, "--replace", "--patient", "P0042",
                      "--session", "2026-01-12", NULL});
    cr_expect_eq(r->status, 0, "%s", r->err);
    cr_expect_not_null(strstr(r->out, "imported P0042/2026-01-12/front.jpg"), "%s", r->out);
    cr_expect_str_empty(r->err);

    /* A file name that is not a view: exit 1 and a hint. */
    char odd[512];
    write_private_jpeg("IMG_0001 copy.jpg", 1, 64, 48, odd, sizeof odd);
    run(r, (char *[]){"skintrack", "import", clinic, "--patient", "P0042", "--session",
                      "2026-01-12", odd, NULL});
    cr_expect_eq(r->status, 1);
    cr_expect_not_null(strstr(r->err, "--view"), "%s", r->err);
    run(r, (char *[]){"skintrack", "import", clinic, "--patient", "P0042", "--session",
                      "2026-01-12", "--view", "cheek-left", odd, NULL});
    cr_expect_eq(r->status, 0, "%s", r->err);
    free(r);
}
