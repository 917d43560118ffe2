/* Uniform LBP, AVX2: eight pixels per step, the same float operations in
 * the same order as the scalar reference (no FMA), so the codes agree bit
 * for bit. The rotation-invariant code is computed in registers (ones and
 * transitions from the comparison masks); the nri code goes through the
 * pattern table. */
#include <immintrin.h>
#include <string.h>

#include "ptexture.h"

/* 8 int32 lanes (each 0..255) to 8 bytes */
static inline void store8(uint8_t *d, __m256i v)
{
    const __m256i sh = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                        0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    __m256i b = _mm256_shuffle_epi8(v, sh);
    __m256i c = _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
    _mm_storel_epi64((__m128i *)(void *)d, _mm256_castsi256_si128(c));
}

static inline __m256i ge0(__m256 v)
{
    return _mm256_castps_si256(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GE_OQ));
}

void sk_texture_lbp_avx2(const float *src, size_t ss, int w, int h, sk_lbp_method method,
                         uint8_t *dst, size_t ds)
{
    const uint8_t *lut = sk_texture_lbp_lut(method);
    const __m256 wa = _mm256_set1_ps(SK_LBP_WA), wb = _mm256_set1_ps(SK_LBP_WB);
    const int uniform = method == SK_LBP_UNIFORM;
    for (int y = 0; y < h; y++) {
        uint8_t *d = dst + (size_t)y * ds;
        if (y == 0 || y == h - 1 || w < 3) {
            memset(d, 255, (size_t)w);
            continue;
        }
        const float *r0 = src + (size_t)(y - 1) * ss, *r1 = src + (size_t)y * ss,
                    *r2 = src + (size_t)(y + 1) * ss;
        int x = 1;
        for (; x + 8 <= w - 1; x += 8) {
            const __m256 c = _mm256_loadu_ps(r1 + x);
            const __m256 de = _mm256_sub_ps(_mm256_loadu_ps(r1 + x + 1), c);
            const __m256 dn = _mm256_sub_ps(_mm256_loadu_ps(r0 + x), c);
            const __m256 dw = _mm256_sub_ps(_mm256_loadu_ps(r1 + x - 1), c);
            const __m256 dd = _mm256_sub_ps(_mm256_loadu_ps(r2 + x), c);
            const __m256 dne =
                _mm256_add_ps(_mm256_mul_ps(wa, _mm256_add_ps(de, dn)),
                              _mm256_mul_ps(wb, _mm256_sub_ps(_mm256_loadu_ps(r0 + x + 1), c)));
            const __m256 dnw =
                _mm256_add_ps(_mm256_mul_ps(wa, _mm256_add_ps(dn, dw)),
                              _mm256_mul_ps(wb, _mm256_sub_ps(_mm256_loadu_ps(r0 + x - 1), c)));
            const __m256 dsw =
                _mm256_add_ps(_mm256_mul_ps(wa, _mm256_add_ps(dw, dd)),
                              _mm256_mul_ps(wb, _mm256_sub_ps(_mm256_loadu_ps(r2 + x - 1), c)));
            const __m256 dse =
                _mm256_add_ps(_mm256_mul_ps(wa, _mm256_add_ps(dd, de)),
                              _mm256_mul_ps(wb, _mm256_sub_ps(_mm256_loadu_ps(r2 + x + 1), c)));
            /* masks: -1 where the bit is set */
            const __m256i m0 = ge0(de), m1 = ge0(dne), m2 = ge0(dn), m3 = ge0(dnw), m4 = ge0(dw),
                          m5 = ge0(dsw), m6 = ge0(dd), m7 = ge0(dse);
            __m256i code;
            if (uniform) {
                __m256i ones = _mm256_add_epi32(
                    _mm256_add_epi32(_mm256_add_epi32(m0, m1), _mm256_add_epi32(m2, m3)),
                    _mm256_add_epi32(_mm256_add_epi32(m4, m5), _mm256_add_epi32(m6, m7)));
                __m256i tr = _mm256_add_epi32(
                    _mm256_add_epi32(
                        _mm256_add_epi32(_mm256_xor_si256(m0, m1), _mm256_xor_si256(m1, m2)),
                        _mm256_add_epi32(_mm256_xor_si256(m2, m3), _mm256_xor_si256(m3, m4))),
                    _mm256_add_epi32(
                        _mm256_add_epi32(_mm256_xor_si256(m4, m5), _mm256_xor_si256(m5, m6)),
                        _mm256_add_epi32(_mm256_xor_si256(m6, m7), _mm256_xor_si256(m7, m0))));
                ones = _mm256_sub_epi32(_mm256_setzero_si256(), ones);
                /* tr = -transitions; uniform when transitions <= 2 */
                __m256i nonuni = _mm256_cmpgt_epi32(_mm256_set1_epi32(-2), tr);
                code = _mm256_blendv_epi8(ones, _mm256_set1_epi32(9), nonuni);
                store8(d + x, code);
            } else {
                __m256i p = _mm256_and_si256(m0, _mm256_set1_epi32(1));
                p = _mm256_or_si256(p, _mm256_and_si256(m1, _mm256_set1_epi32(2)));
                p = _mm256_or_si256(p, _mm256_and_si256(m2, _mm256_set1_epi32(4)));
                p = _mm256_or_si256(p, _mm256_and_si256(m3, _mm256_set1_epi32(8)));
                p = _mm256_or_si256(p, _mm256_and_si256(m4, _mm256_set1_epi32(16)));
                p = _mm256_or_si256(p, _mm256_and_si256(m5, _mm256_set1_epi32(32)));
                p = _mm256_or_si256(p, _mm256_and_si256(m6, _mm256_set1_epi32(64)));
                p = _mm256_or_si256(p, _mm256_and_si256(m7, _mm256_set1_epi32(128)));
                code = _mm256_i32gather_epi32((const int *)(const void *)lut, p, 1);
                store8(d + x, _mm256_and_si256(code, _mm256_set1_epi32(255)));
            }
        }
        /* tail through the scalar reference (patterns for x .. w-2) */
        if (x < w - 1) {
            sk_texture_lbp_patterns_scalar(r0 + x - 1, r1 + x - 1, r2 + x - 1, w - x + 1, d + x - 1);
            for (; x < w - 1; x++)
                d[x] = lut[d[x]];
        }
        d[0] = d[w - 1] = 255;
    }
}
