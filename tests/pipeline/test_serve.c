/* The web app over HTTP: every route and every refusal, spoken to with
 * plain sockets against a server started in-process on a free port. The
 * clinic is a temporary copy of a few sample photos. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vips/vips.h>

#include "skintrack.h"
#include "sk_serve.h"
#include "testutil.h"

#define SAMPLES SK_SOURCE_DIR "/samples/clinic"
#define BIN SK_BINARY_DIR "/skintrack"

static char tmp[256], clinic[512], tmpdir_env[512];
static sk_server_t *srv;
static int port;

/* --------------------------------------------------------------- files */

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *d = malloc((size_t)len + 1);
    if (fread(d, 1, (size_t)len, f) != (size_t)len) {
        free(d);
        d = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return d;
}

static void copy_file(const char *from, const char *to)
{
    size_t n;
    unsigned char *d = slurp(from, &n);
    cr_assert_not_null(d, "cannot read %s", from);
    FILE *f = fopen(to, "wb");
    cr_assert_not_null(f, "cannot write %s", to);
    cr_assert_eq(fwrite(d, 1, n, f), n);
    fclose(f);
    free(d);
}

/* CLINIC/ID/SESSION/VIEW.jpg from the samples (and patient.json). */
static void add_photo(const char *id, const char *session, const char *view)
{
    char src[1024], dst[1024];
    snprintf(dst, sizeof dst, "%s/%s", clinic, id);
    mkdir(dst, 0755);
    snprintf(src, sizeof src, SAMPLES "/%s/patient.json", id);
    snprintf(dst, sizeof dst, "%s/%s/patient.json", clinic, id);
    if (access(src, R_OK) == 0)
        copy_file(src, dst);
    snprintf(dst, sizeof dst, "%s/%s/%s", clinic, id, session);
    mkdir(dst, 0755);
    snprintf(src, sizeof src, SAMPLES "/%s/%s/%s.jpg", id, session, view);
    snprintf(dst, sizeof dst, "%s/%s/%s/%s.jpg", clinic, id, session, view);
    copy_file(src, dst);
}

/* Number of entries of a folder whose name starts with prefix. */
static int count_prefix(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

static int exists(const char *rel)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", clinic, rel);
    return access(p, F_OK) == 0;
}

/* -------------------------------------------------------------- server */

static void start_with(sk_serve_opts_t *o)
{
    o->clinic = clinic;
    if (!o->listen)
        o->listen = "127.0.0.1:0";
    cr_assert_eq(sk_serve_start(o, &srv), SK_OK, "start: %s", sk_error_message());
    port = sk_serve_port(srv);
    cr_assert_gt(port, 0);
}

static void start_default(void)
{
    sk_serve_opts_t o;
    sk_serve_opts_default(&o);
    o.max_body_bytes = 1 << 20;
    o.jobs = 1;
    o.login_delay_ms = 200;
    start_with(&o);
}

static void setup(void)
{
    cr_assert_eq(sk_pipeline_init("test_serve"), SK_OK);
    cr_assert_not_null(sk_test_tmpdir(tmp, sizeof tmp));
    snprintf(clinic, sizeof clinic, "%s/clinic", tmp);
    cr_assert_eq(mkdir(clinic, 0755), 0);
    snprintf(tmpdir_env, sizeof tmpdir_env, "%s/tmp", tmp);
    cr_assert_eq(mkdir(tmpdir_env, 0755), 0);
    setenv("TMPDIR", tmpdir_env, 1); /* where reports are rendered */
    add_photo("P001", "2026-01-12", "cheek-left");
    add_photo("P001", "2026-03-23", "cheek-left");
    srv = NULL;
}

static void teardown(void)
{
    sk_serve_stop(srv);
    srv = NULL;
    sk_test_rmtree(tmp);
}

/* ---------------------------------------------------------- HTTP client */

typedef struct {
    int status;
    char head[16384]; /* status line and headers */
    char *body;
    size_t len;
    double seconds;
} resp_t;

static void resp_free(resp_t *r)
{
    free(r->body);
    r->body = NULL;
}

/* One request on a fresh connection. `headers` are extra lines, each
 * ending in CRLF. A body is sent with its Content-Length unless the
 * headers already carry one. */
static void http(const char *method, const char *path, const char *headers, const void *body,
                 size_t body_len, resp_t *out)
{
    memset(out, 0, sizeof *out);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    struct timeval tv = {120, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0, "connect: %s", strerror(errno));
    char req[8192];
    int n =
        snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s",
                 method, path, port, headers ? headers : "");
    if (body && !(headers && strstr(headers, "Content-Length")))
        n += snprintf(req + n, sizeof req - (size_t)n, "Content-Length: %zu\r\n", body_len);
    n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
    send(fd, req, (size_t)n, MSG_NOSIGNAL);
    if (body) {
        size_t off = 0;
        while (off < body_len) {
            ssize_t k = send(fd, (const char *)body + off, body_len - off, MSG_NOSIGNAL);
            if (k <= 0)
                break; /* the server may refuse before reading it all */
            off += (size_t)k;
        }
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 4096 > cap)
            buf = realloc(buf, cap *= 2);
        ssize_t k = recv(fd, buf + len, cap - len - 1, 0);
        if (k <= 0)
            break;
        len += (size_t)k;
    }
    close(fd);
    buf[len] = '\0';
    clock_gettime(CLOCK_MONOTONIC, &t1);
    out->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    char *sep = strstr(buf, "\r\n\r\n");
    cr_assert_not_null(sep, "no HTTP response to %s %s (%zu bytes)", method, path, len);
    size_t hl = (size_t)(sep - buf);
    cr_assert_lt(hl, sizeof out->head);
    memcpy(out->head, buf, hl);
    out->head[hl] = '\0';
    cr_assert_eq(sscanf(buf, "HTTP/1.%*d %d", &out->status), 1);
    out->len = len - hl - 4;
    out->body = malloc(out->len + 1);
    memcpy(out->body, sep + 4, out->len);
    out->body[out->len] = '\0';
    free(buf);
}

/* The value of a response header (case-insensitive name), or "". */
static const char *header(const resp_t *r, const char *name, char *out, size_t len)
{
    out[0] = '\0';
    const char *p = r->head;
    size_t nl = strlen(name);
    while ((p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            size_t k = strcspn(v, "\r\n");
            snprintf(out, len, "%.*s", (int)k, v);
            return out;
        }
    }
    return out;
}

typedef struct {
    char cookie[128]; /* "sk_session=..." */
    char csrf[64];
} client_t;

/* A session: GET / for the cookie and the page's CSRF token. */
static void client_from(const resp_t *r, client_t *c)
{
    char sc[256];
    header(r, "Set-Cookie", sc, sizeof sc);
    if (sc[0])
        snprintf(c->cookie, sizeof c->cookie, "%.*s", (int)strcspn(sc, ";"), sc);
    const char *m = strstr(r->body, "name=\"csrf-token\" content=\"");
    if (m) {
        m += strlen("name=\"csrf-token\" content=\"");
        snprintf(c->csrf, sizeof c->csrf, "%.*s", (int)strcspn(m, "\""), m);
    }
}

static void client_new(client_t *c, const char *path)
{
    memset(c, 0, sizeof *c);
    resp_t r;
    http("GET", path, NULL, NULL, 0, &r);
    client_from(&r, c);
    resp_free(&r);
    cr_assert(c->cookie[0], "no session cookie");
}

static void with_cookie(const client_t *c, char *h, size_t len, const char *more)
{
    snprintf(h, len, "Cookie: %s\r\n%s", c->cookie, more ? more : "");
}

/* multipart/form-data: fields then files. */
typedef struct {
    char *data;
    size_t len, cap;
} mp_t;

static void mp_add(mp_t *m, const void *d, size_t n)
{
    if (m->len + n > m->cap) {
        m->cap = (m->len + n) * 2 + 1024;
        m->data = realloc(m->data, m->cap);
    }
    memcpy(m->data + m->len, d, n);
    m->len += n;
}

#define BOUNDARY "----sktestboundary7MA4YWxk"

static void mp_field(mp_t *m, const char *name, const char *value)
{
    char h[512];
    int n = snprintf(h, sizeof h,
                     "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n",
                     name, value);
    mp_add(m, h, (size_t)n);
}

static void mp_file(mp_t *m, const char *filename, const void *d, size_t len)
{
    char h[512];
    int n = snprintf(h, sizeof h,
                     "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"files\"; "
                     "filename=\"%s\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                     filename);
    mp_add(m, h, (size_t)n);
    mp_add(m, d, len);
    mp_add(m, "\r\n", 2);
}

static void mp_end(mp_t *m)
{
    mp_add(m, "--" BOUNDARY "--\r\n", strlen("--" BOUNDARY "--\r\n"));
}

static void upload(const client_t *c, mp_t *m, const char *extra, resp_t *r)
{
    char h[1024];
    snprintf(h, sizeof h,
             "Cookie: %s\r\nAccept: application/json\r\nContent-Type: multipart/form-data; "
             "boundary=" BOUNDARY "\r\n%s",
             c->cookie, extra ? extra : "");
    http("POST", "/upload", h, m->data, m->len, r);
}

static unsigned char *sample_jpeg(size_t *n)
{
    unsigned char *d = slurp(SAMPLES "/P001/2026-02-16/cheek-left.jpg", n);
    cr_assert_not_null(d);
    return d;
}

/* Nothing the upload staged is left in the clinic. */
static void assert_no_staging(void)
{
    cr_assert_eq(count_prefix(clinic, ".skintrack-upload-"), 0, "a temporary upload was left");
}

/* ------------------------------------------------------------- general */

TestSuite(serve, .init = setup, .fini = teardown, .timeout = 600);

Test(serve, patient_list_and_security_headers)
{
    start_default();
    resp_t r;
    http("GET", "/", NULL, NULL, 0, &r);
    char h[512];
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "href=\"/p/P001\""), "%s", r.body);
    cr_assert(strstr(r.body, "<table id=\"patients\""));
    cr_assert(strstr(header(&r, "Content-Security-Policy", h, sizeof h), "default-src 'self'"));
    cr_assert_str_eq(header(&r, "X-Content-Type-Options", h, sizeof h), "nosniff");
    cr_assert_str_eq(header(&r, "Cache-Control", h, sizeof h), "no-store");
    header(&r, "Set-Cookie", h, sizeof h);
    cr_assert(strstr(h, "HttpOnly") && strstr(h, "SameSite=Strict"), "%s", h);
    /* no inline script or style anywhere: everything comes from /static */
    cr_assert_null(strstr(r.body, "<script>"));
    cr_assert_null(strstr(r.body, "<style"));
    cr_assert_null(strstr(r.body, " style="));
    cr_assert_null(strstr(r.body, "http://"), "an external resource: %s", r.body);
    resp_free(&r);
    /* HEAD gives the headers only */
    http("HEAD", "/", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_eq(r.len, 0);
    resp_free(&r);
}

Test(serve, static_assets_and_no_directory_listing)
{
    start_default();
    resp_t r;
    char h[512];
    http("GET", "/static/app.css", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(header(&r, "Content-Type", h, sizeof h), "text/css"));
    cr_assert(strstr(header(&r, "Content-Security-Policy", h, sizeof h), "default-src 'self'"));
    resp_free(&r);
    http("GET", "/static/app.js", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(header(&r, "Content-Type", h, sizeof h), "javascript"));
    cr_assert(strstr(r.body, "XMLHttpRequest"));
    resp_free(&r);
    http("GET", "/static/icon.svg", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    resp_free(&r);
    static const char *const refused[] = {
        "/static/",       "/static",      "/P001/",       "/P001/2026-01-12/cheek-left.jpg",
        "/skintrack.db",  "/static/../",  "/p/",          "/nothing-here",
        "/p/P001/thumb/", "/static/x.js", "/p/P001/x/y/z"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        http("GET", refused[i], NULL, NULL, 0, &r);
        cr_assert_eq(r.status, 404, "%s gave %d", refused[i], r.status);
        cr_assert(strstr(r.body, "404"));
        cr_assert(strstr(header(&r, "Content-Security-Policy", h, sizeof h), "default-src"));
        resp_free(&r);
    }
}

Test(serve, wrong_methods_are_405)
{
    start_default();
    resp_t r;
    char h[128];
    static const char *const cases[][2] = {{"DELETE", "/"},      {"PUT", "/upload"},
                                           {"POST", "/"},        {"POST", "/p/P001"},
                                           {"GET", "/logout"},   {"POST", "/p/P001/report.pdf"},
                                           {"PATCH", "/p/P001"}, {"OPTIONS", "/static/app.js"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        http(cases[i][0], cases[i][1], "Accept: application/json\r\n", "", 0, &r);
        cr_assert_eq(r.status, 405, "%s %s gave %d", cases[i][0], cases[i][1], r.status);
        cr_assert(strstr(r.body, "\"error\""), "%s", r.body);
        cr_assert(header(&r, "Allow", h, sizeof h)[0]);
        resp_free(&r);
    }
}

Test(serve, foreign_host_and_origin_are_refused)
{
    start_default();
    resp_t r;
    http("GET", "/", "Host: evil.example\r\n", NULL, 0, &r);
    /* our own Host line comes first; MHD keeps the first: send a raw one */
    resp_free(&r);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    const char *req =
        "GET / HTTP/1.1\r\nHost: rebind.evil.example:8080\r\nConnection: close\r\n\r\n";
    send(fd, req, strlen(req), MSG_NOSIGNAL);
    char buf[4096] = "";
    ssize_t k = recv(fd, buf, sizeof buf - 1, MSG_WAITALL);
    close(fd);
    cr_assert_gt(k, 12);
    cr_assert(strncmp(buf + 9, "403", 3) == 0, "%.40s", buf);

    client_t c;
    client_new(&c, "/");
    char h[512];
    snprintf(h, sizeof h, "Cookie: %s\r\nX-CSRF-Token: %s\r\nOrigin: http://evil.example\r\n",
             c.cookie, c.csrf);
    http("POST", "/p/P001/score", h, "", 0, &r);
    cr_assert_eq(r.status, 403);
    resp_free(&r);
}

/* -------------------------------------------------------- patient page */

Test(serve, patient_page_and_hostile_ids)
{
    start_default();
    resp_t r;
    http("GET", "/p/P001", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "2026-01-12") && strstr(r.body, "2026-03-23"));
    cr_assert(strstr(r.body, "/p/P001/thumb/2026-01-12/cheek-left.jpg"));
    cr_assert(strstr(r.body, "not scored yet"), "the new photos are flagged");
    cr_assert(strstr(r.body, "id=\"score-form\""));
    resp_free(&r);
    http("GET", "/p/P404", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 404);
    resp_free(&r);
    static const char *const hostile[] = {"/p/..%2Fx",  "/p/../x",
                                          "/p/.hidden", "/p/a%20b",
                                          "/p/%2e%2e",  "/p/..%2F..%2Fetc%2Fpasswd/report.pdf"};
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        http("GET", hostile[i], NULL, NULL, 0, &r);
        cr_assert(r.status == 400 || r.status == 404, "%s gave %d", hostile[i], r.status);
        cr_assert_null(strstr(r.body, "root:"), "%s", hostile[i]);
        resp_free(&r);
    }
    http("GET", "/p/..%2Fx", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 400);
    cr_assert(strstr(r.body, "not a patient id"), "%s", r.body);
    resp_free(&r);
}

Test(serve, thumbnails_are_small_jpegs)
{
    start_default();
    resp_t r;
    char h[256];
    http("GET", "/p/P001/thumb/2026-01-12/cheek-left.jpg", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(header(&r, "Content-Type", h, sizeof h), "image/jpeg");
    cr_assert(r.len > 100 && (unsigned char)r.body[0] == 0xff && (unsigned char)r.body[1] == 0xd8);
    VipsImage *im = vips_image_new_from_buffer(r.body, r.len, "", NULL);
    cr_assert_not_null(im);
    cr_assert_leq(vips_image_get_width(im), 340);
    cr_assert_leq(vips_image_get_height(im), 340);
    g_object_unref(im);
    /* a second request comes from the cache, same bytes */
    resp_t r2;
    http("GET", "/p/P001/thumb/2026-01-12/cheek-left.jpg", NULL, NULL, 0, &r2);
    cr_assert_eq(r2.len, r.len);
    cr_assert_eq(memcmp(r2.body, r.body, r.len), 0);
    resp_free(&r);
    resp_free(&r2);
    http("GET", "/p/P001/thumb/2026-01-12/front.jpg", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 404);
    resp_free(&r);
    http("GET", "/p/P001/thumb/2026-02-30/cheek-left.jpg", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 400);
    resp_free(&r);
    http("GET", "/p/P001/thumb/2026-01-12/..%2F..%2Fpatient.json", NULL, NULL, 0, &r);
    cr_assert(r.status == 400 || r.status == 404, "%d", r.status);
    resp_free(&r);
}

Test(serve, upload_page_has_the_form)
{
    start_default();
    resp_t r;
    http("GET", "/upload?patient=P001", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "enctype=\"multipart/form-data\""));
    cr_assert(strstr(r.body, "name=\"csrf\""));
    cr_assert(strstr(r.body, "value=\"P001\""));
    cr_assert(strstr(r.body, "multiple"));
    resp_free(&r);
}

/* --------------------------------------------------------------- upload */

Test(serve, upload_imports_through_sk_import_file)
{
    start_default();
    client_t c;
    client_new(&c, "/upload");
    size_t n;
    unsigned char *jpg = sample_jpeg(&n);
    mp_t m = {0};
    mp_field(&m, "csrf", c.csrf);
    mp_field(&m, "patient", "P777");
    mp_field(&m, "date", "2026-05-01");
    mp_field(&m, "label", "followup");
    mp_field(&m, "view", "");
    mp_file(&m, "front.jpg", jpg, n);
    mp_file(&m, "left.jpg", jpg, n);
    mp_end(&m);
    resp_t r;
    upload(&c, &m, NULL, &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(strstr(r.body, "\"path\":\"P777/2026-05-01-followup/front.jpg\""), "%s", r.body);
    cr_assert(exists("P777/2026-05-01-followup/front.jpg"));
    cr_assert(exists("P777/2026-05-01-followup/left.jpg"));
    assert_no_staging();
    resp_free(&r);
    /* the same again: no overwrite without replace (409) */
    upload(&c, &m, NULL, &r);
    cr_assert_eq(r.status, 409, "%s", r.body);
    cr_assert(strstr(r.body, "already exists"), "%s", r.body);
    cr_assert_null(strstr(r.body, clinic), "the server's folders are not shown: %s", r.body);
    resp_free(&r);
    assert_no_staging();
    free(m.data);

    /* the script-free form gets a page with the outcome per file */
    mp_t m1 = {0};
    mp_field(&m1, "csrf", c.csrf);
    mp_field(&m1, "patient", "P777");
    mp_field(&m1, "date", "2026-05-02");
    mp_file(&m1, "front.jpg", jpg, n);
    mp_end(&m1);
    char h[512];
    snprintf(h, sizeof h,
             "Cookie: %s\r\nAccept: text/html\r\nContent-Type: multipart/form-data; "
             "boundary=" BOUNDARY "\r\n",
             c.cookie);
    http("POST", "/upload", h, m1.data, m1.len, &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(strstr(r.body, "<!DOCTYPE html>"));
    cr_assert(strstr(r.body, "imported P777/2026-05-02/front.jpg"), "%s", r.body);
    resp_free(&r);
    free(m1.data);

    /* one file with a chosen view; the CSRF token in a header this time */
    mp_t m2 = {0};
    mp_field(&m2, "patient", "P777");
    mp_field(&m2, "date", "2026-05-01");
    mp_field(&m2, "view", "cheek-right");
    mp_file(&m2, "IMG 0001.JPG", jpg, n);
    mp_end(&m2);
    char extra[128];
    snprintf(extra, sizeof extra, "X-CSRF-Token: %s\r\n", c.csrf);
    upload(&c, &m2, extra, &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(exists("P777/2026-05-01/cheek-right.jpg"));
    resp_free(&r);
    free(m2.data);
    free(jpg);
}

Test(serve, upload_without_csrf_is_403_and_writes_nothing)
{
    start_default();
    client_t c;
    client_new(&c, "/upload");
    size_t n;
    unsigned char *jpg = sample_jpeg(&n);
    resp_t r;
    /* no token at all */
    mp_t m = {0};
    mp_field(&m, "patient", "P778");
    mp_field(&m, "date", "2026-05-01");
    mp_file(&m, "front.jpg", jpg, n);
    mp_end(&m);
    upload(&c, &m, NULL, &r);
    cr_assert_eq(r.status, 403, "%s", r.body);
    cr_assert(strstr(r.body, "CSRF"), "%s", r.body);
    resp_free(&r);
    /* a wrong header token */
    upload(&c, &m, "X-CSRF-Token: forged\r\n", &r);
    cr_assert_eq(r.status, 403);
    resp_free(&r);
    free(m.data);
    /* a wrong field token */
    mp_t m2 = {0};
    mp_field(&m2, "csrf", "forged-token");
    mp_field(&m2, "patient", "P778");
    mp_field(&m2, "date", "2026-05-01");
    mp_file(&m2, "front.jpg", jpg, n);
    mp_end(&m2);
    upload(&c, &m2, NULL, &r);
    cr_assert_eq(r.status, 403);
    resp_free(&r);
    /* the right token of another session */
    client_t other;
    client_new(&other, "/");
    mp_t m3 = {0};
    mp_field(&m3, "csrf", other.csrf);
    mp_field(&m3, "patient", "P778");
    mp_field(&m3, "date", "2026-05-01");
    mp_file(&m3, "front.jpg", jpg, n);
    mp_end(&m3);
    upload(&c, &m3, NULL, &r);
    cr_assert_eq(r.status, 403);
    resp_free(&r);
    /* no cookie at all */
    client_t none = {0};
    snprintf(none.cookie, sizeof none.cookie, "x=y");
    upload(&none, &m3, NULL, &r);
    cr_assert_eq(r.status, 403);
    resp_free(&r);
    cr_assert_not(exists("P778"));
    assert_no_staging();
    free(m2.data);
    free(m3.data);
    free(jpg);
}

Test(serve, oversized_upload_is_413)
{
    start_default(); /* 1 MiB cap */
    client_t c;
    client_new(&c, "/upload");
    resp_t r;
    char h[512];
    /* announced too large: refused from the headers, body never read */
    snprintf(h, sizeof h,
             "Cookie: %s\r\nAccept: application/json\r\nX-CSRF-Token: %s\r\nContent-Type: "
             "multipart/form-data; boundary=" BOUNDARY "\r\nContent-Length: %d\r\n",
             c.cookie, c.csrf, 5 << 20);
    http("POST", "/upload", h, NULL, 0, &r);
    cr_assert_eq(r.status, 413, "%s", r.body);
    cr_assert(strstr(r.body, "limit"), "%s", r.body);
    resp_free(&r);
    /* a real body over the cap */
    size_t big = (1 << 20) + 4096;
    unsigned char *junk = calloc(1, big);
    mp_t m = {0};
    mp_field(&m, "csrf", c.csrf);
    mp_field(&m, "patient", "P779");
    mp_field(&m, "date", "2026-05-01");
    mp_file(&m, "front.jpg", junk, big);
    mp_end(&m);
    upload(&c, &m, NULL, &r);
    cr_assert_eq(r.status, 413, "%s", r.body);
    resp_free(&r);
    cr_assert_not(exists("P779"));
    assert_no_staging();
    free(m.data);
    free(junk);
    /* an urlencoded form over its own small cap */
    snprintf(h, sizeof h,
             "Cookie: %s\r\nAccept: application/json\r\nContent-Type: "
             "application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n",
             c.cookie);
    http("POST", "/login", h, NULL, 0, &r);
    cr_assert_eq(r.status, 413);
    resp_free(&r);
}

Test(serve, hostile_names_in_upload_are_400)
{
    start_default();
    client_t c;
    client_new(&c, "/upload");
    size_t n;
    unsigned char *jpg = sample_jpeg(&n);
    static const char *const cases[][3] = {
        /* patient, date, view */
        {"../x", "2026-05-01", ""},
        {"..", "2026-05-01", ""},
        {".hidden", "2026-05-01", ""},
        {"P1/../../x", "2026-05-01", ""},
        {"P780", "2026-02-30", ""},
        {"P780", "../2026-05-01", ""},
        {"P780", "2026-05-01", "../../front"},
        {"P780", "2026-05-01", "front.mask"},
        {"", "2026-05-01", ""},
        {"skintrack.auth", "2026-05-01", ""},
        {"skintrack.db", "2026-05-01", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mp_t m = {0};
        mp_field(&m, "csrf", c.csrf);
        mp_field(&m, "patient", cases[i][0]);
        mp_field(&m, "date", cases[i][1]);
        mp_field(&m, "view", cases[i][2]);
        mp_file(&m, "front.jpg", jpg, n);
        mp_end(&m);
        resp_t r;
        upload(&c, &m, NULL, &r);
        cr_assert_eq(r.status, 400, "case %zu gave %d: %s", i, r.status, r.body);
        cr_assert(strstr(r.body, "\"error\""));
        resp_free(&r);
        free(m.data);
    }
    /* a file name that is not a view, with no view chosen */
    mp_t m = {0};
    mp_field(&m, "csrf", c.csrf);
    mp_field(&m, "patient", "P780");
    mp_field(&m, "date", "2026-05-01");
    mp_file(&m, "../../evil name.jpg", jpg, n);
    mp_end(&m);
    resp_t r;
    upload(&c, &m, NULL, &r);
    cr_assert_eq(r.status, 400, "%s", r.body);
    cr_assert(strstr(r.body, "not a view name"), "%s", r.body);
    resp_free(&r);
    free(m.data);
    cr_assert_not(exists("P780"));
    char outside[600];
    snprintf(outside, sizeof outside, "%s/x", tmp);
    cr_assert_neq(access(outside, F_OK), 0);
    assert_no_staging();
    free(jpg);
}

Test(serve, non_image_upload_is_415)
{
    start_default();
    client_t c;
    client_new(&c, "/upload");
    resp_t r;
    static const char text[] = "this is not a photo, just text pretending to be a JPEG\n";
    mp_t m = {0};
    mp_field(&m, "csrf", c.csrf);
    mp_field(&m, "patient", "P781");
    mp_field(&m, "date", "2026-05-01");
    mp_file(&m, "front.jpg", text, sizeof text - 1);
    mp_end(&m);
    upload(&c, &m, NULL, &r);
    cr_assert_eq(r.status, 415, "%s", r.body);
    cr_assert(strstr(r.body, "front.jpg"), "the message names the client's file: %s", r.body);
    cr_assert_null(strstr(r.body, ".skintrack-upload-"), "no temporary name leaks: %s", r.body);
    resp_free(&r);
    free(m.data);
    /* a truncated JPEG is refused too */
    size_t n;
    unsigned char *jpg = sample_jpeg(&n);
    mp_t m2 = {0};
    mp_field(&m2, "csrf", c.csrf);
    mp_field(&m2, "patient", "P781");
    mp_field(&m2, "date", "2026-05-01");
    mp_file(&m2, "front.jpg", jpg, n / 3);
    mp_end(&m2);
    upload(&c, &m2, NULL, &r);
    cr_assert_eq(r.status, 415, "%s", r.body);
    resp_free(&r);
    free(m2.data);
    free(jpg);
    cr_assert_not(exists("P781/2026-05-01/front.jpg"));
    assert_no_staging();
    /* not multipart at all */
    char h[512];
    snprintf(h, sizeof h,
             "Cookie: %s\r\nAccept: application/json\r\nX-CSRF-Token: %s\r\nContent-Type: "
             "application/octet-stream\r\n",
             c.cookie, c.csrf);
    http("POST", "/upload", h, text, sizeof text - 1, &r);
    cr_assert_eq(r.status, 415);
    resp_free(&r);
    /* multipart without a file */
    mp_t m3 = {0};
    mp_field(&m3, "csrf", c.csrf);
    mp_field(&m3, "patient", "P781");
    mp_field(&m3, "date", "2026-05-01");
    mp_end(&m3);
    upload(&c, &m3, NULL, &r);
    cr_assert_eq(r.status, 400, "%s", r.body);
    resp_free(&r);
    free(m3.data);
}

/* -------------------------------------------------- scoring and reports */

static void wait_done(const client_t *c, const char *id, char *last, size_t len)
{
    char path[128], h[256];
    snprintf(path, sizeof path, "/p/%s/score", id);
    with_cookie(c, h, sizeof h, "Accept: application/json\r\n");
    for (int i = 0; i < 3000; i++) {
        resp_t r;
        http("GET", path, h, NULL, 0, &r);
        cr_assert_eq(r.status, 200);
        snprintf(last, len, "%s", r.body);
        int running = strstr(r.body, "\"state\":\"running\"") != NULL;
        resp_free(&r);
        if (!running)
            return;
        usleep(200000);
    }
    cr_assert_fail("scoring did not finish: %s", last);
}

Test(serve, score_now_then_report)
{
    start_default();
    client_t c;
    client_new(&c, "/p/P001");
    resp_t r;
    char h[512], last[1024];
    /* before scoring: idle status, and no report */
    with_cookie(&c, h, sizeof h, "Accept: application/json\r\n");
    http("GET", "/p/P001/score", h, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "\"state\":\"idle\""), "%s", r.body);
    resp_free(&r);
    http("GET", "/p/P001/report.pdf", h, NULL, 0, &r);
    cr_assert_eq(r.status, 404, "%s", r.body);
    resp_free(&r);
    /* CSRF missing */
    http("POST", "/p/P001/score", h, "", 0, &r);
    cr_assert_eq(r.status, 403);
    resp_free(&r);
    /* unknown patient */
    snprintf(h, sizeof h, "Cookie: %s\r\nAccept: application/json\r\nX-CSRF-Token: %s\r\n",
             c.cookie, c.csrf);
    http("POST", "/p/P404/score", h, "", 0, &r);
    cr_assert_eq(r.status, 404);
    resp_free(&r);
    /* start */
    http("POST", "/p/P001/score", h, "", 0, &r);
    cr_assert_eq(r.status, 202, "%s", r.body);
    cr_assert(strstr(r.body, "\"planned\":2"), "%s", r.body);
    resp_free(&r);
    wait_done(&c, "P001", last, sizeof last);
    cr_assert(strstr(last, "\"state\":\"done\""), "%s", last);
    cr_assert(strstr(last, "\"scored\":2"), "%s", last);
    cr_assert(strstr(last, "\"aligned\":1"), "the follow-up aligned: %s", last);
    /* the page now has the metric table and the charts */
    http("GET", "/p/P001", h, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "<svg class=\"chart\""), "no trend chart");
    cr_assert(strstr(r.body, "class=\"metrics\""));
    cr_assert(strstr(r.body, "Change vs baseline"));
    /* scoring also aligned the follow-up: the table and the charts say so */
    cr_assert(strstr(r.body, "Aligned: the latest photo"), "no aligned table");
    cr_assert(strstr(r.body, "since the baseline, aligned"), "no aligned trend chart");
    resp_free(&r);
    http("GET", "/", h, NULL, 0, &r);
    cr_assert(strstr(r.body, "→"), "a headline change: %s", r.body);
    resp_free(&r);
    /* the report, streamed from a temporary file that is already gone */
    http("GET", "/p/P001/report.pdf", h, NULL, 0, &r);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(header(&r, "Content-Type", h, sizeof h), "application/pdf");
    cr_assert(strstr(header(&r, "Content-Disposition", h, sizeof h), "attachment"));
    cr_assert(r.len > 1000 && memcmp(r.body, "%PDF", 4) == 0);
    resp_free(&r);
    cr_assert_eq(count_prefix(tmpdir_env, "skintrack-report-"), 0, "report left on disk");
    /* a non-JS form post redirects back to the page */
    char body[128];
    snprintf(body, sizeof body, "csrf=%s", c.csrf);
    snprintf(h, sizeof h, "Cookie: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n",
             c.cookie);
    http("POST", "/p/P001/score", h, body, strlen(body), &r);
    cr_assert_eq(r.status, 303, "%s", r.body);
    cr_assert_str_eq(header(&r, "Location", h, sizeof h), "/p/P001");
    resp_free(&r);
    wait_done(&c, "P001", last, sizeof last);
    cr_assert(strstr(last, "\"skipped\":2"), "unchanged photos are skipped: %s", last);
}

Test(serve, concurrent_scoring_runs_are_limited)
{
    add_photo("P002", "2026-01-12", "cheek-left");
    start_default(); /* one run at a time */
    client_t c;
    client_new(&c, "/");
    resp_t r;
    char h[512], last[1024];
    snprintf(h, sizeof h, "Cookie: %s\r\nAccept: application/json\r\nX-CSRF-Token: %s\r\n",
             c.cookie, c.csrf);
    http("POST", "/p/P001/score", h, "", 0, &r);
    cr_assert_eq(r.status, 202, "%s", r.body);
    resp_free(&r);
    /* the same patient again: the run in flight */
    http("POST", "/p/P001/score", h, "", 0, &r);
    cr_assert(r.status == 202, "%d %s", r.status, r.body);
    resp_free(&r);
    http("POST", "/p/P002/score", h, "", 0, &r);
    int busy = r.status;
    char ra[64];
    header(&r, "Retry-After", ra, sizeof ra);
    resp_free(&r);
    wait_done(&c, "P001", last, sizeof last);
    /* unless P001's run already ended (it is short), P002 had to wait */
    if (strstr(last, "\"state\":\"done\"") && busy != 202) {
        cr_assert_eq(busy, 429);
        cr_assert(ra[0], "Retry-After on 429");
    }
    http("POST", "/p/P002/score", h, "", 0, &r);
    cr_assert_eq(r.status, 202, "%s", r.body);
    resp_free(&r);
    wait_done(&c, "P002", last, sizeof last);
}

Test(serve, concurrent_reports_are_limited)
{
    sk_serve_opts_t o;
    sk_serve_opts_default(&o);
    o.max_reports = 1;
    o.jobs = 1;
    start_with(&o);
    client_t c;
    client_new(&c, "/");
    char h[512], last[1024];
    snprintf(h, sizeof h, "Cookie: %s\r\nAccept: application/json\r\nX-CSRF-Token: %s\r\n",
             c.cookie, c.csrf);
    resp_t r;
    http("POST", "/p/P001/score", h, "", 0, &r);
    resp_free(&r);
    wait_done(&c, "P001", last, sizeof last);
    /* two reports at once from two threads: at most one is made */
    pid_t pid = fork();
    if (pid == 0) {
        http("GET", "/p/P001/report.pdf", h, NULL, 0, &r);
        _exit(r.status == 200 ? 0 : r.status == 429 ? 1 : 2);
    }
    http("GET", "/p/P001/report.pdf", h, NULL, 0, &r);
    int st = 0;
    waitpid(pid, &st, 0);
    int child = WIFEXITED(st) ? WEXITSTATUS(st) : 3;
    cr_assert(r.status == 200 || r.status == 429, "%d", r.status);
    cr_assert(child == 0 || child == 1, "child %d", child);
    cr_assert(r.status == 200 || child == 0, "one of the two is made");
    resp_free(&r);
}

/* ---------------------------------------------------------------- login */

static void set_pw(void)
{
    cr_assert_eq(sk_serve_set_password(clinic, "correct horse battery", 1000), SK_OK, "%s",
                 sk_error_message());
}

Test(serve, password_file_is_salted_hash)
{
    set_pw();
    char path[600];
    snprintf(path, sizeof path, "%s/skintrack.auth", clinic);
    size_t n;
    unsigned char *d = slurp(path, &n);
    cr_assert_not_null(d);
    d[n] = 0;
    cr_assert_null(strstr((char *)d, "correct horse"), "the password is stored in plain text");
    cr_assert(strncmp((char *)d, "pbkdf2-sha256$1000$", 19) == 0, "%s", d);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    /* a second setting gets another salt */
    set_pw();
    size_t n2;
    unsigned char *d2 = slurp(path, &n2);
    cr_assert(n2 != n || memcmp(d, d2, n) != 0, "same salt twice");
    free(d);
    free(d2);
    cr_assert_eq(sk_serve_set_password(clinic, "short", 1000), SK_ERR_ARG);
    cr_assert_eq(sk_serve_has_password(clinic), 1);
    cr_assert_eq(count_prefix(clinic, ".skintrack.auth"), 0);
}

Test(serve, pbkdf2_matches_rfc_7914)
{
    static const unsigned char want[64] = {
        0x55, 0xac, 0x04, 0x6e, 0x56, 0xe3, 0x08, 0x9f, 0xec, 0x16, 0x91, 0xc2, 0x25,
        0x44, 0xb6, 0x05, 0xf9, 0x41, 0x85, 0x21, 0x6d, 0xde, 0x04, 0x65, 0xe6, 0x8b,
        0x9d, 0x57, 0xc2, 0x0d, 0xac, 0xbc, 0x49, 0xca, 0x9c, 0xcc, 0xf1, 0x79, 0xb6,
        0x45, 0x99, 0x16, 0x64, 0xb3, 0x9d, 0x77, 0xef, 0x31, 0x7c, 0x71, 0xb8, 0x45,
        0xb1, 0xe3, 0x0b, 0xd5, 0x09, 0x11, 0x20, 0x41, 0xd3, 0xa1, 0x97, 0x83};
    unsigned char got[64];
    sk_pbkdf2_sha256("passwd", 6, "salt", 4, 1, got, sizeof got);
    cr_assert_eq(memcmp(got, want, 64), 0);
    /* hashlib.pbkdf2_hmac('sha256', b'password', b'salt', 4096, 32) */
    static const unsigned char want2[32] = {0xc5, 0xe4, 0x78, 0xd5, 0x92, 0x88, 0xc8, 0x41,
                                            0xaa, 0x53, 0x0d, 0xb6, 0x84, 0x5c, 0x4c, 0x8d,
                                            0x96, 0x28, 0x93, 0xa0, 0x01, 0xce, 0x4e, 0x11,
                                            0xa4, 0x96, 0x38, 0x73, 0xaa, 0x98, 0x13, 0x4a};
    sk_pbkdf2_sha256("password", 8, "salt", 4, 4096, got, 32);
    cr_assert_eq(memcmp(got, want2, 32), 0);
}

Test(serve, login_session_cookie_and_slow_wrong_password)
{
    set_pw();
    start_default();
    resp_t r;
    char h[512];
    /* everything but the login page and static files wants a login */
    http("GET", "/", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 303);
    cr_assert_str_eq(header(&r, "Location", h, sizeof h), "/login");
    resp_free(&r);
    http("GET", "/p/P001/score", "Accept: application/json\r\n", NULL, 0, &r);
    cr_assert_eq(r.status, 401);
    resp_free(&r);
    http("GET", "/p/P001/thumb/2026-01-12/cheek-left.jpg", NULL, NULL, 0, &r);
    cr_assert(r.status == 303 || r.status == 401, "%d", r.status);
    resp_free(&r);
    http("GET", "/static/app.css", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    resp_free(&r);

    client_t c;
    client_new(&c, "/login");
    cr_assert(c.csrf[0]);
    char body[256];
    snprintf(h, sizeof h, "Cookie: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n",
             c.cookie);
    /* no CSRF token */
    snprintf(body, sizeof body, "password=correct+horse+battery");
    http("POST", "/login", h, body, strlen(body), &r);
    cr_assert_eq(r.status, 403);
    resp_free(&r);
    /* wrong password: refused, and slowly */
    snprintf(body, sizeof body, "csrf=%s&password=wrong+horse", c.csrf);
    http("POST", "/login", h, body, strlen(body), &r);
    cr_assert_eq(r.status, 403);
    cr_assert(strstr(r.body, "Wrong password"));
    cr_assert_geq(r.seconds, 0.19, "a failed login answered in %.3f s", r.seconds);
    resp_free(&r);
    /* the session is still not logged in */
    with_cookie(&c, h, sizeof h, NULL);
    http("GET", "/", h, NULL, 0, &r);
    cr_assert_eq(r.status, 303);
    resp_free(&r);
    /* right password: a new session cookie */
    snprintf(h, sizeof h, "Cookie: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n",
             c.cookie);
    snprintf(body, sizeof body, "csrf=%s&password=correct+horse+battery", c.csrf);
    http("POST", "/login", h, body, strlen(body), &r);
    cr_assert_eq(r.status, 303, "%s", r.body);
    cr_assert_str_eq(header(&r, "Location", h, sizeof h), "/");
    client_t in = {0};
    client_from(&r, &in);
    resp_free(&r);
    cr_assert(in.cookie[0] && strcmp(in.cookie, c.cookie) != 0, "the session id changes");
    header(&r, "Set-Cookie", h, sizeof h);
    with_cookie(&in, h, sizeof h, NULL);
    http("GET", "/", h, NULL, 0, &r);
    cr_assert_eq(r.status, 200);
    cr_assert(strstr(r.body, "Log out"));
    client_from(&r, &in);
    resp_free(&r);
    /* the old cookie is worth nothing */
    with_cookie(&c, h, sizeof h, NULL);
    http("GET", "/p/P001", h, NULL, 0, &r);
    cr_assert_eq(r.status, 303);
    resp_free(&r);
    /* log out */
    snprintf(h, sizeof h, "Cookie: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n",
             in.cookie);
    snprintf(body, sizeof body, "csrf=%s", in.csrf);
    http("POST", "/logout", h, body, strlen(body), &r);
    cr_assert_eq(r.status, 303);
    resp_free(&r);
    with_cookie(&in, h, sizeof h, NULL);
    http("GET", "/", h, NULL, 0, &r);
    cr_assert_eq(r.status, 303);
    resp_free(&r);
}

Test(serve, repeated_wrong_passwords_are_429)
{
    set_pw();
    sk_serve_opts_t o;
    sk_serve_opts_default(&o);
    o.login_delay_ms = 5;
    start_with(&o);
    client_t c;
    client_new(&c, "/login");
    char h[512], body[256];
    snprintf(h, sizeof h, "Cookie: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n",
             c.cookie);
    snprintf(body, sizeof body, "csrf=%s&password=guess", c.csrf);
    int last = 0;
    for (int i = 0; i < 12; i++) {
        resp_t r;
        http("POST", "/login", h, body, strlen(body), &r);
        last = r.status;
        resp_free(&r);
        if (i < 10)
            cr_assert_eq(last, 403, "attempt %d", i);
    }
    cr_assert_eq(last, 429);
    /* even the right password waits out the window */
    snprintf(body, sizeof body, "csrf=%s&password=correct+horse+battery", c.csrf);
    resp_t r;
    http("POST", "/login", h, body, strlen(body), &r);
    cr_assert_eq(r.status, 429);
    resp_free(&r);
}

/* ------------------------------------------------------------ listening */

Test(serve, non_loopback_needs_a_password)
{
    sk_serve_opts_t o;
    sk_serve_opts_default(&o);
    o.clinic = clinic;
    o.listen = "0.0.0.0:0";
    sk_server_t *s = NULL;
    cr_assert_eq(sk_serve_start(&o, &s), SK_ERR_PERMISSION);
    cr_assert_null(s);
    cr_assert(strstr(sk_error_message(), "--set-password"), "%s", sk_error_message());
    set_pw();
    cr_assert_eq(sk_serve_start(&o, &s), SK_OK, "%s", sk_error_message());
    cr_assert_gt(sk_serve_port(s), 0);
    sk_serve_stop(s);
    /* bad addresses */
    static const char *const bad[] = {"",        "8080",      "127.0.0.1",  "127.0.0.1:99999",
                                      "host:80", "[::1]8080", "127.0.0.1:x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.listen = bad[i];
        cr_assert_eq(sk_serve_start(&o, &s), SK_ERR_ARG, "'%s'", bad[i]);
    }
    o.listen = "127.0.0.1:0";
    o.clinic = "/nonexistent/clinic";
    cr_assert_eq(sk_serve_start(&o, &s), SK_ERR_NOT_FOUND);
}

Test(serve, command_line)
{
    char *const a1[] = {"skintrack", "serve", NULL};
    sk_test_run_t *r = malloc(sizeof *r);
    sk_test_run(BIN, a1, 30, r);
    cr_assert_eq(r->status, 2, "%s", r->err);
    char *const a2[] = {"skintrack", "serve", clinic, "--listen", "0.0.0.0:0", NULL};
    sk_test_run(BIN, a2, 30, r);
    cr_assert_eq(r->status, 1, "%s", r->err);
    cr_assert(strstr(r->err, "loopback"), "%s", r->err);
    char *const a3[] = {"skintrack", "serve", clinic, "--set-password", NULL};
    sk_test_run(BIN, a3, 30, r); /* standard input is /dev/null */
    cr_assert_eq(r->status, 1, "%s", r->err);
    char *const a4[] = {"skintrack", "serve", "--help", NULL};
    sk_test_run(BIN, a4, 30, r);
    cr_assert_eq(r->status, 0);
    cr_assert(strstr(r->out, "--set-password"));
    free(r);
}

Test(serve, pixel_limit_is_413)
{
    sk_serve_opts_t o;
    sk_serve_opts_default(&o);
    o.max_megapixels = 0.5; /* the samples have 1.08 megapixels */
    start_with(&o);
    client_t c;
    client_new(&c, "/upload");
    size_t n;
    unsigned char *jpg = sample_jpeg(&n);
    mp_t m = {0};
    mp_field(&m, "csrf", c.csrf);
    mp_field(&m, "patient", "P782");
    mp_field(&m, "date", "2026-05-01");
    mp_file(&m, "front.jpg", jpg, n);
    mp_end(&m);
    resp_t r;
    upload(&c, &m, NULL, &r);
    cr_assert_eq(r.status, 413, "%s", r.body);
    cr_assert(strstr(r.body, "megapixel") || strstr(r.body, "pixels"), "%s", r.body);
    resp_free(&r);
    cr_assert_not(exists("P782/2026-05-01/front.jpg"));
    assert_no_staging();
    /* photos already in the library are not thumbnailed past the limit either */
    http("GET", "/p/P001/thumb/2026-01-12/cheek-left.jpg", NULL, NULL, 0, &r);
    cr_assert_eq(r.status, 413, "%s", r.body);
    resp_free(&r);
    free(m.data);
    free(jpg);
}
