/* Display names of the metrics, in the order reports and pages list them
 * (by family), and the headline metrics of a summary. One table for the PDF
 * report and the web app. */
#include "skintrack.h"

#include <string.h>

static const struct {
    const char *name, *label;
} labels[] = {
    {"pores.count", "Pores (count)"},
    {"pores.density", "Pore density"},
    {"pores.mean_diameter", "Pore mean diameter"},
    {"pores.area_pct", "Pore area"},
    {"wrinkles.count", "Wrinkles (count)"},
    {"wrinkles.total_length", "Wrinkle total length"},
    {"wrinkles.length_density", "Wrinkle length density"},
    {"wrinkles.mean_width", "Wrinkle mean width"},
    {"wrinkles.mean_depth", "Wrinkle mean depth"},
    {"pigment.spot_count", "Pigmented spots (count)"},
    {"pigment.spot_area_pct", "Pigmented spot area"},
    {"pigment.spot_contrast", "Spot contrast"},
    {"pigment.evenness", "Tone unevenness"},
    {"pigment.ita_deg", "Skin tone (ITA)"},
    {"pigment.melanin_index", "Melanin index"},
    {"pigment.erythema_index", "Erythema index"},
    {"redness.area_pct", "Red area"},
    {"texture.ra", "Roughness Ra"},
    {"texture.rq", "Roughness Rq"},
    {"texture.glcm_contrast", "Texture contrast (GLCM)"},
    {"texture.glcm_homogeneity", "Texture homogeneity (GLCM)"},
    {"texture.glcm_energy", "Texture energy (GLCM)"},
    {"texture.glcm_correlation", "Texture correlation (GLCM)"},
    {"texture.lbp_uniformity", "Texture uniformity (LBP)"},
    {"scars.count", "Scars (count)"},
    {"scars.area_pct", "Scar area"},
    {"scars.severity", "Scar severity (depth proxy)"},
};

const char *sk_metric_label(const char *name)
{
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].name, name) == 0)
            return labels[i].label;
    return name;
}

const char *sk_metric_name_at(int k)
{
    return k >= 0 && (size_t)k < sizeof labels / sizeof labels[0] ? labels[k].name : NULL;
}

const char *const sk_headline_metrics[SK_N_HEADLINE] = {
    "pores.count", "wrinkles.total_length", "pigment.spot_area_pct", "redness.area_pct",
    "texture.rq",  "scars.severity"};
