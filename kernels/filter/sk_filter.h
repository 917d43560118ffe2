/* skintrack kernels: filter family. Included through sk_kernels.h. */
#ifndef SK_FILTER_H
#define SK_FILTER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* SK_FILTER_H */
