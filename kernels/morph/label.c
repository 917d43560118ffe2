/* 8-connected component labelling, run-based: pass 1 extracts each row's
 * runs of on pixels and unites every run with the runs of the row above
 * that touch it (overlap of [x0 - 1, x1] with the run's columns); pass 2
 * numbers the roots in raster order and writes the label plane run by run,
 * gathering the statistics per run. Union-find keeps the smallest run index
 * as the root, so a component's root is its first run in raster order (the
 * one holding its first pixel). Reference: He, Chao, Suzuki, "A run-based
 * two-scan labeling algorithm" (IEEE TIP 2008), simplified. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pmorph.h"

void sk_label_ws_free(sk_label_ws *ws)
{
    if (!ws)
        return;
    free(ws->parent);
    free(ws->comp);
    free(ws->runs);
    free(ws->row_first);
    memset(ws, 0, sizeof *ws);
}

static inline int32_t find(int32_t *p, int32_t x)
{
    while (p[x] != x) {
        p[x] = p[p[x]]; /* path halving */
        x = p[x];
    }
    return x;
}

static inline void unite(int32_t *p, int32_t a, int32_t b)
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
        return sk_error_set(SK_ERR_NOMEM, "label: out of memory (%zu entries)", n);
    *buf = q;
    *cap = n;
    return SK_OK;
}

int sk_morph_row_runs(const uint8_t *m, int w, int32_t *runs)
{
    /* 8 bytes at a time through long zero / nonzero stretches */
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    int n = 0, x = 0;
    while (x < w) {
        for (;;) {
            if (x + 8 > w)
                break;
            uint64_t v;
            memcpy(&v, m + x, 8);
            if (v)
                break;
            x += 8;
        }
        while (x < w && !m[x])
            x++;
        if (x >= w)
            break;
        int s = x;
        for (;;) {
            if (x + 8 > w)
                break;
            uint64_t v;
            memcpy(&v, m + x, 8);
            if ((v - ones) & ~v & highs) /* some byte is zero */
                break;
            x += 8;
        }
        while (x < w && m[x])
            x++;
        runs[2 * n] = s;
        runs[2 * n + 1] = x;
        n++;
    }
    return n;
}

int sk_label(const uint8_t *mask, size_t ms, int w, int h, int32_t *labels, size_t ls,
             const float *values, size_t vs, sk_label_ws *ws, const sk_component_t **comps,
             int *n_out)
{
    if (!mask || !labels || !ws || !comps || !n_out || w < 1 || h < 1 || ms < (size_t)w ||
        ls < (size_t)w || (values && vs < (size_t)w))
        return sk_error_set(SK_ERR_ARG, "label: bad argument (w %d, h %d)", w, h);
    if ((uint64_t)w * (uint64_t)h >= (1ull << 31))
        return sk_error_set(SK_ERR_TOO_LARGE, "label: %d x %d too large", w, h);
    if (grow((void **)&ws->row_first, &ws->row_first_cap, (size_t)h + 1, sizeof(int32_t)) < 0)
        return SK_ERR_NOMEM;
    /* pass 1: runs and their unions */
    const size_t per_row = ((size_t)w + 1) / 2;
    size_t nr = 0;
    for (int y = 0; y < h; y++) {
        if (grow((void **)&ws->runs, &ws->runs_cap, 2 * (nr + per_row), sizeof(int32_t)) < 0 ||
            grow((void **)&ws->parent, &ws->parent_cap, nr + per_row, sizeof(int32_t)) < 0)
            return SK_ERR_NOMEM;
        ws->row_first[y] = (int32_t)nr;
        int32_t *runs = ws->runs, *p = ws->parent;
        int k = sk_morph_row_runs(mask + (size_t)y * ms, w, runs + 2 * nr);
        size_t j = y > 0 ? (size_t)ws->row_first[y - 1] : nr, je = nr;
        for (int i = 0; i < k; i++) {
            const size_t r = nr + (size_t)i;
            const int32_t x0 = runs[2 * r], x1 = runs[2 * r + 1];
            p[r] = (int32_t)r;
            /* runs above ending before column x0 - 1 touch neither this run
             * nor any later one */
            while (j < je && runs[2 * j + 1] < x0)
                j++;
            for (size_t t = j; t < je && runs[2 * t] <= x1; t++)
                unite(p, (int32_t)r, (int32_t)t);
        }
        nr += (size_t)k;
    }
    ws->row_first[h] = (int32_t)nr;
    /* pass 2: final labels in raster order. Parents always have smaller
     * indices (unite links to the smaller root, path halving only shortcuts),
     * so walking the runs in order, p[p[r]] is already final: p[r] becomes
     * minus the final label of run r. */
    int32_t *p = ws->parent;
    int n = 0;
    for (size_t r = 0; r < nr; r++) {
        if (p[r] == (int32_t)r) {
            n++;
            if (grow((void **)&ws->comp, &ws->comp_cap, (size_t)n, sizeof(sk_component_t)) < 0)
                return SK_ERR_NOMEM;
            sk_component_t *c = &ws->comp[n - 1];
            memset(c, 0, sizeof *c);
            c->label = n;
            c->x0 = w, c->x1 = -1;
            c->y0 = h, c->y1 = -1;
            c->min = values ? INFINITY : 0;
            c->max = values ? -INFINITY : 0;
            p[r] = -n; /* negative: final label, distinct from run indices */
        } else {
            p[r] = p[p[r]];
        }
    }
    /* label plane and statistics, run by run */
    for (int y = 0; y < h; y++) {
        int32_t *l = labels + (size_t)y * ls;
        const uint8_t *up = y > 0 ? mask + (size_t)(y - 1) * ms : NULL;
        const uint8_t *dn = y + 1 < h ? mask + (size_t)(y + 1) * ms : NULL;
        const float *v = values ? values + (size_t)y * vs : NULL;
        int xprev = 0;
        for (int32_t r = ws->row_first[y]; r < ws->row_first[y + 1]; r++) {
            const int x0 = ws->runs[2 * r], x1 = ws->runs[2 * r + 1];
            const int32_t lab = -p[r];
            for (int x = xprev; x < x0; x++)
                l[x] = 0;
            for (int x = x0; x < x1; x++)
                l[x] = lab;
            xprev = x1;
            sk_component_t *c = &ws->comp[lab - 1];
            const int64_t len = x1 - x0;
            c->area += len;
            c->cx += (double)((int64_t)(x0 + x1 - 1) * len) * 0.5;
            c->cy += (double)y * (double)len;
            c->x0 = x0 < c->x0 ? x0 : c->x0;
            c->x1 = x1 - 1 > c->x1 ? x1 - 1 : c->x1;
            c->y0 = y < c->y0 ? y : c->y0;
            c->y1 = y;
            /* perimeter: the run's ends, and inner pixels with the pixel
             * above or below off (or outside the image) */
            int per = len >= 2 ? 2 : 1;
            if (!up || !dn)
                per = (int)len;
            else
                for (int x = x0 + 1; x < x1 - 1; x++)
                    per += (up[x] == 0) | (dn[x] == 0);
            c->perimeter += per;
            if (v) {
                double s = 0;
                float mn = v[x0], mx = v[x0];
                for (int x = x0; x < x1; x++) {
                    s += v[x];
                    mn = v[x] < mn ? v[x] : mn;
                    mx = v[x] > mx ? v[x] : mx;
                }
                c->sum += s;
                c->min = mn < c->min ? mn : c->min;
                c->max = mx > c->max ? mx : c->max;
            }
        }
        for (int x = xprev; x < w; x++)
            l[x] = 0;
    }
    for (int i = 0; i < n; i++) {
        sk_component_t *c = &ws->comp[i];
        c->cx /= (double)c->area;
        c->cy /= (double)c->area;
        c->mean = values ? c->sum / (double)c->area : 0;
    }
    *comps = ws->comp;
    *n_out = n;
    return SK_OK;
}
