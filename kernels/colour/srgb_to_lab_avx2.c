/* sRGB-encoded -> L*a*b*, AVX2+FMA.
 *
 * A row is done in chunks of 64 pixels held in L1, in short passes (decode
 * each channel; matrix; companding of each channel; combine). Written as one
 * fused loop, each 8-pixel step is a ~250-instruction dependency chain that
 * fills the out-of-order window, and the loop ran latency-bound at about
 * 110 MP/s; the short passes let independent steps overlap (bench_colour). */
#include "pcolour_avx2.h"

enum { CHUNK = 64 };

void sk_colour_srgb_to_lab_avx2(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                                size_t dp, int w, int h)
{
    __m256 Mw[9];
    for (int i = 0; i < 9; i++) /* rows pre-divided by the white: gives X/Xn, Y/Yn, Z/Zn */
        Mw[i] = SKC_V(skc_xyz_from_rgb[i] / skc_white[i / 3]);
    _Alignas(32) float buf[3][CHUNK];
    for (int y = 0; y < h; y++) {
        const float *s[3] = {src + (size_t)y * ss, src + (size_t)y * ss + sp,
                             src + (size_t)y * ss + 2 * sp};
        float *d[3] = {dst + (size_t)y * ds, dst + (size_t)y * ds + dp,
                       dst + (size_t)y * ds + 2 * dp};
        for (int x0 = 0; x0 < w; x0 += CHUNK) {
            int n = w - x0 < CHUNK ? w - x0 : CHUNK;
            int nfull = n & ~7;
            __m256i tail = skc_v_tail_mask(n - nfull);
            /* 1. decode each channel into the chunk buffer (all of the
             * chunk is read before any of it is written: dst == src works) */
            for (int c = 0; c < 3; c++) {
                const float *sc = s[c] + x0;
                for (int i = 0; i < nfull; i += 8)
                    _mm256_store_ps(buf[c] + i,
                                    skc_v_srgb_decode(skc_v_sanitise(_mm256_loadu_ps(sc + i))));
                if (nfull < n)
                    _mm256_store_ps(buf[c] + nfull, skc_v_srgb_decode(skc_v_sanitise(
                                                        _mm256_maskload_ps(sc + nfull, tail))));
            }
            int nv = (n + 7) & ~7;
            /* 2. matrix, in place in the buffer */
            for (int i = 0; i < nv; i += 8) {
                __m256 r = _mm256_load_ps(buf[0] + i), g = _mm256_load_ps(buf[1] + i),
                       b = _mm256_load_ps(buf[2] + i);
                __m256 X = _mm256_fmadd_ps(Mw[0], r, _mm256_fmadd_ps(Mw[1], g, _mm256_mul_ps(Mw[2], b)));
                __m256 Y = _mm256_fmadd_ps(Mw[3], r, _mm256_fmadd_ps(Mw[4], g, _mm256_mul_ps(Mw[5], b)));
                __m256 Z = _mm256_fmadd_ps(Mw[6], r, _mm256_fmadd_ps(Mw[7], g, _mm256_mul_ps(Mw[8], b)));
                _mm256_store_ps(buf[0] + i, X);
                _mm256_store_ps(buf[1] + i, Y);
                _mm256_store_ps(buf[2] + i, Z);
            }
            /* 3. companding of each channel */
            for (int c = 0; c < 3; c++)
                for (int i = 0; i < nv; i += 8)
                    _mm256_store_ps(buf[c] + i, skc_v_lab_f(_mm256_load_ps(buf[c] + i)));
            /* 4. L*, a*, b* */
            for (int i = 0; i < nv; i += 8) {
                __m256 fx = _mm256_load_ps(buf[0] + i), fy = _mm256_load_ps(buf[1] + i),
                       fz = _mm256_load_ps(buf[2] + i);
                __m256 L = _mm256_fmsub_ps(fy, SKC_V(116.0f), SKC_V(16.0f));
                __m256 A = _mm256_mul_ps(_mm256_sub_ps(fx, fy), SKC_V(500.0f));
                __m256 B = _mm256_mul_ps(_mm256_sub_ps(fy, fz), SKC_V(200.0f));
                if (i < nfull) {
                    _mm256_storeu_ps(d[0] + x0 + i, L);
                    _mm256_storeu_ps(d[1] + x0 + i, A);
                    _mm256_storeu_ps(d[2] + x0 + i, B);
                } else {
                    _mm256_maskstore_ps(d[0] + x0 + i, tail, L);
                    _mm256_maskstore_ps(d[1] + x0 + i, tail, A);
                    _mm256_maskstore_ps(d[2] + x0 + i, tail, B);
                }
            }
        }
    }
}
