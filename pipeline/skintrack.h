/* skintrack pipeline: I/O and orchestration. The one public header of the
 * pipeline layer (and of the library as a whole). */
#ifndef SKINTRACK_H
#define SKINTRACK_H

#include "sk_models.h"
#include "sk_library.h"

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of skintrack ("0.1.0"). */
const char *sk_version(void);

/* Start the pipeline: libvips and its caches. Call once from the main
 * thread before any other pipeline function; argv0 may be NULL. Returns 0 or
 * a negative sk_status. sk_pipeline_shutdown() releases libvips. */
int sk_pipeline_init(const char *argv0);
void sk_pipeline_shutdown(void);

/* Version line of the libraries underneath ("libvips 8.14.1"). */
const char *sk_vips_version(void);

/* ---------------------------------------------------- model parameters */

/* Folder of the models' parameter files: $SK_MODELS_DIR, else the installed
 * share/skintrack/models, else the source tree's models/. */
const char *sk_model_params_dir(void);

/* Load every <family>.json of `dir` (NULL: sk_model_params_dir()) into
 * `out`; out->version becomes "<models version>+<digest of the parameters>",
 * the version recorded with every stored metric. Returns 0 or a negative
 * sk_status naming the file and key at fault. */
int sk_model_params_load(const char *dir, sk_params_t *out);

/* ------------------------------------------------------------- loading */

#define SK_DEFAULT_MAX_MEGAPIXELS 100.0

typedef struct sk_load_opts {
    /* Refuse images with more pixels than this (decompression bombs), read
     * from the header before anything is decoded. */
    double max_megapixels;
} sk_load_opts_t;

/* What a load found out about the file. Sizes are after orientation. */
typedef struct sk_load_info {
    int width, height;           /* as analysed (orientation applied) */
    int orig_width, orig_height; /* as stored in the file */
    int orientation;             /* EXIF orientation tag found (1..8; 1 = none) */
    int bits;                    /* bits per sample in the file: 8, 16 or 32 */
    int source_bands;            /* bands in the file, alpha included */
    int had_alpha;               /* an alpha channel was present */
    int icc_converted;           /* an ICC profile (embedded or CMYK) was applied */
    char format[32];             /* loader name: "jpeg", "png", "tiff", "webp", "heif" ... */
    char colourspace[32];        /* interpretation in the file: "srgb", "b-w", "cmyk" ... */
    size_t file_bytes;
} sk_load_info_t;

void sk_load_opts_default(sk_load_opts_t *opts);

/* Load a photo: validates the path, refuses images over the pixel limit,
 * decodes fully (a truncated file is an error), applies EXIF orientation,
 * converts to sRGB through the embedded ICC profile (or libvips' CMYK
 * profile), and writes three float planes of sRGB-encoded values in [0, 1].
 * When the file has alpha and alpha_out is not NULL, *alpha_out gets a
 * one-plane image of opacity in [0, 1] (NULL when there is none).
 * *rgb_out and *alpha_out are written only on success; the caller frees them
 * with sk_image_free(). opts may be NULL (defaults); info may be NULL.
 * On failure returns a negative sk_status, and sk_error_message() reads
 * "<file>: <reason>". Thread-safe. */
int sk_load_photo(const char *path, const sk_load_opts_t *opts, sk_image_t **rgb_out,
                  sk_image_t **alpha_out, sk_load_info_t *info);

/* The same into an existing image, reshaped in place so that a worker reuses
 * its planes from photo to photo (no new page faults). On failure `rgb` keeps
 * its memory but its contents are unspecified. */
int sk_load_photo_into(const char *path, const sk_load_opts_t *opts, sk_image_t *rgb,
                       sk_image_t **alpha_out, sk_load_info_t *info);

/* ----------------------------------------------------- capture quality */

/* QC flag bits (machine-readable; names from sk_qc_flag_name). */
enum {
    SK_QC_UNDEREXPOSED = 1u << 0,
    SK_QC_OVEREXPOSED = 1u << 1,
    SK_QC_CLIPPED = 1u << 2,
    SK_QC_BLURRY = 1u << 3,
    SK_QC_LOW_RESOLUTION = 1u << 4,
    SK_QC_COLOUR_CAST = 1u << 5,
    SK_QC_GLARE = 1u << 6,
    SK_QC_FLAG_COUNT = 7,
};

/* Capture figures of one photo, over the analysed region. */
typedef struct sk_qc {
    double megapixels;       /* of the photo as analysed */
    double mean_luma;        /* mean Rec. 709 luma of sRGB-encoded values, 0..1 */
    double clipped_fraction; /* pixels with any channel >= 254.5/255 */
    double dark_fraction;    /* pixels with every channel <= 2/255 */
    double sharpness;        /* RMS of the 4-neighbour Laplacian of luma, x 1000 */
    double cast_r;           /* mean R / mean G of linear values */
    double cast_b;           /* mean B / mean G of linear values */
    double glare_fraction;   /* specular highlights inside the skin: see sk_analyze_photo */
    unsigned flags;
} sk_qc_t;

/* Name of one flag bit ("underexposed"); NULL for an unknown bit. */
const char *sk_qc_flag_name(unsigned bit);

/* Capture figures of an sRGB image, over mask pixels (mask may be NULL: the
 * whole image; otherwise one byte per pixel, nonzero = analyse, row stride
 * mask_stride bytes). */
void sk_qc_measure(const sk_image_t *rgb, const uint8_t *mask, size_t mask_stride, sk_qc_t *qc);

/* ------------------------------------------------------------ analysis */

typedef struct sk_analyze_opts {
    sk_load_opts_t load;
    double mm_per_px;      /* physical scale; 0 when unknown */
    const char *mask_path; /* user region mask (white = analyse), or NULL */
    int detections;        /* keep every detection (sk_analyzer_detections) */
    /* In-memory input (comparison): when `image` is set it is analysed in
     * place of loading `path` (which then only names it in messages);
     * `region`, when set, further restricts the analysed pixels (one byte
     * per pixel of the photo, nonzero = analyse, rows `width` bytes apart). */
    const sk_image_t *image;
    const uint8_t *region;
    int skin_only; /* find the skin (sk_analyzer_skin) and skip the metric families */
    int region_is_skin; /* `region` is the skin itself (a comparison's common skin): the skin
                         * model is not run on it */
} sk_analyze_opts_t;

void sk_analyze_opts_default(sk_analyze_opts_t *opts);

/* The result of analysing one photo. */
typedef struct sk_analysis {
    sk_load_info_t load;
    double mm_per_px; /* NAN when unknown */
    int mask_used;    /* a user mask restricted the region */
    double region_fraction; /* fraction of the photo analysed */
    double skin_fraction;   /* fraction of the analysed region that is skin */
    double base_mm_per_px;  /* scale the models worked at (nominal when unknown) */
    double base_factor;     /* base pixels per photo pixel */
    int base_width, base_height;
    sk_qc_t qc;
    sk_metric_set_t metrics;
} sk_analysis_t;

/* An analyser owns the planes of one worker, reused from photo to photo
 * (DESIGN §9: new memory is slow to touch here). Not thread-safe: one per
 * thread. Free with sk_analyzer_free (NULL is a no-op). */
typedef struct sk_analyzer sk_analyzer_t;
int sk_analyzer_new(sk_analyzer_t **out);
void sk_analyzer_free(sk_analyzer_t *an);

/* Analyse one photo. `out` is filled on success; on failure returns a
 * negative sk_status with "<file>: <reason>" in sk_error_message(). */
int sk_analyze_photo(sk_analyzer_t *an, const char *path, const sk_analyze_opts_t *opts,
                     sk_analysis_t *out);

/* Detections of the analyser's last photo (when opts.detections was set),
 * in the photo's own pixels. Valid until the next sk_analyze_photo. */
const sk_detections_t *sk_analyzer_detections(const sk_analyzer_t *an);

/* The analyser's last photo as loaded (sRGB planes, orientation applied). */
const sk_image_t *sk_analyzer_photo(const sk_analyzer_t *an);

/* The skin mask of the analyser's last photo at the models' base scale
 * (sk_analysis_t.base_width x base_height, one byte per pixel, 1 = skin
 * inside the analysed region). Valid until the next sk_analyze_photo. */
const uint8_t *sk_analyzer_skin(sk_analyzer_t *an, int *width, int *height);

/* The analysis as a JSON object (DESIGN §3 shape), with a "detections"
 * array when det is not NULL; newly allocated string freed with free();
 * NULL on allocation failure. */
char *sk_analysis_to_json(const char *photo, const sk_analysis_t *a, const sk_detections_t *det);

/* --------------------------------------------------------------- batch */

/* SHA-256 of a file's content as 64 hex digits (and its size). */
int sk_file_sha256(const char *path, char hex[65], int64_t *bytes);

typedef struct sk_batch_opts {
    const char *clinic;    /* the clinic library folder */
    const char *db_path;   /* store; NULL: CLINIC/skintrack.db */
    const char *patient;   /* only this patient, or NULL for all */
    int jobs;              /* worker threads; 0: number of cores */
    int force;             /* score everything again */
    int progress;          /* 1: bar on stderr, 0: plain lines on stdout, -1: bar if a terminal */
    double max_megapixels; /* pixel limit per photo */
    double mm_per_px;      /* default physical scale; 0 when unknown */
    int no_align;          /* 1: score only; do not align follow-ups to their references */
} sk_batch_opts_t;

#define SK_BATCH_MAX_FAILURES_LISTED 64

typedef struct sk_batch_summary {
    size_t total;         /* photos found in the library */
    size_t scored;        /* scored in this run */
    size_t skipped;       /* unchanged since they were scored by this model */
    size_t failed;        /* failed in this run */
    size_t failed_before; /* unchanged and failed in an earlier run (not retried) */
    size_t left;          /* not reached because the run was interrupted */
    size_t warnings;      /* misplaced files and folders in the library */
    int interrupted;
    double seconds;
    /* tracking: each scored follow-up aligned to its view's baseline and to
     * the previous session's photo (pairs; a pair may serve both) */
    size_t aligned;       /* pairs aligned and recorded in this run */
    size_t align_skipped; /* pairs already recorded from the same photos and inputs */
    size_t align_failed;  /* pairs that could not be aligned (recorded with the reason) */
    double align_seconds;
    struct {
        char path[512];
        char reason[512];
    } failures[SK_BATCH_MAX_FAILURES_LISTED];
    size_t n_failures;
    size_t failures_truncated;
} sk_batch_summary_t;

void sk_batch_opts_default(sk_batch_opts_t *opts);

/* Score a clinic library into its store (see docs/LIBRARY.md). Takes a lock
 * so two batches never run on one clinic at once (the second gets
 * SK_ERR_BUSY). A photo that fails is recorded with its reason and the batch
 * goes on. SIGINT/SIGTERM stop it after the photos in flight
 * (SK_ERR_CANCELLED); a rerun finishes the rest. `sum` is filled in either
 * case. Returns 0 or a negative sk_status for a failure of the whole run. */
int sk_batch_run(const sk_batch_opts_t *opts, sk_batch_summary_t *sum);

/* -------------------------------------------------------------- export */

typedef enum sk_export_format { SK_EXPORT_CSV, SK_EXPORT_JSON } sk_export_format;

/* Write every metric of every scored photo in the store at db_path (of one
 * patient, or all when patient is NULL), one row per photo and metric:
 * patient, session, date, view, photo, metric, value, unit, model_version.
 * CSV follows RFC 4180 (CRLF, quoted where needed; a metric that could not
 * be measured has an empty value); JSON is an array of row objects with
 * null values. Returns 0 or a negative sk_status; *rows gets the count. */
int sk_export(const char *db_path, const char *patient, sk_export_format fmt, FILE *out,
              size_t *rows);

/* -------------------------------------------------------------- report */

/* Write the PDF progress report of one patient from the store at db_path
 * (photos read from the clinic folder) to out_pdf, atomically. *pages gets
 * the page count (may be NULL). Returns 0 or a negative sk_status. */
int sk_report_patient(const char *clinic, const char *db_path, const char *patient,
                      const char *out_pdf, int *pages);

/* ------------------------------------------------------------ overlays */

#define SK_OVERLAY_ALL ((1u << SK_DET_KIND_COUNT) - 1)

/* The colour of a detection kind in overlays and reports (sRGB bytes). */
void sk_overlay_colour(sk_detection_kind kind, unsigned char rgb[3]);

/* Draw the detections whose kind bit is set in `kinds` (1u << kind) on a
 * dimmed copy of `rgb` (the photo the detections' coordinates refer to):
 * pores as circles, wrinkles as traces, spots, redness and scars as
 * outlines. *out_rgb: malloc'd interleaved 8-bit RGB, width x height. */
int sk_overlay_render(const sk_image_t *rgb, const sk_detections_t *det, unsigned kinds,
                      unsigned char **out_rgb);

/* The same written as a PNG file (atomically: temporary file, rename). */
int sk_overlay_write(const char *path, const sk_image_t *rgb, const sk_detections_t *det,
                     unsigned kinds);

/* ------------------------------------------------------------- labels */

/* A metric's display name ("Pores (count)"); the stable name itself when it
 * has none. */
const char *sk_metric_label(const char *name);
/* The k-th metric in display order (by family), NULL past the end. */
const char *sk_metric_name_at(int k);
/* The headline metrics of a summary: pores, wrinkles, spots, redness,
 * roughness, scars. */
#define SK_N_HEADLINE 6
extern const char *const sk_headline_metrics[SK_N_HEADLINE];

/* Copy a path for display in a one-line message: control characters become
 * '?', and an over-long path is shortened in the middle. Returns out. */
#define SK_DISPLAY_PATH_MAX 512
char *sk_path_display(const char *path, char *out, size_t len);

#ifdef __cplusplus
}
#endif

/* The rest of the pipeline's public interface, which builds on the above. */
#include "sk_register.h"
#include "sk_compare.h"
#include "sk_serve.h"

#endif /* SKINTRACK_H */
