/* skintrack kernels: morph family. Included through sk_kernels.h. */
#ifndef SK_MORPH_H
#define SK_MORPH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* SK_MORPH_H */
