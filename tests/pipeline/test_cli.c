/* The skintrack binary as a user meets it: help, version, verbs, exit codes,
 * and one clear line on stderr for every bad input, fast. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define BIN SK_BINARY_DIR "/skintrack"

typedef sk_test_run_t run_t;

/* The binary, killed after 120 s (sanitizer builds are slow). */
static void run(run_t *r, char *const argv[])
{
    sk_test_run(BIN, argv, 120.0, r);
}

#define count_lines sk_test_count_lines

Test(cli, help_and_version)
{
    run_t *r = calloc(1, sizeof *r);
    run(r, (char *[]){"skintrack", "--help", NULL});
    cr_assert_eq(r->status, 0);
    cr_assert_not_null(strstr(r->out, "analyze"));
    cr_assert_not_null(strstr(r->out, "serve"));
    run(r, (char *[]){"skintrack", "--version", NULL});
    cr_assert_eq(r->status, 0);
    cr_assert_not_null(strstr(r->out, "libvips"));
    cr_assert_not_null(strstr(r->out, "OpenBLAS"));
    cr_assert_not_null(strstr(r->out, "simd "));
    run(r, (char *[]){"skintrack", NULL});
    cr_assert_eq(r->status, 2);
    run(r, (char *[]){"skintrack", "frobnicate", NULL});
    cr_assert_eq(r->status, 2);
    cr_assert_not_null(strstr(r->err, "not a verb"));
    free(r);
}

Test(cli, every_verb_has_help)
{
    const char *verbs[] = {"import", "analyze", "batch", "compare", "report", "export", "serve"};
    run_t *r = calloc(1, sizeof *r);
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        run(r, (char *[]){"skintrack", (char *)verbs[i], "--help", NULL});
        cr_assert_eq(r->status, 0, "%s --help", verbs[i]);
        cr_assert_not_null(strstr(r->out, "Usage: skintrack "), "%s --help", verbs[i]);
        cr_assert_not_null(strstr(r->out, verbs[i]));
    }
    free(r);
}

Test(cli, analyze_usage_errors)
{
    run_t *r = calloc(1, sizeof *r);
    run(r, (char *[]){"skintrack", "analyze", NULL});
    cr_assert_eq(r->status, 2);
    run(r, (char *[]){"skintrack", "analyze", "--mm-per-px", "abc", "x.jpg", NULL});
    cr_assert_eq(r->status, 2);
    cr_assert_not_null(strstr(r->err, "--mm-per-px"));
    run(r, (char *[]){"skintrack", "analyze", "--bogus", "x.jpg", NULL});
    cr_assert_eq(r->status, 2);
    free(r);
}

Test(cli, analyze_json_shape_on_real_photo)
{
    run_t *r = calloc(1, sizeof *r);
    char *photo = SK_SHARED_DATA_DIR "/faces/021_03.jpg";
    run(r, (char *[]){"skintrack", "analyze", "--json", "--mm-per-px", "0.1", photo, NULL});
    cr_assert_eq(r->status, 0, "%s", r->err);
    cr_assert_eq(count_lines(r->out), 1);
    const char *keys[] = {"\"photo\":", "\"width\":1350", "\"height\":1350", "\"mm_per_px\":0.1",
                          "\"qc\":{", "\"metrics\":{", "\"orientation_applied\":false",
                          "\"model_version\":"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_assert_not_null(strstr(r->out, keys[i]), "missing %s in %s", keys[i], r->out);
    cr_assert_str_empty(r->err);
    free(r);
}

/* One bad input: exit 1, exactly one stderr line naming the file, nothing on
 * stdout, well under 5 s. */
static void expect_bad(const char *path, const char *reason)
{
    run_t *r = calloc(1, sizeof *r);
    run(r, (char *[]){"skintrack", "analyze", "--json", (char *)path, NULL});
    cr_assert_eq(r->status, 1, "%s: exit %d, stderr %s", path, r->status, r->err);
    cr_assert_eq(count_lines(r->err), 1, "%s: stderr '%s'", path, r->err);
    char prefix[600];
    snprintf(prefix, sizeof prefix, "skintrack: %s: ", path);
    cr_assert(strncmp(r->err, prefix, strlen(prefix)) == 0, "'%s' does not start with '%s'",
              r->err, prefix);
    cr_assert_not_null(strstr(r->err, reason), "'%s' lacks '%s'", r->err, reason);
    cr_assert_str_empty(r->out, "%s wrote to stdout: %s", path, r->out);
    cr_assert_lt(r->seconds, 5.0);
    free(r);
}

Test(cli, bad_inputs_one_line_each)
{
    char dir[256], p[512];
    cr_assert_not_null(sk_test_tmpdir(dir, sizeof dir));
    snprintf(p, sizeof p, "%s/missing photo.jpg", dir);
    expect_bad(p, "no such file");
    expect_bad(dir, "directory");
    expect_bad(sk_test_write_file(dir, "zero.jpg", "", 0, p, sizeof p), "empty");
    expect_bad(sk_test_write_file(dir, "ñoño notes.jpg", "plain text\n", 11, p, sizeof p),
               "not an image");
    /* A real JPEG cut in half. */
    FILE *f = fopen(SK_SHARED_DATA_DIR "/faces/024_03.jpg", "rb");
    cr_assert_not_null(f);
    static char buf[200000];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    expect_bad(sk_test_write_file(dir, "half.jpg", buf, n / 2, p, sizeof p), "cannot decode");
    sk_test_rmtree(dir);
}

Test(cli, good_and_bad_together_exit_one_and_score_the_good)
{
    run_t *r = calloc(1, sizeof *r);
    run(r, (char *[]){"skintrack", "analyze", "--json", "/nonexistent/a.jpg",
                      SK_SHARED_DATA_DIR "/faces/astronaut.png", NULL});
    cr_assert_eq(r->status, 1);
    cr_assert_eq(count_lines(r->out), 1, "the good photo is still scored");
    cr_assert_eq(count_lines(r->err), 1);
    free(r);
}

Test(cli, compare_usage_and_bad_inputs)
{
    run_t *r = calloc(1, sizeof *r);
    char *face = SK_SHARED_DATA_DIR "/faces/021_03.jpg";
    run(r, (char *[]){"skintrack", "compare", face, NULL});
    cr_assert_eq(r->status, 2, "one photo is a usage error");
    run(r, (char *[]){"skintrack", "compare", face, face, "--card-before", "1,2,3", NULL});
    cr_assert_eq(r->status, 2);
    cr_assert_not_null(strstr(r->err, "--card-before"));
    run(r, (char *[]){"skintrack", "compare", face, face, "--card-before", "10,10,20,20", NULL});
    cr_assert_eq(r->status, 2, "a card in one photo only");
    char dir[256], p[512];
    cr_assert_not_null(sk_test_tmpdir(dir, sizeof dir));
    sk_test_write_file(dir, "notes.jpg", "plain text\n", 11, p, sizeof p);
    run(r, (char *[]){"skintrack", "compare", face, p, NULL});
    cr_assert_eq(r->status, 1);
    cr_assert_eq(count_lines(r->err), 1, "stderr '%s'", r->err);
    cr_assert_not_null(strstr(r->err, "notes.jpg"), "%s", r->err);
    cr_assert_str_empty(r->out);
    /* two different faces are not the same skin */
    run(r, (char *[]){"skintrack", "compare", face, SK_SHARED_DATA_DIR "/faces/024_03.jpg", NULL});
    cr_assert_eq(r->status, 1, "different faces: exit %d, %s", r->status, r->out);
    cr_assert_eq(count_lines(r->err), 1, "stderr '%s'", r->err);
    sk_test_rmtree(dir);
    free(r);
}

Test(cli, compare_a_photo_with_itself_json_and_pdf)
{
    run_t *r = calloc(1, sizeof *r);
    char dir[256], pdf[512], face[512], cmd0[1200];
    cr_assert_not_null(sk_test_tmpdir(dir, sizeof dir));
    /* a smaller copy keeps the sanitizer build well inside its time */
    snprintf(face, sizeof face, "%s/face.jpg", dir);
    snprintf(cmd0, sizeof cmd0, "vips resize '%s/faces/021_03.jpg' '%s' 0.45", SK_SHARED_DATA_DIR,
             face);
    cr_assert_eq(system(cmd0), 0, "%s", cmd0);
    snprintf(pdf, sizeof pdf, "%s/pair.pdf", dir);
    run(r, (char *[]){"skintrack", "compare", "--json", face, face, "--pdf", pdf, NULL});
    cr_assert_eq(r->status, 0, "%s", r->err);
    cr_assert_eq(count_lines(r->out), 1);
    const char *keys[] = {"\"registration\":{", "\"pair_qc\":{", "\"normalisation\":{",
                          "\"metrics\":{", "\"pores.count\":{", "\"beyond_noise\":",
                          "\"limit\":", "\"delta\":"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_assert_not_null(strstr(r->out, keys[i]), "missing %s in %.400s", keys[i], r->out);
    /* nothing changes between a photo and itself */
    cr_assert_null(strstr(r->out, "\"beyond_noise\":true"), "%.2000s", r->out);
    struct stat st;
    cr_assert_eq(stat(pdf, &st), 0, "the PDF was written");
    char cmd[700];
    snprintf(cmd, sizeof cmd, "pdftotext '%s' - | grep -c 'Skin comparison\\|Pores (count)'", pdf);
    FILE *pp = popen(cmd, "r");
    cr_assert_not_null(pp);
    int hits = 0;
    cr_assert_eq(fscanf(pp, "%d", &hits), 1);
    pclose(pp);
    cr_assert_geq(hits, 2);
    sk_test_rmtree(dir);
    free(r);
}
