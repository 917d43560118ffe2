/* Named model parameters (filled by the pipeline from models/<family>.json). */
#include "sk_models.h"

#include <stdio.h>
#include <string.h>

void sk_params_init(sk_params_t *p)
{
    memset(p, 0, sizeof *p);
}

int sk_params_set(sk_params_t *p, const char *name, double value)
{
    for (int i = 0; i < p->count; i++)
        if (strcmp(p->items[i].name, name) == 0) {
            p->items[i].value = value;
            return SK_OK;
        }
    if (p->count >= SK_PARAMS_MAX || strlen(name) >= sizeof p->items[0].name)
        return sk_error_set(SK_ERR_TOO_LARGE, "parameter %s: no room", name);
    snprintf(p->items[p->count].name, sizeof p->items[0].name, "%s", name);
    p->items[p->count].value = value;
    p->count++;
    return SK_OK;
}

double sk_params_get(const sk_params_t *p, const char *name, double fallback)
{
    if (!p)
        return fallback;
    for (int i = 0; i < p->count; i++)
        if (strcmp(p->items[i].name, name) == 0)
            return p->items[i].value;
    return fallback;
}
