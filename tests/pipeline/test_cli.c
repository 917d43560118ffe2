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

typedef struct {
    int status; /* exit code, or -1 when killed */
    char out[65536];
    char err[8192];
    double seconds;
} run_t;

/* Run the binary with argv (NULL-terminated), capturing stdout and stderr,
 * killing it after 120 s (sanitizer builds are slow). */
static void run(run_t *r, char *const argv[])
{
    int po[2], pe[2];
    cr_assert_eq(pipe(po), 0);
    cr_assert_eq(pipe(pe), 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        execv(BIN, argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    size_t no = 0, ne = 0;
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double el = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        if (el > 120) {
            kill(pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, 200) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            char *buf = i == 0 ? r->out : r->err;
            size_t *n = i == 0 ? &no : &ne;
            size_t cap = i == 0 ? sizeof r->out : sizeof r->err;
            ssize_t k = read(fds[i].fd, buf + *n, cap - 1 - *n);
            if (k <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            } else {
                *n += (size_t)k;
            }
        }
    }
    r->out[no] = '\0';
    r->err[ne] = '\0';
    int st;
    waitpid(pid, &st, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

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
