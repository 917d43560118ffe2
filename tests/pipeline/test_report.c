/* The PDF report, checked the way a reader would: page count, text (metric
 * names, session dates, awkward names), embedded photos (poppler-utils). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>
#include <vips/vips.h>

#include "sk_phantom.h"
#include "skintrack.h"
#include "testmodels.h"
#include "testutil.h"

static char clinic[256];

static void setup(void)
{
    cr_assert_eq(sk_pipeline_init("test_report"), SK_OK);
    cr_assert_not_null(sk_test_tmpdir(clinic, sizeof clinic));
}

static void teardown(void)
{
    sk_test_rmtree(clinic);
}

TestSuite(report, .init = setup, .fini = teardown, .timeout = 300);

static void phantom_photo(const char *patient, const char *session, const char *view,
                          double improvement, uint64_t perturb)
{
    sk_test_clinic_phantom(clinic, patient, session, view, improvement, perturb, 1.0);
}

static void write_text(const char *rel, const char *text)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", clinic, rel);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* Output of a shell command (poppler tools) into buf. */
static void run(const char *cmd, char *buf, size_t len)
{
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "%s", cmd);
    size_t n = fread(buf, 1, len - 1, p);
    buf[n] = '\0';
    cr_assert_eq(pclose(p), 0, "%s failed", cmd);
}

/* UTF-8 characters in the first n bytes of s. */
static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static void batch(void)
{
    sk_batch_opts_t o;
    sk_batch_opts_default(&o);
    o.clinic = clinic;
    o.progress = 0;
    o.jobs = 2;
    sk_batch_summary_t *s = calloc(1, sizeof *s);
    sk_batch_run(&o, s);
    free(s);
}

Test(report, sessions_views_failures_and_names)
{
    phantom_photo("P9", "2026-01-12", "cheek", 0, 0);
    phantom_photo("P9", "2026-02-16", "cheek", 0.1, 3);
    phantom_photo("P9", "2026-03-23", "cheek", 0.2, 4);
    phantom_photo("P9", "2026-03-23", "forehead", 0.2, 5); /* a view missing earlier */
    write_text("P9/2026-02-16/forehead.jpg", "not a photo"); /* a failed photo */
    write_text("P9/patient.json",
               "{\"display_name\": \"Zoë Łukasiewicz-Ñúñez, a rather long name that must "
               "wrap without being clipped\", \"treatment\": \"Microneedling\", "
               "\"mm_per_px\": {\"cheek\": 0.04, \"forehead\": 0.04}}");
    batch();
    char db[600], pdf[600], cmd[1400];
    snprintf(db, sizeof db, "%s/skintrack.db", clinic);
    snprintf(pdf, sizeof pdf, "%s/r.pdf", clinic);
    int pages = 0;
    cr_assert_eq(sk_report_patient(clinic, db, "P9", pdf, &pages), SK_OK, "%s", sk_error_message());
    static char out[1 << 18];
    snprintf(cmd, sizeof cmd, "pdfinfo '%s'", pdf);
    run(cmd, out, sizeof out);
    const char *pg = strstr(out, "Pages:");
    cr_assert_not_null(pg, "%s", out);
    cr_assert_eq(atoi(pg + 6), pages, "%s", out);
    cr_assert_geq(pages, 4);
    snprintf(cmd, sizeof cmd, "pdftotext -layout '%s' -", pdf);
    run(cmd, out, sizeof out);
    const char *texts[] = {"Skin progress report", "Zoë Łukasiewicz", "2026-01-12", "2026-03-23",
                           "Pores (count)", "Wrinkle total length", "Pigmented spot area",
                           "Roughness Rq", "could not be scored", "not an image",
                           "Method and limits", "diagnosis", "proxy"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        cr_assert_not_null(strstr(out, texts[i]), "'%s' missing from the report", texts[i]);
    snprintf(cmd, sizeof cmd, "pdfimages -list '%s' | tail -n +3 | wc -l", pdf);
    run(cmd, out, sizeof out);
    /* per view: baseline, latest, two overlays (forehead has one session:
     * baseline and its overlays) */
    cr_assert_geq(atoi(out), 6, "images: %s", out);
    snprintf(cmd, sizeof cmd, "pdfimages -list '%s' | grep -c jpeg", pdf);
    run(cmd, out, sizeof out);
    cr_assert_geq(atoi(out), 6, "photos embedded as JPEG: %s", out);
    struct stat st;
    cr_assert_eq(stat(pdf, &st), 0);
    cr_assert_lt(st.st_size, 10 * 1024 * 1024);
}

/* The report of `patient`, written to CLINIC/name, and its text in out
 * (pdftotext, with -layout when `layout`). */
static void report_text(const char *patient, const char *name, int layout, char *out, size_t len)
{
    char db[600], pdf[600], cmd[1400];
    snprintf(db, sizeof db, "%s/skintrack.db", clinic);
    snprintf(pdf, sizeof pdf, "%s/%s", clinic, name);
    cr_assert_eq(sk_report_patient(clinic, db, patient, pdf, NULL), SK_OK, "%s",
                 sk_error_message());
    snprintf(cmd, sizeof cmd, "pdftotext %s'%s' -", layout ? "-layout " : "", pdf);
    run(cmd, out, len);
}

Test(report, single_session_says_so)
{
    phantom_photo("P1", "2026-05-01", "cheek", 0, 0);
    batch();
    static char out[1 << 17];
    report_text("P1", "one.pdf", 0, out, sizeof out);
    cr_assert_not_null(strstr(out, "Only one session"));
    /* unknown patient: a clear error, no file */
    char db[600], pdf[600];
    snprintf(db, sizeof db, "%s/skintrack.db", clinic);
    snprintf(pdf, sizeof pdf, "%s/none.pdf", clinic);
    cr_assert_eq(sk_report_patient(clinic, db, "NOBODY", pdf, NULL), SK_ERR_NOT_FOUND);
    cr_assert_not_null(strstr(sk_error_message(), "NOBODY"));
    struct stat st;
    cr_assert_neq(stat(pdf, &st), 0);
}

/* Δ previous compares aligned photos measured on the skin they share, like
 * Δ baseline: the second and third sessions are the same capture of the
 * same skin, the third framed closer (90 % of the field each way). The two
 * photos' own scores differ (a pore count follows the framed area), but no
 * change between them is marked beyond noise. */
Test(report, previous_session_compared_aligned)
{
    phantom_photo("P8", "2026-01-12", "cheek", 0, 6);
    phantom_photo("P8", "2026-02-16", "cheek", 0, 0);
    sk_test_clinic_phantom(clinic, "P8", "2026-03-23", "cheek", 0, 0, 0.9);
    write_text("P8/patient.json", "{\"mm_per_px\": {\"cheek\": 0.04}}");
    batch();
    static char out[1 << 18];
    report_text("P8", "p8.pdf", 1, out, sizeof out);
    cr_assert_not_null(strstr(out, "Trends: change since the baseline"));
    cr_assert_not_null(strstr(out, "aligned to the previous session"));
    /* the table: every row's Δ previous cell, by its column in the layout
     * text (columns counted in characters, not UTF-8 bytes) */
    const char *hd = strstr(out, "Δ previous");
    cr_assert_not_null(hd, "%s", out);
    const char *line = hd;
    while (line > out && line[-1] != '\n')
        line--;
    const size_t col = utf8_chars(line, (size_t)(hd - line));
    int rows = 0, marked = 0;
    for (const char *r = strchr(hd, '\n'); r;) {
        r++;
        const char *e = strchr(r, '\n');
        const size_t len = e ? (size_t)(e - r) : strlen(r);
        if (memmem(r, len, "beyond noise:", 13))
            break; /* the footnote */
        const char *mark = memmem(r, len, "●", strlen("●"));
        if (len > 0)
            rows++;
        /* a mark from two characters before the column on is Δ previous's */
        if (mark && utf8_chars(r, (size_t)(mark - r)) + 2 >= col)
            marked++;
        if (!e)
            break;
        r = e;
    }
    cr_assert_geq(rows, 20, "table rows: %d\n%s", rows, out);
    cr_assert_eq(marked, 0, "Δ previous of the same skin reframed marked beyond noise:\n%s", out);

    /* the report reads the pairs batch recorded; without them it makes
     * them itself, and says the same */
    char db[600];
    snprintf(db, sizeof db, "%s/skintrack.db", clinic);
    sqlite3 *h = NULL;
    cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(h, "DELETE FROM comparisons", NULL, NULL, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_changes(h), 4, "batch recorded the pairs the report reads");
    sqlite3_close(h);
    static char out2[1 << 18];
    report_text("P8", "p8-made-here.pdf", 1, out2, sizeof out2);
    cr_assert_str_eq(out2, out, "the recorded pairs and the ones made here differ");
}
