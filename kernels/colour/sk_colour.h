/* skintrack kernels: colour family. Included through sk_kernels.h.
 *
 * Conversions between sRGB-encoded, linear-light sRGB, CIE XYZ and CIE 1976
 * L*a*b* on float planes, all for the D65 reference white of the CIE 1931 2°
 * observer, plus a general 3x3 colour matrix. Formulas, constants and their
 * sources: docs/kernels/colour.md.
 *
 * Scales: sRGB-encoded and linear planes hold [0, 1] for in-gamut colours;
 * XYZ has Y = 1 for the white (white = 0.95047, 1, 1.08883); L* is 0..100.
 *
 * Plane layout. Single-plane calls take (plane, row stride). Three-plane calls
 * take (base, row stride, plane distance): channel c, pixel (x, y) is
 * base[c * plane + y * stride + x] -- an sk_image_t passes (data, stride,
 * plane_stride). Strides count floats. Only the w x h region of each output
 * plane is written.
 *
 * In place: dst may equal src when both use the same stride (and, for three
 * planes, the same plane distance); any other overlap is undefined.
 *
 * Out-of-range input never yields NaN or Inf. Every named conversion first
 * maps a NaN input sample to 0 and clamps each sample to
 * [-SK_COLOUR_LIMIT, SK_COLOUR_LIMIT]; then
 *   - the sRGB transfer curve is extended odd-symmetrically
 *     (f(-x) = -f(x)) below 0 and by its own power law above 1, so
 *     out-of-gamut colours survive a round trip;
 *   - the Lab companding f(t) uses its linear segment for every t <= eps
 *     (negative t included) and the cube root above;
 *   - outputs are not clipped: lab_to_srgb of an out-of-gamut colour gives
 *     values outside [0, 1] (clip afterwards if a displayable value is needed).
 * sk_colour_matrix3 is a plain affine map and does not sanitise (NaN in,
 * NaN out).
 *
 * Every call returns 0, or SK_ERR_ARG (NULL pointer, w or h < 1, a stride
 * smaller than w, a plane distance smaller than w, or an in-place call with
 * mismatched strides); no call allocates. */
#ifndef SK_COLOUR_H
#define SK_COLOUR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Input magnitude limit of the named conversions (see above). */
#define SK_COLOUR_LIMIT 1.0e6f

/* D65 reference white (CIE 1931 2° observer), Y = 1. */
#define SK_COLOUR_D65_X 0.95047f
#define SK_COLOUR_D65_Y 1.0f
#define SK_COLOUR_D65_Z 1.08883f

/* ------------------------------------------------ sRGB transfer (1 plane) */

/* IEC 61966-2-1 decode: sRGB-encoded -> linear light, one plane. */
int sk_colour_srgb_to_linear(const float *src, size_t src_stride, float *dst, size_t dst_stride,
                             int w, int h);

/* IEC 61966-2-1 encode: linear light -> sRGB-encoded, one plane. */
int sk_colour_linear_to_srgb(const float *src, size_t src_stride, float *dst, size_t dst_stride,
                             int w, int h);

/* ------------------------------------------------------ three-plane maps */

/* Linear sRGB (R, G, B) -> CIE XYZ (D65, Y = 1 for white). */
int sk_colour_linear_to_xyz(const float *src, size_t src_stride, size_t src_plane, float *dst,
                            size_t dst_stride, size_t dst_plane, int w, int h);

/* CIE XYZ -> linear sRGB (inverse matrix). */
int sk_colour_xyz_to_linear(const float *src, size_t src_stride, size_t src_plane, float *dst,
                            size_t dst_stride, size_t dst_plane, int w, int h);

/* CIE XYZ -> CIE 1976 L*a*b* (D65 white). */
int sk_colour_xyz_to_lab(const float *src, size_t src_stride, size_t src_plane, float *dst,
                         size_t dst_stride, size_t dst_plane, int w, int h);

/* CIE 1976 L*a*b* -> CIE XYZ (D65 white). */
int sk_colour_lab_to_xyz(const float *src, size_t src_stride, size_t src_plane, float *dst,
                         size_t dst_stride, size_t dst_plane, int w, int h);

/* sRGB-encoded (R, G, B) -> L*, a*, b* in one pass (decode, matrix,
 * companding). The AVX2 path agrees with the definition within 0.01 in each
 * of L*, a*, b* (measured figures: docs/validation/kernels-colour.md). */
int sk_colour_srgb_to_lab(const float *src, size_t src_stride, size_t src_plane, float *dst,
                          size_t dst_stride, size_t dst_plane, int w, int h);

/* L*, a*, b* -> sRGB-encoded (R, G, B) in one pass; not clipped. */
int sk_colour_lab_to_srgb(const float *src, size_t src_stride, size_t src_plane, float *dst,
                          size_t dst_stride, size_t dst_plane, int w, int h);

/* ------------------------------------------------------- general matrix */

/* out_c(x, y) = sum_k M[3 c + k] in_k(x, y) + off[c] for c = 0, 1, 2 (white
 * balance, camera matrices). M is row-major 3x3; off may be NULL (no offset).
 * M and off are copied before any output is written. Runs the fused loop,
 * which measured as fast as OpenBLAS sgemm for this memory-bound shape and
 * faster on padded rows (docs/kernels/colour.md); so it starts no OpenBLAS
 * threads. */
int sk_colour_matrix3(const float *src, size_t src_stride, size_t src_plane, float *dst,
                      size_t dst_stride, size_t dst_plane, int w, int h, const float M[9],
                      const float off[3]);

#ifdef __cplusplus
}
#endif

#endif /* SK_COLOUR_H */
