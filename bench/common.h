/* Shared helpers for the kernel benchmarks (bench/bench_*.c, run by scripts/bench).
 * Each figure is printed as one JSON line on stdout and one readable row on stderr. */
#ifndef SK_BENCH_COMMON_H
#define SK_BENCH_COMMON_H

#include <stddef.h>

#include "sk_kernels.h"

/* Monotonic seconds. */
double bench_now(void);

/* Plane sizes used by every benchmark: 3 MP (2000x1500) and 12 MP (4000x3000). */
typedef struct {
    const char *name;
    int w, h;
} bench_size;
extern const bench_size bench_sizes[2];

/* Run fn(arg) once to warm up, then repeat until min_seconds have passed (at
 * least 3 runs); returns the best time of one run in seconds. */
double bench_time(void (*fn)(void *), void *arg, double min_seconds);

/* Print one figure: kernel name, variant ("scalar", "avx2", "blas"...), size name,
 * megapixels, seconds. Also prints the readable row. */
void bench_report(const char *kernel, const char *variant, const bench_size *sz, double seconds);

/* The memory-bandwidth reference: copying one float plane of this size. */
void bench_report_copy(const bench_size *sz);

/* Print the CPU model and SIMD path once (stderr) and as a JSON line. */
void bench_header(const char *suite);

/* Allocate a plane of the size (stride = sk_stride_for_width) filled with a
 * smooth-plus-noise test pattern in [0, 1]; pre-faulted. */
float *bench_plane(const bench_size *sz, size_t *stride);

#endif
