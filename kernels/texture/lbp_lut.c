/* Tables from the 8-bit LBP neighbour pattern (bit k = neighbour k >= the
 * centre, k counter-clockwise from east) to the uniform codes. Generated from
 * the definitions in docs/kernels/texture.md: a pattern is uniform when its
 * circular bit string has at most two 0/1 transitions. */
#include "ptexture.h"

/* 4 bytes of padding: the AVX2 variant gathers 32-bit words at byte
 * offsets up to 255. */

/* rotation-invariant uniform: number of ones, or 9 when not uniform */
static const uint8_t lut_uniform[256 + 4] = {
     0,  1,  1,  2,  1,  9,  2,  3,  1,  9,  9,  9,  2,  9,  3,  4,
     1,  9,  9,  9,  9,  9,  9,  9,  2,  9,  9,  9,  3,  9,  4,  5,
     1,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,
     2,  9,  9,  9,  9,  9,  9,  9,  3,  9,  9,  9,  4,  9,  5,  6,
     1,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,
     9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,
     2,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,
     3,  9,  9,  9,  9,  9,  9,  9,  4,  9,  9,  9,  5,  9,  6,  7,
     1,  2,  9,  3,  9,  9,  9,  4,  9,  9,  9,  9,  9,  9,  9,  5,
     9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  6,
     9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,
     9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  7,
     2,  3,  9,  4,  9,  9,  9,  5,  9,  9,  9,  9,  9,  9,  9,  6,
     9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  9,  7,
     3,  4,  9,  5,  9,  9,  9,  6,  9,  9,  9,  9,  9,  9,  9,  7,
     4,  5,  9,  6,  9,  9,  9,  7,  5,  6,  9,  7,  6,  7,  7,  8,
};

/* non-rotation-invariant uniform: 0 (no ones), 57 (all ones),
 * 1 + (ones - 1) * 8 + rotation, or 58 when not uniform; rotation is 0 for
 * ones packed from bit 0 (possibly wrapping past bit 7 to bit 0: ones - first
 * zero), else 8 - first one; scikit-image's rot_index */
static const uint8_t lut_nri[256 + 4] = {
     0,  1,  8,  9,  7, 58, 16, 17,  6, 58, 58, 58, 15, 58, 24, 25,
     5, 58, 58, 58, 58, 58, 58, 58, 14, 58, 58, 58, 23, 58, 32, 33,
     4, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58,
    13, 58, 58, 58, 58, 58, 58, 58, 22, 58, 58, 58, 31, 58, 40, 41,
     3, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58,
    58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58,
    12, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58,
    21, 58, 58, 58, 58, 58, 58, 58, 30, 58, 58, 58, 39, 58, 48, 49,
     2, 10, 58, 18, 58, 58, 58, 26, 58, 58, 58, 58, 58, 58, 58, 34,
    58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 42,
    58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58,
    58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 50,
    11, 19, 58, 27, 58, 58, 58, 35, 58, 58, 58, 58, 58, 58, 58, 43,
    58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 58, 51,
    20, 28, 58, 36, 58, 58, 58, 44, 58, 58, 58, 58, 58, 58, 58, 52,
    29, 37, 58, 45, 58, 58, 58, 53, 38, 46, 58, 54, 47, 55, 56, 57,
};

const uint8_t *sk_texture_lbp_lut(sk_lbp_method method)
{
    return method == SK_LBP_NRI_UNIFORM ? lut_nri : lut_uniform;
}
