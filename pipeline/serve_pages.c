/* The web app's pages: patient list, patient page (timeline, thumbnails,
 * metric table, trend charts as inline SVG, capture warnings), upload form
 * and login. The data come from the library on disk (sk_library_scan) and
 * the store (read-only SQLite). */
#ifdef SK_HAVE_MHD
#include "pserve.h"
#include "pstore.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#define MAX_SESSIONS 64
#define MAX_VIEWS 16
#define MAX_METRICS 96

typedef sk_stored_metric_t pmetric_t;

typedef sk_stored_comparison_metric_t palign_t;

enum { AL_BASELINE, AL_PREVIOUS };

typedef struct {
    int on_disk;
    int in_store;
    int64_t photo_id;
    char status[16];
    char error[256];
    char qc[256];
    int nm;
    pmetric_t *m;
    /* the photo aligned to its view's baseline and to the previous session,
     * as batch recorded it (tracking); NULL when not read */
    sk_stored_comparison_t *al[2];
} pcell_t;

typedef struct {
    char id[SK_PATIENT_ID_MAX + 1];
    int ns, nv;
    char session[MAX_SESSIONS][80];
    char date[MAX_SESSIONS][11];
    char view[MAX_VIEWS][SK_VIEW_MAX + 1];
    pcell_t cell[MAX_SESSIONS][MAX_VIEWS];
    int store_missing;
} pdata_t;

static void pdata_free(pdata_t *d)
{
    if (!d)
        return;
    for (int s = 0; s < MAX_SESSIONS; s++)
        for (int v = 0; v < MAX_VIEWS; v++) {
            free(d->cell[s][v].m);
            free(d->cell[s][v].al[0]);
            free(d->cell[s][v].al[1]);
        }
    free(d);
}

/* Index of a session, inserted in (date, folder) order when new; -1 when full. */
static int session_index(pdata_t *d, const char *folder, const char *date)
{
    int i;
    for (i = 0; i < d->ns; i++)
        if (strcmp(d->session[i], folder) == 0)
            return i;
    if (d->ns == MAX_SESSIONS)
        return -1;
    for (i = 0; i < d->ns; i++) {
        int c = strcmp(date, d->date[i]);
        if (c < 0 || (c == 0 && strcmp(folder, d->session[i]) < 0))
            break;
    }
    memmove(d->session[i + 1], d->session[i], (size_t)(d->ns - i) * sizeof d->session[0]);
    memmove(d->date[i + 1], d->date[i], (size_t)(d->ns - i) * sizeof d->date[0]);
    memmove(d->cell[i + 1], d->cell[i], (size_t)(d->ns - i) * sizeof d->cell[0]);
    memset(d->cell[i], 0, sizeof d->cell[0]);
    snprintf(d->session[i], sizeof d->session[0], "%s", folder);
    snprintf(d->date[i], sizeof d->date[0], "%s", date);
    d->ns++;
    return i;
}

static int view_index(pdata_t *d, const char *view)
{
    for (int i = 0; i < d->nv; i++)
        if (strcmp(d->view[i], view) == 0)
            return i;
    if (d->nv == MAX_VIEWS)
        return -1;
    snprintf(d->view[d->nv], sizeof d->view[0], "%s", view);
    return d->nv++;
}

static sqlite3 *store_open_ro(const sk_server_t *srv)
{
    if (access(srv->db, R_OK) != 0)
        return NULL;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(srv->db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000);
    return db;
}

/* The comparisons batch recorded for each scored photo (none in a store
 * that batch has not tracked since schema 3). */
static void load_aligned(sqlite3 *db, pdata_t *d)
{
    for (int s = 0; s < d->ns; s++)
        for (int v = 0; v < d->nv; v++) {
            pcell_t *c = &d->cell[s][v];
            if (!c->in_store || strcmp(c->status, "scored") != 0)
                continue;
            for (int k = 0; k < 2; k++) {
                c->al[k] = malloc(sizeof *c->al[k]);
                if (c->al[k])
                    sk_store_read_comparison(db, c->photo_id,
                                             k == AL_PREVIOUS ? SK_CMP_PREVIOUS : SK_CMP_BASELINE,
                                             c->al[k]);
            }
        }
}

/* The aligned figures of metric `name` of a photo (kind AL_*), or NULL. */
static const palign_t *cell_aligned(const pcell_t *c, int kind, const char *name)
{
    return sk_stored_comparison_find(c->al[kind], name);
}

/* The patient's photos on disk (refs, n) merged with what the store holds. */
static pdata_t *pdata_load(const sk_server_t *srv, sqlite3 *db, const char *id,
                           const sk_photo_ref_t *refs, size_t n)
{
    pdata_t *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    snprintf(d->id, sizeof d->id, "%s", id);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(refs[i].patient, id) != 0)
            continue;
        int s = session_index(d, refs[i].session, refs[i].date);
        int v = view_index(d, refs[i].view);
        if (s >= 0 && v >= 0)
            d->cell[s][v].on_disk = 1;
    }
    if (!db) {
        d->store_missing = 1;
        return d;
    }
    (void)srv;
    sqlite3_stmt *q = NULL, *mq = NULL;
    if (sqlite3_prepare_v2(
            db,
            "SELECT s.folder, s.date, p.view, p.id, p.status, coalesce(p.error, ''), "
            "p.qc_flags FROM photos p JOIN sessions s ON s.id = p.session_id "
            "WHERE s.patient_id = ?",
            -1, &q, NULL) != SQLITE_OK ||
        sk_store_prepare_metrics(db, &mq) < 0) {
        d->store_missing = 1;
        goto done;
    }
    sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *folder = (const char *)sqlite3_column_text(q, 0);
        const char *date = (const char *)sqlite3_column_text(q, 1);
        const char *view = (const char *)sqlite3_column_text(q, 2);
        if (!folder || !date || !view)
            continue;
        int s = session_index(d, folder, date);
        int v = view_index(d, view);
        if (s < 0 || v < 0)
            continue;
        pcell_t *c = &d->cell[s][v];
        c->in_store = 1;
        c->photo_id = sqlite3_column_int64(q, 3);
        snprintf(c->status, sizeof c->status, "%s", sqlite3_column_text(q, 4));
        snprintf(c->error, sizeof c->error, "%s", sqlite3_column_text(q, 5));
        snprintf(c->qc, sizeof c->qc, "%s",
                 sqlite3_column_text(q, 6) ? (const char *)sqlite3_column_text(q, 6) : "");
    }
    for (int s = 0; s < d->ns; s++)
        for (int v = 0; v < d->nv; v++) {
            pcell_t *c = &d->cell[s][v];
            if (!c->in_store || strcmp(c->status, "scored") != 0)
                continue;
            c->m = calloc(MAX_METRICS, sizeof *c->m);
            if (!c->m)
                continue;
            c->nm = sk_store_read_metrics(mq, c->photo_id, c->m, MAX_METRICS);
        }
    load_aligned(db, d);
done:
    sqlite3_finalize(q);
    sqlite3_finalize(mq);
    return d;
}

static const pmetric_t *cell_metric(const pcell_t *c, const char *name)
{
    return sk_stored_metric_find(c->m, c->nm, name);
}

/* The skin's tone (ITA°) in one session's photo of a view: it picks the tone
 * band's repeatability limits. NAN when unknown. */
static double cell_ita(const pdata_t *d, int s, int v)
{
    const pmetric_t *m = s >= 0 ? cell_metric(&d->cell[s][v], "pigment.ita_deg") : NULL;
    return m ? m->value : NAN;
}

/* Scored with at least one outcome measured (a photo with no usable skin is
 * scored too, with every metric empty: it is neither a baseline nor a
 * latest value). */
static int scored(const pcell_t *c)
{
    if (!c->in_store || strcmp(c->status, "scored") != 0)
        return 0;
    for (int i = 0; i < c->nm; i++)
        if (strncmp(c->m[i].name, "qc.", 3) != 0 && isfinite(c->m[i].value))
            return 1;
    return 0;
}

/* "a,b,c" -> "a, b, c" */
static void put_list(sk_sb_t *b, const char *s)
{
    for (; *s; s++) {
        if (*s == ',')
            sk_sb_put(b, ", ");
        else
            sk_sb_html_n(b, s, 1);
    }
}

/* ------------------------------------------------------------ wording */

static void fmt_value(double v, const char *unit, char *buf, size_t len)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "—");
        return;
    }
    int bare = strcmp(unit, "count") == 0 || strcmp(unit, "index") == 0 ||
               strcmp(unit, "fraction") == 0 || unit[0] == '\0';
    const char *sep = bare ? "" : " ";
    const char *u = bare ? "" : unit;
    double a = fabs(v);
    if (strcmp(unit, "count") == 0 || a >= 100)
        snprintf(buf, len, "%.0f%s%s", v, sep, u);
    else if (a >= 10)
        snprintf(buf, len, "%.1f%s%s", v, sep, u);
    else if (a >= 0.1)
        snprintf(buf, len, "%.2f%s%s", v, sep, u);
    else
        snprintf(buf, len, "%.3g%s%s", v, sep, u);
}

/* Change from -> to: percent for metrics with a direction, absolute for the
 * neutral ones, "●" when beyond the metric's repeatability limit (beyond =
 * 1); cls gets "good" or "bad" only then, "muted" within noise (0), "" when
 * unknown (-1). */
static void fmt_change(double from, double to, int better, int beyond, char *buf, size_t len,
                       const char **cls)
{
    *cls = "";
    if (!isfinite(from) || !isfinite(to)) {
        snprintf(buf, len, "—");
        return;
    }
    double dv = to - from;
    const char *mark = beyond == 1 ? " ●" : "";
    if (better != 0 && fabs(from) > 1e-9) {
        double pct = 100.0 * dv / fabs(from);
        if (fabs(pct) < 0.5)
            snprintf(buf, len, "0 %%%s", mark);
        else
            snprintf(buf, len, "%+.0f %%%s", pct, mark);
    } else if (fabs(dv) < 5e-4 * fmax(1.0, fabs(from))) {
        snprintf(buf, len, "0%s", mark);
    } else {
        snprintf(buf, len, "%+.3g%s", dv, mark);
    }
    if (beyond == 0)
        *cls = "muted";
    else if (beyond == 1 && better != 0)
        *cls = (dv < 0) == (better < 0) ? "good" : "bad";
}

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

/* First and last session where the view was scored. */
static void baseline_latest(const pdata_t *d, int v, int *b, int *l)
{
    *b = *l = -1;
    for (int s = 0; s < d->ns; s++)
        if (scored(&d->cell[s][v])) {
            if (*b < 0)
                *b = s;
            *l = s;
        }
}

/* The most telling change of a patient: among the headline metrics of the
 * view with most scored sessions, the largest relative change from the
 * baseline to the latest session. */
static void headline_change(const pdata_t *d, const sk_noise_t *noise, const sk_patient_t *info,
                            sk_sb_t *out)
{
    int best_v = -1, best_n = 0;
    for (int v = 0; v < d->nv; v++) {
        int n = 0;
        for (int s = 0; s < d->ns; s++)
            n += scored(&d->cell[s][v]);
        if (n > best_n)
            best_n = n, best_v = v;
    }
    if (best_v < 0) {
        sk_sb_put(out, "<span class=\"muted\">not scored yet</span>");
        return;
    }
    int b, l;
    baseline_latest(d, best_v, &b, &l);
    if (b == l) {
        sk_sb_put(out, "<span class=\"muted\">baseline only</span>");
        return;
    }
    /* the aligned pair batch recorded, else the two photos' own scores */
    const pcell_t *cl = &d->cell[l][best_v];
    const char *best = NULL;
    double best_rel = 0, v0 = NAN, v1 = NAN;
    int better = 0, beyond = -1;
    for (size_t i = 0; i < SK_N_HEADLINE; i++) {
        const char *name = sk_headline_metrics[i];
        const pmetric_t *m0 = cell_metric(&d->cell[b][best_v], name);
        const pmetric_t *m1 = cell_metric(cl, name);
        const palign_t *a = cell_aligned(cl, AL_BASELINE, name);
        double x0 = a ? a->before : m0 ? m0->value : NAN, x1 = a ? a->after : m1 ? m1->value : NAN;
        if (!m1 || !isfinite(x0) || !isfinite(x1) || fabs(x0) < 1e-9 || m1->better == 0)
            continue;
        double rel = fabs((x1 - x0) / x0);
        if (!best || rel > best_rel) {
            best = name, best_rel = rel, v0 = x0, v1 = x1, better = m1->better;
            beyond =
                a ? a->beyond
                  : sk_noise_beyond_stored(noise, name, x0, x1,
                                           info && sk_patient_mm_per_px(info, d->view[best_v]) > 0,
                                           cell_ita(d, b, best_v));
        }
    }
    if (!best) {
        sk_sb_put(out, "<span class=\"muted\">—</span>");
        return;
    }
    char ch[64];
    const char *cls;
    fmt_change(v0, v1, better, beyond, ch, sizeof ch, &cls);
    sk_sb_printf(out, "%s <span class=\"%s\">%s</span> <span class=\"muted\">(",
                 sk_metric_label(best), cls, ch);
    sk_sb_html(out, d->view[best_v]);
    sk_sb_printf(out, ", %s → %s)</span>", d->date[b], d->date[l]);
}

static void warn_cb(const char *msg, void *ud)
{
    (void)msg;
    (void)ud;
}

/* --------------------------------------------------------- patient list */

enum MHD_Result serve_page_patients(serve_req_t *r)
{
    sk_server_t *srv = r->srv;
    sk_photo_ref_t *refs = NULL;
    size_t n = 0;
    if (sk_library_scan(srv->clinic, NULL, &refs, &n, warn_cb, NULL) < 0)
        return serve_error(r, 500, "%s", sk_error_message());
    sqlite3 *db = store_open_ro(srv);
    sk_sb_t b = {0};
    sk_sb_put(&b, "<h1>Patients</h1><div class=\"actions\"><a class=\"button\" "
                  "href=\"/upload\">Upload photos</a></div>");
    if (n == 0) {
        sk_sb_put(&b, "<div class=\"card\"><p>No photos in this clinic yet. "
                      "<a href=\"/upload\">Upload the first ones</a>.</p></div>");
    } else {
        sk_sb_put(&b, "<table id=\"patients\"><thead><tr><th>Patient</th><th>Name</th>"
                      "<th class=\"num\">Sessions</th><th>Last session</th>"
                      "<th class=\"num\">Photos</th><th>Headline change since baseline</th>"
                      "</tr></thead><tbody>");
        sk_patient_t *info = malloc(sizeof *info);
        /* the repeatability limits; without them every verdict is unknown */
        sk_noise_t *noise = calloc(1, sizeof *noise);
        if (noise && sk_noise_load(NULL, noise) < 0)
            memset(noise, 0, sizeof *noise);
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && strcmp(refs[j].patient, refs[i].patient) == 0)
                j++;
            pdata_t *d = pdata_load(srv, db, refs[i].patient, refs + i, j - i);
            const char *name = "";
            int have_info = 0;
            if (info && sk_patient_load(srv->clinic, refs[i].patient, info, NULL, NULL) == 0)
                name = info->display_name, have_info = 1;
            sk_sb_put(&b, "<tr><td><a href=\"/p/");
            sk_sb_html(&b, refs[i].patient);
            sk_sb_put(&b, "\">");
            sk_sb_html(&b, refs[i].patient);
            sk_sb_put(&b, "</a></td><td>");
            sk_sb_html(&b, name);
            int todo = 0, photos = 0;
            if (d) {
                for (int s = 0; s < d->ns; s++)
                    for (int v = 0; v < d->nv; v++) {
                        photos += d->cell[s][v].on_disk;
                        todo += d->cell[s][v].on_disk && !d->cell[s][v].in_store;
                    }
                sk_sb_printf(&b, "</td><td class=\"num\">%d</td><td>", d->ns);
                sk_sb_html(&b, d->ns ? d->session[d->ns - 1] : "—");
                sk_sb_printf(&b, "</td><td class=\"num\">%d", photos);
                if (todo)
                    sk_sb_printf(&b, " <span class=\"badge todo\">%d new</span>", todo);
                sk_sb_put(&b, "</td><td>");
                headline_change(d, noise, have_info ? info : NULL, &b);
                sk_sb_put(&b, "</td></tr>");
                pdata_free(d);
            } else {
                sk_sb_put(&b, "</td><td colspan=\"4\">out of memory</td></tr>");
            }
            i = j;
        }
        free(info);
        free(noise);
        sk_sb_put(&b, "</tbody></table>");
    }
    sqlite3_close(db);
    free(refs);
    return serve_page(r, 200, "Patients", &b);
}

/* ---------------------------------------------------------- trend chart */

/* A headline metric across the sessions: when batch aligned every scored
 * follow-up to the baseline, its change since the baseline (both photos of
 * each pair measured on the skin they share); otherwise each photo's own
 * score. */
static void trend_chart(sk_sb_t *b, const pdata_t *d, int v, const char *metric)
{
    double xs[MAX_SESSIONS], ys[MAX_SESSIONS];
    int n = 0, bs, ls;
    const char *unit = "";
    baseline_latest(d, v, &bs, &ls);
    int aligned = bs >= 0 && ls > bs;
    for (int s = bs + 1; aligned && s <= ls; s++)
        if (scored(&d->cell[s][v]) && !cell_aligned(&d->cell[s][v], AL_BASELINE, metric))
            aligned = 0;
    for (int s = 0; s < d->ns; s++) {
        const pcell_t *c = &d->cell[s][v];
        const pmetric_t *m = scored(c) ? cell_metric(c, metric) : NULL;
        if (!m || (aligned && s < bs))
            continue;
        const palign_t *a = aligned && s > bs ? cell_aligned(c, AL_BASELINE, metric) : NULL;
        double y = aligned ? (a ? a->after - a->before : 0.0) : m->value;
        if (!isfinite(y) || (aligned && s == bs && !isfinite(m->value)))
            continue;
        xs[n] = days_between(d->date[0], d->date[s]);
        ys[n] = y;
        unit = m->unit;
        n++;
    }
    char title[96];
    snprintf(title, sizeof title, "%s%s", aligned ? "Δ " : "", sk_metric_label(metric));
    int varies = 0;
    for (int i = 1; i < n; i++)
        varies |= ys[i] != ys[0];
    if (n < 2 || !varies)
        return; /* one point or a flat line tells nothing */
    const double W = 250, H = 130, L = 54, R = 10, T = 22, B = 24;
    double x0 = xs[0], x1 = xs[n - 1], y0 = ys[0], y1 = ys[0];
    for (int i = 1; i < n; i++) {
        y0 = fmin(y0, ys[i]);
        y1 = fmax(y1, ys[i]);
    }
    if (x1 - x0 < 1)
        x1 = x0 + 1;
    double pad = (y1 - y0) * 0.12;
    if (pad <= 0)
        pad = fabs(y0) > 0 ? fabs(y0) * 0.05 : 1;
    y0 -= pad, y1 += pad;
    sk_sb_printf(b,
                 "<svg class=\"chart\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
                 "role=\"img\" aria-label=\"",
                 W, H, W, H);
    sk_sb_html(b, title);
    sk_sb_put(b, aligned ? " since the baseline, aligned\"><text class=\"title\" x=\"8\" y=\"15\">"
                         : " over time\"><text class=\"title\" x=\"8\" y=\"15\">");
    sk_sb_html(b, title);
    sk_sb_printf(b, "</text><line class=\"axis\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>",
                 L, H - B, W - R, H - B);
    sk_sb_printf(b, "<line class=\"axis\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>", L, T,
                 L, H - B);
    char lo[48], hi[48];
    fmt_value(y1 - pad, unit, hi, sizeof hi);
    fmt_value(y0 + pad, unit, lo, sizeof lo);
    sk_sb_printf(b, "<text class=\"tick\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">", L - 4,
                 T + 8);
    sk_sb_html(b, hi);
    sk_sb_printf(b, "</text><text class=\"tick\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">", L - 4,
                 H - B);
    sk_sb_html(b, lo);
    sk_sb_printf(b, "</text><text class=\"tick\" x=\"%.0f\" y=\"%.0f\">day 0</text>", L,
                 H - B + 14);
    sk_sb_printf(b,
                 "<text class=\"tick\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">day %.0f</text>",
                 W - R, H - B + 14, xs[n - 1]);
    sk_sb_put(b, "<polyline class=\"line\" points=\"");
    double px[MAX_SESSIONS], py[MAX_SESSIONS];
    for (int i = 0; i < n; i++) {
        px[i] = L + 8 + (xs[i] - x0) / (x1 - x0) * (W - L - R - 16);
        py[i] = (H - B) - (ys[i] - y0) / (y1 - y0) * (H - B - T);
        sk_sb_printf(b, "%s%.1f,%.1f", i ? " " : "", px[i], py[i]);
    }
    sk_sb_put(b, "\"/>");
    for (int i = 0; i < n; i++) {
        char val[48];
        fmt_value(ys[i], unit, val, sizeof val);
        sk_sb_printf(b, "<circle class=\"dot\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"><title>day %.0f: ",
                     px[i], py[i], xs[i]);
        sk_sb_html(b, val);
        sk_sb_put(b, "</title></circle>");
    }
    sk_sb_put(b, "</svg>");
}

/* -------------------------------------------------------- patient page */

static void metric_table(sk_sb_t *b, const pdata_t *d, int v, const sk_noise_t *noise, int physical)
{
    int bs, ls;
    baseline_latest(d, v, &bs, &ls);
    if (bs < 0)
        return;
    int ps = -1; /* previous scored session before the latest */
    for (int s = ls - 1; s >= 0; s--)
        if (scored(&d->cell[s][v])) {
            ps = s;
            break;
        }
    const pcell_t *latest = &d->cell[ls][v];
    if (bs == ls) { /* one session: its values, nothing to compare yet */
        sk_sb_printf(b,
                     "<table class=\"metrics\"><thead><tr><th>Metric</th>"
                     "<th class=\"num\">%s</th></tr></thead><tbody>",
                     d->date[ls]);
        for (int i = 0; i < latest->nm; i++) {
            const pmetric_t *m = &latest->m[i];
            if (strncmp(m->name, "qc.", 3) == 0)
                continue;
            char v1[48];
            fmt_value(m->value, m->unit, v1, sizeof v1);
            sk_sb_put(b, "<tr><td>");
            sk_sb_html(b, sk_metric_label(m->name));
            sk_sb_put(b, "</td><td class=\"num\">");
            sk_sb_html(b, v1);
            sk_sb_put(b, "</td></tr>");
        }
        sk_sb_put(b, "</tbody></table><p class=\"hint\">Changes appear from the second "
                     "session of this view.</p>");
        return;
    }
    sk_sb_printf(b,
                 "<table class=\"metrics\"><thead><tr><th>Metric</th>"
                 "<th class=\"num\">Baseline %s</th>",
                 d->date[bs]);
    if (ps >= 0 && ps != bs)
        sk_sb_printf(b, "<th class=\"num\">Previous %s</th>", d->date[ps]);
    sk_sb_printf(b, "<th class=\"num\">Latest %s</th><th class=\"num\">Change vs baseline</th>",
                 d->date[ls]);
    if (ps >= 0 && ps != bs)
        sk_sb_put(b, "<th class=\"num\">Change vs previous</th>");
    sk_sb_put(b, "</tr></thead><tbody>");
    int aligned_rows = 0;
    for (int i = 0; i < latest->nm; i++) {
        const pmetric_t *m = &latest->m[i];
        if (strncmp(m->name, "qc.", 3) == 0)
            continue; /* capture figures: flagged in the warnings, not outcomes */
        const pmetric_t *m0 = cell_metric(&d->cell[bs][v], m->name);
        const pmetric_t *mp = ps >= 0 ? cell_metric(&d->cell[ps][v], m->name) : NULL;
        /* the aligned pairs batch recorded, when there are: both photos of
         * a pair measured on the skin they share */
        const palign_t *xb = cell_aligned(latest, AL_BASELINE, m->name);
        const palign_t *xp =
            ps >= 0 && ps != bs ? cell_aligned(latest, AL_PREVIOUS, m->name) : NULL;
        aligned_rows += xb != NULL;
        char v0[48], vp[48], v1[48], c0[48], cp[48];
        const char *k0, *kp;
        double a0 = xb ? xb->before : m0 ? m0->value : NAN, a1 = xb ? xb->after : m->value;
        double ap = xp ? xp->before : mp ? mp->value : NAN, ap1 = xp ? xp->after : m->value;
        fmt_value(a0, m->unit, v0, sizeof v0);
        fmt_value(ap, m->unit, vp, sizeof vp);
        fmt_value(a1, m->unit, v1, sizeof v1);
        fmt_change(
            a0, a1, m->better,
            xb ? xb->beyond
               : sk_noise_beyond_stored(noise, m->name, a0, a1, physical, cell_ita(d, bs, v)),
            c0, sizeof c0, &k0);
        fmt_change(
            ap, ap1, m->better,
            xp ? xp->beyond
               : sk_noise_beyond_stored(noise, m->name, ap, ap1, physical, cell_ita(d, ps, v)),
            cp, sizeof cp, &kp);
        sk_sb_put(b, "<tr><td title=\"");
        sk_sb_html(b, m->name);
        sk_sb_put(b, "\">");
        sk_sb_html(b, sk_metric_label(m->name));
        sk_sb_put(b, "</td><td class=\"num\">");
        sk_sb_html(b, v0);
        if (ps >= 0 && ps != bs) {
            sk_sb_put(b, "</td><td class=\"num\">");
            sk_sb_html(b, vp);
        }
        sk_sb_put(b, "</td><td class=\"num\">");
        sk_sb_html(b, v1);
        sk_sb_printf(b, "</td><td class=\"num %s\">", ls == bs ? "" : k0);
        sk_sb_html(b, ls == bs ? "—" : c0);
        if (ps >= 0 && ps != bs) {
            sk_sb_printf(b, "</td><td class=\"num %s\">", kp);
            sk_sb_html(b, cp);
        }
        sk_sb_put(b, "</td></tr>");
    }
    sk_sb_put(b, "</tbody></table>");
    if (aligned_rows)
        sk_sb_put(b, "<p class=\"hint\">Aligned: the latest photo was aligned to the baseline "
                     "(and to the previous session's photo) and both photos of each pair were "
                     "measured on the skin they share, so values and changes follow the skin, not "
                     "the framing.</p>");
    else if (latest->al[AL_BASELINE] && latest->al[AL_BASELINE]->found < 0)
        sk_sb_put(b, "<p class=\"hint\">The latest photo could not be aligned to the baseline: "
                     "values and changes are each photo's own scores, which also follow the "
                     "framing.</p>");
    else
        sk_sb_put(b, "<p class=\"hint\">Not aligned yet (Score now aligns the photos): values "
                     "and changes are each photo's own scores, which also follow the framing.</p>");
}

enum MHD_Result serve_page_patient(serve_req_t *r, const char *id)
{
    sk_server_t *srv = r->srv;
    sk_photo_ref_t *refs = NULL;
    size_t n = 0;
    int rc = sk_library_scan(srv->clinic, id, &refs, &n, warn_cb, NULL);
    if (rc == SK_ERR_NOT_FOUND)
        return serve_error(r, 404, "there is no patient '%s' in this clinic", id);
    if (rc < 0)
        return serve_error(r, serve_status_http(rc), "%s", sk_error_message());
    sqlite3 *db = store_open_ro(srv);
    pdata_t *d = pdata_load(srv, db, id, refs, n);
    sqlite3_close(db);
    free(refs);
    if (!d)
        return serve_error(r, 500, "out of memory");
    sk_patient_t *info = calloc(1, sizeof *info);
    int info_rc = info ? sk_patient_load(srv->clinic, id, info, NULL, NULL) : SK_ERR_NOMEM;
    char info_err[512] = "";
    if (info_rc < 0)
        snprintf(info_err, sizeof info_err, "%s", sk_error_message());

    sk_sb_t b = {0};
    sk_sb_put(&b, "<h1>Patient ");
    sk_sb_html(&b, id);
    if (info_rc == 0 && info->display_name[0]) {
        sk_sb_put(&b, " <span class=\"muted\">· ");
        sk_sb_html(&b, info->display_name);
        sk_sb_put(&b, "</span>");
    }
    sk_sb_put(&b, "</h1>");
    if (info_rc == 0 && (info->treatment[0] || info->birth_year || info->fitzpatrick)) {
        sk_sb_put(&b, "<p class=\"muted\">");
        if (info->treatment[0])
            sk_sb_html(&b, info->treatment);
        if (info->birth_year)
            sk_sb_printf(&b, " · born %d", info->birth_year);
        if (info->fitzpatrick)
            sk_sb_printf(&b, " · Fitzpatrick type %d", info->fitzpatrick);
        sk_sb_put(&b, "</p>");
    }

    /* Actions: upload, score now (with progress), report. */
    char job_msg[512];
    const char *job_state = serve_job_describe(srv, id, job_msg, sizeof job_msg);
    int running = strcmp(job_state, "running") == 0;
    sk_sb_put(&b, "<div class=\"actions\"><a class=\"button secondary\" href=\"/upload?patient=");
    sk_sb_html(&b, id);
    sk_sb_put(&b, "\">Upload photos</a><form id=\"score-form\" class=\"inline\" method=\"post\" "
                  "action=\"/p/");
    sk_sb_html(&b, id);
    sk_sb_printf(&b, "/score\" data-running=\"%d\"><input type=\"hidden\" name=\"csrf\" value=\"",
                 running);
    sk_sb_html(&b, r->sess.csrf);
    sk_sb_put(&b, "\"><button type=\"submit\" class=\"primary\" id=\"score-button\">Score now"
                  "</button></form><progress id=\"score-progress\" max=\"1\" value=\"0\" hidden>"
                  "</progress><span id=\"score-status\" class=\"status\"");
    sk_sb_printf(&b, " data-state=\"%s\">", job_state);
    sk_sb_html(&b, job_msg);
    sk_sb_put(&b, "</span>");
    sk_sb_put(&b, "<a class=\"button secondary\" id=\"report-link\" href=\"/p/");
    sk_sb_html(&b, id);
    sk_sb_put(&b, "/report.pdf\">Download report (PDF)</a></div>");

    /* Warnings: capture quality, failures, photos not scored yet. */
    int n_warn = 0;
    sk_sb_t w = {0};
    if (info_err[0]) {
        sk_sb_put(&w, "<li class=\"bad\">");
        sk_sb_html(&w, info_err);
        sk_sb_put(&w, "</li>");
        n_warn++;
    }
    for (int s = 0; s < d->ns; s++)
        for (int v = 0; v < d->nv; v++) {
            const pcell_t *c = &d->cell[s][v];
            if (c->in_store && strcmp(c->status, "failed") == 0) {
                sk_sb_put(&w, "<li><span class=\"bad\">not scored</span> ");
                sk_sb_html(&w, d->session[s]);
                sk_sb_put(&w, " / ");
                sk_sb_html(&w, d->view[v]);
                sk_sb_put(&w, ": ");
                sk_sb_html(&w, c->error);
                sk_sb_put(&w, "</li>");
                n_warn++;
            } else if (c->in_store && (c->qc[0] || !scored(c))) {
                sk_sb_put(&w, "<li>capture ");
                sk_sb_html(&w, d->session[s]);
                sk_sb_put(&w, " / ");
                sk_sb_html(&w, d->view[v]);
                sk_sb_put(&w, ": ");
                put_list(&w, c->qc);
                if (!scored(c))
                    sk_sb_printf(&w,
                                 "%s<span class=\"bad\">nothing measurable</span> "
                                 "(no usable skin); left out of the tables and charts",
                                 c->qc[0] ? "; " : "");
                sk_sb_put(&w, "</li>");
                n_warn++;
            } else if (c->on_disk && !c->in_store) {
                sk_sb_put(&w, "<li>");
                sk_sb_html(&w, d->session[s]);
                sk_sb_put(&w, " / ");
                sk_sb_html(&w, d->view[v]);
                sk_sb_put(&w, ": uploaded, not scored yet (Score now)</li>");
                n_warn++;
            }
        }
    if (n_warn) {
        sk_sb_put(&b, "<section class=\"card warnings\" id=\"warnings\"><h2>Warnings</h2><ul>");
        sk_sb_putn(&b, w.s ? w.s : "", w.len);
        sk_sb_put(&b, "</ul></section>");
    }
    sk_sb_free(&w);

    /* Timeline with thumbnails. */
    sk_sb_put(&b, "<h2>Sessions</h2><div class=\"timeline\" id=\"timeline\">");
    for (int s = 0; s < d->ns; s++) {
        sk_sb_put(&b, "<div class=\"session\"><h3>");
        sk_sb_html(&b, d->session[s]);
        double days = days_between(d->date[0], d->date[s]);
        if (s > 0)
            sk_sb_printf(&b, " <span class=\"muted\">· day %.0f</span>", days);
        else
            sk_sb_put(&b, " <span class=\"muted\">· baseline</span>");
        sk_sb_put(&b, "</h3><div class=\"thumbs\">");
        for (int v = 0; v < d->nv; v++) {
            const pcell_t *c = &d->cell[s][v];
            if (!c->on_disk && !c->in_store)
                continue;
            sk_sb_put(&b, "<figure>");
            if (c->on_disk) {
                sk_sb_put(&b, "<img loading=\"lazy\" width=\"170\" height=\"170\" src=\"/p/");
                sk_sb_html(&b, id);
                sk_sb_put(&b, "/thumb/");
                sk_sb_html(&b, d->session[s]);
                sk_sb_put(&b, "/");
                sk_sb_html(&b, d->view[v]);
                sk_sb_put(&b, ".jpg\" alt=\"");
                sk_sb_html(&b, d->view[v]);
                sk_sb_put(&b, "\">");
            }
            sk_sb_put(&b, "<figcaption>");
            sk_sb_html(&b, d->view[v]);
            if (!c->in_store)
                sk_sb_put(&b, "<span class=\"badge todo\">new</span>");
            else if (scored(c))
                sk_sb_put(&b, "<span class=\"badge ok\">scored</span>");
            else if (strcmp(c->status, "scored") == 0)
                sk_sb_put(&b, "<span class=\"badge fail\">nothing measurable</span>");
            else
                sk_sb_put(&b, "<span class=\"badge fail\">failed</span>");
            if (!c->on_disk)
                sk_sb_put(&b, "<span class=\"badge\">file gone</span>");
            sk_sb_put(&b, "</figcaption></figure>");
        }
        sk_sb_put(&b, "</div></div>");
    }
    if (d->ns == 0)
        sk_sb_put(&b, "<p class=\"muted\">No photos yet.</p>");
    sk_sb_put(&b, "</div>");

    /* Per view: metric table and trend charts; changes marked against the
     * repeatability limits (unknown when they cannot be loaded). */
    sk_noise_t *noise = calloc(1, sizeof *noise);
    if (noise && sk_noise_load(NULL, noise) < 0)
        memset(noise, 0, sizeof *noise);
    for (int v = 0; v < d->nv; v++) {
        int bs, ls;
        baseline_latest(d, v, &bs, &ls);
        sk_sb_put(&b, "<section class=\"view\"><h2>View: ");
        sk_sb_html(&b, d->view[v]);
        sk_sb_put(&b, "</h2>");
        if (bs < 0) {
            sk_sb_put(&b, "<p class=\"muted\">No scored photo of this view yet.</p></section>");
            continue;
        }
        sk_sb_put(&b, "<div class=\"charts\">");
        for (size_t i = 0; i < SK_N_HEADLINE; i++)
            trend_chart(&b, d, v, sk_headline_metrics[i]);
        sk_sb_put(&b, "</div><h3>Metrics</h3>");
        metric_table(&b, d, v, noise,
                     info_rc == SK_OK && sk_patient_mm_per_px(info, d->view[v]) > 0);
        sk_sb_put(&b, "</section>");
    }
    if (d->nv)
        sk_sb_put(&b, "<p class=\"hint\">● beyond noise: the change exceeds the metric's "
                      "repeatability limit, measured on re-captures of unchanged skin; green "
                      "when better, red when worse, grey within noise. Changes here compare the "
                      "sessions' whole-photo scores; the PDF report aligns each view's latest "
                      "photo to its baseline.</p>");
    free(noise);
    pdata_free(d);
    free(info);
    char title[128];
    snprintf(title, sizeof title, "Patient %s", id);
    return serve_page(r, 200, title, &b);
}

/* --------------------------------------------------------- upload form */

enum MHD_Result serve_page_upload(serve_req_t *r, const char *patient)
{
    sk_server_t *srv = r->srv;
    sk_photo_ref_t *refs = NULL;
    size_t n = 0;
    if (sk_library_scan(srv->clinic, NULL, &refs, &n, warn_cb, NULL) < 0)
        n = 0;
    sk_sb_t b = {0};
    sk_sb_put(&b, "<h1>Upload photos</h1><div class=\"card\">"
                  "<form id=\"upload-form\" method=\"post\" action=\"/upload\" "
                  "enctype=\"multipart/form-data\" data-max-bytes=\"");
    sk_sb_printf(&b, "%zu\">", srv->o.max_body_bytes);
    sk_sb_put(&b, "<input type=\"hidden\" name=\"csrf\" value=\"");
    sk_sb_html(&b, r->sess.csrf);
    sk_sb_put(&b, "\"><label for=\"patient\">Patient id</label><input type=\"text\" "
                  "id=\"patient\" name=\"patient\" required maxlength=\"64\" "
                  "pattern=\"[A-Za-z0-9_\\-][A-Za-z0-9._\\-]*\" list=\"patients\" value=\"");
    sk_sb_html(&b, patient ? patient : "");
    sk_sb_put(&b, "\"><datalist id=\"patients\">");
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(refs[i - 1].patient, refs[i].patient) == 0)
            continue;
        sk_sb_put(&b, "<option value=\"");
        sk_sb_html(&b, refs[i].patient);
        sk_sb_put(&b, "\">");
    }
    char today[11];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    sk_sb_put(&b, "</datalist><p class=\"hint\">letters, digits, '.', '_' and '-'</p>"
                  "<label for=\"date\">Session date</label><input type=\"date\" id=\"date\" "
                  "name=\"date\" required value=\"");
    sk_sb_put(&b, today);
    sk_sb_put(&b, "\"><label for=\"label\">Session label (optional)</label><input type=\"text\" "
                  "id=\"label\" name=\"label\" maxlength=\"32\" pattern=\"[A-Za-z0-9_\\-]*\">"
                  "<p class=\"hint\">e.g. followup; the session folder becomes DATE-label</p>"
                  "<label for=\"view\">View</label><select id=\"view\" name=\"view\">"
                  "<option value=\"\">from each file name (front.jpg → front)</option>");
    static const char *const views[] = {"front",       "left",     "right", "cheek-left",
                                        "cheek-right", "forehead", "chin"};
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
        sk_sb_printf(&b, "<option value=\"%s\">%s</option>", views[i], views[i]);
    sk_sb_printf(&b,
                 "</select><p class=\"hint\">one view for a single file; with several files "
                 "leave it on “from each file name”</p>"
                 "<label><input type=\"checkbox\" name=\"replace\" value=\"1\"> replace a photo "
                 "of the same view</label>"
                 "<label for=\"files\">Photos</label><input type=\"file\" id=\"files\" "
                 "name=\"files\" multiple required accept=\"image/jpeg,image/png,image/tiff,"
                 "image/webp,image/heic,image/heif,image/avif\"><p class=\"hint\">JPEG, PNG, TIFF, "
                 "WebP, HEIC/AVIF; up to %.0f MB per upload and %.0f megapixels per photo. "
                 "Photos are checked, turned upright and stripped of private metadata "
                 "(GPS, serial numbers) before they are stored.</p>"
                 "<div class=\"actions\"><button type=\"submit\" class=\"primary\" "
                 "id=\"upload-button\">Upload</button>"
                 "<progress id=\"upload-progress\" max=\"1\" value=\"0\" hidden></progress>"
                 "<span id=\"upload-status\" class=\"status\"></span></div></form>"
                 "<div id=\"upload-result\"></div></div>",
                 (double)srv->o.max_body_bytes / 1048576.0, srv->o.max_megapixels);
    free(refs);
    return serve_page(r, 200, "Upload", &b);
}

/* --------------------------------------------------------------- login */

enum MHD_Result serve_page_login(serve_req_t *r, unsigned status, const char *msg)
{
    sk_sb_t b = {0};
    sk_sb_put(&b, "<div class=\"card login\"><h1>Log in</h1>");
    if (msg) {
        sk_sb_put(&b, "<p class=\"bad\" id=\"login-error\">");
        sk_sb_html(&b, msg);
        sk_sb_put(&b, "</p>");
    }
    sk_sb_put(&b, "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" "
                  "value=\"");
    sk_sb_html(&b, r->sess.csrf);
    sk_sb_put(&b, "\"><label for=\"password\">Clinic password</label><input type=\"password\" "
                  "id=\"password\" name=\"password\" required autofocus "
                  "autocomplete=\"current-password\"><div class=\"actions\"><button "
                  "type=\"submit\" class=\"primary\">Log in</button></div></form></div>");
    return serve_page(r, status, "Log in", &b);
}

#endif /* SK_HAVE_MHD */
