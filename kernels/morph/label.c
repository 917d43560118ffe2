/* 8-connected component labelling (two passes with union-find) and
 * per-component statistics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sk_kernels.h"

void sk_label_ws_free(sk_label_ws *ws)
{
    if (!ws)
        return;
    free(ws->parent);
    free(ws->comp);
    memset(ws, 0, sizeof *ws);
}

static int32_t find(int32_t *p, int32_t x)
{
    while (p[x] != x) {
        p[x] = p[p[x]];
        x = p[x];
    }
    return x;
}

static void unite(int32_t *p, int32_t a, int32_t b)
{
    a = find(p, a);
    b = find(p, b);
    if (a < b)
        p[b] = a;
    else if (b < a)
        p[a] = b;
}

static int grow(void **buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return SK_OK;
    size_t n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    void *q = realloc(*buf, n * elem);
    if (!q)
        return sk_error_set(SK_ERR_NOMEM, "label: out of memory");
    *buf = q;
    *cap = n;
    return SK_OK;
}

int sk_label(const uint8_t *mask, size_t ms, int w, int h, int32_t *labels, size_t ls,
             const float *values, size_t vs, sk_label_ws *ws, const sk_component_t **comps,
             int *n_out)
{
    if (!mask || !labels || !ws || !comps || !n_out || w < 1 || h < 1 || ms < (size_t)w ||
        ls < (size_t)w)
        return sk_error_set(SK_ERR_ARG, "label: bad argument");
    /* provisional labels: at most one per run start, bounded by w*h/2+1 */
    int32_t next = 1;
    if (grow((void **)&ws->parent, &ws->parent_cap, 1024, sizeof(int32_t)) < 0)
        return SK_ERR_NOMEM;
    ws->parent[0] = 0;
    for (int y = 0; y < h; y++) {
        const uint8_t *m = mask + (size_t)y * ms;
        int32_t *l = labels + (size_t)y * ls;
        const int32_t *up = y > 0 ? labels + (size_t)(y - 1) * ls : NULL;
        for (int x = 0; x < w; x++) {
            if (!m[x]) {
                l[x] = 0;
                continue;
            }
            int32_t a = x > 0 ? l[x - 1] : 0;
            int32_t b = up ? up[x] : 0;
            int32_t c = up && x > 0 ? up[x - 1] : 0;
            int32_t d = up && x + 1 < w ? up[x + 1] : 0;
            int32_t best = 0;
            int32_t nb[4] = {a, b, c, d};
            for (int k = 0; k < 4; k++)
                if (nb[k] && (!best || nb[k] < best))
                    best = nb[k];
            if (!best) {
                if (grow((void **)&ws->parent, &ws->parent_cap, (size_t)next + 1,
                         sizeof(int32_t)) < 0)
                    return SK_ERR_NOMEM;
                ws->parent[next] = next;
                best = next++;
            } else {
                for (int k = 0; k < 4; k++)
                    if (nb[k] && nb[k] != best)
                        unite(ws->parent, best, nb[k]);
            }
            l[x] = best;
        }
    }
    /* final labels in raster order of first pixel: roots get numbers as the
     * second pass meets them */
    int32_t *p = ws->parent;
    int32_t *final = NULL;
    size_t fcap = 0;
    if (grow((void **)&final, &fcap, (size_t)next, sizeof(int32_t)) < 0)
        return SK_ERR_NOMEM;
    memset(final, 0, (size_t)next * sizeof(int32_t));
    int n = 0;
    for (int y = 0; y < h; y++) {
        int32_t *l = labels + (size_t)y * ls;
        for (int x = 0; x < w; x++) {
            if (!l[x])
                continue;
            int32_t r = find(p, l[x]);
            if (!final[r]) {
                final[r] = ++n;
                if (grow((void **)&ws->comp, &ws->comp_cap, (size_t)n, sizeof(sk_component_t)) <
                    0) {
                    free(final);
                    return SK_ERR_NOMEM;
                }
                sk_component_t *c = &ws->comp[n - 1];
                memset(c, 0, sizeof *c);
                c->label = n;
                c->x0 = c->x1 = x;
                c->y0 = c->y1 = y;
                c->min = INFINITY;
                c->max = -INFINITY;
            }
            l[x] = final[r];
        }
    }
    free(final);
    /* statistics */
    for (int y = 0; y < h; y++) {
        const int32_t *l = labels + (size_t)y * ls;
        for (int x = 0; x < w; x++) {
            int32_t k = l[x];
            if (!k)
                continue;
            sk_component_t *c = &ws->comp[k - 1];
            c->area++;
            c->cx += x;
            c->cy += y;
            if (x < c->x0)
                c->x0 = x;
            if (x > c->x1)
                c->x1 = x;
            if (y > c->y1)
                c->y1 = y;
            if (values) {
                double v = values[(size_t)y * vs + x];
                c->sum += v;
                if (v < c->min)
                    c->min = v;
                if (v > c->max)
                    c->max = v;
            }
            int edge = x == 0 || y == 0 || x == w - 1 || y == h - 1 || l[x - 1] != k ||
                       l[x + 1] != k || labels[(size_t)(y - 1) * ls + x] != k ||
                       labels[(size_t)(y + 1) * ls + x] != k;
            c->perimeter += edge;
        }
    }
    for (int i = 0; i < n; i++) {
        sk_component_t *c = &ws->comp[i];
        c->cx /= (double)c->area;
        c->cy /= (double)c->area;
        if (!values)
            c->min = c->max = 0;
    }
    *comps = ws->comp;
    *n_out = n;
    return SK_OK;
}

int sk_morph_area_filter(uint8_t *mask, size_t stride, int w, int h, int64_t min_area,
                         int64_t max_area, int32_t *labels, size_t ls, sk_label_ws *ws)
{
    const sk_component_t *c = NULL;
    int n = 0;
    int rc = sk_label(mask, stride, w, h, labels, ls, NULL, 0, ws, &c, &n);
    if (rc < 0)
        return rc;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int32_t k = labels[(size_t)y * ls + x];
            if (k && (c[k - 1].area < min_area || (max_area > 0 && c[k - 1].area > max_area)))
                mask[(size_t)y * stride + x] = 0;
        }
    return SK_OK;
}
