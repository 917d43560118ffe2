/* skintrack pipeline: comparing a follow-up photo with its baseline.
 *
 * The follow-up is aligned to the baseline (sk_register.h), its colour is
 * normalised to the baseline's (a grey card in each photo when given, else
 * the common skin region), and both photos are measured inside the
 * intersection of their aligned skin regions. Each metric's change is set
 * against its repeatability limit, measured by the project on re-captures
 * of the same skin and kept with the model parameters
 * (models/repeatability/noise.json). Method and limits: docs/COMPARE.md. */
#ifndef SK_COMPARE_H
#define SK_COMPARE_H

#include "sk_library.h"
#include "sk_register.h"
#include "skintrack.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------ repeatability */

#define SK_NOISE_MAX 96

/* The repeatability of each metric: the within-subject SD of the metric
 * over re-captures of the same skin, absolute (`sw`, the metric's unit) and
 * relative to the metric's level (`cv`, a fraction). */
typedef struct sk_noise_entry {
    char name[48];
    double sw; /* >= 0, the metric's unit */
    double cv; /* >= 0, fraction of the level */
    int n;     /* pairs it was measured on */
} sk_noise_entry_t;

#define SK_NOISE_MAX_BANDS 6
/* A band entry is used only when it was measured on at least this many
 * pairs; otherwise the pooled figure of every tone. */
#define SK_NOISE_BAND_MIN_PAIRS 12

/* The figures of the skins whose tone (ITA°) lies in [ita_min, ita_max). */
typedef struct sk_noise_band {
    char name[16];
    double ita_min, ita_max;
    int count;
    sk_noise_entry_t items[SK_NOISE_MAX];
} sk_noise_band_t;

typedef struct sk_noise {
    int count; /* photos with a physical scale ("metrics") */
    sk_noise_entry_t items[SK_NOISE_MAX];
    int count_nominal; /* photos without one, sizes in pixels ("metrics_nominal") */
    sk_noise_entry_t items_nominal[SK_NOISE_MAX];
    int n_bands; /* photos with a physical scale, by skin tone ("tone_bands") */
    sk_noise_band_t bands[SK_NOISE_MAX_BANDS];
    char version[32];       /* of the noise file */
    char model_version[48]; /* the model version it was measured with */
} sk_noise_t;

/* Load DIR/repeatability/noise.json (DIR NULL: sk_model_params_dir()).
 * A missing file is not an error: *out is empty (count 0) and every limit
 * is unknown. A malformed one is refused with SK_ERR_FORMAT and
 * "<file>: <reason>". */
int sk_noise_load(const char *dir, sk_noise_t *out);

/* The entry of a metric for photos with a physical scale, or NULL. */
const sk_noise_entry_t *sk_noise_find(const sk_noise_t *noise, const char *name);

/* The entry for photos with (physical = 1) or without (0) a physical
 * scale: sizes differ in unit (mm or px) and portraits differ from
 * close-ups. Without a nominal table in the file, the physical one. */
const sk_noise_entry_t *sk_noise_find_scaled(const sk_noise_t *noise, const char *name,
                                             int physical);

/* The entry for a skin of tone `ita_deg` (ITA°): the tone band's figure
 * when the file has one for this metric, measured on at least
 * SK_NOISE_BAND_MIN_PAIRS pairs, and the photos have a physical scale (the
 * bands are measured on phantom skins); otherwise sk_noise_find_scaled.
 * NAN ita_deg: the pooled figure. */
const sk_noise_entry_t *sk_noise_find_toned(const sk_noise_t *noise, const char *name,
                                            int physical, double ita_deg);

/* Repeatability limit of a change of metric `name` between two captures
 * whose levels average `level`: 1.96 · √2 · max(sw, cv · |level|), the
 * smallest change that a re-capture of unchanged skin exceeds in only 5 %
 * of pairs. NAN when the metric has no noise figure. */
double sk_noise_limit(const sk_noise_t *noise, const char *name, double level);

/* The same from the table of the photos' scale mode (sk_noise_find_scaled). */
double sk_noise_limit_scaled(const sk_noise_t *noise, const char *name, double level, int physical);

/* The same for a skin of tone `ita_deg`: the larger of the limits from the
 * pooled figure and from the tone band's (sk_noise_find_toned). A band only
 * raises a limit: the figures come from synthetic re-captures, which miss
 * part of a real re-photograph's noise, so no tone is held to less than the
 * pooled figure. */
double sk_noise_limit_toned(const sk_noise_t *noise, const char *name, double level, int physical,
                            double ita_deg);

/* The limit a count must exceed: counts move in whole steps, so a limit
 * under 1.5 would call one feature appearing or disappearing a change
 * beyond noise; counts (metrics whose name ends in "count") get at least
 * 1.5 (two
 * features). Other metrics: `limit` unchanged. */
double sk_noise_count_limit(const char *name, double limit);

/* 1 for the absolute skin-tone metrics (pigment.ita_deg, melanin_index,
 * erythema_index): they follow the capture's exposure and white balance as
 * much as the skin, so they compare only between colour-matched photos. */
int sk_metric_is_absolute_tone(const char *name);

/* Is the change between two stored scores of a view (whole photos, not
 * aligned or colour-normalised to each other) beyond noise? 1 or 0; -1 when
 * unknown: a value missing, no noise figure, or absolute skin tone
 * (pigment.ita_deg, melanin_index, erythema_index), which depends on the
 * capture as much as on the skin. The limit is the one for the skin's tone
 * `ita_deg` (NAN: pooled over tones). */
int sk_noise_beyond_stored(const sk_noise_t *noise, const char *name, double before, double after,
                           int physical, double ita_deg);

/* --------------------------------------------------------- pair QC */

/* Mismatches between the two captures of a pair (machine-readable; names
 * from sk_pair_flag_name). */
enum {
    SK_PAIR_EXPOSURE = 1u << 0,      /* mean skin luminance differs by > 1/3 EV */
    SK_PAIR_WHITE_BALANCE = 1u << 1, /* skin chromaticity (R/G, B/G) differs by > 6 % */
    SK_PAIR_SCALE = 1u << 2,         /* the follow-up is > 10 % larger or smaller */
    SK_PAIR_SHARPNESS = 1u << 3,     /* one photo is < 70 % as sharp as the other */
    SK_PAIR_OVERLAP = 1u << 4,       /* the common skin region is < 50 % of the baseline's */
    SK_PAIR_FLAG_COUNT = 5,
};

const char *sk_pair_flag_name(unsigned bit);

/* Metric families (prefixes such as "pigment.") a pair flag makes
 * unreliable, as a comma-separated static string. */
const char *sk_pair_flag_affects(unsigned bit);

/* -------------------------------------------------------- comparison */

typedef enum sk_colour_norm {
    SK_NORM_NONE = 0, /* no normalisation (disabled) */
    SK_NORM_SKIN = 1, /* von Kries gains from the common skin region */
    SK_NORM_CARD = 2, /* von Kries gains from the grey cards */
} sk_colour_norm;

typedef struct sk_compare_opts {
    sk_load_opts_t load;
    double mm_per_px;        /* the baseline's scale; 0 = unknown */
    const char *mask_before; /* user region masks (white = analyse), or NULL */
    const char *mask_after;
    const sk_rect_t *card_before; /* grey-card rectangles in each photo's own pixels, or NULL */
    const sk_rect_t *card_after;
    int normalise;           /* 1 (default): normalise colour; 0: do not */
    int detections;          /* keep detections of both photos (baseline frame) */
    const sk_noise_t *noise; /* NULL: loaded from the model folder */
    sk_register_opts_t reg;  /* registration options */
} sk_compare_opts_t;

void sk_compare_opts_default(sk_compare_opts_t *opts);

/* One metric of a pair. */
typedef struct sk_compare_metric {
    const char *name; /* static */
    const char *unit;
    sk_better better;
    double before, after; /* NAN when not measurable */
    double delta;         /* after - before */
    double pct;           /* 100 · delta / |before|; NAN when before is 0 or unknown */
    double limit;         /* repeatability limit (sk_noise_limit), NAN when unknown */
    int beyond_noise;     /* 1: |delta| > limit; 0: within noise; -1: unknown (see note) */
    int improved;         /* 1 better, -1 worse, 0 neutral or within noise or unknown */
    unsigned unreliable;  /* pair flags that make this metric unreliable */
    const char *note;     /* static reason when beyond_noise is unknown, else NULL */
} sk_compare_metric_t;

typedef struct sk_compare_result {
    sk_register_result_t reg;    /* follow-up -> baseline pixels */
    sk_analysis_t before, after; /* each measured inside the common region */
    double common_fraction;      /* common skin region / baseline's own skin region */
    int norm;                    /* sk_colour_norm used */
    double gain[3];              /* linear R, G, B gains applied to the follow-up */
    unsigned pair_flags;
    double exposure_ev;     /* log2 of the follow-up's / baseline's skin luminance, before
                               normalisation */
    double wb_shift;        /* largest relative change of skin R/G or B/G, before
                               normalisation */
    double sharpness_ratio; /* follow-up / baseline sharpness */
    char noise_model_version[48];
    int count;
    sk_compare_metric_t m[SK_METRICS_MAX];
} sk_compare_result_t;

/* A comparer owns two analysers and the aligned planes; reused from pair to
 * pair. Not thread-safe: one per thread. */
typedef struct sk_comparer sk_comparer_t;
int sk_comparer_new(sk_comparer_t **out);
void sk_comparer_free(sk_comparer_t *c);

/* Compare AFTER with BEFORE. On success *out is filled; registration
 * failures (the photos do not show the same region) return SK_ERR_QUALITY
 * with the reason; other errors as sk_analyze_photo, "<file>: <reason>". */
int sk_compare_photos(sk_comparer_t *c, const char *before, const char *after,
                      const sk_compare_opts_t *opts, sk_compare_result_t *out);

/* After a successful sk_compare_photos: the baseline and the aligned,
 * normalised follow-up (sRGB planes in the baseline's frame), the common
 * region (one byte per baseline pixel, rows `width` bytes apart) and, when
 * opts.detections was set, each photo's detections in the baseline's
 * pixels. Valid until the next call. */
const sk_image_t *sk_comparer_before(const sk_comparer_t *c);
const sk_image_t *sk_comparer_after_aligned(const sk_comparer_t *c);
const uint8_t *sk_comparer_region(const sk_comparer_t *c);
const sk_detections_t *sk_comparer_detections(const sk_comparer_t *c, int after);

/* A PDF report of one comparison (after a successful sk_compare_photos
 * with opts.detections set): the aligned pair side by side, overlays, the
 * metric table with changes beyond noise marked, capture warnings, method.
 * Written atomically. Returns 0 or a negative sk_status. */
int sk_report_compare(const sk_comparer_t *c, const char *before, const char *after,
                      const sk_compare_result_t *r, const char *pdf_path);

/* The comparison as a JSON object; malloc'd string (free()), NULL on
 * allocation failure. */
char *sk_compare_to_json(const char *before, const char *after, const sk_compare_result_t *r);

#ifdef __cplusplus
}
#endif

#endif /* SK_COMPARE_H */
