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

/* Which way a metric improves. */
typedef enum sk_better {
    SK_BETTER_NEUTRAL = 0,
    SK_BETTER_LOWER = -1,
    SK_BETTER_HIGHER = 1,
} sk_better;

/* One measured metric. `name`, `unit` and `null_reason` point to static
 * strings. A metric that cannot be measured on a photo (resolution too low,
 * no skin) has value NAN and a null_reason; it is never a made-up number. */
typedef struct sk_metric {
    const char *name;        /* stable name, e.g. "pores.count" */
    double value;            /* NAN when not measurable */
    const char *unit;        /* "count", "mm", "%", "deg", "1/cm2" ... */
    sk_better better;
    const char *null_reason; /* why value is NAN, else NULL */
} sk_metric_t;

#define SK_METRICS_MAX 96

/* The metrics of one photo, in a fixed order. */
typedef struct sk_metric_set {
    int count;
    sk_metric_t items[SK_METRICS_MAX];
    const char *model_version;
} sk_metric_set_t;

/* Append a metric; returns 0, or SK_ERR_TOO_LARGE when the set is full. */
int sk_metric_set_add(sk_metric_set_t *set, const char *name, double value, const char *unit,
                      sk_better better, const char *null_reason);

/* Find a metric by name; NULL when absent. */
const sk_metric_t *sk_metric_set_find(const sk_metric_set_t *set, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* SK_MODELS_H */
