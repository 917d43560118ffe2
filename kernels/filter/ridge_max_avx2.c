/* The multi-scale valley maximum, AVX2: eight pixels per step, the plain-C
 * row's float operations in the same order (no FMA), except expf, which is
 * evaluated here as a vector polynomial: range reduction by ln 2 in two
 * parts, the Cephes degree-6 polynomial on |r| <= ln2 / 2, and the power of
 * two put in the exponent bits; within 2 ulp of the C library's expf
 * (tests/kernels/test_ridge_max.c). Below ln(FLT_MIN) it gives 0. */
#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "pfilter.h"

static inline __m256 v_expf(__m256 x)
{
    const __m256 lo = _mm256_set1_ps(-87.33654475f), hi = _mm256_set1_ps(88.37626266f);
    const __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
    x = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), r);
    y = _mm256_add_ps(y, _mm256_set1_ps(1.0f));
    const __m256i e =
        _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(under, _mm256_mul_ps(y, _mm256_castsi256_ps(e)));
}

/* byte_mask[b]: byte j is 0xff where bit j of b is set */
static uint64_t byte_mask[256];
static pthread_once_t byte_mask_once = PTHREAD_ONCE_INIT;

static void byte_mask_init(void)
{
    for (int b = 0; b < 256; b++) {
        uint64_t m = 0;
        for (int j = 0; j < 8; j++)
            if (b >> j & 1)
                m |= (uint64_t)0xff << (8 * j);
        byte_mask[b] = m;
    }
}

float sk_filter_expf_avx2(float x)
{
    float o[8];
    _mm256_storeu_ps(o, v_expf(_mm256_set1_ps(x)));
    return o[0];
}

void sk_filter_ridge_max_row_avx2(const float *hxx, const float *hxy, const float *hyy, int w,
                                  const sk_ridge_max_params *p, float *R, uint8_t *S, float *nx,
                                  float *ny, float *scratch)
{
    const __m256 s2 = _mm256_set1_ps(p->s2), ib2 = _mm256_set1_ps(p->ib2),
                 inv = _mm256_set1_ps(p->inv_noise), half = _mm256_set1_ps(0.5f),
                 quarter = _mm256_set1_ps(0.25f), one = _mm256_set1_ps(1.0f),
                 zero = _mm256_setzero_ps(), tiny = _mm256_set1_ps(1e-12f),
                 sign = _mm256_set1_ps(-0.0f);
    const uint64_t scale8 = 0x0101010101010101ull * (uint8_t)p->scale;
    pthread_once(&byte_mask_once, byte_mask_init);
    int x = 0;
    for (; x + 8 <= w; x += 8) {
        const __m256 dxx = _mm256_mul_ps(s2, _mm256_loadu_ps(hxx + x)),
                     dyy = _mm256_mul_ps(s2, _mm256_loadu_ps(hyy + x)),
                     dxy = _mm256_mul_ps(s2, _mm256_loadu_ps(hxy + x));
        const __m256 m = _mm256_mul_ps(half, _mm256_add_ps(dxx, dyy));
        const __m256 df = _mm256_sub_ps(dxx, dyy);
        const __m256 d = _mm256_sqrt_ps(
            _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(quarter, df), df), _mm256_mul_ps(dxy, dxy)));
        const __m256 la = _mm256_add_ps(m, d), lb = _mm256_sub_ps(m, d);
        const __m256 Rv = _mm256_loadu_ps(R + x);
        const __m256 cand = _mm256_and_ps(_mm256_cmp_ps(la, zero, _CMP_GT_OQ),
                                          _mm256_cmp_ps(_mm256_mul_ps(la, inv), Rv, _CMP_GT_OQ));
        if (!_mm256_movemask_ps(cand))
            continue;
        const __m256 rb = _mm256_div_ps(lb, la);
        /* -rb * rb * ib2 as ((-rb) * rb) * ib2 */
        const __m256 arg = _mm256_mul_ps(_mm256_mul_ps(_mm256_xor_ps(rb, sign), rb), ib2);
        const __m256 r = _mm256_mul_ps(_mm256_mul_ps(la, v_expf(arg)), inv);
        const __m256 up = _mm256_and_ps(cand, _mm256_cmp_ps(r, Rv, _CMP_GT_OQ));
        const int bits = _mm256_movemask_ps(up);
        if (!bits)
            continue;
        __m256 vx = dxy, vy = _mm256_sub_ps(la, dxx);
        const __m256 deg =
            _mm256_cmp_ps(_mm256_add_ps(_mm256_andnot_ps(sign, vx), _mm256_andnot_ps(sign, vy)),
                          tiny, _CMP_LT_OQ);
        const __m256 ge = _mm256_cmp_ps(dxx, dyy, _CMP_GE_OQ);
        vx = _mm256_blendv_ps(vx, _mm256_and_ps(ge, one), deg);
        vy = _mm256_blendv_ps(vy, _mm256_andnot_ps(ge, one), deg);
        const __m256 n = _mm256_div_ps(
            one, _mm256_sqrt_ps(_mm256_add_ps(_mm256_mul_ps(vx, vx), _mm256_mul_ps(vy, vy))));
        _mm256_storeu_ps(R + x, _mm256_blendv_ps(Rv, r, up));
        _mm256_storeu_ps(nx + x,
                         _mm256_blendv_ps(_mm256_loadu_ps(nx + x), _mm256_mul_ps(vx, n), up));
        _mm256_storeu_ps(ny + x,
                         _mm256_blendv_ps(_mm256_loadu_ps(ny + x), _mm256_mul_ps(vy, n), up));
        /* the scale into the updated lanes' bytes, without a branch per lane */
        uint64_t sv;
        memcpy(&sv, S + x, sizeof sv);
        const uint64_t on = byte_mask[bits];
        sv = (sv & ~on) | (scale8 & on);
        memcpy(S + x, &sv, sizeof sv);
    }
    if (x < w)
        sk_filter_ridge_max_row_scalar(hxx + x, hxy + x, hyy + x, w - x, p, R + x, S + x, nx + x,
                                       ny + x, scratch);
}
