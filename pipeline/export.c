/* skintrack export: every metric of every scored photo, one row per photo and
 * metric, with its change since the view's baseline and since the previous
 * session and whether each change is beyond the metric's repeatability
 * limit, as CSV (RFC 4180) or JSON, for R, Excel or Python: from the two
 * photos' own scores, and (aligned_*) from the aligned comparisons batch
 * recorded, both photos measured on the skin they share. */
#include "pstore.h"
#include "sk_compare.h"
#include "skintrack.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define PHOTO_ITA                                                                              \
    "(SELECT m3.value FROM metrics m3 WHERE m3.photo_id = p.id AND m3.name = 'pigment.ita_deg')"

static const char *const export_sql =
    "SELECT s.patient_id, s.folder, s.date, p.view, p.path, m.name, m.value, m.unit, "
    "m.model_version, "
    "FIRST_VALUE(m.value) OVER w, LAG(m.value) OVER w, ROW_NUMBER() OVER w, "
    /* measured at a physical scale: the scale recorded with the photo; rows
     * recorded before the store kept it fall back to the unit of a length */
    "COALESCE(p.mm_per_px > 0, (SELECT m2.unit FROM metrics m2 WHERE m2.photo_id = p.id "
    " AND m2.name = 'wrinkles.total_length') = 'mm'), "
    /* the skin's tone in the reference photo picks the tone band's limits */
    "FIRST_VALUE(" PHOTO_ITA ") OVER w, LAG(" PHOTO_ITA ") OVER w, "
    /* the aligned comparisons batch recorded (tracking) */
    "cb.before, cb.after, cb.beyond_noise, cp.before, cp.after, cp.beyond_noise "
    "FROM metrics m JOIN photos p ON p.id = m.photo_id JOIN sessions s ON s.id = p.session_id "
    "LEFT JOIN comparison_metrics cb ON cb.photo_id = p.id AND cb.kind = 'baseline' "
    " AND cb.name = m.name "
    "LEFT JOIN comparison_metrics cp ON cp.photo_id = p.id AND cp.kind = 'previous' "
    " AND cp.name = m.name "
    "WHERE (?1 IS NULL OR s.patient_id = ?1) "
    "WINDOW w AS (PARTITION BY s.patient_id, p.view, m.name ORDER BY s.date, s.folder) "
    "ORDER BY s.patient_id, s.date, s.folder, p.view, m.name";

#define N_BASE_COLS 9
#define N_COLS 25
#define ALIGNED_COL 17 /* the aligned columns, from SQL column 15 on */

/* The change columns of a row: value against a reference (baseline or
 * previous): reference, delta, percent, beyond noise (1, 0, -1 unknown). */
typedef struct {
    double ref, delta, pct;
    int beyond;
} change_t;

static change_t change_of(const sk_noise_t *noise, const char *name, double v, int v_null,
                          double ref, int ref_null, int physical, double ita_deg)
{
    change_t c = {NAN, NAN, NAN, -1};
    if (ref_null)
        return c;
    c.ref = ref;
    if (v_null)
        return c;
    c.delta = v - ref;
    c.pct = ref != 0 ? 100.0 * c.delta / fabs(ref) : NAN;
    c.beyond = sk_noise_beyond_stored(noise, name, ref, v, physical, ita_deg);
    return c;
}

static double column_or_nan(sqlite3_stmt *q, int col)
{
    return sqlite3_column_type(q, col) == SQLITE_NULL ? NAN : sqlite3_column_double(q, col);
}

/* RFC 4180: quote a field holding a comma, quote, CR or LF; double quotes. */
static void csv_field(FILE *out, const char *s)
{
    if (!s)
        return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

int sk_export(const char *db_path, const char *patient, sk_export_format fmt, FILE *out,
              size_t *rows_out)
{
    sk_store_t *st = NULL;
    int rc = sk_store_open(db_path, &st);
    if (rc < 0)
        return rc;
    sqlite3 *db = sk_store_db(st);
    sqlite3_stmt *q = NULL;
    sk_noise_t *noise = NULL;
    size_t rows = 0;
    if (sqlite3_prepare_v2(db, export_sql, -1, &q, NULL) != SQLITE_OK) {
        rc = sk_error_set(SK_ERR_DB, "export: %s", sqlite3_errmsg(db));
        goto done;
    }
    if (patient)
        sqlite3_bind_text(q, 1, patient, -1, SQLITE_TRANSIENT);
    static const char *const cols[N_COLS] = {"patient",
                                             "session",
                                             "date",
                                             "view",
                                             "photo",
                                             "metric",
                                             "value",
                                             "unit",
                                             "model_version",
                                             "baseline_value",
                                             "delta_baseline",
                                             "pct_baseline",
                                             "beyond_noise_baseline",
                                             "previous_value",
                                             "delta_previous",
                                             "pct_previous",
                                             "beyond_noise_previous",
                                             "aligned_before_baseline",
                                             "aligned_after_baseline",
                                             "aligned_pct_baseline",
                                             "aligned_beyond_noise_baseline",
                                             "aligned_before_previous",
                                             "aligned_after_previous",
                                             "aligned_pct_previous",
                                             "aligned_beyond_noise_previous"};
    noise = calloc(1, sizeof *noise);
    if (!noise) {
        rc = sk_error_set(SK_ERR_NOMEM, "export: out of memory");
        goto done;
    }
    if ((rc = sk_noise_load(NULL, noise)) < 0)
        goto done;
    if (fmt == SK_EXPORT_CSV) {
        for (int c = 0; c < N_COLS; c++)
            fprintf(out, "%s%s", c ? "," : "", cols[c]);
        fputs("\r\n", out);
    } else {
        fputs("[", out);
    }
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 5);
        double v = sqlite3_column_double(q, 6);
        int v_null = sqlite3_column_type(q, 6) == SQLITE_NULL;
        int first = sqlite3_column_int(q, 11) == 1;
        int physical = sqlite3_column_int(q, 12) == 1;
        change_t ch[2] = {
            first ? (change_t){NAN, NAN, NAN, -1}
                  : change_of(noise, name, v, v_null, sqlite3_column_double(q, 9),
                              sqlite3_column_type(q, 9) == SQLITE_NULL, physical,
                              column_or_nan(q, 13)),
            change_of(noise, name, v, v_null, sqlite3_column_double(q, 10),
                      sqlite3_column_type(q, 10) == SQLITE_NULL, physical, column_or_nan(q, 14)),
        };
        double num[N_COLS];
        int isnum[N_COLS] = {0}, flag[N_COLS];
        for (int c = 0; c < N_COLS; c++)
            flag[c] = -2; /* not a yes/no column */
        num[6] = v, isnum[6] = 1;
        for (int k = 0; k < 2; k++) {
            int b = N_BASE_COLS + 4 * k;
            num[b] = ch[k].ref, num[b + 1] = ch[k].delta, num[b + 2] = ch[k].pct;
            isnum[b] = isnum[b + 1] = isnum[b + 2] = 1;
            flag[b + 3] = ch[k].beyond;
            /* aligned: before, after, percent, beyond noise (NULL: unknown) */
            int a = ALIGNED_COL + 4 * k, sq = 15 + 3 * k;
            double bf = column_or_nan(q, sq), af = column_or_nan(q, sq + 1);
            num[a] = bf, num[a + 1] = af;
            num[a + 2] =
                isfinite(bf) && isfinite(af) && bf != 0 ? 100.0 * (af - bf) / fabs(bf) : NAN;
            isnum[a] = isnum[a + 1] = isnum[a + 2] = 1;
            flag[a + 3] =
                sqlite3_column_type(q, sq + 2) == SQLITE_NULL ? -1 : sqlite3_column_int(q, sq + 2);
        }
        if (fmt == SK_EXPORT_CSV) {
            for (int c = 0; c < N_COLS; c++) {
                if (c)
                    fputc(',', out);
                if (c == 6 && v_null)
                    continue;
                if (isnum[c]) {
                    if (isfinite(num[c]))
                        fprintf(out, "%.10g", num[c]);
                } else if (flag[c] > -2) {
                    if (flag[c] >= 0)
                        fputs(flag[c] ? "true" : "false", out);
                } else {
                    csv_field(out, (const char *)sqlite3_column_text(q, c));
                }
            }
            fputs("\r\n", out);
        } else {
            json_object *o = json_object_new_object();
            for (int c = 0; c < N_COLS; c++) {
                json_object *jv;
                if (c == 6)
                    jv = v_null ? NULL : json_object_new_double(v);
                else if (isnum[c])
                    jv = isfinite(num[c]) ? json_object_new_double(num[c]) : NULL;
                else if (flag[c] > -2)
                    jv = flag[c] >= 0 ? json_object_new_boolean(flag[c]) : NULL;
                else
                    jv = json_object_new_string((const char *)sqlite3_column_text(q, c));
                json_object_object_add(o, cols[c], jv);
            }
            fprintf(out, "%s\n  %s", rows ? "," : "",
                    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
            json_object_put(o);
        }
        rows++;
    }
    if (step != SQLITE_DONE) {
        rc = sk_error_set(SK_ERR_DB, "export: %s", sqlite3_errmsg(db));
        goto done;
    }
    if (fmt == SK_EXPORT_JSON)
        fputs(rows ? "\n]\n" : "]\n", out);
    if (fflush(out) != 0 || ferror(out))
        rc = sk_error_set(SK_ERR_IO, "export: write error");
    if (rows_out)
        *rows_out = rows;
done:
    free(noise);
    sqlite3_finalize(q);
    sk_store_close(st);
    return rc;
}
