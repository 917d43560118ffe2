/* The store's interface inside the pipeline (batch, export, report, web). */
#ifndef SK_PSTORE_H
#define SK_PSTORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "sk_compare.h"
#include "skintrack.h"

typedef struct sk_store sk_store_t;

/* Open (creating and migrating as needed) the store at `path`. Free with
 * sk_store_close (NULL is a no-op). Errors name the file. */
int sk_store_open(const char *path, sk_store_t **out);
void sk_store_close(sk_store_t *st);

/* Number of schema migrations this build knows (the current user_version). */
int sk_store_schema_version(void);

/* The underlying connection, for read queries of export and report. */
sqlite3 *sk_store_db(sk_store_t *st);

/* One stored metric of a photo, as the report and the web app read it. */
typedef struct sk_stored_metric {
    char name[48];
    double value; /* NAN when not measurable */
    char unit[16];
    int better;
} sk_stored_metric_t;

/* Prepare the statement that reads a photo's metrics (by name), for
 * sk_store_read_metrics; finalise it with sqlite3_finalize. */
int sk_store_prepare_metrics(sqlite3 *db, sqlite3_stmt **q);

/* Up to `max` metrics of photo `photo_id` into out[]; returns how many. */
int sk_store_read_metrics(sqlite3_stmt *q, int64_t photo_id, sk_stored_metric_t *out, int max);

/* The metric called `name` among m[0..n-1], or NULL. */
const sk_stored_metric_t *sk_stored_metric_find(const sk_stored_metric_t *m, int n,
                                                const char *name);

/* Current UTC time as ISO 8601 ("2026-11-24T19:30:00Z"). */
void sk_store_now(char out[32]);

int sk_store_begin_run(sk_store_t *st, const char *command, int jobs, int64_t *run_id);
int sk_store_end_run(sk_store_t *st, int64_t run_id, const char *status, int scored, int skipped,
                     int failed);

/* What the store knows of a photo (by its path relative to the clinic). */
typedef struct sk_photo_state {
    int found;
    char sha256[65];
    char mask_sha256[65];
    char status[16]; /* "scored" or "failed" */
    char model_version[32];
    char error[512];
    double mm_per_px; /* the scale it was measured at (0: none given); NAN when unknown */
} sk_photo_state_t;
int sk_store_photo_state(sk_store_t *st, const char *relpath, sk_photo_state_t *out);

/* One photo's results, written in one transaction: the photo row and every
 * metric, or (analysis == NULL) a failure with its reason. */
typedef struct sk_photo_record {
    const sk_photo_ref_t *ref;
    const char *relpath;
    const char *sha256;
    const char *mask_sha256; /* "" or NULL when no mask */
    int64_t bytes;
    const char *capture_date; /* may be NULL */
    int64_t run_id;
    const sk_analysis_t *analysis; /* NULL when the photo failed */
    const char *error;             /* the reason when it failed */
    const char *model_version;     /* full model version (with the parameters' digest) */
} sk_photo_record_t;
int sk_store_record_photo(sk_store_t *st, const sk_photo_record_t *r);

/* The id of the scored photo at relpath, or 0 when the store has none. */
int sk_store_scored_photo_id(sk_store_t *st, const char *relpath, int64_t *id);

/* Kinds of an aligned comparison of a follow-up photo: with its view's
 * baseline, with the previous session's photo (one pair may be both). */
enum { SK_CMP_BASELINE = 1, SK_CMP_PREVIOUS = 2 };

/* What a recorded comparison depends on besides its two photo rows (the
 * noise figures' versions and the grey card), as batch records it. */
void sk_store_comparison_inputs(const sk_noise_t *noise, const sk_rect_t *card, char *out,
                                size_t len);

/* One metric of a recorded comparison. */
typedef struct sk_stored_comparison_metric {
    char name[48];
    double before, after, limit; /* NAN when unknown */
    int beyond;                  /* 1, 0, -1 unknown */
    unsigned unreliable;
} sk_stored_comparison_metric_t;

/* A recorded comparison of a follow-up photo, as the report and the web
 * app read it. */
typedef struct sk_stored_comparison {
    int found; /* 1 recorded as aligned, -1 recorded as not aligned, 0 none */
    int64_t ref_photo_id;
    char inputs[192];
    double common_fraction;
    int norm; /* sk_colour_norm */
    int n;
    sk_stored_comparison_metric_t m[96];
} sk_stored_comparison_t;

/* The comparison (kind) of photo_id recorded by batch: its figures when it
 * was aligned (found 1), only the fact when it could not be (found -1). */
int sk_store_read_comparison(sqlite3 *db, int64_t photo_id, int kind, sk_stored_comparison_t *out);

/* The metric called `name` of an aligned comparison, or NULL. */
const sk_stored_comparison_metric_t *sk_stored_comparison_find(const sk_stored_comparison_t *c,
                                                               const char *name);

/* *current = 1 when the store holds the comparison (kind) of photo_id with
 * ref_photo_id made from the same inputs, 0 otherwise. */
int sk_store_comparison_current(sk_store_t *st, int64_t photo_id, int kind, int64_t ref_photo_id,
                                const char *inputs, int *current);

/* One aligned comparison, written in one transaction (replacing the
 * photo's earlier ones of these kinds): the pair's figures and every
 * metric's before, after, limit and verdict, or (result == NULL) the reason
 * it could not be made. */
typedef struct sk_comparison_record {
    int64_t photo_id, ref_photo_id;
    int kinds; /* SK_CMP_BASELINE | SK_CMP_PREVIOUS */
    const char *inputs;
    int64_t run_id;
    const sk_compare_result_t *result; /* NULL when it failed */
    const char *error;
} sk_comparison_record_t;
int sk_store_record_comparison(sk_store_t *st, const sk_comparison_record_t *r);

/* Drop a photo's comparisons of the given kinds (a baseline has none; a
 * photo right after the baseline has no separate "previous" one). */
int sk_store_forget_comparisons(sk_store_t *st, int64_t photo_id, int kinds);

#endif
