/* The clinic's store: an embedded SQLite database (CLINIC/skintrack.db) of
 * patients, sessions, photos, metrics and batch runs. WAL mode, a busy
 * timeout, and one transaction per photo's results, so a crash or kill at
 * any moment leaves either all of a photo's results or none. */
#include "skintrack.h"
#include "pstore.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

struct sk_store {
    sqlite3 *db;
    char path[4096];
};

/* Schema migrations, applied in order; PRAGMA user_version records how many
 * have run. Never edit a released step: add a new one. */
static const char *const migrations[] = {
    /* 1: the first schema */
    "CREATE TABLE patients ("
    "  id TEXT PRIMARY KEY,"
    "  display_name TEXT,"
    "  updated_at TEXT NOT NULL);"
    "CREATE TABLE sessions ("
    "  id INTEGER PRIMARY KEY,"
    "  patient_id TEXT NOT NULL REFERENCES patients(id) ON DELETE CASCADE,"
    "  folder TEXT NOT NULL,"
    "  date TEXT NOT NULL,"
    "  UNIQUE (patient_id, folder));"
    "CREATE TABLE runs ("
    "  id INTEGER PRIMARY KEY,"
    "  started_at TEXT NOT NULL,"
    "  finished_at TEXT,"
    "  command TEXT NOT NULL,"
    "  jobs INTEGER NOT NULL,"
    "  model_version TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('running', 'done', 'interrupted', 'failed')),"
    "  scored INTEGER NOT NULL DEFAULT 0,"
    "  skipped INTEGER NOT NULL DEFAULT 0,"
    "  failed INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE photos ("
    "  id INTEGER PRIMARY KEY,"
    "  session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,"
    "  view TEXT NOT NULL,"
    "  path TEXT NOT NULL UNIQUE,"
    "  sha256 TEXT NOT NULL,"
    "  mask_sha256 TEXT NOT NULL DEFAULT '',"
    "  bytes INTEGER NOT NULL,"
    "  width INTEGER,"
    "  height INTEGER,"
    "  capture_date TEXT,"
    "  status TEXT NOT NULL CHECK (status IN ('scored', 'failed')),"
    "  error TEXT,"
    "  model_version TEXT NOT NULL,"
    "  scored_at TEXT NOT NULL,"
    "  run_id INTEGER REFERENCES runs(id),"
    "  qc_flags TEXT NOT NULL DEFAULT '',"
    "  UNIQUE (session_id, view));"
    "CREATE TABLE metrics ("
    "  photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  value REAL,"
    "  unit TEXT NOT NULL,"
    "  better INTEGER NOT NULL DEFAULT 0,"
    "  null_reason TEXT,"
    "  model_version TEXT NOT NULL,"
    "  PRIMARY KEY (photo_id, name)) WITHOUT ROWID;"
    "CREATE INDEX metrics_by_name ON metrics(name);",
    /* 2: the scale each photo was measured at: > 0 mm/px, 0 for the nominal
     * working resolution (no scale given); NULL on rows recorded before. */
    "ALTER TABLE photos ADD COLUMN mm_per_px REAL;",
    /* 3: the aligned comparisons of each scored follow-up photo with its view's
     * baseline and with the previous session's photo (batch), and their
     * metrics; `inputs` names what else they depend on (noise figures, grey
     * card), so a change of it makes batch compare again. A photo scored
     * again gets a new id, and its comparisons go with the old row. */
    "CREATE TABLE comparisons ("
    "  photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('baseline', 'previous')),"
    "  ref_photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,"
    "  inputs TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('aligned', 'failed')),"
    "  error TEXT,"
    "  common_fraction REAL,"
    "  rotation_deg REAL,"
    "  scale REAL,"
    "  residual REAL,"
    "  colour_norm TEXT,"
    "  pair_flags TEXT,"
    "  compared_at TEXT NOT NULL,"
    "  run_id INTEGER REFERENCES runs(id),"
    "  PRIMARY KEY (photo_id, kind));"
    "CREATE INDEX comparisons_by_ref ON comparisons(ref_photo_id);"
    "CREATE TABLE comparison_metrics ("
    "  photo_id INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  before REAL,"
    "  after REAL,"
    "  noise_limit REAL,"
    "  beyond_noise INTEGER,"
    "  unreliable INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (photo_id, kind, name),"
    "  FOREIGN KEY (photo_id, kind) REFERENCES comparisons(photo_id, kind) ON DELETE CASCADE)"
    "  WITHOUT ROWID;",
};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

static int db_error(sk_store_t *st, const char *what)
{
    char disp[SK_DISPLAY_PATH_MAX];
    int code = sqlite3_errcode(st->db);
    int status = (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? SK_ERR_BUSY : SK_ERR_DB;
    return sk_error_set(status, "%s: %s: %s", sk_path_display(st->path, disp, sizeof disp), what,
                        sqlite3_errmsg(st->db));
}

static int exec(sk_store_t *st, const char *sql, const char *what)
{
    char *err = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        char disp[SK_DISPLAY_PATH_MAX];
        int code = sqlite3_errcode(st->db);
        int rc = sk_error_set(
            (code == SQLITE_BUSY || code == SQLITE_LOCKED) ? SK_ERR_BUSY : SK_ERR_DB, "%s: %s: %s",
            sk_path_display(st->path, disp, sizeof disp), what, err ? err : sqlite3_errmsg(st->db));
        sqlite3_free(err);
        return rc;
    }
    return SK_OK;
}

void sk_store_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int migrate(sk_store_t *st)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK)
        return db_error(st, "reading the schema version");
    int version = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
    sqlite3_finalize(q);
    if (version > N_MIGRATIONS) {
        char disp[SK_DISPLAY_PATH_MAX];
        return sk_error_set(SK_ERR_UNSUPPORTED,
                            "%s: store schema version %d is newer than this skintrack (%d); "
                            "upgrade skintrack",
                            sk_path_display(st->path, disp, sizeof disp), version, N_MIGRATIONS);
    }
    for (int v = version; v < N_MIGRATIONS; v++) {
        int rc = exec(st, "BEGIN IMMEDIATE", "starting a migration");
        if (rc < 0)
            return rc;
        rc = exec(st, migrations[v], "migrating the schema");
        if (rc == SK_OK) {
            char sql[64];
            snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
            rc = exec(st, sql, "recording the schema version");
        }
        if (rc < 0) {
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            return rc;
        }
        rc = exec(st, "COMMIT", "committing a migration");
        if (rc < 0)
            return rc;
    }
    return SK_OK;
}

int sk_store_schema_version(void)
{
    return N_MIGRATIONS;
}

int sk_store_open(const char *path, sk_store_t **out)
{
    if (!path || !out)
        return sk_error_set(SK_ERR_ARG, "store: no path");
    sk_store_t *st = calloc(1, sizeof *st);
    if (!st)
        return sk_error_set(SK_ERR_NOMEM, "store: out of memory");
    snprintf(st->path, sizeof st->path, "%s", path);
    int rc;
    if (sqlite3_open_v2(path, &st->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        rc = st->db ? db_error(st, "cannot open") : sk_error_set(SK_ERR_NOMEM, "store: sqlite");
        goto fail;
    }
    sqlite3_busy_timeout(st->db, 10000);
    sqlite3_extended_result_codes(st->db, 0);
    /* WAL: readers (the report, the web app) never block the batch writer.
     * synchronous=NORMAL in WAL keeps the database consistent after a crash;
     * at worst the last transactions are lost, and batch redoes them. */
    if ((rc = exec(st, "PRAGMA journal_mode=WAL", "setting WAL mode")) < 0 ||
        (rc = exec(st, "PRAGMA synchronous=NORMAL", "setting synchronous mode")) < 0 ||
        (rc = exec(st, "PRAGMA foreign_keys=ON", "enabling foreign keys")) < 0)
        goto fail;
    rc = exec(st, "SELECT count(*) FROM sqlite_master", "reading the database");
    if (rc < 0)
        goto fail;
    if ((rc = migrate(st)) < 0)
        goto fail;
    *out = st;
    return SK_OK;
fail:
    sk_store_close(st);
    return rc;
}

void sk_store_close(sk_store_t *st)
{
    if (!st)
        return;
    sqlite3_close_v2(st->db);
    free(st);
}

sqlite3 *sk_store_db(sk_store_t *st)
{
    return st->db;
}

int sk_store_begin_run(sk_store_t *st, const char *command, int jobs, int64_t *run_id)
{
    char now[32];
    sk_store_now(now);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO runs (started_at, command, jobs, model_version, status) "
                           "VALUES (?, ?, ?, ?, 'running')",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(st, "starting a run");
    sqlite3_bind_text(q, 1, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, command, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 3, jobs);
    sqlite3_bind_text(q, 4, sk_models_version(), -1, SQLITE_STATIC);
    int ok = sqlite3_step(q) == SQLITE_DONE;
    sqlite3_finalize(q);
    if (!ok)
        return db_error(st, "starting a run");
    *run_id = sqlite3_last_insert_rowid(st->db);
    return SK_OK;
}

int sk_store_end_run(sk_store_t *st, int64_t run_id, const char *status, int scored, int skipped,
                     int failed)
{
    char now[32];
    sk_store_now(now);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "UPDATE runs SET finished_at = ?, status = ?, scored = ?, "
                           "skipped = ?, failed = ? WHERE id = ?",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(st, "finishing a run");
    sqlite3_bind_text(q, 1, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(q, 3, scored);
    sqlite3_bind_int(q, 4, skipped);
    sqlite3_bind_int(q, 5, failed);
    sqlite3_bind_int64(q, 6, run_id);
    int ok = sqlite3_step(q) == SQLITE_DONE;
    sqlite3_finalize(q);
    return ok ? SK_OK : db_error(st, "finishing a run");
}

static void copy_col(sqlite3_stmt *q, int col, char *out, size_t len)
{
    const unsigned char *t = sqlite3_column_text(q, col);
    snprintf(out, len, "%s", t ? (const char *)t : "");
}

int sk_store_photo_state(sk_store_t *st, const char *relpath, sk_photo_state_t *out)
{
    memset(out, 0, sizeof *out);
    out->mm_per_px = NAN;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT sha256, mask_sha256, status, model_version, error, "
                           "mm_per_px FROM photos WHERE path = ?",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(st, "looking up a photo");
    sqlite3_bind_text(q, 1, relpath, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW) {
        out->found = 1;
        copy_col(q, 0, out->sha256, sizeof out->sha256);
        copy_col(q, 1, out->mask_sha256, sizeof out->mask_sha256);
        copy_col(q, 2, out->status, sizeof out->status);
        copy_col(q, 3, out->model_version, sizeof out->model_version);
        copy_col(q, 4, out->error, sizeof out->error);
        if (sqlite3_column_type(q, 5) != SQLITE_NULL)
            out->mm_per_px = sqlite3_column_double(q, 5);
    }
    sqlite3_finalize(q);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return db_error(st, "looking up a photo");
    return SK_OK;
}

/* Run one prepared statement to completion with the given text binds. */
static int step_done(sk_store_t *st, sqlite3_stmt *q, const char *what)
{
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? SK_OK : db_error(st, what);
}

static int upsert_session(sk_store_t *st, const sk_photo_ref_t *ref, int64_t *session_id)
{
    char now[32];
    sk_store_now(now);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO patients (id, updated_at) VALUES (?, ?) "
                           "ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(st, "recording a patient");
    sqlite3_bind_text(q, 1, ref->patient, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, now, -1, SQLITE_TRANSIENT);
    int rc = step_done(st, q, "recording a patient");
    if (rc < 0)
        return rc;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO sessions (patient_id, folder, date) VALUES (?, ?, ?) "
                           "ON CONFLICT(patient_id, folder) DO UPDATE SET date = excluded.date "
                           "RETURNING id",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(st, "recording a session");
    sqlite3_bind_text(q, 1, ref->patient, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, ref->session, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, ref->date, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return db_error(st, "recording a session");
    }
    *session_id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return SK_OK;
}

static void qc_flags_text(unsigned flags, char *out, size_t len)
{
    out[0] = '\0';
    for (int i = 0; i < SK_QC_FLAG_COUNT; i++)
        if (flags & (1u << i)) {
            size_t n = strlen(out);
            snprintf(out + n, len - n, "%s%s", n ? "," : "", sk_qc_flag_name(1u << i));
        }
}

static int insert_metric(sk_store_t *st, sqlite3_stmt *q, int64_t photo_id, const char *name,
                         double value, const char *unit, int better, const char *null_reason,
                         const char *model_version)
{
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, photo_id);
    sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
    if (isfinite(value))
        sqlite3_bind_double(q, 3, value);
    else
        sqlite3_bind_null(q, 3);
    sqlite3_bind_text(q, 4, unit, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 5, better);
    if (null_reason)
        sqlite3_bind_text(q, 6, null_reason, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, 6);
    sqlite3_bind_text(q, 7, model_version, -1, SQLITE_STATIC);
    return sqlite3_step(q) == SQLITE_DONE ? SK_OK : db_error(st, "recording a metric");
}

int sk_store_record_photo(sk_store_t *st, const sk_photo_record_t *r)
{
    int rc = exec(st, "BEGIN IMMEDIATE", "starting a transaction");
    if (rc < 0)
        return rc;
    int64_t session_id = 0, photo_id = 0;
    sqlite3_stmt *q = NULL;
    char now[32], flags[256];
    sk_store_now(now);
    const sk_analysis_t *a = r->analysis;
    const char *model = r->model_version ? r->model_version : sk_models_version();
    qc_flags_text(a ? a->qc.flags : 0, flags, sizeof flags);

    if ((rc = upsert_session(st, r->ref, &session_id)) < 0)
        goto fail;
    /* Replace any earlier record of this path or of this view in this session
     * (metrics go with it through ON DELETE CASCADE). */
    if (sqlite3_prepare_v2(st->db,
                           "DELETE FROM photos WHERE path = ? OR (session_id = ? AND view = ?)", -1,
                           &q, NULL) != SQLITE_OK) {
        rc = db_error(st, "replacing a photo");
        goto fail;
    }
    sqlite3_bind_text(q, 1, r->relpath, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, session_id);
    sqlite3_bind_text(q, 3, r->ref->view, -1, SQLITE_TRANSIENT);
    if ((rc = step_done(st, q, "replacing a photo")) < 0)
        goto fail;

    if (sqlite3_prepare_v2(
            st->db,
            "INSERT INTO photos (session_id, view, path, sha256, mask_sha256, bytes, "
            "width, height, capture_date, status, error, model_version, scored_at, "
            "run_id, qc_flags, mm_per_px) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            -1, &q, NULL) != SQLITE_OK) {
        rc = db_error(st, "recording a photo");
        goto fail;
    }
    sqlite3_bind_int64(q, 1, session_id);
    sqlite3_bind_text(q, 2, r->ref->view, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 3, r->relpath, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 4, r->sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 5, r->mask_sha256 ? r->mask_sha256 : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 6, r->bytes);
    if (a) {
        sqlite3_bind_int(q, 7, a->load.width);
        sqlite3_bind_int(q, 8, a->load.height);
    } else {
        sqlite3_bind_null(q, 7);
        sqlite3_bind_null(q, 8);
    }
    if (r->capture_date && r->capture_date[0])
        sqlite3_bind_text(q, 9, r->capture_date, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, 9);
    sqlite3_bind_text(q, 10, a ? "scored" : "failed", -1, SQLITE_STATIC);
    if (a)
        sqlite3_bind_null(q, 11);
    else
        sqlite3_bind_text(q, 11, r->error ? r->error : "unknown error", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 12, model, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 13, now, -1, SQLITE_TRANSIENT);
    if (r->run_id > 0)
        sqlite3_bind_int64(q, 14, r->run_id);
    else
        sqlite3_bind_null(q, 14);
    sqlite3_bind_text(q, 15, flags, -1, SQLITE_TRANSIENT);
    if (a)
        sqlite3_bind_double(q, 16, isfinite(a->mm_per_px) ? a->mm_per_px : 0.0);
    else
        sqlite3_bind_null(q, 16);
    if ((rc = step_done(st, q, "recording a photo")) < 0)
        goto fail;
    photo_id = sqlite3_last_insert_rowid(st->db);

    if (a) {
        if (sqlite3_prepare_v2(st->db,
                               "INSERT INTO metrics (photo_id, name, value, unit, better, "
                               "null_reason, model_version) VALUES (?,?,?,?,?,?,?)",
                               -1, &q, NULL) != SQLITE_OK) {
            rc = db_error(st, "recording metrics");
            goto fail;
        }
        const char *mv = a->metrics.model_version[0] ? a->metrics.model_version : model;
        for (int i = 0; i < a->metrics.count && rc == SK_OK; i++) {
            const sk_metric_t *m = &a->metrics.items[i];
            rc = insert_metric(st, q, photo_id, m->name, m->value, m->unit, m->better,
                               m->null_reason, mv);
        }
        /* Capture figures are stored beside the metrics (DESIGN §5 qc.*). */
        const struct {
            const char *name;
            double v;
            const char *unit;
        } qc[] = {
            {"qc.megapixels", a->qc.megapixels, "MP"},
            {"qc.region_fraction", a->region_fraction, "fraction"},
            {"qc.mean_luma", a->qc.mean_luma, "fraction"},
            {"qc.clipped_fraction", a->qc.clipped_fraction, "fraction"},
            {"qc.dark_fraction", a->qc.dark_fraction, "fraction"},
            {"qc.glare_fraction", a->qc.glare_fraction, "fraction"},
            {"qc.sharpness", a->qc.sharpness, "index"},
            {"qc.cast_r", a->qc.cast_r, "ratio"},
            {"qc.cast_b", a->qc.cast_b, "ratio"},
        };
        for (size_t i = 0; i < sizeof qc / sizeof qc[0] && rc == SK_OK; i++)
            if (!sk_metric_set_find(&a->metrics, qc[i].name))
                rc = insert_metric(st, q, photo_id, qc[i].name, qc[i].v, qc[i].unit, 0,
                                   isfinite(qc[i].v) ? NULL : "no pixels analysed", mv);
        sqlite3_finalize(q);
        if (rc < 0)
            goto fail;
    }
    rc = exec(st, "COMMIT", "committing a photo");
    if (rc < 0)
        goto fail;
    return SK_OK;
fail:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int sk_store_scored_photo_id(sk_store_t *st, const char *relpath, int64_t *id)
{
    *id = 0;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT id FROM photos WHERE path = ? AND status = 'scored'", -1,
                           &q, NULL) != SQLITE_OK)
        return db_error(st, "looking up a photo");
    sqlite3_bind_text(q, 1, relpath, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(q);
    if (step == SQLITE_ROW)
        *id = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return step == SQLITE_ROW || step == SQLITE_DONE ? SK_OK : db_error(st, "looking up a photo");
}

static const char *cmp_kind_name(int kind)
{
    return kind == SK_CMP_BASELINE ? "baseline" : "previous";
}

void sk_store_comparison_inputs(const sk_noise_t *noise, const sk_rect_t *card, char *out,
                                size_t len)
{
    if (card)
        snprintf(out, len, "noise %.40s %.31s; card %d,%d,%d,%d", noise->model_version,
                 noise->version, card->x, card->y, card->w, card->h);
    else
        snprintf(out, len, "noise %.40s %.31s", noise->model_version, noise->version);
}

int sk_store_read_comparison(sqlite3 *db, int64_t photo_id, int kind, sk_stored_comparison_t *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q = NULL;
    /* a store batch has not tracked since schema 3 has no such table: none */
    if (sqlite3_prepare_v2(db,
                           "SELECT ref_photo_id, inputs, common_fraction, colour_norm, "
                           "status = 'aligned' FROM comparisons WHERE photo_id = ? AND kind = ?",
                           -1, &q, NULL) != SQLITE_OK)
        return SK_OK;
    sqlite3_bind_int64(q, 1, photo_id);
    sqlite3_bind_text(q, 2, cmp_kind_name(kind), -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        out->found = sqlite3_column_int(q, 4) ? 1 : -1;
        out->ref_photo_id = sqlite3_column_int64(q, 0);
        const unsigned char *t = sqlite3_column_text(q, 1);
        snprintf(out->inputs, sizeof out->inputs, "%s", t ? (const char *)t : "");
        out->common_fraction =
            sqlite3_column_type(q, 2) == SQLITE_NULL ? NAN : sqlite3_column_double(q, 2);
        t = sqlite3_column_text(q, 3);
        out->norm = !t                                     ? SK_NORM_NONE
                    : strcmp((const char *)t, "card") == 0 ? SK_NORM_CARD
                    : strcmp((const char *)t, "skin") == 0 ? SK_NORM_SKIN
                                                           : SK_NORM_NONE;
    }
    sqlite3_finalize(q);
    if (out->found != 1)
        return SK_OK;
    if (sqlite3_prepare_v2(db,
                           "SELECT name, before, after, noise_limit, beyond_noise, unreliable "
                           "FROM comparison_metrics WHERE photo_id = ? AND kind = ?",
                           -1, &q, NULL) != SQLITE_OK) {
        out->found = 0;
        return SK_OK;
    }
    sqlite3_bind_int64(q, 1, photo_id);
    sqlite3_bind_text(q, 2, cmp_kind_name(kind), -1, SQLITE_STATIC);
    const int max = (int)(sizeof out->m / sizeof out->m[0]);
    while (out->n < max && sqlite3_step(q) == SQLITE_ROW) {
        const unsigned char *name = sqlite3_column_text(q, 0);
        if (!name)
            continue;
        snprintf(out->m[out->n].name, sizeof out->m[0].name, "%s", (const char *)name);
        for (int c = 1; c <= 3; c++) {
            double v = sqlite3_column_type(q, c) == SQLITE_NULL ? NAN : sqlite3_column_double(q, c);
            if (c == 1)
                out->m[out->n].before = v;
            else if (c == 2)
                out->m[out->n].after = v;
            else
                out->m[out->n].limit = v;
        }
        out->m[out->n].beyond =
            sqlite3_column_type(q, 4) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 4);
        out->m[out->n].unreliable = (unsigned)sqlite3_column_int(q, 5);
        out->n++;
    }
    sqlite3_finalize(q);
    return SK_OK;
}

const sk_stored_comparison_metric_t *sk_stored_comparison_find(const sk_stored_comparison_t *c,
                                                               const char *name)
{
    for (int i = 0; c && c->found == 1 && i < c->n; i++)
        if (strcmp(c->m[i].name, name) == 0)
            return &c->m[i];
    return NULL;
}

int sk_store_comparison_current(sk_store_t *st, int64_t photo_id, int kind, int64_t ref_photo_id,
                                const char *inputs, int *current)
{
    *current = 0;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT 1 FROM comparisons WHERE photo_id = ? AND kind = ? AND "
                           "ref_photo_id = ? AND inputs = ?",
                           -1, &q, NULL) != SQLITE_OK)
        return db_error(st, "looking up a comparison");
    sqlite3_bind_int64(q, 1, photo_id);
    sqlite3_bind_text(q, 2, cmp_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 3, ref_photo_id);
    sqlite3_bind_text(q, 4, inputs, -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(q);
    sqlite3_finalize(q);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return db_error(st, "looking up a comparison");
    *current = step == SQLITE_ROW;
    return SK_OK;
}

/* Drop the comparison (one kind) of a photo; its metrics go with it. */
static int delete_comparison(sk_store_t *st, int64_t photo_id, int kind)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "DELETE FROM comparisons WHERE photo_id = ? AND kind = ?", -1,
                           &q, NULL) != SQLITE_OK)
        return db_error(st, "dropping a comparison");
    sqlite3_bind_int64(q, 1, photo_id);
    sqlite3_bind_text(q, 2, cmp_kind_name(kind), -1, SQLITE_STATIC);
    return step_done(st, q, "dropping a comparison");
}

int sk_store_forget_comparisons(sk_store_t *st, int64_t photo_id, int kinds)
{
    for (int k = SK_CMP_BASELINE; k <= SK_CMP_PREVIOUS; k <<= 1)
        if (kinds & k) {
            int rc = delete_comparison(st, photo_id, k);
            if (rc < 0)
                return rc;
        }
    return SK_OK;
}

static void pair_flags_text(unsigned flags, char *out, size_t len)
{
    out[0] = '\0';
    for (int i = 0; i < SK_PAIR_FLAG_COUNT; i++)
        if (flags & (1u << i)) {
            size_t n = strlen(out);
            snprintf(out + n, len - n, "%s%s", n ? "," : "", sk_pair_flag_name(1u << i));
        }
}

static void bind_real(sqlite3_stmt *q, int col, double v)
{
    if (isfinite(v))
        sqlite3_bind_double(q, col, v);
    else
        sqlite3_bind_null(q, col);
}

int sk_store_record_comparison(sk_store_t *st, const sk_comparison_record_t *r)
{
    int rc = exec(st, "BEGIN IMMEDIATE", "starting a transaction");
    if (rc < 0)
        return rc;
    char now[32], flags[256];
    sk_store_now(now);
    const sk_compare_result_t *c = r->result;
    pair_flags_text(c ? c->pair_flags : 0, flags, sizeof flags);
    sqlite3_stmt *q = NULL, *m = NULL;
    for (int k = SK_CMP_BASELINE; k <= SK_CMP_PREVIOUS && rc == SK_OK; k <<= 1) {
        if (!(r->kinds & k))
            continue;
        /* the earlier comparison of this kind, and its metrics (cascade) */
        if ((rc = delete_comparison(st, r->photo_id, k)) < 0)
            break;
        if (sqlite3_prepare_v2(st->db,
                               "INSERT INTO comparisons (photo_id, kind, ref_photo_id, "
                               "inputs, status, error, common_fraction, rotation_deg, scale, "
                               "residual, colour_norm, pair_flags, compared_at, run_id) VALUES "
                               "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               -1, &q, NULL) != SQLITE_OK) {
            rc = db_error(st, "recording a comparison");
            break;
        }
        sqlite3_bind_int64(q, 1, r->photo_id);
        sqlite3_bind_text(q, 2, cmp_kind_name(k), -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 3, r->ref_photo_id);
        sqlite3_bind_text(q, 4, r->inputs, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 5, c ? "aligned" : "failed", -1, SQLITE_STATIC);
        if (c)
            sqlite3_bind_null(q, 6);
        else
            sqlite3_bind_text(q, 6, r->error ? r->error : "unknown error", -1, SQLITE_TRANSIENT);
        bind_real(q, 7, c ? c->common_fraction : NAN);
        bind_real(q, 8, c ? c->reg.rotation_deg : NAN);
        bind_real(q, 9, c ? c->reg.scale : NAN);
        bind_real(q, 10, c ? c->reg.residual : NAN);
        if (c)
            sqlite3_bind_text(q, 11,
                              c->norm == SK_NORM_CARD   ? "card"
                              : c->norm == SK_NORM_SKIN ? "skin"
                                                        : "none",
                              -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, 11);
        sqlite3_bind_text(q, 12, flags, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 13, now, -1, SQLITE_TRANSIENT);
        if (r->run_id > 0)
            sqlite3_bind_int64(q, 14, r->run_id);
        else
            sqlite3_bind_null(q, 14);
        if ((rc = step_done(st, q, "recording a comparison")) < 0)
            break;
        if (!c)
            continue;
        if (sqlite3_prepare_v2(st->db,
                               "INSERT INTO comparison_metrics (photo_id, kind, name, before, "
                               "after, noise_limit, beyond_noise, unreliable) VALUES "
                               "(?,?,?,?,?,?,?,?)",
                               -1, &m, NULL) != SQLITE_OK) {
            rc = db_error(st, "recording a comparison's metrics");
            break;
        }
        for (int i = 0; i < c->count && rc == SK_OK; i++) {
            const sk_compare_metric_t *cm = &c->m[i];
            sqlite3_reset(m);
            sqlite3_bind_int64(m, 1, r->photo_id);
            sqlite3_bind_text(m, 2, cmp_kind_name(k), -1, SQLITE_STATIC);
            sqlite3_bind_text(m, 3, cm->name, -1, SQLITE_STATIC);
            bind_real(m, 4, cm->before);
            bind_real(m, 5, cm->after);
            bind_real(m, 6, cm->limit);
            if (cm->beyond_noise >= 0)
                sqlite3_bind_int(m, 7, cm->beyond_noise);
            else
                sqlite3_bind_null(m, 7);
            sqlite3_bind_int(m, 8, (int)cm->unreliable);
            if (sqlite3_step(m) != SQLITE_DONE)
                rc = db_error(st, "recording a comparison's metrics");
        }
        sqlite3_finalize(m);
        m = NULL;
    }
    if (rc == SK_OK)
        rc = exec(st, "COMMIT", "committing a comparison");
    if (rc < 0)
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int sk_store_prepare_metrics(sqlite3 *db, sqlite3_stmt **q)
{
    return sqlite3_prepare_v2(db,
                              "SELECT name, value, unit, better FROM metrics WHERE photo_id = ? "
                              "ORDER BY name",
                              -1, q, NULL) == SQLITE_OK
               ? SK_OK
               : sk_error_set(SK_ERR_DB, "store: %s", sqlite3_errmsg(db));
}

int sk_store_read_metrics(sqlite3_stmt *q, int64_t photo_id, sk_stored_metric_t *out, int max)
{
    int n = 0;
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, photo_id);
    while (n < max && sqlite3_step(q) == SQLITE_ROW) {
        sk_stored_metric_t *m = &out[n++];
        snprintf(m->name, sizeof m->name, "%s", (const char *)sqlite3_column_text(q, 0));
        m->value = sqlite3_column_type(q, 1) == SQLITE_NULL ? NAN : sqlite3_column_double(q, 1);
        snprintf(m->unit, sizeof m->unit, "%s", (const char *)sqlite3_column_text(q, 2));
        m->better = sqlite3_column_int(q, 3);
    }
    return n;
}

const sk_stored_metric_t *sk_stored_metric_find(const sk_stored_metric_t *m, int n,
                                                const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(m[i].name, name) == 0)
            return &m[i];
    return NULL;
}
