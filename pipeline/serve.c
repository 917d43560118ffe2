/* skintrack serve: the web app's server. libmicrohttpd runs one thread per
 * connection; this file owns the daemon, the routing, the sessions (cookie,
 * CSRF token, login) and the common response headers. Pages, uploads,
 * scoring and media are in serve_*.c. */
#include "skintrack.h"
#include "sk_serve.h"

#include <string.h>

#ifndef SK_HAVE_MHD

void sk_serve_opts_default(sk_serve_opts_t *o)
{
    memset(o, 0, sizeof *o);
}

int sk_serve_start(const sk_serve_opts_t *opts, sk_server_t **out)
{
    (void)opts;
    (void)out;
    return sk_error_set(SK_ERR_UNSUPPORTED, "serve: this skintrack was built without "
                                            "libmicrohttpd");
}

int sk_serve_port(const sk_server_t *srv)
{
    (void)srv;
    return 0;
}

void sk_serve_stop(sk_server_t *srv)
{
    (void)srv;
}

#else

#include "pserve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define COOKIE_NAME "sk_session"
#define CSP "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

void sk_serve_opts_default(sk_serve_opts_t *o)
{
    memset(o, 0, sizeof *o);
}

/* ------------------------------------------------------------ responses */

static const char *reason_of(unsigned status)
{
    switch (status) {
    case 200:
        return "OK";
    case 303:
        return "See Other";
    case 400:
        return "Bad request";
    case 401:
        return "Login required";
    case 403:
        return "Forbidden";
    case 404:
        return "Not found";
    case 405:
        return "Method not allowed";
    case 409:
        return "Conflict";
    case 411:
        return "Length required";
    case 413:
        return "Too large";
    case 414:
        return "Address too long";
    case 415:
        return "Unsupported media type";
    case 429:
        return "Too many requests";
    case 503:
        return "Busy";
    default:
        return status >= 500 ? "Server error" : "Error";
    }
}

unsigned serve_status_http(int status)
{
    switch (status) {
    case SK_ERR_ARG:
        return 400;
    case SK_ERR_FORMAT:
    case SK_ERR_UNSUPPORTED:
        return 415;
    case SK_ERR_TOO_LARGE:
        return 413;
    case SK_ERR_NOT_FOUND:
        return 404;
    case SK_ERR_EXISTS:
        return 409;
    case SK_ERR_BUSY:
        return 429;
    case SK_ERR_QUALITY:
        return 422;
    default:
        return 500;
    }
}

static void add_common_headers(serve_req_t *r, struct MHD_Response *resp, int cacheable)
{
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cache-Control", cacheable ? "private, max-age=300" : "no-store");
    if (r->new_session && r->sess.id[0]) {
        char cookie[160];
        snprintf(cookie, sizeof cookie, COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict",
                 r->sess.id);
        MHD_add_response_header(resp, "Set-Cookie", cookie);
    }
}

static enum MHD_Result queue(serve_req_t *r, unsigned status, struct MHD_Response *resp,
                             const char *ctype, int cacheable)
{
    if (!resp)
        return MHD_NO;
    if (ctype)
        MHD_add_response_header(resp, "Content-Type", ctype);
    add_common_headers(r, resp, cacheable);
    if (status == 405)
        MHD_add_response_header(resp, "Allow", "GET, HEAD, POST");
    if (status == 429 || status == 503)
        MHD_add_response_header(resp, "Retry-After", "30");
    r->status = status;
    enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result serve_send(serve_req_t *r, unsigned status, const char *ctype, const void *data,
                           size_t len, int copy)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, (void *)data, copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_MUST_FREE);
    if (!resp && !copy)
        free((void *)data);
    return queue(r, status, resp, ctype, 0);
}

enum MHD_Result serve_send_response(serve_req_t *r, unsigned status, struct MHD_Response *resp,
                                    const char *ctype, int cacheable)
{
    return queue(r, status, resp, ctype, cacheable);
}

enum MHD_Result serve_page(serve_req_t *r, unsigned status, const char *title, sk_sb_t *body)
{
    sk_sb_t b = {0};
    sk_sb_put(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                  "<meta name=\"csrf-token\" content=\"");
    sk_sb_html(&b, r->sess.csrf);
    sk_sb_put(&b, "\"><title>");
    sk_sb_html(&b, title);
    sk_sb_put(&b, " — skintrack</title><link rel=\"stylesheet\" href=\"/static/app.css\">"
                  "<link rel=\"icon\" href=\"/static/icon.svg\" type=\"image/svg+xml\">"
                  "<script src=\"/static/app.js\" defer></script></head><body>"
                  "<header class=\"top\"><a class=\"brand\" href=\"/\">skintrack</a><nav>"
                  "<a href=\"/\">Patients</a><a href=\"/upload\">Upload</a>");
    if (r->srv->has_password && r->sess.authed) {
        sk_sb_put(&b, "<form method=\"post\" action=\"/logout\" class=\"inline\">"
                      "<input type=\"hidden\" name=\"csrf\" value=\"");
        sk_sb_html(&b, r->sess.csrf);
        sk_sb_put(&b, "\"><button type=\"submit\" class=\"link\">Log out</button></form>");
    }
    sk_sb_put(&b, "</nav></header><main>");
    if (body)
        sk_sb_putn(&b, body->s ? body->s : "", body->len);
    sk_sb_printf(&b, "</main><footer>skintrack %s · ", sk_version());
    const char *base = strrchr(r->srv->clinic, '/');
    sk_sb_html(&b, base && base[1] ? base + 1 : r->srv->clinic);
    sk_sb_put(&b, "</footer></body></html>\n");
    if (body)
        sk_sb_free(body);
    if (b.failed) {
        sk_sb_free(&b);
        static const char oom[] = "out of memory\n";
        return serve_send(r, 500, "text/plain; charset=utf-8", oom, sizeof oom - 1, 1);
    }
    return serve_send(r, status, "text/html; charset=utf-8", b.s, b.len, 0);
}

void serve_strip_clinic(const sk_server_t *srv, char *msg)
{
    char prefix[SK_DISPLAY_PATH_MAX + 1];
    sk_path_display(srv->clinic, prefix, sizeof prefix - 1);
    strcat(prefix, "/");
    size_t pl = strlen(prefix);
    for (char *p; pl > 1 && (p = strstr(msg, prefix)) != NULL;)
        memmove(p, p + pl, strlen(p + pl) + 1);
}

enum MHD_Result serve_error(serve_req_t *r, unsigned status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    serve_strip_clinic(r->srv, msg);
    if (r->wants_json) {
        sk_sb_t b = {0};
        sk_sb_printf(&b, "{\"error\":\"");
        sk_sb_json(&b, msg);
        sk_sb_printf(&b, "\",\"status\":%u}\n", status);
        if (b.failed)
            return MHD_NO;
        return serve_send(r, status, "application/json", b.s, b.len, 0);
    }
    sk_sb_t body = {0};
    sk_sb_printf(&body, "<section class=\"error\"><h1>%u %s</h1><p>", status, reason_of(status));
    sk_sb_html(&body, msg);
    sk_sb_put(&body, "</p><p><a href=\"/\">Back to the patient list</a></p></section>");
    char title[64];
    snprintf(title, sizeof title, "%u %s", status, reason_of(status));
    return serve_page(r, status, title, &body);
}

enum MHD_Result serve_redirect(serve_req_t *r, const char *location)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Location", location);
    return queue(r, 303, resp, "text/plain; charset=utf-8", 0);
}

/* --------------------------------------------------------------- forms */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode an urlencoded piece [s, s+n) into out; -1 when it does not fit. */
static int url_decode(const char *s, size_t n, char *out, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
            i += 2;
        }
        if (o + 1 >= len)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

int serve_form_field(const char *form, const char *key, char *out, size_t len)
{
    size_t klen = strlen(key);
    const char *p = form ? form : "";
    while (*p) {
        const char *amp = strchr(p, '&');
        size_t n = amp ? (size_t)(amp - p) : strlen(p);
        if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=')
            return url_decode(p + klen + 1, n - klen - 1, out, len) < 0 ? -1 : 0;
        if (n == klen && strncmp(p, key, klen) == 0) {
            out[0] = '\0';
            return 0;
        }
        p += n;
        if (*p == '&')
            p++;
    }
    return -1;
}

static int const_eq(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    unsigned diff = (unsigned)(na ^ nb);
    for (size_t i = 0; i < na && i < nb; i++)
        diff |= (unsigned)(a[i] ^ b[i]);
    return diff == 0;
}

int serve_csrf_ok(const serve_req_t *r, const char *field)
{
    if (!r->sess.id[0] || !r->sess.csrf[0])
        return 0;
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
    const char *t = h && *h ? h : field;
    return t && *t && const_eq(t, r->sess.csrf);
}

/* ------------------------------------------------------------ sessions */

static int new_token(char out[44])
{
    unsigned char raw[32];
    if (serve_random(raw, sizeof raw) < 0)
        return -1;
    serve_b64url(raw, sizeof raw, out);
    return 0;
}

/* Look the cookie's session up; copy it into r->sess. */
static void session_find(serve_req_t *r)
{
    sk_server_t *srv = r->srv;
    const char *id = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE_NAME);
    memset(&r->sess, 0, sizeof r->sess);
    if (!id || strlen(id) != 43)
        return;
    time_t now = time(NULL);
    pthread_mutex_lock(&srv->mu);
    for (int i = 0; i < SERVE_MAX_SESSIONS; i++) {
        serve_session_t *s = &srv->sessions[i];
        if (s->id[0] && const_eq(s->id, id)) {
            if (now - s->last > SERVE_SESSION_IDLE_S) {
                memset(s, 0, sizeof *s);
                break;
            }
            s->last = now;
            r->sess = *s;
            break;
        }
    }
    pthread_mutex_unlock(&srv->mu);
}

/* A new session in the table (the least recently used one goes when it is
 * full); its copy goes to r->sess and the response sets the cookie. */
static int session_create(serve_req_t *r, int authed)
{
    sk_server_t *srv = r->srv;
    serve_session_t s = {0};
    if (new_token(s.id) < 0 || new_token(s.csrf) < 0)
        return -1;
    s.authed = authed;
    s.last = time(NULL);
    pthread_mutex_lock(&srv->mu);
    int slot = 0;
    for (int i = 0; i < SERVE_MAX_SESSIONS; i++) {
        if (!srv->sessions[i].id[0]) {
            slot = i;
            break;
        }
        if (srv->sessions[i].last < srv->sessions[slot].last)
            slot = i;
    }
    srv->sessions[slot] = s;
    pthread_mutex_unlock(&srv->mu);
    r->sess = s;
    r->new_session = 1;
    return 0;
}

static void session_drop(serve_req_t *r)
{
    sk_server_t *srv = r->srv;
    pthread_mutex_lock(&srv->mu);
    for (int i = 0; i < SERVE_MAX_SESSIONS; i++)
        if (srv->sessions[i].id[0] && strcmp(srv->sessions[i].id, r->sess.id) == 0)
            memset(&srv->sessions[i], 0, sizeof srv->sessions[i]);
    pthread_mutex_unlock(&srv->mu);
}

/* --------------------------------------------------------------- login */

static enum MHD_Result do_login(serve_req_t *r)
{
    sk_server_t *srv = r->srv;
    if (!srv->has_password)
        return serve_redirect(r, "/");
    char csrf[64] = "", password[1100] = "";
    if (serve_form_field(r->form, "csrf", csrf, sizeof csrf) < 0 || !serve_csrf_ok(r, csrf))
        return serve_page_login(r, 403,
                                "The form expired or came from elsewhere; please try again.");
    if (serve_form_field(r->form, "password", password, sizeof password) < 0)
        password[0] = '\0';

    time_t now = time(NULL);
    int n_recent = 0;
    pthread_mutex_lock(&srv->mu);
    for (int i = 0; i < SERVE_LOGIN_MAX_FAILS; i++)
        if (srv->login_fails[i] && now - srv->login_fails[i] < SERVE_LOGIN_WINDOW_S)
            n_recent++;
    int streak = srv->n_login_fails;
    pthread_mutex_unlock(&srv->mu);
    if (n_recent >= SERVE_LOGIN_MAX_FAILS)
        return serve_page_login(r, 429,
                                "Too many wrong passwords in the last minute; wait a minute "
                                "and try again.");

    int ok = sk_serve_auth_match(srv->auth_line, password);
    memset(password, 0, sizeof password);
    if (!ok) {
        pthread_mutex_lock(&srv->mu);
        int oldest = 0;
        for (int i = 1; i < SERVE_LOGIN_MAX_FAILS; i++)
            if (srv->login_fails[i] < srv->login_fails[oldest])
                oldest = i;
        srv->login_fails[oldest] = now;
        srv->n_login_fails++;
        pthread_mutex_unlock(&srv->mu);
        /* Each failure in a row doubles the pause, up to 8 times the base. */
        int mult = streak >= 3 ? 8 : 1 << streak;
        long ms = (long)srv->o.login_delay_ms * mult;
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
        return serve_page_login(r, 403, "Wrong password.");
    }
    pthread_mutex_lock(&srv->mu);
    srv->n_login_fails = 0;
    pthread_mutex_unlock(&srv->mu);
    /* A fresh session id on login, so a planted cookie is worth nothing. */
    session_drop(r);
    if (session_create(r, 1) < 0)
        return serve_error(r, 500, "cannot start a session: %s", sk_error_message());
    return serve_redirect(r, "/");
}

static enum MHD_Result do_logout(serve_req_t *r)
{
    char csrf[64] = "";
    serve_form_field(r->form, "csrf", csrf, sizeof csrf);
    if (!serve_csrf_ok(r, csrf))
        return serve_error(r, 403, "missing or wrong CSRF token");
    session_drop(r);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Location", r->srv->has_password ? "/login" : "/");
    MHD_add_response_header(resp, "Set-Cookie",
                            COOKIE_NAME "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict");
    r->new_session = 0;
    return queue(r, 303, resp, "text/plain; charset=utf-8", 0);
}

/* ------------------------------------------------------------- routing */

typedef enum {
    R_NONE,
    R_HOME,
    R_LOGIN,
    R_LOGOUT,
    R_UPLOAD,
    R_PATIENT,
    R_SCORE,
    R_REPORT,
    R_THUMB,
    R_CSS,
    R_JS,
    R_ICON,
    R_BAD_ID, /* a /p/<id> path with an invalid id */
} route_kind;

typedef struct {
    route_kind kind;
    char id[SK_PATIENT_ID_MAX + 1];
    char session[SK_SESSION_MAX + 1];
    char view[SK_VIEW_MAX + 1];
    char why[256];
} route_t;

/* Split "/p/ID/..." into at most 6 segments (each < 256 bytes). */
static int split_path(const char *url, char seg[6][256])
{
    int n = 0;
    const char *p = url;
    while (*p == '/')
        p++;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (n == 6 || len >= 256)
            return -1;
        memcpy(seg[n], p, len);
        seg[n][len] = '\0';
        n++;
        p += len;
        if (*p == '/')
            p++;
    }
    return n;
}

static void route(const char *url, route_t *rt)
{
    memset(rt, 0, sizeof *rt);
    char seg[6][256];
    int n = split_path(url, seg);
    if (n < 0)
        return;
    if (n == 0) {
        rt->kind = R_HOME;
        return;
    }
    if (n == 1) {
        if (strcmp(seg[0], "login") == 0)
            rt->kind = R_LOGIN;
        else if (strcmp(seg[0], "logout") == 0)
            rt->kind = R_LOGOUT;
        else if (strcmp(seg[0], "upload") == 0)
            rt->kind = R_UPLOAD;
        else if (strcmp(seg[0], "favicon.ico") == 0)
            rt->kind = R_ICON;
        return;
    }
    if (n == 2 && strcmp(seg[0], "static") == 0) {
        if (strcmp(seg[1], "app.css") == 0)
            rt->kind = R_CSS;
        else if (strcmp(seg[1], "app.js") == 0)
            rt->kind = R_JS;
        else if (strcmp(seg[1], "icon.svg") == 0)
            rt->kind = R_ICON;
        return;
    }
    if (strcmp(seg[0], "p") != 0)
        return;
    if (!sk_valid_patient_id(seg[1])) {
        rt->kind = R_BAD_ID;
        snprintf(rt->why, sizeof rt->why, "'%.64s' is not a patient id: %s", seg[1],
                 sk_error_message());
        return;
    }
    snprintf(rt->id, sizeof rt->id, "%.64s", seg[1]);
    if (n == 2) {
        rt->kind = R_PATIENT;
    } else if (n == 3 && strcmp(seg[2], "score") == 0) {
        rt->kind = R_SCORE;
    } else if (n == 3 && strcmp(seg[2], "report.pdf") == 0) {
        rt->kind = R_REPORT;
    } else if (n == 5 && strcmp(seg[2], "thumb") == 0) {
        size_t vl = strlen(seg[4]);
        if (vl > 4 && strcmp(seg[4] + vl - 4, ".jpg") == 0)
            seg[4][vl - 4] = '\0';
        if (!sk_valid_session(seg[3], NULL)) {
            rt->kind = R_BAD_ID;
            snprintf(rt->why, sizeof rt->why, "'%.80s' is not a session: %s", seg[3],
                     sk_error_message());
        } else if (!sk_valid_view(seg[4])) {
            rt->kind = R_BAD_ID;
            snprintf(rt->why, sizeof rt->why, "'%.64s' is not a view: %s", seg[4],
                     sk_error_message());
        } else {
            rt->kind = R_THUMB;
            snprintf(rt->session, sizeof rt->session, "%.43s", seg[3]);
            snprintf(rt->view, sizeof rt->view, "%.64s", seg[4]);
        }
    }
}

static int is_post_route(route_kind k)
{
    return k == R_LOGIN || k == R_LOGOUT || k == R_UPLOAD || k == R_SCORE;
}

static int is_get_route(route_kind k)
{
    return k != R_NONE && k != R_LOGOUT && k != R_BAD_ID;
}

/* Loopback servers without a password answer only to loopback host names,
 * so a web page elsewhere cannot reach them through DNS rebinding. */
static int host_ok(const serve_req_t *r)
{
    const sk_server_t *srv = r->srv;
    if (!srv->loopback || srv->has_password)
        return 1;
    const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
    if (!host)
        return 0;
    char name[256];
    snprintf(name, sizeof name, "%s", host);
    char *colon = name[0] == '[' ? strstr(name, "]:") : strrchr(name, ':');
    if (colon)
        colon[name[0] == '[' ? 1 : 0] = '\0';
    return strcasecmp(name, "localhost") == 0 || strncmp(name, "127.", 4) == 0 ||
           strcmp(name, "[::1]") == 0;
}

/* A POST carrying an Origin must come from this very server. */
static int origin_ok(const serve_req_t *r)
{
    const char *origin = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");
    if (!origin || strcmp(origin, "null") == 0)
        return origin == NULL;
    const char *host = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Host");
    if (!host || strncmp(origin, "http://", 7) != 0)
        return 0;
    return strcasecmp(origin + 7, host) == 0;
}

static enum MHD_Result static_asset(serve_req_t *r, const char *ctype, const char *text)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    return queue(r, 200, resp, ctype, 1);
}

/* Dispatch a request whose body (if any) has been read. */
static enum MHD_Result dispatch(serve_req_t *r)
{
    route_t rt;
    route(r->url, &rt);
    int post = strcmp(r->method, "POST") == 0;
    if (r->body_error)
        return serve_error(r, (unsigned)r->body_error, "%s", r->body_msg);
    if (rt.kind == R_BAD_ID)
        return serve_error(r, 400, "%s", rt.why);
    if (rt.kind == R_NONE)
        return serve_error(r, 404, "there is no page at this address");
    if (post ? !is_post_route(rt.kind) : !is_get_route(rt.kind))
        return serve_error(r, 405, "this address does not take %s", r->method);

    if (rt.kind == R_CSS)
        return static_asset(r, "text/css; charset=utf-8", serve_app_css);
    if (rt.kind == R_JS)
        return static_asset(r, "text/javascript; charset=utf-8", serve_app_js);
    if (rt.kind == R_ICON)
        return static_asset(r, "image/svg+xml", serve_app_icon);
    if (rt.kind == R_LOGIN)
        return post                   ? do_login(r)
               : r->srv->has_password ? serve_page_login(r, 200, NULL)
                                      : serve_redirect(r, "/");
    if (r->srv->has_password && !r->sess.authed) {
        if (!post && !r->wants_json)
            return serve_redirect(r, "/login");
        return serve_error(r, 401, "log in first");
    }
    switch (rt.kind) {
    case R_HOME:
        return serve_page_patients(r);
    case R_LOGOUT:
        return do_logout(r);
    case R_UPLOAD:
        if (post)
            return serve_upload_finish(r);
        {
            const char *p = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "patient");
            return serve_page_upload(r, p && sk_valid_patient_id(p) ? p : NULL);
        }
    case R_PATIENT:
        return serve_page_patient(r, rt.id);
    case R_SCORE:
        if (post) {
            char csrf[64] = "";
            serve_form_field(r->form, "csrf", csrf, sizeof csrf);
            if (!serve_csrf_ok(r, csrf))
                return serve_error(r, 403, "missing or wrong CSRF token; reload the page");
            return serve_score_start(r, rt.id);
        }
        return serve_score_status(r, rt.id);
    case R_REPORT:
        return serve_report(r, rt.id);
    case R_THUMB:
        return serve_thumbnail(r, rt.id, rt.session, rt.view);
    default:
        return serve_error(r, 404, "there is no page at this address");
    }
}

/* First call of a request: headers are in. Either answer now (GET, or a
 * refusal of a POST before its body is read) or prepare to read the body. */
static enum MHD_Result begin(serve_req_t *r, const char *url)
{
    sk_server_t *srv = r->srv;
    const char *accept = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Accept");
    r->wants_json = (accept && strstr(accept, "application/json") && !strstr(accept, "text/html"));
    if (strlen(url) >= sizeof r->url)
        return serve_error(r, 414, "the address is too long");
    snprintf(r->url, sizeof r->url, "%s", url);
    int get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
    int post = strcmp(r->method, "POST") == 0;
    if (!host_ok(r))
        return serve_error(r, 403, "this server answers only to localhost / 127.0.0.1");
    route_t rt;
    route(r->url, &rt);
    session_find(r);
    if (!r->sess.id[0] && get && rt.kind != R_CSS && rt.kind != R_JS && rt.kind != R_ICON &&
        rt.kind != R_THUMB) {
        if (session_create(r, !srv->has_password) < 0)
            return serve_error(r, 500, "cannot start a session: %s", sk_error_message());
    }
    if (!get && !post)
        return serve_error(r, 405, "method %.32s is not allowed", r->method);
    if (get)
        return MHD_YES; /* answered on the next call, once the request is complete, so that
                           the connection can stay open for the next request */

    /* POST: refuse early what can be refused from the headers. */
    if (rt.kind == R_BAD_ID || rt.kind == R_NONE || !is_post_route(rt.kind))
        return dispatch(r);
    if (!origin_ok(r))
        return serve_error(r, 403, "the form was sent from another site");
    if (srv->has_password && !r->sess.authed && rt.kind != R_LOGIN)
        return serve_error(r, 401, "log in first");
    const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Length");
    unsigned long long length = 0;
    if (cl) {
        char *end = NULL;
        errno = 0;
        length = strtoull(cl, &end, 10);
        if (errno || end == cl || *end)
            return serve_error(r, 400, "bad Content-Length");
    } else if (MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Transfer-Encoding")) {
        return serve_error(r, 411, "send the request with a Content-Length");
    }
    const char *ctype = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
    if (rt.kind == R_UPLOAD) {
        if (length > srv->o.max_body_bytes)
            return serve_error(r, 413, "the upload is %.1f MB; the limit is %.1f MB per upload",
                               (double)length / 1048576.0,
                               (double)srv->o.max_body_bytes / 1048576.0);
        if (!ctype || strncasecmp(ctype, "multipart/form-data", 19) != 0)
            return serve_error(r, 415, "uploads must be sent as multipart/form-data");
        const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
        if (h && !serve_csrf_ok(r, NULL))
            return serve_error(r, 403, "missing or wrong CSRF token; reload the page");
        if (!r->sess.id[0])
            return serve_error(r, 403, "missing or wrong CSRF token (no session cookie)");
        r->body = BODY_UPLOAD;
        return serve_upload_begin(r);
    }
    if (length > SERVE_FORM_MAX)
        return serve_error(r, 413, "the form is larger than %d bytes", SERVE_FORM_MAX);
    if (length > 0 && (!ctype || strncasecmp(ctype, "application/x-www-form-urlencoded", 33) != 0))
        return serve_error(r, 415, "forms must be sent as application/x-www-form-urlencoded");
    r->body = BODY_FORM;
    r->form = calloc(1, 1);
    if (!r->form)
        return MHD_NO;
    return MHD_YES;
}

static void feed_form(serve_req_t *r, const char *data, size_t size)
{
    if (r->body_error)
        return;
    if (r->body_len + size > SERVE_FORM_MAX) {
        r->body_error = 413;
        snprintf(r->body_msg, sizeof r->body_msg, "the form is larger than %d bytes",
                 SERVE_FORM_MAX);
        return;
    }
    char *f = realloc(r->form, r->body_len + size + 1);
    if (!f) {
        r->body_error = 500;
        snprintf(r->body_msg, sizeof r->body_msg, "out of memory");
        return;
    }
    memcpy(f + r->body_len, data, size);
    r->body_len += size;
    f[r->body_len] = '\0';
    r->form = f;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    serve_req_t *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        *con_cls = r;
        r->srv = cls;
        r->conn = conn;
        r->method = method;
        r->t0 = serve_now();
        return begin(r, url);
    }
    if (*upload_data_size) {
        if (r->body == BODY_FORM)
            feed_form(r, upload_data, *upload_data_size);
        else if (r->body == BODY_UPLOAD)
            serve_upload_feed(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->status)
        return MHD_YES; /* answered already */
    return dispatch(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    sk_server_t *srv = cls;
    serve_req_t *r = *con_cls;
    if (!r)
        return;
    if (srv->o.log)
        fprintf(stderr, "serve: %s %s %u %.1f ms\n", r->method, r->url, r->status,
                1e3 * (serve_now() - r->t0));
    serve_upload_free(r->up);
    free(r->form);
    free(r);
    *con_cls = NULL;
}

/* --------------------------------------------------------- start, stop */

static int parse_listen(const char *text, struct sockaddr_storage *ss, socklen_t *sl, int *loopback)
{
    char host[128];
    const char *colon;
    memset(ss, 0, sizeof *ss);
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof host)
            return -1;
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon || (size_t)(colon - text) >= sizeof host)
            return -1;
        memcpy(host, text, (size_t)(colon - text));
        host[colon - text] = '\0';
    }
    char *end = NULL;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || port < 0 || port > 65535)
        return -1;
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        *sl = sizeof *in4;
        *loopback = (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *sl = sizeof *in6;
        *loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
        return 0;
    }
    return -1;
}

int sk_serve_start(const sk_serve_opts_t *opts, sk_server_t **out)
{
    char disp[SK_DISPLAY_PATH_MAX];
    struct stat st;
    if (!opts || !opts->clinic || !out)
        return sk_error_set(SK_ERR_ARG, "serve: no clinic folder given");
    if (stat(opts->clinic, &st) != 0 || !S_ISDIR(st.st_mode))
        return sk_error_set(SK_ERR_NOT_FOUND, "%s: no such clinic folder",
                            sk_path_display(opts->clinic, disp, sizeof disp));
    const char *listen_on = opts->listen ? opts->listen : SK_SERVE_DEFAULT_LISTEN;
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    int loopback = 0;
    if (strlen(listen_on) >= 128 || parse_listen(listen_on, &ss, &sl, &loopback) < 0)
        return sk_error_set(SK_ERR_ARG,
                            "--listen '%.128s': expected ADDR:PORT such as 127.0.0.1:8080 or "
                            "[::1]:8080",
                            listen_on);
    sk_server_t *srv = calloc(1, sizeof *srv);
    if (!srv)
        return sk_error_set(SK_ERR_NOMEM, "serve: out of memory");
    srv->o = *opts;
    if (!srv->o.max_body_bytes)
        srv->o.max_body_bytes = (size_t)SK_SERVE_DEFAULT_MAX_BODY_MB << 20;
    if (srv->o.max_megapixels <= 0)
        srv->o.max_megapixels = SK_DEFAULT_MAX_MEGAPIXELS;
    if (srv->o.max_jobs <= 0)
        srv->o.max_jobs = 1;
    if (srv->o.max_reports <= 0)
        srv->o.max_reports = 2;
    if (srv->o.max_imports <= 0)
        srv->o.max_imports = 2;
    if (srv->o.max_connections <= 0)
        srv->o.max_connections = 64;
    if (srv->o.login_delay_ms <= 0)
        srv->o.login_delay_ms = 1000;
    snprintf(srv->clinic, sizeof srv->clinic, "%s", opts->clinic);
    size_t cl = strlen(srv->clinic);
    while (cl > 1 && srv->clinic[cl - 1] == '/')
        srv->clinic[--cl] = '\0';
    srv->o.clinic = srv->clinic;
    snprintf(srv->db, sizeof srv->db, "%s/skintrack.db", srv->clinic);
    snprintf(srv->listen, sizeof srv->listen, "%s", listen_on);
    srv->o.listen = srv->listen;
    srv->loopback = loopback;
    pthread_mutex_init(&srv->mu, NULL);
    sem_init(&srv->imports, 0, (unsigned)srv->o.max_imports);
    sem_init(&srv->thumbnails, 0, SERVE_MAX_THUMBNAILING);

    int rc = sk_serve_auth_read(srv->clinic, srv->auth_line, sizeof srv->auth_line);
    if (rc < 0)
        goto fail;
    srv->has_password = rc == 1;
    if (!loopback && !srv->has_password) {
        rc = sk_error_set(SK_ERR_PERMISSION,
                          "--listen %s: not a loopback address; set a password first with "
                          "'skintrack serve %s --set-password'",
                          listen_on, sk_path_display(srv->clinic, disp, sizeof disp));
        goto fail;
    }

    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        rc = sk_error_set(SK_ERR_IO, "--listen %s: %s", listen_on, strerror(errno));
        goto fail;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 64) != 0) {
        rc = sk_error_set(SK_ERR_IO, "--listen %s: %s", listen_on, strerror(errno));
        close(fd);
        goto fail;
    }
    struct sockaddr_storage bound;
    socklen_t bl = sizeof bound;
    getsockname(fd, (struct sockaddr *)&bound, &bl);
    srv->port = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                                 : ((struct sockaddr_in6 *)&bound)->sin6_port);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)srv->o.max_connections, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024), MHD_OPTION_END);
    if (!srv->daemon) {
        close(fd);
        rc = sk_error_set(SK_ERR_IO, "--listen %s: the HTTP server did not start", listen_on);
        goto fail;
    }
    *out = srv;
    return SK_OK;
fail:
    sem_destroy(&srv->imports);
    sem_destroy(&srv->thumbnails);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
    return rc;
}

int sk_serve_port(const sk_server_t *srv)
{
    return srv ? srv->port : 0;
}

void sk_serve_stop(sk_server_t *srv)
{
    if (!srv)
        return;
    pthread_mutex_lock(&srv->mu);
    srv->stopping = 1;
    pthread_mutex_unlock(&srv->mu);
    MHD_stop_daemon(srv->daemon);
    serve_jobs_join_all(srv);
    serve_thumbs_free(srv);
    sem_destroy(&srv->imports);
    sem_destroy(&srv->thumbnails);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
}

#endif /* SK_HAVE_MHD */
