/* Metadata made safe to publish on import: the EXIF block is filtered
 * through a keep-list with libexif, and the JPEG / PNG containers are
 * rewritten segment by segment (chunk by chunk) so that nothing else that
 * may identify a patient or a device (GPS, XMP, IPTC, comments, thumbnails,
 * maker segments) reaches the library. Policy: docs/LIBRARY.md. */
#include "skintrack.h"
#include "plibrary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <libexif/exif-data.h>

/* ----------------------------------------------------------- EXIF keep-list */

/* A keep-list rather than a remove-list: a tag nobody thought of (a new
 * vendor's serial number, a free-text field) is dropped by default. */
static const ExifTag keep_ifd0[] = {
    0x010f, /* Make */
    0x0110, /* Model */
    0x0112, /* Orientation (rewritten to 1) */
    0x011a, /* XResolution */
    0x011b, /* YResolution */
    0x0128, /* ResolutionUnit */
    0x0132, /* DateTime */
    0x0213, /* YCbCrPositioning */
};

static const ExifTag keep_exif[] = {
    0x829a, /* ExposureTime */
    0x829d, /* FNumber */
    0x8822, /* ExposureProgram */
    0x8827, /* PhotographicSensitivity (ISO) */
    0x8830, /* SensitivityType */
    0x8831, /* StandardOutputSensitivity */
    0x8832, /* RecommendedExposureIndex */
    0x8833, /* ISOSpeed */
    0x9000, /* ExifVersion */
    0x9003, /* DateTimeOriginal */
    0x9004, /* DateTimeDigitized */
    0x9010, /* OffsetTime */
    0x9011, /* OffsetTimeOriginal */
    0x9012, /* OffsetTimeDigitized */
    0x9101, /* ComponentsConfiguration */
    0x9201, /* ShutterSpeedValue */
    0x9202, /* ApertureValue */
    0x9203, /* BrightnessValue */
    0x9204, /* ExposureBiasValue */
    0x9205, /* MaxApertureValue */
    0x9206, /* SubjectDistance */
    0x9207, /* MeteringMode */
    0x9208, /* LightSource */
    0x9209, /* Flash */
    0x920a, /* FocalLength */
    0x9290, /* SubSecTime */
    0x9291, /* SubSecTimeOriginal */
    0x9292, /* SubSecTimeDigitized */
    0xa000, /* FlashpixVersion */
    0xa001, /* ColorSpace */
    0xa002, /* PixelXDimension (rewritten) */
    0xa003, /* PixelYDimension (rewritten) */
    0xa20e, /* FocalPlaneXResolution */
    0xa20f, /* FocalPlaneYResolution */
    0xa210, /* FocalPlaneResolutionUnit */
    0xa215, /* ExposureIndex */
    0xa217, /* SensingMethod */
    0xa401, /* CustomRendered */
    0xa402, /* ExposureMode */
    0xa403, /* WhiteBalance */
    0xa404, /* DigitalZoomRatio */
    0xa405, /* FocalLengthIn35mmFilm */
    0xa406, /* SceneCaptureType */
    0xa407, /* GainControl */
    0xa408, /* Contrast */
    0xa409, /* Saturation */
    0xa40a, /* Sharpness */
    0xa40c, /* SubjectDistanceRange */
    0xa432, /* LensSpecification */
    0xa433, /* LensMake */
    0xa434, /* LensModel */
    0xa500, /* Gamma */
};

/* The interoperability index says whether an untagged photo is sRGB ("R98")
 * or Adobe RGB ("R03"): colour information, kept. */
static const ExifTag keep_interop[] = {0x0001, 0x0002};

static int in_list(ExifTag tag, const ExifTag *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == tag)
            return 1;
    return 0;
}

static void filter_content(ExifContent *c, const ExifTag *keep, size_t nkeep)
{
    /* Backwards: removing an entry shifts the ones after it. */
    for (unsigned i = c->count; i-- > 0;) {
        ExifEntry *e = c->entries[i];
        if (!in_list(e->tag, keep, nkeep))
            exif_content_remove_entry(c, e);
    }
}

static ExifEntry *find_entry(ExifData *ed, ExifIfd ifd, ExifTag tag)
{
    return exif_content_get_entry(ed->ifd[ifd], tag);
}

/* Set a SHORT or LONG entry to v; an entry that cannot hold it is removed. */
static void set_unsigned(ExifData *ed, ExifIfd ifd, ExifTag tag, unsigned v)
{
    ExifEntry *e = find_entry(ed, ifd, tag);
    if (!e)
        return;
    ExifByteOrder bo = exif_data_get_byte_order(ed);
    if (e->format == EXIF_FORMAT_SHORT && e->components == 1 && e->size >= 2 && v <= 0xffff)
        exif_set_short(e->data, bo, (ExifShort)v);
    else if (e->format == EXIF_FORMAT_LONG && e->components == 1 && e->size >= 4)
        exif_set_long(e->data, bo, (ExifLong)v);
    else
        exif_content_remove_entry(ed->ifd[ifd], e);
}

/* An ASCII entry as a NUL-terminated string (at most len - 1 bytes). */
static int get_ascii(ExifData *ed, ExifIfd ifd, ExifTag tag, char *out, size_t len)
{
    ExifEntry *e = find_entry(ed, ifd, tag);
    out[0] = '\0';
    if (!e || e->format != EXIF_FORMAT_ASCII || !e->data || e->size == 0)
        return 0;
    size_t n = e->size < len - 1 ? e->size : len - 1;
    memcpy(out, e->data, n);
    out[n] = '\0';
    return 1;
}

/* "YYYY:MM:DD HH:MM:SS" (+ "+HH:MM" offset) to ISO 8601; "" when either
 * is malformed (cameras write "0000:00:00 00:00:00" or spaces when unset). */
static void iso_capture(const char *dt, const char *off, char out[32])
{
    out[0] = '\0';
    int y, mo, d, h, mi, s;
    char tail;
    if (strlen(dt) != 19 || dt[4] != ':' || dt[7] != ':' || dt[10] != ' ' || dt[13] != ':' ||
        dt[16] != ':')
        return;
    for (int i = 0; i < 19; i++)
        if (i != 4 && i != 7 && i != 10 && i != 13 && i != 16 && !g_ascii_isdigit(dt[i]))
            return;
    if (sscanf(dt, "%4d:%2d:%2d %2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &tail) != 6)
        return;
    if (y < 1900 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60 ||
        !g_date_valid_dmy((GDateDay)d, (GDateMonth)mo, (GDateYear)y))
        return;
    char buf[80];
    snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", y, mo, d, h, mi, s);
    memcpy(out, buf, 20); /* 19 characters and the NUL: the fields were range-checked */
    if (off && strlen(off) == 6 && (off[0] == '+' || off[0] == '-') && g_ascii_isdigit(off[1]) &&
        g_ascii_isdigit(off[2]) && off[3] == ':' && g_ascii_isdigit(off[4]) &&
        g_ascii_isdigit(off[5]))
        strcat(out, off);
}

int sk_exif_clean(const uint8_t *data, size_t len, int width, int height, uint8_t **out,
                  size_t *out_len, char capture_date[32])
{
    static const uint8_t header[6] = {'E', 'x', 'i', 'f', 0, 0};
    *out = NULL;
    *out_len = 0;
    capture_date[0] = '\0';
    if (!data || len < 8)
        return SK_OK;

    /* libexif wants the "Exif\0\0" header; PNG's eXIf chunk has none. */
    uint8_t *with_header = NULL;
    if (len < 6 || memcmp(data, header, 6) != 0) {
        with_header = g_try_malloc(len + 6);
        if (!with_header)
            return SK_ERR_NOMEM;
        memcpy(with_header, header, 6);
        memcpy(with_header + 6, data, len);
        data = with_header;
        len += 6;
    }
    ExifData *ed = exif_data_new();
    if (!ed) {
        g_free(with_header);
        return SK_ERR_NOMEM;
    }
    /* Keep what the file says: no invented "mandatory" tags, no dropping of
     * kept tags that this libexif does not know by name. */
    exif_data_unset_option(ed, EXIF_DATA_OPTION_FOLLOW_SPECIFICATION);
    exif_data_unset_option(ed, EXIF_DATA_OPTION_IGNORE_UNKNOWN_TAGS);
    exif_data_load_data(ed, data, (unsigned)len);
    g_free(with_header);

    filter_content(ed->ifd[EXIF_IFD_0], keep_ifd0, G_N_ELEMENTS(keep_ifd0));
    filter_content(ed->ifd[EXIF_IFD_EXIF], keep_exif, G_N_ELEMENTS(keep_exif));
    filter_content(ed->ifd[EXIF_IFD_INTEROPERABILITY], keep_interop, G_N_ELEMENTS(keep_interop));
    filter_content(ed->ifd[EXIF_IFD_GPS], NULL, 0);
    filter_content(ed->ifd[EXIF_IFD_1], NULL, 0);
    if (ed->data) {
        /* The thumbnail may show the unrotated, unstripped original. */
        ExifMem *mem = exif_mem_new_default();
        exif_mem_free(mem, ed->data);
        exif_mem_unref(mem);
        ed->data = NULL;
        ed->size = 0;
    }
    set_unsigned(ed, EXIF_IFD_0, 0x0112, 1);
    set_unsigned(ed, EXIF_IFD_EXIF, 0xa002, (unsigned)width);
    set_unsigned(ed, EXIF_IFD_EXIF, 0xa003, (unsigned)height);

    char dt[64], off[16];
    if (get_ascii(ed, EXIF_IFD_EXIF, 0x9003, dt, sizeof dt)) {
        get_ascii(ed, EXIF_IFD_EXIF, 0x9011, off, sizeof off);
        iso_capture(dt, off, capture_date);
    }
    if (!capture_date[0] && get_ascii(ed, EXIF_IFD_EXIF, 0x9004, dt, sizeof dt)) {
        get_ascii(ed, EXIF_IFD_EXIF, 0x9012, off, sizeof off);
        iso_capture(dt, off, capture_date);
    }

    int rc = SK_OK;
    if (ed->ifd[EXIF_IFD_0]->count + ed->ifd[EXIF_IFD_EXIF]->count > 0) {
        unsigned char *buf = NULL;
        unsigned int n = 0;
        exif_data_save_data(ed, &buf, &n);
        if (!buf || n <= 6) {
            rc = buf ? SK_OK : SK_ERR_NOMEM;
        } else {
            *out = g_try_malloc(n);
            if (*out) {
                memcpy(*out, buf, n);
                *out_len = n;
            } else {
                rc = SK_ERR_NOMEM;
            }
        }
        free(buf); /* libexif's default allocator is malloc/free */
    }
    exif_data_unref(ed);
    return rc;
}

/* ------------------------------------------------------------------- JPEG */

static void put_marker_segment(GByteArray *out, uint8_t marker, const uint8_t *payload, size_t len)
{
    uint8_t head[4] = {0xff, marker, (uint8_t)((len + 2) >> 8), (uint8_t)((len + 2) & 0xff)};
    g_byte_array_append(out, head, 4);
    g_byte_array_append(out, payload, (guint)len);
}

static int has_prefix(const uint8_t *p, size_t n, const char *prefix, size_t plen)
{
    return n >= plen && memcmp(p, prefix, plen) == 0;
}

int sk_jpeg_rewrite(const uint8_t *src, size_t n, const uint8_t *exif, size_t exif_len,
                    GByteArray *out)
{
    if (n < 4 || src[0] != 0xff || src[1] != 0xd8)
        return SK_ERR_FORMAT;
    if (exif && exif_len + 2 > 0xffff)
        return SK_ERR_TOO_LARGE;
    GByteArray *body = g_byte_array_new();
    const uint8_t *jfif = NULL;
    size_t jfif_len = 0, p = 2;
    int eoi = 0, frame = 0, scans = 0, rc = SK_OK;
    while (p < n) {
        if (src[p] != 0xff) {
            rc = SK_ERR_FORMAT;
            break;
        }
        while (p < n && src[p] == 0xff)
            p++; /* fill bytes */
        if (p >= n) {
            rc = SK_ERR_FORMAT;
            break;
        }
        uint8_t m = src[p++];
        if (m == 0xd9) {
            eoi = 1;
            break;
        }
        if (m == 0x00 || m == 0xd8) {
            rc = SK_ERR_FORMAT;
            break;
        }
        if (m == 0x01 || (m >= 0xd0 && m <= 0xd7)) {
            uint8_t two[2] = {0xff, m};
            g_byte_array_append(body, two, 2);
            continue;
        }
        if (p + 2 > n) {
            rc = SK_ERR_FORMAT;
            break;
        }
        size_t len = ((size_t)src[p] << 8) | src[p + 1];
        if (len < 2 || p + len > n) {
            rc = SK_ERR_FORMAT;
            break;
        }
        const uint8_t *payload = src + p + 2;
        size_t plen = len - 2;
        int keep;
        if (m == 0xe0) {
            /* The first JFIF header is kept (it says the samples are YCbCr);
             * JFXX extensions carry thumbnails. */
            if (!jfif && has_prefix(payload, plen, "JFIF\0", 5)) {
                jfif = payload;
                jfif_len = plen;
            }
            keep = 0;
        } else if (m == 0xe2) {
            keep = has_prefix(payload, plen, "ICC_PROFILE\0", 12);
        } else if (m == 0xee) {
            keep = has_prefix(payload, plen, "Adobe", 5); /* colour transform flag */
        } else if ((m >= 0xe1 && m <= 0xef) || m == 0xfe) {
            keep = 0; /* EXIF (replaced), XMP, IPTC, MPF, FlashPix, maker data, comments */
        } else {
            keep = 1; /* tables, frame, scan headers, restart interval */
            if ((m >= 0xc0 && m <= 0xcf) && m != 0xc4 && m != 0xc8 && m != 0xcc)
                frame = 1;
        }
        if (keep)
            g_byte_array_append(body, src + p - 2, (guint)(len + 2));
        p += len;
        if (m == 0xda) {
            /* Entropy-coded data runs to the next marker other than a
             * stuffed zero or a restart marker. */
            scans++;
            size_t q = p;
            while (q + 1 < n) {
                if (src[q] == 0xff) {
                    uint8_t m2 = src[q + 1];
                    if (m2 == 0x00 || (m2 >= 0xd0 && m2 <= 0xd7)) {
                        q += 2;
                        continue;
                    }
                    if (m2 != 0xff)
                        break;
                }
                q++;
            }
            if (q + 1 >= n) {
                rc = SK_ERR_FORMAT; /* no end of image */
                break;
            }
            g_byte_array_append(body, src + p, (guint)(q - p));
            p = q;
        }
    }
    if (rc == SK_OK && (!eoi || !frame || !scans))
        rc = SK_ERR_FORMAT;
    if (rc == SK_OK) {
        static const uint8_t soi[2] = {0xff, 0xd8}, eoi_m[2] = {0xff, 0xd9};
        g_byte_array_append(out, soi, 2);
        if (jfif)
            put_marker_segment(out, 0xe0, jfif, jfif_len);
        if (exif && exif_len)
            put_marker_segment(out, 0xe1, exif, exif_len);
        g_byte_array_append(out, body->data, body->len);
        g_byte_array_append(out, eoi_m, 2);
    }
    g_byte_array_unref(body);
    return rc;
}

/* -------------------------------------------------------------------- PNG */

static uint32_t crc32_png(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    /* The PNG CRC (ISO 3309 polynomial, reflected), bitwise: only one small
     * chunk per import goes through it. */
    uint32_t c = 0xffffffffu;
    for (int part = 0; part < 2; part++) {
        const uint8_t *p = part ? b : a;
        size_t n = part ? nb : na;
        for (size_t i = 0; i < n; i++) {
            c ^= p[i];
            for (int k = 0; k < 8; k++)
                c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
        }
    }
    return c ^ 0xffffffffu;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_png_chunk(GByteArray *out, const char type[4], const uint8_t *data, size_t len)
{
    uint8_t head[8], tail[4];
    put_be32(head, (uint32_t)len);
    memcpy(head + 4, type, 4);
    g_byte_array_append(out, head, 8);
    g_byte_array_append(out, data, (guint)len);
    put_be32(tail, crc32_png((const uint8_t *)type, 4, data, len));
    g_byte_array_append(out, tail, 4);
}

int sk_png_rewrite(const uint8_t *src, size_t n, const uint8_t *exif, size_t exif_len,
                   GByteArray *out)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    static const char *const keep[] = {"iCCP", "sRGB", "gAMA", "cHRM", "sBIT",
                                       "pHYs", "tRNS", "bKGD", "cICP"};
    if (n < 8 || memcmp(src, sig, 8) != 0)
        return SK_ERR_FORMAT;
    if (exif && exif_len >= 6 && memcmp(exif, "Exif\0\0", 6) == 0) {
        exif += 6;
        exif_len -= 6;
    }
    size_t start = out->len, p = 8;
    int inserted = !exif || exif_len == 0, iend = 0;
    g_byte_array_append(out, sig, 8);
    while (p + 12 <= n) {
        uint32_t len = ((uint32_t)src[p] << 24) | ((uint32_t)src[p + 1] << 16) |
                       ((uint32_t)src[p + 2] << 8) | src[p + 3];
        if (len > 0x7fffffffu || p + 12 + (size_t)len > n)
            break;
        const char *type = (const char *)src + p + 4;
        int critical = g_ascii_isupper(type[0]);
        int kept = critical;
        for (size_t i = 0; !kept && i < G_N_ELEMENTS(keep); i++)
            kept = memcmp(type, keep[i], 4) == 0;
        if (!inserted && memcmp(type, "IDAT", 4) == 0) {
            put_png_chunk(out, "eXIf", exif, exif_len);
            inserted = 1;
        }
        if (kept)
            g_byte_array_append(out, src + p, 12 + len);
        p += 12 + (size_t)len;
        if (memcmp(type, "IEND", 4) == 0) {
            iend = 1;
            break;
        }
    }
    if (!iend || !inserted) {
        g_byte_array_set_size(out, (guint)start);
        return SK_ERR_FORMAT;
    }
    return SK_OK;
}
