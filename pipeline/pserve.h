/* Internal interface of the web app (serve*.c). */
#ifndef SK_PSERVE_H
#define SK_PSERVE_H

#include "skintrack.h"
#include "sk_serve.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <microhttpd.h>

/* ------------------------------------------------------- string buffer */

/* A growable NUL-terminated string. On allocation failure `failed` is set
 * and further appends are ignored, so callers check once at the end. */
typedef struct sk_sb {
    char *s;
    size_t len, cap;
    int failed;
} sk_sb_t;

void sk_sb_put(sk_sb_t *b, const char *s);
void sk_sb_putn(sk_sb_t *b, const char *s, size_t n);
void sk_sb_printf(sk_sb_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append with HTML escaping (& < > " '). */
void sk_sb_html(sk_sb_t *b, const char *s);
void sk_sb_html_n(sk_sb_t *b, const char *s, size_t n);
/* Append as the inside of a JSON string (quotes not added). */
void sk_sb_json(sk_sb_t *b, const char *s);
void sk_sb_free(sk_sb_t *b);

/* ------------------------------------------------------------- server */

#define SERVE_MAX_SESSIONS 256
#define SERVE_SESSION_IDLE_S (12 * 3600)
#define SERVE_MAX_JOBS_KEPT 32
#define SERVE_THUMB_CACHE 64
#define SERVE_MAX_THUMBNAILING 4 /* thumbnails made at once */
#define SERVE_FORM_MAX 16384     /* urlencoded bodies (login, score, logout) */
#define SERVE_MAX_FILES 32       /* files in one upload */
#define SERVE_LOGIN_WINDOW_S 60
#define SERVE_LOGIN_MAX_FAILS 10 /* per window, then 429 */

typedef struct serve_session {
    char id[44];   /* base64url of 32 random bytes; "" when the slot is free */
    char csrf[44]; /* base64url of 32 random bytes */
    int authed;
    time_t last;
} serve_session_t;

typedef enum { JOB_RUNNING, JOB_DONE, JOB_FAILED } serve_job_state;

typedef struct serve_job {
    int used;
    int64_t id;
    char patient[SK_PATIENT_ID_MAX + 1];
    serve_job_state state;
    int64_t run_floor; /* largest run id in the store before this job started */
    size_t planned;    /* photos the run is expected to score */
    sk_batch_summary_t *sum;
    char message[512];
    time_t started, finished;
    pthread_t thread;
    int joinable;
    struct sk_server *srv;
} serve_job_t;

typedef struct serve_thumb {
    char path[4096];
    int64_t mtime_ns, size;
    unsigned char *jpeg;
    size_t len;
    uint64_t used; /* LRU stamp */
} serve_thumb_t;

struct sk_server {
    struct MHD_Daemon *daemon;
    sk_serve_opts_t o;
    char clinic[4096];
    char db[4200];
    char listen[128];
    int port;
    int loopback;
    int has_password;
    char auth_line[512]; /* the password file's record */

    pthread_mutex_t mu; /* sessions, login throttle, jobs, thumbs */
    serve_session_t sessions[SERVE_MAX_SESSIONS];
    time_t login_fails[SERVE_LOGIN_MAX_FAILS];
    int n_login_fails; /* failures in a row, for the growing delay */
    serve_job_t jobs[SERVE_MAX_JOBS_KEPT];
    int64_t next_job;
    atomic_int reports_running;
    sem_t imports;    /* photo decodes of uploads at once (each may take a full photo of RAM) */
    sem_t thumbnails; /* thumbnails made at once */
    serve_thumb_t thumbs[SERVE_THUMB_CACHE];
    uint64_t thumb_clock;
    int stopping;
};
typedef struct sk_server sk_server_t;

/* One HTTP request in flight (MHD's per-request pointer). */
typedef enum { BODY_NONE, BODY_FORM, BODY_UPLOAD } serve_body_kind;

typedef struct serve_upload serve_upload_t;

typedef struct serve_req {
    sk_server_t *srv;
    struct MHD_Connection *conn;
    const char *method;
    char url[1024];
    int is_head;
    serve_session_t sess; /* copy of the caller's session (id "" when none) */
    int new_session;      /* Set-Cookie on the response */
    int wants_json;
    unsigned status; /* of the response queued, 0 before */
    double t0;
    /* body */
    serve_body_kind body;
    size_t body_len;
    int body_error; /* HTTP status of a refusal found while reading, else 0 */
    char body_msg[512];
    char *form; /* urlencoded body, NUL-terminated */
    serve_upload_t *up;
} serve_req_t;

/* Responses. Every response carries the security headers (CSP ...), the
 * session cookie when new, and no-store for everything but static assets. */
enum MHD_Result serve_send(serve_req_t *r, unsigned status, const char *ctype, const void *data,
                           size_t len, int copy);
/* A page: the layout (header, nav, footer) around `body`; takes the html
 * of the body and frees it. */
enum MHD_Result serve_page(serve_req_t *r, unsigned status, const char *title, sk_sb_t *body);
/* A refusal: an HTML page, or a JSON {"error": ...} when the client asked
 * for JSON. */
enum MHD_Result serve_error(serve_req_t *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Queue a ready response with the common headers (takes it). */
enum MHD_Result serve_send_response(serve_req_t *r, unsigned status, struct MHD_Response *resp,
                                    const char *ctype, int cacheable);
enum MHD_Result serve_redirect(serve_req_t *r, const char *location);
/* Remove "CLINIC/" from a message in place: paths are shown relative to
 * the clinic, where it lives on the server is none of the browser's business. */
void serve_strip_clinic(const sk_server_t *srv, char *msg);
/* HTTP status for a negative sk_status. */
unsigned serve_status_http(int status);

/* Form field of an urlencoded body (decoded into out); 0 when present. */
int serve_form_field(const char *form, const char *key, char *out, size_t len);
/* The CSRF check for a POST: header X-CSRF-Token or the given field value. */
int serve_csrf_ok(const serve_req_t *r, const char *field);

/* Wait for / release a slot of a counting semaphore (EINTR-safe). */
void serve_sem_wait(sem_t *s);

/* Random bytes (getrandom); 0 or a negative sk_status. */
int serve_random(void *buf, size_t n);
void serve_b64url(const unsigned char *in, size_t n, char *out);
double serve_now(void);

/* --------------------------------------------------------------- auth */

/* (serve_auth.c) Read CLINIC/skintrack.auth into line: 1 found, 0 none,
 * negative on an unreadable or malformed file. */
int sk_serve_auth_read(const char *clinic, char *line, size_t len);
/* 1 when the password matches the record (constant-time compare), else 0. */
int sk_serve_auth_match(const char *record, const char *password);

/* -------------------------------------------------------------- pages */

enum MHD_Result serve_page_patients(serve_req_t *r);
enum MHD_Result serve_page_patient(serve_req_t *r, const char *id);
enum MHD_Result serve_page_upload(serve_req_t *r, const char *patient);
enum MHD_Result serve_page_login(serve_req_t *r, unsigned status, const char *msg);

/* ----------------------------------------------------------- uploads */

/* Called for each piece of an upload body, then once with size 0. */
enum MHD_Result serve_upload_begin(serve_req_t *r);
void serve_upload_feed(serve_req_t *r, const char *data, size_t size);
enum MHD_Result serve_upload_finish(serve_req_t *r);
void serve_upload_free(serve_upload_t *up);

/* ------------------------------------------------------- jobs, media */

enum MHD_Result serve_score_start(serve_req_t *r, const char *id);
enum MHD_Result serve_score_status(serve_req_t *r, const char *id);
/* Fill a JSON object describing the patient's latest job (or idle). */
void serve_job_json(sk_server_t *srv, const char *id, sk_sb_t *out);
/* The state of the patient's latest job ("idle", "running", "done",
 * "failed", a static string) and its message. */
const char *serve_job_describe(sk_server_t *srv, const char *id, char *msg, size_t len);
void serve_jobs_join_all(sk_server_t *srv);
enum MHD_Result serve_thumbnail(serve_req_t *r, const char *id, const char *session,
                                const char *view);
enum MHD_Result serve_report(serve_req_t *r, const char *id);
void serve_thumbs_free(sk_server_t *srv);

/* -------------------------------------------------------------- assets */

extern const char serve_app_css[];
extern const char serve_app_js[];
extern const char serve_app_icon[]; /* SVG */

#endif
