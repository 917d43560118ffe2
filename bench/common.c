#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <math.h>

const bench_size bench_sizes[2] = {{"3MP", 2000, 1500}, {"12MP", 4000, 3000}};

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double bench_time(void (*fn)(void *), void *arg, double min_seconds)
{
    fn(arg);
    double best = 1e30, start = bench_now();
    int runs = 0;
    while (runs < 3 || bench_now() - start < min_seconds) {
        double t0 = bench_now();
        fn(arg);
        double t = bench_now() - t0;
        if (t < best)
            best = t;
        runs++;
        if (runs >= 50)
            break;
    }
    return best;
}

void bench_report(const char *kernel, const char *variant, const bench_size *sz, double seconds)
{
    double mp = (double)sz->w * sz->h / 1e6;
    printf("{\"kernel\":\"%s\",\"variant\":\"%s\",\"size\":\"%s\",\"megapixels\":%.2f,"
           "\"seconds\":%.6f,\"mp_per_s\":%.1f}\n",
           kernel, variant, sz->name, mp, seconds, mp / seconds);
    fprintf(stderr, "  %-28s %-8s %-5s %9.2f ms %9.1f MP/s\n", kernel, variant, sz->name,
            seconds * 1e3, mp / seconds);
    fflush(stdout);
}

typedef struct {
    const float *src;
    float *dst;
    size_t n;
} copy_arg;

static void do_copy(void *p)
{
    copy_arg *a = p;
    memcpy(a->dst, a->src, a->n * sizeof(float));
}

void bench_report_copy(const bench_size *sz)
{
    size_t stride;
    float *a = bench_plane(sz, &stride);
    float *b = bench_plane(sz, &stride);
    copy_arg arg = {a, b, stride * (size_t)sz->h};
    bench_report("copy (bandwidth ref)", "memcpy", sz, bench_time(do_copy, &arg, 0.3));
    sk_free(a);
    sk_free(b);
}

void bench_header(const char *suite)
{
    char model[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "model name", 10) == 0) {
                char *c = strchr(line, ':');
                if (c) {
                    snprintf(model, sizeof model, "%s", c + 2);
                    model[strcspn(model, "\n")] = 0;
                }
                break;
            }
        }
        fclose(f);
    }
    const char *path = sk_simd_name(sk_simd_level());
    printf("{\"suite\":\"%s\",\"cpu\":\"%s\",\"simd\":\"%s\",\"threads\":1}\n", suite, model, path);
    fprintf(stderr, "%s — CPU: %s, SIMD path: %s, one thread\n", suite, model, path);
}

float *bench_plane(const bench_size *sz, size_t *stride)
{
    *stride = sk_stride_for_width(sz->w);
    float *p = sk_alloc_floats(*stride * (size_t)sz->h);
    if (!p) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    unsigned s = 12345;
    for (int y = 0; y < sz->h; y++)
        for (size_t x = 0; x < *stride; x++) {
            s = s * 1103515245u + 12345u;
            float noise = (float)((s >> 8) & 0xffff) / 65535.0f;
            p[(size_t)y * *stride + x] =
                0.5f + 0.3f * sinf((float)x * 0.01f) * cosf((float)y * 0.013f) + 0.1f * noise;
        }
    return p;
}
