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

void sk_detections_scale(sk_detections_t *d, double factor)
{
    if (!(factor > 0) || factor == 1.0)
        return;
    const double k = 1.0 / factor;
    /* Pixel centres: base x_b covers photo [x_b/f, (x_b+1)/f), centre
     * (x_b + 0.5)/f - 0.5. */
#define MAP(v) ((float)(((double)(v) + 0.5) * k - 0.5))
    for (size_t i = 0; i < d->count; i++) {
        sk_detection_t *e = &d->items[i];
        e->x = MAP(e->x);
        e->y = MAP(e->y);
        e->diameter = (float)(e->diameter * k);
        e->length = (float)(e->length * k);
        e->area = (float)(e->area * k * k);
        int x1 = (int)((e->bx + e->bw) * k + 0.5), y1 = (int)((e->by + e->bh) * k + 0.5);
        e->bx = (int)(e->bx * k);
        e->by = (int)(e->by * k);
        e->bw = x1 - e->bx;
        e->bh = y1 - e->by;
    }
    for (size_t i = 0; i < 2 * d->n_points; i++)
        d->points[i] = MAP(d->points[i]);
#undef MAP
}

const char *sk_detection_kind_name(sk_detection_kind kind)
{
    switch (kind) {
    case SK_DET_PORE: return "pore";
    case SK_DET_SPOT: return "spot";
    case SK_DET_REDNESS: return "redness";
    case SK_DET_WRINKLE: return "wrinkle";
    case SK_DET_SCAR: return "scar";
    default: return "unknown";
    }
}
