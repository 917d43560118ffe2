/* skintrack pipeline: the clinic library on disk (layout, ids, patient.json,
 * import). Included by skintrack.h. */
#ifndef SK_LIBRARY_H
#define SK_LIBRARY_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* SK_LIBRARY_H */
