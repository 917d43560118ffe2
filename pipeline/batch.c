/* skintrack batch: score every photo of a clinic library that is new,
 * changed (content hash), or scored by an older model, into the store.
 *
 * The main thread plans (scan, hash, compare with the store), then N worker
 * threads analyse photos while the main thread alone writes each finished
 * photo to the store in its own transaction and draws the progress. A kill
 * at any moment therefore loses at most the photos in flight, and a rerun
 * skips everything already recorded.
 *
 * Then tracking, the same way: every scored follow-up photo of a view is
 * aligned to the view's baseline (its first scored session) and to the
 * previous session's photo, both measured on the skin they share
 * (sk_compare_photos), and each pair's changes and verdicts go to the store.
 * A pair already recorded from the same photos and inputs is skipped. */
#include "pstore.h"
#include "sk_compare.h"
#include "skintrack.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <vips/vips.h>

typedef enum { JOB_TODO, JOB_SKIP } job_kind;

typedef struct {
    const sk_photo_ref_t *ref;
    char relpath[4200];
    char sha256[65];
    char mask_sha256[65];
    int64_t bytes;
    job_kind kind;
    double mm_per_px;
    /* filled by the worker */
    int rc;
    char error[1024];
    double seconds;
    sk_analysis_t analysis;
} job_t;

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

int sk_file_sha256(const char *path, char hex[65], int64_t *bytes)
{
    char disp[SK_DISPLAY_PATH_MAX];
    FILE *f = fopen(path, "rb");
    if (!f)
        return sk_error_set(errno == ENOENT ? SK_ERR_NOT_FOUND
                            : errno == EACCES ? SK_ERR_PERMISSION
                                              : SK_ERR_IO,
                            "%s: cannot read: %s", sk_path_display(path, disp, sizeof disp),
                            strerror(errno));
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    unsigned char buf[1 << 16];
    size_t k;
    int64_t total = 0;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) {
        g_checksum_update(ck, buf, k);
        total += (int64_t)k;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        g_checksum_free(ck);
        return sk_error_set(SK_ERR_IO, "%s: read error", sk_path_display(path, disp, sizeof disp));
    }
    snprintf(hex, 65, "%s", g_checksum_get_string(ck));
    g_checksum_free(ck);
    if (bytes)
        *bytes = total;
    return SK_OK;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A pool of worker threads over n jobs. Each worker makes its own state (an
 * analyser or a comparer, reused from job to job), takes the next job
 * index, runs it and hands the index to the main thread, the only writer. */
typedef struct pool pool_t;
struct pool {
    size_t n;
    atomic_size_t next;
    /* finished job indices, handed from workers to the writer */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t *done;
    size_t n_done;
    int workers_left;
    /* a worker's state: made (status returned), used for each job (with its
     * status and error when it could not be made), freed */
    int (*state_new)(void **state);
    void (*run)(const pool_t *p, void *state, int state_rc, const char *state_err, size_t i);
    void (*state_free)(void *state);
    void *ctx; /* the jobs and their options */
    pthread_t *threads;
    int started, sync;
};

static void *pool_worker(void *arg)
{
    pool_t *p = arg;
    void *state = NULL;
    int state_rc = p->state_new(&state);
    char state_err[512];
    snprintf(state_err, sizeof state_err, "%s", sk_error_message());
    for (;;) {
        if (interrupted)
            break;
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            break;
        p->run(p, state, state_rc, state_err, i);
        pthread_mutex_lock(&p->mu);
        p->done[p->n_done++] = i;
        pthread_cond_signal(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    p->state_free(state);
    pthread_mutex_lock(&p->mu);
    p->workers_left--;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Start `jobs` workers (p->done sized for p->n); fails when none started. */
static int pool_start(pool_t *p, int jobs)
{
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->sync = 1;
    p->workers_left = jobs;
    p->threads = calloc((size_t)jobs, sizeof *p->threads);
    for (; p->threads && p->started < jobs; p->started++)
        if (pthread_create(&p->threads[p->started], NULL, pool_worker, p) != 0)
            break;
    /* Workers that could not be started will never check out; the ones that
     * did may already have finished, so adjust the count, never overwrite it. */
    pthread_mutex_lock(&p->mu);
    p->workers_left -= jobs - p->started;
    pthread_mutex_unlock(&p->mu);
    return p->started ? SK_OK : sk_error_set(SK_ERR_INTERNAL, "batch: cannot start worker threads");
}

/* Wait until jobs past the first `written` have finished or every worker
 * has left; returns how many have finished, *left the workers still at it
 * (when 0, no more will finish). */
static size_t pool_wait(pool_t *p, size_t written, int *left)
{
    pthread_mutex_lock(&p->mu);
    while (written == p->n_done && p->workers_left > 0)
        pthread_cond_wait(&p->cv, &p->mu);
    size_t upto = p->n_done;
    *left = p->workers_left;
    pthread_mutex_unlock(&p->mu);
    return upto;
}

/* Join the workers and release the pool (safe on a pool never started). */
static void pool_end(pool_t *p)
{
    for (int t = 0; t < p->started; t++)
        pthread_join(p->threads[t], NULL);
    p->started = 0;
    if (p->sync) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        p->sync = 0;
    }
    free(p->threads);
    p->threads = NULL;
}

/* Scoring: the jobs to run and the batch's options. */
typedef struct {
    job_t **todo;
    const sk_batch_opts_t *opts;
} score_ctx;

static int analyzer_new(void **state)
{
    sk_analyzer_t *an = NULL;
    int rc = sk_analyzer_new(&an);
    *state = an;
    return rc;
}

static void analyzer_free(void *state)
{
    sk_analyzer_free(state);
}

static void score_one(const pool_t *p, void *an, int an_rc, const char *an_err, size_t i)
{
    const score_ctx *sc = p->ctx;
    job_t *j = sc->todo[i];
    double t0 = now_s();
    if (j->rc < 0) {
        /* failed in planning (its patient.json); the reason is set */
    } else if (an_rc < 0) {
        j->rc = an_rc;
        snprintf(j->error, sizeof j->error, "%s", an_err);
    } else {
        sk_analyze_opts_t ao;
        sk_analyze_opts_default(&ao);
        ao.load.max_megapixels = sc->opts->max_megapixels;
        ao.mm_per_px = j->mm_per_px;
        ao.mask_path = j->ref->mask_path[0] ? j->ref->mask_path : NULL;
        sk_error_clear();
        j->rc = sk_analyze_photo(an, j->ref->path, &ao, &j->analysis);
        if (j->rc < 0)
            snprintf(j->error, sizeof j->error, "%s", sk_error_message());
    }
    j->seconds = now_s() - t0;
}

/* ---------------------------------------------------------------- progress */

typedef struct {
    int tty;
    size_t total;
    size_t done;
    double start;
    FILE *out;
} progress_t;

static void fmt_time(double s, char *buf, size_t len)
{
    if (!isfinite(s) || s < 0)
        snprintf(buf, len, "--:--");
    else if (s >= 3600)
        snprintf(buf, len, "%d:%02d:%02d", (int)s / 3600, ((int)s / 60) % 60, (int)s % 60);
    else
        snprintf(buf, len, "%d:%02d", (int)s / 60, (int)s % 60);
}

static void progress_draw(progress_t *p, const job_t *j)
{
    double el = now_s() - p->start;
    double rate = el > 0 ? (double)p->done / el : 0;
    double eta = rate > 0 ? (double)(p->total - p->done) / rate : NAN;
    char etab[32];
    fmt_time(eta, etab, sizeof etab);
    if (p->tty) {
        const int width = 30;
        int fill = p->total ? (int)((double)p->done / (double)p->total * width) : width;
        char bar[64];
        for (int i = 0; i < width; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[width] = '\0';
        fprintf(stderr, "\r[%s] %zu/%zu photos  %.2f photos/s  ETA %s ", bar, p->done, p->total,
                rate, etab);
        if (j && j->rc < 0) /* failures get their own line above the bar */
            fprintf(stderr, "\r\033[Kfailed: %s\n", j->error);
        fflush(stderr);
    } else if (j) {
        if (j->rc < 0)
            fprintf(p->out, "[%zu/%zu] %s: failed: %s\n", p->done, p->total, j->relpath, j->error);
        else
            fprintf(p->out, "[%zu/%zu] %s: scored in %.2f s (%.2f photos/s, ETA %s)\n", p->done,
                    p->total, j->relpath, j->seconds, rate, etab);
        fflush(p->out);
    }
}

/* ---------------------------------------------------------------- tracking */

/* One aligned pair: the follow-up `ref` against `base` (its view's baseline,
 * the previous session's photo, or both). */
typedef struct {
    const sk_photo_ref_t *ref, *base;
    int64_t id, base_id;
    int kinds; /* SK_CMP_BASELINE | SK_CMP_PREVIOUS */
    char relpath[4200];
    char inputs[192];
    double mm_per_px; /* the reference photo's scale */
    int has_card;
    sk_rect_t card;
    /* filled by the worker */
    int rc;
    char error[1024];
    double seconds;
    sk_compare_result_t *result;
} cjob_t;

/* Tracking: the pairs to align, the batch's options, the noise figures. */
typedef struct {
    cjob_t *jobs;
    size_t n;
    const sk_batch_opts_t *opts;
    const sk_noise_t *noise;
} track_ctx;

static int comparer_new(void **state)
{
    sk_comparer_t *cmp = NULL;
    int rc = sk_comparer_new(&cmp);
    *state = cmp;
    return rc;
}

static void comparer_free(void *state)
{
    sk_comparer_free(state);
}

static void align_one(const pool_t *p, void *cmp, int cmp_rc, const char *cmp_err, size_t i)
{
    const track_ctx *tc = p->ctx;
    cjob_t *j = &tc->jobs[i];
    double t0 = now_s();
    j->result = calloc(1, sizeof *j->result);
    if (cmp_rc < 0 || !j->result) {
        j->rc = cmp_rc < 0 ? cmp_rc : SK_ERR_NOMEM;
        snprintf(j->error, sizeof j->error, "%s", cmp_rc < 0 ? cmp_err : "out of memory");
    } else {
        sk_compare_opts_t o;
        sk_compare_opts_default(&o);
        o.load.max_megapixels = tc->opts->max_megapixels;
        o.mm_per_px = j->mm_per_px;
        o.mask_before = j->base->mask_path[0] ? j->base->mask_path : NULL;
        o.mask_after = j->ref->mask_path[0] ? j->ref->mask_path : NULL;
        o.card_before = o.card_after = j->has_card ? &j->card : NULL;
        o.noise = tc->noise;
        sk_error_clear();
        j->rc = sk_compare_photos(cmp, j->base->path, j->ref->path, &o, j->result);
        if (j->rc < 0)
            snprintf(j->error, sizeof j->error, "%s", sk_error_message());
    }
    j->seconds = now_s() - t0;
}

/* refs in the order of the tracks: patient, view, date, session folder */
static const sk_photo_ref_t *g_sort_refs;

static int track_order(const void *a, const void *b)
{
    const sk_photo_ref_t *x = &g_sort_refs[*(const size_t *)a],
                         *y = &g_sort_refs[*(const size_t *)b];
    int c = strcmp(x->patient, y->patient);
    if (!c)
        c = strcmp(x->view, y->view);
    if (!c)
        c = strcmp(x->date, y->date);
    if (!c)
        c = strcmp(x->session, y->session);
    return c;
}

/* Plan a pair unless the store already holds it for every kind asked. */
static int plan_pair(sk_store_t *store, track_ctx *q, const sk_photo_ref_t *base, int64_t base_id,
                     const sk_photo_ref_t *ref, int64_t id, int kinds, const char *inputs,
                     double mm, const sk_rect_t *card, const char *relpath, sk_batch_summary_t *sum)
{
    int stale = 0;
    for (int k = SK_CMP_BASELINE; k <= SK_CMP_PREVIOUS; k <<= 1) {
        if (!(kinds & k))
            continue;
        int current = 0;
        int rc = sk_store_comparison_current(store, id, k, base_id, inputs, &current);
        if (rc < 0)
            return rc;
        if (!current)
            stale |= k;
    }
    if (!stale) {
        sum->align_skipped++;
        return SK_OK;
    }
    cjob_t *j = &q->jobs[q->n++];
    j->ref = ref, j->base = base, j->id = id, j->base_id = base_id, j->kinds = stale;
    snprintf(j->relpath, sizeof j->relpath, "%s", relpath);
    snprintf(j->inputs, sizeof j->inputs, "%s", inputs);
    j->mm_per_px = mm;
    if (card)
        j->has_card = 1, j->card = *card;
    return SK_OK;
}

/* Align every scored follow-up of the scanned photos to its view's baseline
 * and previous session, skipping pairs already recorded; all[i] is the plan
 * of refs[i] (its path in the clinic and the scale it was scored at). */
static int track(const sk_batch_opts_t *opts, sk_store_t *store, const sk_photo_ref_t *refs,
                 const job_t *all, size_t n_refs, int64_t run_id, int jobs, sk_batch_summary_t *sum)
{
    int rc = SK_OK;
    size_t *order = calloc(n_refs ? n_refs : 1, sizeof *order);
    int64_t *ids = calloc(n_refs ? n_refs : 1, sizeof *ids);
    track_ctx q = {.jobs = calloc(2 * n_refs + 1, sizeof *q.jobs), .opts = opts};
    pool_t pool = {.done = calloc(2 * n_refs + 1, sizeof *pool.done),
                   .state_new = comparer_new,
                   .run = align_one,
                   .state_free = comparer_free,
                   .ctx = &q};
    sk_noise_t *noise = calloc(1, sizeof *noise);
    sk_patient_t *patient = calloc(1, sizeof *patient);
    if (!order || !ids || !q.jobs || !pool.done || !noise || !patient) {
        rc = sk_error_set(SK_ERR_NOMEM, "batch: out of memory for tracking");
        goto out;
    }
    if ((rc = sk_noise_load(NULL, noise)) < 0)
        goto out;
    q.noise = noise;
    for (size_t i = 0; i < n_refs; i++) {
        order[i] = i;
        if ((rc = sk_store_scored_photo_id(store, all[i].relpath, &ids[i])) < 0)
            goto out;
    }
    g_sort_refs = refs;
    qsort(order, n_refs, sizeof *order, track_order);

    /* plan, track by track */
    for (size_t a = 0; a < n_refs;) {
        size_t e = a;
        while (e < n_refs && strcmp(refs[order[e]].patient, refs[order[a]].patient) == 0 &&
               strcmp(refs[order[e]].view, refs[order[a]].view) == 0)
            e++;
        if (strcmp(patient->id, refs[order[a]].patient) != 0) {
            memset(patient, 0, sizeof *patient);
            if (sk_patient_load(opts->clinic, refs[order[a]].patient, patient, NULL, NULL) < 0)
                patient->has_file = -1;
            snprintf(patient->id, sizeof patient->id, "%s", refs[order[a]].patient);
        }
        const sk_rect_t *card =
            patient->has_file > 0 ? sk_patient_grey_card(patient, refs[order[a]].view) : NULL;
        char inputs[192];
        sk_store_comparison_inputs(noise, card, inputs, sizeof inputs);
        ssize_t b = -1, prev = -1;
        for (size_t k = a; k < e; k++) {
            size_t i = order[k];
            if (!ids[i])
                continue; /* not scored */
            if (b < 0) {
                b = (ssize_t)i; /* the baseline: compared with nothing */
                if ((rc = sk_store_forget_comparisons(store, ids[i],
                                                      SK_CMP_BASELINE | SK_CMP_PREVIOUS)) < 0)
                    goto out;
                prev = b;
                continue;
            }
            const char *rel = all[i].relpath;
            if (prev == b) {
                rc = plan_pair(store, &q, &refs[b], ids[b], &refs[i], ids[i],
                               SK_CMP_BASELINE | SK_CMP_PREVIOUS, inputs, all[b].mm_per_px, card,
                               rel, sum);
            } else {
                rc = plan_pair(store, &q, &refs[b], ids[b], &refs[i], ids[i], SK_CMP_BASELINE,
                               inputs, all[b].mm_per_px, card, rel, sum);
                if (rc == SK_OK)
                    rc = plan_pair(store, &q, &refs[prev], ids[prev], &refs[i], ids[i],
                                   SK_CMP_PREVIOUS, inputs, all[prev].mm_per_px, card, rel, sum);
            }
            if (rc < 0)
                goto out;
            prev = (ssize_t)i;
        }
        a = e;
    }
    if (q.n == 0)
        goto out;

    progress_t pr = {.tty = opts->progress >= 0 ? opts->progress : isatty(2),
                     .total = q.n,
                     .start = now_s(),
                     .out = stdout};
    if ((size_t)jobs > q.n)
        jobs = (int)q.n;
    pool.n = q.n;
    if ((rc = pool_start(&pool, jobs)) < 0)
        goto out;
    size_t written = 0;
    int store_rc = SK_OK;
    for (;;) {
        int left;
        size_t upto = pool_wait(&pool, written, &left);
        for (; written < upto; written++) {
            cjob_t *j = &q.jobs[pool.done[written]];
            sk_comparison_record_t rec = {
                .photo_id = j->id,
                .ref_photo_id = j->base_id,
                .kinds = j->kinds,
                .inputs = j->inputs,
                .run_id = run_id,
                .result = j->rc == SK_OK ? j->result : NULL,
                .error = j->error,
            };
            if (store_rc == SK_OK && (store_rc = sk_store_record_comparison(store, &rec)) < 0)
                interrupted = 1;
            pr.done++;
            if (j->rc == SK_OK)
                sum->aligned++;
            else
                sum->align_failed++;
            double el = now_s() - pr.start;
            const char *what = j->kinds == SK_CMP_PREVIOUS ? "previous" : "baseline";
            if (pr.tty) {
                if (j->rc < 0)
                    fprintf(stderr, "\r\033[Knot aligned: %s\n", j->error);
                fprintf(stderr, "\r[tracking] %zu/%zu pairs  %.2f pairs/s ", pr.done, pr.total,
                        el > 0 ? (double)pr.done / el : 0.0);
                fflush(stderr);
            } else {
                if (j->rc < 0)
                    fprintf(pr.out, "[%zu/%zu] %s vs %s %s: not aligned: %s\n", pr.done, pr.total,
                            j->relpath, what, j->base->session, j->error);
                else
                    fprintf(pr.out, "[%zu/%zu] %s vs %s %s: aligned in %.2f s\n", pr.done, pr.total,
                            j->relpath, what, j->base->session, j->seconds);
                fflush(pr.out);
            }
            free(j->result);
            j->result = NULL;
        }
        if (left == 0)
            break; /* every finished pair is written */
    }
    pool_end(&pool);
    if (pr.tty)
        fputc('\n', stderr);
    sum->align_seconds = now_s() - pr.start;
    if (store_rc < 0)
        rc = store_rc;
out:
    pool_end(&pool);
    if (q.jobs)
        for (size_t i = 0; i < q.n; i++)
            free(q.jobs[i].result);
    free(q.jobs);
    free(pool.done);
    free(noise);
    free(patient);
    free(order);
    free(ids);
    return rc;
}

/* ---------------------------------------------------------------- the run */

void sk_batch_opts_default(sk_batch_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->max_megapixels = SK_DEFAULT_MAX_MEGAPIXELS;
    o->progress = -1;
}

static int take_lock(const char *clinic, int *fd_out)
{
    char path[4200], disp[SK_DISPLAY_PATH_MAX];
    snprintf(path, sizeof path, "%s/.skintrack-batch.lock", clinic);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return sk_error_set(SK_ERR_IO, "%s: cannot create the batch lock: %s",
                            sk_path_display(clinic, disp, sizeof disp), strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return sk_error_set(SK_ERR_BUSY,
                            "%s: another batch is running on this clinic; wait for it to finish",
                            sk_path_display(clinic, disp, sizeof disp));
    }
    *fd_out = fd;
    return SK_OK;
}

static void summary_add_failure(sk_batch_summary_t *s, const char *relpath, const char *why)
{
    if (s->n_failures >= SK_BATCH_MAX_FAILURES_LISTED) {
        s->failures_truncated++;
        return;
    }
    snprintf(s->failures[s->n_failures].path, sizeof s->failures[0].path, "%.500s", relpath);
    snprintf(s->failures[s->n_failures].reason, sizeof s->failures[0].reason, "%.500s", why);
    s->n_failures++;
}

static void scan_warn(const char *msg, void *ud)
{
    sk_batch_summary_t *s = ud;
    s->warnings++;
    fprintf(stderr, "skintrack: warning: %s\n", msg);
}

int sk_batch_run(const sk_batch_opts_t *opts, sk_batch_summary_t *sum)
{
    memset(sum, 0, sizeof *sum);
    char disp[SK_DISPLAY_PATH_MAX];
    struct stat st;
    if (!opts->clinic || stat(opts->clinic, &st) != 0 || !S_ISDIR(st.st_mode))
        return sk_error_set(SK_ERR_NOT_FOUND, "%s: no such clinic folder",
                            sk_path_display(opts->clinic ? opts->clinic : "", disp, sizeof disp));
    int jobs = opts->jobs > 0 ? opts->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs < 1)
        jobs = 1;

    int lock_fd = -1, rc;
    sk_store_t *store = NULL;
    sk_photo_ref_t *refs = NULL;
    size_t n_refs = 0;
    job_t *all = NULL;
    score_ctx sc = {.opts = opts};
    pool_t pool = {
        .state_new = analyzer_new, .run = score_one, .state_free = analyzer_free, .ctx = &sc};
    size_t n_todo = 0;
    int64_t run_id = 0;
    struct sigaction old_int, old_term;
    int handlers = 0;
    sk_patient_t *patient = NULL;

    if ((rc = take_lock(opts->clinic, &lock_fd)) < 0)
        return rc;
    char dbpath[4200];
    if (opts->db_path)
        snprintf(dbpath, sizeof dbpath, "%s", opts->db_path);
    else
        snprintf(dbpath, sizeof dbpath, "%s/skintrack.db", opts->clinic);
    if ((rc = sk_store_open(dbpath, &store)) < 0)
        goto out;
    if ((rc = sk_library_scan(opts->clinic, opts->patient, &refs, &n_refs, scan_warn, sum)) < 0)
        goto out;
    all = calloc(n_refs ? n_refs : 1, sizeof *all);
    sc.todo = calloc(n_refs ? n_refs : 1, sizeof *sc.todo);
    pool.done = calloc(n_refs ? n_refs : 1, sizeof *pool.done);
    if (!all || !sc.todo || !pool.done) {
        rc = sk_error_set(SK_ERR_NOMEM, "batch: out of memory for %zu photos", n_refs);
        goto out;
    }

    /* Plan: hash every photo and mask, and keep what the store does not
     * already hold for this content and model version. */
    size_t clinic_len = strlen(opts->clinic);
    while (clinic_len > 1 && opts->clinic[clinic_len - 1] == '/')
        clinic_len--;
    /* The version a photo must have been scored with to be skipped: the
     * models' code version and the digest of their parameter files. */
    sk_params_t *params = calloc(1, sizeof *params);
    if (!params || sk_model_params_load(NULL, params) < 0) {
        rc = params ? sk_error_status() : sk_error_set(SK_ERR_NOMEM, "batch: out of memory");
        free(params);
        goto out;
    }
    char model[64];
    snprintf(model, sizeof model, "%s", params->version);
    free(params);
    patient = calloc(1, sizeof *patient);
    if (!patient) {
        rc = sk_error_set(SK_ERR_NOMEM, "batch: out of memory");
        goto out;
    }
    for (size_t i = 0; i < n_refs; i++) {
        job_t *j = &all[i];
        /* patient.json: its scale per view; a bad file fails that patient's
         * photos with the reason, not the batch */
        if (strcmp(patient->id, refs[i].patient) != 0) {
            memset(patient, 0, sizeof *patient);
            if (sk_patient_load(opts->clinic, refs[i].patient, patient, scan_warn, sum) < 0) {
                snprintf(j->error, sizeof j->error, "%s", sk_error_message());
                patient->has_file = -1;
            }
            snprintf(patient->id, sizeof patient->id, "%s", refs[i].patient);
        }
        j->ref = &refs[i];
        const char *rel = refs[i].path;
        if (strncmp(rel, opts->clinic, clinic_len) == 0 && rel[clinic_len] == '/')
            rel += clinic_len + 1;
        snprintf(j->relpath, sizeof j->relpath, "%s", rel);
        j->mm_per_px = opts->mm_per_px;
        if (patient->has_file > 0) {
            double mm = sk_patient_mm_per_px(patient, refs[i].view);
            if (mm > 0)
                j->mm_per_px = mm;
        }
        sum->total++;
        if (sk_file_sha256(refs[i].path, j->sha256, &j->bytes) < 0 ||
            (refs[i].mask_path[0] && sk_file_sha256(refs[i].mask_path, j->mask_sha256, NULL) < 0)) {
            /* Unreadable now: it goes to the workers, whose load reports why. */
            j->sha256[0] = '\0';
        }
        sk_photo_state_t ps;
        if ((rc = sk_store_photo_state(store, j->relpath, &ps)) < 0)
            goto out;
        int same = ps.found && j->sha256[0] && strcmp(ps.sha256, j->sha256) == 0 &&
                   strcmp(ps.mask_sha256, j->mask_sha256) == 0 &&
                   strcmp(ps.model_version, model) == 0;
        /* A scored photo is measured again when its scale changed (e.g. a
         * mm_per_px added to patient.json): its sizes would be in other units. */
        if (same && strcmp(ps.status, "scored") == 0 && !(ps.mm_per_px == j->mm_per_px))
            same = 0;
        if (same && !opts->force) {
            j->kind = JOB_SKIP;
            if (strcmp(ps.status, "failed") == 0) {
                sum->failed_before++;
                summary_add_failure(sum, j->relpath, ps.error);
            } else {
                sum->skipped++;
            }
            continue;
        }
        j->kind = JOB_TODO;
        if (patient->has_file < 0)
            j->rc = SK_ERR_FORMAT; /* reported as failed without analysing */
        sc.todo[n_todo++] = j;
    }
    free(patient);
    patient = NULL;

    char command[256];
    snprintf(command, sizeof command, "batch%s%s%s", opts->patient ? " --patient " : "",
             opts->patient ? opts->patient : "", opts->force ? " --force" : "");
    if ((rc = sk_store_begin_run(store, command, jobs, &run_id)) < 0)
        goto out;

    /* Workers share the cores with each other, not with OpenBLAS or libvips
     * threads of their own. */
    sk_blas_set_threads(1);
    vips_concurrency_set(1);
    interrupted = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    handlers = 1;

    progress_t pr = {.tty = opts->progress >= 0 ? opts->progress : isatty(2),
                     .total = n_todo,
                     .start = now_s(),
                     .out = stdout};
    const int jobs_all = jobs;
    if ((size_t)jobs > n_todo)
        jobs = n_todo ? (int)n_todo : 1;
    pool.n = n_todo;
    if ((rc = pool_start(&pool, jobs)) < 0)
        goto out;

    size_t written = 0;
    int store_rc = SK_OK;
    for (;;) {
        int left;
        size_t upto = pool_wait(&pool, written, &left);
        for (; written < upto; written++) {
            job_t *j = sc.todo[pool.done[written]];
            sk_photo_record_t rec = {
                .ref = j->ref,
                .relpath = j->relpath,
                .sha256 = j->sha256,
                .mask_sha256 = j->mask_sha256,
                .bytes = j->bytes,
                .capture_date = NULL,
                .run_id = run_id,
                .analysis = j->rc == SK_OK ? &j->analysis : NULL,
                .error = j->rc == SK_OK ? NULL : j->error,
                .model_version = model,
            };
            if (store_rc == SK_OK && (store_rc = sk_store_record_photo(store, &rec)) < 0)
                interrupted = 1; /* the store failed: stop taking photos */
            pr.done++;
            if (j->rc == SK_OK) {
                sum->scored++;
            } else {
                sum->failed++;
                summary_add_failure(sum, j->relpath, j->error);
            }
            progress_draw(&pr, j);
        }
        if (left == 0)
            break; /* every finished photo is written */
    }
    pool_end(&pool);
    if (pr.tty && pr.total)
        fputc('\n', stderr);
    sum->seconds = now_s() - pr.start;
    sum->interrupted = interrupted && store_rc == SK_OK;
    sum->left = n_todo - written;
    if (store_rc < 0) {
        rc = store_rc;
        sk_store_end_run(store, run_id, "failed", sum->scored, sum->skipped, sum->failed);
        goto out;
    }
    /* tracking: after every photo of the run is recorded */
    if (!sum->interrupted && !opts->no_align) {
        rc = track(opts, store, refs, all, n_refs, run_id, jobs_all, sum);
        sum->interrupted = interrupted;
        if (rc < 0 && rc != SK_ERR_CANCELLED) {
            sk_store_end_run(store, run_id, "failed", sum->scored, sum->skipped, sum->failed);
            goto out;
        }
    }
    rc = sk_store_end_run(store, run_id, sum->interrupted ? "interrupted" : "done", sum->scored,
                          sum->skipped, sum->failed);
    if (rc == SK_OK && sum->interrupted)
        rc = sum->left
                 ? sk_error_set(SK_ERR_CANCELLED,
                                "interrupted: %zu photos left; run batch again to finish them",
                                sum->left)
                 : sk_error_set(SK_ERR_CANCELLED, "interrupted while aligning follow-ups; "
                                                  "run batch again to finish them");
out:
    if (handlers) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
    pool_end(&pool);
    free(patient);
    free(sc.todo);
    free(pool.done);
    free(all);
    free(refs);
    sk_store_close(store);
    if (lock_fd >= 0)
        close(lock_fd);
    return rc;
}
