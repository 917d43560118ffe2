/* skintrack models: turn kernel outputs into clinical measurements.
 * Pure functions over buffers; no I/O. The one public header of the layer. */
#ifndef SK_MODELS_H
#define SK_MODELS_H

#include "sk_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version string of the model set compiled in ("1.0"). A stored metric
 * records the model version that made it. */
const char *sk_models_version(void);

/* Which way a metric improves. */
typedef enum sk_better {
    SK_BETTER_NEUTRAL = 0,
    SK_BETTER_LOWER = -1,
    SK_BETTER_HIGHER = 1,
} sk_better;

/* One measured metric. `name`, `unit` and `null_reason` point to static
 * strings. A metric that cannot be measured on a photo (resolution too low,
 * no skin) has value NAN and a null_reason; it is never a made-up number. */
typedef struct sk_metric {
    const char *name;        /* stable name, e.g. "pores.count" */
    double value;            /* NAN when not measurable */
    const char *unit;        /* "count", "mm", "%", "deg", "1/cm2" ... */
    sk_better better;
    const char *null_reason; /* why value is NAN, else NULL */
} sk_metric_t;

#define SK_METRICS_MAX 96

/* The metrics of one photo, in a fixed order. */
typedef struct sk_metric_set {
    int count;
    sk_metric_t items[SK_METRICS_MAX];
    char model_version[48]; /* "1.0+<digest of the parameters>" */
} sk_metric_set_t;

/* Append a metric; returns 0, or SK_ERR_TOO_LARGE when the set is full. */
int sk_metric_set_add(sk_metric_set_t *set, const char *name, double value, const char *unit,
                      sk_better better, const char *null_reason);

/* Find a metric by name; NULL when absent. */
const sk_metric_t *sk_metric_set_find(const sk_metric_set_t *set, const char *name);

/* ------------------------------------------------------------ parameters */

/* Model parameters are versioned data (models/<family>.json, loaded by the
 * pipeline): a flat list of named numbers such as "pores.min_diameter_mm".
 * The models layer does no I/O; it reads what the pipeline filled in, with a
 * documented default for every name. */
#define SK_PARAMS_MAX 256
typedef struct sk_params {
    int count;
    struct {
        char name[64];
        double value;
    } items[SK_PARAMS_MAX];
    char version[32]; /* the model files' version, "" when defaults only */
} sk_params_t;

/* Empty parameter set: every lookup returns its default. */
void sk_params_init(sk_params_t *p);

/* Set (add or replace) a named value. Returns 0 or SK_ERR_TOO_LARGE. */
int sk_params_set(sk_params_t *p, const char *name, double value);

/* The named value, or `fallback` when absent (p may be NULL). */
double sk_params_get(const sk_params_t *p, const char *name, double fallback);

/* ------------------------------------------------------------ detections */

typedef enum sk_detection_kind {
    SK_DET_PORE = 0,
    SK_DET_SPOT = 1,
    SK_DET_REDNESS = 2,
    SK_DET_WRINKLE = 3,
    SK_DET_SCAR = 4,
    SK_DET_KIND_COUNT = 5,
} sk_detection_kind;

/* One detection, in the coordinates of the image the models were given
 * (the pipeline maps them back to the photo's own pixels). */
typedef struct sk_detection {
    sk_detection_kind kind;
    float x, y;                 /* centre or centroid */
    float diameter;             /* pores: equivalent diameter (px) */
    float area;                 /* spots, redness, scars: area (px^2) */
    int bx, by, bw, bh;         /* bounding box (px) */
    float length;               /* wrinkles: polyline length (px) */
    float contrast;             /* ΔL* or response, family-specific */
    int first_point, n_points;  /* wrinkles: range in sk_detections_t.points */
    int first_contour, n_contour; /* outlines: range in sk_detections_t.points */
} sk_detection_t;

/* A growing list of detections and the polyline/outline points they refer
 * to. Initialise with sk_detections_init, free with sk_detections_free. */
typedef struct sk_detections {
    sk_detection_t *items;
    size_t count, cap;
    float *points; /* x0, y0, x1, y1 ... */
    size_t n_points, points_cap;
} sk_detections_t;

void sk_detections_init(sk_detections_t *d);
void sk_detections_free(sk_detections_t *d);
void sk_detections_clear(sk_detections_t *d);
/* Append; returns a pointer to the new zeroed detection or NULL on OOM. */
sk_detection_t *sk_detections_add(sk_detections_t *d, sk_detection_kind kind);
/* Append points (x, y pairs); returns the index of the first, or -1 on OOM. */
long sk_detections_add_points(sk_detections_t *d, const float *xy, size_t n);
/* Map detections from an image resampled by `factor` (base = photo x
 * factor, pixel centres aligned) back to the photo's pixels: positions,
 * boxes and points by 1/factor, lengths and diameters by 1/factor, areas by
 * 1/factor^2. */
void sk_detections_scale(sk_detections_t *d, double factor);
/* Stable name of a kind: "pore", "spot", "redness", "wrinkle", "scar". */
const char *sk_detection_kind_name(sk_detection_kind kind);

/* ----------------------------------------------------------- measuring */

typedef struct sk_models_ws sk_models_ws_t; /* see "workspace" below */

/* Base (working) scale. With a known scale the pipeline resamples a photo
 * finer than SK_BASE_MM_PER_PX down to it (never up); without one it
 * resamples the long side to SK_WORKING_LONG_SIDE px and the models take a
 * nominal SK_NOMINAL_MM_PER_PX for their physical size ranges, reporting
 * sizes in px and densities per megapixel of skin. */
#define SK_BASE_MM_PER_PX 0.04
#define SK_WORKING_LONG_SIDE 1600
#define SK_NOMINAL_MM_PER_PX 0.1

typedef struct sk_models_input {
    const sk_image_t *srgb;  /* sRGB-encoded planes in [0, 1] at the base scale */
    const uint8_t *region;   /* 1 = may analyse (alpha, user mask); NULL = all */
    size_t region_stride;    /* bytes */
    double mm_per_px;        /* of srgb: measured (physical) or nominal */
    int physical;            /* 1 when mm_per_px was measured/given */
    const sk_params_t *params; /* may be NULL: defaults */
    int skin_only;           /* 1: the skin mask only, no metric families (out stays empty) */
    int region_is_skin;      /* 1: region is already the skin (a comparison's common skin of
                              * both photos): the skin model is not run, so both photos are
                              * measured on exactly these pixels */
} sk_models_input_t;

/* Every metric of DESIGN §5 for one image, in a fixed order, into `out`
 * (cleared first; model_version set), and every detection into `det` when
 * not NULL (cleared first). *skin_fraction (may be NULL) gets the skin
 * fraction of the region. Returns 0 or a negative sk_status. */
int sk_models_measure(sk_models_ws_t *ws, const sk_models_input_t *in, sk_metric_set_t *out,
                      sk_detections_t *det, double *skin_fraction);

/* ------------------------------------------------------------- workspace */

/* Reusable scratch memory of one worker: named buffers that persist from
 * photo to photo and only grow (DESIGN §9: new memory is slow to touch), so
 * each model family keeps its own planes without paying page faults again.
 * Not thread-safe: one per worker. */
int sk_models_ws_new(sk_models_ws_t **out);
void sk_models_ws_free(sk_models_ws_t *ws); /* NULL is a no-op */

/* A float plane of w x h named `key` (e.g. "pores.log0"); *stride receives
 * its row stride in floats. Contents are unspecified (left from the last
 * use). Returns NULL (with the error set) when out of memory. The pointer
 * stays valid until the same key is asked for at a larger size, or the
 * workspace is freed. */
float *sk_models_ws_plane(sk_models_ws_t *ws, const char *key, int w, int h, size_t *stride);

/* Raw bytes named `key`, at least `bytes` long, 64-byte aligned. */
void *sk_models_ws_bytes(sk_models_ws_t *ws, const char *key, size_t bytes);

/* A zero-initialised object named `key` of `bytes` (e.g. a kernel
 * workspace struct), created on first use and kept; `release` (may be NULL)
 * frees what the object owns when the workspace is freed. */
void *sk_models_ws_object(sk_models_ws_t *ws, const char *key, size_t bytes,
                          void (*release)(void *));

/* Total bytes the workspace holds (for the memory benchmark). */
size_t sk_models_ws_size(const sk_models_ws_t *ws);

#ifdef __cplusplus
}
#endif

#endif /* SK_MODELS_H */
