/* skintrack kernels: blob family. Included through sk_kernels.h. */
#ifndef SK_BLOB_H
#define SK_BLOB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* SK_BLOB_H */
