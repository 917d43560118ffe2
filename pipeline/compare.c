/* Comparing a follow-up photo with its baseline: align, normalise colour,
 * measure both inside the common skin region, set each change against the
 * metric's repeatability limit. Method: docs/COMPARE.md. */
#include "sk_compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

struct sk_comparer {
    sk_analyzer_t *an_before, *an_after;
    sk_image_t *before, *after; /* as loaded */
    sk_image_t *aligned;        /* the follow-up in the baseline's frame, normalised */
    uint8_t *region;            /* common region, baseline pixels */
    uint8_t *user;              /* user masks and warp validity, baseline pixels */
    size_t region_cap;
    sk_noise_t noise;
    int noise_loaded;
    sk_detections_t det[2];
};

/* ------------------------------------------------------------ pair flags */

static const char *const pair_names[SK_PAIR_FLAG_COUNT] = {"exposure", "white_balance", "scale",
                                                           "sharpness", "overlap"};
static const char *const pair_affects[SK_PAIR_FLAG_COUNT] = {
    "pigment.,redness.,texture.",
    "pigment.,redness.",
    "pores.,wrinkles.,scars.,texture.",
    "texture.,pores.,wrinkles.,scars.",
    "pigment.,redness.,texture.,pores.,wrinkles.,scars.",
};

static int bit_index(unsigned bit)
{
    for (int i = 0; i < SK_PAIR_FLAG_COUNT; i++)
        if (bit == 1u << i)
            return i;
    return -1;
}

const char *sk_pair_flag_name(unsigned bit)
{
    int i = bit_index(bit);
    return i < 0 ? NULL : pair_names[i];
}

const char *sk_pair_flag_affects(unsigned bit)
{
    int i = bit_index(bit);
    return i < 0 ? NULL : pair_affects[i];
}

/* Does the comma-separated prefix list name the metric's family? */
static int affects(const char *list, const char *metric)
{
    const char *p = list;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && strncmp(metric, p, n) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

/* ------------------------------------------------------------ lifecycle */

void sk_compare_opts_default(sk_compare_opts_t *opts)
{
    memset(opts, 0, sizeof *opts);
    sk_load_opts_default(&opts->load);
    sk_register_opts_default(&opts->reg);
    opts->normalise = 1;
}

int sk_comparer_new(sk_comparer_t **out)
{
    sk_comparer_t *c = calloc(1, sizeof *c);
    if (!c)
        return sk_error_set(SK_ERR_NOMEM, "compare: out of memory");
    sk_detections_init(&c->det[0]);
    sk_detections_init(&c->det[1]);
    int rc = sk_analyzer_new(&c->an_before);
    if (rc == SK_OK)
        rc = sk_analyzer_new(&c->an_after);
    if (rc == SK_OK)
        rc = sk_image_new(1, 1, 3, &c->before);
    if (rc == SK_OK)
        rc = sk_image_new(1, 1, 3, &c->after);
    if (rc < 0) {
        sk_comparer_free(c);
        return rc;
    }
    *out = c;
    return SK_OK;
}

void sk_comparer_free(sk_comparer_t *c)
{
    if (!c)
        return;
    sk_analyzer_free(c->an_before);
    sk_analyzer_free(c->an_after);
    sk_image_free(c->before);
    sk_image_free(c->after);
    sk_image_free(c->aligned);
    free(c->region);
    free(c->user);
    sk_detections_free(&c->det[0]);
    sk_detections_free(&c->det[1]);
    free(c);
}

const sk_image_t *sk_comparer_before(const sk_comparer_t *c)
{
    return c->before;
}

const sk_image_t *sk_comparer_after_aligned(const sk_comparer_t *c)
{
    return c->aligned;
}

const uint8_t *sk_comparer_region(const sk_comparer_t *c)
{
    return c->region;
}

const sk_detections_t *sk_comparer_detections(const sk_comparer_t *c, int after)
{
    return &c->det[after ? 1 : 0];
}

/* ------------------------------------------------------------ helpers */

/* A user mask (white = analyse) of a photo, as bytes of that photo. */
static int load_mask(const char *path, const sk_load_opts_t *lo, int w, int h, sk_image_t **out)
{
    sk_image_t *m = NULL;
    sk_load_info_t info;
    int rc = sk_load_photo(path, lo, &m, NULL, &info);
    if (rc < 0)
        return sk_error_wrap(rc, "mask");
    if (m->width != w || m->height != h) {
        char d[SK_DISPLAY_PATH_MAX];
        sk_image_free(m);
        return sk_error_set(SK_ERR_ARG, "%s: the mask is %dx%d but its photo is %dx%d",
                            sk_path_display(path, d, sizeof d), info.width, info.height, w, h);
    }
    *out = m;
    return SK_OK;
}

static int card_inside(const sk_rect_t *r, const sk_image_t *img)
{
    return r->x >= 0 && r->y >= 0 && r->w >= 4 && r->h >= 4 && r->x + r->w <= img->width &&
           r->y + r->h <= img->height;
}

/* One sRGB-encoded value decoded by the colour kernel (the project's one
 * definition of the transfer function). */
static double decode1(float v)
{
    float l = 0;
    sk_colour_srgb_to_linear(&v, 1, &l, 1, 1, 1);
    return l;
}

/* Mean linear R, G, B inside a rectangle. */
static int card_mean(const sk_image_t *img, const sk_rect_t *r, double m[3])
{
    float *lin = malloc((size_t)r->w * r->h * sizeof *lin);
    if (!lin)
        return sk_error_set(SK_ERR_NOMEM, "compare: out of memory");
    int rc = SK_OK;
    for (int c = 0; c < 3 && rc == SK_OK; c++) {
        const float *p = sk_image_plane(img, c) + (size_t)r->y * img->stride + r->x;
        if ((rc = sk_colour_srgb_to_linear(p, img->stride, lin, (size_t)r->w, r->w, r->h)) < 0)
            break;
        double s = 0;
        for (size_t i = 0; i < (size_t)r->w * r->h; i++)
            s += lin[i];
        m[c] = s / ((double)r->w * r->h);
    }
    free(lin);
    return rc;
}

/* Medians of linear R, G, B over mask pixels, from 4096-bin histograms of
 * the sRGB-encoded values (exact to 1/4096 of the code range). Returns the
 * pixel count. */
#define NBIN 4096
static size_t masked_medians(const sk_image_t *img, const uint8_t *mask, double med[3])
{
    size_t n = 0;
    unsigned *hist = calloc(3 * NBIN, sizeof *hist);
    if (!hist) {
        med[0] = med[1] = med[2] = NAN;
        return 0;
    }
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++) {
            if (!mask[(size_t)y * img->width + x])
                continue;
            n++;
            for (int c = 0; c < 3; c++) {
                float v = sk_image_plane(img, c)[(size_t)y * img->stride + x];
                int b = (int)(v * (NBIN - 1) + 0.5f);
                b = b < 0 ? 0 : b >= NBIN ? NBIN - 1 : b;
                hist[c * NBIN + b]++;
            }
        }
    for (int c = 0; c < 3; c++) {
        med[c] = NAN;
        size_t acc = 0;
        for (int b = 0; b < NBIN && n; b++) {
            acc += hist[c * NBIN + b];
            if (2 * acc >= n) {
                med[c] = decode1((float)b / (NBIN - 1));
                break;
            }
        }
    }
    free(hist);
    return n;
}

/* Multiply linear values by gain[c], clipping at 1, in place on sRGB planes
 * (decode and encode by the colour kernels). */
static int apply_gains(sk_image_t *img, const double gain[3])
{
    const int w = img->width, h = img->height;
    const size_t s = img->stride;
    for (int c = 0; c < 3; c++) {
        float *p = sk_image_plane(img, c);
        int rc = sk_colour_srgb_to_linear(p, s, p, s, w, h);
        if (rc < 0)
            return rc;
        const float g = (float)gain[c];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                float v = p[(size_t)y * s + x] * g;
                p[(size_t)y * s + x] = v > 1.0f ? 1.0f : v;
            }
        if ((rc = sk_colour_linear_to_srgb(p, s, p, s, w, h)) < 0)
            return rc;
    }
    return SK_OK;
}

/* Upsample a base-scale mask to the photo (nearest base pixel). */
static void base_to_photo(const uint8_t *base, int bw, int bh, uint8_t *out, int w, int h)
{
    for (int y = 0; y < h; y++) {
        int by = (int)(((double)y + 0.5) * bh / h);
        by = by >= bh ? bh - 1 : by;
        for (int x = 0; x < w; x++) {
            int bx = (int)(((double)x + 0.5) * bw / w);
            bx = bx >= bw ? bw - 1 : bx;
            out[(size_t)y * w + x] = base[(size_t)by * bw + bx];
        }
    }
}

static double luma(const double m[3])
{
    return 0.2126 * m[0] + 0.7152 * m[1] + 0.0722 * m[2];
}

/* ------------------------------------------------------------ compare */

int sk_compare_photos(sk_comparer_t *c, const char *before, const char *after,
                      const sk_compare_opts_t *opts, sk_compare_result_t *out)
{
    sk_compare_opts_t defaults;
    if (!opts) {
        sk_compare_opts_default(&defaults);
        opts = &defaults;
    }
    if (!c || !before || !after || !out)
        return sk_error_set(SK_ERR_ARG, "compare: missing argument");
    if (opts->mm_per_px < 0 || !isfinite(opts->mm_per_px))
        return sk_error_set(SK_ERR_ARG, "compare: mm-per-px must be a positive number");
    if (!opts->card_before != !opts->card_after)
        return sk_error_set(SK_ERR_ARG, "compare: give a grey card in both photos or in neither");
    memset(out, 0, sizeof *out);
    char db[SK_DISPLAY_PATH_MAX], da[SK_DISPLAY_PATH_MAX];
    sk_path_display(before, db, sizeof db);
    sk_path_display(after, da, sizeof da);

    const sk_noise_t *noise = opts->noise;
    if (!noise) {
        if (!c->noise_loaded) {
            int rc = sk_noise_load(NULL, &c->noise);
            if (rc < 0)
                return rc;
            c->noise_loaded = 1;
        }
        noise = &c->noise;
    }
    snprintf(out->noise_model_version, sizeof out->noise_model_version, "%s", noise->model_version);

    /* load both */
    sk_load_info_t ib, ia;
    int rc = sk_load_photo_into(before, &opts->load, c->before, NULL, &ib);
    if (rc < 0)
        return rc;
    if ((rc = sk_load_photo_into(after, &opts->load, c->after, NULL, &ia)) < 0)
        return rc;
    const int w = c->before->width, h = c->before->height;
    if (opts->card_before && !card_inside(opts->card_before, c->before))
        return sk_error_set(SK_ERR_ARG, "%s: the grey card lies outside the photo", db);
    if (opts->card_after && !card_inside(opts->card_after, c->after))
        return sk_error_set(SK_ERR_ARG, "%s: the grey card lies outside the photo", da);

    /* align the follow-up to the baseline */
    if ((rc = sk_register(c->before, NULL, c->after, NULL, &opts->reg, &out->reg)) < 0) {
        char why[400];
        snprintf(why, sizeof why, "%s", sk_error_message());
        return sk_error_set(rc, "%s vs %s: %s", da, db, why);
    }
    sk_image_free(c->aligned);
    c->aligned = NULL;
    uint8_t *valid = NULL;
    if ((rc = sk_register_warp(c->after, &out->reg, w, h, &c->aligned, &valid)) < 0)
        return rc;
    size_t n = (size_t)w * h;
    if (n > c->region_cap) {
        uint8_t *r = malloc(n), *u = malloc(n);
        if (!r || !u) {
            free(r), free(u), free(valid);
            return sk_error_set(SK_ERR_NOMEM, "compare: out of memory");
        }
        free(c->region), free(c->user);
        c->region = r, c->user = u, c->region_cap = n;
    }
    memcpy(c->user, valid, n);
    free(valid);
    /* the user masks, the follow-up's carried into the baseline's frame */
    if (opts->mask_before) {
        sk_image_t *m = NULL;
        if ((rc = load_mask(opts->mask_before, &opts->load, w, h, &m)) < 0)
            return rc;
        const float *g = sk_image_plane(m, 1);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                c->user[(size_t)y * w + x] &= g[(size_t)y * m->stride + x] >= 0.5f;
        sk_image_free(m);
    }
    if (opts->mask_after) {
        sk_image_t *m = NULL, *mw = NULL;
        if ((rc = load_mask(opts->mask_after, &opts->load, c->after->width, c->after->height, &m)) <
            0)
            return rc;
        rc = sk_register_warp(m, &out->reg, w, h, &mw, NULL);
        sk_image_free(m);
        if (rc < 0)
            return rc;
        const float *g = sk_image_plane(mw, 1);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                c->user[(size_t)y * w + x] &= g[(size_t)y * mw->stride + x] >= 0.5f;
        sk_image_free(mw);
    }

    /* pass 1: each photo's own skin inside the usable region (the skin mask
     * only: the metrics come from pass 2) */
    sk_analyze_opts_t ao;
    sk_analyze_opts_default(&ao);
    ao.load = opts->load;
    ao.mm_per_px = opts->mm_per_px;
    ao.image = c->before;
    ao.skin_only = 1;
    sk_analysis_t *tmp = malloc(sizeof *tmp);
    if (!tmp)
        return sk_error_set(SK_ERR_NOMEM, "compare: out of memory");
    /* the baseline's skin over its whole frame, or inside its region mask
     * when it has one (for the overlap figure: a region the clinic drew on
     * the treated skin is not a capture mismatch) */
    ao.mask_path = opts->mask_before;
    rc = sk_analyze_photo(c->an_before, before, &ao, tmp);
    ao.mask_path = NULL;
    if (rc < 0)
        goto fail;
    const double skin_frac_b = tmp->skin_fraction;
    int bw = 0, bh = 0, bw2 = 0, bh2 = 0;
    const uint8_t *skin_b = sk_analyzer_skin(c->an_before, &bw, &bh);
    if (!skin_b) {
        rc = sk_error_status();
        goto fail;
    }
    ao.image = c->aligned;
    ao.region = c->user;
    if ((rc = sk_analyze_photo(c->an_after, after, &ao, tmp)) < 0)
        goto fail;
    const double skin_frac_a = tmp->skin_fraction;
    const uint8_t *skin_a = sk_analyzer_skin(c->an_after, &bw2, &bh2);
    if (!skin_a || bw2 != bw || bh2 != bh) {
        rc = skin_a ? sk_error_set(SK_ERR_INTERNAL, "compare: working sizes differ")
                    : sk_error_status();
        goto fail;
    }
    /* common region: both skins, in the baseline's pixels, inside the
     * usable region */
    uint8_t *common = malloc((size_t)bw * bh);
    if (!common) {
        rc = sk_error_set(SK_ERR_NOMEM, "compare: out of memory");
        goto fail;
    }
    size_t n_b = 0;
    for (size_t i = 0; i < (size_t)bw * bh; i++) {
        n_b += skin_b[i] != 0;
        common[i] = skin_b[i] && skin_a[i];
    }
    base_to_photo(common, bw, bh, c->region, w, h);
    free(common);
    size_t n_common = 0;
    for (size_t i = 0; i < n; i++) {
        c->region[i] = c->region[i] && c->user[i];
        n_common += c->region[i];
    }
    double n_b_photo = (double)n_b * ((double)n / ((double)bw * bh));
    out->common_fraction = n_b_photo > 0 ? (double)n_common / n_b_photo : 0.0;
    if (n_common < 1024) {
        rc = sk_error_set(SK_ERR_QUALITY, "%s vs %s: the photos share too little skin (%zu px)", da,
                          db, n_common);
        goto fail;
    }

    /* capture mismatch and colour normalisation on the common skin */
    double mb[3], ma[3];
    masked_medians(c->before, c->region, mb);
    masked_medians(c->aligned, c->region, ma);
    out->exposure_ev = log2(fmax(luma(ma), 1e-6) / fmax(luma(mb), 1e-6));
    double rg = (ma[0] / fmax(ma[1], 1e-6)) / fmax(mb[0] / fmax(mb[1], 1e-6), 1e-6) - 1;
    double bg = (ma[2] / fmax(ma[1], 1e-6)) / fmax(mb[2] / fmax(mb[1], 1e-6), 1e-6) - 1;
    out->wb_shift = fmax(fabs(rg), fabs(bg));
    out->gain[0] = out->gain[1] = out->gain[2] = 1.0;
    out->norm = SK_NORM_NONE;
    if (opts->normalise) {
        if (opts->card_before) {
            double cb[3], ca[3];
            if ((rc = card_mean(c->before, opts->card_before, cb)) < 0 ||
                (rc = card_mean(c->after, opts->card_after, ca)) < 0)
                goto fail;
            for (int k = 0; k < 3; k++)
                out->gain[k] = ca[k] > 1e-6 ? cb[k] / ca[k] : 1.0;
            out->norm = SK_NORM_CARD;
        } else {
            for (int k = 0; k < 3; k++)
                out->gain[k] = ma[k] > 1e-6 ? mb[k] / ma[k] : 1.0;
            out->norm = SK_NORM_SKIN;
        }
        for (int k = 0; k < 3; k++)
            if (!isfinite(out->gain[k]) || out->gain[k] <= 0) {
                rc = sk_error_set(SK_ERR_QUALITY, "%s: cannot normalise its colour", da);
                goto fail;
            }
        if ((out->gain[0] != 1.0 || out->gain[1] != 1.0 || out->gain[2] != 1.0) &&
            (rc = apply_gains(c->aligned, out->gain)) < 0)
            goto fail;
    }

    /* pass 2: both measured on the common region, which is the skin of both:
     * the skin model is not run again, so the two photos are measured on
     * exactly the same pixels (a skin mask recomputed inside it would move
     * with each capture's exposure, colour and noise) */
    ao.skin_only = 0;
    ao.region = c->region;
    ao.region_is_skin = 1;
    ao.detections = opts->detections;
    ao.image = c->before;
    if ((rc = sk_analyze_photo(c->an_before, before, &ao, &out->before)) < 0)
        goto fail;
    ao.image = c->aligned;
    if ((rc = sk_analyze_photo(c->an_after, after, &ao, &out->after)) < 0)
        goto fail;
    out->before.load = ib;
    out->after.load = ia;
    /* each photo's own skin share (pass 1), not the common region's (1) */
    out->before.skin_fraction = skin_frac_b;
    out->after.skin_fraction = skin_frac_a;
    if (opts->detections) {
        const sk_detections_t *src[2] = {sk_analyzer_detections(c->an_before),
                                         sk_analyzer_detections(c->an_after)};
        for (int k = 0; k < 2; k++) {
            sk_detections_clear(&c->det[k]);
            for (size_t i = 0; i < src[k]->count; i++) {
                sk_detection_t *d = sk_detections_add(&c->det[k], src[k]->items[i].kind);
                if (!d) {
                    rc = sk_error_set(SK_ERR_NOMEM, "compare: out of memory");
                    goto fail;
                }
                *d = src[k]->items[i];
            }
            if (src[k]->n_points &&
                sk_detections_add_points(&c->det[k], src[k]->points, src[k]->n_points) < 0) {
                rc = sk_error_set(SK_ERR_NOMEM, "compare: out of memory");
                goto fail;
            }
        }
    }

    /* pair flags: with normalisation, exposure and white balance differences
     * are corrected and only gross ones (clipping, noise) are flagged */
    const double ev_lim = out->norm != SK_NORM_NONE ? 1.0 : 1.0 / 3.0;
    const double wb_lim = out->norm != SK_NORM_NONE ? 0.20 : 0.06;
    if (fabs(out->exposure_ev) > ev_lim)
        out->pair_flags |= SK_PAIR_EXPOSURE;
    if (out->wb_shift > wb_lim)
        out->pair_flags |= SK_PAIR_WHITE_BALANCE;
    if (out->reg.scale > 1.10 || out->reg.scale < 1 / 1.10)
        out->pair_flags |= SK_PAIR_SCALE;
    /* sharpness of the photos as captured: the aligned copy is interpolated,
     * which alone would soften it */
    sk_qc_t qb, qa;
    sk_qc_measure(c->before, NULL, 0, &qb);
    sk_qc_measure(c->after, NULL, 0, &qa);
    double sb = qb.sharpness, sa = qa.sharpness;
    out->sharpness_ratio = sb > 0 ? sa / sb : NAN;
    if (sb > 0 && sa > 0 && (sa / sb < 0.7 || sb / sa < 0.7))
        out->pair_flags |= SK_PAIR_SHARPNESS;
    if (out->common_fraction < 0.5)
        out->pair_flags |= SK_PAIR_OVERLAP;

    /* per metric, against the limits for the baseline skin's tone */
    const sk_metric_set_t *mb_set = &out->before.metrics, *ma_set = &out->after.metrics;
    const sk_metric_t *ita = sk_metric_set_find(mb_set, "pigment.ita_deg");
    const double ita_deg = ita ? ita->value : NAN;
    for (int i = 0; i < mb_set->count && out->count < SK_METRICS_MAX; i++) {
        const sk_metric_t *m0 = &mb_set->items[i];
        const sk_metric_t *m1 = sk_metric_set_find(ma_set, m0->name);
        sk_compare_metric_t *r = &out->m[out->count++];
        r->name = m0->name;
        r->unit = m0->unit;
        r->better = m0->better;
        r->before = m0->value;
        r->after = m1 ? m1->value : NAN;
        r->delta = r->after - r->before;
        r->pct = isfinite(r->delta) && r->before != 0 ? 100.0 * r->delta / fabs(r->before) : NAN;
        r->limit = sk_noise_limit_toned(noise, r->name, 0.5 * (r->before + r->after),
                                        opts->mm_per_px > 0, ita_deg);
        r->beyond_noise = -1;
        for (int b = 0; b < SK_PAIR_FLAG_COUNT; b++)
            if ((out->pair_flags & (1u << b)) && affects(pair_affects[b], r->name))
                r->unreliable |= 1u << b;
        if (!isfinite(r->delta))
            r->note = !isfinite(r->before)
                          ? (m0->null_reason ? m0->null_reason : "not measurable before")
                          : (m1 && m1->null_reason ? m1->null_reason : "not measurable after");
        else if (out->norm == SK_NORM_SKIN && sk_metric_is_absolute_tone(r->name))
            r->note = "the skin's colour is the normalisation reference: give a grey card to "
                      "compare skin tone";
        else if (!isfinite(r->limit))
            r->note = "no repeatability figure for this metric";
        else
            r->beyond_noise = fabs(r->delta) > sk_noise_count_limit(r->name, r->limit);
        if (r->beyond_noise == 1 && r->better != SK_BETTER_NEUTRAL)
            r->improved = (r->delta < 0) == (r->better == SK_BETTER_LOWER) ? 1 : -1;
    }
    free(tmp);
    return SK_OK;
fail:
    free(tmp);
    return rc;
}

/* ------------------------------------------------------------ JSON */

static json_object *num(double v)
{
    return isfinite(v) ? json_object_new_double(v) : NULL;
}

static json_object *flags_json(unsigned flags)
{
    json_object *a = json_object_new_array();
    for (int b = 0; b < SK_PAIR_FLAG_COUNT; b++)
        if (flags & (1u << b))
            json_object_array_add(a, json_object_new_string(pair_names[b]));
    return a;
}

static json_object *photo_json(const char *path, const sk_analysis_t *a)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "photo", json_object_new_string(path));
    json_object_object_add(o, "width", json_object_new_int(a->load.width));
    json_object_object_add(o, "height", json_object_new_int(a->load.height));
    json_object_object_add(o, "skin_fraction", num(a->skin_fraction));
    json_object_object_add(o, "mean_luma", num(a->qc.mean_luma));
    json_object_object_add(o, "sharpness", num(a->qc.sharpness));
    json_object *f = json_object_new_array();
    for (int i = 0; i < SK_QC_FLAG_COUNT; i++)
        if (a->qc.flags & (1u << i))
            json_object_array_add(f, json_object_new_string(sk_qc_flag_name(1u << i)));
    json_object_object_add(o, "qc_flags", f);
    return o;
}

char *sk_compare_to_json(const char *before, const char *after, const sk_compare_result_t *r)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "before", photo_json(before, &r->before));
    json_object_object_add(o, "after", photo_json(after, &r->after));
    json_object *reg = json_object_new_object();
    json_object_object_add(reg, "scale", num(r->reg.scale));
    json_object_object_add(reg, "rotation_deg", num(r->reg.rotation_deg));
    json_object_object_add(reg, "tx", num(r->reg.tx));
    json_object_object_add(reg, "ty", num(r->reg.ty));
    json_object_object_add(reg, "correlation", num(r->reg.correlation));
    json_object_object_add(reg, "residual", num(r->reg.residual));
    json_object_object_add(reg, "overlap_fraction", num(r->reg.overlap_fraction));
    json_object *mat = json_object_new_array();
    for (int i = 0; i < 6; i++)
        json_object_array_add(mat, json_object_new_double(r->reg.M[i]));
    json_object_object_add(reg, "matrix", mat);
    json_object_object_add(o, "registration", reg);
    json_object *nm = json_object_new_object();
    json_object_object_add(nm, "mode",
                           json_object_new_string(r->norm == SK_NORM_CARD   ? "grey-card"
                                                  : r->norm == SK_NORM_SKIN ? "skin"
                                                                            : "none"));
    json_object *g = json_object_new_array();
    for (int k = 0; k < 3; k++)
        json_object_array_add(g, json_object_new_double(r->gain[k]));
    json_object_object_add(nm, "gain", g);
    json_object_object_add(o, "normalisation", nm);
    json_object *pq = json_object_new_object();
    json_object_object_add(pq, "common_fraction", num(r->common_fraction));
    json_object_object_add(pq, "exposure_ev", num(r->exposure_ev));
    json_object_object_add(pq, "white_balance_shift", num(r->wb_shift));
    json_object_object_add(pq, "scale", num(r->reg.scale));
    json_object_object_add(pq, "sharpness_ratio", num(r->sharpness_ratio));
    json_object *fl = json_object_new_array();
    for (int b = 0; b < SK_PAIR_FLAG_COUNT; b++)
        if (r->pair_flags & (1u << b)) {
            json_object *e = json_object_new_object();
            json_object_object_add(e, "flag", json_object_new_string(pair_names[b]));
            json_object *aff = json_object_new_array();
            char buf[128];
            snprintf(buf, sizeof buf, "%s", pair_affects[b]);
            for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
                 t = strtok_r(NULL, ",", &save)) {
                size_t len = strlen(t);
                if (len && t[len - 1] == '.')
                    t[len - 1] = '\0';
                json_object_array_add(aff, json_object_new_string(t));
            }
            json_object_object_add(e, "unreliable", aff);
            json_object_array_add(fl, e);
        }
    json_object_object_add(pq, "flags", fl);
    json_object_object_add(o, "pair_qc", pq);
    json_object_object_add(o, "noise_model_version",
                           json_object_new_string(r->noise_model_version));
    json_object *ms = json_object_new_object();
    for (int i = 0; i < r->count; i++) {
        const sk_compare_metric_t *m = &r->m[i];
        json_object *e = json_object_new_object();
        json_object_object_add(e, "before", num(m->before));
        json_object_object_add(e, "after", num(m->after));
        json_object_object_add(e, "delta", num(m->delta));
        json_object_object_add(e, "pct", num(m->pct));
        json_object_object_add(e, "limit", num(m->limit));
        json_object_object_add(e, "beyond_noise",
                               m->beyond_noise < 0 ? NULL
                                                   : json_object_new_boolean(m->beyond_noise));
        json_object_object_add(e, "change",
                               json_object_new_string(m->beyond_noise < 0    ? "unknown"
                                                      : m->beyond_noise == 0 ? "within-noise"
                                                      : m->improved > 0      ? "better"
                                                      : m->improved < 0      ? "worse"
                                                                             : "changed"));
        json_object_object_add(e, "unit", json_object_new_string(m->unit));
        json_object_object_add(e, "better",
                               json_object_new_string(m->better == SK_BETTER_LOWER    ? "lower"
                                                      : m->better == SK_BETTER_HIGHER ? "higher"
                                                                                      : "neutral"));
        if (m->unreliable)
            json_object_object_add(e, "unreliable", flags_json(m->unreliable));
        if (m->note)
            json_object_object_add(e, "note", json_object_new_string(m->note));
        json_object_object_add(ms, m->name, e);
    }
    json_object_object_add(o, "metrics", ms);
    json_object_object_add(o, "model_version",
                           json_object_new_string(r->before.metrics.model_version));
    const char *text =
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *copy = text ? strdup(text) : NULL;
    json_object_put(o);
    return copy;
}
