/* skintrack kernels: geom family. Included through sk_kernels.h. */
#ifndef SK_GEOM_H
#define SK_GEOM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* SK_GEOM_H */
