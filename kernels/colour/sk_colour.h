/* skintrack kernels: colour family. Included through sk_kernels.h. */
#ifndef SK_COLOUR_H
#define SK_COLOUR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* SK_COLOUR_H */
