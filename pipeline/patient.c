/* patient.json: the optional facts about a patient that the measurements
 * and the report use. Parsed strictly with json-c; schema in
 * docs/LIBRARY.md. */
#include "skintrack.h"
#include "plibrary.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#define PATIENT_JSON_MAX (1u << 20)

typedef struct ctx {
    char file[SK_DISPLAY_PATH_MAX];
    sk_warn_fn warn;
    void *ud;
} ctx_t;

static int refuse(const ctx_t *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int refuse(const ctx_t *c, const char *key, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return sk_error_set(SK_ERR_FORMAT, "%s: %s: %s", c->file, key, why);
}

static void warn_key(const ctx_t *c, const char *key, const char *why)
{
    if (!c->warn)
        return;
    char disp[128], msg[SK_DISPLAY_PATH_MAX + 256];
    snprintf(msg, sizeof msg, "%s: %s: %s", c->file, sk_path_display(key, disp, sizeof disp), why);
    c->warn(msg, c->ud);
}

static const char *type_name(json_object *v)
{
    return json_type_to_name(json_object_get_type(v));
}

static int get_string(const ctx_t *c, const char *key, json_object *v, char *out, size_t cap)
{
    if (!json_object_is_type(v, json_type_string))
        return refuse(c, key, "must be a string, not %s", type_name(v));
    size_t n = (size_t)json_object_get_string_len(v);
    const char *s = json_object_get_string(v);
    if (n >= cap)
        return refuse(c, key, "is %zu bytes long, the limit is %zu", n, cap - 1);
    if (memchr(s, '\0', n))
        return refuse(c, key, "contains a NUL character");
    memcpy(out, s, n);
    out[n] = '\0';
    return SK_OK;
}

static int get_int(const ctx_t *c, const char *key, json_object *v, long lo, long hi, int *out)
{
    if (!json_object_is_type(v, json_type_int))
        return refuse(c, key, "must be an integer, not %s", type_name(v));
    errno = 0;
    int64_t x = json_object_get_int64(v);
    if (errno == ERANGE || x < lo || x > hi)
        return refuse(c, key, "%lld is outside %ld..%ld", (long long)x, lo, hi);
    *out = (int)x;
    return SK_OK;
}

static int get_number(json_object *v, double *out)
{
    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
        return -1;
    *out = json_object_get_double(v);
    return isfinite(*out) ? 0 : -1;
}

static int view_key(const ctx_t *c, const char *obj, const char *view, char *path, size_t len)
{
    char disp[128];
    snprintf(path, len, "%s.%s", obj, sk_path_display(view, disp, sizeof disp));
    if (!sk_valid_view(view))
        return refuse(c, path, "not a view name: it %s", sk_error_message());
    return SK_OK;
}

static int parse_scales(const ctx_t *c, json_object *v, sk_patient_t *p)
{
    if (!json_object_is_type(v, json_type_object))
        return refuse(c, "mm_per_px",
                      "must be an object of view name to millimetres per pixel, "
                      "not %s",
                      type_name(v));
    json_object_object_foreach(v, view, val)
    {
        char key[200];
        int rc = view_key(c, "mm_per_px", view, key, sizeof key);
        if (rc < 0)
            return rc;
        double x;
        if (get_number(val, &x) < 0)
            return refuse(c, key, "must be a number, not %s", type_name(val));
        if (!(x > 0.0) || x > 10.0)
            return refuse(c, key, "%g is outside (0, 10] millimetres per pixel", x);
        if (p->n_scales == SK_PATIENT_MAX_VIEWS)
            return refuse(c, "mm_per_px", "more than %d views", SK_PATIENT_MAX_VIEWS);
        sk_view_scale_t *s = &p->scales[p->n_scales++];
        snprintf(s->view, sizeof s->view, "%s", view);
        s->mm_per_px = x;
    }
    return SK_OK;
}

static int parse_rect(const ctx_t *c, const char *key, json_object *v, sk_rect_t *r)
{
    if (!json_object_is_type(v, json_type_object))
        return refuse(c, key, "must be an object {\"x\", \"y\", \"w\", \"h\"}, not %s",
                      type_name(v));
    const char *names[4] = {"x", "y", "w", "h"};
    int *fields[4] = {&r->x, &r->y, &r->w, &r->h};
    for (int i = 0; i < 4; i++) {
        char sub[240];
        snprintf(sub, sizeof sub, "%s.%s", key, names[i]);
        json_object *f = NULL;
        if (!json_object_object_get_ex(v, names[i], &f))
            return refuse(c, sub, "missing");
        int rc = get_int(c, sub, f, i < 2 ? 0 : 1, 100000, fields[i]);
        if (rc < 0)
            return rc;
    }
    json_object_object_foreach(v, k, val)
    {
        (void)val;
        if (strcmp(k, "x") && strcmp(k, "y") && strcmp(k, "w") && strcmp(k, "h")) {
            char sub[240];
            snprintf(sub, sizeof sub, "%s.%s", key, k);
            warn_key(c, sub, "unknown key, ignored");
        }
    }
    return SK_OK;
}

static int parse_grey_cards(const ctx_t *c, json_object *v, sk_patient_t *p)
{
    if (!json_object_is_type(v, json_type_object))
        return refuse(c, "grey_card", "must be an object of view name to {x, y, w, h}, not %s",
                      type_name(v));
    json_object_object_foreach(v, view, val)
    {
        char key[200];
        int rc = view_key(c, "grey_card", view, key, sizeof key);
        if (rc < 0)
            return rc;
        if (p->n_grey_cards == SK_PATIENT_MAX_VIEWS)
            return refuse(c, "grey_card", "more than %d views", SK_PATIENT_MAX_VIEWS);
        sk_view_rect_t *g = &p->grey_cards[p->n_grey_cards];
        rc = parse_rect(c, key, val, &g->rect);
        if (rc < 0)
            return rc;
        snprintf(g->view, sizeof g->view, "%s", view);
        p->n_grey_cards++;
    }
    return SK_OK;
}

static int current_year(void)
{
    time_t t = time(NULL);
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return 2100;
    return tm.tm_year + 1900;
}

/* 1-based line and column of byte offset `off` of text. */
static void line_col(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static int read_text(const char *path, const ctx_t *c, char **text, size_t *len, int *missing)
{
    *missing = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            *missing = 1;
            return SK_OK;
        }
        if (errno == ELOOP)
            return sk_error_set(SK_ERR_ARG, "%s: is a symbolic link; refused", c->file);
        if (errno == EACCES || errno == EPERM)
            return sk_error_set(SK_ERR_PERMISSION, "%s: permission denied", c->file);
        return sk_error_set(SK_ERR_IO, "%s: cannot open: %s", c->file, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sk_error_set(SK_ERR_ARG, "%s: not a regular file", c->file);
    }
    if ((size_t)st.st_size > PATIENT_JSON_MAX) {
        close(fd);
        return sk_error_set(SK_ERR_TOO_LARGE, "%s: %lld bytes, above the limit of %u", c->file,
                            (long long)st.st_size, PATIENT_JSON_MAX);
    }
    char *buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        return sk_error_set(SK_ERR_NOMEM, "%s: out of memory", c->file);
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t k = read(fd, buf + got, (size_t)st.st_size - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    if (got != (size_t)st.st_size) {
        free(buf);
        return sk_error_set(SK_ERR_IO, "%s: short read", c->file);
    }
    buf[got] = '\0';
    *text = buf;
    *len = got;
    return SK_OK;
}

static int parse(const ctx_t *c, const char *text, size_t len, json_object **root)
{
    if (memchr(text, '\0', len))
        return sk_error_set(SK_ERR_FORMAT, "%s: contains a NUL byte; not JSON text", c->file);
    json_tokener *tok = json_tokener_new();
    if (!tok)
        return sk_error_set(SK_ERR_NOMEM, "%s: out of memory", c->file);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *obj = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error err = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    int rc = SK_OK, line, col;
    if (!obj && err == json_tokener_continue) {
        line_col(text, len, &line, &col);
        rc = sk_error_set(SK_ERR_FORMAT, "%s: line %d, column %d: unexpected end of file", c->file,
                          line, col);
    } else if (!obj || err != json_tokener_success) {
        line_col(text, end, &line, &col);
        rc = sk_error_set(SK_ERR_FORMAT, "%s: line %d, column %d: %s", c->file, line, col,
                          json_tokener_error_desc(err));
    } else {
        /* Anything after the object other than white space is an error. */
        size_t i = end;
        while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
            i++;
        if (i < len) {
            line_col(text, i, &line, &col);
            rc = sk_error_set(SK_ERR_FORMAT,
                              "%s: line %d, column %d: unexpected text after "
                              "the JSON object",
                              c->file, line, col);
        }
    }
    json_tokener_free(tok);
    if (rc < 0) {
        json_object_put(obj);
        return rc;
    }
    *root = obj;
    return SK_OK;
}

int sk_patient_load(const char *clinic, const char *id, sk_patient_t *out, sk_warn_fn warn,
                    void *ud)
{
    if (!clinic || !out)
        return sk_error_set(SK_ERR_ARG, "patient: no clinic or no output");
    if (!sk_valid_patient_id(id))
        return sk_library_name_error(NULL, "patient id", id);
    ctx_t c = {.warn = warn, .ud = ud};
    char path[4096];
    int k = snprintf(path, sizeof path, "%s/%s/patient.json", clinic, id);
    if (k < 0 || (size_t)k >= sizeof path)
        return sk_error_set(SK_ERR_ARG, "patient: clinic path too long");
    sk_path_display(path, c.file, sizeof c.file);

    sk_patient_t *p = calloc(1, sizeof *p);
    if (!p)
        return sk_error_set(SK_ERR_NOMEM, "%s: out of memory", c.file);
    snprintf(p->id, sizeof p->id, "%s", id);
    char *text = NULL;
    size_t len = 0;
    int missing = 0;
    json_object *root = NULL;
    int rc = read_text(path, &c, &text, &len, &missing);
    if (rc < 0 || missing)
        goto done;
    p->has_file = 1;
    rc = parse(&c, text, len, &root);
    if (rc < 0)
        goto done;
    if (!json_object_is_type(root, json_type_object)) {
        rc = sk_error_set(SK_ERR_FORMAT, "%s: the top level must be an object, not %s", c.file,
                          type_name(root));
        goto done;
    }
    int year_now = current_year();
    json_object_object_foreach(root, key, val)
    {
        if (strcmp(key, "display_name") == 0)
            rc = get_string(&c, key, val, p->display_name, sizeof p->display_name);
        else if (strcmp(key, "treatment") == 0)
            rc = get_string(&c, key, val, p->treatment, sizeof p->treatment);
        else if (strcmp(key, "notes") == 0)
            rc = get_string(&c, key, val, p->notes, sizeof p->notes);
        else if (strcmp(key, "birth_year") == 0)
            rc = get_int(&c, key, val, 1900, year_now, &p->birth_year);
        else if (strcmp(key, "fitzpatrick") == 0)
            rc = get_int(&c, key, val, 1, 6, &p->fitzpatrick);
        else if (strcmp(key, "mm_per_px") == 0)
            rc = parse_scales(&c, val, p);
        else if (strcmp(key, "grey_card") == 0)
            rc = parse_grey_cards(&c, val, p);
        else
            warn_key(&c, key, "unknown key, ignored");
        if (rc < 0)
            goto done;
    }
done:
    if (rc == SK_OK)
        *out = *p;
    json_object_put(root);
    free(text);
    free(p);
    return rc;
}

double sk_patient_mm_per_px(const sk_patient_t *p, const char *view)
{
    if (!p || !view)
        return 0.0;
    for (int i = 0; i < p->n_scales; i++)
        if (strcmp(p->scales[i].view, view) == 0)
            return p->scales[i].mm_per_px;
    return 0.0;
}

const sk_rect_t *sk_patient_grey_card(const sk_patient_t *p, const char *view)
{
    if (!p || !view)
        return NULL;
    for (int i = 0; i < p->n_grey_cards; i++)
        if (strcmp(p->grey_cards[i].view, view) == 0)
            return &p->grey_cards[i].rect;
    return NULL;
}
