/* skintrack models: turn kernel outputs into clinical measurements.
 * Pure functions over buffers; no I/O. The one public header of the layer. */
#ifndef SK_MODELS_H
#define SK_MODELS_H

#include "sk_kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version string of the model set compiled in ("1.0"). A stored metric
 * records the model version that made it. */
const char *sk_models_version(void);

#ifdef __cplusplus
}
#endif

#endif /* SK_MODELS_H */
