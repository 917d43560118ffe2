/* Batch scoring into the store: resumable after SIGKILL, one bad photo never
 * stops the batch, two batches never run at once, export's rows, and
 * tracking (each follow-up aligned to its baseline and previous session). */
#include <criterion/criterion.h>
#include <json-c/json.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <vips/vips.h>

#include "skintrack.h"
#include "testmodels.h"
#include "testutil.h"

#define BIN SK_BINARY_DIR "/skintrack"

static char clinic[256];

static void setup(void)
{
    cr_assert_eq(sk_pipeline_init("test_batch"), SK_OK);
    cr_assert_not_null(sk_test_tmpdir(clinic, sizeof clinic));
}

static void teardown(void)
{
    sk_test_rmtree(clinic);
}

TestSuite(batch, .init = setup, .fini = teardown, .timeout = 300);

/* A w x h photo with seeded noise, so every file differs. */
static void make_photo(const char *patient, const char *session, const char *view, int w,
                       int h, unsigned seed)
{
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/%s", clinic, patient);
    mkdir(dir, 0755);
    snprintf(dir, sizeof dir, "%s/%s/%s", clinic, patient, session);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/%s.jpg", dir, view);
    unsigned char *buf = malloc((size_t)w * h * 3);
    for (size_t i = 0; i < (size_t)w * h * 3; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (unsigned char)(150 + ((seed >> 16) & 31));
    }
    VipsImage *im = vips_image_new_from_memory_copy(buf, (size_t)w * h * 3, w, h, 3,
                                                    VIPS_FORMAT_UCHAR);
    free(buf);
    cr_assert_eq(vips_image_write_to_file(im, path, "Q", 90, NULL), 0, "%s", vips_error_buffer());
    g_object_unref(im);
}

/* One integer from the store; -1 while the store or its tables do not exist
 * yet (the batch under test may be creating them). */
static long long query_int_maybe(const char *sql)
{
    char db[600];
    snprintf(db, sizeof db, "%s/skintrack.db", clinic);
    sqlite3 *h = NULL;
    long long v = -1;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(h, 5000);
        sqlite3_stmt *q = NULL;
        if (sqlite3_prepare_v2(h, sql, -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
            v = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(h);
    return v;
}

static long long query_int(const char *sql)
{
    char db[600];
    snprintf(db, sizeof db, "%s/skintrack.db", clinic);
    sqlite3 *h = NULL;
    cr_assert_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &q, NULL), SQLITE_OK, "%s", sqlite3_errmsg(h));
    long long v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_finalize(q);
    sqlite3_close(h);
    return v;
}

static void integrity_ok(void)
{
    char db[600];
    snprintf(db, sizeof db, "%s/skintrack.db", clinic);
    sqlite3 *h = NULL;
    cr_assert_eq(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    cr_assert_eq(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
    cr_assert_str_eq((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    cr_assert_eq(sqlite3_prepare_v2(h, "PRAGMA foreign_key_check", -1, &q, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(q), SQLITE_DONE, "foreign key violations");
    sqlite3_finalize(q);
    sqlite3_close(h);
}

static int run_batch(sk_batch_summary_t *s, int force)
{
    sk_batch_opts_t o;
    sk_batch_opts_default(&o);
    o.clinic = clinic;
    o.jobs = 2;
    o.force = force;
    o.progress = 0;
    return sk_batch_run(&o, s);
}

Test(batch, scores_skips_and_records_failures)
{
    make_photo("P1", "2026-01-12", "front", 200, 150, 1);
    make_photo("P1", "2026-01-12", "left", 200, 150, 2);
    make_photo("P1", "2026-02-16", "front", 200, 150, 3);
    make_photo("P2", "2026-01-20", "front", 200, 150, 4);
    char bad[600];
    snprintf(bad, sizeof bad, "%s/P2/2026-01-20/right.jpg", clinic);
    FILE *f = fopen(bad, "wb");
    fputs("not a photo", f);
    fclose(f);

    sk_batch_summary_t *s = calloc(1, sizeof *s);
    cr_assert_eq(run_batch(s, 0), SK_OK, "%s", sk_error_message());
    cr_assert_eq(s->total, 5);
    cr_assert_eq(s->scored, 4);
    cr_assert_eq(s->failed, 1);
    cr_assert_eq(s->n_failures, 1);
    cr_assert_not_null(strstr(s->failures[0].path, "right.jpg"));
    cr_assert_not_null(strstr(s->failures[0].reason, "not an image"));
    integrity_ok();
    cr_assert_eq(query_int("SELECT count(*) FROM photos"), 5);
    cr_assert_eq(query_int("SELECT count(*) FROM photos WHERE status = 'failed'"), 1);
    cr_assert_eq(query_int("SELECT count(*) FROM sessions"), 3);
    cr_assert_eq(query_int("SELECT count(*) FROM patients"), 2);
    long long per_photo = query_int("SELECT count(*) FROM metrics m JOIN photos p ON p.id = "
                                    "m.photo_id WHERE p.path = 'P1/2026-01-12/front.jpg'");
    cr_assert_gt(per_photo, 0);
    cr_assert_eq(query_int("SELECT count(*) FROM metrics"), 4 * per_photo);

    /* Rerun: nothing new to do. */
    cr_assert_eq(run_batch(s, 0), SK_OK);
    cr_assert_eq(s->scored, 0);
    cr_assert_eq(s->skipped, 4);
    cr_assert_eq(s->failed_before, 1);

    /* A changed photo is scored again, and only it. */
    make_photo("P1", "2026-02-16", "front", 200, 150, 99);
    cr_assert_eq(run_batch(s, 0), SK_OK);
    cr_assert_eq(s->scored, 1);
    cr_assert_eq(s->skipped, 3);
    cr_assert_eq(query_int("SELECT count(*) FROM photos"), 5);

    /* --force does everything again without duplicating rows. */
    cr_assert_eq(run_batch(s, 1), SK_OK);
    cr_assert_eq(s->scored, 4);
    cr_assert_eq(s->failed, 1);
    cr_assert_eq(query_int("SELECT count(*) FROM photos"), 5);
    cr_assert_eq(query_int("SELECT count(*) FROM metrics"), 4 * per_photo);
    cr_assert_eq(query_int("SELECT count(*) FROM runs WHERE status = 'done'"), 4);
    integrity_ok();
    free(s);
}

/* The store keeps the scale each photo was measured at; a photo whose scale
 * changes (a mm_per_px added to patient.json) is measured again, and so is a
 * row recorded before the store kept scales. */
Test(batch, scale_recorded_and_a_changed_scale_rescored)
{
    make_photo("P1", "2026-01-12", "front", 200, 150, 5);
    make_photo("P1", "2026-01-12", "left", 200, 150, 6);
    sk_batch_summary_t *s = calloc(1, sizeof *s);
    cr_assert_eq(run_batch(s, 0), SK_OK, "%s", sk_error_message());
    cr_assert_eq(s->scored, 2);
    cr_assert_eq(query_int("SELECT count(*) FROM photos WHERE mm_per_px = 0"), 2);

    char pj[600];
    snprintf(pj, sizeof pj, "%s/P1/patient.json", clinic);
    FILE *f = fopen(pj, "w");
    cr_assert_not_null(f);
    fputs("{\"mm_per_px\": {\"front\": 0.05}}\n", f);
    fclose(f);
    cr_assert_eq(run_batch(s, 0), SK_OK, "%s", sk_error_message());
    cr_assert_eq(s->scored, 1);
    cr_assert_eq(s->skipped, 1);
    cr_assert_eq(query_int("SELECT count(*) FROM photos WHERE view = 'front' AND "
                           "mm_per_px = 0.05"), 1);
    cr_assert_eq(query_int("SELECT count(*) FROM metrics m JOIN photos p ON p.id = m.photo_id "
                           "WHERE p.view = 'front' AND m.name = 'wrinkles.total_length' AND "
                           "m.unit = 'mm'"), 1);

    /* A row from before the store kept scales: unknown scale, measured again. */
    char db[600];
    snprintf(db, sizeof db, "%s/skintrack.db", clinic);
    sqlite3 *h = NULL;
    cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(h, "UPDATE photos SET mm_per_px = NULL WHERE view = 'left'", NULL,
                              NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    cr_assert_eq(run_batch(s, 0), SK_OK, "%s", sk_error_message());
    cr_assert_eq(s->scored, 1);
    cr_assert_eq(s->skipped, 1);
    cr_assert_eq(query_int("SELECT count(*) FROM photos WHERE mm_per_px IS NULL"), 0);
    free(s);
}

Test(batch, second_batch_refused_while_one_runs)
{
    make_photo("P1", "2026-01-12", "front", 64, 64, 1);
    char lock[600];
    snprintf(lock, sizeof lock, "%s/.skintrack-batch.lock", clinic);
    int fd = open(lock, O_RDWR | O_CREAT, 0644);
    cr_assert_geq(fd, 0);
    cr_assert_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
    sk_batch_summary_t *s = calloc(1, sizeof *s);
    /* flock locks belong to the open file description: a second open in
     * this process conflicts just as another process would. */
    cr_assert_eq(run_batch(s, 0), SK_ERR_BUSY);
    cr_assert_not_null(strstr(sk_error_message(), "another batch"));
    close(fd);
    cr_assert_eq(run_batch(s, 0), SK_OK);
    cr_assert_eq(s->scored, 1);
    free(s);
}

Test(batch, sigkill_midway_then_rerun_finishes_the_rest)
{
    const int n = 48;
    for (int i = 0; i < n; i++) {
        char session[32];
        snprintf(session, sizeof session, "2026-%02d-%02d", 1 + i / 28, 1 + i % 28);
        make_photo("P7", session, "front", 1600, 1200, (unsigned)i + 10);
    }
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        dup2(devnull, 2);
        execl(BIN, "skintrack", "batch", "--jobs", "1", clinic, (char *)NULL);
        _exit(127);
    }
    /* Wait until a few photos are in the store, then kill without warning. */
    char db[600];
    snprintf(db, sizeof db, "%s/skintrack.db", clinic);
    long long k = 0;
    for (int tries = 0; tries < 6000; tries++) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if ((k = query_int_maybe("SELECT count(*) FROM photos")) >= 3)
            break;
    }
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFSIGNALED(st), "batch finished before it could be killed");
    integrity_ok();
    k = query_int("SELECT count(*) FROM photos");
    cr_assert_geq(k, 3);
    cr_assert_lt(k, n);
    long long per_photo = query_int("SELECT count(*) FROM metrics") / k;
    cr_assert_eq(query_int("SELECT count(*) FROM metrics"), k * per_photo,
                 "a photo with part of its metrics");
    cr_assert_eq(query_int("SELECT count(*) FROM runs WHERE status = 'running'"), 1);

    sk_batch_summary_t *s = calloc(1, sizeof *s);
    cr_assert_eq(run_batch(s, 0), SK_OK, "%s", sk_error_message());
    cr_assert_eq((long long)s->skipped, k, "done work is not redone: skipped %zu, scored %zu, failed %zu, failed before %zu, k %lld", s->skipped, s->scored, s->failed, s->failed_before, k);
    cr_assert_eq((long long)s->scored, n - k);
    cr_assert_eq(query_int("SELECT count(*) FROM photos"), n);
    cr_assert_eq(query_int("SELECT count(*) FROM metrics"), n * per_photo);
    integrity_ok();
    free(s);
}

Test(batch, export_csv_and_json_rows)
{
    make_photo("P1", "2026-01-12", "front", 80, 60, 1);
    make_photo("P1", "2026-02-16", "front", 80, 60, 2);
    sk_batch_summary_t *s = calloc(1, sizeof *s);
    cr_assert_eq(run_batch(s, 0), SK_OK);
    free(s);
    long long metrics = query_int("SELECT count(*) FROM metrics");
    char db[600];
    snprintf(db, sizeof db, "%s/skintrack.db", clinic);

    char *buf = NULL;
    size_t len = 0, rows = 0;
    FILE *mem = open_memstream(&buf, &len);
    cr_assert_eq(sk_export(db, NULL, SK_EXPORT_CSV, mem, &rows), SK_OK, "%s", sk_error_message());
    fclose(mem);
    cr_assert_eq((long long)rows, metrics);
    int lines = 0;
    for (char *p = buf; (p = strstr(p, "\r\n")); p += 2)
        lines++;
    cr_assert_eq(lines, metrics + 1, "header + one CRLF line per row");
    const char *header = "patient,session,date,view,photo,metric,value,unit,model_version,"
                         "baseline_value,delta_baseline,pct_baseline,beyond_noise_baseline,"
                         "previous_value,delta_previous,pct_previous,beyond_noise_previous,"
                         "aligned_before_baseline,aligned_after_baseline,aligned_pct_baseline,"
                         "aligned_beyond_noise_baseline,aligned_before_previous,"
                         "aligned_after_previous,aligned_pct_previous,"
                         "aligned_beyond_noise_previous\r\n";
    cr_assert(strncmp(buf, header, strlen(header)) == 0, "header: %.80s", buf);
    cr_assert_not_null(strstr(buf, "P1,2026-02-16,2026-02-16,front,P1/2026-02-16/front.jpg,qc."));
    free(buf);

    mem = open_memstream(&buf, &len);
    cr_assert_eq(sk_export(db, "P1", SK_EXPORT_JSON, mem, &rows), SK_OK);
    fclose(mem);
    cr_assert_eq((long long)rows, metrics);
    cr_assert_eq(buf[0], '[');
    cr_assert_not_null(strstr(buf, "\"patient\":\"P1\""));
    /* the follow-up's rows carry its change since the baseline (and the
     * previous session, here the same); the baseline's rows have none */
    json_object *arr = json_tokener_parse(buf);
    cr_assert_not_null(arr);
    int checked = 0;
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *r = json_object_array_get_idx(arr, i), *f;
        json_object_object_get_ex(r, "session", &f);
        int follow = strcmp(json_object_get_string(f), "2026-02-16") == 0;
        json_object *v, *bv, *db, *pv;
        json_object_object_get_ex(r, "value", &v);
        json_object_object_get_ex(r, "baseline_value", &bv);
        json_object_object_get_ex(r, "delta_baseline", &db);
        json_object_object_get_ex(r, "previous_value", &pv);
        if (!follow) {
            cr_assert_null(db, "no change on the baseline's own row");
            cr_assert_null(pv);
            continue;
        }
        if (!v || !bv)
            continue;
        /* the baseline's value of the same metric */
        json_object *name;
        json_object_object_get_ex(r, "metric", &name);
        for (size_t j = 0; j < json_object_array_length(arr); j++) {
            json_object *r0 = json_object_array_get_idx(arr, j), *f0, *n0, *v0;
            json_object_object_get_ex(r0, "session", &f0);
            json_object_object_get_ex(r0, "metric", &n0);
            if (strcmp(json_object_get_string(f0), "2026-01-12") ||
                strcmp(json_object_get_string(n0), json_object_get_string(name)))
                continue;
            cr_assert(json_object_object_get_ex(r0, "value", &v0) && v0);
            cr_assert_float_eq(json_object_get_double(bv), json_object_get_double(v0), 1e-9);
        }
        cr_assert_not_null(db);
        cr_assert_float_eq(json_object_get_double(db),
                           json_object_get_double(v) - json_object_get_double(bv), 1e-9);
        cr_assert_float_eq(json_object_get_double(pv), json_object_get_double(bv), 1e-12);
        checked++;
    }
    cr_assert_gt(checked, 5);
    json_object_put(arr);
    free(buf);

    mem = open_memstream(&buf, &len);
    cr_assert_eq(sk_export(db, "NOBODY", SK_EXPORT_CSV, mem, &rows), SK_OK);
    fclose(mem);
    cr_assert_eq(rows, 0);
    free(buf);
}

Test(batch, new_model_parameters_rescore)
{
    make_photo("P1", "2026-01-12", "front", 120, 90, 1);
    make_photo("P1", "2026-02-16", "front", 120, 90, 2);
    sk_batch_summary_t *s = calloc(1, sizeof *s);
    cr_assert_eq(run_batch(s, 0), SK_OK);
    cr_assert_eq(s->scored, 2);
    /* a copy of the parameter files with one number changed */
    char dir[256], cmd[1024];
    cr_assert_not_null(sk_test_tmpdir(dir, sizeof dir));
    snprintf(cmd, sizeof cmd,
             "cp %s/models/*.json %s/ && sed -i 's/\"texture.glcm_levels\": 32/"
             "\"texture.glcm_levels\": 16/' %s/texture.json",
             SK_SOURCE_DIR, dir, dir);
    cr_assert_eq(system(cmd), 0);
    setenv("SK_MODELS_DIR", dir, 1);
    cr_assert_eq(run_batch(s, 0), SK_OK, "%s", sk_error_message());
    cr_assert_eq(s->scored, 2, "photos scored by other parameters are scored again");
    cr_assert_eq(s->skipped, 0);
    cr_assert_eq(run_batch(s, 0), SK_OK);
    cr_assert_eq(s->skipped, 2);
    long long distinct = query_int("SELECT count(DISTINCT model_version) FROM metrics");
    cr_assert_eq(distinct, 1);
    unsetenv("SK_MODELS_DIR");
    sk_test_rmtree(dir);
    free(s);
}

/* Tracking: each follow-up is aligned to its view's baseline and to the
 * previous session's photo, and the pair's changes are recorded; a rerun
 * skips recorded pairs, a changed photo is aligned again (with what was
 * compared with it), a photo of other skin is recorded as not aligned
 * without failing the batch, and export carries the aligned changes. */
Test(batch, follow_ups_aligned_to_baseline_and_previous)
{
    sk_test_clinic_phantom(clinic, "P2", "2026-01-12", "cheek", 0.0, 0, 1.0);
    sk_test_clinic_phantom(clinic, "P2", "2026-02-16", "cheek", 0.1, 3, 1.0);
    sk_test_clinic_phantom(clinic, "P2", "2026-03-23", "cheek", 0.2, 4, 1.0);
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s/P2", clinic);
    const char *json = "{\"mm_per_px\": {\"cheek\": 0.04}}";
    sk_test_write_file(dir, "patient.json", json, strlen(json), path, sizeof path);
    sk_batch_summary_t *s = calloc(1, sizeof *s);
    cr_assert_eq(run_batch(s, 0), SK_OK, "%s", sk_error_message());
    /* the second session's pair is both its baseline and its previous one */
    cr_assert_eq(s->aligned, 3);
    cr_assert_eq(s->align_failed, 0);
    cr_assert_eq(query_int("SELECT count(*) FROM comparisons WHERE status = 'aligned'"), 4);
    cr_assert_eq(query_int("SELECT count(*) FROM comparisons c JOIN photos p ON p.id = "
                           "c.photo_id JOIN photos r ON r.id = c.ref_photo_id WHERE c.kind = "
                           "'previous' AND p.path = 'P2/2026-03-23/cheek.jpg' AND r.path = "
                           "'P2/2026-02-16/cheek.jpg'"),
                 1);
    cr_assert_eq(query_int("SELECT count(*) FROM comparisons c JOIN photos p ON p.id = "
                           "c.photo_id WHERE p.path = 'P2/2026-01-12/cheek.jpg'"),
                 0, "the baseline is compared with nothing");
    /* the planted 20 % improvement: fewer pores on the aligned pair */
    cr_assert_eq(query_int("SELECT count(*) FROM comparison_metrics m JOIN photos p ON p.id = "
                           "m.photo_id WHERE p.path = 'P2/2026-03-23/cheek.jpg' AND m.kind = "
                           "'baseline' AND m.name = 'pores.count' AND m.after < 0.9 * m.before"),
                 1);
    integrity_ok();

    /* a rerun: nothing to score, nothing to align */
    cr_assert_eq(run_batch(s, 0), SK_OK);
    cr_assert_eq(s->scored, 0);
    cr_assert_eq(s->aligned, 0);
    cr_assert_eq(s->align_skipped, 3);

    /* the second session's photo replaced: scored again, and aligned again
     * with the baseline and with the third session (which compared with it) */
    sk_test_clinic_phantom(clinic, "P2", "2026-02-16", "cheek", 0.15, 5, 1.0);
    cr_assert_eq(run_batch(s, 0), SK_OK);
    cr_assert_eq(s->scored, 1);
    cr_assert_eq(s->aligned, 2);
    cr_assert_eq(s->align_skipped, 1);
    cr_assert_eq(query_int("SELECT count(*) FROM comparisons"), 4);

    /* a fourth session showing other skin: not aligned, recorded, batch goes on */
    make_photo("P2", "2026-04-27", "cheek", 600, 450, 7);
    cr_assert_eq(run_batch(s, 0), SK_OK, "%s", sk_error_message());
    cr_assert_eq(s->scored, 1);
    cr_assert_eq(s->align_failed, 2);
    cr_assert_eq(query_int("SELECT count(*) FROM comparisons WHERE status = 'failed' AND "
                           "length(error) > 10"),
                 2);
    integrity_ok();

    /* export: the aligned change beside the photos' own */
    char db[600];
    snprintf(db, sizeof db, "%s/skintrack.db", clinic);
    char *buf = NULL;
    size_t len = 0, rows = 0;
    FILE *mem = open_memstream(&buf, &len);
    cr_assert_eq(sk_export(db, "P2", SK_EXPORT_JSON, mem, &rows), SK_OK, "%s", sk_error_message());
    fclose(mem);
    json_object *arr = json_tokener_parse(buf);
    cr_assert_not_null(arr);
    int aligned_rows = 0;
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *r = json_object_array_get_idx(arr, i), *ses, *name, *b, *a, *pct, *bn;
        json_object_object_get_ex(r, "session", &ses);
        json_object_object_get_ex(r, "metric", &name);
        json_object_object_get_ex(r, "aligned_before_baseline", &b);
        json_object_object_get_ex(r, "aligned_after_baseline", &a);
        json_object_object_get_ex(r, "aligned_pct_baseline", &pct);
        json_object_object_get_ex(r, "aligned_beyond_noise_baseline", &bn);
        const char *sname = json_object_get_string(ses);
        if (strcmp(sname, "2026-01-12") == 0 || strcmp(sname, "2026-04-27") == 0) {
            cr_assert_null(b, "%s %s: no aligned change", sname, json_object_get_string(name));
            continue;
        }
        if (strcmp(json_object_get_string(name), "pores.count") != 0)
            continue;
        cr_assert(b && a && pct, "%s: aligned pores.count", sname);
        cr_assert_float_eq(json_object_get_double(pct),
                           100.0 * (json_object_get_double(a) - json_object_get_double(b)) /
                               json_object_get_double(b),
                           1e-6);
        cr_assert_not_null(bn);
        aligned_rows++;
    }
    cr_assert_eq(aligned_rows, 2);
    json_object_put(arr);
    free(buf);
    free(s);
}
