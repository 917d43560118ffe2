/* skintrack kernels: texture family. Included through sk_kernels.h. */
#ifndef SK_TEXTURE_H
#define SK_TEXTURE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* SK_TEXTURE_H */
