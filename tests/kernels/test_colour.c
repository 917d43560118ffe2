/* Colour conversions: the scalar references against a double-precision
 * definition and published values, AVX2 against the definition and the
 * scalar reference, round trips, out-of-range input, in-place calls,
 * padding, argument checks, and the 3x3 matrix (fused loop vs OpenBLAS). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcolour.h"
#include "testutil.h"

#define SENTINEL 12345.0f

static const int widths[] = {1, 7, 31, 33, 1000};
#define NWIDTHS (int)(sizeof widths / sizeof widths[0])

/* ------------------------------------------------ double-precision definition */

/* The sRGB -> XYZ matrix derived here from the primaries and the white, in
 * double, independently of the float constants in pcolour.h. */
static double def_M[9], def_Minv[9];
static const double def_white[3] = {0.95047, 1.0, 1.08883};

static void inv3(const double *A, double *B)
{
    double c00 = A[4] * A[8] - A[5] * A[7], c01 = A[5] * A[6] - A[3] * A[8],
           c02 = A[3] * A[7] - A[4] * A[6];
    double det = A[0] * c00 + A[1] * c01 + A[2] * c02;
    B[0] = c00 / det;
    B[1] = (A[2] * A[7] - A[1] * A[8]) / det;
    B[2] = (A[1] * A[5] - A[2] * A[4]) / det;
    B[3] = c01 / det;
    B[4] = (A[0] * A[8] - A[2] * A[6]) / det;
    B[5] = (A[2] * A[3] - A[0] * A[5]) / det;
    B[6] = c02 / det;
    B[7] = (A[1] * A[6] - A[0] * A[7]) / det;
    B[8] = (A[0] * A[4] - A[1] * A[3]) / det;
}

static void def_init(void)
{
    static const double xy[3][2] = {{0.64, 0.33}, {0.30, 0.60}, {0.15, 0.06}};
    double P[9], Pi[9], S[3];
    for (int k = 0; k < 3; k++) {
        P[0 * 3 + k] = xy[k][0] / xy[k][1];
        P[1 * 3 + k] = 1.0;
        P[2 * 3 + k] = (1.0 - xy[k][0] - xy[k][1]) / xy[k][1];
    }
    inv3(P, Pi);
    for (int k = 0; k < 3; k++)
        S[k] = Pi[k * 3] * def_white[0] + Pi[k * 3 + 1] * def_white[1] + Pi[k * 3 + 2] * def_white[2];
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < 3; k++)
            def_M[r * 3 + k] = P[r * 3 + k] * S[k];
    inv3(def_M, def_Minv);
}

static double def_decode(double x)
{
    double a = fabs(x);
    double y = a <= 0.04045 ? a / 12.92 : pow((a + 0.055) / 1.055, 2.4);
    return x < 0 ? -y : y;
}

static double def_encode(double x)
{
    double a = fabs(x);
    double y = a <= 0.0031308 ? 12.92 * a : 1.055 * pow(a, 1.0 / 2.4) - 0.055;
    return x < 0 ? -y : y;
}

static double def_f(double t)
{
    const double eps = 216.0 / 24389.0, kappa = 24389.0 / 27.0;
    return t > eps ? cbrt(t) : (kappa * t + 16.0) / 116.0;
}

static double def_finv(double u)
{
    const double kappa = 24389.0 / 27.0;
    return u > 6.0 / 29.0 ? u * u * u : (116.0 * u - 16.0) / kappa;
}

static void def_mat(const double *M, const double *in, double *out)
{
    for (int r = 0; r < 3; r++)
        out[r] = M[r * 3] * in[0] + M[r * 3 + 1] * in[1] + M[r * 3 + 2] * in[2];
}

static void def_xyz_to_lab(const double *xyz, double *lab)
{
    double fx = def_f(xyz[0] / def_white[0]), fy = def_f(xyz[1] / def_white[1]),
           fz = def_f(xyz[2] / def_white[2]);
    lab[0] = 116.0 * fy - 16.0;
    lab[1] = 500.0 * (fx - fy);
    lab[2] = 200.0 * (fy - fz);
}

static void def_lab_to_xyz(const double *lab, double *xyz)
{
    double fy = (lab[0] + 16.0) / 116.0, fx = fy + lab[1] / 500.0, fz = fy - lab[2] / 200.0;
    xyz[0] = def_white[0] * def_finv(fx);
    xyz[1] = def_white[1] * def_finv(fy);
    xyz[2] = def_white[2] * def_finv(fz);
}

static void def_srgb_to_lab(const double *rgb, double *lab)
{
    double lin[3] = {def_decode(rgb[0]), def_decode(rgb[1]), def_decode(rgb[2])}, xyz[3];
    def_mat(def_M, lin, xyz);
    def_xyz_to_lab(xyz, lab);
}

static void def_lab_to_srgb(const double *lab, double *rgb)
{
    double xyz[3], lin[3];
    def_lab_to_xyz(lab, xyz);
    def_mat(def_Minv, xyz, lin);
    for (int c = 0; c < 3; c++)
        rgb[c] = def_encode(lin[c]);
}

/* ------------------------------------------------------------- plane helpers */

/* Three planes of w x h with row stride w + pad and a gap between planes;
 * everything outside the w x h regions holds SENTINEL. */
typedef struct {
    float *buf;
    int w, h;
    size_t stride, plane, total;
} planes3;

static planes3 p3_new(int w, int h, int pad)
{
    planes3 p = {NULL, w, h, (size_t)(w + pad), 0, 0};
    p.plane = p.stride * (size_t)h + 5;
    p.total = 3 * p.plane;
    p.buf = malloc(p.total * sizeof(float));
    cr_assert_not_null(p.buf);
    for (size_t i = 0; i < p.total; i++)
        p.buf[i] = SENTINEL;
    return p;
}

static float *p3_at(const planes3 *p, int c, int x, int y)
{
    return p->buf + (size_t)c * p->plane + (size_t)y * p->stride + (size_t)x;
}

static void p3_fill_uniform(planes3 *p, const float lo[3], const float hi[3], sk_test_rng *r)
{
    for (int c = 0; c < 3; c++)
        sk_test_fill_uniform(p3_at(p, c, 0, 0), p->stride, p->w, p->h, lo[c], hi[c], r);
}

static void p3_check_sentinels(const planes3 *p)
{
    for (size_t i = 0; i < p->total; i++) {
        size_t c = i / p->plane, o = i % p->plane, y = o / p->stride, x = o % p->stride;
        int inside = y < (size_t)p->h && x < (size_t)p->w;
        (void)c;
        if (!inside)
            cr_assert_eq(p->buf[i], SENTINEL, "padding written at offset %zu", i);
    }
}

static double p3_max_diff(const planes3 *a, const planes3 *b, int c)
{
    return sk_test_max_abs_diff(p3_at(a, c, 0, 0), a->stride, p3_at(b, c, 0, 0), b->stride, a->w,
                                a->h);
}

static int have_avx2(void)
{
    if (!sk_simd_supported(SK_SIMD_AVX2)) {
        cr_log_warn("no AVX2+FMA on this CPU: AVX2 check skipped");
        return 0;
    }
    return 1;
}

static sk_test_rng seeded(void)
{
    sk_test_rng r;
    uint64_t seed = sk_test_seed();
    fprintf(stderr, "test_colour: seed %llu (replay with SK_TEST_SEED)\n",
            (unsigned long long)seed);
    sk_test_rng_init(&r, seed);
    return r;
}

/* ------------------------------------------------------- published values */

static void lab_of(const float rgb[3], float lab[3], skc_planes3_fn fn)
{
    float in[3] = {rgb[0], rgb[1], rgb[2]}, out[3];
    fn(in, 1, 1, out, 1, 1, 1, 1);
    memcpy(lab, out, sizeof out);
}

Test(colour_reference, published_srgb_lab_pairs)
{
    /* sRGB (D65) -> CIELAB values as tabulated by B. Lindbloom's calculator
     * and scikit-image: white, the primaries, mid grey. */
    static const float rgb[][3] = {{1, 1, 1}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0.5f, 0.5f, 0.5f},
                                   {0, 0, 0}};
    static const float lab[][3] = {{100, 0, 0},
                                   {53.2408f, 80.0925f, 67.2032f},
                                   {87.7347f, -86.1827f, 83.1793f},
                                   {32.2970f, 79.1875f, -107.8602f},
                                   {53.3890f, 0, 0},
                                   {0, 0, 0}};
    skc_planes3_fn fns[2] = {sk_colour_srgb_to_lab_scalar, sk_colour_srgb_to_lab_avx2};
    for (int v = 0; v < 2; v++) {
        if (v == 1 && !have_avx2())
            break;
        for (int i = 0; i < 6; i++) {
            float got[3];
            lab_of(rgb[i], got, fns[v]);
            for (int c = 0; c < 3; c++)
                cr_expect(fabsf(got[c] - lab[i][c]) < 2e-3f,
                          "variant %d colour %d ch %d: got %.5f want %.4f", v, i, c, got[c],
                          lab[i][c]);
        }
    }
}

Test(colour_reference, xyz_of_primaries_match_iec_matrix)
{
    /* IEC 61966-2-1 prints the matrix to 4 decimals; ours is derived from
     * the primaries and the 5-digit white, so agreement is to ~2e-4. */
    static const float iec[9] = {0.4124f, 0.3576f, 0.1805f, 0.2126f, 0.7152f,
                                 0.0722f, 0.0193f, 0.1192f, 0.9505f};
    def_init();
    for (int k = 0; k < 3; k++) {
        float in[3] = {0, 0, 0}, out[3];
        in[k] = 1.0f;
        cr_assert_eq(sk_colour_linear_to_xyz(in, 1, 1, out, 1, 1, 1, 1), SK_OK);
        for (int r = 0; r < 3; r++) {
            cr_expect(fabsf(out[r] - iec[r * 3 + k]) < 2.5e-4f, "primary %d row %d: %.6f", k, r,
                      out[r]);
            cr_expect(fabs(out[r] - def_M[r * 3 + k]) < 1e-6, "primary %d row %d vs derived", k,
                      r);
        }
    }
    float white[3] = {1, 1, 1}, xyz[3];
    sk_colour_linear_to_xyz(white, 1, 1, xyz, 1, 1, 1, 1);
    cr_expect(fabsf(xyz[0] - 0.95047f) < 1e-6f && fabsf(xyz[1] - 1.0f) < 1e-6f &&
              fabsf(xyz[2] - 1.08883f) < 1e-6f);
}

Test(colour_reference, transfer_curve_breakpoints)
{
    /* Both pieces meet at the breakpoints to within the standard's rounding. */
    cr_expect(fabsf(skc_srgb_decode(0.04045f) - 0.0031308f) < 1e-7f);
    cr_expect(fabsf(skc_srgb_encode(0.0031308f) - 0.04045f) < 1e-6f);
    cr_expect(fabsf(skc_srgb_decode(1.0f) - 1.0f) < 1e-6f);
    cr_expect(fabsf(skc_srgb_encode(1.0f) - 1.0f) < 1e-6f);
    cr_expect(fabsf(skc_srgb_decode(0.5f) - 0.21404114f) < 1e-6f);
    /* Lab companding continuous at eps. */
    float e = SKC_LAB_EPS;
    cr_expect(fabsf(cbrtf(e) - (SKC_LAB_KAPPA * e + 16.0f) / 116.0f) < 1e-6f);
}

/* ---------------------------------------------- dense grid vs the definition */

/* Largest |dL|, |da|, |db| of a variant against the double definition over
 * a 129^3 grid of the RGB cube plus 2^20 random 16-bit triples. */
static void grid_vs_def(skc_planes3_fn fn, double worst[3])
{
    const int n = 129, ngrid = n * n * n, nrand = 1 << 20;
    const int total = ngrid + nrand, w = 4096, h = (total + w - 1) / w;
    float *in = malloc(sizeof(float) * 3 * (size_t)w * h);
    float *out = malloc(sizeof(float) * 3 * (size_t)w * h);
    cr_assert(in && out);
    size_t P = (size_t)w * h;
    sk_test_rng r = seeded();
    for (int i = 0; i < w * h; i++) {
        float v[3];
        if (i < ngrid) {
            v[0] = (float)(i % n) / (n - 1);
            v[1] = (float)(i / n % n) / (n - 1);
            v[2] = (float)(i / (n * n)) / (n - 1);
        } else {
            for (int c = 0; c < 3; c++)
                v[c] = (float)(sk_test_rng_next(&r) >> 48) / 65535.0f;
        }
        for (int c = 0; c < 3; c++)
            in[c * P + i] = v[c];
    }
    fn(in, (size_t)w, P, out, (size_t)w, P, w, h);
    worst[0] = worst[1] = worst[2] = 0;
    for (int i = 0; i < total; i++) {
        double rgb[3] = {in[i], in[P + i], in[2 * P + i]}, lab[3];
        def_srgb_to_lab(rgb, lab);
        for (int c = 0; c < 3; c++) {
            double d = fabs(out[c * P + i] - lab[c]);
            if (!(d <= worst[c]))
                worst[c] = d;
        }
    }
    free(in);
    free(out);
}

Test(colour_srgb_to_lab, scalar_matches_definition_on_dense_grid)
{
    def_init();
    double worst[3];
    grid_vs_def(sk_colour_srgb_to_lab_scalar, worst);
    fprintf(stderr, "srgb_to_lab scalar vs double definition: max |dL| %.2e |da| %.2e |db| %.2e\n",
            worst[0], worst[1], worst[2]);
    for (int c = 0; c < 3; c++)
        cr_expect(worst[c] < 1e-3, "channel %d: %.3e", c, worst[c]);
}

Test(colour_srgb_to_lab, avx2_matches_definition_on_dense_grid)
{
    if (!have_avx2())
        return;
    def_init();
    double worst[3];
    grid_vs_def(sk_colour_srgb_to_lab_avx2, worst);
    fprintf(stderr, "srgb_to_lab avx2 vs double definition: max |dL| %.2e |da| %.2e |db| %.2e\n",
            worst[0], worst[1], worst[2]);
    for (int c = 0; c < 3; c++)
        cr_expect(worst[c] < 0.01, "channel %d: %.3e (tolerance 0.01)", c, worst[c]);
}

/* One-plane curves: every 16-bit code and a fine linear grid. */
/* Error: absolute up to 1, relative beyond. */
static void curve_vs_def(skc_plane_fn fn, double (*def)(double), int encode, double *worst_abs)
{
    const int n = 65536 + 100001;
    float *in = malloc(sizeof(float) * n), *out = malloc(sizeof(float) * n);
    cr_assert(in && out);
    for (int i = 0; i < 65536; i++)
        in[i] = (float)i / 65535.0f;
    for (int i = 0; i <= 100000; i++) /* also past the ends: [-0.5, 1.5] */
        in[65536 + i] = -0.5f + 2.0f * (float)i / 100000.0f;
    if (encode) /* linear input covers [0, 1] densely near 0 too */
        for (int i = 0; i < 65536; i++)
            in[i] = (float)def_decode((double)i / 65535.0);
    fn(in, (size_t)n, out, (size_t)n, n, 1);
    *worst_abs = 0;
    for (int i = 0; i < n; i++) {
        double ref = def(in[i]);
        double d = fabs(out[i] - ref) / fmax(1.0, fabs(ref)); /* relative beyond 1 */
        if (!(d <= *worst_abs))
            *worst_abs = d;
    }
    free(in);
    free(out);
}

Test(colour_transfer, scalar_and_avx2_match_definition)
{
    double wd, we;
    curve_vs_def(sk_colour_srgb_to_linear_scalar, def_decode, 0, &wd);
    curve_vs_def(sk_colour_linear_to_srgb_scalar, def_encode, 1, &we);
    fprintf(stderr, "transfer scalar vs double: decode %.2e encode %.2e\n", wd, we);
    cr_expect(wd < 5e-7 && we < 5e-7);
    if (!have_avx2())
        return;
    curve_vs_def(sk_colour_srgb_to_linear_avx2, def_decode, 0, &wd);
    curve_vs_def(sk_colour_linear_to_srgb_avx2, def_encode, 1, &we);
    fprintf(stderr, "transfer avx2 vs double: decode %.2e encode %.2e\n", wd, we);
    /* A 16-bit code step is 1.5e-5: stay well below it. */
    cr_expect(wd < 2e-6 && we < 2e-6, "decode %.3e encode %.3e", wd, we);
}

Test(colour_lab_to_srgb, scalar_and_avx2_match_definition)
{
    def_init();
    sk_test_rng r = seeded();
    const int w = 1000, h = 200;
    planes3 in = p3_new(w, h, 0), out = p3_new(w, h, 0);
    const float lo[3] = {0, -128, -128}, hi[3] = {100, 128, 128};
    p3_fill_uniform(&in, lo, hi, &r);
    skc_planes3_fn fns[2] = {sk_colour_lab_to_srgb_scalar, sk_colour_lab_to_srgb_avx2};
    for (int v = 0; v < 2; v++) {
        if (v == 1 && !have_avx2())
            break;
        fns[v](in.buf, in.stride, in.plane, out.buf, out.stride, out.plane, w, h);
        double worst = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                double lab[3] = {*p3_at(&in, 0, x, y), *p3_at(&in, 1, x, y),
                                 *p3_at(&in, 2, x, y)},
                       rgb[3];
                def_lab_to_srgb(lab, rgb);
                for (int c = 0; c < 3; c++) {
                    /* relative beyond 1: out-of-gamut values reach ~10 */
                    double d = fabs(*p3_at(&out, c, x, y) - rgb[c]) / fmax(1.0, fabs(rgb[c]));
                    if (!(d <= worst))
                        worst = d;
                }
            }
        fprintf(stderr, "lab_to_srgb variant %d vs double: %.2e\n", v, worst);
        cr_expect(worst < 2e-5, "variant %d: %.3e", v, worst);
    }
    free(in.buf);
    free(out.buf);
}

/* ----------------------------------- AVX2 vs scalar, widths, padded strides */

typedef struct {
    const char *name;
    skc_planes3_fn scalar, avx2;
    float lo[3], hi[3];
    double tol;
} case3;

static const case3 cases3[] = {
    {"srgb_to_lab", sk_colour_srgb_to_lab_scalar, sk_colour_srgb_to_lab_avx2, {0, 0, 0}, {1, 1, 1},
     5e-3},
    {"lab_to_srgb", sk_colour_lab_to_srgb_scalar, sk_colour_lab_to_srgb_avx2, {0, -100, -100},
     {100, 100, 100}, 2e-5},
};

Test(colour_variants, avx2_agrees_with_scalar_all_widths_and_strides)
{
    if (!have_avx2())
        return;
    sk_test_rng r = seeded();
    for (size_t k = 0; k < sizeof cases3 / sizeof cases3[0]; k++)
        for (int wi = 0; wi < NWIDTHS; wi++)
            for (int pad = 0; pad <= 13; pad += 13) {
                int w = widths[wi], h = 5;
                planes3 in = p3_new(w, h, pad), a = p3_new(w, h, pad + 3),
                        b = p3_new(w, h, pad + 3);
                p3_fill_uniform(&in, cases3[k].lo, cases3[k].hi, &r);
                cases3[k].scalar(in.buf, in.stride, in.plane, a.buf, a.stride, a.plane, w, h);
                cases3[k].avx2(in.buf, in.stride, in.plane, b.buf, b.stride, b.plane, w, h);
                for (int c = 0; c < 3; c++) {
                    double d = p3_max_diff(&a, &b, c);
                    cr_expect(d < cases3[k].tol, "%s w %d pad %d ch %d: %.3e", cases3[k].name,
                              w, pad, c, d);
                }
                p3_check_sentinels(&a);
                p3_check_sentinels(&b);
                free(in.buf);
                free(a.buf);
                free(b.buf);
            }
}

Test(colour_variants, transfer_avx2_agrees_with_scalar_all_widths)
{
    if (!have_avx2())
        return;
    sk_test_rng r = seeded();
    skc_plane_fn sc[2] = {sk_colour_srgb_to_linear_scalar, sk_colour_linear_to_srgb_scalar};
    skc_plane_fn av[2] = {sk_colour_srgb_to_linear_avx2, sk_colour_linear_to_srgb_avx2};
    for (int k = 0; k < 2; k++)
        for (int wi = 0; wi < NWIDTHS; wi++) {
            int w = widths[wi], h = 4;
            size_t s_in = (size_t)w + 9, s_out = (size_t)w + 2;
            float *in = malloc(sizeof(float) * s_in * h);
            float *a = malloc(sizeof(float) * s_out * h), *b = malloc(sizeof(float) * s_out * h);
            for (size_t i = 0; i < s_out * h; i++)
                a[i] = b[i] = SENTINEL;
            sk_test_fill_uniform(in, s_in, w, h, 0.0f, 1.0f, &r);
            sc[k](in, s_in, a, s_out, w, h);
            av[k](in, s_in, b, s_out, w, h);
            cr_expect(sk_test_max_abs_diff(a, s_out, b, s_out, w, h) < 2e-6, "k %d w %d", k, w);
            for (int y = 0; y < h; y++)
                for (size_t x = (size_t)w; x < s_out; x++)
                    cr_assert_eq(a[y * s_out + x], SENTINEL);
            for (int y = 0; y < h; y++)
                for (size_t x = (size_t)w; x < s_out; x++)
                    cr_assert_eq(b[y * s_out + x], SENTINEL);
            free(in);
            free(a);
            free(b);
        }
}

/* ---------------------------------------------------------------- round trips */

static void roundtrip_path(sk_simd level)
{
    if (level == SK_SIMD_AVX2 && !have_avx2())
        return;
    sk_simd was = sk_simd_level();
    sk_simd_force(level);
    sk_test_rng r = seeded();
    for (int wi = 0; wi < NWIDTHS; wi++) {
        int w = widths[wi], h = 7;
        planes3 in = p3_new(w, h, 3), lab = p3_new(w, h, 1), back = p3_new(w, h, 0);
        const float lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
        p3_fill_uniform(&in, lo, hi, &r);
        cr_assert_eq(sk_colour_srgb_to_lab(in.buf, in.stride, in.plane, lab.buf, lab.stride,
                                           lab.plane, w, h),
                     SK_OK);
        cr_assert_eq(sk_colour_lab_to_srgb(lab.buf, lab.stride, lab.plane, back.buf, back.stride,
                                           back.plane, w, h),
                     SK_OK);
        for (int c = 0; c < 3; c++) {
            double d = p3_max_diff(&in, &back, c);
            cr_expect(d < 1e-4, "%s w %d ch %d: round trip %.3e", sk_simd_name(level), w, c, d);
        }
        /* and the separate stages: decode, matrix, Lab, back again */
        planes3 lin = p3_new(w, h, 0), xyz = p3_new(w, h, 2), lab2 = p3_new(w, h, 0);
        for (int c = 0; c < 3; c++)
            sk_colour_srgb_to_linear(p3_at(&in, c, 0, 0), in.stride, p3_at(&lin, c, 0, 0),
                                     lin.stride, w, h);
        sk_colour_linear_to_xyz(lin.buf, lin.stride, lin.plane, xyz.buf, xyz.stride, xyz.plane, w,
                                h);
        sk_colour_xyz_to_lab(xyz.buf, xyz.stride, xyz.plane, lab2.buf, lab2.stride, lab2.plane, w,
                             h);
        for (int c = 0; c < 3; c++)
            cr_expect(p3_max_diff(&lab, &lab2, c) < 5e-3, "staged vs fused ch %d", c);
        sk_colour_lab_to_xyz(lab2.buf, lab2.stride, lab2.plane, xyz.buf, xyz.stride, xyz.plane, w,
                             h);
        sk_colour_xyz_to_linear(xyz.buf, xyz.stride, xyz.plane, lin.buf, lin.stride, lin.plane, w,
                                h);
        for (int c = 0; c < 3; c++) {
            sk_colour_linear_to_srgb(p3_at(&lin, c, 0, 0), lin.stride, p3_at(&back, c, 0, 0),
                                     back.stride, w, h);
            cr_expect(p3_max_diff(&in, &back, c) < 1e-4, "staged round trip ch %d", c);
        }
        p3_check_sentinels(&lab);
        p3_check_sentinels(&back);
        p3_check_sentinels(&xyz);
        free(in.buf), free(lab.buf), free(back.buf), free(lin.buf), free(xyz.buf), free(lab2.buf);
    }
    sk_simd_force(was);
}

Test(colour_roundtrip, srgb_lab_srgb_scalar)
{
    roundtrip_path(SK_SIMD_SCALAR);
}

Test(colour_roundtrip, srgb_lab_srgb_avx2)
{
    roundtrip_path(SK_SIMD_AVX2);
}

Test(colour_roundtrip, out_of_gamut_survives_extended_curve)
{
    /* Negative and > 1 encoded values come back (odd extension, power law
     * beyond 1), within float precision relative to magnitude. */
    const float vals[] = {-0.7f, -0.02f, 1.3f, 2.5f};
    for (int v = 0; v < 2; v++) {
        if (v == 1 && !have_avx2())
            break;
        skc_plane_fn dec = v ? sk_colour_srgb_to_linear_avx2 : sk_colour_srgb_to_linear_scalar;
        skc_plane_fn enc = v ? sk_colour_linear_to_srgb_avx2 : sk_colour_linear_to_srgb_scalar;
        float lin[4], back[4];
        dec(vals, 4, lin, 4, 4, 1);
        enc(lin, 4, back, 4, 4, 1);
        for (int i = 0; i < 4; i++) {
            cr_expect(fabsf(back[i] - vals[i]) < 1e-5f * fmaxf(1.0f, fabsf(vals[i])), "%d %d", v,
                      i);
            cr_expect((lin[i] < 0) == (vals[i] < 0));
        }
    }
}

/* ---------------------------------------------------------- out-of-range input */

Test(colour_robust, out_of_range_and_nan_give_finite_output)
{
    const float bad[] = {NAN, -NAN, INFINITY, -INFINITY, 1e30f, -1e30f, -5.0f, 7.0f, 1e-40f, 0.0f, -0.0f, 0.5f};
    const int n = (int)(sizeof bad / sizeof bad[0]);
    /* all 3-tuples of the bad values */
    const int w = n * n * n;
    float *in = malloc(sizeof(float) * 3 * w), *out = malloc(sizeof(float) * 3 * w);
    for (int i = 0; i < w; i++) {
        in[i] = bad[i % n];
        in[w + i] = bad[i / n % n];
        in[2 * w + i] = bad[i / (n * n)];
    }
    skc_planes3_fn fns[] = {sk_colour_srgb_to_lab_scalar, sk_colour_srgb_to_lab_avx2,
                            sk_colour_lab_to_srgb_scalar, sk_colour_lab_to_srgb_avx2,
                            sk_colour_xyz_to_lab_scalar,  sk_colour_lab_to_xyz_scalar,
                            sk_colour_linear_to_xyz_scalar, sk_colour_xyz_to_linear_scalar};
    int avx = sk_simd_supported(SK_SIMD_AVX2);
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++) {
        if (!avx && (k == 1 || k == 3))
            continue;
        fns[k](in, (size_t)w, (size_t)w, out, (size_t)w, (size_t)w, w, 1);
        for (int i = 0; i < 3 * w; i++)
            cr_assert(isfinite(out[i]), "fn %zu sample %d (in %g %g %g) -> %g", k, i,
                      in[i % w], in[w + i % w], in[2 * w + i % w], out[i]);
    }
    skc_plane_fn f1[] = {sk_colour_srgb_to_linear_scalar, sk_colour_srgb_to_linear_avx2,
                         sk_colour_linear_to_srgb_scalar, sk_colour_linear_to_srgb_avx2};
    for (int k = 0; k < 4; k++) {
        if (!avx && (k & 1))
            continue;
        f1[k](bad, (size_t)n, out, (size_t)n, n, 1);
        for (int i = 0; i < n; i++)
            cr_assert(isfinite(out[i]), "curve %d: %g -> %g", k, bad[i], out[i]);
        cr_expect_eq(out[0], 0.0f, "NaN maps to 0");
        cr_expect(out[2] > 100.0f && out[3] < -100.0f, "+-Inf clamp to the limit");
    }
    free(in);
    free(out);
}

Test(colour_robust, nan_is_treated_as_zero)
{
    float nanpx[3] = {NAN, 0.5f, NAN}, zeropx[3] = {0.0f, 0.5f, 0.0f}, a[3], b[3];
    cr_assert_eq(sk_colour_srgb_to_lab(nanpx, 1, 1, a, 1, 1, 1, 1), SK_OK);
    cr_assert_eq(sk_colour_srgb_to_lab(zeropx, 1, 1, b, 1, 1, 1, 1), SK_OK);
    for (int c = 0; c < 3; c++)
        cr_expect_eq(a[c], b[c]);
}

/* ----------------------------------------------------------------- in place */

Test(colour_inplace, every_conversion_in_place_equals_out_of_place)
{
    sk_test_rng r = seeded();
    typedef int (*pub3)(const float *, size_t, size_t, float *, size_t, size_t, int, int);
    pub3 fns[] = {sk_colour_srgb_to_lab, sk_colour_lab_to_srgb, sk_colour_linear_to_xyz,
                  sk_colour_xyz_to_linear, sk_colour_xyz_to_lab, sk_colour_lab_to_xyz};
    const float lo[6][3] = {{0, 0, 0}, {0, -80, -80}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, -80, -80}};
    const float hi[6][3] = {{1, 1, 1}, {100, 80, 80}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {100, 80, 80}};
    for (sk_simd lv = SK_SIMD_SCALAR; lv <= SK_SIMD_AVX2; lv++) {
        if (lv == SK_SIMD_AVX2 && !sk_simd_supported(lv))
            break;
        sk_simd_force(lv);
        for (int k = 0; k < 6; k++) {
            int w = 33, h = 3;
            planes3 a = p3_new(w, h, 4), out = p3_new(w, h, 4);
            p3_fill_uniform(&a, lo[k], hi[k], &r);
            cr_assert_eq(fns[k](a.buf, a.stride, a.plane, out.buf, out.stride, out.plane, w, h), 0);
            cr_assert_eq(fns[k](a.buf, a.stride, a.plane, a.buf, a.stride, a.plane, w, h), 0);
            for (int c = 0; c < 3; c++)
                cr_expect_eq(p3_max_diff(&a, &out, c), 0.0, "fn %d ch %d", k, c);
            free(a.buf);
            free(out.buf);
        }
        float p[40];
        sk_test_fill_uniform(p, 40, 40, 1, 0.0f, 1.0f, &r);
        float q[40];
        sk_colour_srgb_to_linear(p, 40, q, 40, 40, 1);
        sk_colour_srgb_to_linear(p, 40, p, 40, 40, 1);
        cr_expect_eq(memcmp(p, q, sizeof p), 0);
        sk_colour_linear_to_srgb(p, 40, q, 40, 40, 1);
        sk_colour_linear_to_srgb(p, 40, p, 40, 40, 1);
        cr_expect_eq(memcmp(p, q, sizeof p), 0);
    }
}

/* ----------------------------------------------------------- argument checks */

Test(colour_args, bad_arguments_refused)
{
    float buf[64] = {0}, out[64];
    const float M[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    cr_expect_eq(sk_colour_srgb_to_linear(NULL, 4, out, 4, 4, 1), SK_ERR_ARG);
    cr_expect_eq(sk_colour_srgb_to_linear(buf, 4, NULL, 4, 4, 1), SK_ERR_ARG);
    cr_expect_eq(sk_colour_linear_to_srgb(buf, 4, out, 4, 0, 1), SK_ERR_ARG);
    cr_expect_eq(sk_colour_linear_to_srgb(buf, 4, out, 4, 4, -1), SK_ERR_ARG);
    cr_expect_eq(sk_colour_linear_to_srgb(buf, 3, out, 4, 4, 1), SK_ERR_ARG);
    cr_expect_eq(sk_colour_linear_to_srgb(buf, 8, buf, 4, 4, 1), SK_ERR_ARG);
    cr_expect_eq(sk_colour_srgb_to_lab(buf, 4, 3, out, 4, 4, 4, 1), SK_ERR_ARG);
    cr_expect_eq(sk_colour_srgb_to_lab(buf, 4, 8, buf, 4, 16, 4, 1), SK_ERR_ARG);
    cr_expect_eq(sk_colour_lab_to_srgb(buf, 4, 4, out, 2, 4, 4, 1), SK_ERR_ARG);
    cr_expect_eq(sk_colour_xyz_to_lab(buf, 4, 4, out, 4, 4, 4, 0), SK_ERR_ARG);
    cr_expect_eq(sk_colour_lab_to_xyz(NULL, 4, 4, out, 4, 4, 4, 1), SK_ERR_ARG);
    cr_expect_eq(sk_colour_linear_to_xyz(buf, 4, 4, NULL, 4, 4, 4, 1), SK_ERR_ARG);
    cr_expect_eq(sk_colour_xyz_to_linear(buf, 4, 4, out, 4, 4, 0, 1), SK_ERR_ARG);
    cr_expect_eq(sk_colour_matrix3(buf, 4, 4, out, 4, 4, 4, 1, NULL, NULL), SK_ERR_ARG);
    cr_expect_eq(sk_colour_matrix3(buf, 4, 4, out, 4, 4, 4, 1, M, NULL), SK_OK);
    cr_expect_eq(sk_colour_matrix3(buf, 4, 2, out, 4, 4, 4, 1, M, NULL), SK_ERR_ARG);
    cr_expect(strstr(sk_error_message(), "matrix3") != NULL, "message names the call: %s",
              sk_error_message());
}

/* ------------------------------------------------------------------- matrix3 */

static void matrix3_check(int w, int h, int pad_in, int pad_out, const float *off, sk_test_rng *r)
{
    const float M[9] = {1.9f, -0.7f, -0.2f, -0.25f, 1.6f, -0.35f, 0.05f, -0.55f, 1.5f};
    planes3 in = p3_new(w, h, pad_in), a = p3_new(w, h, pad_out), b = p3_new(w, h, pad_out);
    const float lo[3] = {-0.2f, 0, 0}, hi[3] = {1.2f, 1, 1};
    if (pad_in == 0 && pad_out == 0) {
        /* unpadded and tightly packed: exercises the one-call BLAS branch */
        in.plane = a.plane = b.plane = (size_t)w * h;
    }
    p3_fill_uniform(&in, lo, hi, r);
    sk_colour_matrix3_scalar(in.buf, in.stride, in.plane, a.buf, a.stride, a.plane, w, h, M, off,
                             0);
    sk_colour_matrix3_blas(in.buf, in.stride, in.plane, b.buf, b.stride, b.plane, w, h, M, off);
    double worst = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                double d = 0;
                for (int k = 0; k < 3; k++)
                    d += (double)M[c * 3 + k] * *p3_at(&in, k, x, y);
                if (off)
                    d += off[c];
                double ea = fabs(*p3_at(&a, c, x, y) - d), eb = fabs(*p3_at(&b, c, x, y) - d);
                worst = fmax(worst, fmax(ea, eb));
            }
    cr_expect(worst < 2e-6, "matrix3 w %d pads %d/%d off %d: %.3e", w, pad_in, pad_out, off != NULL,
              worst);
    if (pad_in || pad_out) {
        p3_check_sentinels(&a);
        p3_check_sentinels(&b);
    }
    free(in.buf), free(a.buf), free(b.buf);
}

Test(colour_matrix3, scalar_and_blas_match_definition)
{
    sk_test_rng r = seeded();
    const float off[3] = {0.01f, -0.02f, 0.5f};
    for (int wi = 0; wi < NWIDTHS; wi++) {
        matrix3_check(widths[wi], 3, 0, 0, NULL, &r);
        matrix3_check(widths[wi], 3, 0, 0, off, &r);
        matrix3_check(widths[wi], 4, 5, 11, off, &r);
        matrix3_check(widths[wi], 2, 16, 0, NULL, &r);
    }
}

Test(colour_matrix3, public_in_place_and_identity)
{
    sk_test_rng r = seeded();
    const float I[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    const float wb[9] = {2.0f, 0, 0, 0, 1.0f, 0, 0, 0, 1.5f};
    planes3 a = p3_new(31, 3, 1), copy = p3_new(31, 3, 1);
    const float lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
    p3_fill_uniform(&a, lo, hi, &r);
    memcpy(copy.buf, a.buf, a.total * sizeof(float));
    cr_assert_eq(sk_colour_matrix3(a.buf, a.stride, a.plane, a.buf, a.stride, a.plane, 31, 3, I,
                                   NULL),
                 SK_OK);
    cr_expect_eq(memcmp(a.buf, copy.buf, a.total * sizeof(float)), 0);
    cr_assert_eq(sk_colour_matrix3(a.buf, a.stride, a.plane, a.buf, a.stride, a.plane, 31, 3, wb,
                                   NULL),
                 SK_OK);
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 31; x++) {
            cr_expect_eq(*p3_at(&a, 0, x, y), 2.0f * *p3_at(&copy, 0, x, y));
            cr_expect_eq(*p3_at(&a, 2, x, y), 1.5f * *p3_at(&copy, 2, x, y));
        }
    p3_check_sentinels(&a);
    /* in place through the BLAS variant falls back to the fused loop */
    sk_colour_matrix3_blas(a.buf, a.stride, a.plane, a.buf, a.stride, a.plane, 31, 3, I, NULL);
    p3_check_sentinels(&a);
    free(a.buf), free(copy.buf);
}

Test(colour_matrix3, linear_to_xyz_is_matrix3_with_srgb_matrix)
{
    sk_test_rng r = seeded();
    planes3 in = p3_new(33, 2, 0), a = p3_new(33, 2, 0), b = p3_new(33, 2, 0);
    const float lo[3] = {0, 0, 0}, hi[3] = {1, 1, 1};
    p3_fill_uniform(&in, lo, hi, &r);
    sk_colour_linear_to_xyz(in.buf, in.stride, in.plane, a.buf, a.stride, a.plane, 33, 2);
    sk_colour_matrix3(in.buf, in.stride, in.plane, b.buf, b.stride, b.plane, 33, 2,
                      skc_xyz_from_rgb, NULL);
    for (int c = 0; c < 3; c++)
        cr_expect_eq(p3_max_diff(&a, &b, c), 0.0);
    free(in.buf), free(a.buf), free(b.buf);
}
