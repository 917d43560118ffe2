/* Affine warp, bilinear, AVX2: eight destination pixels per step with four
 * gathers. Blocks whose footprint touches the source edge, and the row tail,
 * use the scalar per-pixel sampler, so edges match the reference exactly; the
 * interior uses the same operations in the same order (no FMA contraction),
 * so the two variants agree bit for bit. */
#include <immintrin.h>
#include <stdint.h>

#include "pgeom.h"

void sk_geom_warp_affine_avx2(const float *src, size_t ss, int sw, int sh, float *dst, size_t ds,
                              int dw, int dh, const double M[6], const sk_warp_params *p,
                              float *valid, size_t vs)
{
    assert(p->interp == SK_INTERP_BILINEAR);
    /* 32-bit gather offsets must reach the last row. */
    if ((double)ss * (double)sh + (double)sw >= 2147483647.0 || sw < 2 || sh < 2) {
        sk_geom_warp_affine_scalar(src, ss, sw, sh, dst, ds, dw, dh, M, p, valid, vs);
        return;
    }
    const __m256d lane_lo = _mm256_setr_pd(0, 1, 2, 3), lane_hi = _mm256_setr_pd(4, 5, 6, 7);
    const __m256d m0 = _mm256_set1_pd(M[0]), m3 = _mm256_set1_pd(M[3]);
    const __m256d zero = _mm256_setzero_pd();
    const __m256d xmax = _mm256_set1_pd((double)(sw - 1)), ymax = _mm256_set1_pd((double)(sh - 1));
    const __m256i vss = _mm256_set1_epi32((int)ss);
    const __m256 one = _mm256_set1_ps(1.0f);
    for (int y = 0; y < dh; y++) {
        const double bx = M[1] * y + M[2], by = M[4] * y + M[5];
        const __m256d vbx = _mm256_set1_pd(bx), vby = _mm256_set1_pd(by);
        float *d = dst + (size_t)y * ds;
        float *v = valid ? valid + (size_t)y * vs : NULL;
        int x = 0;
        for (; x + 8 <= dw; x += 8) {
            __m256d xd0 = _mm256_add_pd(_mm256_set1_pd((double)x), lane_lo);
            __m256d xd1 = _mm256_add_pd(_mm256_set1_pd((double)x), lane_hi);
            __m256d xs0 = _mm256_add_pd(_mm256_mul_pd(m0, xd0), vbx);
            __m256d xs1 = _mm256_add_pd(_mm256_mul_pd(m0, xd1), vbx);
            __m256d ys0 = _mm256_add_pd(_mm256_mul_pd(m3, xd0), vby);
            __m256d ys1 = _mm256_add_pd(_mm256_mul_pd(m3, xd1), vby);
            __m256d in0 = _mm256_and_pd(
                _mm256_and_pd(_mm256_cmp_pd(xs0, zero, _CMP_GE_OQ), _mm256_cmp_pd(xs0, xmax, _CMP_LT_OQ)),
                _mm256_and_pd(_mm256_cmp_pd(ys0, zero, _CMP_GE_OQ), _mm256_cmp_pd(ys0, ymax, _CMP_LT_OQ)));
            __m256d in1 = _mm256_and_pd(
                _mm256_and_pd(_mm256_cmp_pd(xs1, zero, _CMP_GE_OQ), _mm256_cmp_pd(xs1, xmax, _CMP_LT_OQ)),
                _mm256_and_pd(_mm256_cmp_pd(ys1, zero, _CMP_GE_OQ), _mm256_cmp_pd(ys1, ymax, _CMP_LT_OQ)));
            if ((_mm256_movemask_pd(in0) & _mm256_movemask_pd(in1)) != 0xf) {
                for (int i = 0; i < 8; i++) {
                    double xs = M[0] * (x + i) + bx, ys = M[3] * (x + i) + by;
                    float out;
                    int ok = sk_geom_sample_bilinear(src, ss, sw, sh, xs, ys, &out);
                    d[x + i] = ok ? out : p->fill;
                    if (v)
                        v[x + i] = ok ? 1.0f : 0.0f;
                }
                continue;
            }
            __m256d fx0 = _mm256_floor_pd(xs0), fx1 = _mm256_floor_pd(xs1);
            __m256d fy0 = _mm256_floor_pd(ys0), fy1 = _mm256_floor_pd(ys1);
            __m256i ix = _mm256_set_m128i(_mm256_cvttpd_epi32(fx1), _mm256_cvttpd_epi32(fx0));
            __m256i iy = _mm256_set_m128i(_mm256_cvttpd_epi32(fy1), _mm256_cvttpd_epi32(fy0));
            __m256 tx = _mm256_set_m128(_mm256_cvtpd_ps(_mm256_sub_pd(xs1, fx1)),
                                        _mm256_cvtpd_ps(_mm256_sub_pd(xs0, fx0)));
            __m256 ty = _mm256_set_m128(_mm256_cvtpd_ps(_mm256_sub_pd(ys1, fy1)),
                                        _mm256_cvtpd_ps(_mm256_sub_pd(ys0, fy0)));
            __m256i idx = _mm256_add_epi32(_mm256_mullo_epi32(iy, vss), ix);
            __m256 a = _mm256_i32gather_ps(src, idx, 4);
            __m256 b = _mm256_i32gather_ps(src + 1, idx, 4);
            __m256 c = _mm256_i32gather_ps(src + ss, idx, 4);
            __m256 e = _mm256_i32gather_ps(src + ss + 1, idx, 4);
            __m256 top = _mm256_add_ps(a, _mm256_mul_ps(tx, _mm256_sub_ps(b, a)));
            __m256 bot = _mm256_add_ps(c, _mm256_mul_ps(tx, _mm256_sub_ps(e, c)));
            _mm256_storeu_ps(d + x, _mm256_add_ps(top, _mm256_mul_ps(ty, _mm256_sub_ps(bot, top))));
            if (v)
                _mm256_storeu_ps(v + x, one);
        }
        for (; x < dw; x++) {
            double xs = M[0] * x + bx, ys = M[3] * x + by;
            float out;
            int ok = sk_geom_sample_bilinear(src, ss, sw, sh, xs, ys, &out);
            d[x] = ok ? out : p->fill;
            if (v)
                v[x] = ok ? 1.0f : 0.0f;
        }
    }
}
