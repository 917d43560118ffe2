/* Tracing a one-pixel skeleton into polylines between end points and
 * junctions (nodes: pixels whose number of 8-neighbours is not 2; an
 * 8-connected cluster of junction pixels, as thinning leaves at a crossing,
 * acts as one junction). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sk_kernels.h"

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
            const int d0 = m[(size_t)y * s + x] ? degree(m, s, w, h, x, y) : 2;
            if (d0 == 2)
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
                /* adjacent junction pixels form one junction: no polyline
                 * between them */
                if (d0 >= 3 && dn >= 3)
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
