#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

uint64_t sk_test_seed(void)
{
    static uint64_t seed;
    static int done;
    if (!done) {
        const char *env = getenv("SK_TEST_SEED");
        seed = env ? strtoull(env, NULL, 0) : 0x5EED5EEDull;
        done = 1;
        fprintf(stderr, "test seed: SK_TEST_SEED=0x%llx\n", (unsigned long long)seed);
    }
    return seed;
}

void sk_test_rng_init(sk_test_rng *r, uint64_t seed)
{
    r->s = seed;
}

uint64_t sk_test_rng_next(sk_test_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double sk_test_rng_uniform(sk_test_rng *r)
{
    return (double)(sk_test_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

double sk_test_rng_gauss(sk_test_rng *r)
{
    double u1 = sk_test_rng_uniform(r), u2 = sk_test_rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void sk_test_fill_uniform(float *p, size_t stride, int w, int h, float lo, float hi,
                          sk_test_rng *r)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            p[(size_t)y * stride + x] = lo + (hi - lo) * (float)sk_test_rng_uniform(r);
}

double sk_test_max_abs_diff(const float *a, size_t sa, const float *b, size_t sb, int w, int h)
{
    double m = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double d = fabs((double)a[(size_t)y * sa + x] - (double)b[(size_t)y * sb + x]);
            if (d > m || isnan(d))
                m = isnan(d) ? INFINITY : d;
        }
    return m;
}

const char *sk_test_tmpdir(char *buf, size_t len)
{
    const char *base = getenv("TMPDIR");
    snprintf(buf, len, "%s/sktest-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(buf))
        return NULL;
    chmod(buf, 0755);
    return buf;
}

const char *sk_test_write_file(const char *dir, const char *name, const void *data, size_t n,
                               char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", dir, name);
    FILE *f = fopen(buf, "wb");
    if (!f)
        return NULL;
    if (n && fwrite(data, 1, n, f) != n) {
        fclose(f);
        return NULL;
    }
    fclose(f);
    return buf;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void sk_test_rmtree(const char *path)
{
    if (path)
        nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int sk_test_write_skf(const char *path, const float *data, size_t stride, size_t plane_stride,
                      int w, int h, int channels)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return SK_ERR_IO;
    int32_t hdr[3] = {w, h, channels};
    int ok = fwrite("SKF1", 1, 4, f) == 4 && fwrite(hdr, sizeof hdr, 1, f) == 1;
    for (int c = 0; ok && c < channels; c++)
        for (int y = 0; ok && y < h; y++)
            ok = fwrite(data + (size_t)c * plane_stride + (size_t)y * stride, sizeof(float),
                        (size_t)w, f) == (size_t)w;
    if (fclose(f) != 0)
        ok = 0;
    return ok ? SK_OK : SK_ERR_IO;
}

int sk_test_read_skf(const char *path, sk_image_t **out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return SK_ERR_IO;
    char magic[4];
    int32_t hdr[3];
    sk_image_t *img = NULL;
    int rc = SK_ERR_FORMAT;
    if (fread(magic, 1, 4, f) != 4 || memcmp(magic, "SKF1", 4) != 0 ||
        fread(hdr, sizeof hdr, 1, f) != 1)
        goto fail;
    rc = sk_image_new(hdr[0], hdr[1], hdr[2], &img);
    if (rc < 0)
        goto fail;
    rc = SK_ERR_FORMAT;
    for (int c = 0; c < hdr[2]; c++)
        for (int y = 0; y < hdr[1]; y++)
            if (fread(sk_image_plane(img, c) + (size_t)y * img->stride, sizeof(float),
                      (size_t)hdr[0], f) != (size_t)hdr[0])
                goto fail;
    fclose(f);
    *out = img;
    return SK_OK;
fail:
    sk_image_free(img);
    fclose(f);
    return rc;
}

static double mono_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void sk_test_run(const char *bin, char *const argv[], double timeout_s, sk_test_run_t *r)
{
    int po[2], pe[2];
    memset(r, 0, sizeof *r);
    r->status = -1;
    if (pipe(po) != 0 || pipe(pe) != 0)
        return;
    double t0 = mono_seconds();
    pid_t pid = fork();
    if (pid < 0)
        return;
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]), close(pe[0]), close(po[1]), close(pe[1]);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        execv(bin, argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    size_t no = 0, ne = 0;
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        if (mono_seconds() - t0 > timeout_s) {
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
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    r->out[no] = '\0';
    r->err[ne] = '\0';
    int st = 0;
    waitpid(pid, &st, 0);
    r->seconds = mono_seconds() - t0;
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int sk_test_count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}
