/* Public headers of the kernel families, included by sk_kernels.h. */
#ifndef SK_KERNEL_FAMILIES_H
#define SK_KERNEL_FAMILIES_H

#include "colour/sk_colour.h"
#include "filter/sk_filter.h"
#include "blob/sk_blob.h"
#include "stats/sk_stats.h"
#include "texture/sk_texture.h"
#include "morph/sk_morph.h"
#include "geom/sk_geom.h"
#include "blas/sk_blas.h"

#endif
