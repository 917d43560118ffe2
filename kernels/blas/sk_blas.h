/* skintrack kernels: blas family. Included through sk_kernels.h. */
#ifndef SK_BLAS_H
#define SK_BLAS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* SK_BLAS_H */
