/* Internal header of the colour family: constants, the per-pixel scalar
 * definitions shared by every scalar variant, argument checks, and the
 * variants the tests and the benchmark call directly. */
#ifndef SK_PCOLOUR_H
#define SK_PCOLOUR_H

#include <assert.h>
#include <math.h>
#include <stddef.h>

#include "sk_kernels.h"

/* ------------------------------------------------------------ constants */

/* IEC 61966-2-1 transfer curve. */
#define SKC_SRGB_DEC_BREAK 0.04045f   /* encoded-side breakpoint */
#define SKC_SRGB_ENC_BREAK 0.0031308f /* linear-side breakpoint */
#define SKC_SRGB_SLOPE 12.92f
#define SKC_SRGB_A 0.055f
#define SKC_SRGB_GAMMA 2.4f

/* CIE 15: eps = (6/29)^3, kappa = (29/3)^3, and 6/29 = cbrt(eps). */
#define SKC_LAB_EPS (216.0f / 24389.0f)
#define SKC_LAB_KAPPA (24389.0f / 27.0f)
#define SKC_LAB_DELTA (6.0f / 29.0f)

/* Linear sRGB -> XYZ, derived in double from the sRGB primaries
 * (0.64, 0.33), (0.30, 0.60), (0.15, 0.06) and the white
 * (0.95047, 1, 1.08883), so that RGB = (1, 1, 1) maps exactly to the white.
 * Row-major. */
static const float skc_xyz_from_rgb[9] = {
    0.41245643908969215f, 0.35757607764390890f, 0.18043748326639890f,
    0.21267285140562250f, 0.71515215528781780f, 0.07217499330655956f,
    0.01933389558232930f, 0.11919202588130294f, 0.95030407853636770f,
};
/* Its inverse, computed in double. */
static const float skc_rgb_from_xyz[9] = {
    3.2404541621141054f,  -1.5371385127977166f, -0.49853140955601616f,
    -0.969266030505187f,  1.8760108454466944f,  0.04155601753034985f,
    0.05564343095911473f, -0.20402591351675384f, 1.0572251882231791f,
};
static const float skc_white[3] = {SK_COLOUR_D65_X, SK_COLOUR_D65_Y, SK_COLOUR_D65_Z};

/* ----------------------------------------------- per-pixel definitions */

/* NaN -> 0, then clamp to +-SK_COLOUR_LIMIT (written so it maps to
 * compare/min/max when vectorised). */
static inline float skc_sanitise(float x)
{
    x = x == x ? x : 0.0f;
    x = x > SK_COLOUR_LIMIT ? SK_COLOUR_LIMIT : x;
    return x < -SK_COLOUR_LIMIT ? -SK_COLOUR_LIMIT : x;
}

/* sRGB decode, extended odd-symmetrically below 0. */
static inline float skc_srgb_decode(float x)
{
    float a = fabsf(x);
    float y = a <= SKC_SRGB_DEC_BREAK ? a / SKC_SRGB_SLOPE
                                      : powf((a + SKC_SRGB_A) / (1.0f + SKC_SRGB_A), SKC_SRGB_GAMMA);
    return copysignf(y, x);
}

/* sRGB encode, the inverse of skc_srgb_decode. */
static inline float skc_srgb_encode(float x)
{
    float a = fabsf(x);
    float y = a <= SKC_SRGB_ENC_BREAK
                  ? a * SKC_SRGB_SLOPE
                  : (1.0f + SKC_SRGB_A) * powf(a, 1.0f / SKC_SRGB_GAMMA) - SKC_SRGB_A;
    return copysignf(y, x);
}

/* Lab companding f(t) and its inverse. */
static inline float skc_lab_f(float t)
{
    return t > SKC_LAB_EPS ? cbrtf(t) : (SKC_LAB_KAPPA * t + 16.0f) / 116.0f;
}

static inline float skc_lab_finv(float u)
{
    return u > SKC_LAB_DELTA ? u * u * u : (116.0f * u - 16.0f) / SKC_LAB_KAPPA;
}

/* (X, Y, Z) -> (L, a, b). */
static inline void skc_xyz_to_lab_px(float X, float Y, float Z, float *L, float *a, float *b)
{
    float fx = skc_lab_f(X / SK_COLOUR_D65_X);
    float fy = skc_lab_f(Y / SK_COLOUR_D65_Y);
    float fz = skc_lab_f(Z / SK_COLOUR_D65_Z);
    *L = 116.0f * fy - 16.0f;
    *a = 500.0f * (fx - fy);
    *b = 200.0f * (fy - fz);
}

static inline void skc_lab_to_xyz_px(float L, float a, float b, float *X, float *Y, float *Z)
{
    float fy = (L + 16.0f) / 116.0f;
    float fx = fy + a / 500.0f;
    float fz = fy - b / 200.0f;
    *X = SK_COLOUR_D65_X * skc_lab_finv(fx);
    *Y = SK_COLOUR_D65_Y * skc_lab_finv(fy);
    *Z = SK_COLOUR_D65_Z * skc_lab_finv(fz);
}

static inline void skc_mat3_px(const float M[9], float a, float b, float c, float *x, float *y,
                               float *z)
{
    *x = M[0] * a + M[1] * b + M[2] * c;
    *y = M[3] * a + M[4] * b + M[5] * c;
    *z = M[6] * a + M[7] * b + M[8] * c;
}

/* ------------------------------------------------------ argument checks */

/* Shared by the public entry points; each returns 0 or an SK_ERR_ARG with
 * the function name in the message. */
static inline int skc_check1(const char *fn, const float *src, size_t ss, const float *dst,
                             size_t ds, int w, int h)
{
    if (!src || !dst)
        return sk_error_set(SK_ERR_ARG, "%s: NULL plane", fn);
    if (w < 1 || h < 1)
        return sk_error_set(SK_ERR_ARG, "%s: bad size %d x %d", fn, w, h);
    if (ss < (size_t)w || ds < (size_t)w)
        return sk_error_set(SK_ERR_ARG, "%s: stride smaller than width %d", fn, w);
    if (src == dst && ss != ds)
        return sk_error_set(SK_ERR_ARG, "%s: in place with different strides", fn);
    return SK_OK;
}

static inline int skc_check3(const char *fn, const float *src, size_t ss, size_t sp,
                             const float *dst, size_t ds, size_t dp, int w, int h)
{
    int rc = skc_check1(fn, src, ss, dst, ds, w, h);
    if (rc)
        return rc;
    if (sp < (size_t)w || dp < (size_t)w)
        return sk_error_set(SK_ERR_ARG, "%s: plane distance smaller than width %d", fn, w);
    if (src == dst && sp != dp)
        return sk_error_set(SK_ERR_ARG, "%s: in place with different plane distances", fn);
    return SK_OK;
}

/* ------------------------------------------------------------- variants */

/* Variants take the public arguments, already validated. The AVX2 variants
 * need a CPU with AVX2 and FMA. */
typedef void (*skc_plane_fn)(const float *src, size_t ss, float *dst, size_t ds, int w, int h);
typedef void (*skc_planes3_fn)(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                               size_t dp, int w, int h);

void sk_colour_srgb_to_linear_scalar(const float *src, size_t ss, float *dst, size_t ds, int w,
                                     int h);
void sk_colour_srgb_to_linear_avx2(const float *src, size_t ss, float *dst, size_t ds, int w,
                                   int h);
void sk_colour_linear_to_srgb_scalar(const float *src, size_t ss, float *dst, size_t ds, int w,
                                     int h);
void sk_colour_linear_to_srgb_avx2(const float *src, size_t ss, float *dst, size_t ds, int w,
                                   int h);

void sk_colour_linear_to_xyz_scalar(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                                    size_t dp, int w, int h);
void sk_colour_xyz_to_linear_scalar(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                                    size_t dp, int w, int h);
void sk_colour_xyz_to_lab_scalar(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                                 size_t dp, int w, int h);
void sk_colour_lab_to_xyz_scalar(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                                 size_t dp, int w, int h);
void sk_colour_srgb_to_lab_scalar(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                                  size_t dp, int w, int h);
void sk_colour_srgb_to_lab_avx2(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                                size_t dp, int w, int h);
void sk_colour_lab_to_srgb_scalar(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                                  size_t dp, int w, int h);
void sk_colour_lab_to_srgb_avx2(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                                size_t dp, int w, int h);

/* General matrix: fused loop, and OpenBLAS sgemm (falls back to the fused
 * loop in place or when a distance exceeds INT_MAX). sanitise != 0 applies
 * skc_sanitise to the inputs (the named conversions); the BLAS path never
 * sanitises. */
void sk_colour_matrix3_scalar(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                              size_t dp, int w, int h, const float M[9], const float off[3],
                              int sanitise);
void sk_colour_matrix3_blas(const float *src, size_t ss, size_t sp, float *dst, size_t ds,
                            size_t dp, int w, int h, const float M[9], const float off[3]);

#endif
