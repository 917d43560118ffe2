/* Internal interface of the clinic library: file-name helpers shared by the
 * scan and the import, and the metadata rewriting used by the import
 * (reachable from the tests). */
#ifndef SK_PLIBRARY_H
#define SK_PLIBRARY_H

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "skintrack.h"

enum {
    SK_LIB_NAME_OTHER = 0,    /* not a photo or mask name */
    SK_LIB_NAME_PHOTO = 1,    /* VIEW.ext with a photo extension */
    SK_LIB_NAME_MASK = 2,     /* VIEW.mask.png */
    SK_LIB_NAME_BAD_VIEW = 3, /* a photo extension but a stem too long to be a view */
};

/* Classify a file name of a session folder. For a photo or a mask, `view`
 * receives the stem (not yet validated: check with sk_valid_view) and *ext
 * (may be NULL) points at the extension inside `name`. */
int sk_library_split_photo_name(const char *name, char view[SK_VIEW_MAX + 1], const char **ext);

/* After a failed sk_valid_* check: record "[prefix: ]what 'value': reason"
 * (value shown safely) and return SK_ERR_ARG. */
int sk_library_name_error(const char *prefix, const char *what, const char *value);

/* strcmp over pointers to strings, for qsort / g_ptr_array_sort. */
int sk_library_strcmp_p(const void *a, const void *b);

/* ------------------------------------------------------------ metadata */

/* The EXIF of the source made safe to publish: `data` is an EXIF block
 * ("Exif\0\0" header optional, then the TIFF structure). Only the tags of
 * the keep-list survive (capture time and offsets, exposure settings, make
 * and model, resolution); the GPS IFD, the thumbnail (IFD1), maker notes,
 * serial numbers, owner/artist names, unique ids and comments go.
 * Orientation becomes 1 and the pixel dimensions are set to width x height.
 * On success *out is a g_malloc'd block starting with "Exif\0\0" (NULL with
 * *out_len 0 when nothing worth keeping remains), and capture_date receives
 * "YYYY-MM-DDTHH:MM:SS[+HH:MM]" or "". Returns 0 or SK_ERR_NOMEM; an
 * unparseable block is not an error (it is dropped). */
int sk_exif_clean(const uint8_t *data, size_t len, int width, int height, uint8_t **out,
                  size_t *out_len, char capture_date[32]);

/* Copy a JPEG keeping its compressed data byte for byte: SOI, the JFIF
 * APP0, `exif` (a block with the "Exif\0\0" header, may be NULL) as the only
 * APP1, the ICC_PROFILE APP2 and Adobe APP14 segments, the tables, frame and
 * scans, and EOI; every other APPn (XMP, IPTC/Photoshop, MPF, FlashPix,
 * maker segments, JFXX thumbnails), every COM segment and anything after
 * EOI are dropped. Returns 0, or SK_ERR_FORMAT for a malformed stream,
 * SK_ERR_TOO_LARGE for an EXIF block over 65533 bytes. */
int sk_jpeg_rewrite(const uint8_t *src, size_t n, const uint8_t *exif, size_t exif_len,
                    GByteArray *out);

/* Copy a PNG keeping the critical chunks and the colour ones (iCCP, sRGB,
 * gAMA, cHRM, sBIT, pHYs, tRNS, bKGD), dropping text, time, eXIf and
 * unknown chunks, and inserting `exif` (with or without the "Exif\0\0"
 * header, may be NULL) as an eXIf chunk before the first IDAT. Returns 0 or
 * SK_ERR_FORMAT. */
int sk_png_rewrite(const uint8_t *src, size_t n, const uint8_t *exif, size_t exif_len,
                   GByteArray *out);

#endif
