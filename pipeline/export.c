/* skintrack export: every metric of every scored photo, one row per photo and
 * metric, as CSV (RFC 4180) or JSON, for R, Excel or Python. */
#include "skintrack.h"
#include "pstore.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

static const char *const export_sql =
    "SELECT s.patient_id, s.folder, s.date, p.view, p.path, m.name, m.value, m.unit, "
    "m.model_version "
    "FROM metrics m JOIN photos p ON p.id = m.photo_id JOIN sessions s ON s.id = p.session_id "
    "WHERE (?1 IS NULL OR s.patient_id = ?1) "
    "ORDER BY s.patient_id, s.date, s.folder, p.view, m.name";

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
    size_t rows = 0;
    if (sqlite3_prepare_v2(db, export_sql, -1, &q, NULL) != SQLITE_OK) {
        rc = sk_error_set(SK_ERR_DB, "export: %s", sqlite3_errmsg(db));
        goto done;
    }
    if (patient)
        sqlite3_bind_text(q, 1, patient, -1, SQLITE_TRANSIENT);
    static const char *const cols[] = {"patient", "session", "date", "view", "photo",
                                       "metric", "value", "unit", "model_version"};
    if (fmt == SK_EXPORT_CSV) {
        for (int c = 0; c < 9; c++)
            fprintf(out, "%s%s", c ? "," : "", cols[c]);
        fputs("\r\n", out);
    } else {
        fputs("[", out);
    }
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        if (fmt == SK_EXPORT_CSV) {
            for (int c = 0; c < 9; c++) {
                if (c)
                    fputc(',', out);
                if (c == 6) {
                    if (sqlite3_column_type(q, 6) != SQLITE_NULL)
                        fprintf(out, "%.10g", sqlite3_column_double(q, 6));
                } else {
                    csv_field(out, (const char *)sqlite3_column_text(q, c));
                }
            }
            fputs("\r\n", out);
        } else {
            json_object *o = json_object_new_object();
            for (int c = 0; c < 9; c++) {
                json_object *v;
                if (c == 6)
                    v = sqlite3_column_type(q, 6) == SQLITE_NULL
                            ? NULL
                            : json_object_new_double(sqlite3_column_double(q, 6));
                else
                    v = json_object_new_string((const char *)sqlite3_column_text(q, c));
                json_object_object_add(o, cols[c], v);
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
    sqlite3_finalize(q);
    sk_store_close(st);
    return rc;
}
