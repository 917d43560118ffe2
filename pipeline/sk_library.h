/* skintrack pipeline: the clinic library on disk (layout, ids, patient.json,
 * import). Included by skintrack.h. docs/LIBRARY.md describes the layout,
 * the id rules, the patient.json schema and the import policy. */
#ifndef SK_LIBRARY_H
#define SK_LIBRARY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ----------------------------------------------------------------- ids */

#define SK_PATIENT_ID_MAX 64 /* bytes, without the terminating NUL */
#define SK_VIEW_MAX 64
#define SK_SESSION_LABEL_MAX 32
#define SK_SESSION_MAX (10 + 1 + SK_SESSION_LABEL_MAX) /* "YYYY-MM-DD-label" */

/* Name checks for the three levels of the library. Each returns 1 when the
 * name is acceptable and 0 when it is not; on 0, sk_error_message() holds
 * the reason ("contains '/'", "'..' is not allowed" ...) with status
 * SK_ERR_ARG, ready to be printed after the offending value. NULL is
 * refused. Thread-safe.
 *
 * Patient id: [A-Za-z0-9._-]{1,64}, not starting with '.' (which also
 * excludes "." and "..").
 * Session: YYYY-MM-DD, a real calendar date between 1900-01-01 and
 * 2999-12-31, optionally followed by "-label" with a label of
 * [A-Za-z0-9_-]{1,32}. When date_out is not NULL and the name is valid it
 * receives the date part ("2026-01-12", NUL-terminated).
 * View: [A-Za-z0-9_-]{1,64} (no dots, so "front.mask" is never a view). */
int sk_valid_patient_id(const char *id);
int sk_valid_session(const char *session, char date_out[11]);
int sk_valid_view(const char *view);

/* 1 when `ext` (without the dot, any case) names a photo format the
 * library holds: jpg jpeg png tif tiff webp heic heif avif. */
int sk_library_photo_ext(const char *ext);

/* ---------------------------------------------------------------- scan */

typedef struct sk_photo_ref {
    char patient[65];
    char session[80]; /* folder name, e.g. "2026-01-12" or "2026-01-12-followup" */
    char date[11];    /* "2026-01-12" */
    char view[65];
    char path[4096];      /* CLINIC/patient/session/view.ext */
    char mask_path[4096]; /* CLINIC/patient/session/view.mask.png, or "" when absent */
} sk_photo_ref_t;

/* Callback receiving one warning line ("<path>: <reason>", no trailing
 * newline). The message is only valid during the call. */
typedef void (*sk_warn_fn)(const char *msg, void *ud);

/* All photos of a clinic (or of one patient when patient != NULL), sorted
 * by patient, date, session, view. *refs is malloc'd (free() it; NULL when
 * *n is 0), *n its length; both are written only on success. Folders and
 * files that do not fit the layout are skipped, with one warning line each
 * through `warn` (may be NULL). Hidden names (leading '.') and the store's
 * own files at the top of the clinic ("skintrack.*") are skipped silently.
 * Two photos of the same view in one session (front.jpg and front.png) are
 * ambiguous: one warning, both skipped. A mask without its photo is warned
 * about. Symbolic links are followed only when they resolve inside the
 * clinic. Returns 0, or a negative sk_status: SK_ERR_NOT_FOUND for a
 * missing clinic or patient, SK_ERR_ARG for an invalid patient id or a
 * clinic that is not a folder, SK_ERR_IO / SK_ERR_PERMISSION when the
 * clinic cannot be read, SK_ERR_NOMEM. */
int sk_library_scan(const char *clinic, const char *patient, sk_photo_ref_t **refs, size_t *n,
                    sk_warn_fn warn, void *ud);

/* --------------------------------------------------------- patient.json */

#define SK_PATIENT_MAX_VIEWS 32
#define SK_PATIENT_NAME_MAX 256   /* display_name, treatment (bytes, with NUL) */
#define SK_PATIENT_NOTES_MAX 4096 /* notes (bytes, with NUL) */

typedef struct sk_rect {
    int x, y, w, h;
} sk_rect_t;

typedef struct sk_view_scale {
    char view[65];
    double mm_per_px; /* > 0 */
} sk_view_scale_t;

typedef struct sk_view_rect {
    char view[65];
    sk_rect_t rect; /* pixels of the photo as analysed (orientation applied) */
} sk_view_rect_t;

/* The contents of CLINIC/<id>/patient.json. Every field is optional; an
 * absent one keeps its default ("" for strings, 0 for numbers). */
typedef struct sk_patient {
    char id[65];
    int has_file; /* patient.json was present */
    char display_name[SK_PATIENT_NAME_MAX];
    int birth_year;  /* 1900..current year; 0 = unknown */
    int fitzpatrick; /* 1..6; 0 = unknown */
    char treatment[SK_PATIENT_NAME_MAX];
    char notes[SK_PATIENT_NOTES_MAX];
    int n_scales;
    sk_view_scale_t scales[SK_PATIENT_MAX_VIEWS];
    int n_grey_cards;
    sk_view_rect_t grey_cards[SK_PATIENT_MAX_VIEWS];
} sk_patient_t;

/* Read CLINIC/<id>/patient.json into *out (fully written on success). A
 * missing file gives the defaults with has_file = 0 (not an error; the
 * patient folder itself need not exist). Unknown keys are reported through
 * `warn` (may be NULL) and ignored. Wrong types, out-of-range values,
 * invalid view names, over-long strings and malformed JSON are refused:
 * returns SK_ERR_FORMAT with sk_error_message() reading
 * "<file>: <key>: <reason>" (or "<file>: line L, column C: <parse error>").
 * Other failures: SK_ERR_ARG (invalid id), SK_ERR_IO / SK_ERR_PERMISSION,
 * SK_ERR_TOO_LARGE (file over 1 MiB). Thread-safe. */
int sk_patient_load(const char *clinic, const char *id, sk_patient_t *out, sk_warn_fn warn,
                    void *ud);

/* The patient's scale for a view (mm per pixel), or 0 when none is given. */
double sk_patient_mm_per_px(const sk_patient_t *p, const char *view);

/* The patient's grey-card rectangle for a view, or NULL when none is given. */
const sk_rect_t *sk_patient_grey_card(const sk_patient_t *p, const char *view);

/* -------------------------------------------------------------- import */

typedef struct sk_import_opts {
    const char *clinic;    /* library folder; created when missing if its parent exists */
    const char *patient;   /* patient id */
    const char *session;   /* session folder name */
    const char *view;      /* view name; NULL: the source file's stem */
    int replace;           /* replace an existing photo of the same view */
    double max_megapixels; /* decode limit (see sk_load_opts_t) */
} sk_import_opts_t;

typedef struct sk_import_result {
    char path[4096];   /* the written file: CLINIC/patient/session/view.ext */
    char relpath[256]; /* patient/session/view.ext */
    char view[65];
    int width, height;     /* as stored (orientation applied) */
    char capture_date[32]; /* EXIF capture time "YYYY-MM-DDTHH:MM:SS[+HH:MM]", "" if none */
    char sha256[65];       /* SHA-256 of the written file, lowercase hex */
    size_t bytes;          /* size of the written file */
    int orientation;       /* EXIF orientation found in the source (1..8) */
    int reencoded;         /* 0: compressed data kept byte for byte; 1: pixels re-encoded */
    int replaced;          /* an existing photo of the view was replaced */
} sk_import_result_t;

/* Defaults: no ids, view NULL, replace 0, max_megapixels = the load default. */
void sk_import_opts_default(sk_import_opts_t *opts);

/* Import (upload) one photo into the library: check the names, decode the
 * source fully (refusing undecodable, truncated and over-limit files),
 * apply its EXIF orientation to the pixels, remove private metadata (GPS,
 * maker notes, serial numbers, owner names, XMP, IPTC, comments, the EXIF
 * thumbnail) while keeping capture time, exposure settings and the ICC
 * profile, then publish CLINIC/patient/session/view.ext atomically (hidden
 * temporary file in the same folder, fsync, rename). An existing photo of
 * the same view (any extension) is never overwritten unless opts->replace.
 * JPEG stays JPEG; every other format is stored as lossless PNG.
 * `res` (may be NULL) is written on success. Returns 0 or a negative
 * sk_status with sk_error_message() reading "<src>: <reason>":
 * SK_ERR_ARG (bad id/session/view, or the stem is not a valid view),
 * SK_ERR_EXISTS (would overwrite), SK_ERR_FORMAT / SK_ERR_TOO_LARGE /
 * SK_ERR_UNSUPPORTED (source refused), SK_ERR_NOT_FOUND, SK_ERR_IO,
 * SK_ERR_PERMISSION. On failure nothing is left in the library except
 * possibly newly created, empty patient/session folders. Thread-safe for
 * different views. */
int sk_import_file(const sk_import_opts_t *opts, const char *src, sk_import_result_t *res);

#ifdef __cplusplus
}
#endif

#endif /* SK_LIBRARY_H */
