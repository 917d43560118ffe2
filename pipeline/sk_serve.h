/* skintrack pipeline: the clinic web app (`skintrack serve`), a small HTTP
 * server (libmicrohttpd) over a clinic library: patient list, patient pages
 * with thumbnails, metric tables and trend charts, upload, scoring in the
 * background and report download. docs/WEBAPP.md describes the routes, the
 * security model and the limits. */
#ifndef SK_SERVE_H
#define SK_SERVE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SK_SERVE_DEFAULT_LISTEN "127.0.0.1:8080"
#define SK_SERVE_DEFAULT_MAX_BODY_MB 64
#define SK_SERVE_PBKDF2_ITERATIONS 300000

typedef struct sk_serve_opts {
    const char *clinic;    /* the clinic library folder (must exist) */
    const char *listen;    /* "ADDR:PORT" or "[ADDR6]:PORT"; NULL: SK_SERVE_DEFAULT_LISTEN;
                              port 0 picks a free port (sk_serve_port) */
    size_t max_body_bytes; /* largest upload request; 0: SK_SERVE_DEFAULT_MAX_BODY_MB MiB */
    double max_megapixels; /* largest photo accepted or thumbnailed; 0: the load default */
    int max_jobs;          /* scoring runs at once; 0: 1 */
    int max_reports;       /* reports rendered at once; 0: 2 */
    int max_imports;       /* uploaded photos decoded at once (others wait); 0: 2 */
    int max_connections;   /* open connections; 0: 64 */
    int jobs;              /* worker threads of a scoring run; 0: number of cores */
    int login_delay_ms;    /* pause after a failed login (grows with repeats); 0: 1000 */
    int log;               /* 1: one line per request on stderr */
} sk_serve_opts_t;

typedef struct sk_server sk_server_t;

void sk_serve_opts_default(sk_serve_opts_t *opts);

/* Start serving in background threads. Refuses (SK_ERR_PERMISSION) a
 * non-loopback address unless the clinic has a password (see
 * sk_serve_set_password); with a password every page needs a login.
 * *out is written only on success; stop with sk_serve_stop. Returns 0 or a
 * negative sk_status with a one-line message: SK_ERR_ARG (bad address),
 * SK_ERR_NOT_FOUND (no clinic), SK_ERR_IO (cannot listen). Call
 * sk_pipeline_init() first. */
int sk_serve_start(const sk_serve_opts_t *opts, sk_server_t **out);

/* The TCP port the server listens on. */
int sk_serve_port(const sk_server_t *srv);

/* Stop accepting, wait for a scoring run in flight to end, release
 * everything. NULL is a no-op. */
void sk_serve_stop(sk_server_t *srv);

/* Set the clinic's access password: writes CLINIC/skintrack.auth (mode
 * 0600, atomically) holding "pbkdf2-sha256$ITERATIONS$SALT$HASH" with a
 * random 16-byte salt; the password itself is never stored. iterations 0:
 * SK_SERVE_PBKDF2_ITERATIONS. The password must be 8..1024 bytes
 * (SK_ERR_ARG otherwise). Returns 0 or a negative sk_status. */
int sk_serve_set_password(const char *clinic, const char *password, unsigned iterations);

/* 1 when the clinic has a password file, 0 when it has none, or a negative
 * sk_status when the file is unreadable or malformed. */
int sk_serve_has_password(const char *clinic);

/* PBKDF2-HMAC-SHA256 (RFC 8018) of a password and salt into out[out_len]. */
void sk_pbkdf2_sha256(const void *password, size_t pw_len, const void *salt, size_t salt_len,
                      unsigned iterations, unsigned char *out, size_t out_len);

#ifdef __cplusplus
}
#endif

#endif /* SK_SERVE_H */
