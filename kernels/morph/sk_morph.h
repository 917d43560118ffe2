/* skintrack kernels: morph family (connected components, binary morphology,
 * thinning and skeleton tracing). Included through sk_kernels.h.
 * Binary masks are uint8_t planes, 0 = off, nonzero = on (the kernels write
 * 0 and 1); strides of masks and label planes count elements.
 * Definitions: docs/kernels/morph.md. */
#ifndef SK_MORPH_H
#define SK_MORPH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Per-component statistics of a labelling. */
typedef struct sk_component {
    int label;          /* 1..n */
    int64_t area;       /* pixels */
    double cx, cy;      /* centroid */
    int x0, y0, x1, y1; /* bounding box, inclusive */
    double sum, min, max; /* of the value plane when given, else 0 */
    int perimeter;      /* pixels of the component with a 4-neighbour outside it
                           (outside the image counts as outside) */
    double mean;        /* sum / area (0 without a value plane) */
} sk_component_t;

/* A labelling workspace: the run table, the union-find table and the
 * component list grow as needed (realloc) and are kept between calls, so a
 * worker that labels many images allocates only while they grow.
 * Zero-initialise (sk_label_ws ws = {0}), then free with sk_label_ws_free.
 * Not shared between threads. */
typedef struct sk_label_ws {
    int32_t *parent; /* union-find over runs */
    size_t parent_cap;
    sk_component_t *comp;
    size_t comp_cap;
    int32_t *runs; /* x0, x1 (exclusive) per run, raster order */
    size_t runs_cap;
    int32_t *row_first; /* index of each row's first run, h + 1 entries */
    size_t row_first_cap;
} sk_label_ws;
void sk_label_ws_free(sk_label_ws *ws);

/* 8-connected components of `mask` into `labels` (0 = background, 1..n in
 * raster order of each component's first pixel), with statistics of the
 * optional `values` plane (float, stride values_stride; may be NULL).
 * Run-based two-pass labelling with union-find over runs. *comps points into
 * the workspace (valid until the next call with it), *n gets the count;
 * comps[k] describes label k + 1. Returns 0 or a negative sk_status
 * (SK_ERR_NOMEM when the workspace cannot grow). */
int sk_label(const uint8_t *mask, size_t mask_stride, int w, int h, int32_t *labels,
             size_t labels_stride, const float *values, size_t values_stride, sk_label_ws *ws,
             const sk_component_t **comps, int *n);

/* Binary morphology with a square ((2r+1)^2) or a disc (dx^2 + dy^2 <= r^2)
 * structuring element of radius r >= 0, on bit-packed rows (64 pixels per
 * word). Square: separable; a horizontal OR over 2r+1 bits by doubling and a
 * vertical van Herk / Gil-Werman running OR, so the cost is flat in r. Disc:
 * the OR over its 2r+1 rows of each row dilated by the disc's half-width,
 * each from a sparse table of doubled ORs (O(r) word operations per 64
 * pixels). Erosion is the complement of the dilation of the complement.
 * Outside the image counts as off for dilation and on for erosion (so
 * objects touching the border are not eroded from it). Outputs 0/1.
 * scratch: sk_morph_scratch_size(w, h) bytes (enough for any r and for
 * sk_morph_fill_holes) or sk_morph_scratch_size_r(w, h, r) (enough for that
 * r), or NULL to allocate per call. src == dst (same stride) is allowed. */
typedef enum sk_se { SK_SE_SQUARE = 0, SK_SE_DISK = 1 } sk_se;
size_t sk_morph_scratch_size(int w, int h);
size_t sk_morph_scratch_size_r(int w, int h, int r);
int sk_morph_dilate(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                    sk_se se, void *scratch);
int sk_morph_erode(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                   sk_se se, void *scratch);
int sk_morph_open(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                  sk_se se, void *scratch);
int sk_morph_close(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h, int r,
                   sk_se se, void *scratch);

/* Fill holes: background regions not 4-connected to the border become on.
 * scratch: sk_morph_scratch_size(w, h) bytes or NULL. In place allowed. */
int sk_morph_fill_holes(const uint8_t *src, size_t ss, uint8_t *dst, size_t ds, int w, int h,
                        void *scratch);

/* Remove components (8-connected) whose area is outside [min_area, max_area]
 * (max_area <= 0: no upper bound), in place; kept pixels keep their value.
 * labels (caller-owned, w x h int32) gets the labelling of the input
 * (before filtering); ws as for sk_label. */
int sk_morph_area_filter(uint8_t *mask, size_t stride, int w, int h, int64_t min_area,
                         int64_t max_area, int32_t *labels, size_t labels_stride,
                         sk_label_ws *ws);

/* Thin a mask to an 8-connected, one-pixel-wide skeleton in place
 * (Zhang & Suen 1984, with the usual pass to remove the staircase pixels
 * that leave 4-adjacent diagonal steps). Returns 0 or SK_ERR_ARG. */
int sk_morph_thin(uint8_t *mask, size_t stride, int w, int h);

/* A skeleton split into polylines between end points and junctions. */
typedef struct sk_polyline {
    int first; /* index of the first point in the points array */
    int n;     /* points */
    double length; /* 1 per straight step, sqrt(2) per diagonal step */
} sk_polyline_t;

typedef struct sk_trace_ws {
    sk_polyline_t *lines;
    size_t lines_cap;
    int32_t *pts; /* x, y pairs */
    size_t pts_cap;
    uint8_t *visited;
    size_t visited_cap;
} sk_trace_ws;
void sk_trace_ws_free(sk_trace_ws *ws);

/* Trace a thinned skeleton (from sk_morph_thin) into polylines: each runs
 * from an end point or junction (a pixel whose number of 8-neighbours is not
 * 2) to the next; adjacent junction pixels count as one junction (no
 * polyline between them); closed loops become one polyline. Points are x, y
 * pairs: line i has points pts[2 * (first + k)], k < n. length counts 1 per
 * axial and sqrt(2) per diagonal step. *lines and *pts point into the
 * workspace (valid until its next use; zero-initialise it, free with
 * sk_trace_ws_free). Returns 0 or a negative sk_status. */
int sk_morph_trace(const uint8_t *skel, size_t stride, int w, int h, sk_trace_ws *ws,
                   const sk_polyline_t **lines, int *n_lines, const int32_t **pts);

#ifdef __cplusplus
}
#endif

#endif /* SK_MORPH_H */
