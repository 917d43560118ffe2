/* The horizontal pass of the resize, AVX2: eight outputs per step, each
 * tap's indices and weights loaded from the tap-major tables and the row
 * samples gathered; acc = 0, then acc + w * v per tap in table order with
 * no FMA, as the plain-C pass (resize.c), so the two agree bit for bit. */
#include <immintrin.h>

#include "pgeom.h"

void sk_geom_resize_row_avx2(const float *row, const int *idx, const float *wt, int taps, int dw,
                             float *d)
{
    int x = 0;
    for (; x + 8 <= dw; x += 8) {
        __m256 acc = _mm256_setzero_ps();
        for (int k = 0; k < taps; k++) {
            const size_t o = (size_t)k * dw + x;
            const __m256i i = _mm256_loadu_si256((const __m256i *)(const void *)(idx + o));
            const __m256 v = _mm256_i32gather_ps(row, i, 4);
            acc = _mm256_add_ps(acc, _mm256_mul_ps(_mm256_loadu_ps(wt + o), v));
        }
        _mm256_storeu_ps(d + x, acc);
    }
    for (; x < dw; x++) {
        float acc = 0.0f;
        for (int k = 0; k < taps; k++)
            acc += wt[(size_t)k * dw + x] * row[idx[(size_t)k * dw + x]];
        d[x] = acc;
    }
}
