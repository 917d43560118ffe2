/* Internal header of the core family: variants callable from the tests. */
#ifndef SK_PCORE_H
#define SK_PCORE_H

#include "sk_kernels.h"

void sk_image_rgb8_row_to_planes_scalar(const unsigned char *src, int bands, int w, float scale,
                                        float *r, float *g, float *b);
/* three bands only */
void sk_image_rgb8_row_to_planes_avx2(const unsigned char *src, int w, float scale, float *r,
                                      float *g, float *b);

#endif
