/* Thinning to one-pixel skeletons (Zhang & Suen 1984) and tracing the
 * skeleton into polylines. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sk_kernels.h"

/* Neighbours P2..P9 clockwise from north. */
static inline void nbrs(const uint8_t *m, size_t s, int x, int y, int w, int h, int p[8])
{
    static const int dx[8] = {0, 1, 1, 1, 0, -1, -1, -1}, dy[8] = {-1, -1, 0, 1, 1, 1, 0, -1};
    for (int k = 0; k < 8; k++) {
        int xx = x + dx[k], yy = y + dy[k];
        p[k] = xx >= 0 && yy >= 0 && xx < w && yy < h && m[(size_t)yy * s + xx] != 0;
    }
}

int sk_morph_thin(uint8_t *m, size_t s, int w, int h)
{
    if (!m || w < 1 || h < 1 || s < (size_t)w)
        return sk_error_set(SK_ERR_ARG, "thin: bad argument");
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            m[(size_t)y * s + x] = m[(size_t)y * s + x] != 0;
    /* pixels to delete are marked 2 during a sub-iteration, then cleared */
    int changed = 1;
    while (changed) {
        changed = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    if (m[(size_t)y * s + x] != 1)
                        continue;
                    int p[8];
                    nbrs(m, s, x, y, w, h, p);
                    int b = 0, a = 0;
                    for (int k = 0; k < 8; k++) {
                        b += p[k];
                        a += !p[k] && p[(k + 1) % 8];
                    }
                    if (b < 2 || b > 6 || a != 1)
                        continue;
                    /* P2 P4 P6 / P4 P6 P8 (pass 0); P2 P4 P8 / P2 P6 P8 (pass 1) */
                    if (pass == 0 ? (p[0] && p[2] && p[4]) || (p[2] && p[4] && p[6])
                                  : (p[0] && p[2] && p[6]) || (p[0] && p[4] && p[6]))
                        continue;
                    m[(size_t)y * s + x] = 2;
                }
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if (m[(size_t)y * s + x] == 2) {
                        m[(size_t)y * s + x] = 0;
                        changed = 1;
                    }
        }
    }
    /* Remove staircase corners: a pixel with two on 4-neighbours at a right
     * angle is redundant when deleting it keeps 8-connectivity, i.e. its
     * Yokoi connectivity number N8 = sum over k in {E, N, W, S} of
     * (~x_k - ~x_k ~x_{k+1} ~x_{k+2}) is 1 (neighbours counter-clockwise
     * from E, ~ = not). Sequential, so each removal is seen by the next. */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            if (!m[(size_t)y * s + x])
                continue;
            int p[8];
            nbrs(m, s, x, y, w, h, p);
            /* p: N NE E SE S SW W NW -> counter-clockwise from E */
            int q[8] = {p[2], p[1], p[0], p[7], p[6], p[5], p[4], p[3]};
            int b = 0;
            for (int k = 0; k < 8; k++)
                b += q[k];
            if (b < 2)
                continue;
            if (!((p[0] && p[2]) || (p[2] && p[4]) || (p[4] && p[6]) || (p[6] && p[0])))
                continue;
            int n8 = 0;
            for (int k = 0; k < 8; k += 2) {
                int a0 = !q[k], a1 = !q[(k + 1) & 7], a2 = !q[(k + 2) & 7];
                n8 += a0 - a0 * a1 * a2;
            }
            if (n8 == 1)
                m[(size_t)y * s + x] = 0;
        }
    return SK_OK;
}

void sk_trace_ws_free(sk_trace_ws *ws)
{
    if (!ws)
        return;
    free(ws->lines);
    free(ws->pts);
    free(ws->visited);
    memset(ws, 0, sizeof *ws);
}

static int push_pt(sk_trace_ws *ws, size_t *n, int x, int y)
{
    if (2 * (*n + 1) > ws->pts_cap) {
        size_t cap = ws->pts_cap ? ws->pts_cap * 2 : 4096;
        int32_t *q = realloc(ws->pts, cap * sizeof *q);
        if (!q)
            return SK_ERR_NOMEM;
        ws->pts = q;
        ws->pts_cap = cap;
    }
    ws->pts[2 * *n] = x;
    ws->pts[2 * *n + 1] = y;
    (*n)++;
    return SK_OK;
}

static int push_line(sk_trace_ws *ws, int *nl, int first, int n, double len)
{
    if ((size_t)*nl + 1 > ws->lines_cap) {
        size_t cap = ws->lines_cap ? ws->lines_cap * 2 : 256;
        sk_polyline_t *q = realloc(ws->lines, cap * sizeof *q);
        if (!q)
            return SK_ERR_NOMEM;
        ws->lines = q;
        ws->lines_cap = cap;
    }
    ws->lines[*nl] = (sk_polyline_t){first, n, len};
    (*nl)++;
    return SK_OK;
}

static const int DX[8] = {0, 1, 1, 1, 0, -1, -1, -1}, DY[8] = {-1, -1, 0, 1, 1, 1, 0, -1};

static int degree(const uint8_t *m, size_t s, int w, int h, int x, int y)
{
    int d = 0;
    for (int k = 0; k < 8; k++) {
        int xx = x + DX[k], yy = y + DY[k];
        d += xx >= 0 && yy >= 0 && xx < w && yy < h && m[(size_t)yy * s + xx];
    }
    return d;
}

/* Walk from (x, y) into neighbour k, recording points until a node (degree
 * != 2) or a visited pixel. Edges between pixels are marked by visiting the
 * non-node pixels. */
static int walk(const uint8_t *m, size_t s, int w, int h, sk_trace_ws *ws, size_t *np, int x,
                int y, int k, int *nl)
{
    size_t first = *np;
    double len = 0;
    if (push_pt(ws, np, x, y) < 0)
        return SK_ERR_NOMEM;
    int cx = x + DX[k], cy = y + DY[k], px = x, py = y;
    for (;;) {
        len += (cx != px && cy != py) ? M_SQRT2 : 1.0;
        if (push_pt(ws, np, cx, cy) < 0)
            return SK_ERR_NOMEM;
        size_t ci = (size_t)cy * w + cx;
        int deg = degree(m, s, w, h, cx, cy);
        if (deg != 2 || ws->visited[ci])
            break;
        ws->visited[ci] = 1;
        /* next: the neighbour that is not where we came from, preferring
         * 4-neighbours so corners are not cut */
        int nx = -1, ny = -1;
        for (int pass = 0; pass < 2 && nx < 0; pass++)
            for (int j = pass; j < 8; j += 2) {
                int xx = cx + DX[j], yy = cy + DY[j];
                if (xx < 0 || yy < 0 || xx >= w || yy >= h || !m[(size_t)yy * s + xx])
                    continue;
                if (xx == px && yy == py)
                    continue;
                nx = xx, ny = yy;
                break;
            }
        if (nx < 0)
            break;
        px = cx, py = cy;
        cx = nx, cy = ny;
    }
    return push_line(ws, nl, (int)first, (int)(*np - first), len);
}

int sk_morph_trace(const uint8_t *m, size_t s, int w, int h, sk_trace_ws *ws,
                   const sk_polyline_t **lines, int *n_lines, const int32_t **pts)
{
    if (!m || !ws || !lines || !n_lines || !pts || w < 1 || h < 1)
        return sk_error_set(SK_ERR_ARG, "trace: bad argument");
    size_t need = (size_t)w * h;
    if (need > ws->visited_cap) {
        uint8_t *v = realloc(ws->visited, need);
        if (!v)
            return sk_error_set(SK_ERR_NOMEM, "trace: out of memory");
        ws->visited = v;
        ws->visited_cap = need;
    }
    memset(ws->visited, 0, need);
    size_t np = 0;
    int nl = 0;
    /* from every node (end point or junction), along every branch whose first
     * pixel has not been walked; a branch straight into another node is
     * taken once, from the node met first in raster order */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            if (!m[(size_t)y * s + x] || degree(m, s, w, h, x, y) == 2)
                continue;
            for (int k = 0; k < 8; k++) {
                int xx = x + DX[k], yy = y + DY[k];
                if (xx < 0 || yy < 0 || xx >= w || yy >= h || !m[(size_t)yy * s + xx])
                    continue;
                int dn = degree(m, s, w, h, xx, yy);
                if (dn == 2 && ws->visited[(size_t)yy * w + xx])
                    continue;
                if (dn != 2 && (yy * w + xx) < (y * w + x))
                    continue;
                if (walk(m, s, w, h, ws, &np, x, y, k, &nl) < 0)
                    return sk_error_set(SK_ERR_NOMEM, "trace: out of memory");
            }
        }
    /* closed loops: all pixels of degree 2, never visited */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            if (!m[(size_t)y * s + x] || ws->visited[i] || degree(m, s, w, h, x, y) != 2)
                continue;
            ws->visited[i] = 1;
            int k;
            for (k = 0; k < 8; k++) {
                int xx = x + DX[k], yy = y + DY[k];
                if (xx >= 0 && yy >= 0 && xx < w && yy < h && m[(size_t)yy * s + xx])
                    break;
            }
            if (walk(m, s, w, h, ws, &np, x, y, k, &nl) < 0)
                return sk_error_set(SK_ERR_NOMEM, "trace: out of memory");
        }
    *lines = ws->lines;
    *n_lines = nl;
    *pts = ws->pts;
    return SK_OK;
}
