/* The clinic library: id / session / view rules, the scan of a clinic
 * folder, and patient.json. Every file is made here at test time. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skintrack.h"
#include "plibrary.h"
#include "testutil.h"

/* ----------------------------------------------------------------- ids */

static void refused(int (*check)(const char *), const char *name, const char *why)
{
    sk_error_clear();
    cr_expect_eq(check(name), 0, "'%s' was accepted", name ? name : "(null)");
    cr_expect_neq(sk_error_message()[0], '\0', "no reason for '%s'", name ? name : "(null)");
    if (why)
        cr_expect_not_null(strstr(sk_error_message(), why), "'%s': reason '%s' lacks '%s'",
                           name ? name : "(null)", sk_error_message(), why);
}

static int session_check(const char *s)
{
    char date[11];
    return sk_valid_session(s, date);
}

Test(ids, patient_accepts)
{
    char longest[65];
    memset(longest, 'a', 64);
    longest[64] = '\0';
    const char *good[] = {"P0042", "a", "A.b_c-d", "007", "x..y", "name.", longest};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_expect_eq(sk_valid_patient_id(good[i]), 1, "'%s': %s", good[i], sk_error_message());
}

Test(ids, patient_refuses)
{
    char over[66];
    memset(over, 'a', 65);
    over[65] = '\0';
    refused(sk_valid_patient_id, NULL, "empty");
    refused(sk_valid_patient_id, "", "empty");
    refused(sk_valid_patient_id, ".", "not allowed");
    refused(sk_valid_patient_id, "..", "not allowed");
    refused(sk_valid_patient_id, "skintrack.auth", "reserved");
    refused(sk_valid_patient_id, "SkinTrack.db", "reserved");
    refused(sk_valid_patient_id, ".hidden", "starts with '.'");
    refused(sk_valid_patient_id, "a/b", "path separator");
    refused(sk_valid_patient_id, "../etc", "path separator");
    refused(sk_valid_patient_id, "/abs", "path separator");
    refused(sk_valid_patient_id, "a\\b", "path separator");
    refused(sk_valid_patient_id, "a\nb", "control");
    refused(sk_valid_patient_id, "a\x01", "control");
    refused(sk_valid_patient_id, "tab\there", "control");
    refused(sk_valid_patient_id, "a\x7f", "control");
    refused(sk_valid_patient_id, over, "longer than 64");
    refused(sk_valid_patient_id, "a b", "' '");
    refused(sk_valid_patient_id, "a:b", "':'");
    refused(sk_valid_patient_id, "a*", "'*'");
    refused(sk_valid_patient_id, "\xc3\xb1o", "non-ASCII");
}

Test(ids, session_accepts_and_returns_the_date)
{
    const char *good[] = {"2026-01-12",          "2024-02-29",        "2000-02-29",
                          "2026-01-12-followup", "2026-12-31-a_b-C9", "1900-01-01"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char date[11] = "xxxxxxxxxx";
        cr_expect_eq(sk_valid_session(good[i], date), 1, "'%s': %s", good[i], sk_error_message());
        cr_expect_eq(strncmp(date, good[i], 10), 0);
        cr_expect_eq(date[10], '\0');
    }
    cr_expect_eq(sk_valid_session("2026-01-12", NULL), 1);
    char label[11 + 32 + 1];
    snprintf(label, sizeof label, "2026-01-12-%s", "abcdefghijklmnopqrstuvwxyz012345");
    cr_expect_eq(sk_valid_session(label, NULL), 1, "32-character label");
}

Test(ids, session_refuses)
{
    char over[64];
    snprintf(over, sizeof over, "2026-01-12-%s", "abcdefghijklmnopqrstuvwxyz0123456");
    refused(session_check, NULL, "empty");
    refused(session_check, "", "empty");
    refused(session_check, ".", "not allowed");
    refused(session_check, "..", "not allowed");
    refused(session_check, "2026-02-30", "not a calendar date");
    refused(session_check, "2025-02-29", "not a calendar date");
    refused(session_check, "1900-02-29", "not a calendar date");
    refused(session_check, "2026-04-31", "not a calendar date");
    refused(session_check, "2026-13-01", "not a calendar date");
    refused(session_check, "2026-00-10", "not a calendar date");
    refused(session_check, "2026-01-00", "not a calendar date");
    refused(session_check, "1899-12-31", "outside");
    refused(session_check, "2026-1-12", "YYYY-MM-DD");
    refused(session_check, "20260112", "YYYY-MM-DD");
    refused(session_check, "2026/01/12", "path separator");
    refused(session_check, "2026-01-12/..", "path separator");
    refused(session_check, "2026-01-12-", "empty");
    refused(session_check, "2026-01-12x", "followed by");
    refused(session_check, "2026-01-12_x", "followed by");
    refused(session_check, "2026-01-12-a.b", "'.'");
    refused(session_check, "2026-01-12-a b", "' '");
    refused(session_check, "2026-01-12-fo\no", "control");
    refused(session_check, over, "longer");
    refused(session_check, "followup", "YYYY-MM-DD");
}

Test(ids, view_accepts_and_refuses)
{
    const char *good[] = {"front", "left", "cheek-left", "a_b", "F1"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_expect_eq(sk_valid_view(good[i]), 1, "'%s': %s", good[i], sk_error_message());
    char over[66];
    memset(over, 'v', 65);
    over[65] = '\0';
    refused(sk_valid_view, NULL, "empty");
    refused(sk_valid_view, "", "empty");
    refused(sk_valid_view, ".", "not allowed");
    refused(sk_valid_view, "..", "not allowed");
    refused(sk_valid_view, "front.mask", "'.'");
    refused(sk_valid_view, "a/b", "path separator");
    refused(sk_valid_view, "a\\b", "path separator");
    refused(sk_valid_view, "a\tb", "control");
    refused(sk_valid_view, "fr ont", "' '");
    refused(sk_valid_view, over, "longer than 64");
}

Test(ids, photo_extensions)
{
    const char *yes[] = {"jpg",  "JPG",  "jpeg", "png",  "PNG", "tif",
                         "tiff", "webp", "heic", "HEIF", "avif"};
    const char *no[] = {"gif", "txt", "", "json", "jp", "pngx"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        cr_expect_eq(sk_library_photo_ext(yes[i]), 1, "%s", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        cr_expect_eq(sk_library_photo_ext(no[i]), 0, "%s", no[i]);
    cr_expect_eq(sk_library_photo_ext(NULL), 0);
}

/* ---------------------------------------------------------------- scan */

static char tmp[256];

static void setup(void)
{
    cr_assert_not_null(sk_test_tmpdir(tmp, sizeof tmp));
}

static void teardown(void)
{
    sk_test_rmtree(tmp);
}

static void mkdirs(const char *rel)
{
    char path[1024], *p;
    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    for (p = path + strlen(tmp) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST, "mkdir %s", path);
}

static void touch(const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", tmp, rel);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot create %s", path);
    fputs(text ? text : "x", f);
    fclose(f);
}

typedef struct warnings {
    int n;
    char text[64][700];
} warnings_t;

static void collect(const char *msg, void *ud)
{
    warnings_t *w = ud;
    cr_assert_lt(w->n, 64);
    snprintf(w->text[w->n++], sizeof w->text[0], "%s", msg);
}

static int warned(const warnings_t *w, const char *a, const char *b)
{
    for (int i = 0; i < w->n; i++)
        if (strstr(w->text[i], a) && (!b || strstr(w->text[i], b)))
            return 1;
    return 0;
}

/* A clinic with every kind of entry the scan has to sort out. */
static void make_clinic(void)
{
    mkdirs("clinic/P1/2026-01-12/sub");
    touch("clinic/P1/2026-01-12/front.jpg", NULL);
    touch("clinic/P1/2026-01-12/front.mask.png", NULL);
    touch("clinic/P1/2026-01-12/left.PNG", NULL);
    touch("clinic/P1/2026-01-12/notes.txt", NULL);
    touch("clinic/P1/2026-01-12/.front.jpg.1234.tmp", NULL);
    touch("clinic/P1/2026-01-12/right.jpg", NULL);
    touch("clinic/P1/2026-01-12/right.png", NULL);
    touch("clinic/P1/2026-01-12/cheek.mask.png", NULL);
    touch("clinic/P1/2026-01-12/front.v2.jpg", NULL);
    touch("clinic/P1/patient.json", "{}");
    touch("clinic/P1/stray.jpg", NULL);
    mkdirs("clinic/P1/photos");
    mkdirs("clinic/P1/2026-02-30");
    mkdirs("clinic/P1/2026-01-13");
    char target[1024], link[1024];
    snprintf(target, sizeof target, "../2026-01-12/front.jpg");
    snprintf(link, sizeof link, "%s/clinic/P1/2026-01-13/front.jpg", tmp);
    cr_assert_eq(symlink(target, link), 0);
    mkdirs("clinic/P2/2025-12-01-followup");
    mkdirs("clinic/P2/2025-12-01");
    touch("clinic/P2/2025-12-01-followup/front.heic", NULL);
    touch("clinic/P2/2025-12-01/front.jpeg", NULL);
    touch("clinic/P2/2025-12-01/cheek-left.webp", NULL);
    mkdirs("clinic/.trash/2026-01-01");
    mkdirs("clinic/bad id");
    touch("clinic/skintrack.db", NULL);
    touch("clinic/skintrack.db-wal", NULL);
    touch("clinic/readme.txt", NULL);
    mkdirs("outside/2026-01-01");
    touch("outside/2026-01-01/front.jpg", NULL);
    snprintf(target, sizeof target, "%s/outside", tmp);
    snprintf(link, sizeof link, "%s/clinic/P3", tmp);
    cr_assert_eq(symlink(target, link), 0);
}

TestSuite(scan, .init = setup, .fini = teardown);

Test(scan, finds_exactly_the_layout_and_warns_once_per_misfit)
{
    make_clinic();
    char clinic[512];
    snprintf(clinic, sizeof clinic, "%s/clinic", tmp);
    sk_photo_ref_t *refs = NULL;
    size_t n = 99;
    warnings_t *w = calloc(1, sizeof *w);
    int rc = sk_library_scan(clinic, NULL, &refs, &n, collect, w);
    cr_assert_eq(rc, SK_OK, "%s", sk_error_message());
    const char *expect[][4] = {
        {"P1", "2026-01-12", "front", "front.jpg"},
        {"P1", "2026-01-12", "left", "left.PNG"},
        {"P1", "2026-01-13", "front", "front.jpg"},
        {"P2", "2025-12-01", "cheek-left", "cheek-left.webp"},
        {"P2", "2025-12-01", "front", "front.jpeg"},
        {"P2", "2025-12-01-followup", "front", "front.heic"},
    };
    size_t ne = sizeof expect / sizeof expect[0];
    for (size_t i = 0; i < n; i++)
        cr_log_info("ref %s %s %s %s", refs[i].patient, refs[i].session, refs[i].view,
                    refs[i].path);
    cr_assert_eq(n, ne, "%zu refs", n);
    for (size_t i = 0; i < ne; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s/%s/%s", clinic, expect[i][0], expect[i][1],
                 expect[i][3]);
        cr_expect_str_eq(refs[i].patient, expect[i][0]);
        cr_expect_str_eq(refs[i].session, expect[i][1]);
        cr_expect_eq(strncmp(refs[i].date, expect[i][1], 10), 0);
        cr_expect_eq(strlen(refs[i].date), 10);
        cr_expect_str_eq(refs[i].view, expect[i][2]);
        cr_expect_str_eq(refs[i].path, path);
    }
    char mask[1024];
    snprintf(mask, sizeof mask, "%s/P1/2026-01-12/front.mask.png", clinic);
    cr_expect_str_eq(refs[0].mask_path, mask);
    for (size_t i = 1; i < ne; i++)
        cr_expect_str_empty(refs[i].mask_path, "%s", refs[i].path);

    for (int i = 0; i < w->n; i++)
        cr_log_info("warning: %s", w->text[i]);
    cr_expect(warned(w, "notes.txt", "not a photo"));
    cr_expect(warned(w, "front.v2.jpg", "view name"));
    cr_expect(warned(w, "2026-01-12", "'right'"));
    cr_expect(warned(w, "cheek.mask.png", "without its photo"));
    cr_expect(warned(w, "2026-01-12/sub", "folder"));
    cr_expect(warned(w, "P1/stray.jpg", "layout"));
    cr_expect(warned(w, "P1/photos", "session"));
    cr_expect(warned(w, "P1/2026-02-30", "calendar"));
    cr_expect(warned(w, "bad id", "patient"));
    cr_expect(warned(w, "readme.txt", "layout"));
    cr_expect(warned(w, "clinic/P3", "outside the clinic"));
    cr_expect_eq(w->n, 11, "exactly one warning per misfit, got %d", w->n);
    cr_expect(!warned(w, "skintrack.db", NULL));
    cr_expect(!warned(w, ".trash", NULL));
    cr_expect(!warned(w, ".front.jpg", NULL));
    cr_expect(!warned(w, "P1/patient.json", NULL));
    free(refs);
    free(w);
}

Test(scan, one_patient_and_errors)
{
    make_clinic();
    char clinic[512], file[600];
    snprintf(clinic, sizeof clinic, "%s/clinic", tmp);
    sk_photo_ref_t *refs = NULL;
    size_t n = 0;
    cr_assert_eq(sk_library_scan(clinic, "P2", &refs, &n, NULL, NULL), SK_OK, "%s",
                 sk_error_message());
    cr_expect_eq(n, 3);
    for (size_t i = 0; i < n; i++)
        cr_expect_str_eq(refs[i].patient, "P2");
    free(refs);

    refs = NULL;
    cr_expect_eq(sk_library_scan(clinic, "P9", &refs, &n, NULL, NULL), SK_ERR_NOT_FOUND);
    cr_expect_not_null(strstr(sk_error_message(), "P9"));
    cr_expect_eq(sk_library_scan(clinic, "../clinic", &refs, &n, NULL, NULL), SK_ERR_ARG);
    cr_expect_eq(sk_library_scan(clinic, "P3", &refs, &n, NULL, NULL), SK_ERR_ARG,
                 "a patient link out of the clinic is refused");
    snprintf(file, sizeof file, "%s/nowhere", tmp);
    cr_expect_eq(sk_library_scan(file, NULL, &refs, &n, NULL, NULL), SK_ERR_NOT_FOUND);
    cr_expect_not_null(strstr(sk_error_message(), "nowhere"));
    snprintf(file, sizeof file, "%s/clinic/readme.txt", tmp);
    cr_expect_eq(sk_library_scan(file, NULL, &refs, &n, NULL, NULL), SK_ERR_ARG);
    cr_expect_null(refs, "nothing written on failure");

    /* An empty clinic is fine: zero photos. */
    mkdirs("empty");
    snprintf(file, sizeof file, "%s/empty", tmp);
    n = 7;
    cr_expect_eq(sk_library_scan(file, NULL, &refs, &n, NULL, NULL), SK_OK);
    cr_expect_eq(n, 0);
    free(refs);
}

/* --------------------------------------------------------- patient.json */

TestSuite(patient, .init = setup, .fini = teardown);

static int load_json(const char *text, sk_patient_t *p, warnings_t *w)
{
    mkdirs("clinic/P7");
    if (text)
        touch("clinic/P7/patient.json", text);
    char clinic[512];
    snprintf(clinic, sizeof clinic, "%s/clinic", tmp);
    return sk_patient_load(clinic, "P7", p, w ? collect : NULL, w);
}

Test(patient, full_schema)
{
    sk_patient_t *p = calloc(1, sizeof *p);
    warnings_t *w = calloc(1, sizeof *w);
    const char *text =
        "{\n"
        "  \"display_name\": \"Ana P.\",\n"
        "  \"birth_year\": 1984,\n"
        "  \"fitzpatrick\": 3,\n"
        "  \"treatment\": \"microneedling, 4 sessions\",\n"
        "  \"mm_per_px\": {\"front\": 0.08, \"cheek-left\": 0.025},\n"
        "  \"grey_card\": {\"front\": {\"x\": 10, \"y\": 20, \"w\": 64, \"h\": 32}},\n"
        "  \"notes\": \"line one\\nline two\"\n"
        "}\n";
    cr_assert_eq(load_json(text, p, w), SK_OK, "%s", sk_error_message());
    cr_expect_eq(p->has_file, 1);
    cr_expect_str_eq(p->id, "P7");
    cr_expect_str_eq(p->display_name, "Ana P.");
    cr_expect_eq(p->birth_year, 1984);
    cr_expect_eq(p->fitzpatrick, 3);
    cr_expect_str_eq(p->treatment, "microneedling, 4 sessions");
    cr_expect_str_eq(p->notes, "line one\nline two");
    cr_expect_eq(p->n_scales, 2);
    cr_expect_float_eq(sk_patient_mm_per_px(p, "front"), 0.08, 1e-12);
    cr_expect_float_eq(sk_patient_mm_per_px(p, "cheek-left"), 0.025, 1e-12);
    cr_expect_eq(sk_patient_mm_per_px(p, "left"), 0.0);
    const sk_rect_t *g = sk_patient_grey_card(p, "front");
    cr_assert_not_null(g);
    cr_expect(g->x == 10 && g->y == 20 && g->w == 64 && g->h == 32);
    cr_expect_null(sk_patient_grey_card(p, "left"));
    cr_expect_eq(w->n, 0);
    free(p);
    free(w);
}

Test(patient, missing_file_gives_defaults)
{
    sk_patient_t *p = calloc(1, sizeof *p);
    memset(p, 0x5a, sizeof *p);
    cr_assert_eq(load_json(NULL, p, NULL), SK_OK, "%s", sk_error_message());
    cr_expect_eq(p->has_file, 0);
    cr_expect_str_empty(p->display_name);
    cr_expect_eq(p->birth_year, 0);
    cr_expect_eq(p->fitzpatrick, 0);
    cr_expect_eq(p->n_scales, 0);
    cr_expect_eq(p->n_grey_cards, 0);
    /* No patient folder at all: also defaults. */
    char clinic[512];
    snprintf(clinic, sizeof clinic, "%s/clinic", tmp);
    cr_expect_eq(sk_patient_load(clinic, "P404", p, NULL, NULL), SK_OK);
    cr_expect_eq(sk_patient_load(clinic, "../P7", p, NULL, NULL), SK_ERR_ARG);
    free(p);
}

Test(patient, unknown_key_is_warned_not_refused)
{
    sk_patient_t *p = calloc(1, sizeof *p);
    warnings_t *w = calloc(1, sizeof *w);
    cr_assert_eq(load_json("{\"fitzpatrick\": 2, \"favourite_colour\": \"blue\", "
                           "\"grey_card\": {\"front\": {\"x\":0,\"y\":0,\"w\":1,\"h\":1,\"z\":3}}}",
                           p, w),
                 SK_OK, "%s", sk_error_message());
    cr_expect_eq(p->fitzpatrick, 2);
    cr_expect_eq(w->n, 2);
    cr_expect(warned(w, "patient.json: favourite_colour", "unknown key"));
    cr_expect(warned(w, "grey_card.front.z", "unknown key"));
    free(p);
    free(w);
}

static void expect_refused(const char *text, const char *needle)
{
    sk_patient_t *p = calloc(1, sizeof *p);
    sk_patient_t before;
    memset(&before, 0x33, sizeof before);
    *p = before;
    int rc = load_json(text, p, NULL);
    cr_expect_eq(rc, SK_ERR_FORMAT, "'%s' gave %d (%s)", text, rc, sk_error_message());
    cr_expect_not_null(strstr(sk_error_message(), needle), "'%s': message '%s' lacks '%s'", text,
                       sk_error_message(), needle);
    cr_expect_not_null(strstr(sk_error_message(), "patient.json: "), "%s", sk_error_message());
    cr_expect_eq(memcmp(p, &before, sizeof before), 0, "output untouched on failure");
    free(p);
}

Test(patient, wrong_types_and_ranges_are_refused)
{
    expect_refused("{\"birth_year\": \"1984\"}", "birth_year: must be an integer, not string");
    expect_refused("{\"birth_year\": 1984.5}", "birth_year: must be an integer, not double");
    expect_refused("{\"birth_year\": 1899}", "birth_year: 1899 is outside 1900..");
    expect_refused("{\"birth_year\": 3000}", "birth_year: 3000 is outside");
    expect_refused("{\"fitzpatrick\": 7}", "fitzpatrick: 7 is outside 1..6");
    expect_refused("{\"fitzpatrick\": 0}", "fitzpatrick: 0 is outside 1..6");
    expect_refused("{\"fitzpatrick\": null}", "fitzpatrick: must be an integer, not null");
    expect_refused("{\"display_name\": 42}", "display_name: must be a string");
    expect_refused("{\"notes\": [\"a\"]}", "notes: must be a string, not array");
    expect_refused("{\"mm_per_px\": 0.1}", "mm_per_px: must be an object");
    expect_refused("{\"mm_per_px\": {\"front\": -0.1}}", "mm_per_px.front: -0.1 is outside");
    expect_refused("{\"mm_per_px\": {\"front\": 0}}", "mm_per_px.front: 0 is outside");
    expect_refused("{\"mm_per_px\": {\"front\": \"0.1\"}}", "mm_per_px.front: must be a number");
    expect_refused("{\"mm_per_px\": {\"front.mask\": 0.1}}", "mm_per_px.front.mask: not a view");
    expect_refused("{\"mm_per_px\": {\"../x\": 0.1}}", "not a view");
    expect_refused("{\"grey_card\": {\"front\": {\"x\": 1, \"y\": 2, \"w\": 3}}}",
                   "grey_card.front.h: missing");
    expect_refused("{\"grey_card\": {\"front\": {\"x\": -1, \"y\": 2, \"w\": 3, \"h\": 4}}}",
                   "grey_card.front.x: -1 is outside");
    expect_refused("{\"grey_card\": {\"front\": {\"x\": 1, \"y\": 2, \"w\": 0, \"h\": 4}}}",
                   "grey_card.front.w: 0 is outside");
    expect_refused("{\"grey_card\": {\"front\": [1, 2, 3, 4]}}", "grey_card.front: must be an "
                                                                 "object");
    expect_refused("[1, 2]", "top level must be an object");
}

Test(patient, bad_json_is_refused_with_position)
{
    expect_refused("{\n  \"fitzpatrick\": 3,\n  \"notes\": \"x\",,\n}\n", "line 3");
    expect_refused("{\"fitzpatrick\": 3", "unexpected end of file");
    expect_refused("{\"a\": 1} trailing", "line 1, column 10");
    expect_refused("{\"a\": tru}", "line 1, column ");
    expect_refused("", "unexpected end of file");
    /* Strict mode: no trailing comma. */
    expect_refused("{\"fitzpatrick\": 3,}", "line 1");
}
