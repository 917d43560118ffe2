#include "sk_models.h"

#include <string.h>

int sk_metric_set_add(sk_metric_set_t *set, const char *name, double value, const char *unit,
                      sk_better better, const char *null_reason)
{
    if (set->count >= SK_METRICS_MAX)
        return sk_error_set(SK_ERR_TOO_LARGE, "metric set full at %s", name);
    sk_metric_t *m = &set->items[set->count++];
    m->name = name;
    m->value = value;
    m->unit = unit;
    m->better = better;
    m->null_reason = null_reason;
    return SK_OK;
}

const sk_metric_t *sk_metric_set_find(const sk_metric_set_t *set, const char *name)
{
    for (int i = 0; i < set->count; i++)
        if (strcmp(set->items[i].name, name) == 0)
            return &set->items[i];
    return NULL;
}
