/* L*a*b* -> sRGB-encoded, AVX2+FMA: inverse companding and inverse matrix
 * (columns pre-multiplied by the white) into a 64-pixel L1 buffer, then the
 * encode of each channel in its own short pass (see srgb_to_lab_avx2.c for
 * why the passes are split). */
#include "pcolour_avx2.h"

enum { CHUNK = 64 };

void sk_colour_lab_to_srgb_avx2(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                                size_t dp, int w, int h)
{
    __m256 Mw[9];
    for (int i = 0; i < 9; i++)
        Mw[i] = SKC_V(skc_rgb_from_xyz[i] * skc_white[i % 3]);
    _Alignas(32) float buf[3][CHUNK];
    for (int y = 0; y < h; y++) {
        const float *s[3] = {src + (size_t)y * ss, src + (size_t)y * ss + sp,
                             src + (size_t)y * ss + 2 * sp};
        float *d[3] = {dst + (size_t)y * ds, dst + (size_t)y * ds + dp,
                       dst + (size_t)y * ds + 2 * dp};
        for (int x0 = 0; x0 < w; x0 += CHUNK) {
            int n = w - x0 < CHUNK ? w - x0 : CHUNK;
            int nfull = n & ~7, nv = (n + 7) & ~7;
            __m256i tail = skc_v_tail_mask(n - nfull);
            for (int i = 0; i < nv; i += 8) {
                __m256 L, A, B;
                if (i < nfull) {
                    L = _mm256_loadu_ps(s[0] + x0 + i);
                    A = _mm256_loadu_ps(s[1] + x0 + i);
                    B = _mm256_loadu_ps(s[2] + x0 + i);
                } else {
                    L = _mm256_maskload_ps(s[0] + x0 + i, tail);
                    A = _mm256_maskload_ps(s[1] + x0 + i, tail);
                    B = _mm256_maskload_ps(s[2] + x0 + i, tail);
                }
                L = skc_v_sanitise(L);
                A = skc_v_sanitise(A);
                B = skc_v_sanitise(B);
                __m256 fy = _mm256_mul_ps(_mm256_add_ps(L, SKC_V(16.0f)), SKC_V(1.0f / 116.0f));
                __m256 fx = _mm256_fmadd_ps(A, SKC_V(1.0f / 500.0f), fy);
                __m256 fz = _mm256_fnmadd_ps(B, SKC_V(1.0f / 200.0f), fy);
                __m256 X = skc_v_lab_finv(fx), Y = skc_v_lab_finv(fy), Z = skc_v_lab_finv(fz);
                _mm256_store_ps(buf[0] + i, _mm256_fmadd_ps(Mw[0], X, _mm256_fmadd_ps(Mw[1], Y, _mm256_mul_ps(Mw[2], Z))));
                _mm256_store_ps(buf[1] + i, _mm256_fmadd_ps(Mw[3], X, _mm256_fmadd_ps(Mw[4], Y, _mm256_mul_ps(Mw[5], Z))));
                _mm256_store_ps(buf[2] + i, _mm256_fmadd_ps(Mw[6], X, _mm256_fmadd_ps(Mw[7], Y, _mm256_mul_ps(Mw[8], Z))));
            }
            /* the whole chunk has been read: dst == src works */
            for (int c = 0; c < 3; c++) {
                float *dc = d[c] + x0;
                for (int i = 0; i < nfull; i += 8)
                    _mm256_storeu_ps(dc + i, skc_v_srgb_encode(_mm256_load_ps(buf[c] + i)));
                if (nfull < n)
                    _mm256_maskstore_ps(dc + nfull, tail,
                                        skc_v_srgb_encode(_mm256_load_ps(buf[c] + nfull)));
            }
        }
    }
}
