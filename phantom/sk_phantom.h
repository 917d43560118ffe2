/* Synthetic skin with known truth, for validation (docs/PHANTOMS.md).
 *
 * A seed and a few parameters generate a list of skin features in
 * millimetres on an unbounded skin plane: pores, wrinkles, pigmented spots,
 * redness patches and atrophic scars, over micro-relief and colour
 * mottling. Rendering samples that description at any resolution and under
 * any camera transform, so the same skin can be "photographed" again: at a
 * new scale, shifted, rotated, brighter, with another white balance, with
 * sensor noise and through JPEG. Depth is shown the way a photo shows it:
 * through Lambertian shading of a height field. */
#ifndef SK_PHANTOM_H
#define SK_PHANTOM_H

#include <stdint.h>

#include "skintrack.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sk_phantom_params {
    uint64_t seed;       /* the skin: same seed, same features */
    double width_mm;     /* field of view of the reference capture */
    double height_mm;
    double mm_per_px;    /* resolution of the capture */
    double ita_deg;      /* skin tone (ITA°): 55 very light ... -30 dark */
    double pore_density; /* pores per cm^2 */
    int n_wrinkles, n_spots, n_redness, n_scars;
    double improvement;  /* 0..0.9: course of treatment, see docs/PHANTOMS.md */
    int featureless;     /* no pores, wrinkles, spots, redness or scars */
    /* capture: camera transform about the field's centre, then exposure */
    double shift_x_mm, shift_y_mm; /* skin moves right/down in the photo */
    double rotation_deg;           /* skin turns clockwise in the photo */
    double scale;                  /* magnification relative to the reference */
    double exposure_ev;            /* linear values x 2^EV */
    double wb_r, wb_b;             /* gains of linear R and B (G = 1) */
    double noise;                  /* sensor noise SD at mid grey (0..0.05) */
    int jpeg_quality;              /* 0: none; else a JPEG round trip at this quality */
} sk_phantom_params;

typedef enum sk_phantom_kind {
    SK_PH_PORE,
    SK_PH_WRINKLE,
    SK_PH_SPOT,
    SK_PH_REDNESS,
    SK_PH_SCAR,
} sk_phantom_kind;

/* One planted feature: position in mm on the skin and in pixels of the
 * rendered photo, and its size. */
typedef struct sk_phantom_feature {
    sk_phantom_kind kind;
    double x_mm, y_mm;   /* centre (wrinkle: mid-point) */
    double x_px, y_px;   /* the same in the rendered photo */
    double size_mm;      /* pore/scar diameter, spot/redness equivalent diameter, wrinkle width */
    double length_mm;    /* wrinkle length (0 for others) */
    double area_mm2;     /* spot/redness/scar area */
    double depth;        /* pore/wrinkle/scar depth (mm of the height field); spot: -dL* */
    int inside;          /* 1 when the whole feature lies inside the photo */
} sk_phantom_feature;

typedef struct sk_phantom_truth {
    sk_phantom_params params;
    int width, height;     /* of the rendered photo */
    double mm_per_px;      /* of the rendered photo (params.mm_per_px / scale) */
    double area_mm2;       /* skin area in the photo */
    sk_phantom_feature *features;
    int n_features;
    /* totals over features inside the photo */
    int pore_count;            /* pores with diameter >= 0.1 mm */
    double pore_mean_diameter; /* mm */
    int wrinkle_count;
    double wrinkle_total_length; /* mm */
    int spot_count;
    double spot_area_pct;      /* of the photo */
    double redness_area_pct;
    int scar_count;
    double scar_area_pct;
    double scar_depth_sum;     /* sum of depth x area (mm^3): the severity the model tracks */
    double base_L, base_a, base_b, ita_deg; /* planted tone */
} sk_phantom_truth;

/* Defaults: a 40 x 30 mm cheek patch at 0.04 mm/px (1000 x 750), ITA 30°,
 * 60 pores/cm^2, 6 wrinkles, 5 spots, 2 redness patches, 3 scars, neutral
 * capture. */
void sk_phantom_params_default(sk_phantom_params *p);

/* A random "same skin re-captured" perturbation from `seed`: shift up to
 * 1 mm, rotation within ±3°, scale within ±5 %, exposure within ±0.3 EV,
 * white-balance gains within ±6 %, noise SD 0.004-0.012, JPEG quality 80-95. */
void sk_phantom_perturb(sk_phantom_params *p, uint64_t seed);

/* Render. *out: sRGB planes in [0, 1] (free with sk_image_free); *truth (may
 * be NULL): free with sk_phantom_truth_free. Returns 0 or a negative status. */
int sk_phantom_render(const sk_phantom_params *p, sk_image_t **out, sk_phantom_truth **truth);

void sk_phantom_truth_free(sk_phantom_truth *t);

/* The truth as a JSON document (malloc'd, free()). */
char *sk_phantom_truth_to_json(const sk_phantom_truth *t);

#ifdef __cplusplus
}
#endif

#endif
