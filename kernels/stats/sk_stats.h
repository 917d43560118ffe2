/* skintrack kernels: stats family. Included through sk_kernels.h. */
#ifndef SK_STATS_H
#define SK_STATS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* SK_STATS_H */
