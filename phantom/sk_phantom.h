/* Synthetic skin with known truth, for validation (docs/PHANTOMS.md).
 *
 * A seed and a few parameters generate a list of skin features in
 * millimetres on a skin plane: pores, wrinkles, pigmented spots, redness
 * patches and atrophic scars, over a micro-relief (a furrow network and
 * fine bumps) and colour mottling. Rendering samples that description at
 * pixel centres, with every feature prefiltered by the pixel footprint, at
 * any resolution and under any camera transform, so the same skin can be
 * "photographed" again: at a new scale, shifted, rotated, brighter, with
 * another white balance, with sensor noise and through JPEG. Depth is shown
 * the way a photo shows it: through Lambertian shading of a height field.
 *
 * The phantom is a validation instrument, not part of the product: the
 * library `skphantom` links the pipeline (libvips is used for the JPEG
 * round trip only). */
#ifndef SK_PHANTOM_H
#define SK_PHANTOM_H

#include <stdint.h>

#include "skintrack.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pores are planted with diameters in [SK_PHANTOM_PORE_MIN_MM,
 * SK_PHANTOM_PORE_MAX_MM]; the truth counts those >= the minimum. */
#define SK_PHANTOM_PORE_MIN_MM 0.10
#define SK_PHANTOM_PORE_MAX_MM 0.35

typedef struct sk_phantom_params {
    /* ---- the skin */
    uint64_t seed;       /* same seed, same features */
    double width_mm;     /* field of view of the reference capture */
    double height_mm;
    double mm_per_px;    /* resolution of the reference capture */
    double ita_deg;      /* skin tone (ITA°): 55 very light ... -30 dark */
    double pore_density; /* planted pores per cm^2 */
    int n_wrinkles, n_spots, n_redness, n_scars;
    double relief;       /* micro-relief amplitude, 1 = default skin */
    double improvement;  /* 0 <= f < 1: course of treatment, docs/PHANTOMS.md */
    int featureless;     /* no pores, wrinkles, spots, redness or scars */
    /* ---- the capture: camera transform about the field's centre */
    double shift_x_mm, shift_y_mm; /* skin moves right/down in the photo */
    double rotation_deg;           /* skin turns clockwise in the photo */
    double scale;                  /* magnification relative to the reference */
    double exposure_ev;            /* linear values x 2^EV */
    double wb_r, wb_b;             /* gains of linear R and B (G = 1) */
    double noise;       /* sensor noise: SD / signal at mid grey (linear 0.18), 0..0.1 */
    uint64_t noise_seed; /* the noise pattern */
    int jpeg_quality;   /* 0: none; else a JPEG round trip at this quality (1..100) */
} sk_phantom_params;

typedef enum sk_phantom_kind {
    SK_PH_PORE,
    SK_PH_WRINKLE,
    SK_PH_SPOT,
    SK_PH_REDNESS,
    SK_PH_SCAR,
} sk_phantom_kind;

typedef enum sk_phantom_scar_type {
    SK_PH_SCAR_ICEPICK,
    SK_PH_SCAR_BOXCAR,
    SK_PH_SCAR_ROLLING,
} sk_phantom_scar_type;

/* A point of a wrinkle's centre line, in skin mm and photo px. */
typedef struct sk_phantom_point {
    double x_mm, y_mm, x_px, y_px;
} sk_phantom_point;

/* One planted feature: position in mm on the skin and in pixels of the
 * rendered photo (pixel centres at integer coordinates), and its size. */
typedef struct sk_phantom_feature {
    sk_phantom_kind kind;
    int subtype;         /* scars: sk_phantom_scar_type; others 0 */
    double x_mm, y_mm;   /* centre (wrinkle: mid-point of its arc) */
    double x_px, y_px;   /* the same in the rendered photo */
    double size_mm;      /* pore/scar diameter, spot/redness equivalent diameter,
                          * wrinkle width (FWHM of the valley at its middle) */
    double length_mm;    /* wrinkle: arc length between its half-depth ends; else 0 */
    double area_mm2;     /* pore/spot/redness/scar area (disc or outline); wrinkle 0 */
    double depth;        /* pore/wrinkle/scar: depth (mm) of the height field */
    double dL, da, db;   /* colour change of the albedo (CIELAB) at the centre */
    double visible_mm;   /* wrinkle: arc length inside the photo; else 0 */
    int inside;          /* 1 when the whole feature lies inside the photo */
    int path_first, path_count; /* wrinkle: its centre line in truth->path */
} sk_phantom_feature;

typedef struct sk_phantom_truth {
    sk_phantom_params params;
    int width, height;     /* of the rendered photo */
    double mm_per_px;      /* of the rendered photo (params.mm_per_px / scale) */
    double area_mm2;       /* skin area in the photo */
    sk_phantom_feature *features;
    int n_features;
    sk_phantom_point *path; /* wrinkle centre lines, points 0.2 mm apart */
    int n_path;
    /* ---- totals over the photo (see docs/PHANTOMS.md for each definition) */
    int pore_count;              /* pores inside, diameter >= pore_min_mm */
    double pore_min_mm, pore_max_mm; /* the range the count covers */
    double pore_mean_diameter;   /* mm, of the counted pores */
    double pore_area_pct;        /* sum of counted pores' disc areas, % of the photo */
    int wrinkle_count;           /* wrinkles with >= half their length in the photo */
    double wrinkle_total_length; /* mm: visible arc length of all wrinkles */
    double wrinkle_mean_depth;   /* mm, of the counted wrinkles */
    int spot_count;              /* spots wholly inside */
    double spot_area_pct;        /* their area, % of the photo */
    double redness_area_pct;     /* redness patches wholly inside, % of the photo */
    int scar_count;              /* scars wholly inside */
    double scar_area_pct;
    double scar_depth_sum;       /* sum of depth x area (mm^3): the severity a depth proxy tracks */
    double base_L, base_a, base_b, ita_deg; /* planted base tone (albedo) */
} sk_phantom_truth;

/* Defaults: a 40 x 30 mm cheek patch at 0.04 mm/px (1000 x 750), ITA 30°,
 * 60 pores/cm^2, 6 wrinkles, 5 spots, 2 redness patches, 3 scars, relief 1,
 * neutral capture (scale 1, gains 1, no noise, no JPEG). */
void sk_phantom_params_default(sk_phantom_params *p);

/* Set the capture fields of *p to a random "same skin re-captured"
 * perturbation drawn from `seed` (the skin fields are left alone): shift
 * within ±1 mm, rotation within ±3°, scale within ±5 %, exposure within
 * ±0.3 EV, white-balance gains of R and B within ±6 %, noise 0.004-0.012,
 * a new noise pattern, JPEG quality 80-95. */
void sk_phantom_perturb(sk_phantom_params *p, uint64_t seed);

/* Render the photo and (when truth != NULL) its truth.
 * *out: 3 planes of sRGB-encoded values in [0, 1], width x height =
 * round(width_mm / mm_per_px) x round(height_mm / mm_per_px); free with
 * sk_image_free. *truth: free with sk_phantom_truth_free. Both are written
 * only on success. Returns 0 or a negative sk_status (SK_ERR_ARG for invalid
 * parameters, SK_ERR_NOMEM, SK_ERR_FORMAT when the JPEG round trip fails). */
int sk_phantom_render(const sk_phantom_params *p, sk_image_t **out, sk_phantom_truth **truth);

/* sk_phantom_truth_free(NULL) is a no-op. */
void sk_phantom_truth_free(sk_phantom_truth *t);

/* The truth as a JSON document: *json is malloc'd (free()), written only on
 * success. Returns 0 or a negative sk_status. */
int sk_phantom_truth_to_json(const sk_phantom_truth *t, char **json);

#ifdef __cplusplus
}
#endif

#endif
