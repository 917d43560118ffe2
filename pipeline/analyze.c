/* Analyse one photo: load, region, capture QC, metrics. */
#include "skintrack.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

struct sk_analyzer {
    sk_image_t *rgb;     /* the photo's planes, reused */
    sk_image_t *maskimg; /* the user mask as loaded, reused */
    uint8_t *mask;       /* analysed region, one byte per pixel */
    size_t mask_cap;
    sk_image_t *base;        /* the photo at the models' base scale */
    sk_image_t *base_region; /* the region resampled (float, one plane) */
    uint8_t *base_mask;
    size_t base_mask_cap;
    void *resize_scratch;
    size_t resize_scratch_cap;
    sk_models_ws_t *ws;
    sk_params_t params;
    int params_loaded;
    sk_detections_t det;
};

void sk_analyze_opts_default(sk_analyze_opts_t *opts)
{
    memset(opts, 0, sizeof *opts);
    sk_load_opts_default(&opts->load);
}

int sk_analyzer_new(sk_analyzer_t **out)
{
    sk_analyzer_t *an = calloc(1, sizeof *an);
    if (!an)
        return sk_error_set(SK_ERR_NOMEM, "analyzer: out of memory");
    sk_detections_init(&an->det);
    int rc = sk_image_new(1, 1, 3, &an->rgb);
    if (rc == SK_OK)
        rc = sk_image_new(1, 1, 3, &an->maskimg);
    if (rc == SK_OK)
        rc = sk_image_new(1, 1, 3, &an->base);
    if (rc == SK_OK)
        rc = sk_image_new(1, 1, 1, &an->base_region);
    if (rc == SK_OK)
        rc = sk_models_ws_new(&an->ws);
    if (rc == SK_OK && (rc = sk_model_params_load(NULL, &an->params)) == SK_OK)
        an->params_loaded = 1;
    if (rc < 0) {
        sk_analyzer_free(an);
        return rc;
    }
    *out = an;
    return SK_OK;
}

void sk_analyzer_free(sk_analyzer_t *an)
{
    if (!an)
        return;
    sk_image_free(an->rgb);
    sk_image_free(an->maskimg);
    sk_image_free(an->base);
    sk_image_free(an->base_region);
    sk_free(an->mask);
    sk_free(an->base_mask);
    sk_free(an->resize_scratch);
    sk_models_ws_free(an->ws);
    sk_detections_free(&an->det);
    free(an);
}

static int ensure_mask(sk_analyzer_t *an, size_t n)
{
    if (n <= an->mask_cap)
        return SK_OK;
    uint8_t *m = sk_alloc_aligned(n);
    if (!m)
        return sk_error_set(SK_ERR_NOMEM, "analyzer: cannot allocate the region mask");
    sk_free(an->mask);
    an->mask = m;
    an->mask_cap = n;
    return SK_OK;
}

/* The analysed region: the photo's alpha (opaque pixels) intersected with the
 * user's mask (white = analyse). */
static int build_region(sk_analyzer_t *an, const char *path, const sk_analyze_opts_t *opts,
                        const sk_image_t *alpha, sk_analysis_t *out)
{
    const int w = an->rgb->width, h = an->rgb->height;
    int rc = ensure_mask(an, (size_t)w * h);
    if (rc < 0)
        return rc;
    memset(an->mask, 1, (size_t)w * h);
    if (alpha)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                an->mask[(size_t)y * w + x] = alpha->data[(size_t)y * alpha->stride + x] >= 0.5f;
    if (opts->region)
        for (size_t i = 0; i < (size_t)w * h; i++)
            an->mask[i] &= opts->region[i] != 0;
    if (opts->mask_path) {
        sk_load_info_t mi;
        rc = sk_load_photo_into(opts->mask_path, &opts->load, an->maskimg, NULL, &mi);
        if (rc < 0)
            return sk_error_wrap(rc, "mask");
        if (mi.width != w || mi.height != h) {
            char d1[SK_DISPLAY_PATH_MAX], d2[SK_DISPLAY_PATH_MAX];
            return sk_error_set(SK_ERR_ARG, "%s: mask %s is %dx%d but the photo is %dx%d",
                                sk_path_display(path, d1, sizeof d1),
                                sk_path_display(opts->mask_path, d2, sizeof d2), mi.width,
                                mi.height, w, h);
        }
        const float *g = sk_image_plane(an->maskimg, 1);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                an->mask[(size_t)y * w + x] &= g[(size_t)y * an->maskimg->stride + x] >= 0.5f;
        out->mask_used = 1;
    }
    /* nothing restricts the region: every pixel is on, no need to count */
    size_t on = (size_t)w * h;
    if (alpha || opts->region || opts->mask_path) {
        on = 0;
        for (size_t i = 0; i < (size_t)w * h; i++)
            on += an->mask[i];
    }
    out->region_fraction = (double)on / ((double)w * h);
    return SK_OK;
}

static int grow(void **p, size_t *cap, size_t n)
{
    if (n <= *cap)
        return SK_OK;
    void *q = sk_alloc_aligned(n);
    if (!q)
        return sk_error_set(SK_ERR_NOMEM, "analyzer: out of memory");
    sk_free(*p);
    *p = q;
    *cap = n;
    return SK_OK;
}

/* Resample the photo and its region to the models' base scale (DESIGN §5):
 * with a known scale, photos finer than SK_BASE_MM_PER_PX are reduced to it;
 * without one, the long side is reduced to SK_WORKING_LONG_SIDE. Never
 * upsampled. Area averaging, so fine detail is integrated, not aliased. */
static int to_base_scale(sk_analyzer_t *an, double mm_per_px, int full_region, double *base_mm,
                         double *factor)
{
    const int w = an->rgb->width, h = an->rgb->height;
    double s = 1.0;
    if (mm_per_px > 0) {
        if (mm_per_px < SK_BASE_MM_PER_PX)
            s = mm_per_px / SK_BASE_MM_PER_PX;
    } else {
        int longest = w > h ? w : h;
        if (longest > SK_WORKING_LONG_SIDE)
            s = (double)SK_WORKING_LONG_SIDE / longest;
    }
    int bw = (int)lround(w * s), bh = (int)lround(h * s);
    if (bw < 1)
        bw = 1;
    if (bh < 1)
        bh = 1;
    int rc = sk_image_reshape(an->base, bw, bh, 3);
    if (rc == SK_OK)
        rc = sk_image_reshape(an->base_region, bw, bh, 1);
    if (rc == SK_OK)
        rc = grow((void **)&an->base_mask, &an->base_mask_cap, (size_t)bw * bh);
    if (rc < 0)
        return rc;
    /* The effective factor after rounding the size. */
    *factor = (double)bw / w;
    *base_mm = mm_per_px > 0 ? mm_per_px / *factor : SK_NOMINAL_MM_PER_PX;
    if (bw == w && bh == h) {
        for (int c = 0; c < 3; c++)
            memcpy(sk_image_plane(an->base, c), sk_image_plane(an->rgb, c),
                   an->rgb->plane_stride * sizeof(float));
        memcpy(an->base_mask, an->mask, (size_t)w * h);
        return SK_OK;
    }
    size_t need = sk_geom_resize_scratch_size(w, h, bw, bh, SK_RESIZE_AREA);
    if ((rc = grow(&an->resize_scratch, &an->resize_scratch_cap, need)) < 0)
        return rc;
    for (int c = 0; c < 3; c++)
        if ((rc = sk_geom_resize(sk_image_plane(an->rgb, c), an->rgb->stride, w, h,
                                 sk_image_plane(an->base, c), an->base->stride, bw, bh,
                                 SK_RESIZE_AREA, an->resize_scratch)) < 0)
            return rc;
    if (full_region) {
        /* every pixel is analysed: so is every resampled one (the resampled
         * region would be 1 up to rounding, >= 0.5 everywhere) */
        memset(an->base_mask, 1, (size_t)bw * bh);
        return SK_OK;
    }
    /* The region: as a float plane through the same resize, then >= 0.5.
     * The full-resolution plane reuses the (now free) mask image. */
    if ((rc = sk_image_reshape(an->maskimg, w, h, 1)) < 0)
        return rc;
    float *rf = an->maskimg->data;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            rf[(size_t)y * an->maskimg->stride + x] = an->mask[(size_t)y * w + x];
    if ((rc = sk_geom_resize(rf, an->maskimg->stride, w, h, an->base_region->data,
                             an->base_region->stride, bw, bh, SK_RESIZE_AREA, an->resize_scratch)) <
        0)
        return rc;
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++)
            an->base_mask[(size_t)y * bw + x] =
                an->base_region->data[(size_t)y * an->base_region->stride + x] >= 0.5f;
    return SK_OK;
}

const sk_detections_t *sk_analyzer_detections(const sk_analyzer_t *an)
{
    return &an->det;
}

const sk_image_t *sk_analyzer_photo(const sk_analyzer_t *an)
{
    return an->rgb;
}

const uint8_t *sk_analyzer_skin(sk_analyzer_t *an, int *width, int *height)
{
    int w = an->base->width, h = an->base->height;
    if (width)
        *width = w;
    if (height)
        *height = h;
    return sk_models_ws_bytes(an->ws, "ctx.skin", (size_t)w * h);
}

/* Copy an in-memory photo into the analyser's planes. */
static int take_image(sk_analyzer_t *an, const sk_image_t *img, sk_load_info_t *info)
{
    if (img->channels != 3)
        return sk_error_set(SK_ERR_ARG, "analyze: an in-memory photo needs 3 planes");
    int rc = sk_image_reshape(an->rgb, img->width, img->height, 3);
    if (rc < 0)
        return rc;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < img->height; y++)
            memcpy(sk_image_plane(an->rgb, c) + (size_t)y * an->rgb->stride,
                   sk_image_plane(img, c) + (size_t)y * img->stride,
                   (size_t)img->width * sizeof(float));
    memset(info, 0, sizeof *info);
    info->width = info->orig_width = img->width;
    info->height = info->orig_height = img->height;
    info->bits = 32;
    info->source_bands = 3;
    snprintf(info->format, sizeof info->format, "memory");
    snprintf(info->colourspace, sizeof info->colourspace, "srgb");
    return SK_OK;
}

/* Glare: specular highlights (luma >= 0.92 and channels within 0.10 of each
 * other, i.e. near-white) inside the skin — the skin mask with its holes
 * filled, so highlights the skin model left out count too — as a fraction of
 * that area. White background and clothing are not inside the skin, so they
 * do not count. Flag above 1 %. */
static int measure_glare(sk_analyzer_t *an, sk_qc_t *qc)
{
    int bw = 0, bh = 0;
    const uint8_t *skin = sk_analyzer_skin(an, &bw, &bh);
    uint8_t *filled = sk_models_ws_bytes(an->ws, "qc.filled", (size_t)bw * bh);
    if (!skin || !filled)
        return sk_error_status() ? sk_error_status() : SK_ERR_NOMEM;
    int rc = sk_morph_fill_holes(skin, (size_t)bw, filled, (size_t)bw, bw, bh, NULL);
    if (rc < 0)
        return rc;
    const sk_image_t *b = an->base;
    double area = 0, glare = 0;
    for (int y = 0; y < bh; y++) {
        const float *R = sk_image_plane(b, 0) + (size_t)y * b->stride,
                    *G = sk_image_plane(b, 1) + (size_t)y * b->stride,
                    *B = sk_image_plane(b, 2) + (size_t)y * b->stride;
        for (int x = 0; x < bw; x++) {
            size_t i = (size_t)y * bw + x;
            if (!filled[i])
                continue;
            area += 1;
            float mx = fmaxf(R[x], fmaxf(G[x], B[x])), mn = fminf(R[x], fminf(G[x], B[x]));
            float l = 0.2126f * R[x] + 0.7152f * G[x] + 0.0722f * B[x];
            glare += l >= 0.92f && mx - mn <= 0.10f;
        }
    }
    qc->glare_fraction = area > 0 ? glare / area : NAN;
    if (area > 0 && glare / area > 0.01)
        qc->flags |= SK_QC_GLARE;
    return SK_OK;
}

int sk_analyze_photo(sk_analyzer_t *an, const char *path, const sk_analyze_opts_t *opts,
                     sk_analysis_t *out)
{
    sk_analyze_opts_t defaults;
    if (!opts) {
        sk_analyze_opts_default(&defaults);
        opts = &defaults;
    }
    if (!an || !path || !out)
        return sk_error_set(SK_ERR_ARG, "analyze: missing argument");
    if (opts->mm_per_px < 0 || !isfinite(opts->mm_per_px))
        return sk_error_set(SK_ERR_ARG, "analyze: mm-per-px must be a positive number");
    memset(out, 0, sizeof *out);
    sk_image_t *alpha = NULL;
    int rc = opts->image ? take_image(an, opts->image, &out->load)
                         : sk_load_photo_into(path, &opts->load, an->rgb, &alpha, &out->load);
    if (rc < 0)
        return rc;
    out->mm_per_px = opts->mm_per_px > 0 ? opts->mm_per_px : NAN;
    rc = build_region(an, path, opts, alpha, out);
    sk_image_free(alpha);
    if (rc < 0)
        return rc;
    /* region_fraction is on / (w h): exactly 1 when every pixel is on */
    const int full_region = out->region_fraction == 1.0;
    sk_qc_measure(an->rgb, full_region ? NULL : an->mask, (size_t)an->rgb->width, &out->qc);

    double base_mm = 0, factor = 1;
    char disp[SK_DISPLAY_PATH_MAX];
    sk_path_display(path, disp, sizeof disp);
    if ((rc = to_base_scale(an, opts->mm_per_px, full_region, &base_mm, &factor)) < 0)
        return sk_error_wrap(rc, disp);
    sk_models_input_t in = {
        .srgb = an->base,
        .region = an->base_mask,
        .region_stride = (size_t)an->base->width,
        .mm_per_px = base_mm,
        .physical = opts->mm_per_px > 0,
        .params = an->params_loaded ? &an->params : NULL,
        .skin_only = opts->skin_only,
        .region_is_skin = opts->region_is_skin && opts->region,
    };
    if ((rc = sk_models_measure(an->ws, &in, &out->metrics, opts->detections ? &an->det : NULL,
                                &out->skin_fraction)) < 0)
        return sk_error_wrap(rc, disp);
    if ((rc = measure_glare(an, &out->qc)) < 0)
        return sk_error_wrap(rc, disp);
    out->base_mm_per_px = base_mm;
    out->base_factor = factor;
    out->base_width = an->base->width;
    out->base_height = an->base->height;
    if (opts->detections)
        sk_detections_scale(&an->det, factor);
    return SK_OK;
}

static json_object *num_or_null(double v)
{
    return isfinite(v) ? json_object_new_double(v) : NULL;
}

static json_object *detections_json(const sk_detections_t *d)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < d->count; i++) {
        const sk_detection_t *e = &d->items[i];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "kind", json_object_new_string(sk_detection_kind_name(e->kind)));
        json_object_object_add(o, "x", json_object_new_double(round(e->x * 10) / 10));
        json_object_object_add(o, "y", json_object_new_double(round(e->y * 10) / 10));
        if (e->kind == SK_DET_PORE) {
            json_object_object_add(o, "diameter",
                                   json_object_new_double(round(e->diameter * 100) / 100));
        } else if (e->kind == SK_DET_WRINKLE) {
            json_object_object_add(o, "length", json_object_new_double(round(e->length * 10) / 10));
            json_object *pl = json_object_new_array();
            for (int k = 0; k < e->n_points && (size_t)(e->first_point + k) < d->n_points; k++) {
                const float *p = d->points + 2 * (size_t)(e->first_point + k);
                json_object *pt = json_object_new_array();
                json_object_array_add(pt, json_object_new_double(round(p[0] * 10) / 10));
                json_object_array_add(pt, json_object_new_double(round(p[1] * 10) / 10));
                json_object_array_add(pl, pt);
            }
            json_object_object_add(o, "polyline", pl);
        } else {
            json_object_object_add(o, "area", json_object_new_double(round(e->area * 10) / 10));
            json_object *bb = json_object_new_array();
            json_object_array_add(bb, json_object_new_int(e->bx));
            json_object_array_add(bb, json_object_new_int(e->by));
            json_object_array_add(bb, json_object_new_int(e->bw));
            json_object_array_add(bb, json_object_new_int(e->bh));
            json_object_object_add(o, "bbox", bb);
        }
        if (e->contrast != 0)
            json_object_object_add(o, "contrast",
                                   json_object_new_double(round(e->contrast * 100) / 100));
        json_object_array_add(arr, o);
    }
    return arr;
}

char *sk_analysis_to_json(const char *photo, const sk_analysis_t *a, const sk_detections_t *det)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "photo", json_object_new_string(photo));
    json_object_object_add(o, "width", json_object_new_int(a->load.width));
    json_object_object_add(o, "height", json_object_new_int(a->load.height));
    json_object_object_add(o, "mm_per_px", num_or_null(a->mm_per_px));
    json_object_object_add(
        o, "scale",
        json_object_new_string(isfinite(a->mm_per_px) ? "physical" : "working-resolution"));
    json_object *wk = json_object_new_object();
    json_object_object_add(wk, "width", json_object_new_int(a->base_width));
    json_object_object_add(wk, "height", json_object_new_int(a->base_height));
    json_object_object_add(wk, "mm_per_px", num_or_null(a->base_mm_per_px));
    json_object_object_add(wk, "nominal", json_object_new_boolean(!isfinite(a->mm_per_px)));
    json_object_object_add(o, "working", wk);
    json_object *src = json_object_new_object();
    json_object_object_add(src, "format", json_object_new_string(a->load.format));
    json_object_object_add(src, "width", json_object_new_int(a->load.orig_width));
    json_object_object_add(src, "height", json_object_new_int(a->load.orig_height));
    json_object_object_add(src, "bits", json_object_new_int(a->load.bits));
    json_object_object_add(src, "bands", json_object_new_int(a->load.source_bands));
    json_object_object_add(src, "colourspace", json_object_new_string(a->load.colourspace));
    json_object_object_add(src, "orientation", json_object_new_int(a->load.orientation));
    json_object_object_add(src, "orientation_applied",
                           json_object_new_boolean(a->load.orientation > 1));
    json_object_object_add(src, "icc_converted", json_object_new_boolean(a->load.icc_converted));
    json_object_object_add(src, "alpha", json_object_new_boolean(a->load.had_alpha));
    json_object_object_add(src, "bytes", json_object_new_int64((int64_t)a->load.file_bytes));
    json_object_object_add(o, "source", src);

    json_object *qc = json_object_new_object();
    json_object_object_add(qc, "megapixels", num_or_null(a->qc.megapixels));
    json_object_object_add(qc, "region_fraction", num_or_null(a->region_fraction));
    json_object_object_add(qc, "mask_used", json_object_new_boolean(a->mask_used));
    json_object_object_add(qc, "skin_fraction", num_or_null(a->skin_fraction));
    json_object_object_add(qc, "mean_luma", num_or_null(a->qc.mean_luma));
    json_object_object_add(qc, "clipped_fraction", num_or_null(a->qc.clipped_fraction));
    json_object_object_add(qc, "dark_fraction", num_or_null(a->qc.dark_fraction));
    json_object_object_add(qc, "glare_fraction", num_or_null(a->qc.glare_fraction));
    json_object_object_add(qc, "sharpness", num_or_null(a->qc.sharpness));
    json_object_object_add(qc, "cast_r", num_or_null(a->qc.cast_r));
    json_object_object_add(qc, "cast_b", num_or_null(a->qc.cast_b));
    json_object *flags = json_object_new_array();
    for (int i = 0; i < SK_QC_FLAG_COUNT; i++)
        if (a->qc.flags & (1u << i))
            json_object_array_add(flags, json_object_new_string(sk_qc_flag_name(1u << i)));
    json_object_object_add(qc, "flags", flags);
    json_object_object_add(o, "qc", qc);

    json_object *metrics = json_object_new_object();
    for (int i = 0; i < a->metrics.count; i++) {
        const sk_metric_t *m = &a->metrics.items[i];
        json_object *mo = json_object_new_object();
        json_object_object_add(mo, "value", num_or_null(m->value));
        json_object_object_add(mo, "unit", json_object_new_string(m->unit));
        json_object_object_add(mo, "better",
                               json_object_new_string(m->better == SK_BETTER_LOWER    ? "lower"
                                                      : m->better == SK_BETTER_HIGHER ? "higher"
                                                                                      : "neutral"));
        if (m->null_reason)
            json_object_object_add(mo, "null_reason", json_object_new_string(m->null_reason));
        json_object_object_add(metrics, m->name, mo);
    }
    json_object_object_add(o, "metrics", metrics);
    if (det)
        json_object_object_add(o, "detections", detections_json(det));
    json_object_object_add(o, "model_version",
                           json_object_new_string(a->metrics.model_version[0]
                                                      ? a->metrics.model_version
                                                      : sk_models_version()));
    const char *text =
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    char *copy = text ? strdup(text) : NULL;
    json_object_put(o);
    return copy;
}
