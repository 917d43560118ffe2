/* The web app's heavier work: scoring runs in a background thread
 * (sk_batch_run with the patient filter) with a JSON status to poll,
 * thumbnails made by libvips (kept in a small cache), and the PDF report
 * rendered to a temporary file that is unlinked before it is streamed. */
#ifdef SK_HAVE_MHD
#include "pserve.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>
#include <vips/vips.h>

/* ------------------------------------------------------------- scoring */

static sqlite3 *open_ro(const sk_server_t *srv)
{
    sqlite3 *db = NULL;
    if (access(srv->db, R_OK) != 0)
        return NULL;
    if (sqlite3_open_v2(srv->db, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000);
    return db;
}

/* How many photos of the patient a run will score: those the store does
 * not hold with the same content and model version. Mirrors the batch's
 * own plan so the progress bar has a total. */
static size_t plan_count(const sk_server_t *srv, const char *id, int64_t *run_floor)
{
    sk_photo_ref_t *refs = NULL;
    size_t n = 0, todo = 0;
    *run_floor = 0;
    if (sk_library_scan(srv->clinic, id, &refs, &n, NULL, NULL) < 0)
        return 0;
    sk_params_t *params = calloc(1, sizeof *params);
    const char *model = "";
    if (params && sk_model_params_load(NULL, params) == SK_OK)
        model = params->version;
    sqlite3 *db = open_ro(srv);
    sqlite3_stmt *q = NULL;
    if (db) {
        sqlite3_stmt *f = NULL;
        if (sqlite3_prepare_v2(db, "SELECT coalesce(max(id), 0) FROM runs", -1, &f, NULL) ==
                SQLITE_OK &&
            sqlite3_step(f) == SQLITE_ROW)
            *run_floor = sqlite3_column_int64(f, 0);
        sqlite3_finalize(f);
        if (sqlite3_prepare_v2(db,
                               "SELECT sha256, mask_sha256, model_version FROM photos WHERE "
                               "path = ?",
                               -1, &q, NULL) != SQLITE_OK)
            q = NULL;
    }
    size_t cl = strlen(srv->clinic);
    for (size_t i = 0; i < n; i++) {
        char sha[65] = "", msha[65] = "";
        if (!q || sk_file_sha256(refs[i].path, sha, NULL) < 0) {
            todo++;
            continue;
        }
        if (refs[i].mask_path[0])
            sk_file_sha256(refs[i].mask_path, msha, NULL);
        const char *rel = refs[i].path;
        if (strncmp(rel, srv->clinic, cl) == 0 && rel[cl] == '/')
            rel += cl + 1;
        sqlite3_reset(q);
        sqlite3_bind_text(q, 1, rel, -1, SQLITE_TRANSIENT);
        int same = 0;
        if (sqlite3_step(q) == SQLITE_ROW) {
            const char *s0 = (const char *)sqlite3_column_text(q, 0);
            const char *s1 = (const char *)sqlite3_column_text(q, 1);
            const char *s2 = (const char *)sqlite3_column_text(q, 2);
            same = s0 && s1 && s2 && strcmp(s0, sha) == 0 && strcmp(s1, msha) == 0 &&
                   strcmp(s2, model) == 0;
        }
        todo += !same;
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    free(params);
    free(refs);
    sk_error_clear();
    return todo;
}

static void *job_main(void *arg)
{
    serve_job_t *j = arg;
    sk_server_t *srv = j->srv;
    sk_batch_opts_t o;
    sk_batch_opts_default(&o);
    o.clinic = srv->clinic;
    o.patient = j->patient;
    o.jobs = srv->o.jobs;
    o.progress = 0;
    o.max_megapixels = srv->o.max_megapixels;
    int rc = sk_batch_run(&o, j->sum);
    char msg[512];
    const sk_batch_summary_t *s = j->sum;
    if (rc < 0)
        snprintf(msg, sizeof msg, "Scoring failed: %.480s", sk_error_message());
    else if (s->failed)
        snprintf(msg, sizeof msg, "Scored %zu photos, %zu failed (see the warnings), %zu unchanged",
                 s->scored, s->failed, s->skipped);
    else
        snprintf(msg, sizeof msg,
                 "Scoring finished: %zu photos scored, %zu unchanged in %.1f s; %zu pairs "
                 "aligned%s",
                 s->scored, s->skipped, s->seconds + s->align_seconds, s->aligned,
                 s->align_failed ? ", some could not be (see the tables)" : "");
    pthread_mutex_lock(&srv->mu);
    j->state = rc < 0 ? JOB_FAILED : JOB_DONE;
    snprintf(j->message, sizeof j->message, "%s", msg);
    j->finished = time(NULL);
    pthread_mutex_unlock(&srv->mu);
    vips_thread_shutdown();
    return NULL;
}

/* The newest job of a patient, or NULL (caller holds srv->mu). */
static serve_job_t *latest_job(sk_server_t *srv, const char *id)
{
    serve_job_t *best = NULL;
    for (int i = 0; i < SERVE_MAX_JOBS_KEPT; i++) {
        serve_job_t *j = &srv->jobs[i];
        if (j->used && strcmp(j->patient, id) == 0 && (!best || j->id > best->id))
            best = j;
    }
    return best;
}

/* Photos this run has written so far (readonly look at the store). */
static size_t job_done_count(const sk_server_t *srv, const char *id, int64_t floor)
{
    sqlite3 *db = open_ro(srv);
    if (!db)
        return 0;
    sqlite3_stmt *q = NULL;
    size_t n = 0;
    char prefix[SK_PATIENT_ID_MAX + 2];
    snprintf(prefix, sizeof prefix, "%s/", id);
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM photos WHERE run_id > ? AND "
                           "substr(path, 1, ?) = ?",
                           -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(q, 1, floor);
        sqlite3_bind_int(q, 2, (int)strlen(prefix));
        sqlite3_bind_text(q, 3, prefix, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW)
            n = (size_t)sqlite3_column_int64(q, 0);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

void serve_job_json(sk_server_t *srv, const char *id, sk_sb_t *out)
{
    pthread_mutex_lock(&srv->mu);
    serve_job_t *j = latest_job(srv, id);
    serve_job_t copy;
    sk_batch_summary_t sum;
    int have = j != NULL;
    memset(&sum, 0, sizeof sum);
    if (have) {
        copy = *j;
        /* The summary belongs to the batch until the job is over. */
        if (j->state != JOB_RUNNING)
            sum = *j->sum;
    }
    pthread_mutex_unlock(&srv->mu);
    sk_sb_put(out, "{\"patient\":\"");
    sk_sb_json(out, id);
    if (!have) {
        sk_sb_put(out, "\",\"state\":\"idle\",\"planned\":0,\"done\":0,\"message\":\"\"}\n");
        return;
    }
    static const char *const names[] = {"running", "done", "failed"};
    size_t done = copy.state == JOB_RUNNING ? job_done_count(srv, id, copy.run_floor)
                                            : sum.scored + sum.failed;
    sk_sb_printf(out,
                 "\",\"job\":%lld,\"state\":\"%s\",\"planned\":%zu,\"done\":%zu,"
                 "\"scored\":%zu,\"failed\":%zu,\"skipped\":%zu,\"aligned\":%zu,"
                 "\"align_failed\":%zu,\"message\":\"",
                 (long long)copy.id, names[copy.state], copy.planned, done, sum.scored, sum.failed,
                 sum.skipped, sum.aligned, sum.align_failed);
    /* after the last photo, the run aligns the follow-ups (tracking) */
    sk_sb_json(out, copy.state != JOB_RUNNING          ? copy.message
                    : done >= copy.planned && done > 0 ? "aligning the photos with their baseline"
                                                       : "scoring");
    sk_sb_put(out, "\"}\n");
}

const char *serve_job_describe(sk_server_t *srv, const char *id, char *msg, size_t len)
{
    static const char *const names[] = {"running", "done", "failed"};
    const char *state = "idle";
    msg[0] = '\0';
    pthread_mutex_lock(&srv->mu);
    serve_job_t *j = latest_job(srv, id);
    if (j) {
        state = names[j->state];
        snprintf(msg, len, "%s", j->state == JOB_RUNNING ? "scoring…" : j->message);
    }
    pthread_mutex_unlock(&srv->mu);
    return state;
}

enum MHD_Result serve_score_status(serve_req_t *r, const char *id)
{
    sk_sb_t b = {0};
    serve_job_json(r->srv, id, &b);
    if (b.failed)
        return MHD_NO;
    return serve_send(r, 200, "application/json", b.s, b.len, 0);
}

enum MHD_Result serve_score_start(serve_req_t *r, const char *id)
{
    sk_server_t *srv = r->srv;
    char patient_dir[4200];
    struct stat st;
    snprintf(patient_dir, sizeof patient_dir, "%s/%s", srv->clinic, id);
    if (stat(patient_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return serve_error(r, 404, "there is no patient '%s' in this clinic", id);
    int64_t floor = 0;
    size_t planned = plan_count(srv, id, &floor);

    pthread_mutex_lock(&srv->mu);
    if (srv->stopping) {
        pthread_mutex_unlock(&srv->mu);
        return serve_error(r, 503, "the server is stopping");
    }
    serve_job_t *same = latest_job(srv, id);
    int running = 0;
    for (int i = 0; i < SERVE_MAX_JOBS_KEPT; i++)
        running += srv->jobs[i].used && srv->jobs[i].state == JOB_RUNNING;
    if (same && same->state == JOB_RUNNING) {
        pthread_mutex_unlock(&srv->mu);
        goto answer; /* already scoring this patient: report that run */
    }
    if (running >= srv->o.max_jobs) {
        pthread_mutex_unlock(&srv->mu);
        return serve_error(r, 429,
                           "%d scoring run%s already going; wait for it to finish and try again",
                           running, running == 1 ? " is" : "s are");
    }
    /* A free slot, else the oldest finished job's. */
    serve_job_t *slot = NULL;
    for (int i = 0; i < SERVE_MAX_JOBS_KEPT && !slot; i++)
        if (!srv->jobs[i].used)
            slot = &srv->jobs[i];
    for (int i = 0; i < SERVE_MAX_JOBS_KEPT && !slot; i++) {
        serve_job_t *j = &srv->jobs[i];
        if (j->state != JOB_RUNNING && (!slot || j->id < slot->id))
            slot = j;
    }
    if (!slot) {
        pthread_mutex_unlock(&srv->mu);
        return serve_error(r, 429, "too many scoring runs; try again later");
    }
    if (slot->joinable) {
        pthread_join(slot->thread, NULL); /* finished: returns at once */
        slot->joinable = 0;
    }
    free(slot->sum);
    memset(slot, 0, sizeof *slot);
    slot->sum = calloc(1, sizeof *slot->sum);
    if (!slot->sum) {
        pthread_mutex_unlock(&srv->mu);
        return serve_error(r, 500, "out of memory");
    }
    slot->used = 1;
    slot->id = ++srv->next_job;
    slot->srv = srv;
    snprintf(slot->patient, sizeof slot->patient, "%s", id);
    slot->state = JOB_RUNNING;
    slot->planned = planned;
    slot->run_floor = floor;
    slot->started = time(NULL);
    if (pthread_create(&slot->thread, NULL, job_main, slot) != 0) {
        free(slot->sum);
        memset(slot, 0, sizeof *slot);
        pthread_mutex_unlock(&srv->mu);
        return serve_error(r, 500, "cannot start a scoring thread");
    }
    slot->joinable = 1;
    pthread_mutex_unlock(&srv->mu);
answer:
    if (!r->wants_json) {
        char loc[128];
        snprintf(loc, sizeof loc, "/p/%s", id);
        return serve_redirect(r, loc);
    }
    sk_sb_t b = {0};
    serve_job_json(srv, id, &b);
    if (b.failed)
        return MHD_NO;
    return serve_send(r, 202, "application/json", b.s, b.len, 0);
}

void serve_jobs_join_all(sk_server_t *srv)
{
    for (int i = 0; i < SERVE_MAX_JOBS_KEPT; i++) {
        serve_job_t *j = &srv->jobs[i];
        if (j->joinable)
            pthread_join(j->thread, NULL);
        free(j->sum);
        memset(j, 0, sizeof *j);
    }
}

/* ---------------------------------------------------------- thumbnails */

static int find_photo(const sk_server_t *srv, const char *id, const char *session, const char *view,
                      char *path, size_t len)
{
    sk_photo_ref_t *refs = NULL;
    size_t n = 0;
    int rc = sk_library_scan(srv->clinic, id, &refs, &n, NULL, NULL);
    if (rc < 0)
        return rc;
    rc = SK_ERR_NOT_FOUND;
    for (size_t i = 0; i < n; i++)
        if (strcmp(refs[i].session, session) == 0 && strcmp(refs[i].view, view) == 0) {
            snprintf(path, len, "%s", refs[i].path);
            rc = SK_OK;
            break;
        }
    free(refs);
    return rc;
}

static enum MHD_Result send_jpeg(serve_req_t *r, const unsigned char *data, size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    return serve_send_response(r, 200, resp, "image/jpeg", 1);
}

enum MHD_Result serve_thumbnail(serve_req_t *r, const char *id, const char *session,
                                const char *view)
{
    sk_server_t *srv = r->srv;
    char path[4096];
    if (find_photo(srv, id, session, view, path, sizeof path) < 0)
        return serve_error(r, 404, "no photo %s / %s / %s", id, session, view);
    struct stat st;
    if (stat(path, &st) != 0)
        return serve_error(r, 404, "no photo %s / %s / %s", id, session, view);
    int64_t mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;

    pthread_mutex_lock(&srv->mu);
    for (int i = 0; i < SERVE_THUMB_CACHE; i++) {
        serve_thumb_t *t = &srv->thumbs[i];
        if (t->jpeg && t->mtime_ns == mtime && t->size == (int64_t)st.st_size &&
            strcmp(t->path, path) == 0) {
            t->used = ++srv->thumb_clock;
            enum MHD_Result ret = send_jpeg(r, t->jpeg, t->len);
            pthread_mutex_unlock(&srv->mu);
            return ret;
        }
    }
    pthread_mutex_unlock(&srv->mu);

    /* The pixel limit, read from the header before anything is decoded. */
    serve_sem_wait(&srv->thumbnails);
    VipsImage *hdr = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    if (!hdr) {
        vips_error_clear();
        vips_thread_shutdown();
        sem_post(&srv->thumbnails);
        return serve_error(r, 415, "%s / %s / %s is not a readable image", id, session, view);
    }
    double mp = (double)vips_image_get_width(hdr) * vips_image_get_height(hdr) / 1e6;
    g_object_unref(hdr);
    if (mp > srv->o.max_megapixels) {
        vips_thread_shutdown();
        sem_post(&srv->thumbnails);
        return serve_error(r, 413, "%s / %s / %s has %.0f megapixels; the limit is %.0f", id,
                           session, view, mp, srv->o.max_megapixels);
    }
    VipsImage *thumb = NULL;
    void *buf = NULL;
    size_t len = 0;
    if (vips_thumbnail(path, &thumb, 2 * 170, "height", 2 * 170, NULL) != 0 ||
        vips_jpegsave_buffer(thumb, &buf, &len, "Q", 82, "strip", TRUE, NULL) != 0) {
        char why[256];
        snprintf(why, sizeof why, "%s", vips_error_buffer());
        vips_error_clear();
        if (thumb)
            g_object_unref(thumb);
        vips_thread_shutdown();
        sem_post(&srv->thumbnails);
        char *nl = strchr(why, '\n');
        if (nl)
            *nl = '\0';
        return serve_error(r, 415, "%s / %s / %s: cannot make a thumbnail: %s", id, session, view,
                           why);
    }
    g_object_unref(thumb);
    vips_thread_shutdown();
    sem_post(&srv->thumbnails);

    pthread_mutex_lock(&srv->mu);
    int slot = 0;
    for (int i = 0; i < SERVE_THUMB_CACHE; i++) {
        if (!srv->thumbs[i].jpeg) {
            slot = i;
            break;
        }
        if (srv->thumbs[i].used < srv->thumbs[slot].used)
            slot = i;
    }
    serve_thumb_t *t = &srv->thumbs[slot];
    unsigned char *copy = malloc(len);
    if (copy) {
        free(t->jpeg);
        memcpy(copy, buf, len);
        snprintf(t->path, sizeof t->path, "%s", path);
        t->mtime_ns = mtime;
        t->size = (int64_t)st.st_size;
        t->jpeg = copy;
        t->len = len;
        t->used = ++srv->thumb_clock;
    }
    pthread_mutex_unlock(&srv->mu);
    enum MHD_Result ret = send_jpeg(r, buf, len);
    g_free(buf);
    return ret;
}

void serve_thumbs_free(sk_server_t *srv)
{
    for (int i = 0; i < SERVE_THUMB_CACHE; i++) {
        free(srv->thumbs[i].jpeg);
        srv->thumbs[i].jpeg = NULL;
    }
}

/* -------------------------------------------------------------- report */

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            unlinkat(dirfd(d), e->d_name, 0);
        }
        closedir(d);
    }
    rmdir(dir);
}

enum MHD_Result serve_report(serve_req_t *r, const char *id)
{
    sk_server_t *srv = r->srv;
    char patient_dir[4200];
    struct stat st;
    snprintf(patient_dir, sizeof patient_dir, "%s/%s", srv->clinic, id);
    if (stat(patient_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return serve_error(r, 404, "there is no patient '%s' in this clinic", id);
    if (access(srv->db, R_OK) != 0)
        return serve_error(r, 404, "nothing is scored yet; press Score now first");
    if (atomic_fetch_add(&srv->reports_running, 1) >= srv->o.max_reports) {
        atomic_fetch_sub(&srv->reports_running, 1);
        return serve_error(r, 429, "%d reports are being made; try again in a moment",
                           srv->o.max_reports);
    }
    const char *tmpbase = getenv("TMPDIR");
    char dir[4200], path[4300];
    snprintf(dir, sizeof dir, "%s/skintrack-report-XXXXXX", tmpbase && *tmpbase ? tmpbase : "/tmp");
    if (!mkdtemp(dir)) {
        atomic_fetch_sub(&srv->reports_running, 1);
        return serve_error(r, 500, "cannot make a temporary folder: %s", strerror(errno));
    }
    snprintf(path, sizeof path, "%s/report.pdf", dir);
    int pages = 0;
    int rc = sk_report_patient(srv->clinic, srv->db, id, path, &pages);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", rc < 0 ? sk_error_message() : "");
    int fd = rc < 0 ? -1 : open(path, O_RDONLY | O_CLOEXEC);
    /* Nothing stays on disk: the open descriptor keeps the data until the
     * response is sent (or the client goes away). */
    remove_dir(dir);
    vips_thread_shutdown();
    atomic_fetch_sub(&srv->reports_running, 1);
    if (rc < 0)
        return serve_error(r, serve_status_http(rc), "%s", msg);
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return serve_error(r, 500, "the report was written but cannot be read back");
    }
    struct MHD_Response *resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    char cd[160];
    snprintf(cd, sizeof cd, "attachment; filename=\"skintrack-report-%s.pdf\"", id);
    MHD_add_response_header(resp, "Content-Disposition", cd);
    return serve_send_response(r, 200, resp, "application/pdf", 0);
}

#endif /* SK_HAVE_MHD */
