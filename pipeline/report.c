/* The PDF progress report of one patient: cairo for drawing and PDF, pango
 * for text, photos embedded as JPEG (libvips) so the file stays small. */
#include "pstore.h"
#include "sk_compare.h"
#include "skintrack.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <vips/vips.h>

#define PAGE_W 595.28 /* A4 in points */
#define PAGE_H 841.89
#define MARGIN 40.0
#define MAX_SESSIONS 64
#define MAX_VIEWS 16
#define MAX_METRICS 96

typedef sk_stored_metric_t rmetric_t;

typedef struct {
    int present;
    int64_t id;
    char path[512];
    char status[16];
    char error[512];
    char qc_flags[256];
    char mask[4096]; /* its region mask (VIEW.mask.png), or "" */
    double mm_per_px; /* the scale batch scored it at (0: none given) */
    /* its aligned comparisons as batch recorded them (tracking), by kind
     * (SK_CMP_BASELINE, SK_CMP_PREVIOUS); NULL when not read */
    sk_stored_comparison_t *stored[2];
    rmetric_t m[MAX_METRICS];
    int nm;
} rcell_t;

typedef struct {
    char patient[65];
    sk_patient_t info;
    int n_sessions;
    char session[MAX_SESSIONS][80];
    char date[MAX_SESSIONS][11];
    int n_views;
    char view[MAX_VIEWS][65];
    rcell_t cell[MAX_SESSIONS][MAX_VIEWS];
    const char *clinic;
    sk_noise_t noise;
} rdata_t;

/* The aligned comparison of a view's latest photo with its baseline, and the
 * panels drawn from it (made while the comparer still holds the pair); every
 * earlier follow-up aligned to the baseline too (the trend charts), and the
 * latest aligned to the session before it (Δ previous). */
typedef struct {
    int ok;
    char why[320];
    sk_compare_result_t *r;
    cairo_surface_t *photo[2];   /* baseline, latest aligned */
    cairo_surface_t *overlay[2]; /* pores + wrinkles, spots + redness + scars (latest) */
    sk_compare_result_t *track[MAX_SESSIONS]; /* baseline -> session s, before the latest;
                                               * NULL: no photo, or it could not be aligned */
    int prev;                                 /* the session before the latest, or -1 */
    sk_compare_result_t *prev_r; /* prev -> latest when prev is not the baseline (then r) */
} vcomp_t;

/* ------------------------------------------------------------ the data */

static int load_data(sk_store_t *st, const char *clinic, const char *patient, rdata_t *d)
{
    sqlite3 *db = sk_store_db(st);
    sqlite3_stmt *q = NULL;
    snprintf(d->patient, sizeof d->patient, "%s", patient);
    d->clinic = clinic;
    if (sqlite3_prepare_v2(db,
                           "SELECT s.folder, s.date, p.view, p.id, p.path, p.status, "
                           "coalesce(p.error, ''), p.qc_flags, coalesce(p.mm_per_px, 0) "
                           "FROM photos p JOIN sessions s ON "
                           "s.id = p.session_id WHERE s.patient_id = ? ORDER BY s.date, s.folder, "
                           "p.view",
                           -1, &q, NULL) != SQLITE_OK)
        return sk_error_set(SK_ERR_DB, "report: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(q, 1, patient, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *folder = (const char *)sqlite3_column_text(q, 0);
        const char *view = (const char *)sqlite3_column_text(q, 2);
        int si = d->n_sessions - 1;
        if (si < 0 || strcmp(d->session[si], folder) != 0) {
            if (d->n_sessions == MAX_SESSIONS)
                continue;
            si = d->n_sessions++;
            snprintf(d->session[si], sizeof d->session[0], "%s", folder);
            snprintf(d->date[si], sizeof d->date[0], "%s", sqlite3_column_text(q, 1));
        }
        int vi;
        for (vi = 0; vi < d->n_views; vi++)
            if (strcmp(d->view[vi], view) == 0)
                break;
        if (vi == d->n_views) {
            if (d->n_views == MAX_VIEWS)
                continue;
            snprintf(d->view[d->n_views++], sizeof d->view[0], "%s", view);
        }
        rcell_t *c = &d->cell[si][vi];
        c->present = 1;
        c->id = sqlite3_column_int64(q, 3);
        snprintf(c->path, sizeof c->path, "%s", sqlite3_column_text(q, 4));
        snprintf(c->status, sizeof c->status, "%s", sqlite3_column_text(q, 5));
        snprintf(c->error, sizeof c->error, "%s", sqlite3_column_text(q, 6));
        snprintf(c->qc_flags, sizeof c->qc_flags, "%s", sqlite3_column_text(q, 7));
        c->mm_per_px = sqlite3_column_double(q, 8);
    }
    sqlite3_finalize(q);
    if (d->n_sessions == 0)
        return sk_error_set(SK_ERR_NOT_FOUND,
                            "%s: no scored photos in the store; run 'skintrack batch' first",
                            patient);
    int rc = sk_store_prepare_metrics(db, &q);
    if (rc < 0)
        return rc;
    for (int s = 0; s < d->n_sessions; s++)
        for (int v = 0; v < d->n_views; v++) {
            rcell_t *c = &d->cell[s][v];
            if (!c->present)
                continue;
            c->nm = sk_store_read_metrics(q, c->id, c->m, MAX_METRICS);
            if (strcmp(c->status, "scored") != 0)
                continue;
            for (int k = 0; k < 2; k++) {
                c->stored[k] = malloc(sizeof *c->stored[k]);
                if (c->stored[k])
                    sk_store_read_comparison(db, c->id, k ? SK_CMP_PREVIOUS : SK_CMP_BASELINE,
                                             c->stored[k]);
            }
        }
    sqlite3_finalize(q);
    sk_patient_load(clinic, patient, &d->info, NULL, NULL);
    /* the region masks beside the photos, as batch found them */
    sk_photo_ref_t *refs = NULL;
    size_t n_refs = 0;
    if (sk_library_scan(clinic, patient, &refs, &n_refs, NULL, NULL) == SK_OK) {
        size_t cl = strlen(clinic);
        while (cl > 1 && clinic[cl - 1] == '/')
            cl--;
        for (size_t i = 0; i < n_refs; i++) {
            if (!refs[i].mask_path[0] || strncmp(refs[i].path, clinic, cl) != 0 ||
                refs[i].path[cl] != '/')
                continue;
            for (int s = 0; s < d->n_sessions; s++)
                for (int v = 0; v < d->n_views; v++)
                    if (d->cell[s][v].present &&
                        strcmp(d->cell[s][v].path, refs[i].path + cl + 1) == 0)
                        snprintf(d->cell[s][v].mask, sizeof d->cell[s][v].mask, "%s",
                                 refs[i].mask_path);
        }
    }
    free(refs);
    return SK_OK;
}

static const rmetric_t *find_metric(const rcell_t *c, const char *name)
{
    return sk_stored_metric_find(c->m, c->nm, name);
}

static int scored(const rdata_t *d, int s, int v)
{
    return d->cell[s][v].present && strcmp(d->cell[s][v].status, "scored") == 0;
}

/* first and last sessions where the view was scored */
static void baseline_latest(const rdata_t *d, int v, int *b, int *l)
{
    *b = *l = -1;
    for (int s = 0; s < d->n_sessions; s++)
        if (scored(d, s, v)) {
            if (*b < 0)
                *b = s;
            *l = s;
        }
}

/* ---------------------------------------------------------- drawing kit */

typedef struct {
    cairo_t *cr;
    PangoLayout *layout;
    int page;
} pdf_t;

static void text(pdf_t *p, double x, double y, double width, const char *font, const char *s,
                 double r, double g, double b, PangoAlignment align)
{
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(p->layout, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(p->layout, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(p->layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_ellipsize(p->layout, PANGO_ELLIPSIZE_NONE);
    pango_layout_set_alignment(p->layout, align);
    pango_layout_set_text(p->layout, s, -1);
    cairo_set_source_rgb(p->cr, r, g, b);
    cairo_move_to(p->cr, x, y);
    pango_cairo_show_layout(p->cr, p->layout);
}

/* height in points of a text block */
static double text_h(pdf_t *p, double width, const char *font, const char *s)
{
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(p->layout, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(p->layout, (int)(width * PANGO_SCALE));
    pango_layout_set_text(p->layout, s, -1);
    int w, h;
    pango_layout_get_size(p->layout, &w, &h);
    return (double)h / PANGO_SCALE;
}

static void footer_text(pdf_t *p, const char *what)
{
    char buf[512];
    snprintf(buf, sizeof buf, "skintrack %s · %s · page %d", sk_version(), what, p->page);
    text(p, MARGIN, PAGE_H - 28, PAGE_W - 2 * MARGIN, "Sans 7", buf, 0.45, 0.45, 0.45,
         PANGO_ALIGN_CENTER);
}

static void footer(pdf_t *p, const rdata_t *d)
{
    char buf[128];
    snprintf(buf, sizeof buf, "patient %s", d->patient);
    footer_text(p, buf);
}

static void new_page(pdf_t *p, const rdata_t *d)
{
    if (p->page > 0) {
        footer(p, d);
        cairo_show_page(p->cr);
    }
    p->page++;
}

/* An RGB image as a cairo surface carrying its JPEG encoding, so the PDF
 * embeds the JPEG and not raw pixels. Scaled to at most max_side. */
static cairo_surface_t *photo_surface(const unsigned char *rgb, int w, int h, int max_side)
{
    VipsImage *im = vips_image_new_from_memory(rgb, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    if (!im)
        return NULL;
    double k = (double)max_side / (w > h ? w : h);
    VipsImage *sm = NULL;
    if (k < 1) {
        if (vips_resize(im, &sm, k, NULL) != 0) {
            g_object_unref(im);
            return NULL;
        }
    } else {
        sm = im;
        g_object_ref(sm);
    }
    g_object_unref(im);
    size_t len = 0;
    unsigned char *px = vips_image_write_to_memory(sm, &len);
    void *jpg = NULL;
    size_t jlen = 0;
    int ok = px && vips_jpegsave_buffer(sm, &jpg, &jlen, "Q", 85, NULL) == 0;
    int sw = sm->Xsize, sh = sm->Ysize;
    g_object_unref(sm);
    if (!ok) {
        g_free(px);
        g_free(jpg);
        vips_error_clear();
        return NULL;
    }
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, sw, sh);
    unsigned char *dst = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    cairo_surface_flush(s);
    for (int y = 0; y < sh; y++)
        for (int x = 0; x < sw; x++) {
            const unsigned char *q = px + ((size_t)y * sw + x) * 3;
            uint32_t v = (uint32_t)q[0] << 16 | (uint32_t)q[1] << 8 | q[2];
            memcpy(dst + (size_t)y * stride + 4 * (size_t)x, &v, 4);
        }
    cairo_surface_mark_dirty(s);
    g_free(px);
    /* cairo takes ownership of the JPEG bytes */
    unsigned char *copy = malloc(jlen);
    if (copy) {
        memcpy(copy, jpg, jlen);
        cairo_surface_set_mime_data(s, CAIRO_MIME_TYPE_JPEG, copy, jlen, free, copy);
    }
    g_free(jpg);
    return s;
}

static void draw_surface(pdf_t *p, cairo_surface_t *s, double x, double y, double w, double h)
{
    int sw = cairo_image_surface_get_width(s), sh = cairo_image_surface_get_height(s);
    double k = fmin(w / sw, h / sh);
    double dw = sw * k, dh = sh * k;
    cairo_save(p->cr);
    cairo_translate(p->cr, x + (w - dw) / 2, y + (h - dh) / 2);
    cairo_scale(p->cr, k, k);
    cairo_set_source_surface(p->cr, s, 0, 0);
    cairo_paint(p->cr);
    cairo_restore(p->cr);
    cairo_set_source_rgb(p->cr, 0.7, 0.7, 0.7);
    cairo_set_line_width(p->cr, 0.5);
    cairo_rectangle(p->cr, x + (w - dw) / 2, y + (h - dh) / 2, dw, dh);
    cairo_stroke(p->cr);
}

/* A photo (sRGB planes), optionally with detections drawn on a dimmed copy,
 * as an embedded-JPEG surface. */
static cairo_surface_t *image_panel(const sk_image_t *img, const sk_detections_t *det,
                                    unsigned kinds)
{
    unsigned char *rgb = NULL;
    if (kinds && det) {
        if (sk_overlay_render(img, det, kinds, &rgb) < 0)
            return NULL;
    } else {
        rgb = malloc((size_t)img->width * img->height * 3);
        if (!rgb)
            return NULL;
        for (int y = 0; y < img->height; y++)
            for (int x = 0; x < img->width; x++)
                for (int k = 0; k < 3; k++) {
                    float v = sk_image_plane(img, k)[(size_t)y * img->stride + x];
                    rgb[((size_t)y * img->width + x) * 3 + k] =
                        (unsigned char)lroundf(255.0f * (v < 0   ? 0
                                                         : v > 1 ? 1
                                                                 : v));
                }
    }
    cairo_surface_t *s = photo_surface(rgb, img->width, img->height, 900);
    free(rgb);
    return s;
}

static const unsigned OV_KINDS[2] = {
    (1u << SK_DET_PORE) | (1u << SK_DET_WRINKLE),
    (1u << SK_DET_SPOT) | (1u << SK_DET_REDNESS) | (1u << SK_DET_SCAR),
};

static void vcomp_free(vcomp_t *vc)
{
    for (int k = 0; k < 2; k++) {
        if (vc->photo[k])
            cairo_surface_destroy(vc->photo[k]);
        if (vc->overlay[k])
            cairo_surface_destroy(vc->overlay[k]);
    }
    free(vc->r);
    for (int s = 0; s < MAX_SESSIONS; s++)
        free(vc->track[s]);
    free(vc->prev_r);
    memset(vc, 0, sizeof *vc);
}

/* Panels without alignment: the baseline as captured, and the follow-up
 * (or, with after NULL, the baseline again) with its overlays. */
static void as_captured(sk_analyzer_t *an, const char *before, const char *after, double mm,
                        vcomp_t *vc)
{
    const char *paths[2] = {before, after ? after : before};
    for (int k = 0; k < 2; k++) {
        sk_analyze_opts_t ao;
        sk_analyze_opts_default(&ao);
        ao.mm_per_px = mm;
        ao.detections = k == 1;
        sk_analysis_t *a = malloc(sizeof *a);
        if (a && sk_analyze_photo(an, paths[k], &ao, a) == SK_OK) {
            if (k == 0 || after)
                vc->photo[k] = image_panel(sk_analyzer_photo(an), NULL, 0);
            if (k == 1)
                for (int j = 0; j < 2; j++)
                    vc->overlay[j] =
                        image_panel(sk_analyzer_photo(an), sk_analyzer_detections(an), OV_KINDS[j]);
        }
        free(a);
    }
}

/* Compare two photos and keep the panels: baseline and aligned follow-up,
 * and the follow-up's overlays (baseline frame). When the pair cannot be
 * compared, vc->why says why and the photos are shown as captured. */
static void compare_pair(sk_comparer_t *cmp, sk_analyzer_t *an, const rcell_t *cb,
                         const rcell_t *ca, const char *before, const char *after, double mm,
                         const sk_rect_t *card, const sk_noise_t *noise, vcomp_t *vc)
{
    memset(vc, 0, sizeof *vc);
    vc->r = calloc(1, sizeof *vc->r);
    if (!vc->r) {
        snprintf(vc->why, sizeof vc->why, "out of memory");
        return;
    }
    sk_compare_opts_t o;
    sk_compare_opts_default(&o);
    o.mm_per_px = mm;
    o.detections = 1;
    o.noise = noise;
    o.card_before = o.card_after = card; /* patient.json: the card's place in every session */
    o.mask_before = cb->mask[0] ? cb->mask : NULL;
    o.mask_after = ca->mask[0] ? ca->mask : NULL;
    if (sk_compare_photos(cmp, before, after, &o, vc->r) == SK_OK) {
        vc->ok = 1;
        vc->photo[0] = image_panel(sk_comparer_before(cmp), NULL, 0);
        vc->photo[1] = image_panel(sk_comparer_after_aligned(cmp), NULL, 0);
        for (int k = 0; k < 2; k++)
            vc->overlay[k] = image_panel(sk_comparer_after_aligned(cmp),
                                         sk_comparer_detections(cmp, 1), OV_KINDS[k]);
        return;
    }
    snprintf(vc->why, sizeof vc->why, "%s", sk_error_message());
    as_captured(an, before, after, mm, vc);
}

/* The comparison of follow-up ca with reference cb as batch recorded it
 * (kind SK_CMP_*), when it is of these two photo rows and the same inputs;
 * NULL otherwise. Only the figures the report reads are filled: names,
 * before, after, change, limit, verdict, direction, colour normalisation. */
static sk_compare_result_t *stored_figures(const rcell_t *cb, const rcell_t *ca, int kind,
                                           const char *inputs)
{
    const sk_stored_comparison_t *sc = ca->stored[kind == SK_CMP_PREVIOUS];
    if (!sc || sc->found != 1 || sc->ref_photo_id != cb->id || strcmp(sc->inputs, inputs) != 0)
        return NULL;
    sk_compare_result_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->common_fraction = sc->common_fraction;
    r->norm = sc->norm;
    for (int i = 0; i < sc->n && r->count < SK_METRICS_MAX; i++) {
        sk_compare_metric_t *m = &r->m[r->count++];
        const rmetric_t *own = sk_stored_metric_find(ca->m, ca->nm, sc->m[i].name);
        m->name = sc->m[i].name; /* lives as long as the cell */
        m->unit = own ? own->unit : "";
        m->better = own ? (sk_better)own->better : SK_BETTER_NEUTRAL;
        m->before = sc->m[i].before;
        m->after = sc->m[i].after;
        m->delta = m->after - m->before;
        m->pct = isfinite(m->delta) && m->before != 0 ? 100.0 * m->delta / fabs(m->before) : NAN;
        m->limit = sc->m[i].limit;
        m->beyond_noise = sc->m[i].beyond;
        m->improved = m->beyond_noise == 1 && m->better != SK_BETTER_NEUTRAL
                          ? ((m->delta < 0) == (m->better == SK_BETTER_LOWER) ? 1 : -1)
                          : 0;
        m->unreliable = sc->m[i].unreliable;
    }
    return r;
}

/* Compare two photos for their figures only (no panels); NULL when they
 * cannot be compared. */
static sk_compare_result_t *compare_figures(sk_comparer_t *cmp, const rcell_t *cb,
                                            const rcell_t *ca, const char *before,
                                            const char *after, double mm, const sk_rect_t *card,
                                            const sk_noise_t *noise)
{
    sk_compare_result_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    sk_compare_opts_t o;
    sk_compare_opts_default(&o);
    o.mm_per_px = mm;
    o.noise = noise;
    o.card_before = o.card_after = card;
    o.mask_before = cb->mask[0] ? cb->mask : NULL;
    o.mask_after = ca->mask[0] ? ca->mask : NULL;
    if (sk_compare_photos(cmp, before, after, &o, r) != SK_OK) {
        free(r);
        return NULL;
    }
    return r;
}

/* --------------------------------------------------------------- labels */

static void fmt_value(double v, const char *unit, char *buf, size_t len)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "—");
        return;
    }
    double a = fabs(v);
    const char *u =
        strcmp(unit, "count") == 0 || strcmp(unit, "index") == 0 || strcmp(unit, "fraction") == 0
            ? ""
            : unit;
    if (a >= 100 || (strcmp(unit, "count") == 0))
        snprintf(buf, len, "%.0f %s", v, u);
    else if (a >= 10)
        snprintf(buf, len, "%.1f %s", v, u);
    else
        snprintf(buf, len, "%.2f %s", v, u);
}

/* A change, marked "●" and coloured by direction (green better, red worse)
 * only when it is beyond the metric's repeatability limit (beyond = 1);
 * grey when within noise (0); dark when unknown (-1). */
static void fmt_change(double from, double to, int better, int beyond, char *buf, size_t len,
                       double rgb[3])
{
    rgb[0] = rgb[1] = rgb[2] = beyond == 0 ? 0.55 : 0.2;
    if (!isfinite(from) || !isfinite(to)) {
        snprintf(buf, len, "—");
        return;
    }
    double dv = to - from;
    const char *mark = beyond == 1 ? " ●" : "";
    if (better == 0)
        snprintf(buf, len, "%+.2g%s", dv, mark); /* neutral (tone, correlation): absolute */
    else if (fabs(from) > 1e-9)
        snprintf(buf, len, "%+.0f %%%s", 100.0 * dv / fabs(from), mark);
    else
        snprintf(buf, len, "%+.2g%s", dv, mark);
    if (better != 0 && beyond == 1) {
        int good = (dv < 0) == (better < 0);
        rgb[0] = good ? 0.05 : 0.75;
        rgb[1] = good ? 0.5 : 0.1;
        rgb[2] = good ? 0.2 : 0.1;
    }
}

/* The skin's tone (ITA°) in one session's photo of a view, which picks the
 * tone band's repeatability limits; NAN when unknown. */
static double cell_ita(const rdata_t *d, int s, int v)
{
    const rmetric_t *m = s >= 0 ? find_metric(&d->cell[s][v], "pigment.ita_deg") : NULL;
    return m ? m->value : NAN;
}

/* The view has a physical scale in patient.json. */
static int view_physical(const rdata_t *d, int v)
{
    return d->info.has_file > 0 && sk_patient_mm_per_px(&d->info, d->view[v]) > 0;
}

static const sk_compare_metric_t *result_metric(const sk_compare_result_t *r, const char *name)
{
    if (!r)
        return NULL;
    for (int i = 0; i < r->count; i++)
        if (strcmp(r->m[i].name, name) == 0)
            return &r->m[i];
    return NULL;
}

static const sk_compare_metric_t *cmp_metric(const vcomp_t *vc, const char *name)
{
    return vc && vc->ok ? result_metric(vc->r, name) : NULL;
}

/* The comparison of session s's photo of a view with the baseline's: the
 * latest's (with panels) or an earlier one's; NULL when not aligned. */
static const sk_compare_result_t *track_at(const vcomp_t *vc, int s, int l)
{
    return s == l ? (vc->ok ? vc->r : NULL) : vc->track[s];
}

/* The comparison of the latest photo with the previous session's. */
static const sk_compare_result_t *prev_result(const vcomp_t *vc, int b)
{
    if (vc->prev < 0)
        return NULL;
    return vc->prev == b ? (vc->ok ? vc->r : NULL) : vc->prev_r;
}

/* ---------------------------------------------------------------- pages */

static double days_between(const char *a, const char *b)
{
    struct tm ta = {0}, tb = {0};
    if (sscanf(a, "%d-%d-%d", &ta.tm_year, &ta.tm_mon, &ta.tm_mday) != 3 ||
        sscanf(b, "%d-%d-%d", &tb.tm_year, &tb.tm_mon, &tb.tm_mday) != 3)
        return 0;
    ta.tm_year -= 1900, tb.tm_year -= 1900, ta.tm_mon--, tb.tm_mon--;
    ta.tm_hour = tb.tm_hour = 12;
    return difftime(timegm(&tb), timegm(&ta)) / 86400.0;
}

static void cover_page(pdf_t *p, const rdata_t *d, const vcomp_t *vcs)
{
    double y = MARGIN;
    text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans Bold 18", "Skin progress report", 0.1, 0.2, 0.35,
         PANGO_ALIGN_LEFT);
    y += 30;
    char buf[2048];
    snprintf(buf, sizeof buf, "Patient %s%s%s", d->patient, d->info.display_name[0] ? " — " : "",
             d->info.display_name);
    text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans Bold 12", buf, 0.1, 0.1, 0.1, PANGO_ALIGN_LEFT);
    y += text_h(p, PAGE_W - 2 * MARGIN, "Sans Bold 12", buf) + 4;
    if (d->info.treatment[0]) {
        snprintf(buf, sizeof buf, "Treatment: %s", d->info.treatment);
        text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans 10", buf, 0.2, 0.2, 0.2, PANGO_ALIGN_LEFT);
        y += text_h(p, PAGE_W - 2 * MARGIN, "Sans 10", buf) + 2;
    }
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char today[32];
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    snprintf(buf, sizeof buf, "%d session%s from %s to %s; report made %s", d->n_sessions,
             d->n_sessions == 1 ? "" : "s", d->date[0], d->date[d->n_sessions - 1], today);
    text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans 10", buf, 0.2, 0.2, 0.2, PANGO_ALIGN_LEFT);
    y += 24;

    /* timeline */
    double x0 = MARGIN + 10, x1 = PAGE_W - MARGIN - 10;
    double span = d->n_sessions > 1 ? days_between(d->date[0], d->date[d->n_sessions - 1]) : 1;
    if (span <= 0)
        span = 1;
    cairo_set_source_rgb(p->cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(p->cr, 1);
    cairo_move_to(p->cr, x0, y + 10);
    cairo_line_to(p->cr, x1, y + 10);
    cairo_stroke(p->cr);
    for (int s = 0; s < d->n_sessions; s++) {
        double t = d->n_sessions > 1 ? days_between(d->date[0], d->date[s]) / span : 0.5;
        double x = x0 + t * (x1 - x0);
        cairo_set_source_rgb(p->cr, 0.1, 0.35, 0.6);
        cairo_arc(p->cr, x, y + 10, 4, 0, 2 * M_PI);
        cairo_fill(p->cr);
        text(p, x - 40, y + 18, 80, "Sans 7", d->session[s], 0.2, 0.2, 0.2, PANGO_ALIGN_CENTER);
    }
    y += 50;

    /* headline summary */
    text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans Bold 12", "Summary since the first session", 0.1,
         0.2, 0.35, PANGO_ALIGN_LEFT);
    y += 20;
    if (d->n_sessions < 2) {
        text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans 10",
             "Only one session so far: this report shows the baseline. Changes appear from the "
             "second session on.",
             0.2, 0.2, 0.2, PANGO_ALIGN_LEFT);
        y += 30;
    }
    for (int v = 0; v < d->n_views && d->n_sessions >= 2; v++) {
        int b, l;
        baseline_latest(d, v, &b, &l);
        if (b < 0 || l == b) {
            snprintf(buf, sizeof buf, "%s: not enough scored sessions to compare", d->view[v]);
        } else {
            size_t n = (size_t)snprintf(buf, sizeof buf, "%s (%s → %s): ", d->view[v], d->date[b],
                                        d->date[l]);
            int any = 0;
            const vcomp_t *vc = &vcs[v];
            for (int k = 0; k < SK_N_HEADLINE && n < sizeof buf; k++) {
                const sk_compare_metric_t *cm = cmp_metric(vc, sk_headline_metrics[k]);
                double a0, a1;
                int beyond;
                if (cm) {
                    a0 = cm->before, a1 = cm->after, beyond = cm->beyond_noise;
                } else {
                    const rmetric_t *m0 = find_metric(&d->cell[b][v], sk_headline_metrics[k]);
                    const rmetric_t *m1 = find_metric(&d->cell[l][v], sk_headline_metrics[k]);
                    a0 = m0 ? m0->value : NAN, a1 = m1 ? m1->value : NAN;
                    beyond = sk_noise_beyond_stored(&d->noise, sk_headline_metrics[k], a0, a1,
                                                    view_physical(d, v), cell_ita(d, b, v));
                }
                if (!isfinite(a0) || !isfinite(a1) || fabs(a0) < 1e-9)
                    continue;
                double pc = 100.0 * (a1 - a0) / fabs(a0);
                n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s %+.0f %%%s", any ? "; " : "",
                                      sk_metric_label(sk_headline_metrics[k]), pc,
                                      beyond == 1   ? " (beyond noise)"
                                      : beyond == 0 ? " (within noise)"
                                                    : "");
                any = 1;
            }
            if (!any)
                n += (size_t)snprintf(buf + n, sizeof buf - n, "no comparable metrics");
            if (!vc->ok && n < sizeof buf)
                snprintf(buf + n, sizeof buf - n, " — photos not aligned: %s", vc->why);
        }
        text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans 10", buf, 0.15, 0.15, 0.15, PANGO_ALIGN_LEFT);
        y += text_h(p, PAGE_W - 2 * MARGIN, "Sans 10", buf) + 6;
    }
    y += 6;
    const char *note = "Negative changes in pores, wrinkles, spots, redness, roughness and scars "
                       "mean improvement. The latest photo of each view is aligned to the "
                       "baseline and both are measured on the skin they share. \"Beyond noise\": "
                       "the change is larger than the metric's repeatability limit, measured on "
                       "repeated captures of unchanged skin (a change within noise may be real "
                       "but cannot be told from re-taking the photo).";
    text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans Italic 8.5", note, 0.35, 0.35, 0.35,
         PANGO_ALIGN_LEFT);
    y += text_h(p, PAGE_W - 2 * MARGIN, "Sans Italic 8.5", note) + 18;

    /* capture quality and failures */
    text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans Bold 12", "Capture quality", 0.1, 0.2, 0.35,
         PANGO_ALIGN_LEFT);
    y += 20;
    int warned = 0;
    for (int s = 0; s < d->n_sessions; s++)
        for (int v = 0; v < d->n_views; v++) {
            const rcell_t *c = &d->cell[s][v];
            if (y > PAGE_H - 80)
                break;
            if (!c->present) {
                snprintf(buf, sizeof buf, "%s %s: no photo of this view", d->session[s],
                         d->view[v]);
            } else if (strcmp(c->status, "failed") == 0) {
                snprintf(buf, sizeof buf, "%s %s: could not be scored — %s", d->session[s],
                         d->view[v], c->error);
            } else if (c->qc_flags[0]) {
                snprintf(buf, sizeof buf, "%s %s: %s", d->session[s], d->view[v], c->qc_flags);
            } else {
                continue;
            }
            text(p, MARGIN + 8, y, PAGE_W - 2 * MARGIN - 8, "Sans 9", buf, 0.55, 0.25, 0.05,
                 PANGO_ALIGN_LEFT);
            y += text_h(p, PAGE_W - 2 * MARGIN - 8, "Sans 9", buf) + 3;
            warned++;
        }
    if (!warned)
        text(p, MARGIN + 8, y, PAGE_W - 2 * MARGIN, "Sans 9",
             "No capture problems were flagged for any photo.", 0.2, 0.4, 0.2, PANGO_ALIGN_LEFT);
}

/* A headline metric's change since the baseline, session by session: each
 * follow-up aligned to the baseline and both measured on the skin they
 * share (as the table's Δ baseline), so the chart shows changes, not how
 * each photo was framed. The grey bar at a session is its repeatability
 * limit (± about zero); a point beyond it is filled green (better) or red
 * (worse). */
static void trend_chart(pdf_t *p, const rdata_t *d, int v, const vcomp_t *vc, const char *metric,
                        double x, double y, double w, double h)
{
    double dv[MAX_SESSIONS], lim[MAX_SESSIONS], days[MAX_SESSIONS];
    int ses[MAX_SESSIONS], mark[MAX_SESSIONS];
    int n = 0, b, l;
    baseline_latest(d, v, &b, &l);
    const char *unit = "";
    double lo = 0, hi = 0;
    for (int s = b; s >= 0 && s <= l; s++) {
        double delta = NAN, limit = NAN;
        int mk = 0;
        if (s == b) {
            const rmetric_t *m = find_metric(&d->cell[b][v], metric);
            if (!m || !isfinite(m->value))
                break; /* not measured at the baseline: nothing to chart */
            unit = m->unit;
            delta = 0;
        } else {
            const sk_compare_metric_t *cm = result_metric(track_at(vc, s, l), metric);
            if (!cm || !isfinite(cm->delta))
                continue;
            delta = cm->delta;
            limit = cm->limit;
            mk = cm->beyond_noise == 1 ? (cm->improved > 0 ? 1 : cm->improved < 0 ? -1 : 2) : 0;
        }
        dv[n] = delta, lim[n] = limit, mark[n] = mk, ses[n] = s;
        days[n] = days_between(d->date[b], d->date[s]);
        lo = fmin(lo, delta), hi = fmax(hi, delta);
        if (isfinite(limit))
            lo = fmin(lo, -limit), hi = fmax(hi, limit);
        n++;
    }
    char title[160];
    const int unitless = !unit[0] || strcmp(unit, "count") == 0 || strcmp(unit, "index") == 0 ||
                         strcmp(unit, "fraction") == 0;
    if (unitless)
        snprintf(title, sizeof title, "Δ %s", sk_metric_label(metric));
    else
        snprintf(title, sizeof title, "Δ %s (%s)", sk_metric_label(metric), unit);
    text(p, x, y, w + 6, "Sans Bold 7", title, 0.15, 0.15, 0.15, PANGO_ALIGN_LEFT);
    double px = x + 28, py = y + 14, pw = w - 34, ph = h - 30;
    cairo_set_source_rgb(p->cr, 0.85, 0.85, 0.85);
    cairo_set_line_width(p->cr, 0.5);
    cairo_rectangle(p->cr, px, py, pw, ph);
    cairo_stroke(p->cr);
    if (n < 2) {
        text(p, px, py + ph / 2 - 5, pw, "Sans 7",
             n == 0   ? "not measured"
             : l == b ? "one session"
                      : "no aligned follow-up",
             0.5, 0.5, 0.5, PANGO_ALIGN_CENTER);
        return;
    }
    if (hi - lo < 1e-9) {
        double a = fmax(1e-3, 0.05 * fabs(hi));
        hi += a, lo -= a;
    }
    double pad = (hi - lo) * 0.1;
    lo -= pad, hi += pad;
    double span = days[n - 1] > 0 ? days[n - 1] : 1;
    char buf[32];
    snprintf(buf, sizeof buf, "%+.3g", hi);
    text(p, x - 12, py - 4, 38, "Sans 5.5", buf, 0.4, 0.4, 0.4, PANGO_ALIGN_RIGHT);
    snprintf(buf, sizeof buf, "%+.3g", lo);
    text(p, x - 12, py + ph - 6, 38, "Sans 5.5", buf, 0.4, 0.4, 0.4, PANGO_ALIGN_RIGHT);
#define TX(i) (px + 4 + days[i] / span * (pw - 8))
#define TY(val) (py + ph - ((val)-lo) / (hi - lo) * ph)
    /* the noise bars, then the zero line */
    cairo_set_source_rgb(p->cr, 0.88, 0.88, 0.88);
    for (int i = 0; i < n; i++)
        if (isfinite(lim[i])) {
            cairo_rectangle(p->cr, TX(i) - 3, TY(lim[i]), 6, TY(-lim[i]) - TY(lim[i]));
            cairo_fill(p->cr);
        }
    cairo_set_source_rgb(p->cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(p->cr, 0.5);
    cairo_move_to(p->cr, px, TY(0));
    cairo_line_to(p->cr, px + pw, TY(0));
    cairo_stroke(p->cr);
    cairo_set_source_rgb(p->cr, 0.1, 0.35, 0.6);
    cairo_set_line_width(p->cr, 1.2);
    for (int i = 0; i < n; i++) {
        if (i == 0)
            cairo_move_to(p->cr, TX(i), TY(dv[i]));
        else
            cairo_line_to(p->cr, TX(i), TY(dv[i]));
    }
    cairo_stroke(p->cr);
    for (int i = 0; i < n; i++) {
        if (mark[i] == 1)
            cairo_set_source_rgb(p->cr, 0.05, 0.5, 0.2);
        else if (mark[i] == -1)
            cairo_set_source_rgb(p->cr, 0.75, 0.1, 0.1);
        else
            cairo_set_source_rgb(p->cr, 0.1, 0.35, 0.6);
        cairo_new_path(p->cr); /* the date label below moved the current point */
        cairo_arc(p->cr, TX(i), TY(dv[i]), mark[i] ? 2.6 : 1.8, 0, 2 * M_PI);
        cairo_fill(p->cr);
        if (n <= 6 || i == 0 || i == n - 1 || i == n / 2)
            text(p, TX(i) - 22, py + ph + 1, 44, "Sans 5.5", d->date[ses[i]] + 5, 0.4, 0.4, 0.4,
                 PANGO_ALIGN_CENTER);
    }
#undef TX
#undef TY
}

/* The overlay legend, one row at y. */
static void legend(pdf_t *p, double y)
{
    const struct {
        sk_detection_kind k;
        const char *name;
    } leg[] = {{SK_DET_PORE, "pore"},
               {SK_DET_WRINKLE, "wrinkle"},
               {SK_DET_SPOT, "pigmented spot"},
               {SK_DET_REDNESS, "red area"},
               {SK_DET_SCAR, "scar (depth proxy)"}};
    double lx = MARGIN;
    for (size_t i = 0; i < sizeof leg / sizeof leg[0]; i++) {
        unsigned char rgb[3];
        sk_overlay_colour(leg[i].k, rgb);
        cairo_set_source_rgb(p->cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
        cairo_rectangle(p->cr, lx, y + 2, 10, 8);
        cairo_fill(p->cr);
        text(p, lx + 13, y, 90, "Sans 7.5", leg[i].name, 0.2, 0.2, 0.2, PANGO_ALIGN_LEFT);
        lx += 100;
    }
}

/* "pigment.,redness." -> "pigment, redness" */
static void families_text(const char *list, char *out, size_t len)
{
    size_t n = 0;
    for (const char *q = list; *q && n + 3 < len; q++) {
        if (*q == '.')
            continue;
        out[n++] = *q;
        if (*q == ',')
            out[n++] = ' ';
    }
    out[n] = '\0';
}

/* Side-by-side photos and overlays of a comparison; returns the new y. */
static double pair_panels(pdf_t *p, const vcomp_t *vc, const char *left, const char *right,
                          double y)
{
    double pw = (PAGE_W - 2 * MARGIN - 10) / 2, ph = pw * 0.75;
    const char *titles[4] = {left, right, "Pores and wrinkles (latest)",
                             "Spots, redness and scars (latest)"};
    cairo_surface_t *const panels[4] = {vc->photo[0], vc->photo[1], vc->overlay[0], vc->overlay[1]};
    for (int k = 0; k < 4; k++) {
        double x = MARGIN + (k % 2) * (pw + 10), yy = y + (k / 2) * (ph + 18);
        text(p, x, yy, pw, "Sans Bold 8", titles[k], 0.2, 0.2, 0.2, PANGO_ALIGN_CENTER);
        if (panels[k])
            draw_surface(p, panels[k], x, yy + 12, pw, ph);
        else
            text(p, x, yy + ph / 2, pw, "Sans 8", "could not be drawn", 0.5, 0.3, 0.2,
                 PANGO_ALIGN_CENTER);
    }
    y += 2 * (ph + 18);
    char buf[600];
    if (vc->ok)
        snprintf(buf, sizeof buf,
                 "The latest photo is aligned to the baseline (rotation %.1f°, scale %.3f, shift "
                 "%.0f, %.0f px) and colour-normalised on %s; metrics are measured on the skin "
                 "both photos show (%.0f %% of the baseline's skin).",
                 vc->r->reg.rotation_deg, vc->r->reg.scale, vc->r->reg.tx, vc->r->reg.ty,
                 vc->r->norm == SK_NORM_CARD ? "the grey card" : "the common skin",
                 100 * vc->r->common_fraction);
    else
        snprintf(buf, sizeof buf, "Photos as captured: they could not be aligned (%s).", vc->why);
    text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans 7.5", buf, vc->ok ? 0.4 : 0.6, 0.4,
         vc->ok ? 0.4 : 0.1, PANGO_ALIGN_LEFT);
    y += text_h(p, PAGE_W - 2 * MARGIN, "Sans 7.5", buf) + 4;
    if (vc->ok)
        for (int b = 0; b < SK_PAIR_FLAG_COUNT; b++)
            if (vc->r->pair_flags & (1u << b)) {
                char fam[128];
                families_text(sk_pair_flag_affects(1u << b), fam, sizeof fam);
                snprintf(buf, sizeof buf,
                         "Capture mismatch (%s): changes in %s are unreliable for this pair.",
                         sk_pair_flag_name(1u << b), fam);
                text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans 7.5", buf, 0.6, 0.3, 0.05,
                     PANGO_ALIGN_LEFT);
                y += 11;
            }
    legend(p, y);
    return y + 18;
}

static void view_pages(pdf_t *p, const rdata_t *d, int v, const vcomp_t *vc)
{
    int b, l;
    baseline_latest(d, v, &b, &l);
    new_page(p, d);
    double y = MARGIN;
    char buf[512], left[128], right[128];
    snprintf(buf, sizeof buf, "View: %s", d->view[v]);
    text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans Bold 14", buf, 0.1, 0.2, 0.35, PANGO_ALIGN_LEFT);
    y += 24;
    if (b < 0) {
        text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans 10", "No photo of this view could be scored.",
             0.5, 0.2, 0.1, PANGO_ALIGN_LEFT);
        return;
    }
    snprintf(left, sizeof left, "Baseline %s", d->session[b]);
    if (l != b) {
        snprintf(right, sizeof right, "Latest %s%s", d->session[l], vc->ok ? ", aligned" : "");
        y = pair_panels(p, vc, left, right, y);
    } else {
        /* one session: the baseline and its overlays */
        y = pair_panels(p, vc, left, "One session only: no comparison yet", y);
    }
    /* trend charts of the headline metrics */
    text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans Bold 10", "Trends: change since the baseline",
         0.1, 0.2, 0.35, PANGO_ALIGN_LEFT);
    y += 16;
    double cw = (PAGE_W - 2 * MARGIN) / 3, ch = 70;
    for (int k = 0; k < SK_N_HEADLINE; k++)
        trend_chart(p, d, v, vc, sk_headline_metrics[k], MARGIN + (k % 3) * cw,
                    y + (k / 3) * (ch + 6), cw - 8, ch);
    y += 2 * (ch + 6);
    text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans Italic 7",
         "Each follow-up aligned to the baseline and both measured on the skin they share. Grey "
         "bar: the change that re-taking the photo of unchanged skin can produce (the "
         "repeatability limit); a point beyond it is green when better, red when worse.",
         0.4, 0.4, 0.4, PANGO_ALIGN_LEFT);

    /* metric table on its own page */
    new_page(p, d);
    y = MARGIN;
    snprintf(buf, sizeof buf, "View: %s — metrics", d->view[v]);
    text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans Bold 14", buf, 0.1, 0.2, 0.35, PANGO_ALIGN_LEFT);
    y += 26;
    const int prev = vc->prev;
    const sk_compare_result_t *pr = prev_result(vc, b);
    const double col[6] = {MARGIN,       MARGIN + 150, MARGIN + 235,
                           MARGIN + 320, MARGIN + 400, MARGIN + 470};
    const char *head[6] = {"Metric", "Baseline", "Latest", "Δ baseline", "Δ previous", "Better"};
    for (int k = 0; k < 6; k++)
        text(p, col[k], y, 80, "Sans Bold 8", head[k], 0.1, 0.1, 0.1, PANGO_ALIGN_LEFT);
    y += 14;
    cairo_set_source_rgb(p->cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(p->cr, 0.6);
    cairo_move_to(p->cr, MARGIN, y);
    cairo_line_to(p->cr, PAGE_W - MARGIN, y);
    cairo_stroke(p->cr);
    y += 3;
    const rcell_t *cb = &d->cell[b][v], *cl = &d->cell[l][v];
    int row = 0;
    /* in the order of the labels (by family), then anything else */
    int order[MAX_METRICS], no = 0;
    for (int k = 0; sk_metric_name_at(k); k++)
        for (int i = 0; i < cl->nm; i++)
            if (strcmp(cl->m[i].name, sk_metric_name_at(k)) == 0 && no < MAX_METRICS)
                order[no++] = i;
    for (int i = 0; i < cl->nm && no < MAX_METRICS; i++)
        if (strcmp(sk_metric_label(cl->m[i].name), cl->m[i].name) == 0)
            order[no++] = i;
    for (int oi = 0; oi < no && y < PAGE_H - 90; oi++) {
        const rmetric_t *ml = &cl->m[order[oi]];
        if (strncmp(ml->name, "qc.", 3) == 0)
            continue;
        const rmetric_t *mb = find_metric(cb, ml->name);
        const rmetric_t *mp = prev >= 0 ? find_metric(&d->cell[prev][v], ml->name) : NULL;
        const sk_compare_metric_t *cp = result_metric(pr, ml->name);
        const sk_compare_metric_t *cm = l != b ? cmp_metric(vc, ml->name) : NULL;
        if (row++ % 2) {
            cairo_set_source_rgb(p->cr, 0.95, 0.96, 0.98);
            cairo_rectangle(p->cr, MARGIN, y - 1, PAGE_W - 2 * MARGIN, 13);
            cairo_fill(p->cr);
        }
        char v0[48], v1[48], c0[48], c1[48];
        double rgb0[3], rgb1[3];
        double b0 = cm ? cm->before : mb ? mb->value : NAN, l0 = cm ? cm->after : ml->value;
        fmt_value(b0, ml->unit, v0, sizeof v0);
        fmt_value(l0, ml->unit, v1, sizeof v1);
        if (cm && vc->r->norm == SK_NORM_SKIN && sk_metric_is_absolute_tone(ml->name))
            snprintf(c0, sizeof c0, "—"), rgb0[0] = rgb0[1] = rgb0[2] = 0.4;
        else if (l != b)
            fmt_change(
                b0, l0, ml->better,
                cm ? cm->beyond_noise
                   : sk_noise_beyond_stored(&d->noise, ml->name, b0, l0, view_physical(d, v),
                                            cell_ita(d, b, v)),
                c0, sizeof c0, rgb0);
        else
            snprintf(c0, sizeof c0, "—"), rgb0[0] = rgb0[1] = rgb0[2] = 0.4;
        if (cp && pr->norm == SK_NORM_SKIN && sk_metric_is_absolute_tone(ml->name))
            snprintf(c1, sizeof c1, "—"), rgb1[0] = rgb1[1] = rgb1[2] = 0.4;
        else if (cp)
            fmt_change(cp->before, cp->after, ml->better, cp->beyond_noise, c1, sizeof c1, rgb1);
        else /* not aligned: the two photos' own scores, without a verdict */
            fmt_change(mp ? mp->value : NAN, ml->value, ml->better, -1, c1, sizeof c1, rgb1);
        text(p, col[0], y, 148, "Sans 8", sk_metric_label(ml->name), 0.1, 0.1, 0.1,
             PANGO_ALIGN_LEFT);
        text(p, col[1], y, 84, "Sans 8", v0, 0.2, 0.2, 0.2, PANGO_ALIGN_LEFT);
        text(p, col[2], y, 84, "Sans 8", v1, 0.2, 0.2, 0.2, PANGO_ALIGN_LEFT);
        text(p, col[3], y, 78, "Sans 8", c0, rgb0[0], rgb0[1], rgb0[2], PANGO_ALIGN_LEFT);
        text(p, col[4], y, 68, "Sans 8", c1, rgb1[0], rgb1[1], rgb1[2], PANGO_ALIGN_LEFT);
        text(p, col[5], y, 60, "Sans 8",
             ml->better < 0   ? "lower"
             : ml->better > 0 ? "higher"
                              : "—",
             0.4, 0.4, 0.4, PANGO_ALIGN_LEFT);
        y += 13;
    }
    y += 8;
    const char *foot =
        "● beyond noise: the change exceeds the metric's repeatability limit (1.96·√2 × the "
        "within-subject SD of re-captures of unchanged skin); green when better, red when worse. "
        "Grey: within noise. Baseline, latest and Δ baseline: the latest photo aligned to the "
        "baseline and both measured on the skin they share. Δ previous: the latest photo aligned "
        "to the previous session's in the same way (dark, without a mark, when the two could not "
        "be aligned: then the photos' own scores). \"—\": not measurable (for example pores "
        "need at least 0.05 mm per pixel), or skin tone compared without a grey card.";
    text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans Italic 7.5", foot, 0.4, 0.4, 0.4,
         PANGO_ALIGN_LEFT);
}

static void method_page(pdf_t *p, const rdata_t *d)
{
    new_page(p, d);
    double y = MARGIN;
    text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans Bold 14", "Method and limits", 0.1, 0.2, 0.35,
         PANGO_ALIGN_LEFT);
    y += 26;
    const char *body =
        "How the numbers are made. Each photo is decoded, oriented and converted to sRGB, "
        "then resampled to a fixed working scale (0.04 mm per pixel when the scale is known, "
        "otherwise a nominal scale on a 1600-pixel long side). A colour model finds the skin "
        "and keeps a margin from hair, eyes, lips and nostrils. Pores are dark blobs of "
        "0.1–0.5 mm found in a scale-normalised Laplacian-of-Gaussian scale space; wrinkles "
        "are dark valleys found by a multi-scale Hessian ridge measure, thinned and traced, "
        "with a minimum length; pigmented spots are areas darker and browner than the local "
        "background of 1–8 mm; red areas have a* above the skin's median; roughness is the "
        "band-passed lightness between 0.1 and 1 mm; texture indices come from grey-level "
        "co-occurrence matrices and local binary patterns; scars are estimated from the "
        "shading of 1–5 mm depressions. Every formula is in the project's docs/METRICS.md.\n\n"
        "What the numbers are not. These are measurements of photographs, not a diagnosis. "
        "A two-dimensional photo gives only a proxy of depth: scar and wrinkle depth figures "
        "follow shading and change with lighting. Absolute colour figures (skin tone, melanin "
        "and erythema indices) depend on the camera, the light and white balance; compare them "
        "only between photos taken the same way, ideally with a grey card in view. The scar "
        "figures are the least repeatable of all (their limits are the widest): small scars "
        "and the deepest parts of wrinkles shade alike, so treat them as a screen, not a count. "
        "On whole-face photos without a scale, the sides of the nose and "
        "thin brows can be traced as wrinkles; a region mask on the cheeks or the forehead "
        "(a VIEW.mask.png beside the photo) keeps every figure on the skin that is being "
        "treated. A "
        "change counts as real only when it exceeds the metric's repeatability limit, measured by "
        "the project on repeated captures of unchanged skin (shifted, turned, re-exposed, "
        "re-compressed); changes within it cannot be told from re-taking the photo. The limit "
        "is set so that unchanged skin crosses it in about one metric in twenty: with many "
        "metrics and views, an isolated mark on one metric deserves less weight than a "
        "consistent change across a family and across sessions. Every follow-up photo of a "
        "view is aligned to the baseline (and the latest also to the previous session's), and "
        "both photos of a pair are measured on the skin they share, after normalising the "
        "follow-up's colour to the reference's, so a change of framing or lighting does not "
        "pass for a change of the skin. Capture problems (exposure, "
        "blur, clipping) are listed on the first page; photos that could not be scored are "
        "listed with the reason.\n\n"
        "Photos are never modified: the library keeps the clinic's originals (stripped of "
        "location and camera serial numbers on import).";
    text(p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans 9.5", body, 0.15, 0.15, 0.15, PANGO_ALIGN_LEFT);
}

/* Close the last page and the document; the cairo status of the whole. */
static cairo_status_t pdf_close(pdf_t *p, cairo_surface_t *surf)
{
    cairo_show_page(p->cr);
    g_object_unref(p->layout);
    cairo_status_t cs = cairo_status(p->cr);
    cairo_destroy(p->cr);
    cairo_surface_finish(surf);
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(surf);
    cairo_surface_destroy(surf);
    return cs;
}

static void rdata_free(rdata_t *d)
{
    if (!d)
        return;
    for (int s = 0; s < MAX_SESSIONS; s++)
        for (int v = 0; v < MAX_VIEWS; v++) {
            free(d->cell[s][v].stored[0]);
            free(d->cell[s][v].stored[1]);
        }
    free(d);
}

int sk_report_patient(const char *clinic, const char *db_path, const char *patient,
                      const char *out_pdf, int *pages_out)
{
    char disp[SK_DISPLAY_PATH_MAX];
    sk_store_t *st = NULL;
    int rc = sk_store_open(db_path, &st);
    if (rc < 0)
        return rc;
    rdata_t *d = calloc(1, sizeof *d);
    sk_analyzer_t *an = NULL;
    if (!d) {
        sk_store_close(st);
        return sk_error_set(SK_ERR_NOMEM, "report: out of memory");
    }
    rc = load_data(st, clinic, patient, d);
    sk_store_close(st);
    if (rc < 0) {
        rdata_free(d);
        return rc;
    }
    if ((rc = sk_analyzer_new(&an)) < 0) {
        rdata_free(d);
        return rc;
    }
    sk_comparer_t *cmp = NULL;
    vcomp_t *vcs = calloc(MAX_VIEWS, sizeof *vcs);
    if (!vcs || (rc = sk_noise_load(NULL, &d->noise)) < 0 || (rc = sk_comparer_new(&cmp)) < 0) {
        if (!vcs)
            rc = sk_error_set(SK_ERR_NOMEM, "report: out of memory");
        free(vcs);
        sk_analyzer_free(an);
        rdata_free(d);
        return rc;
    }
    /* each view: its latest photo aligned to its baseline */
    for (int v = 0; v < d->n_views; v++) {
        int b, l;
        baseline_latest(d, v, &b, &l);
        if (b < 0)
            continue;
        /* the baseline's scale, as batch scored it (patient.json, or batch's
         * --mm-per-px) */
        double mm = d->info.has_file > 0 ? sk_patient_mm_per_px(&d->info, d->view[v]) : 0;
        if (!(mm > 0) && d->cell[b][v].mm_per_px > 0)
            mm = d->cell[b][v].mm_per_px;
        char pb[4200], pl[4200];
        snprintf(pb, sizeof pb, "%s/%s", clinic, d->cell[b][v].path);
        snprintf(pl, sizeof pl, "%s/%s", clinic, d->cell[l][v].path);
        const sk_rect_t *card =
            d->info.has_file > 0 ? sk_patient_grey_card(&d->info, d->view[v]) : NULL;
        if (l == b) {
            as_captured(an, pb, NULL, mm, &vcs[v]);
            vcs[v].prev = -1;
            continue;
        }
        compare_pair(cmp, an, &d->cell[b][v], &d->cell[l][v], pb, pl, mm, card, &d->noise, &vcs[v]);
        /* the earlier pairs as batch recorded them, when it did from the same
         * photos and inputs; else made here */
        char inputs[192];
        sk_store_comparison_inputs(&d->noise, card, inputs, sizeof inputs);
        /* the earlier follow-ups aligned to the baseline, and the latest to
         * the session before it */
        vcs[v].prev = -1;
        for (int s = b + 1; s < l; s++) {
            if (!scored(d, s, v))
                continue;
            char ps[4200];
            snprintf(ps, sizeof ps, "%s/%s", clinic, d->cell[s][v].path);
            vcs[v].track[s] =
                stored_figures(&d->cell[b][v], &d->cell[s][v], SK_CMP_BASELINE, inputs);
            if (!vcs[v].track[s])
                vcs[v].track[s] = compare_figures(cmp, &d->cell[b][v], &d->cell[s][v], pb, ps, mm,
                                                  card, &d->noise);
            vcs[v].prev = s;
        }
        if (vcs[v].prev < 0) {
            vcs[v].prev = b;
        } else {
            char pp[4200];
            snprintf(pp, sizeof pp, "%s/%s", clinic, d->cell[vcs[v].prev][v].path);
            vcs[v].prev_r =
                stored_figures(&d->cell[vcs[v].prev][v], &d->cell[l][v], SK_CMP_PREVIOUS, inputs);
            if (!vcs[v].prev_r)
                vcs[v].prev_r = compare_figures(cmp, &d->cell[vcs[v].prev][v], &d->cell[l][v], pp,
                                                pl, mm, card, &d->noise);
        }
    }
    sk_comparer_free(cmp);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", out_pdf, (long)getpid());
    cairo_surface_t *surf = cairo_pdf_surface_create(tmp, PAGE_W, PAGE_H);
    if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surf);
        for (int v = 0; v < MAX_VIEWS; v++)
            vcomp_free(&vcs[v]);
        free(vcs);
        sk_analyzer_free(an);
        rdata_free(d);
        return sk_error_set(SK_ERR_IO, "%s: cannot write the report",
                            sk_path_display(out_pdf, disp, sizeof disp));
    }
    char title[128];
    snprintf(title, sizeof title, "Skin progress report — %s", patient);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "skintrack");
    pdf_t p = {cairo_create(surf), NULL, 0};
    p.layout = pango_cairo_create_layout(p.cr);
    new_page(&p, d);
    cover_page(&p, d, vcs);
    for (int v = 0; v < d->n_views; v++)
        view_pages(&p, d, v, &vcs[v]);
    method_page(&p, d);
    footer(&p, d);
    cairo_status_t cs = pdf_close(&p, surf);
    for (int v = 0; v < MAX_VIEWS; v++)
        vcomp_free(&vcs[v]);
    free(vcs);
    sk_analyzer_free(an);
    rdata_free(d);
    if (cs != CAIRO_STATUS_SUCCESS || rename(tmp, out_pdf) != 0) {
        unlink(tmp);
        return sk_error_set(SK_ERR_IO, "%s: cannot write the report (%s)",
                            sk_path_display(out_pdf, disp, sizeof disp),
                            cairo_status_to_string(cs));
    }
    if (pages_out)
        *pages_out = p.page;
    return SK_OK;
}

/* ------------------------------------------------- one-pair comparison */

int sk_report_compare(const sk_comparer_t *c, const char *before, const char *after,
                      const sk_compare_result_t *r, const char *pdf_path)
{
    char disp[SK_DISPLAY_PATH_MAX], db[SK_DISPLAY_PATH_MAX], da[SK_DISPLAY_PATH_MAX];
    sk_path_display(pdf_path, disp, sizeof disp);
    sk_path_display(before, db, sizeof db);
    sk_path_display(after, da, sizeof da);
    vcomp_t vc = {.ok = 1, .r = (sk_compare_result_t *)r};
    vc.photo[0] = image_panel(sk_comparer_before(c), NULL, 0);
    vc.photo[1] = image_panel(sk_comparer_after_aligned(c), NULL, 0);
    for (int k = 0; k < 2; k++)
        vc.overlay[k] =
            image_panel(sk_comparer_after_aligned(c), sk_comparer_detections(c, 1), OV_KINDS[k]);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", pdf_path, (long)getpid());
    cairo_surface_t *surf = cairo_pdf_surface_create(tmp, PAGE_W, PAGE_H);
    if (cairo_surface_status(surf) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surf);
        vc.r = NULL;
        vcomp_free(&vc);
        return sk_error_set(SK_ERR_IO, "%s: cannot write the report", disp);
    }
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_TITLE, "Skin comparison");
    cairo_pdf_surface_set_metadata(surf, CAIRO_PDF_METADATA_CREATOR, "skintrack");
    pdf_t p = {cairo_create(surf), NULL, 1};
    p.layout = pango_cairo_create_layout(p.cr);
    double y = MARGIN;
    text(&p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans Bold 16", "Skin comparison", 0.1, 0.2, 0.35,
         PANGO_ALIGN_LEFT);
    y += 26;
    char buf[1200];
    snprintf(buf, sizeof buf, "Before: %s\nAfter: %s", db, da);
    text(&p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans 8.5", buf, 0.2, 0.2, 0.2, PANGO_ALIGN_LEFT);
    y += text_h(&p, PAGE_W - 2 * MARGIN, "Sans 8.5", buf) + 8;
    y = pair_panels(&p, &vc, "Before", "After, aligned", y);

    /* the metric table */
    footer_text(&p, "comparison");
    cairo_show_page(p.cr);
    p.page++;
    y = MARGIN;
    text(&p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans Bold 14", "Metrics", 0.1, 0.2, 0.35,
         PANGO_ALIGN_LEFT);
    y += 24;
    const double col[5] = {MARGIN, MARGIN + 170, MARGIN + 260, MARGIN + 350, MARGIN + 440};
    const char *head[5] = {"Metric", "Before", "After", "Change", "Limit"};
    for (int k = 0; k < 5; k++)
        text(&p, col[k], y, 85, "Sans Bold 8", head[k], 0.1, 0.1, 0.1, PANGO_ALIGN_LEFT);
    y += 14;
    for (int i = 0; i < r->count && y < PAGE_H - 110; i++) {
        const sk_compare_metric_t *m = &r->m[i];
        if (i % 2) {
            cairo_set_source_rgb(p.cr, 0.95, 0.96, 0.98);
            cairo_rectangle(p.cr, MARGIN, y - 1, PAGE_W - 2 * MARGIN, 13);
            cairo_fill(p.cr);
        }
        char v0[48], v1[48], ch[48], lim[48];
        double rgb[3];
        fmt_value(m->before, m->unit, v0, sizeof v0);
        fmt_value(m->after, m->unit, v1, sizeof v1);
        if (r->norm == SK_NORM_SKIN && sk_metric_is_absolute_tone(m->name))
            snprintf(ch, sizeof ch, "—"), rgb[0] = rgb[1] = rgb[2] = 0.4;
        else
            fmt_change(m->before, m->after, m->better, m->beyond_noise, ch, sizeof ch, rgb);
        if (isfinite(m->limit))
            snprintf(lim, sizeof lim, "± %.3g", m->limit);
        else
            snprintf(lim, sizeof lim, "—");
        text(&p, col[0], y, 168, "Sans 8", sk_metric_label(m->name), 0.1, 0.1, 0.1,
             PANGO_ALIGN_LEFT);
        text(&p, col[1], y, 88, "Sans 8", v0, 0.2, 0.2, 0.2, PANGO_ALIGN_LEFT);
        text(&p, col[2], y, 88, "Sans 8", v1, 0.2, 0.2, 0.2, PANGO_ALIGN_LEFT);
        text(&p, col[3], y, 88, "Sans 8", ch, rgb[0], rgb[1], rgb[2], PANGO_ALIGN_LEFT);
        text(&p, col[4], y, 80, "Sans 8", lim, 0.4, 0.4, 0.4, PANGO_ALIGN_LEFT);
        y += 13;
    }
    y += 8;
    const char *foot =
        "● beyond noise: the change exceeds the metric's repeatability limit (\"Limit\", in the "
        "metric's unit: 1.96·√2 × the within-subject SD of re-captures of unchanged skin); green "
        "when better, red when worse; grey: within noise. Both photos are measured on the skin "
        "they share after alignment. These are measurements of photographs, not a diagnosis; "
        "scar and wrinkle depth from a 2-D photo are proxies that follow the lighting.";
    text(&p, MARGIN, y, PAGE_W - 2 * MARGIN, "Sans Italic 7.5", foot, 0.4, 0.4, 0.4,
         PANGO_ALIGN_LEFT);
    footer_text(&p, "comparison");
    cairo_status_t cs = pdf_close(&p, surf);
    vc.r = NULL; /* the caller's */
    vcomp_free(&vc);
    if (cs != CAIRO_STATUS_SUCCESS || rename(tmp, pdf_path) != 0) {
        unlink(tmp);
        return sk_error_set(SK_ERR_IO, "%s: cannot write the report (%s)", disp,
                            cairo_status_to_string(cs));
    }
    return SK_OK;
}
