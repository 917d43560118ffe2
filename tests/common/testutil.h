/* Shared helpers for the Criterion suites. */
#ifndef SK_TESTUTIL_H
#define SK_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "sk_kernels.h"

/* Seed for random inputs: SK_TEST_SEED from the environment, else a fixed
 * default. Printed once so a failing run can be replayed. */
uint64_t sk_test_seed(void);

/* Small deterministic PRNG (splitmix64). */
typedef struct {
    uint64_t s;
} sk_test_rng;
void sk_test_rng_init(sk_test_rng *r, uint64_t seed);
uint64_t sk_test_rng_next(sk_test_rng *r);
double sk_test_rng_uniform(sk_test_rng *r);   /* [0, 1) */
double sk_test_rng_gauss(sk_test_rng *r);     /* N(0, 1) */

/* Fill a w x h plane (row stride in floats) with uniform values in [lo, hi). */
void sk_test_fill_uniform(float *p, size_t stride, int w, int h, float lo, float hi,
                          sk_test_rng *r);

/* Largest |a - b| over a w x h region. */
double sk_test_max_abs_diff(const float *a, size_t sa, const float *b, size_t sb, int w, int h);

/* Make a fresh temporary directory (mode 0755) and return its path in buf. */
const char *sk_test_tmpdir(char *buf, size_t len);

/* Write bytes to dir/name; returns the full path in buf. */
const char *sk_test_write_file(const char *dir, const char *name, const void *data, size_t n,
                               char *buf, size_t len);

/* Recursively remove a directory tree made by sk_test_tmpdir. */
void sk_test_rmtree(const char *path);



/* SKF: the plain exchange format between C dump tools and the Python oracle
 * scripts: magic "SKF1", int32 width, height, channels (little-endian), then
 * float32 samples, channel-major, rows contiguous (no padding).
 * tests/oracle/skf.py reads and writes the same format. */
int sk_test_write_skf(const char *path, const float *data, size_t stride, size_t plane_stride,
                      int w, int h, int channels);
/* Reads into a newly allocated sk_image_t; returns 0 or negative sk_status. */
int sk_test_read_skf(const char *path, sk_image_t **out);
/* Run a program (argv NULL-terminated, argv[0] its name) with standard input
 * from /dev/null, capturing standard output and error; killed after
 * timeout_s seconds (status -1 then). */
typedef struct sk_test_run {
    int status; /* exit code, or -1 when killed or signalled */
    double seconds;
    char out[65536];
    char err[8192];
} sk_test_run_t;
void sk_test_run(const char *bin, char *const argv[], double timeout_s, sk_test_run_t *r);

/* Number of newline characters in s. */
int sk_test_count_lines(const char *s);

#endif
