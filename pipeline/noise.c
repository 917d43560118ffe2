/* The repeatability (noise) model: per metric, the within-subject SD of
 * re-captures of the same skin, read from models/repeatability/noise.json
 * (written by tools/sk_noise; method in docs/COMPARE.md). */
#include "sk_compare.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

/* One table of entries: {"<metric>": {"sw": .., "cv": .., "n": ..}, ...}. */
static int load_table(json_object *metrics, const char *disp, const char *what,
                      sk_noise_entry_t *items, int *count)
{
    json_object_object_foreach(metrics, key, val)
    {
        json_object *sw = NULL, *cv = NULL, *n = NULL;
        if (strlen(key) >= sizeof items[0].name)
            return sk_error_set(SK_ERR_FORMAT, "%s: %s: metric name too long: %.60s", disp, what,
                                key);
        if (!json_object_is_type(val, json_type_object) ||
            !json_object_object_get_ex(val, "sw", &sw) ||
            !json_object_object_get_ex(val, "cv", &cv) ||
            !(json_object_is_type(sw, json_type_double) ||
              json_object_is_type(sw, json_type_int)) ||
            !(json_object_is_type(cv, json_type_double) || json_object_is_type(cv, json_type_int)))
            return sk_error_set(SK_ERR_FORMAT, "%s: %s.%s needs numbers \"sw\" and \"cv\"", disp,
                                what, key);
        double s = json_object_get_double(sw), c = json_object_get_double(cv);
        if (!isfinite(s) || !isfinite(c) || s < 0 || c < 0)
            return sk_error_set(SK_ERR_FORMAT, "%s: %s.%s: sw and cv must be >= 0", disp, what,
                                key);
        if (*count == SK_NOISE_MAX)
            return sk_error_set(SK_ERR_TOO_LARGE, "%s: %s: more than %d metrics", disp, what,
                                SK_NOISE_MAX);
        sk_noise_entry_t *e = &items[(*count)++];
        snprintf(e->name, sizeof e->name, "%s", key);
        e->sw = s;
        e->cv = c;
        e->n = json_object_object_get_ex(val, "n", &n) ? json_object_get_int(n) : 0;
    }
    return SK_OK;
}

static int number(json_object *o, const char *key, double *out)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v) ||
        !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
        return 0;
    *out = json_object_get_double(v);
    return isfinite(*out);
}

/* "tone_bands": [{"name", "ita_min", "ita_max", "metrics": {...}}, ...] */
static int load_bands(json_object *arr, const char *disp, sk_noise_t *out)
{
    if (!json_object_is_type(arr, json_type_array))
        return sk_error_set(SK_ERR_FORMAT, "%s: \"tone_bands\" must be an array", disp);
    size_t n = json_object_array_length(arr);
    if (n > SK_NOISE_MAX_BANDS)
        return sk_error_set(SK_ERR_TOO_LARGE, "%s: more than %d tone bands", disp,
                            SK_NOISE_MAX_BANDS);
    for (size_t i = 0; i < n; i++) {
        json_object *b = json_object_array_get_idx(arr, i), *name = NULL, *metrics = NULL;
        sk_noise_band_t *band = &out->bands[out->n_bands];
        if (!json_object_is_type(b, json_type_object) || !number(b, "ita_min", &band->ita_min) ||
            !number(b, "ita_max", &band->ita_max) || !(band->ita_min < band->ita_max) ||
            !json_object_object_get_ex(b, "metrics", &metrics) ||
            !json_object_is_type(metrics, json_type_object))
            return sk_error_set(SK_ERR_FORMAT,
                                "%s: tone_bands[%zu] needs \"ita_min\" < \"ita_max\" and a "
                                "\"metrics\" object",
                                disp, i);
        if (json_object_object_get_ex(b, "name", &name) &&
            json_object_is_type(name, json_type_string))
            snprintf(band->name, sizeof band->name, "%s", json_object_get_string(name));
        int rc = load_table(metrics, disp, "tone_bands", band->items, &band->count);
        if (rc < 0)
            return rc;
        out->n_bands++;
    }
    return SK_OK;
}

int sk_noise_load(const char *dir, sk_noise_t *out)
{
    memset(out, 0, sizeof *out);
    if (!dir)
        dir = sk_model_params_dir();
    char path[4200], disp[SK_DISPLAY_PATH_MAX];
    snprintf(path, sizeof path, "%s/repeatability/noise.json", dir);
    sk_path_display(path, disp, sizeof disp);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return SK_OK; /* no noise model: every limit unknown */
        return sk_error_set(SK_ERR_IO, "%s: %s", disp, strerror(errno));
    }
    fclose(f);
    json_object *root = json_object_from_file(path);
    if (!root)
        return sk_error_set(SK_ERR_FORMAT, "%s: not valid JSON", disp);
    int rc = SK_OK;
    json_object *metrics = NULL, *v = NULL;
    if (!json_object_is_type(root, json_type_object) ||
        !json_object_object_get_ex(root, "metrics", &metrics) ||
        !json_object_is_type(metrics, json_type_object)) {
        rc = sk_error_set(SK_ERR_FORMAT, "%s: needs a \"metrics\" object", disp);
        goto done;
    }
    if (json_object_object_get_ex(root, "version", &v) && json_object_is_type(v, json_type_string))
        snprintf(out->version, sizeof out->version, "%s", json_object_get_string(v));
    if (json_object_object_get_ex(root, "model_version", &v) &&
        json_object_is_type(v, json_type_string))
        snprintf(out->model_version, sizeof out->model_version, "%s", json_object_get_string(v));
    if ((rc = load_table(metrics, disp, "metrics", out->items, &out->count)) < 0)
        goto done;
    if (json_object_object_get_ex(root, "metrics_nominal", &v)) {
        if (!json_object_is_type(v, json_type_object)) {
            rc = sk_error_set(SK_ERR_FORMAT, "%s: \"metrics_nominal\" must be an object", disp);
            goto done;
        }
        if ((rc = load_table(v, disp, "metrics_nominal", out->items_nominal, &out->count_nominal)) <
            0)
            goto done;
    }
    if (json_object_object_get_ex(root, "tone_bands", &v) && (rc = load_bands(v, disp, out)) < 0)
        goto done;
done:
    json_object_put(root);
    if (rc < 0)
        memset(out, 0, sizeof *out);
    return rc;
}

const sk_noise_entry_t *sk_noise_find(const sk_noise_t *noise, const char *name)
{
    if (!noise || !name)
        return NULL;
    for (int i = 0; i < noise->count; i++)
        if (strcmp(noise->items[i].name, name) == 0)
            return &noise->items[i];
    return NULL;
}

const sk_noise_entry_t *sk_noise_find_scaled(const sk_noise_t *noise, const char *name,
                                             int physical)
{
    if (!noise || !name)
        return NULL;
    if (physical || noise->count_nominal == 0)
        return sk_noise_find(noise, name);
    for (int i = 0; i < noise->count_nominal; i++)
        if (strcmp(noise->items_nominal[i].name, name) == 0)
            return &noise->items_nominal[i];
    return NULL;
}

const sk_noise_entry_t *sk_noise_find_toned(const sk_noise_t *noise, const char *name,
                                            int physical, double ita_deg)
{
    if (!noise || !name)
        return NULL;
    if (physical && isfinite(ita_deg))
        for (int b = 0; b < noise->n_bands; b++) {
            const sk_noise_band_t *band = &noise->bands[b];
            if (!(ita_deg >= band->ita_min && ita_deg < band->ita_max))
                continue;
            for (int i = 0; i < band->count; i++)
                if (strcmp(band->items[i].name, name) == 0 &&
                    band->items[i].n >= SK_NOISE_BAND_MIN_PAIRS)
                    return &band->items[i];
            break;
        }
    return sk_noise_find_scaled(noise, name, physical);
}

double sk_noise_limit(const sk_noise_t *noise, const char *name, double level)
{
    return sk_noise_limit_scaled(noise, name, level, 1);
}

double sk_noise_limit_scaled(const sk_noise_t *noise, const char *name, double level, int physical)
{
    return sk_noise_limit_toned(noise, name, level, physical, NAN);
}

double sk_noise_limit_toned(const sk_noise_t *noise, const char *name, double level, int physical,
                            double ita_deg)
{
    /* A band only raises the limit: the re-captures behind the figures are
     * synthetic and miss part of a real re-photograph's noise (pose, light),
     * so no skin tone is held to less than the pooled figure. */
    const sk_noise_entry_t *p = sk_noise_find_scaled(noise, name, physical);
    const sk_noise_entry_t *e = sk_noise_find_toned(noise, name, physical, ita_deg);
    if (!p || !e || !isfinite(level))
        return NAN;
    double m = fmax(fmax(p->sw, p->cv * fabs(level)), fmax(e->sw, e->cv * fabs(level)));
    /* Photos without a scale: their table comes from a few synthetic
     * re-captures of portraits, so its relative figure is never taken below
     * the phantoms' (the units of sw differ between the tables; cv does
     * not). */
    const sk_noise_entry_t *ph = physical ? NULL : sk_noise_find_scaled(noise, name, 1);
    if (ph && isfinite(ph->cv))
        m = fmax(m, ph->cv * fabs(level));
    return 1.96 * sqrt(2.0) * m;
}

double sk_noise_count_limit(const char *name, double limit)
{
    size_t n = name ? strlen(name) : 0;
    if (n >= 5 && strcmp(name + n - 5, "count") == 0 && limit < 1.5)
        return 1.5;
    return limit;
}

int sk_metric_is_absolute_tone(const char *name)
{
    return name &&
           (strcmp(name, "pigment.ita_deg") == 0 || strcmp(name, "pigment.melanin_index") == 0 ||
            strcmp(name, "pigment.erythema_index") == 0);
}

int sk_noise_beyond_stored(const sk_noise_t *noise, const char *name, double before, double after,
                           int physical, double ita_deg)
{
    if (!name || sk_metric_is_absolute_tone(name))
        return -1;
    double lim = sk_noise_limit_toned(noise, name, 0.5 * (before + after), physical, ita_deg);
    if (!isfinite(lim) || !isfinite(before) || !isfinite(after))
        return -1;
    return fabs(after - before) > sk_noise_count_limit(name, lim);
}
