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
    int perimeter;      /* pixels of the component with a 4-neighbour outside it */
} sk_component_t;

/* A labelling workspace: the union-find table and the component list grow
 * as needed and are kept between calls. Zero-initialise, then free with
 * sk_label_ws_free. */
typedef struct sk_label_ws {
    int32_t *parent;
    size_t parent_cap;
    sk_component_t *comp;
    size_t comp_cap;
} sk_label_ws;
void sk_label_ws_free(sk_label_ws *ws);

/* 8-connected components of `mask` into `labels` (0 = background, 1..n in
 * raster order of each component's first pixel), with statistics of the
 * optional `values` plane (float, stride values_stride). *comps points into
 * the workspace (valid until the next call), *n gets the count.
 * Returns 0 or a negative sk_status. */
int sk_label(const uint8_t *mask, size_t mask_stride, int w, int h, int32_t *labels,
             size_t labels_stride, const float *values, size_t values_stride, sk_label_ws *ws,
             const sk_component_t **comps, int *n);

/* Binary morphology with a square ((2r+1)^2, separable running counts, cost
 * flat in r) or a disc (|d| <= r) structuring element. Outside the image
 * counts as off for dilation and on for erosion (so objects touching the
 * border are not eroded from it). scratch: sk_morph_scratch_size(w, h)
 * bytes, or NULL to allocate per call. src == dst is allowed. */
typedef enum sk_se { SK_SE_SQUARE = 0, SK_SE_DISK = 1 } sk_se;
size_t sk_morph_scratch_size(int w, int h);
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
 * (max_area <= 0: no upper bound), in place. */
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
 * from an end point or junction to the next end point or junction; closed
 * loops become one polyline. *lines and *pts point into the workspace.
 * Returns 0 or a negative sk_status. */
int sk_morph_trace(const uint8_t *skel, size_t stride, int w, int h, sk_trace_ws *ws,
                   const sk_polyline_t **lines, int *n_lines, const int32_t **pts);

#ifdef __cplusplus
}
#endif

#endif /* SK_MORPH_H */
