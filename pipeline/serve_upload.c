/* The web app's upload: a multipart/form-data body whose files are
 * streamed to hidden temporary files in the clinic folder, then each goes
 * through sk_import_file (the same checks, orientation and metadata
 * stripping as `skintrack import`). Temporary files are removed whatever
 * happens, also when the client goes away half-way. */
#ifdef SK_HAVE_MHD
#include "pserve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    char tmp[4200];
    char name[256]; /* the client's file name (display only, sanitised) */
    int fd;
    size_t bytes;
} upfile_t;

struct serve_upload {
    struct MHD_PostProcessor *pp;
    serve_req_t *r;
    char patient[96], date[32], label[48], view[96], csrf[64], replace[8];
    int csrf_ok;
    upfile_t files[SERVE_MAX_FILES];
    int nfiles;
    int cur; /* file being written, or -1 */
    int stopped;
};

static void up_fail(serve_upload_t *up, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void up_fail(serve_upload_t *up, int status, const char *fmt, ...)
{
    serve_req_t *r = up->r;
    if (r->body_error)
        return;
    r->body_error = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->body_msg, sizeof r->body_msg, fmt, ap);
    va_end(ap);
}

/* Append to a small text field; -1 when it would not fit. */
static int field_append(char *dst, size_t cap, const char *data, size_t size)
{
    size_t have = strlen(dst);
    if (have + size + 1 > cap)
        return -1;
    memcpy(dst + have, data, size);
    dst[have + size] = '\0';
    return 0;
}

static void clean_name(const char *in, char *out, size_t len)
{
    const char *base = in;
    for (const char *p = in; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t o = 0;
    for (const char *p = base; *p && o + 1 < len; p++)
        out[o++] = (unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p;
    out[o] = '\0';
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *content_type,
                               const char *transfer_encoding, const char *data, uint64_t off,
                               size_t size)
{
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    serve_upload_t *up = cls;
    serve_req_t *r = up->r;
    if (r->body_error)
        return MHD_NO;
    if (!key)
        return MHD_YES;
    if (filename) {
        if (strcmp(key, "files") != 0) {
            up_fail(up, 400, "unexpected file field '%.64s'", key);
            return MHD_NO;
        }
        if (off == 0) {
            /* A file starts: the CSRF token must have come first (header or
             * the form's first field), so no byte of a forged request is
             * ever written to disk. */
            if (!up->csrf_ok && !serve_csrf_ok(r, up->csrf)) {
                up_fail(up, 403, "missing or wrong CSRF token; reload the page");
                return MHD_NO;
            }
            up->csrf_ok = 1;
            if (up->cur >= 0) {
                close(up->files[up->cur].fd);
                up->files[up->cur].fd = -1;
            }
            up->cur = -1;
            if (filename[0] == '\0' && size == 0)
                return MHD_YES; /* the browser's empty file input */
            if (up->nfiles == SERVE_MAX_FILES) {
                up_fail(up, 413, "at most %d files per upload", SERVE_MAX_FILES);
                return MHD_NO;
            }
            upfile_t *f = &up->files[up->nfiles];
            snprintf(f->tmp, sizeof f->tmp, "%s/.skintrack-upload-XXXXXX", r->srv->clinic);
            f->fd = mkostemp(f->tmp, O_CLOEXEC);
            if (f->fd < 0) {
                f->tmp[0] = '\0';
                up_fail(up, 500, "cannot store the upload in the clinic folder: %s",
                        strerror(errno));
                return MHD_NO;
            }
            clean_name(filename, f->name, sizeof f->name);
            up->cur = up->nfiles++;
        }
        if (up->cur < 0)
            return MHD_YES;
        upfile_t *f = &up->files[up->cur];
        while (size > 0) {
            ssize_t k = write(f->fd, data, size);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0) {
                up_fail(up, 500, "cannot store the upload: %s", strerror(errno));
                return MHD_NO;
            }
            data += k;
            size -= (size_t)k;
            f->bytes += (size_t)k;
        }
        return MHD_YES;
    }
    char *dst = NULL;
    size_t cap = 0;
    if (strcmp(key, "patient") == 0)
        dst = up->patient, cap = sizeof up->patient;
    else if (strcmp(key, "date") == 0)
        dst = up->date, cap = sizeof up->date;
    else if (strcmp(key, "label") == 0)
        dst = up->label, cap = sizeof up->label;
    else if (strcmp(key, "view") == 0)
        dst = up->view, cap = sizeof up->view;
    else if (strcmp(key, "csrf") == 0)
        dst = up->csrf, cap = sizeof up->csrf;
    else if (strcmp(key, "replace") == 0)
        dst = up->replace, cap = sizeof up->replace;
    else
        return MHD_YES; /* unknown fields are ignored */
    if (field_append(dst, cap, data, size) < 0) {
        up_fail(up, 400, "the field '%s' is too long", key);
        return MHD_NO;
    }
    return MHD_YES;
}

enum MHD_Result serve_upload_begin(serve_req_t *r)
{
    serve_upload_t *up = calloc(1, sizeof *up);
    if (!up)
        return MHD_NO;
    up->r = r;
    up->cur = -1;
    for (int i = 0; i < SERVE_MAX_FILES; i++)
        up->files[i].fd = -1;
    r->up = up;
    up->pp = MHD_create_post_processor(r->conn, 64 * 1024, on_part, up);
    if (!up->pp)
        return serve_error(r, 400, "the upload is not a well-formed multipart/form-data body");
    return MHD_YES;
}

void serve_upload_feed(serve_req_t *r, const char *data, size_t size)
{
    serve_upload_t *up = r->up;
    if (!up || up->stopped || r->body_error)
        return;
    r->body_len += size;
    if (r->body_len > r->srv->o.max_body_bytes) {
        up_fail(up, 413, "the upload is larger than the limit of %.1f MB",
                (double)r->srv->o.max_body_bytes / 1048576.0);
        up->stopped = 1;
        return;
    }
    if (MHD_post_process(up->pp, data, size) != MHD_YES) {
        up_fail(up, 400, "the upload is not a well-formed multipart/form-data body");
        up->stopped = 1;
    }
}

void serve_upload_free(serve_upload_t *up)
{
    if (!up)
        return;
    if (up->pp)
        MHD_destroy_post_processor(up->pp);
    for (int i = 0; i < up->nfiles; i++) {
        if (up->files[i].fd >= 0)
            close(up->files[i].fd);
        if (up->files[i].tmp[0])
            unlink(up->files[i].tmp);
    }
    free(up);
}

/* The import's message names our temporary file; name the client's. */
static void client_message(const upfile_t *f, const char *msg, char *out, size_t len)
{
    char disp[SK_DISPLAY_PATH_MAX];
    sk_path_display(f->tmp, disp, sizeof disp);
    size_t dl = strlen(disp);
    if (strncmp(msg, disp, dl) == 0 && msg[dl] == ':' && msg[dl + 1] == ' ')
        msg += dl + 2;
    snprintf(out, len, "%s", msg);
}

static void stem_of(const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s", name);
    char *dot = strrchr(out, '.');
    if (dot && dot != out)
        *dot = '\0';
}

enum MHD_Result serve_upload_finish(serve_req_t *r)
{
    serve_upload_t *up = r->up;
    sk_server_t *srv = r->srv;
    if (!up)
        return serve_error(r, 500, "upload state lost");
    if (up->pp) {
        if (!r->body_error && MHD_destroy_post_processor(up->pp) != MHD_YES)
            up_fail(up, 400, "the upload ended early (truncated multipart body)");
        else if (r->body_error)
            MHD_destroy_post_processor(up->pp);
        up->pp = NULL;
    }
    if (up->cur >= 0) {
        close(up->files[up->cur].fd);
        up->files[up->cur].fd = -1;
        up->cur = -1;
    }
    if (r->body_error)
        return serve_error(r, (unsigned)r->body_error, "%s", r->body_msg);
    if (!up->csrf_ok && !serve_csrf_ok(r, up->csrf))
        return serve_error(r, 403, "missing or wrong CSRF token; reload the page");
    if (!sk_valid_patient_id(up->patient))
        return serve_error(r, 400, "patient id '%.64s': %s", up->patient, sk_error_message());
    /* The clinic's own files are "skintrack.*" at its top (the store, the
     * password record); the scan skips such names, so a patient folder
     * called that would be invisible and could shadow them. */
    if (strncmp(up->patient, "skintrack.", 10) == 0)
        return serve_error(r, 400,
                           "patient id '%.64s': names starting with 'skintrack.' are "
                           "reserved for the clinic's own files",
                           up->patient);
    char session[96];
    snprintf(session, sizeof session, "%s%s%s", up->date, up->label[0] ? "-" : "", up->label);
    if (!sk_valid_session(session, NULL))
        return serve_error(r, 400, "session '%.80s': %s", session, sk_error_message());
    if (up->view[0] && !sk_valid_view(up->view))
        return serve_error(r, 400, "view '%.64s': %s", up->view, sk_error_message());
    if (up->nfiles == 0)
        return serve_error(r, 400, "no photo in the upload; choose one or more files");
    if (up->view[0] && up->nfiles > 1)
        return serve_error(r, 400,
                           "one view was chosen for %d files; upload them one by one "
                           "or name each file after its view (front.jpg ...)",
                           up->nfiles);

    sk_sb_t ok = {0}, bad = {0}, list = {0};
    int n_ok = 0, n_bad = 0;
    unsigned status = 200;
    for (int i = 0; i < up->nfiles; i++) {
        upfile_t *f = &up->files[i];
        char view[SK_VIEW_MAX + 1] = "", msg[1024];
        int rc = SK_OK;
        sk_import_result_t res;
        if (up->view[0]) {
            snprintf(view, sizeof view, "%.64s", up->view);
        } else {
            char stem[256];
            stem_of(f->name, stem, sizeof stem);
            if (!sk_valid_view(stem)) {
                rc = sk_error_set(SK_ERR_ARG,
                                  "the file name '%.64s' is not a view name (it %s); choose the "
                                  "view in the form",
                                  stem, sk_error_message());
            } else {
                snprintf(view, sizeof view, "%.64s", stem);
            }
        }
        if (rc == SK_OK) {
            sk_import_opts_t io;
            sk_import_opts_default(&io);
            io.clinic = srv->clinic;
            io.patient = up->patient;
            io.session = session;
            io.view = view;
            io.replace = up->replace[0] == '1';
            io.max_megapixels = srv->o.max_megapixels;
            /* Each import decodes the whole photo: a few at a time. */
            serve_sem_wait(&srv->imports);
            rc = sk_import_file(&io, f->tmp, &res);
            sem_post(&srv->imports);
        }
        if (rc < 0) {
            client_message(f, sk_error_message(), msg, sizeof msg);
            serve_strip_clinic(srv, msg);
        }
        unlink(f->tmp);
        f->tmp[0] = '\0';
        if (rc < 0) {
            if (status == 200)
                status = serve_status_http(rc);
            sk_sb_printf(&bad, "%s{\"file\":\"", n_bad ? "," : "");
            sk_sb_json(&bad, f->name);
            sk_sb_put(&bad, "\",\"error\":\"");
            sk_sb_json(&bad, msg);
            sk_sb_put(&bad, "\"}");
            sk_sb_put(&list, "<li class=\"bad\">");
            sk_sb_html(&list, f->name);
            sk_sb_put(&list, ": ");
            sk_sb_html(&list, msg);
            sk_sb_put(&list, "</li>");
            n_bad++;
        } else {
            sk_sb_printf(&ok, "%s{\"file\":\"", n_ok ? "," : "");
            sk_sb_json(&ok, f->name);
            sk_sb_put(&ok, "\",\"path\":\"");
            sk_sb_json(&ok, res.relpath);
            sk_sb_printf(&ok, "\",\"width\":%d,\"height\":%d,\"bytes\":%zu,\"reencoded\":%s}",
                         res.width, res.height, res.bytes, res.reencoded ? "true" : "false");
            sk_sb_put(&list, "<li class=\"good\">imported ");
            sk_sb_html(&list, res.relpath);
            sk_sb_printf(&list, " (%d×%d)</li>", res.width, res.height);
            n_ok++;
        }
    }
    if (r->wants_json) {
        sk_sb_t b = {0};
        sk_sb_put(&b, "{\"patient\":\"");
        sk_sb_json(&b, up->patient);
        sk_sb_put(&b, "\",\"session\":\"");
        sk_sb_json(&b, session);
        sk_sb_printf(&b, "\",\"imported\":[%s],\"failed\":[%s]", ok.s ? ok.s : "",
                     bad.s ? bad.s : "");
        if (n_bad)
            sk_sb_printf(&b, ",\"error\":\"%d of %d files refused\"", n_bad, n_ok + n_bad);
        sk_sb_put(&b, "}\n");
        sk_sb_free(&ok);
        sk_sb_free(&bad);
        sk_sb_free(&list);
        if (b.failed)
            return MHD_NO;
        return serve_send(r, status, "application/json", b.s, b.len, 0);
    }
    /* Without the script: a plain page with the outcome. */
    sk_sb_free(&ok);
    sk_sb_free(&bad);
    sk_sb_t b = {0};
    sk_sb_printf(&b, "<h1>Upload</h1><div class=\"card\"><p>%d of %d photos imported into ", n_ok,
                 n_ok + n_bad);
    sk_sb_html(&b, up->patient);
    sk_sb_put(&b, " / ");
    sk_sb_html(&b, session);
    sk_sb_put(&b, ".</p><ul class=\"result\">");
    sk_sb_putn(&b, list.s ? list.s : "", list.len);
    sk_sb_put(&b, "</ul>");
    sk_sb_free(&list);
    sk_sb_put(&b, "<p><a class=\"button\" href=\"/p/");
    sk_sb_html(&b, up->patient);
    sk_sb_put(&b, "\">Open the patient</a></p></div>");
    return serve_page(r, status, "Upload", &b);
}

#endif /* SK_HAVE_MHD */
