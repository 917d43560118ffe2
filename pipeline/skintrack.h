/* skintrack pipeline: I/O and orchestration. The one public header of the
 * pipeline layer (and of the library as a whole). */
#ifndef SKINTRACK_H
#define SKINTRACK_H

#include "sk_models.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Version of skintrack ("0.1.0"). */
const char *sk_version(void);

#ifdef __cplusplus
}
#endif

#endif /* SKINTRACK_H */
