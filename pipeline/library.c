/* The clinic library on disk: the names of its three levels (patient id,
 * session folder, view) and the scan that lists every photo of a clinic.
 * Layout and rules: docs/LIBRARY.md. */
#include "skintrack.h"
#include "plibrary.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

/* ----------------------------------------------------------------- ids */

/* Shared checks of the three name kinds: emptiness, length, path
 * separators, "." / "..", control and non-ASCII bytes. `extra` lists the
 * punctuation allowed besides letters and digits. Returns 1 or 0 with the
 * reason recorded. */
static int check_name(const char *s, size_t max, const char *extra, const char *allowed_desc)
{
    if (!s || !*s) {
        sk_error_set(SK_ERR_ARG, "is empty");
        return 0;
    }
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
        sk_error_set(SK_ERR_ARG, "'%s' is not allowed (it names a folder, not an entry)", s);
        return 0;
    }
    size_t n = strnlen(s, max + 1);
    if (n > max) {
        sk_error_set(SK_ERR_ARG, "is longer than %zu characters", max);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '/' || c == '\\') {
            sk_error_set(SK_ERR_ARG, "contains '%c' (a path separator)", c);
            return 0;
        }
        if (c < 0x20 || c == 0x7f) {
            sk_error_set(SK_ERR_ARG, "contains a control character");
            return 0;
        }
        if (c >= 0x80) {
            sk_error_set(SK_ERR_ARG, "contains a non-ASCII character; %s", allowed_desc);
            return 0;
        }
        if (!g_ascii_isalnum(c) && !strchr(extra, c)) {
            sk_error_set(SK_ERR_ARG, "contains '%c'; %s", c, allowed_desc);
            return 0;
        }
    }
    return 1;
}

int sk_valid_patient_id(const char *id)
{
    if (!check_name(id, SK_PATIENT_ID_MAX, "._-",
                    "only letters, digits, '.', '_' and '-' are allowed"))
        return 0;
    if (id[0] == '.') {
        sk_error_set(SK_ERR_ARG, "starts with '.' (hidden names are not allowed)");
        return 0;
    }
    if (g_ascii_strncasecmp(id, "skintrack", 9) == 0) {
        sk_error_set(SK_ERR_ARG, "names starting with 'skintrack' are reserved for the library's "
                                 "own files");
        return 0;
    }
    return 1;
}

int sk_valid_view(const char *view)
{
    return check_name(view, SK_VIEW_MAX, "_-", "only letters, digits, '_' and '-' are allowed");
}

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!g_ascii_isdigit(s[i]))
            return 0;
    return 1;
}

int sk_valid_session(const char *session, char date_out[11])
{
    if (!check_name(session, SK_SESSION_MAX, "_-",
                    "a session is YYYY-MM-DD with an optional -label of letters, digits, '_' "
                    "and '-'"))
        return 0;
    const char *s = session;
    if (strlen(s) < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2)) {
        sk_error_set(SK_ERR_ARG, "is not a date YYYY-MM-DD (optionally followed by -label)");
        return 0;
    }
    int year = atoi(s), month = atoi(s + 5), day = atoi(s + 8);
    if (year < 1900 || year > 2999) {
        sk_error_set(SK_ERR_ARG, "year %d is outside 1900..2999", year);
        return 0;
    }
    if (month < 1 || month > 12 || day < 1 ||
        !g_date_valid_dmy((GDateDay)day, (GDateMonth)month, (GDateYear)year)) {
        sk_error_set(SK_ERR_ARG, "%.10s is not a calendar date", s);
        return 0;
    }
    if (s[10] != '\0') {
        if (s[10] != '-') {
            sk_error_set(SK_ERR_ARG, "the date must be followed by '-label' or nothing");
            return 0;
        }
        const char *label = s + 11;
        if (!*label) {
            sk_error_set(SK_ERR_ARG, "the label after the date is empty");
            return 0;
        }
        if (strlen(label) > SK_SESSION_LABEL_MAX) {
            sk_error_set(SK_ERR_ARG, "the label is longer than %d characters",
                         SK_SESSION_LABEL_MAX);
            return 0;
        }
    }
    if (date_out) {
        memcpy(date_out, s, 10);
        date_out[10] = '\0';
    }
    return 1;
}

int sk_library_name_error(const char *prefix, const char *what, const char *value)
{
    /* The reason lives in the buffer sk_error_set() is about to rewrite. */
    char why[512], disp[SK_DISPLAY_PATH_MAX];
    snprintf(why, sizeof why, "%s", sk_error_message());
    sk_path_display(value ? value : "", disp, sizeof disp);
    return sk_error_set(SK_ERR_ARG, "%s%s%s '%s': %s", prefix ? prefix : "", prefix ? ": " : "",
                        what, disp, why);
}

int sk_library_photo_ext(const char *ext)
{
    static const char *const exts[] = {"jpg",  "jpeg", "png",  "tif", "tiff",
                                       "webp", "heic", "heif", "avif"};
    if (!ext)
        return 0;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (g_ascii_strcasecmp(ext, exts[i]) == 0)
            return 1;
    return 0;
}

int sk_library_split_photo_name(const char *name, char view[SK_VIEW_MAX + 1], const char **ext)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name || !sk_library_photo_ext(dot + 1))
        return SK_LIB_NAME_OTHER;
    size_t stem = (size_t)(dot - name);
    if (stem >= 5 && g_ascii_strncasecmp(dot - 5, ".mask", 5) == 0 &&
        g_ascii_strcasecmp(dot + 1, "png") == 0) {
        stem -= 5;
        if (stem == 0 || stem > SK_VIEW_MAX)
            return SK_LIB_NAME_OTHER;
        memcpy(view, name, stem);
        view[stem] = '\0';
        if (ext)
            *ext = dot + 1;
        return SK_LIB_NAME_MASK;
    }
    if (stem > SK_VIEW_MAX)
        return SK_LIB_NAME_BAD_VIEW;
    memcpy(view, name, stem);
    view[stem] = '\0';
    if (ext)
        *ext = dot + 1;
    return SK_LIB_NAME_PHOTO;
}

/* ---------------------------------------------------------------- scan */

typedef struct scan {
    const char *clinic;
    char real[PATH_MAX]; /* the clinic's resolved path, to keep links inside */
    sk_photo_ref_t *refs;
    size_t n, cap;
    sk_warn_fn warn;
    void *ud;
} scan_t;

static void warnf(scan_t *s, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void warnf(scan_t *s, const char *path, const char *fmt, ...)
{
    if (!s->warn)
        return;
    char disp[SK_DISPLAY_PATH_MAX], why[512], msg[SK_DISPLAY_PATH_MAX + 520];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof msg, "%s: %s", sk_path_display(path, disp, sizeof disp), why);
    s->warn(msg, s->ud);
}

/* lstat `path`; a symbolic link is resolved only when its target lies
 * inside the clinic. Returns 0 with *st of the target, or -1 after a
 * warning (dangling link, link out of the clinic, unreadable). */
static int entry_stat(scan_t *s, const char *path, struct stat *st)
{
    if (lstat(path, st) != 0) {
        warnf(s, path, "skipped: cannot read (%s)", strerror(errno));
        return -1;
    }
    if (!S_ISLNK(st->st_mode))
        return 0;
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        warnf(s, path, "skipped: broken symbolic link");
        return -1;
    }
    size_t n = strlen(s->real);
    if (strncmp(real, s->real, n) != 0 || real[n] != '/') {
        warnf(s, path, "skipped: symbolic link pointing outside the clinic");
        return -1;
    }
    if (stat(real, st) != 0) {
        warnf(s, path, "skipped: cannot read (%s)", strerror(errno));
        return -1;
    }
    return 0;
}

static int join(char *out, size_t len, const char *a, const char *b)
{
    int k = snprintf(out, len, "%s/%s", a, b);
    return k < 0 || (size_t)k >= len ? -1 : 0;
}

/* Names of a folder, sorted, hidden ones left out. NULL-terminated array
 * freed with g_strfreev; NULL on failure (errno set). */
static char **list_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return NULL;
    GPtrArray *names = g_ptr_array_new();
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        g_ptr_array_add(names, g_strdup(e->d_name));
    }
    closedir(d);
    g_ptr_array_sort(names, (GCompareFunc)sk_library_strcmp_p);
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}

int sk_library_strcmp_p(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int push_ref(scan_t *s, const sk_photo_ref_t *r)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        sk_photo_ref_t *p = realloc(s->refs, cap * sizeof *p);
        if (!p)
            return SK_ERR_NOMEM;
        s->refs = p;
        s->cap = cap;
    }
    s->refs[s->n++] = *r;
    return SK_OK;
}

typedef struct candidate {
    char view[SK_VIEW_MAX + 1];
    char name[256];
    int is_mask;
    int used;
} candidate_t;

static int cmp_candidate(const void *a, const void *b)
{
    const candidate_t *x = a, *y = b;
    int c = strcmp(x->view, y->view);
    if (c)
        return c;
    if (x->is_mask != y->is_mask)
        return x->is_mask - y->is_mask;
    return strcmp(x->name, y->name);
}

static int scan_session(scan_t *s, const char *patient, const char *session, const char *date,
                        const char *dir)
{
    char **names = list_dir(dir);
    if (!names) {
        warnf(s, dir, "skipped: cannot read folder (%s)", strerror(errno));
        return SK_OK;
    }
    size_t count = g_strv_length(names);
    candidate_t *c = calloc(count ? count : 1, sizeof *c);
    if (!c) {
        g_strfreev(names);
        return SK_ERR_NOMEM;
    }
    size_t nc = 0;
    int rc = SK_OK;
    char path[4096];
    for (size_t i = 0; i < count; i++) {
        const char *name = names[i];
        struct stat st;
        if (join(path, sizeof path, dir, name) < 0) {
            warnf(s, dir, "skipped an entry: path too long");
            continue;
        }
        if (entry_stat(s, path, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            warnf(s, path, "skipped: unexpected folder inside a session");
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            warnf(s, path, "skipped: not a regular file");
            continue;
        }
        char view[SK_VIEW_MAX + 1];
        int kind = sk_library_split_photo_name(name, view, NULL);
        if (kind == SK_LIB_NAME_OTHER) {
            warnf(s, path,
                  "skipped: not a photo of the layout (VIEW.jpg, .png, .tif, .webp, "
                  ".heic, .avif or VIEW.mask.png)");
            continue;
        }
        if (kind == SK_LIB_NAME_BAD_VIEW || !sk_valid_view(view)) {
            warnf(s, path, "skipped: the view name %s",
                  kind == SK_LIB_NAME_BAD_VIEW ? "is too long" : sk_error_message());
            continue;
        }
        if (strlen(name) >= sizeof c[nc].name) {
            warnf(s, path, "skipped: file name too long");
            continue;
        }
        snprintf(c[nc].view, sizeof c[nc].view, "%s", view);
        snprintf(c[nc].name, sizeof c[nc].name, "%s", name);
        c[nc].is_mask = kind == SK_LIB_NAME_MASK;
        nc++;
    }
    if (nc > 1)
        qsort(c, nc, sizeof *c, cmp_candidate);
    for (size_t i = 0; i < nc && rc == SK_OK;) {
        /* One view: its photos first, then its masks. */
        size_t j = i, photos = 0;
        while (j < nc && strcmp(c[j].view, c[i].view) == 0) {
            photos += !c[j].is_mask;
            j++;
        }
        if (photos > 1) {
            char list[1024] = "";
            for (size_t k = i; k < j; k++)
                if (!c[k].is_mask) {
                    size_t len = strlen(list);
                    snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "", c[k].name);
                }
            warnf(s, dir, "skipped view '%s': %zu photos of the same view (%s); keep one",
                  c[i].view, photos, list);
        } else if (photos == 0) {
            if (join(path, sizeof path, dir, c[i].name) == 0)
                warnf(s, path, "skipped: a mask without its photo");
        } else {
            sk_photo_ref_t r;
            memset(&r, 0, sizeof r);
            snprintf(r.patient, sizeof r.patient, "%s", patient);
            snprintf(r.session, sizeof r.session, "%s", session);
            snprintf(r.date, sizeof r.date, "%s", date);
            snprintf(r.view, sizeof r.view, "%s", c[i].view);
            size_t masks = j - i - 1;
            /* Both names were joined with `dir` once already: they fit. */
            int ok = join(r.path, sizeof r.path, dir, c[i].name) == 0;
            if (masks > 1)
                warnf(s, dir, "view '%s': several masks; none used", c[i].view);
            else if (masks == 1 && join(r.mask_path, sizeof r.mask_path, dir, c[i + 1].name) != 0)
                r.mask_path[0] = '\0';
            if (ok)
                rc = push_ref(s, &r);
        }
        i = j;
    }
    free(c);
    g_strfreev(names);
    return rc;
}

static int scan_patient(scan_t *s, const char *patient, const char *dir)
{
    char **names = list_dir(dir);
    if (!names) {
        warnf(s, dir, "skipped: cannot read folder (%s)", strerror(errno));
        return SK_OK;
    }
    int rc = SK_OK;
    char path[4096];
    for (char **p = names; *p && rc == SK_OK; p++) {
        const char *name = *p;
        struct stat st;
        if (join(path, sizeof path, dir, name) < 0) {
            warnf(s, dir, "skipped an entry: path too long");
            continue;
        }
        if (entry_stat(s, path, &st) < 0)
            continue;
        if (!S_ISDIR(st.st_mode)) {
            if (strcmp(name, "patient.json") != 0)
                warnf(s, path,
                      "skipped: not part of the library layout (a patient folder "
                      "holds session folders and patient.json)");
            continue;
        }
        char date[11];
        if (!sk_valid_session(name, date)) {
            warnf(s, path, "skipped: not a session folder: the name %s", sk_error_message());
            continue;
        }
        rc = scan_session(s, patient, name, date, path);
    }
    g_strfreev(names);
    return rc;
}

static int cmp_ref(const void *a, const void *b)
{
    const sk_photo_ref_t *x = a, *y = b;
    int c = strcmp(x->patient, y->patient);
    if (!c)
        c = strcmp(x->date, y->date);
    if (!c)
        c = strcmp(x->session, y->session);
    if (!c)
        c = strcmp(x->view, y->view);
    return c;
}

static int folder_error(const char *path, const char *what)
{
    char disp[SK_DISPLAY_PATH_MAX];
    sk_path_display(path, disp, sizeof disp);
    if (errno == ENOENT)
        return sk_error_set(SK_ERR_NOT_FOUND, "%s: no such %s", disp, what);
    if (errno == ENOTDIR)
        return sk_error_set(SK_ERR_ARG, "%s: not a folder", disp);
    if (errno == EACCES || errno == EPERM)
        return sk_error_set(SK_ERR_PERMISSION, "%s: permission denied", disp);
    return sk_error_set(SK_ERR_IO, "%s: cannot read %s: %s", disp, what, strerror(errno));
}

int sk_library_scan(const char *clinic, const char *patient, sk_photo_ref_t **refs, size_t *n,
                    sk_warn_fn warn, void *ud)
{
    if (!clinic || !*clinic || !refs || !n)
        return sk_error_set(SK_ERR_ARG, "library scan: no clinic or no output");
    if (patient && !sk_valid_patient_id(patient))
        return sk_library_name_error(NULL, "patient id", patient);
    scan_t *s = calloc(1, sizeof *s);
    if (!s)
        return SK_ERR_NOMEM;
    s->clinic = clinic;
    s->warn = warn;
    s->ud = ud;
    int rc = SK_OK;
    struct stat st;
    if (stat(clinic, &st) != 0) {
        rc = folder_error(clinic, "clinic folder");
        goto done;
    }
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        rc = folder_error(clinic, "clinic folder");
        goto done;
    }
    if (!realpath(clinic, s->real)) {
        rc = folder_error(clinic, "clinic folder");
        goto done;
    }
    char path[4096];
    if (patient) {
        if (join(path, sizeof path, clinic, patient) < 0) {
            rc = sk_error_set(SK_ERR_ARG, "clinic path too long");
            goto done;
        }
        if (lstat(path, &st) != 0) {
            if (errno == ENOENT) {
                char disp[SK_DISPLAY_PATH_MAX];
                rc = sk_error_set(SK_ERR_NOT_FOUND, "%s: no patient '%s' in this clinic",
                                  sk_path_display(clinic, disp, sizeof disp), patient);
            } else {
                rc = folder_error(path, "patient folder");
            }
            goto done;
        }
        if (entry_stat(s, path, &st) < 0 || !S_ISDIR(st.st_mode)) {
            char disp[SK_DISPLAY_PATH_MAX];
            rc = sk_error_set(SK_ERR_ARG, "%s: not a patient folder",
                              sk_path_display(path, disp, sizeof disp));
            goto done;
        }
        rc = scan_patient(s, patient, path);
    } else {
        char **names = list_dir(clinic);
        if (!names) {
            rc = folder_error(clinic, "clinic folder");
            goto done;
        }
        for (char **p = names; *p && rc == SK_OK; p++) {
            const char *name = *p;
            if (strncmp(name, "skintrack.", 10) == 0)
                continue; /* the store and its journal */
            if (join(path, sizeof path, clinic, name) < 0) {
                warnf(s, clinic, "skipped an entry: path too long");
                continue;
            }
            if (entry_stat(s, path, &st) < 0)
                continue;
            if (!S_ISDIR(st.st_mode)) {
                warnf(s, path,
                      "skipped: not part of the library layout (the clinic folder "
                      "holds patient folders)");
                continue;
            }
            if (!sk_valid_patient_id(name)) {
                warnf(s, path, "skipped: not a patient folder: the id %s", sk_error_message());
                continue;
            }
            rc = scan_patient(s, name, path);
        }
        g_strfreev(names);
    }
    if (rc < 0)
        goto done;
    if (s->n > 1)
        qsort(s->refs, s->n, sizeof *s->refs, cmp_ref);
    *refs = s->refs;
    *n = s->n;
    s->refs = NULL;
done:
    free(s->refs);
    free(s);
    if (rc == SK_ERR_NOMEM)
        rc = sk_error_set(SK_ERR_NOMEM, "library scan: out of memory");
    return rc;
}
