/* Capture-quality sums, AVX2: the reference's (capture.c) float operations
 * in the same order, one vector as its eight partial sums (lane j sums
 * x = 8i + j), the tail into lane 0, no FMA, so every float sum agrees bit
 * for bit. The colour-cast samples are decoded through the same table
 * (gathered); their double sums run in four lanes, so they agree to
 * rounding. */
#include <immintrin.h>

#include "pstats.h"

static void luma_row(const float *r, const float *g, const float *b, float *out, int w)
{
    const __m256 c0 = _mm256_set1_ps(0.2126f), c1 = _mm256_set1_ps(0.7152f),
                 c2 = _mm256_set1_ps(0.0722f);
    int x = 0;
    for (; x + 8 <= w; x += 8) {
        __m256 v = _mm256_add_ps(_mm256_mul_ps(c0, _mm256_loadu_ps(r + x)),
                                 _mm256_mul_ps(c1, _mm256_loadu_ps(g + x)));
        _mm256_storeu_ps(out + x, _mm256_add_ps(v, _mm256_mul_ps(c2, _mm256_loadu_ps(b + x))));
    }
    for (; x < w; x++)
        out[x] = 0.2126f * r[x] + 0.7152f * g[x] + 0.0722f * b[x];
}

/* the even-indexed floats of p[0..16), in order */
static inline __m256 evens(const float *p)
{
    __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0)); /* a0 a2 b0 b2 | a4 a6 b4 b6 */
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
}

/* The reference's srgb_decode, lane by lane (min / max clamp as its
 * comparisons for every non-NaN value; a NaN reads as 1 instead of
 * indexing outside the table). */
static inline __m256 decode(const float *lut, __m256 v)
{
    v = _mm256_max_ps(_mm256_min_ps(v, _mm256_set1_ps(1.0f)), _mm256_setzero_ps());
    __m256 f = _mm256_mul_ps(v, _mm256_set1_ps((float)SK_CAPTURE_LUT));
    __m256i i = _mm256_cvttps_epi32(f);
    __m256 fr = _mm256_sub_ps(f, _mm256_cvtepi32_ps(i));
    __m256 a = _mm256_i32gather_ps(lut, i, 4);
    __m256 b = _mm256_i32gather_ps(lut, _mm256_add_epi32(i, _mm256_set1_epi32(1)), 4);
    return _mm256_add_ps(a, _mm256_mul_ps(fr, _mm256_sub_ps(b, a)));
}

static inline void add_pd(__m256d acc[2], __m256 v)
{
    acc[0] = _mm256_add_pd(acc[0], _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    acc[1] = _mm256_add_pd(acc[1], _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}

static inline double pd_sum(const __m256d acc[2])
{
    double t[4];
    _mm256_storeu_pd(t, _mm256_add_pd(acc[0], acc[1]));
    return (t[0] + t[1]) + (t[2] + t[3]);
}

void sk_stats_capture_avx2(const float *r, const float *g, const float *b, size_t s,
                           const uint8_t *mask, size_t ms, int w, int h, float *buf,
                           sk_capture_sums *out)
{
    const float *lut = sk_stats_capture_lut();
    const __m256 hi = _mm256_set1_ps(SK_CAPTURE_HI), lo = _mm256_set1_ps(SK_CAPTURE_LO),
                 one = _mm256_set1_ps(1.0f), four = _mm256_set1_ps(4.0f),
                 zero = _mm256_setzero_ps();
    double n = 0, luma = 0, clipped = 0, dark = 0, lap2 = 0, nlap = 0;
    double lin_r = 0, lin_g = 0, lin_b = 0;
    float *L[3] = {buf, buf + w, buf + 2 * (size_t)w}, *wt = buf + 3 * (size_t)w;
    luma_row(r, g, b, L[1], w);
    for (int y = 0; y < h; y++) {
        const size_t o = (size_t)y * s;
        if (y + 1 < h)
            luma_row(r + o + s, g + o + s, b + o + s, L[2], w);
        sk_capture_weights(mask, ms, y, w, wt);
        const float *R = r + o, *G = g + o, *B = b + o, *Lc = L[1];

        __m256 vn = zero, vl = zero, vc = zero, vd = zero;
        int x = 0;
        for (; x + 8 <= w; x += 8) {
            const __m256 k = _mm256_loadu_ps(wt + x), vr = _mm256_loadu_ps(R + x),
                         vg = _mm256_loadu_ps(G + x), vb = _mm256_loadu_ps(B + x);
            __m256 c = _mm256_or_ps(
                _mm256_or_ps(_mm256_cmp_ps(vr, hi, _CMP_GE_OQ), _mm256_cmp_ps(vg, hi, _CMP_GE_OQ)),
                _mm256_cmp_ps(vb, hi, _CMP_GE_OQ));
            __m256 d = _mm256_and_ps(
                _mm256_and_ps(_mm256_cmp_ps(vr, lo, _CMP_LE_OQ), _mm256_cmp_ps(vg, lo, _CMP_LE_OQ)),
                _mm256_cmp_ps(vb, lo, _CMP_LE_OQ));
            vn = _mm256_add_ps(vn, k);
            vl = _mm256_add_ps(vl, _mm256_mul_ps(k, _mm256_loadu_ps(Lc + x)));
            vc = _mm256_add_ps(vc, _mm256_mul_ps(k, _mm256_and_ps(c, one)));
            vd = _mm256_add_ps(vd, _mm256_mul_ps(k, _mm256_and_ps(d, one)));
        }
        float sn[8], sl[8], sc[8], sd[8];
        _mm256_storeu_ps(sn, vn);
        _mm256_storeu_ps(sl, vl);
        _mm256_storeu_ps(sc, vc);
        _mm256_storeu_ps(sd, vd);
        for (; x < w; x++)
            sk_capture_add(R, G, B, Lc, wt, x, &sn[0], &sl[0], &sc[0], &sd[0]);
        for (int j = 0; j < 8; j++)
            n += sn[j], luma += sl[j], clipped += sc[j], dark += sd[j];

        if (y > 0 && y < h - 1) {
            const float *La = L[0], *Lb = L[2];
            __m256 v2 = zero, vk = zero;
            int x1 = 1;
            for (; x1 + 8 <= w - 1; x1 += 8) {
                __m256 lap = _mm256_mul_ps(four, _mm256_loadu_ps(Lc + x1));
                lap = _mm256_sub_ps(lap, _mm256_loadu_ps(Lc + x1 - 1));
                lap = _mm256_sub_ps(lap, _mm256_loadu_ps(Lc + x1 + 1));
                lap = _mm256_sub_ps(lap, _mm256_loadu_ps(La + x1));
                lap = _mm256_sub_ps(lap, _mm256_loadu_ps(Lb + x1));
                const __m256 k = _mm256_loadu_ps(wt + x1);
                v2 = _mm256_add_ps(v2, _mm256_mul_ps(_mm256_mul_ps(k, lap), lap));
                vk = _mm256_add_ps(vk, k);
            }
            float s2[8], sk[8];
            _mm256_storeu_ps(s2, v2);
            _mm256_storeu_ps(sk, vk);
            for (; x1 < w - 1; x1++) {
                const float lap = sk_capture_lap(La, Lc, Lb, x1);
                s2[0] += wt[x1] * lap * lap;
                sk[0] += wt[x1];
            }
            for (int j = 0; j < 8; j++)
                lap2 += s2[j], nlap += sk[j];
        }

        if (!(y & 1)) {
            __m256d ar[2] = {_mm256_setzero_pd(), _mm256_setzero_pd()};
            __m256d ag[2] = {ar[0], ar[1]}, ab[2] = {ar[0], ar[1]};
            int x2 = 0;
            for (; x2 + 16 <= w; x2 += 16) {
                const __m256 on = _mm256_cmp_ps(evens(wt + x2), zero, _CMP_NEQ_UQ);
                add_pd(ar, _mm256_and_ps(on, decode(lut, evens(R + x2))));
                add_pd(ag, _mm256_and_ps(on, decode(lut, evens(G + x2))));
                add_pd(ab, _mm256_and_ps(on, decode(lut, evens(B + x2))));
            }
            double cr = pd_sum(ar), cg = pd_sum(ag), cb = pd_sum(ab);
            for (; x2 < w; x2 += 2)
                if (wt[x2] != 0) {
                    cr += sk_capture_decode(lut, R[x2]);
                    cg += sk_capture_decode(lut, G[x2]);
                    cb += sk_capture_decode(lut, B[x2]);
                }
            lin_r += cr, lin_g += cg, lin_b += cb;
        }
        float *t = L[0];
        L[0] = L[1], L[1] = L[2], L[2] = t;
    }
    *out = (sk_capture_sums){n, luma, clipped, dark, lap2, nlap, lin_r, lin_g, lin_b};
}
