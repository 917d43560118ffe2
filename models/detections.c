/* A growing list of detections with their polyline and outline points. */
#include "sk_models.h"

#include <stdlib.h>
#include <string.h>

void sk_detections_init(sk_detections_t *d)
{
    memset(d, 0, sizeof *d);
}

void sk_detections_free(sk_detections_t *d)
{
    if (!d)
        return;
    free(d->items);
    free(d->points);
    memset(d, 0, sizeof *d);
}

void sk_detections_clear(sk_detections_t *d)
{
    d->count = 0;
    d->n_points = 0;
}

sk_detection_t *sk_detections_add(sk_detections_t *d, sk_detection_kind kind)
{
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        sk_detection_t *n = realloc(d->items, cap * sizeof *n);
        if (!n)
            return NULL;
        d->items = n;
        d->cap = cap;
    }
    sk_detection_t *e = &d->items[d->count++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    return e;
}

long sk_detections_add_points(sk_detections_t *d, const float *xy, size_t n)
{
    if (d->n_points + n > d->points_cap) {
        size_t cap = d->points_cap ? d->points_cap : 1024;
        while (cap < d->n_points + n)
            cap *= 2;
        float *p = realloc(d->points, cap * 2 * sizeof *p);
        if (!p)
            return -1;
        d->points = p;
        d->points_cap = cap;
    }
    memcpy(d->points + 2 * d->n_points, xy, n * 2 * sizeof *xy);
    long first = (long)d->n_points;
    d->n_points += n;
    return first;
}
