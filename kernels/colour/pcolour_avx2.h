/* AVX2+FMA building blocks of the colour family: vector log2/exp2/pow, the
 * sRGB curve and the Lab companding, 8 pixels at a time. Included only by
 * *_avx2.c files (compiled with -mavx2 -mfma).
 *
 * Accuracy: log2 is a degree-8 polynomial in (m - 1), m in [sqrt(1/2),
 * sqrt(2)), fitted by least squares on Chebyshev nodes (abs. error 5e-8);
 * exp2 a degree-5 polynomial on [-1/2, 1/2] (rel. error 8e-8); so pow is
 * good to a few float ulps on the ranges used here. The cube root of the
 * Lab companding uses the cheaper division-free Newton iteration below. Figures vs the double
 * definition: docs/validation/kernels-colour.md. */
#ifndef SK_PCOLOUR_AVX2_H
#define SK_PCOLOUR_AVX2_H

#include <immintrin.h>

#include "pcolour.h"

#define SKC_V(x) _mm256_set1_ps(x)

/* NaN -> 0, clamp to +-SK_COLOUR_LIMIT (as skc_sanitise). */
static inline __m256 skc_v_sanitise(__m256 x)
{
    x = _mm256_and_ps(x, _mm256_cmp_ps(x, x, _CMP_ORD_Q));
    x = _mm256_min_ps(x, SKC_V(SK_COLOUR_LIMIT));
    return _mm256_max_ps(x, SKC_V(-SK_COLOUR_LIMIT));
}

/* log2(x) for finite, normal x > 0. */
static inline __m256 skc_v_log2(__m256 x)
{
    const __m256i sqrt_half = _mm256_set1_epi32(0x3f3504f3);
    __m256i xi = _mm256_castps_si256(x);
    /* e = floor(log2(x / sqrt(1/2))), so m = x / 2^e lies in [sqrt(1/2), sqrt(2)). */
    __m256i e = _mm256_srai_epi32(_mm256_sub_epi32(xi, sqrt_half), 23);
    __m256 m = _mm256_castsi256_ps(_mm256_sub_epi32(xi, _mm256_slli_epi32(e, 23)));
    __m256 u = _mm256_sub_ps(m, SKC_V(1.0f));
    __m256 p = SKC_V(-1.430238252e-01f);
    p = _mm256_fmadd_ps(p, u, SKC_V(2.357155397e-01f));
    p = _mm256_fmadd_ps(p, u, SKC_V(-2.504973469e-01f));
    p = _mm256_fmadd_ps(p, u, SKC_V(2.868851178e-01f));
    p = _mm256_fmadd_ps(p, u, SKC_V(-3.600646634e-01f));
    p = _mm256_fmadd_ps(p, u, SKC_V(4.809323190e-01f));
    p = _mm256_fmadd_ps(p, u, SKC_V(-7.213575746e-01f));
    p = _mm256_fmadd_ps(p, u, SKC_V(1.442694821e+00f));
    return _mm256_fmadd_ps(p, u, _mm256_cvtepi32_ps(e));
}

/* 2^y; y is clamped to [-126, 127] so the result stays finite and normal. */
static inline __m256 skc_v_exp2(__m256 y)
{
    y = _mm256_max_ps(_mm256_min_ps(y, SKC_V(127.0f)), SKC_V(-126.0f));
    __m256 n = _mm256_round_ps(y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 f = _mm256_sub_ps(y, n);
    __m256 p = SKC_V(1.326697039e-03f);
    p = _mm256_fmadd_ps(p, f, SKC_V(9.675459746e-03f));
    p = _mm256_fmadd_ps(p, f, SKC_V(5.550742616e-02f));
    p = _mm256_fmadd_ps(p, f, SKC_V(2.402212175e-01f));
    p = _mm256_fmadd_ps(p, f, SKC_V(6.931469492e-01f));
    p = _mm256_fmadd_ps(p, f, SKC_V(1.000000071e+00f));
    __m256i scale = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(scale));
}

/* x^e for x > 0 (normal, finite). */
static inline __m256 skc_v_pow(__m256 x, float e)
{
    return skc_v_exp2(_mm256_mul_ps(skc_v_log2(x), SKC_V(e)));
}

static inline __m256 skc_v_abs(__m256 x)
{
    return _mm256_andnot_ps(SKC_V(-0.0f), x);
}

/* Copy the sign of s onto the non-negative magnitude a. */
static inline __m256 skc_v_with_sign(__m256 a, __m256 s)
{
    return _mm256_or_ps(a, _mm256_and_ps(s, SKC_V(-0.0f)));
}

/* sRGB decode (as skc_srgb_decode); x already sanitised. */
static inline __m256 skc_v_srgb_decode(__m256 x)
{
    __m256 a = skc_v_abs(x);
    __m256 lin = _mm256_mul_ps(a, SKC_V(1.0f / SKC_SRGB_SLOPE));
    /* (a + 0.055) / 1.055 >= 0.052 > 0, so the power needs no guard. */
    __m256 t = _mm256_fmadd_ps(a, SKC_V(1.0f / (1.0f + SKC_SRGB_A)),
                               SKC_V(SKC_SRGB_A / (1.0f + SKC_SRGB_A)));
    __m256 pw = skc_v_pow(t, SKC_SRGB_GAMMA);
    __m256 big = _mm256_cmp_ps(a, SKC_V(SKC_SRGB_DEC_BREAK), _CMP_GT_OQ);
    return skc_v_with_sign(_mm256_blendv_ps(lin, pw, big), x);
}

/* sRGB encode (as skc_srgb_encode); x finite. */
static inline __m256 skc_v_srgb_encode(__m256 x)
{
    __m256 a = skc_v_abs(x);
    __m256 lin = _mm256_mul_ps(a, SKC_V(SKC_SRGB_SLOPE));
    /* Guard the power against 0 and denormals; that branch is not used there. */
    __m256 pw = skc_v_pow(_mm256_max_ps(a, SKC_V(SKC_SRGB_ENC_BREAK)), 1.0f / SKC_SRGB_GAMMA);
    pw = _mm256_fmsub_ps(pw, SKC_V(1.0f + SKC_SRGB_A), SKC_V(SKC_SRGB_A));
    __m256 big = _mm256_cmp_ps(a, SKC_V(SKC_SRGB_ENC_BREAK), _CMP_GT_OQ);
    return skc_v_with_sign(_mm256_blendv_ps(lin, pw, big), x);
}

/* Cube root of t > 0 (finite, normal): r ~ t^(-1/3) from the exponent bits
 * (r_bits = K - t_bits / 3, K tuned for the smallest start error, 3.5 %),
 * three Newton steps r <- r (4 - t r^3) / 3 that need no division (error
 * ~2 e^2 each: 3.5e-2, 2.4e-3, 1.2e-5, then float rounding), and
 * cbrt(t) = t r^2. Max rel. error 5e-7 over [eps, 3e14]. */
static inline __m256 skc_v_cbrt(__m256 t)
{
    __m256 third = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_castps_si256(t)), SKC_V(1.0f / 3.0f));
    __m256 r = _mm256_castsi256_ps(
        _mm256_sub_epi32(_mm256_set1_epi32(0x54a21d2a), _mm256_cvtps_epi32(third)));
    __m256 t3 = _mm256_mul_ps(t, SKC_V(1.0f / 3.0f));
    for (int k = 0; k < 3; k++) {
        __m256 r3 = _mm256_mul_ps(_mm256_mul_ps(r, r), r);
        r = _mm256_mul_ps(r, _mm256_fnmadd_ps(t3, r3, SKC_V(4.0f / 3.0f)));
    }
    return _mm256_mul_ps(t, _mm256_mul_ps(r, r));
}

/* Lab companding f(t) (as skc_lab_f). */
static inline __m256 skc_v_lab_f(__m256 t)
{
    __m256 lin = _mm256_fmadd_ps(t, SKC_V(SKC_LAB_KAPPA / 116.0f), SKC_V(16.0f / 116.0f));
    __m256 cb = skc_v_cbrt(_mm256_max_ps(t, SKC_V(SKC_LAB_EPS)));
    return _mm256_blendv_ps(lin, cb, _mm256_cmp_ps(t, SKC_V(SKC_LAB_EPS), _CMP_GT_OQ));
}

/* Inverse companding (as skc_lab_finv). */
static inline __m256 skc_v_lab_finv(__m256 u)
{
    __m256 cube = _mm256_mul_ps(_mm256_mul_ps(u, u), u);
    __m256 lin = _mm256_fmsub_ps(u, SKC_V(116.0f / SKC_LAB_KAPPA), SKC_V(16.0f / SKC_LAB_KAPPA));
    return _mm256_blendv_ps(lin, cube, _mm256_cmp_ps(u, SKC_V(SKC_LAB_DELTA), _CMP_GT_OQ));
}

/* Lane mask for the first n (< 8) lanes of a tail. */
static inline __m256i skc_v_tail_mask(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

#endif
