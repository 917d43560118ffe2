/* SIMD path selection, probed once. Each kernel family dispatches on
 * sk_simd_level(); the chosen path is printed by `skintrack --version`. */
#include "sk_kernels.h"

#include <cblas.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static atomic_int current_level;

int sk_simd_supported(sk_simd level)
{
    switch (level) {
    case SK_SIMD_SCALAR:
        return 1;
    case SK_SIMD_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return 0;
}

static void probe(void)
{
    sk_simd level = sk_simd_supported(SK_SIMD_AVX2) ? SK_SIMD_AVX2 : SK_SIMD_SCALAR;
    const char *env = getenv("SK_SIMD");
    if (env && *env) {
        if (strcmp(env, "scalar") == 0)
            level = SK_SIMD_SCALAR;
        else if (strcmp(env, "avx2") == 0)
            level = sk_simd_supported(SK_SIMD_AVX2) ? SK_SIMD_AVX2 : SK_SIMD_SCALAR;
        else
            fprintf(stderr, "skintrack: SK_SIMD=%s is not a path (scalar, avx2); using %s\n",
                    env, sk_simd_name(level));
    }
    atomic_store(&current_level, (int)level);
}

sk_simd sk_simd_level(void)
{
    pthread_once(&probe_once, probe);
    return (sk_simd)atomic_load_explicit(&current_level, memory_order_relaxed);
}

sk_simd sk_simd_force(sk_simd level)
{
    pthread_once(&probe_once, probe);
    if (!sk_simd_supported(level))
        level = SK_SIMD_SCALAR;
    atomic_store(&current_level, (int)level);
    return level;
}

const char *sk_simd_name(sk_simd level)
{
    switch (level) {
    case SK_SIMD_SCALAR: return "scalar";
    case SK_SIMD_AVX2: return "avx2";
    }
    return "unknown";
}

void sk_blas_set_threads(int n)
{
    openblas_set_num_threads(n < 1 ? 1 : n);
}

const char *sk_blas_config(void)
{
    return openblas_get_config();
}
